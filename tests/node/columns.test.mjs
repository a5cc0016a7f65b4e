// `engine.verdictColumns(texts)`: verdicts as typed arrays must mean exactly what the JSON
// verdicts say — `columns.verdict(i)` deep-equals `verdictBatch([{ text }])[i]` on the texts of
// every golden vector (per pack), on the example complaints, with lone surrogates and with
// errors — and bad input fails as a WenduError naming each bad index.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Engine, WenduError } from "wendu";
import { loadVectors } from "../js/vectors.mjs";

const same = (engine, texts) => {
  const cols = engine.verdictColumns(texts);
  const json = engine.verdictBatch(texts.map((text) => ({ text })));
  assert.equal(cols.length, texts.length);
  for (let i = 0; i < texts.length; i++) assert.deepEqual(cols.verdict(i), json[i], `text ${i}: ${JSON.stringify(texts[i]).slice(0, 80)}`);
  return cols;
};

test("columns mean what the JSON verdicts say, on the texts of every golden vector", () => {
  const byPack = new Map();
  for (const v of loadVectors().filter((v) => v.kind === "classify")) {
    const input = typeof v.input === "string" ? safeParse(v.input) : v.input;
    if (typeof input?.text !== "string") continue;
    if (!byPack.has(v.pack)) byPack.set(v.pack, []);
    byPack.get(v.pack).push({ text: input.text, v, only: Object.keys(input).length === 1 });
  }
  let checked = 0, golden = 0;
  for (const [pack, cases] of byPack) {
    let engine;
    try {
      engine = new Engine(pack ?? undefined);
    } catch {
      continue; // a vector about a pack that does not load
    }
    const cols = same(engine, cases.map((c) => c.text));
    checked += cases.length;
    // Where the vector's input is exactly `{text}`, the columns give its expected verdict.
    cases.forEach((c, i) => {
      if (!c.only || typeof c.v.expected_verdict !== "string") return;
      const want = JSON.parse(c.v.expected_verdict);
      assert.deepEqual(cols.verdict(i), want.code ? { error: want } : want, c.v.file);
      golden++;
    });
    engine.free();
  }
  assert.ok(checked >= 80, `only ${checked} vector texts`);
  assert.ok(golden >= 10, `only ${golden} vectors with a text-only input`);
});

test("the example complaints, the default pack, and the tables", () => {
  const texts = readFileSync(new URL("../../examples/complaints.jsonl", import.meta.url), "utf8")
    .split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l).text);
  const e = new Engine();
  const cols = same(e, texts);
  const d = e.describe();
  assert.deepEqual([...cols.dimensions], d.dimensions.map((x) => x.id));
  assert.deepEqual([...cols.codes], d.dimensions.flatMap((x) => x.labels.map((l) => l.code)));
  assert.deepEqual([...cols.levels], d.levels.map((l) => l.id));
  assert.deepEqual([...cols.factors], d.factors.map((f) => f.id));
  assert.ok(cols.label instanceof Uint32Array && cols.confidence instanceof Float64Array && cols.level instanceof Int32Array);
  assert.equal(cols.labelStart.length, texts.length + 1);
  assert.equal(cols.labelStart[texts.length], cols.label.length);
  // The same texts give the same columns (deterministic), call after call.
  const again = e.verdictColumns(texts);
  for (const k of ["label", "confidence", "fallback", "level", "points", "factor", "route"]) assert.deepEqual(again[k], cols[k], k);
  assert.deepEqual(again.routes, cols.routes);
  // An empty batch.
  assert.equal(e.verdictColumns([]).length, 0);
  e.free();
  assert.throws(() => e.verdictColumns(["x"]), { code: "freed" });
});

test("lone surrogates, truncation warnings and per-text errors, as verdictBatch gives them", () => {
  const cut = "乱收年费😀".slice(0, -1);
  const e = new Engine();
  const cols = same(e, [cut, "\udc00年费\ud800", "年费😀", "", "信用卡年费"]);
  assert.match(cols.warnings.get(0)[0], /^\/text: 1 lone UTF-16 surrogate/);
  assert.match(cols.warnings.get(1)[0], /^\/text: 2 lone UTF-16 surrogates/);
  assert.equal(cols.warnings.get(2), undefined);
  // Two halves that would pair across the join stay two texts.
  same(e, ["年费\ud83d", "\ude00年费"]);
  e.free();
  const limited = {
    pack: { id: "limits", version: "1" },
    settings: { limits: { max_text_chars: 8 } },
    dimensions: [{ id: "d", labels: [{ code: "fee", name: "收费", rules: [{ when: { terms: ["年费"] } }] }] }],
  };
  for (const truncate of [true, false]) {
    const p = structuredClone(limited);
    p.settings.limits.truncate = truncate;
    const le = new Engine(p);
    const c = same(le, ["年费", "这是一段很长很长的文字，后面才说年费", "年费"]);
    if (truncate) assert.ok(c.warnings.get(1).length > 0);
    else assert.equal(c.errors.get(1).code, "invalid_input");
    le.free();
  }
});

test("bad input fails as a WenduError naming every bad index; no panic", () => {
  const e = new Engine();
  assert.throws(() => e.verdictColumns("年费"), { code: "invalid_input", message: /^verdictColumns expects an array/ });
  assert.throws(() => e.verdictColumns(null), { code: "invalid_input" });
  assert.throws(
    () => e.verdictColumns(["年费", 42, { text: "x" }, null, "ok"]),
    (err) => {
      assert.ok(err instanceof WenduError);
      assert.equal(err.code, "invalid_input");
      assert.match(err.message, /texts 1, 2, 3 are not strings/);
      assert.deepEqual(err.problems.map((p) => p.path), ["/1", "/2", "/3"]);
      assert.match(err.problems[0].message, /expected a string, found number/);
      assert.match(err.problems[1].message, /found an object/);
      return true;
    },
  );
  assert.throws(() => e.verdictColumns([undefined]), { code: "invalid_input", message: /text 0 is not a string/ });
  const cols = e.verdictColumns(["年费"]);
  for (const bad of [-1, 1, 0.5, "0"]) assert.throws(() => cols.verdict(bad), { code: "invalid_input" });
  // The engine is still fine afterwards.
  assert.equal(e.verdictColumns(["信用卡年费"]).verdict(0).labels.reason[0].code, "C07");
  e.free();
});

function safeParse(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
