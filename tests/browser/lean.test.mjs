// wendu/lean in headless Chromium: the module fetches its default pack (pkg/packs/
// cn-banking.wdp) beside it, in parallel with its own streaming compile; the default-pack
// vectors are byte-identical to the full module's; a missing or damaged asset leaves the module
// usable and makes `new Engine()` a WenduError that names the asset; wendu/lean/bare fetches no
// default pack at all.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { openPage } from "./chromium.mjs";
import { serve } from "./server.mjs";
import { loadVectors, compiledOptions } from "../js/vectors.mjs";
import { describeFailures } from "../js/run-vectors.mjs";

const repo = resolve(fileURLToPath(import.meta.url), "../../..");
const asset = "/pkg/packs/cn-banking.wdp";
const good = readFileSync(resolve(repo, "pkg/packs/cn-banking.wdp"));
const flipped = Buffer.from(good);
flipped[flipped.length >> 1] ^= 0x40;

// /missing/… and /damaged/… serve the repository with the asset gone or changed.
const server = await serve(repo, (path) => {
  for (const [prefix, answer] of [["/missing", { status: 404 }], ["/damaged", { body: flipped }]]) {
    if (path.startsWith(prefix + "/")) {
      const rest = path.slice(prefix.length);
      return rest === asset ? answer : { path: rest };
    }
  }
  return undefined;
});
const pages = [];
async function open(prefix, query = "") {
  const p = await openPage(`${server.url}${prefix}/tests/browser/lean.html${query}`);
  pages.push(p);
  return p.page;
}
after(async () => {
  for (const p of pages) await p.close();
  await server.close();
});

test("wendu/lean in Chromium: the default pack from its asset, the vectors byte-identical", async () => {
  const page = await open("");
  const vectors = loadVectors().filter((v) => v.pack === null);
  const { checked, failures } = await page.evaluate(
    ([v, o]) => window.runVectors(window.lean, v, { ...o, compiler: window.full }),
    [vectors, compiledOptions()],
  );
  assert.ok(checked >= 100, `only ${checked} checks`);
  assert.equal(failures.length, 0, `${failures.length} of ${checked} differ:\n${describeFailures(failures)}`);
  const same = await page.evaluate(() => {
    const c = { id: "b1", text: "信用卡被乱收年费，我要打12378投诉" };
    return new window.lean.Engine("cn-banking").classifyJSON(c) === new window.full.Engine().classifyJSON(c) &&
      JSON.stringify(window.lean.Engine.check()) === JSON.stringify(window.full.Engine.check());
  });
  assert.ok(same);
  const t = await page.evaluate(() => window.timings);
  console.log(
    `wendu/lean in Chromium: import ${t.importDone.toFixed(1)} ms (module's last byte at ${(t.wasmEnd - t.t0).toFixed(1)}, ` +
      `the pack's at ${(t.packEnd - t.t0).toFixed(1)}) + default pack ${t.defaultPack.toFixed(1)} ms`,
  );
});

for (const [prefix, why] of [["/missing", /could not be loaded from .*cn-banking\.wdp: HTTP 404/], ["/damaged", /^the default pack \(.*cn-banking\.wdp\): .*invalid compiled pack: checksum mismatch/]]) {
  test(`wendu/lean in Chromium with the asset ${prefix.slice(1)}: a WenduError, the module still works`, async () => {
    const page = await open(prefix);
    const out = await page.evaluate(() => {
      const { Engine, TriggerEngine, WenduError } = window.lean;
      const errors = [() => new Engine(), () => new TriggerEngine()].map((f) => {
        try {
          f();
          return null;
        } catch (e) {
          return { isWendu: e instanceof WenduError, code: e.code, message: e.message };
        }
      });
      const bytes = new window.full.Engine().toCompiled();
      const verdict = new Engine(bytes).verdictJSON({ text: "乱收年费" }) === new window.full.Engine().verdictJSON({ text: "乱收年费" });
      return { errors, verdict };
    });
    for (const e of out.errors) {
      assert.ok(e && e.isWendu, JSON.stringify(e));
      assert.equal(e.code, "invalid_pack");
      assert.match(e.message, why);
    }
    assert.ok(out.verdict);
  });
}

test("wendu/lean/bare in Chromium fetches no default pack; new Engine() asks for one", async () => {
  const page = await open("", "?bare");
  const out = await page.evaluate(() => {
    const { Engine, WenduError } = window.lean;
    let error = null;
    try {
      new Engine();
    } catch (e) {
      error = { isWendu: e instanceof WenduError, code: e.code, message: e.message };
    }
    const bytes = new window.full.Engine().toCompiled();
    const same = new Engine(bytes).classifyJSON({ text: "乱收年费" }) === new window.full.Engine().classifyJSON({ text: "乱收年费" });
    return { error, same, fetched: window.fetched };
  });
  assert.ok(out.error && out.error.isWendu, JSON.stringify(out.error));
  assert.equal(out.error.code, "invalid_pack");
  assert.match(out.error.message, /pass a pack/);
  assert.ok(out.same);
  assert.ok(out.fetched.includes("wendu_wasm_bg.wasm"), out.fetched.join(", "));
  assert.ok(!out.fetched.some((f) => f.endsWith(".wdp")), out.fetched.join(", "));
});
