// wendu/lean/bare for browsers and bundlers: wendu/lean (web.mjs beside this file) without its
// default pack — nothing but the module is fetched, for pages that pass their own compiled
// pack (`new Engine(bytes)`). `new Engine()` with no pack throws a WenduError (invalid_pack)
// saying to pass one. In Node the package maps wendu/lean/bare to wendu/lean, which reads the
// default pack from disk only when asked for it.
import init, * as raw from "./web/wendu_wasm.js";
import { bind } from "../api.mjs";

await init();

export const { Engine, TriggerEngine, WenduError, version } = bind(raw);
