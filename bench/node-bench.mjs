// Node throughput and cold start of the npm package (pkg/, built by scripts/build-wasm.sh) on the
// native benchmark's corpus (../shared/data/cn-complaints/complaints.csv, read as `wendu-bench classify`
// reads it: id + text), with the default pack. Compare with `./target/release/wendu-bench classify`.
//
//   node bench/node-bench.mjs [--rounds N] [--corpus PATH] [--native]
//   node bench/node-bench.mjs --core [--rounds N] [--corpus PATH] [--ffi MODULE]
//
// --native also runs `target/release/wendu-bench classify` and prints the ratios.
// --core measures only the core inside WebAssembly against native, JSON in and out (issue 12):
// each round runs `target/release/wendu-bench classify --json-only --rounds 1` (parse complaint
// JSON + verdict or decision + its JSON), then the same work in this process three ways — the
// npm API's `verdictJSON`/`classifyJSON` (JSON text in and out), the raw wasm-bindgen exports they
// call, and the C-ABI module (target/wendu-ffi.wasm: UTF-8 bytes copied into linear memory, the
// result left there, as natively) — in a rotated order; ratios are medians of per-round ratios.
// --core --passes K [--what verdict|decision]: only K passes of the C-ABI module after one
// warm-up pass, untimed, for instruction counts: callgrind on `node --no-liftoff --single-threaded`
// with K = 1 against K = 0 is one pass (BENCHMARKS.md, "The core in WebAssembly against native").
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { loadavg } from "node:os";
import { parseCsv } from "./csv.mjs";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const rounds = Number(opt("--rounds", "7"));

// Cold start first, before anything else warms the process: load + instantiate, then compile
// the default pack.
const t0 = performance.now();
const wendu = createRequire(import.meta.url)(join(repo, "pkg/node.cjs"));
const t1 = performance.now();
const engine = new wendu.Engine();
const t2 = performance.now();

function corpus() {
  const given = opt("--corpus", null);
  const candidates = given ? [given] : [join(repo, "../shared/data/cn-complaints/complaints.csv")];
  for (const path of candidates) {
    if (!existsSync(path)) continue;
    const [header, ...rows] = parseCsv(readFileSync(path, "utf8"));
    const ti = header.findIndex((h) => h === "text" || h === "narrative");
    const ii = header.findIndex((h) => h === "id" || h === "complaint_id" || h === "review_id");
    const items = rows.filter((r) => r.length > ti).map((r) => (ii >= 0 ? { id: r[ii], text: r[ti] } : { text: r[ti] }));
    return { path, items };
  }
  const path = join(repo, "examples/complaints.jsonl");
  const items = readFileSync(path, "utf8").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
  return { path: `${path} (../shared/data is absent: numbers are not comparable with the shared corpus)`, items };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function measure(name, n, f) {
  f(); // warm-up pass: lets V8 tier the module up
  const rates = [];
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    f();
    rates.push(n / ((performance.now() - t) / 1000));
  }
  const m = median(rates);
  const best = Math.max(...rates);
  console.log(`${name.padEnd(52)} median ${m.toFixed(0).padStart(7)} complaints/s  (${(1e6 / m).toFixed(2)} µs each; best ${best.toFixed(0)})`);
  return { median: m, best };
}

const { path, items } = corpus();
const jsons = items.map((c) => JSON.stringify(c));
console.log(`corpus: ${path} (${items.length} complaints)`);
console.log(`pack: ${engine.pack.id} ${engine.pack.version}; wendu ${wendu.version}; node ${process.version}`);
if (args.includes("--core")) {
  core();
  process.exit(0);
}
console.log(`cold start: load + instantiate ${(t1 - t0).toFixed(1)} ms, default pack ${(t2 - t1).toFixed(1)} ms, total ${(t2 - t0).toFixed(1)} ms`);
const compiles = [];
for (let i = 0; i < 7; i++) {
  const t = performance.now();
  new wendu.Engine().free();
  compiles.push(performance.now() - t);
}
console.log(`compile (warm): median ${median(compiles).toFixed(2)} ms`);

const n = items.length;
const single = measure("classify (object in, Decision out)", n, () => {
  let k = 0;
  for (const c of items) k += engine.classify(c).amounts.length;
  return k;
});
const singleJson = measure("classify (JSON text in, Decision out)", n, () => {
  let k = 0;
  for (const j of jsons) k += engine.classify(j).amounts.length;
  return k;
});
const batch = measure("classifyBatch (all in one call)", n, () => engine.classifyBatch(items).length);
const batchJson = measure("classifyBatchJSON (all in one call, JSON text out)", n, () => engine.classifyBatchJSON(items).length);
const chunk = 256;
const batchChunks = measure(`classifyBatch (chunks of ${chunk})`, n, () => {
  let k = 0;
  for (let i = 0; i < n; i += chunk) k += engine.classifyBatch(items.slice(i, i + chunk)).length;
  return k;
});

const verdictBatch = measure(`verdictBatch (chunks of ${chunk}, Verdict out)`, n, () => {
  let k = 0;
  for (let i = 0; i < n; i += chunk) k += engine.verdictBatch(items.slice(i, i + chunk)).length;
  return k;
});
const verdictSingle = measure("verdict (object in, Verdict out)", n, () => {
  let k = 0;
  for (const c of items) k += engine.verdict(c).warnings.length;
  return k;
});

// The same with the DFA automaton (decisions identical; build slower, scans faster).
let t = performance.now();
const dfa = new wendu.Engine(null, { automaton: "dfa" });
console.log(`engine with automaton "dfa": built in ${(performance.now() - t).toFixed(1)} ms (warm module)`);
const verdictDfa = measure(`verdictBatch, automaton "dfa" (chunks of ${chunk})`, n, () => {
  let k = 0;
  for (let i = 0; i < n; i += chunk) k += dfa.verdictBatch(items.slice(i, i + chunk)).length;
  return k;
});
const classifyDfa = measure(`classifyBatch, automaton "dfa" (chunks of ${chunk})`, n, () => {
  let k = 0;
  for (let i = 0; i < n; i += chunk) k += dfa.classifyBatch(items.slice(i, i + chunk)).length;
  return k;
});

if (args.includes("--native")) {
  // The same corpus natively; on a busy machine compare the best rounds (least disturbed) too.
  const bin = join(repo, "target/release/wendu-bench");
  const out = execFileSync(bin, ["classify", "--rounds", String(rounds)], { cwd: repo, encoding: "utf8" });
  const line = out.split("\n").find((l) => l.startsWith("parse complaint JSON + classify + JSON")) || "";
  const nat = { median: Number(line.match(/median\s+(\d+)/)?.[1]), best: Number(line.match(/max\s+(\d+)/)?.[1]) };
  console.log(`native (wendu-bench classify, "parse complaint JSON + classify + JSON"): median ${nat.median}/s, best ${nat.best}/s`);
  const pct = (x) => `${((100 * x.median) / nat.median).toFixed(0)}% (best ${((100 * x.best) / nat.best).toFixed(0)}%)`;
  console.log(`ratio to native: classify ${pct(single)}; classify(JSON text) ${pct(singleJson)}; classifyBatch ${pct(batch)}; classifyBatch in chunks ${pct(batchChunks)}; classifyBatchJSON ${pct(batchJson)}`);
}

/** `--core`: the core inside WebAssembly against native, JSON in and out, interleaved rounds. */
function core() {
  const bin = join(repo, "target/release/wendu-bench");
  if (!existsSync(bin)) throw new Error(`${bin} not found: cargo build --release -p wendu-bench`);
  const corpusArgs = opt("--corpus", null) ? ["--corpus", opt("--corpus", null)] : [];
  const raw = createRequire(import.meta.url)(join(repo, "pkg/node/wendu_wasm.js"));
  const rawEngine = new raw.RawEngine("", "");

  // The C-ABI module: no JavaScript glue, the input bytes copied into linear memory.
  const ffiPath = opt("--ffi", join(repo, "target/wendu-ffi.wasm"));
  const x = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(ffiPath)), {}).exports;
  const handle = x.wendu_engine_new(0, 0);
  if (!handle) throw new Error(`${ffiPath}: wendu_engine_new failed`);
  const bytes = jsons.map((j) => new TextEncoder().encode(j));
  const cap = Math.max(...bytes.map((b) => b.length));
  const ptr = x.wendu_alloc(cap);
  let heap = new Uint8Array(x.memory.buffer);
  const ffiCall = (f, b) => {
    if (heap.buffer !== x.memory.buffer) heap = new Uint8Array(x.memory.buffer);
    heap.set(b, ptr);
    if (f(handle, ptr, b.length) !== 0) throw new Error("C-ABI call failed");
    return x.wendu_result_len();
  };
  const ffiText = () => new TextDecoder().decode(new Uint8Array(x.memory.buffer, x.wendu_result_ptr(), x.wendu_result_len()));
  if (opt("--passes", null) !== null) {
    const f = opt("--what", "verdict") === "decision" ? x.wendu_classify : x.wendu_verdict;
    for (let k = 0; k <= Number(opt("--passes", null)); k++) for (const b of bytes) ffiCall(f, b);
    return;
  }

  // Same outputs on every path (the native side is held to them by the golden vectors).
  let differ = 0;
  for (let i = 0; i < bytes.length; i++) {
    const v = rawEngine.verdict(jsons[i]);
    ffiCall(x.wendu_verdict, bytes[i]);
    if (ffiText() !== v || engine.verdictJSON(jsons[i]) !== v) differ++;
    if (i % 10 === 0) {
      const d = rawEngine.classify(jsons[i]);
      ffiCall(x.wendu_classify, bytes[i]);
      if (ffiText() !== d || engine.classifyJSON(jsons[i]) !== d) differ++;
    }
  }
  console.log(`same JSON from the npm API, the raw exports and the C-ABI module: ${differ === 0 ? "yes" : `NO, ${differ} differ`}`);

  const n = items.length;
  const variants = {
    "verdict: npm verdictJSON (text in, text out)": () => { for (const j of jsons) engine.verdictJSON(j); },
    "verdict: raw export RawEngine.verdict": () => { for (const j of jsons) rawEngine.verdict(j); },
    "verdict: C-ABI module wendu_verdict": () => { for (const b of bytes) ffiCall(x.wendu_verdict, b); },
    "decision: npm classifyJSON (text in, text out)": () => { for (const j of jsons) engine.classifyJSON(j); },
    "decision: raw export RawEngine.classify": () => { for (const j of jsons) rawEngine.classify(j); },
    "decision: C-ABI module wendu_classify": () => { for (const b of bytes) ffiCall(x.wendu_classify, b); },
  };
  const names = Object.keys(variants);
  for (const f of Object.values(variants)) f(); // warm-up: lets V8 tier the modules up
  const rates = Object.fromEntries([...names, "verdict: native", "decision: native"].map((k) => [k, []]));
  const loads = [];
  for (let r = 0; r < rounds; r++) {
    loads.push(loadavg()[0]);
    const out = execFileSync(bin, ["classify", "--json-only", "--rounds", "1", ...corpusArgs], { cwd: repo, encoding: "utf8" });
    const nat = (prefix) => Number(out.split("\n").find((l) => l.startsWith(prefix))?.match(/median\s+(\d+)/)?.[1]);
    rates["verdict: native"].push(nat("parse complaint JSON + verdict + JSON"));
    rates["decision: native"].push(nat("parse complaint JSON + classify + JSON"));
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + r) % names.length];
      const t = performance.now();
      variants[name]();
      rates[name].push(n / ((performance.now() - t) / 1000));
    }
  }
  x.wendu_free(ptr, cap);
  x.wendu_engine_free(handle);
  rawEngine.free();

  const fmt = (v) => Math.round(v).toLocaleString("en-US");
  console.log(`\n--core: ${rounds} interleaved rounds, load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}; complaints/s, median (min–max); of native: median of per-round ratios (min–max)`);
  for (const [k, v] of Object.entries(rates)) {
    const kind = k.split(":")[0];
    const ratios = v.map((x, i) => x / rates[`${kind}: native`][i]);
    const of = k.endsWith("native") ? "" : `  ${median(ratios).toFixed(2)}× native (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`;
    console.log(`  ${k.padEnd(50)} ${fmt(median(v)).padStart(8)}/s (${fmt(Math.min(...v))}–${fmt(Math.max(...v))})${of}`);
  }
}
