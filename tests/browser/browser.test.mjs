// The browser build in headless Chromium: pkg/web.mjs loaded by a <script type="module"> page
// from 127.0.0.1 with no COOP/COEP headers, every golden vector byte-identical, errors as
// WenduError, and the cold start measured. Uses Debian's chromium (CHROMIUM to override).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { openPage } from "./chromium.mjs";
import { serve } from "./server.mjs";
import { loadVectors, compiledOptions } from "../js/vectors.mjs";
import { describeFailures } from "../js/run-vectors.mjs";

const repo = resolve(fileURLToPath(import.meta.url), "../../..");
let server, closePage, page;

before(async () => {
  server = await serve(repo);
  ({ page, close: closePage } = await openPage(`${server.url}/tests/browser/index.html`));
});

after(async () => {
  await closePage?.();
  await server?.close();
});

test("no special headers: not cross-origin isolated, no SharedArrayBuffer needed", async () => {
  assert.equal(await page.evaluate(() => self.crossOriginIsolated), false);
});

test("every golden vector is byte-identical in Chromium", async () => {
  const vectors = loadVectors();
  const { checked, failures } = await page.evaluate((v) => window.runVectors(window.wendu, v), vectors);
  assert.ok(checked >= 100);
  assert.equal(failures.length, 0, `${failures.length} of ${checked} differ:\n${describeFailures(failures)}`);
});

test("every golden vector is byte-identical in Chromium with packs compiled in the page", async () => {
  const { checked, failures } = await page.evaluate(
    ([v, o]) => window.runVectors(window.wendu, v, o),
    [loadVectors(), compiledOptions()],
  );
  assert.ok(checked >= 100);
  assert.equal(failures.length, 0, `${failures.length} of ${checked} differ:\n${describeFailures(failures)}`);
});

test("errors are WenduError in the browser too", async () => {
  const e = await page.evaluate(() => {
    try {
      new window.wendu.Engine().classify({ text: 1 });
    } catch (err) {
      return { isWendu: err instanceof window.wendu.WenduError, code: err.code, path: err.problems[0].path };
    }
    return null;
  });
  assert.deepEqual(e, { isWendu: true, code: "invalid_input", path: "/text" });
});

test("cold start: instantiate + default pack", async () => {
  const t = await page.evaluate(() => window.timings);
  console.log(
    `browser cold start: import + instantiate ${t.instantiate.toFixed(1)} ms (compile + instantiate after the .wasm arrived: ` +
      `${t.afterDownload.toFixed(1)} ms) + default pack ${t.defaultPack.toFixed(1)} ms = ${t.coldStart.toFixed(1)} ms`,
  );
  assert.ok(t.coldStart < 2000, `cold start ${t.coldStart} ms`);
});
