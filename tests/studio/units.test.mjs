// The studio's pure modules in Node, on the edge cases the page test does not reach: CSV with
// quotes, line breaks and bad rows; the event mapping of `wendu replay`; JSON pointers to text
// ranges; the back-test's definition of a change (shared with `wendu diff`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseCsv, readComplaints, readEvents } from "../../bindings/studio/src/input.js";
import { scan, markRange } from "../../bindings/studio/src/jsonpos.js";
import { changes, backtest } from "../../bindings/studio/src/diff.js";

test("CSV: BOM, CRLF, quotes, doubled quotes, line breaks in a field; bad rows named by line", () => {
  const r = parseCsv('\ufeffa,b,c\r\n1,"x, ""y""\nz",3\n\n2,,\n"bad"x,1,2\n4,5\n"open,1,2\n');
  assert.deepEqual(r.header, ["a", "b", "c"]);
  assert.deepEqual(
    r.rows.map((x) => [x.line, x.fields]),
    [
      [2, ["1", 'x, "y"\nz', "3"]],
      [5, ["2", "", ""]],
    ],
  );
  assert.deepEqual(r.errors, [
    { line: 6, message: "text after a closing quote in field 1" },
    { line: 7, message: "2 fields where the header has 3" },
    { line: 8, message: 'a quoted field is never closed (a missing ")' },
  ]);
});

test("complaints from CSV: text, id and time columns, dotted columns nest, numbers where the format wants them", () => {
  const r = readComplaints("c.csv", "complaint_id,narrative,date,customer.age,amount,branch\nx1,乱收年费,2026-03-01,70,5000,BJ-001\n");
  assert.deepEqual(r.complaints, [
    { line: 2, complaint: { customer: { age: 70 }, amount: 5000, branch: "BJ-001", id: "x1", received_at: "2026-03-01T00:00:00Z", text: "乱收年费" } },
  ]);
  assert.match(readComplaints("c.csv", "name,score\nA,1\n").fatal, /needs a text column/);
  const j = readComplaints("c.jsonl", '{"text": "a"}\n\n[1]\n{bad\n');
  assert.deepEqual(j.complaints, [{ line: 1, complaint: { text: "a" } }]);
  assert.deepEqual(j.errors.map((e) => e.line), [3, 4]);
});

test("events from CSV are read like `wendu replay`", () => {
  const r = readEvents("s.csv", "ts,bank,rating,text,review_id,scale\n2026-02-01,CBE,1,crash,r1,\n2026-02-01T10:00:00Z,CBE,x,,, nps\n", "csat5");
  assert.deepEqual(r.events, [
    { line: 2, event: { bank: "CBE", id: "r1", at: "2026-02-01T00:00:00Z", comment: "crash", score: 1, scale: "csat5" } },
    { line: 3, event: { bank: "CBE", id: "line3", at: "2026-02-01T10:00:00Z", score: "x", scale: "nps" } },
  ]);
  const c = readEvents("s.csv", "id,received_at,text\nc1,2026-02-01T10:00:00+08:00,乱收费\n");
  assert.deepEqual(c.events[0].event, { id: "c1", received_at: "2026-02-01T10:00:00+08:00", text: "乱收费", type: "complaint" });
});

test("JSON pointers to text: values, keys of containers, escaped keys, missing keys, syntax errors", () => {
  const text = '{"a": [1, {"b/c": "x"}], "d": {"e": true}}';
  const { ranges, error } = scan(text);
  assert.equal(error, null);
  const at = (p) => {
    const m = markRange(ranges, text, p);
    return [text.slice(m.from, m.to), m.exact];
  };
  assert.deepEqual(at("/a/0"), ["1", true]);
  assert.deepEqual(at("/a/1/b~1c"), ['"b/c": "x"', true]);
  assert.deepEqual(at("/d"), ['"d"', true]);
  assert.deepEqual(at("/d/missing"), ['"d"', false]);
  assert.deepEqual(at(""), ["{", true]);
  const bad = scan('{"a": [1,\n  }');
  assert.equal(bad.error.from, 12);
  assert.match(bad.error.message, /unexpected character/);
  assert.match(scan('{"a": "open\n}').error.message, /not closed/);
});

test("a change: the set of codes or the top label of a dimension, the level, the route, validity", () => {
  const v = (reason, level = "normal", dept = "D") => ({
    labels: { reason: reason.map((code) => ({ code, confidence: 0.8 })) },
    severity: { level },
    route: { department: dept, queue: null },
  });
  assert.deepEqual(changes(v(["C01", "C07", "C12"]), v(["C01", "C12", "C07"]), ["reason"]), [], "same set, same top");
  assert.deepEqual(changes(v(["C01", "C07"]), v(["C07", "C01"]), ["reason"]), ["reason"], "top label changed");
  assert.deepEqual(changes(v(["C01"]), v(["C01"], "major", "E"), ["reason"]), ["severity", "route"]);
  assert.deepEqual(changes({ error: {} }, v(["C01"]), ["reason"]), ["error"]);
  assert.deepEqual(changes({ error: {} }, { error: {} }, ["reason"]), []);
  const desc = { dimensions: [{ id: "reason", name: "原因", labels: [{ code: "C01", name: "a" }, { code: "C07", name: "b" }] }], levels: [{ id: "normal", name: "普通" }, { id: "major", name: "重大" }] };
  const r = backtest(
    [
      { line: 1, id: "x", before: v(["C01"]), after: v(["C01", "C07"], "major") },
      { line: 2, id: "y", before: v(["C07"]), after: v(["C07"]) },
      { line: 3, id: "z", before: { error: {} }, after: { error: {} } },
    ],
    desc,
    desc,
  );
  assert.equal(r.changed, 1);
  assert.equal(r.errors, 1);
  assert.deepEqual(r.dimensions[0].labels, [{ code: "C07", name: "b", before: 1, after: 2, gained: 1, lost: 0 }]);
  assert.deepEqual(r.levels, [
    { level: "normal", name: "普通", before: 2, after: 1 },
    { level: "major", name: "重大", before: 0, after: 1 },
  ]);
  assert.deepEqual(r.transitions, [{ from: "normal", to: "major", count: 1 }]);
  assert.deepEqual(r.items.map((i) => [i.line, i.changed]), [[1, ["reason", "severity"]]]);
});
