// The package through a bundler (`wendu` and `wendu/lean` with its default pack asset): `npm run build` (tsc --noEmit against the shipped types — the
// app and every golden vector's output, see types-from-vectors.mjs — then vite build) must succeed, and the built app, served from 127.0.0.1 and run in headless
// Chromium, must give byte-identical JSON for every golden vector.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { openPage } from "../browser/chromium.mjs";
import { serve } from "../browser/server.mjs";
import { loadVectors, compiledOptions } from "../js/vectors.mjs";
import { describeFailures } from "../js/run-vectors.mjs";
import { writeTypeChecks } from "./types-from-vectors.mjs";

const here = dirname(fileURLToPath(import.meta.url));
let server, closePage, page;

let typed = 0;

before(async () => {
  // The build type-checks the app and every golden vector's output against the shipped types.
  typed = writeTypeChecks();
  execFileSync("npm", ["run", "--silent", "build"], { cwd: here, stdio: "inherit" });
  server = await serve(join(here, "dist"));
  ({ page, close: closePage } = await openPage(`${server.url}/index.html`));
});

after(async () => {
  await closePage?.();
  await server?.close();
});

test("the shipped types accept every output of the golden vectors (tsc passed)", () => {
  assert.ok(typed > 250, `only ${typed} typed constants`);
});

test("vite emitted the modules and wendu/lean's default pack as assets", () => {
  const assets = readdirSync(join(here, "dist/assets"));
  assert.equal(assets.filter((f) => f.endsWith(".wasm")).length, 2, assets.join(", "));
  assert.ok(assets.some((f) => f.endsWith(".wdp")), assets.join(", "));
});

test("the bundled app ran", async () => {
  const s = await page.evaluate(() => window.app.summary);
  assert.equal(s.top, "C07");
  assert.equal(s.batchCode, "cn-banking");
  assert.ok(s.problems > 0);
  assert.equal(s.error, "invalid_input /customer/age");
  assert.equal(s.accepted, 1);
  assert.equal(s.verdictTop, "C07");
  assert.equal(s.verdictError, "invalid_input");
  assert.equal(s.leanSame, true, "wendu/lean's default pack (the emitted asset) decides as the full module's");
});

test("every golden vector is byte-identical in the bundled app", async () => {
  const vectors = loadVectors();
  const { checked, failures } = await page.evaluate((v) => window.app.runVectors(window.app.wendu, v), vectors);
  assert.ok(checked >= 100);
  assert.equal(failures.length, 0, `${failures.length} of ${checked} differ:\n${describeFailures(failures)}`);
});

test("every golden vector in the bundled app with packs compiled there", async () => {
  const { checked, failures } = await page.evaluate(
    ([v, o]) => window.app.runVectors(window.app.wendu, v, o),
    [loadVectors(), compiledOptions()],
  );
  assert.ok(checked >= 100);
  assert.equal(failures.length, 0, `${failures.length} of ${checked} differ:\n${describeFailures(failures)}`);
});
