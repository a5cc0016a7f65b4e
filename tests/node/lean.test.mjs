// `wendu/lean` (the module without the `json-packs` and `builtin-packs` features): every golden
// vector with its pack compiled by the full package and loaded from bytes, the default pack read
// from its asset beside the module (missing or damaged: a WenduError); JSON packs are refused
// with a WenduError.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as full from "wendu";
import * as lean from "wendu/lean";
import { createRequire } from "node:module";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
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
  // In Node, wendu/lean/bare is wendu/lean (which reads its default pack only when asked).
  assert.equal(createRequire(import.meta.url)("wendu/lean/bare").Engine, lean.Engine);
  assert.equal(new lean.Engine().verdictJSON({ id: "c", text: "乱收年费" }), new full.Engine().verdictJSON({ id: "c", text: "乱收年费" }));
});

// The lean module carries no pack: its default pack is the package's packs/cn-banking.wdp,
// read from disk beside the module.
test("wendu/lean loads its default pack from the asset beside the module", () => {
  const c = { id: "a1", text: "信用卡被乱收年费，我已经打了12378投诉，不是本人操作" };
  const fullDefault = new full.Engine();
  for (const engine of [new lean.Engine(), new lean.Engine(null), new lean.Engine("cn-banking")]) {
    assert.deepEqual(engine.pack, fullDefault.pack);
    assert.equal(engine.classifyJSON(c), fullDefault.classifyJSON(c));
    engine.free();
  }
  assert.deepEqual(lean.Engine.check(), full.Engine.check());
  const event = { id: "r1", score: 1, scale: "csat5", at: "2026-05-01T09:00:00+08:00", branch: "BJ-001", comment: "银行卡被盗刷" };
  assert.deepEqual(new lean.TriggerEngine().ingest(event), new full.TriggerEngine().ingest(event));
  // The lean build gives back the bytes an engine was loaded from, and runs no pack tests (a
  // compiled pack carries none): the same as the full module on those bytes.
  const bytes = new full.Engine().toCompiled();
  assert.deepEqual(new lean.Engine().toCompiled(), bytes);
  assert.deepEqual(new lean.Engine(bytes).runTests(), new full.Engine(bytes).runTests());
  const own = new full.Engine({ pack: { id: "t", version: "1" }, dimensions: [{ id: "d", labels: [{ code: "x", name: "x", rules: [{ when: { terms: ["年费"] } }] }] }] }).toCompiled();
  assert.deepEqual(new lean.Engine(own).toCompiled(), own);
  // The marketing-review pack is not built in (its regexes need the compiler): a clear error.
  assert.throws(() => new lean.Engine("cn-marketing-review"), (e) => e instanceof lean.WenduError && e.code === "invalid_pack");
});

// A copy of the lean package in a temporary directory with the asset missing or replaced, loaded
// as a module instance of its own.
function leanWithAsset(asset) {
  const pkgDir = dirname(createRequire(import.meta.url).resolve("wendu/package.json"));
  const dir = mkdtempSync(join(tmpdir(), "wendu-lean-"));
  for (const f of ["lean/node.cjs", "lean/node/wendu_wasm.js", "lean/wendu_wasm_bg.wasm", "node/api.cjs"]) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    copyFileSync(join(pkgDir, f), join(dir, f));
  }
  if (asset !== null) {
    mkdirSync(join(dir, "packs"));
    writeFileSync(join(dir, "packs", "cn-banking.wdp"), asset);
  }
  return { api: createRequire(import.meta.url)(join(dir, "lean", "node.cjs")), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

test("wendu/lean without its default pack asset: a WenduError that names the file, the rest works", () => {
  const { api, remove } = leanWithAsset(null);
  try {
    for (const make of [() => new api.Engine(), () => new api.TriggerEngine(), () => api.Engine.check()]) {
      assert.throws(make, (e) => {
        assert.ok(e instanceof api.WenduError, String(e));
        assert.equal(e.code, "invalid_pack");
        assert.match(e.message, /default pack could not be loaded from .*cn-banking\.wdp: ENOENT/);
        assert.equal(e.problems[0].path, "");
        return true;
      });
    }
    // Packs passed as bytes do not need the asset.
    const bytes = new full.Engine().toCompiled();
    assert.equal(new api.Engine(bytes).verdictJSON({ text: "乱收年费" }), new full.Engine().verdictJSON({ text: "乱收年费" }));
  } finally {
    remove();
  }
});

test("wendu/lean with a damaged or foreign default pack asset: a WenduError, no crash", () => {
  const good = readFileSync(fileURLToPath(new URL("../../packs/cn-banking.wdp", import.meta.url)));
  const flipped = Buffer.from(good);
  flipped[flipped.length >> 1] ^= 0x40;
  const cases = [
    [flipped, /checksum/],
    [good.subarray(0, good.length - 1000), /invalid compiled pack/],
    [Buffer.alloc(0), /./],
    [Buffer.from('{"pack": {"id": "p", "version": "1"}, "dimensions": []}'), /compiled packs only/],
  ];
  for (const [asset, why] of cases) {
    const { api, remove } = leanWithAsset(asset);
    try {
      assert.throws(
        () => new api.Engine(),
        (e) => e instanceof api.WenduError && e.code === "invalid_pack" && /^the default pack \(.*cn-banking\.wdp\): /.test(e.message) && why.test(e.message),
      );
      assert.throws(() => new api.TriggerEngine(), (e) => e instanceof api.WenduError && e.code === "invalid_pack");
      const problems = api.Engine.check();
      assert.ok(problems.some((p) => p.severity === "error"), JSON.stringify(problems));
      // The module is still usable.
      assert.equal(new api.Engine(new full.Engine().toCompiled()).pack.id, "cn-banking");
    } finally {
      remove();
    }
  }
});

test("wendu/lean has no verdictColumns (the full module's batch path): a WenduError saying so", () => {
  const e = new lean.Engine();
  try {
    assert.throws(
      () => e.verdictColumns(["信用卡年费乱收"]),
      (err) => err instanceof lean.WenduError && err.code === "invalid_input" && /not in wendu\/lean/.test(err.message),
    );
    // The same texts through verdictBatch still work.
    assert.equal(e.verdictBatch([{ text: "信用卡年费乱收" }]).length, 1);
  } finally {
    e.free();
  }
});
