// The boundary between JavaScript and the WebAssembly module, measured (issue 12): complaints in
// and decisions or verdicts out as JSON text (what pkg/api.mjs ships: JSON.stringify → the core
// parses; the core writes → JSON.parse) against serde-wasm-bindgen (objects read and built from
// Rust), single calls and batches of 256, and `verdictColumns` (texts in, typed arrays out).
// Two rule sets: the default pack as shipped, and the plain keyword set (bench/translate.mjs,
// plainKeywordPack) beside the hand-written RegExp loop it is compared with. Every variant runs
// once per round, rounds interleaved (a shared, noisy machine): medians of the rounds.
//
//   bench/build-boundary.sh && node bench/boundary.mjs [--rounds 7] [--corpus PATH] [--out FILE]
//
// The serde exports exist only in the benchmark build (feature `serde-boundary` of bindings/wasm,
// target/bench-boundary/); pkg/api.mjs is bound to that same module, so both paths run the same
// engine code in one instance.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createRequire } from "node:module";
import { isDeepStrictEqual } from "node:util";
import { loadavg } from "node:os";
import { parseCsv } from "./csv.mjs";
import { plainKeywordPack, plainRegExpLoop } from "./translate.mjs";

const benchDir = dirname(fileURLToPath(import.meta.url));
const repo = resolve(benchDir, "..");
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const opt = (n, d) => (args.includes(n) ? args[args.indexOf(n) + 1] : d);
const ROUNDS = Number(opt("--rounds", 7));
const CHUNK = 256;

const modulePath = join(repo, "target/bench-boundary/wendu_wasm.js");
if (!existsSync(modulePath)) {
  console.error(`${modulePath} is missing: run bench/build-boundary.sh first`);
  process.exit(1);
}
const raw = require(modulePath);
const { bind } = await import(pathToFileURL(join(repo, "pkg/api.mjs")).href);
const api = bind(raw);

const corpusPath = opt("--corpus", join(repo, "../shared/data/cn-complaints/complaints.csv"));
const [header, ...rows] = parseCsv(readFileSync(corpusPath, "utf8"));
const ti = header.indexOf("text");
const ii = header.findIndex((h) => h === "id" || h === "complaint_id");
const items = rows.filter((r) => r.length > ti && r[ti].trim()).map((r) => ({ id: r[ii], text: r[ti] }));
const texts = items.map((c) => c.text);

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const now = () => performance.now();
const chunks = (xs) => { const out = []; for (let i = 0; i < xs.length; i += CHUNK) out.push(xs.slice(i, i + CHUNK)); return out; };

/** One rule set: check that every path gives the same outcome, then time every variant. */
function run(title, packText) {
  const engine = new api.Engine(packText ?? undefined);
  const rawEngine = new raw.RawEngine(packText ?? "", "");
  const n = items.length;
  const itemChunks = chunks(items);
  const textChunks = chunks(texts);

  // Same outcome on every path (objects compared deeply; columns rebuilt into verdicts).
  const byJson = engine.verdictBatch(items);
  const bySerde = itemChunks.flatMap((c) => rawEngine.verdictBatchObj(c));
  const textOnly = engine.verdictBatch(texts.map((text) => ({ text })));
  const cols = textChunks.map((c) => engine.verdictColumns(c));
  const byCols = cols.flatMap((c) => Array.from({ length: c.length }, (_, i) => c.verdict(i)));
  const diff = (a, b) => a.filter((x, i) => !isDeepStrictEqual(x, b[i])).length;
  const agree = {
    serde_vs_json_verdicts: diff(bySerde, byJson),
    columns_vs_json_verdicts: diff(byCols, textOnly),
    serde_vs_json_decisions: diff(items.slice(0, 500).map((c) => rawEngine.classifyObj(c)), items.slice(0, 500).map((c) => engine.classify(c))),
  };
  let loop = null;
  if (packText) {
    loop = plainRegExpLoop(JSON.parse(packText));
    const dims = Object.keys(loop.classify("").labels);
    agree.regexp_loop_vs_wendu = byJson.filter((v, i) => {
      const r = loop.classify(texts[i]);
      const w = { labels: Object.fromEntries(dims.map((d) => [d, v.labels[d].map((l) => l.code)])), factors: v.severity?.factors ?? [], level: v.severity?.level ?? null };
      return !isDeepStrictEqual(w, r);
    }).length;
  }

  const variants = {
    "verdict, JSON text (shipped)": () => { for (const c of items) engine.verdict(c); },
    "verdict, serde-wasm-bindgen": () => { for (const c of items) rawEngine.verdictObj(c); },
    "verdictBatch(256), JSON text (shipped)": () => { for (const c of itemChunks) engine.verdictBatch(c); },
    "verdictBatch(256), serde-wasm-bindgen": () => { for (const c of itemChunks) rawEngine.verdictBatchObj(c); },
    "verdictColumns(256 texts)": () => { for (const c of textChunks) engine.verdictColumns(c); },
    "classify, JSON text (shipped)": () => { for (const c of items) engine.classify(c); },
    "classify, serde-wasm-bindgen": () => { for (const c of items) rawEngine.classifyObj(c); },
    "classifyBatch(256), JSON text (shipped)": () => { for (const c of itemChunks) engine.classifyBatch(c); },
    "classifyBatch(256), serde-wasm-bindgen": () => { for (const c of itemChunks) rawEngine.classifyBatchObj(c); },
  };
  // The floor: the same texts normalised and run through the term automaton, nothing decided.
  variants["bare scan (normalise + automaton), 256 texts"] = () => {
    for (const c of textChunks) rawEngine.bareScanColumns(c.join(""), Uint32Array.from(c, (t) => t.length));
  };
  if (loop) variants["hand-written RegExp loop"] = () => { for (const t of texts) loop.classify(t); };
  // Where a verdictBatch's time goes: the JSON text path taken apart (raw export = the engine in
  // WebAssembly plus copying the strings across).
  const parts = { stringify: [], raw_call: [], parse: [] };
  const rates = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (const f of Object.values(variants)) f(); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    const names = Object.keys(variants);
    // rotate the order each round so no variant always follows the same one
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + r) % names.length];
      const t = now();
      variants[name]();
      rates[name].push(n / ((now() - t) / 1000));
    }
    let s = 0, w = 0, p = 0;
    for (const c of itemChunks) {
      let t = now();
      const text = JSON.stringify(c);
      s += now() - t;
      t = now();
      const out = rawEngine.verdictBatch(text);
      w += now() - t;
      t = now();
      JSON.parse(out);
      p += now() - t;
    }
    parts.stringify.push(s); parts.raw_call.push(w); parts.parse.push(p);
  }
  engine.free();
  rawEngine.free();
  // Ratios within a round (both sides under the same load), then their median.
  const ratio = (a, b) => median(rates[a].map((x, i) => x / rates[b][i]));
  const J = "JSON text (shipped)", S = "serde-wasm-bindgen";
  const ratios = {};
  for (const k of ["verdict", "verdictBatch(256)", "classify", "classifyBatch(256)"]) ratios[`${k}: serde ÷ JSON`] = ratio(`${k}, ${S}`, `${k}, ${J}`);
  ratios["verdictColumns ÷ verdictBatch JSON"] = ratio("verdictColumns(256 texts)", `verdictBatch(256), ${J}`);
  ratios["bare scan ÷ verdictColumns"] = ratio("bare scan (normalise + automaton), 256 texts", "verdictColumns(256 texts)");
  if (loop) {
    for (const k of [`verdictBatch(256), ${J}`, "verdictColumns(256 texts)", "bare scan (normalise + automaton), 256 texts"]) ratios[`${k} ÷ RegExp loop`] = ratio(k, "hand-written RegExp loop");
  }
  const result = { title, complaints: n, agree, ratios, rates: Object.fromEntries(Object.entries(rates).map(([k, v]) => [k, { median: median(v), min: Math.min(...v), max: Math.max(...v), rounds: v.map(Math.round) }])), verdict_batch_ms: Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, median(v)])) };
  print(result);
  return result;
}

function print(r) {
  console.log(`\n== ${r.title}: ${r.complaints} complaints, ${ROUNDS} interleaved rounds (load ${loadavg().map((x) => x.toFixed(1)).join(" ")})`);
  console.log(`same outcome (differing items): ${Object.entries(r.agree).map(([k, v]) => `${k} ${v}`).join(", ")}`);
  for (const [k, v] of Object.entries(r.rates)) {
    console.log(`  ${k.padEnd(46)} ${Math.round(v.median).toLocaleString("en-US").padStart(9)}/s  (${Math.round(v.min).toLocaleString("en-US")}–${Math.round(v.max).toLocaleString("en-US")})`);
  }
  console.log("  medians of per-round ratios:");
  for (const [k, v] of Object.entries(r.ratios)) console.log(`    ${k.padEnd(62)} ${v.toFixed(2)}×`);
  const p = r.verdict_batch_ms;
  const total = p.stringify + p.raw_call + p.parse;
  console.log(`  verdictBatch (JSON text) taken apart, ms per pass: JSON.stringify ${p.stringify.toFixed(1)}, raw export ${p.raw_call.toFixed(1)}, JSON.parse ${p.parse.toFixed(1)} — JSON in JavaScript ${(100 * (p.stringify + p.parse) / total).toFixed(0)}% of ${total.toFixed(1)}`);
}

const results = { date: new Date().toISOString(), node: process.version, rounds: ROUNDS, corpus: corpusPath, module: modulePath };
results.default_pack = run("default pack (cn-banking, built in)", null);
const kp = plainKeywordPack(JSON.parse(readFileSync(join(repo, "packs/cn-banking.json"), "utf8")));
const nLabels = kp.dimensions.reduce((a, d) => a + d.labels.length, 0);
const nTerms = new Set(kp.dimensions.flatMap((d) => d.labels.flatMap((l) => l.rules[0].when.terms))).size;
results.keyword = run(`plain keyword set (${nLabels} labels, ${nTerms} distinct terms, ${kp.severity.factors.length} factors)`, JSON.stringify(kp));
const out = opt("--out", null);
if (out) writeFileSync(out, JSON.stringify(results, null, 1) + "\n");
