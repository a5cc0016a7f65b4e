// Golden vectors through the package's ES-module entry (`import "wendu"` → pkg/node.mjs).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as wendu from "wendu";
import { loadVectors, compiledOptions } from "../js/vectors.mjs";
import { runVectors, describeFailures } from "../js/run-vectors.mjs";

test("every golden vector is byte-identical through import", () => {
  const vectors = loadVectors();
  assert.ok(vectors.length >= 100, `only ${vectors.length} vectors`);
  const { checked, failures } = runVectors(wendu, vectors);
  assert.equal(failures.length, 0, `${failures.length} of ${checked} differ:\n${describeFailures(failures)}`);
});

test("every golden vector is byte-identical with packs compiled here and loaded from bytes", () => {
  const { checked, failures } = runVectors(wendu, loadVectors(), compiledOptions());
  assert.equal(failures.length, 0, `${failures.length} of ${checked} differ:\n${describeFailures(failures)}`);
});
