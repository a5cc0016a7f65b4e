// wendu for bundlers with WebAssembly ES-module integration (webpack 5 asyncWebAssembly, Rollup
// or Vite with a wasm plugin): the bundler instantiates the module.
import * as raw from "./bundler/wendu_wasm.js";
import { bind } from "./api.mjs";

export const { Engine, TriggerEngine, WenduError, version } = bind(raw);
