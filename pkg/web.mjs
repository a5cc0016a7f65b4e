// wendu for browsers (<script type="module">, and bundlers that resolve the "browser" condition):
// fetches and instantiates the module once, with top-level await, next to this file. No
// SharedArrayBuffer, no special headers.
import init, * as raw from "./web/wendu_wasm.js";
import { bind } from "./api.mjs";

await init();

export const { Engine, TriggerEngine, WenduError, version } = bind(raw);
