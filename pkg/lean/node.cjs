"use strict";
// wendu/lean for Node (CommonJS): the module without the `json-packs` and `builtin-packs`
// features (compiled packs only, none inside; see web.mjs beside this file), loaded
// synchronously from disk. The default pack is the package's packs/cn-banking.wdp, read on the
// first `new Engine()` that asks for it (a missing or damaged file: a WenduError then).
const { readFileSync } = require("node:fs");
const { join } = require("node:path");
const raw = require("./node/wendu_wasm.js");
const { bind } = require("../node/api.cjs");

const file = join(__dirname, "..", "packs", "cn-banking.wdp");
let bytes;

module.exports = bind(raw, {
  name: file,
  load() {
    if (bytes === undefined) bytes = new Uint8Array(readFileSync(file));
    return bytes;
  },
});
