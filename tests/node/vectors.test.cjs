// Golden vectors through the package's CommonJS entry (`require("wendu")` → pkg/node.cjs).
const { test } = require("node:test");
const assert = require("node:assert/strict");
const wendu = require("wendu");

test("every golden vector is byte-identical through require", async () => {
  const { loadVectors } = await import("../js/vectors.mjs");
  const { runVectors, describeFailures } = await import("../js/run-vectors.mjs");
  const { checked, failures } = runVectors(wendu, loadVectors());
  assert.equal(failures.length, 0, `${failures.length} of ${checked} differ:\n${describeFailures(failures)}`);
});

test("every golden vector through require, packs compiled here and loaded from bytes", async () => {
  const { loadVectors, compiledOptions } = await import("../js/vectors.mjs");
  const { runVectors, describeFailures } = await import("../js/run-vectors.mjs");
  const { checked, failures } = runVectors(wendu, loadVectors(), compiledOptions());
  assert.equal(failures.length, 0, `${failures.length} of ${checked} differ:\n${describeFailures(failures)}`);
});

test("require and import share one module instance", async () => {
  const esm = await import("wendu");
  assert.equal(esm.Engine, wendu.Engine);
  assert.equal(esm.WenduError, wendu.WenduError);
});
