"use strict";
// wendu for Node (CommonJS): the nodejs build of the module loads synchronously from disk; the
// shared API (api.mjs, copied to node/api.cjs by scripts/build-wasm.sh) wraps it.
const raw = require("./node/wendu_wasm.js");
const { bind } = require("./node/api.cjs");

module.exports = bind(raw);
