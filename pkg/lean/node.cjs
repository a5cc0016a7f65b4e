"use strict";
// wendu/lean for Node (CommonJS): the module without the `json-packs` feature (compiled packs
// only; see web.mjs beside this file), loaded synchronously from disk.
const raw = require("./node/wendu_wasm.js");
const { bind } = require("../node/api.cjs");

module.exports = bind(raw);
