// wendu/lean for browsers and bundlers: the module without the `json-packs` feature — it loads
// compiled packs only (`new Engine()` for the built-in default pack, `new Engine(bytes)` for a
// .wdp; JSON pack text is refused with a WenduError). About half the size of the full module.
// Fetches and instantiates the module once, with top-level await, next to this file.
import init, * as raw from "./web/wendu_wasm.js";
import { bind } from "../api.mjs";

await init();

export const { Engine, TriggerEngine, WenduError, version } = bind(raw);
