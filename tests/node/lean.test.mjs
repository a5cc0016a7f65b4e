// `wendu/lean` (the module without the `json-packs` feature): every golden vector with its pack
// compiled by the full package and loaded from bytes, the default pack built in; JSON packs are
// refused with a WenduError.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as full from "wendu";
import * as lean from "wendu/lean";
import { createRequire } from "node:module";
import { loadVectors, compiledOptions } from "../js/vectors.mjs";
import { runVectors, describeFailures } from "../js/run-vectors.mjs";

// The lean module has no regex compiler: a compiled pack that stores a regex as its source
// (4 regexes or more, or a regex whose DFAs exceed 32 KB; docs/compiled-pack.md) is refused,
// saying so. Those packs' vectors are left out here, and counted.
function leanLoads(pack) {
  if (pack === null) return true;
  let bytes;
  try {
    bytes = new full.Engine(pack).toCompiled();
  } catch {
    return true; // a pack error: the same error either way
  }
  try {
    new lean.Engine(bytes).free();
    return true;
  } catch (e) {
    assert.match(e.message, /no regex compiler/);
    return false;
  }
}

test("every golden vector is byte-identical in wendu/lean with packs compiled by the full module", () => {
  const all = loadVectors();
  const loads = new Map();
  const vectors = all.filter((v) => {
    if (!loads.has(v.pack)) loads.set(v.pack, leanLoads(v.pack));
    return loads.get(v.pack);
  });
  const refused = [...loads.values()].filter((ok) => !ok).length;
  assert.ok(refused <= 2, `${refused} vector packs need the regex compiler`);
  const { checked, failures } = runVectors(lean, vectors, { ...compiledOptions(), compiler: full });
  assert.ok(checked > 500, `only ${checked} checks (${all.length - vectors.length} vectors left out)`);
  assert.equal(failures.length, 0, `${failures.length} of ${checked} differ:\n${describeFailures(failures)}`);
});

test("wendu/lean refuses JSON packs, and require gives the same entry", () => {
  const pack = '{"pack": {"id": "p", "version": "1"}, "dimensions": []}';
  assert.throws(
    () => new lean.Engine(pack),
    (e) => e instanceof lean.WenduError && e.code === "invalid_pack" && /compiled packs only/.test(e.message),
  );
  const viaRequire = createRequire(import.meta.url)("wendu/lean");
  assert.equal(viaRequire.Engine, lean.Engine);
  assert.equal(new lean.Engine().verdictJSON({ id: "c", text: "乱收年费" }), new full.Engine().verdictJSON({ id: "c", text: "乱收年费" }));
});
