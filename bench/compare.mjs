// Side-by-side benchmark: wendu (WebAssembly in Node, and native via `wendu-bench classify`) against the
// engines a JavaScript team would pick instead — json-rules-engine, @gorules/zen-engine and a
// hand-written RegExp baseline — on the same rule set, translated mechanically by translate.mjs.
// Prints one table per corpus, the scaling curves, the pathological-regex growth and the targets of
// issue 6; writes bench/results/latest.json and bench/results/scaling.svg (see BENCHMARKS.md).
//
//   node bench/compare.mjs            full run (~10 minutes on 2 cores)
//   node bench/compare.mjs --quick    smoke run (~1 minute): samples, one round, fewer sizes
//   options: --corpus PATH (Chinese corpus), --no-native, --no-english, --out DIR
//   node bench/compare.mjs --median a.json b.json …   medians of saved runs, as Markdown tables
//
// The peer packages are installed on first use (npm install --prefix bench, versions from the lockfile).
import { existsSync, mkdirSync, readFileSync, writeFileSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { execFileSync, spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { parseCsv } from "./csv.mjs";

const benchDir = dirname(fileURLToPath(import.meta.url));
const repo = resolve(benchDir, "..");
const shared = resolve(repo, "../shared/data");
const require = createRequire(join(benchDir, "package.json"));
const args = process.argv.slice(2);
const has = (n) => args.includes(n);
const opt = (n, d) => (has(n) ? args[args.indexOf(n) + 1] : d);
const QUICK = has("--quick");

// ---- setup --------------------------------------------------------------------------------------

function ensurePeers() {
  if (existsSync(join(benchDir, "node_modules/json-rules-engine")) && existsSync(join(benchDir, "node_modules/@gorules/zen-engine"))) return;
  // `npm install` rather than `npm ci`: the lockfile pins the versions, but npm leaves ZEN's
  // optional per-platform packages for other platforms out of it, which `npm ci` rejects.
  console.error("installing the peer packages (npm install --prefix bench) …");
  execFileSync("npm", ["install", "--prefix", benchDir, "--no-audit", "--no-fund"], { stdio: "inherit" });
}

/** pkg/ may be mid-rebuild by scripts/build-wasm.sh: wait for it rather than fail. */
async function loadWendu() {
  const entry = join(repo, "pkg/node.cjs");
  for (let i = 0; ; i++) {
    try {
      return require(entry);
    } catch (e) {
      if (i >= 90) throw new Error(`cannot load ${entry} (run scripts/build-wasm.sh): ${e.message}`);
      if (i === 0) console.error("pkg/ is not loadable (being rebuilt?); waiting up to 3 minutes …");
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}

// ---- small utilities ----------------------------------------------------------------------------

/** The module file the Node entry loads (pkg/ has moved it between builds). */
const wasmFile = () => ["pkg/wendu_wasm_bg.wasm", "pkg/node/wendu_wasm_bg.wasm"].map((f) => join(repo, f)).find((f) => existsSync(f)) ?? null;

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.floor(s.length / 2)] : NaN; };
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN; };
const now = () => performance.now();
const load = () => loadavg().map((x) => x.toFixed(2)).join(" ");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function readCsv(path, columns) {
  const [header, ...rows] = parseCsv(readFileSync(path, "utf8"));
  const ti = header.findIndex((h) => columns.includes(h));
  const ii = header.findIndex((h) => h === "id" || h === "complaint_id");
  return rows.filter((r) => r.length > ti && r[ti].trim()).map((r) => (ii >= 0 ? { id: r[ii], text: r[ti] } : { text: r[ti] }));
}

const everyKth = (xs, k) => xs.filter((_, i) => i % k === 0);
const fmtRate = (r) => (r == null || !isFinite(r) ? "—" : r >= 100 ? Math.round(r).toLocaleString("en-US") : r.toFixed(1));
const fmtUs = (u) => (u == null || !isFinite(u) ? "—" : u >= 100 ? Math.round(u).toLocaleString("en-US") : u.toFixed(1));
const fmtX = (x) => (x == null || !isFinite(x) ? "—" : x >= 10 ? `${Math.round(x).toLocaleString("en-US")}×` : `${x.toFixed(2)}×`);
const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);

// ---- measuring ----------------------------------------------------------------------------------

/**
 * Rounds over `items` (each round at most budgetMs, at least one item); per-call latencies from all
 * rounds. Synchronous and asynchronous engines are timed by separate loops so a sync call never pays
 * for an await.
 */
async function measure(fn, items, { rounds = 5, budgetMs = 1e9, isAsync = false, warm = 50 } = {}) {
  for (const c of items.slice(0, warm)) isAsync ? await fn(c) : fn(c);
  const rates = [], lat = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = now();
    let n = 0;
    if (isAsync) {
      for (const c of items) {
        const t = now();
        await fn(c);
        const e = now();
        lat.push(e - t); n++;
        if (e - t0 > budgetMs) break;
      }
    } else {
      for (const c of items) {
        const t = now();
        fn(c);
        const e = now();
        lat.push(e - t); n++;
        if (e - t0 > budgetMs) break;
      }
    }
    rates.push(n / ((now() - t0) / 1000));
  }
  return { rate: median(rates), rates, p50_us: pct(lat, 0.5) * 1000, p99_us: pct(lat, 0.99) * 1000, n: items.length };
}

/** Whole-batch timing (classifyBatch in chunks, or ZEN with many evaluations in flight). */
async function measureBatch(fnChunk, items, { rounds = 5, chunk = 256, budgetMs = 1e9 } = {}) {
  await fnChunk(items.slice(0, chunk));
  const rates = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = now();
    let n = 0;
    for (let i = 0; i < items.length; i += chunk) {
      const part = items.slice(i, i + chunk);
      await fnChunk(part);
      n += part.length;
      if (now() - t0 > budgetMs) break;
    }
    rates.push(n / ((now() - t0) / 1000));
  }
  return { rate: median(rates), rates, p50_us: null, p99_us: null, n: items.length };
}

// ---- the engines, behind one face: build(spec-or-pack) → classify(complaint) → {labels, factors, level}

const T = await import("./translate.mjs");

function wenduResult(d, dims) {
  const labels = {};
  for (const dim of dims) labels[dim] = (d.labels[dim] || []).map((l) => l.code);
  // a decision lists factor objects, a verdict factor ids
  return { labels, factors: d.severity ? d.severity.factors.map((f) => (typeof f === "string" ? f : f.id)) : [], level: d.severity?.level ?? null };
}

function peers(sp, jdms) {
  const jre = require("json-rules-engine");
  const zen = require("@gorules/zen-engine");
  return [
    { name: "RegExp baseline", build: () => T.toRegExpBaseline(sp) },
    { name: "json-rules-engine", async: true, build: () => T.toJsonRulesEngine(sp, jre) },
    { name: "ZEN contains()", async: true, zen: true, build: () => T.toZen(sp, zen, { regex: false, jdm: jdms?.contains }) },
    { name: "ZEN matches()", async: true, zen: true, build: () => T.toZen(sp, zen, { regex: true, jdm: jdms?.matches }) },
  ];
}

// ---- agreement ----------------------------------------------------------------------------------

/** wendu's normalisation, approximately, in JS: NFKC (full-width), lower case, spaces stripped between non-ASCII. */
function approxNormalize(text) {
  return text.normalize("NFKC").toLowerCase().replace(/\s+/g, (m, i, s) => (/[a-z0-9]/.test(s[i - 1] ?? "") && /[a-z0-9]/.test(s[i + m.length] ?? "") ? " " : ""));
}

function termsOf(cond, out = new Set()) {
  if (!cond) return out;
  if (cond.kind === "terms") cond.terms.forEach((t) => out.add(t.text));
  if (cond.kind === "near") [...cond.a, ...cond.b].forEach((t) => out.add(t.text));
  if (cond.kind === "all" || cond.kind === "any" || cond.kind === "at_least") cond.of.forEach((c) => termsOf(c, out));
  if (cond.kind === "not") termsOf(cond.of, out);
  return out;
}
const hasKind = (cond, kind) => cond.kind === kind || (cond.of && (Array.isArray(cond.of) ? cond.of.some((c) => hasKind(c, kind)) : hasKind(cond.of, kind)));

/**
 * Compare peer results with wendu's; explain each differing label or factor with the first cause
 * that fits: fallback or exclusive group (a consequence of another difference), amounts, negation,
 * normalisation, near, other.
 */
function agreement(sp, items, wendus, decisions, peerResults, baseline, baselineResults) {
  const byCode = new Map();
  for (const d of sp.dimensions) for (const l of d.labels) byCode.set(`${d.id}:${l.code}`, { dim: d, conds: l.rules.map((r) => r.when) });
  for (const f of sp.factors) byCode.set(`factor:${f.id}`, { conds: [f.when] });
  const parts = { all: 0, labels: 0, factors: 0, level: 0 };
  for (const d of sp.dimensions) parts[d.id] = 0;
  const causes = {};
  const examples = [];
  items.forEach((c, i) => {
    const w = wendus[i], p = peerResults[i];
    let same = true;
    for (const d of sp.dimensions) {
      const ok = JSON.stringify([...w.labels[d.id]].sort()) === JSON.stringify([...p.labels[d.id]].sort());
      if (ok) parts[d.id]++; else same = false;
    }
    if (sp.dimensions.every((d) => JSON.stringify([...w.labels[d.id]].sort()) === JSON.stringify([...p.labels[d.id]].sort()))) parts.labels++;
    const fOk = JSON.stringify([...w.factors].sort()) === JSON.stringify([...p.factors].sort());
    if (fOk) parts.factors++; else same = false;
    if (w.level === p.level) parts.level++; else same = false;
    if (same) { parts.all++; return; }
    // explain each differing code
    const diffs = [];
    for (const d of sp.dimensions) {
      const a = new Set(w.labels[d.id]), b = new Set(p.labels[d.id]);
      for (const x of a) if (!b.has(x)) diffs.push({ key: `${d.id}:${x}`, side: "wendu only" });
      for (const x of b) if (!a.has(x)) diffs.push({ key: `${d.id}:${x}`, side: "peer only" });
    }
    { const a = new Set(w.factors), b = new Set(p.factors);
      for (const x of a) if (!b.has(x)) diffs.push({ key: `factor:${x}`, side: "wendu only" });
      for (const x of b) if (!a.has(x)) diffs.push({ key: `factor:${x}`, side: "peer only" }); }
    const dec = decisions[i];
    const negatedTerms = new Set((dec.negated || []).map((n) => T.foldTerm(n.term.replace(/\*$/, ""))));
    let renorm = null;
    for (const df of diffs) {
      const [dimId, code] = df.key.split(":");
      const info = byCode.get(df.key);
      let cause = "other";
      const dim = sp.dimensions.find((d) => d.id === dimId);
      const termSet = new Set(); (info?.conds || []).forEach((cd) => termsOf(cd, termSet));
      const has = (r) => (dimId === "factor" ? r.factors.includes(code) : r.labels[dimId].includes(code));
      if (dim && dim.fallback === code) cause = "fallback (follows another difference)";
      else if (dim && dim.exclusive.some((g) => g.includes(code) && diffs.some((o) => o !== df && g.includes(o.key.split(":")[1]) && o.key.startsWith(dimId + ":")))) cause = "exclusive group (follows another difference)";
      else if (dimId === "factor" && /^amount|large_amount/.test(code)) cause = "amounts (Chinese numerals, 多/余, currencies)";
      else if (baselineResults && has(baselineResults[i]) === has(w)) cause = "this engine's translation, not the RegExp baseline's (ZEN contains(): no word boundaries, near = both terms anywhere; ZEN matches(): boundaries without look-around)";
      else if ([...negatedTerms].some((t) => termSet.has(t))) cause = "negation (wendu drops negated terms)";
      else {
        if (!renorm) {
          const cc = { ...c, text: approxNormalize(c.text) };
          renorm = baseline.classify(cc);
        }
        const inW = has(w);
        const inR = has(renorm);
        const evid = (() => {
          if (dimId === "factor") return dec.severity?.factors.find((f) => f.id === code)?.evidence || [];
          return (dec.labels[dimId] || []).find((l) => l.code === code)?.rules.flatMap((r) => r.evidence) || [];
        })();
        if (inW === inR) cause = "normalisation (full-width, spaces, case)";
        else if (evid.some((e) => e.kind === "term" && T.foldTerm(e.text).replace(/\s+/g, "") !== e.term.replace(/\s+/g, ""))) cause = "normalisation (traditional → simplified)";
        else if ((info?.conds || []).some((cd) => hasKind(cd, "near"))) cause = "near approximated by a regex";
        else if ((info?.conds || []).some((cd) => hasKind(cd, "not"))) cause = "not (its inner condition differs)";
      }
      causes[cause] = (causes[cause] || 0) + 1;
      if (examples.length < 6 && cause === "other") examples.push({ text: c.text.slice(0, 80), key: df.key, side: df.side });
    }
  });
  const n = items.length;
  const pcts = Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, +(100 * v / n).toFixed(1)]));
  return { n, identical_pct: pcts.all, parts_pct: pcts, causes, examples };
}

// ---- one corpus: agreement, throughput, latency -------------------------------------------------

async function corpusRun({ title, pack, dims, items: given, note, slowK, rounds, wendu }) {
  const rp = T.restrictPack(pack, dims);
  const sp = T.spec(rp, dims);
  const engine = new wendu.Engine(rp);
  // complaints wendu rejects (e.g. over settings.limits.max_text_chars) are left out for every engine
  const first = engine.classifyBatch(given);
  const rejected = first.map((d, i) => (d.error ? { i, message: d.error.message } : null)).filter(Boolean);
  const items = rejected.length ? given.filter((_, i) => !first[i].error) : given;

  const nRules = T.allRules(sp).length - sp.factors.length;
  console.log(`\n== ${title}`);
  console.log(`corpus: ${note} (${items.length.toLocaleString("en-US")} complaints, mean ${Math.round(items.reduce((a, c) => a + c.text.length, 0) / items.length)} chars)`);
  console.log(`rule set: ${pack.pack.id} ${pack.pack.version}, dimensions ${dims.join(" + ")} (${nRules} label rules) + ${sp.factors.length} severity factors; load ${load()}`);
  if (rejected.length) console.log(`${rejected.length} complaints left out for every engine: wendu rejects them (${rejected[0].message})`);
  const slow = everyKth(items, slowK);

  // agreement: every engine over the corpus (ZEN matches() over the slow sample: it compiles regexes per call)
  const decisions = engine.classifyBatch(items);
  const wendus = decisions.map((d) => wenduResult(d, dims));
  const ps = peers(sp);
  const built = ps.map((p) => ({ ...p, impl: p.build() }));
  const baseline = built[0].impl;
  const agree = {};
  let baselineResults = null;
  for (const p of built) {
    const set = p.name === "ZEN matches()" ? slow : items;
    const idx = p.name === "ZEN matches()" ? items.map((_, i) => i).filter((i) => i % slowK === 0) : items.map((_, i) => i);
    let res;
    if (p.zen) {
      res = [];
      for (let i = 0; i < set.length; i += 64) res.push(...(await Promise.all(set.slice(i, i + 64).map((c) => p.impl.classify(c)))));
    } else if (p.async) {
      res = [];
      for (const c of set) res.push(await p.impl.classify(c));
    } else res = set.map((c) => p.impl.classify(c));
    agree[p.name] = agreement(sp, set, idx.map((i) => wendus[i]), idx.map((i) => decisions[i]), res, baseline, baselineResults && idx.map((i) => baselineResults[i]));
    agree[p.name].over = set === items ? "all" : `1 in ${slowK}`;
    if (!baselineResults) baselineResults = res;
  }

  // The like-for-like comparison is wendu's verdict: the peers return labels, factors and a
  // level, and so does a verdict (the same labels as the decision, checked here); the explained
  // decision (evidence, spans, amounts, masked text) is wendu's extra, timed beside it.
  const verdicts = engine.verdictBatch(items);
  const sameLabels = verdicts.filter((v, i) => JSON.stringify(wenduResult(v, dims)) === JSON.stringify(wendus[i])).length;
  if (sameLabels !== items.length) throw new Error(`verdicts differ from decisions on ${items.length - sameLabels} complaints`);

  // throughput and latency
  const rows = [];
  const wVerdict = await measureBatch((ch) => engine.verdictBatch(ch), items, { rounds, chunk: 256 });
  const wSlowVerdict = await measureBatch((ch) => engine.verdictBatch(ch), slow, { rounds, chunk: 256 });
  const wFullBatch = await measureBatch((ch) => engine.classifyBatch(ch), items, { rounds, chunk: 256 });
  const wSlowBatch = await measureBatch((ch) => engine.classifyBatch(ch), slow, { rounds, chunk: 256 });
  const wVerdictSingle = await measure((c) => engine.verdict(c), items, { rounds });
  const wSingle = await measure((c) => engine.classify(c), items, { rounds });
  rows.push({ name: "wendu WASM verdictBatch (256)", ...wVerdict, set: "all", wendu_rate: wVerdict.rate, explained_rate: wFullBatch.rate });
  rows.push({ name: "wendu WASM verdict", ...wVerdictSingle, set: "all", wendu_rate: wVerdict.rate, explained_rate: wFullBatch.rate });
  rows.push({ name: "wendu WASM classifyBatch (256)", ...wFullBatch, set: "all", wendu_rate: wVerdict.rate, explained_rate: wFullBatch.rate, wendu_single_rate: wSingle.rate });
  rows.push({ name: "wendu WASM classify", ...wSingle, set: "all", wendu_rate: wVerdict.rate, explained_rate: wFullBatch.rate });
  for (const p of built) {
    const isSlow = p.name !== "RegExp baseline";
    const set = isSlow ? slow : items;
    const m = await measure((c) => p.impl.classify(c), set, { rounds: isSlow ? Math.min(rounds, 3) : rounds, isAsync: !!p.async, warm: isSlow ? 10 : 50 });
    rows.push({ name: p.name, ...m, set: isSlow ? `1 in ${slowK}` : "all", wendu_rate: isSlow ? wSlowVerdict.rate : wVerdict.rate, explained_rate: isSlow ? wSlowBatch.rate : wFullBatch.rate, agreement_pct: agree[p.name].identical_pct });
    if (p.name === "ZEN contains()") {
      const c = await measureBatch((ch) => Promise.all(ch.map((x) => p.impl.classify(x))), slow, { rounds: Math.min(rounds, 3), chunk: 64 });
      rows.push({ name: "ZEN contains(), 64 in flight", ...c, set: `1 in ${slowK}`, wendu_rate: wSlowVerdict.rate, explained_rate: wSlowBatch.rate, agreement_pct: agree[p.name].identical_pct, note: "uses ZEN's worker threads (both cores)" });
    }
  }
  // wendu against the RegExp baseline, interleaved: each round times one verdictBatch pass, one
  // verdictColumns pass (texts in, typed arrays out: the batch path for high-volume callers; the
  // complaints here are texts with an id, so it decides the same, checked first) and one
  // baseline pass back to back, so a load change on this shared machine hits all three; the
  // target uses the median of the per-round ratios.
  const baselineImpl = built[0].impl;
  const texts = items.map((c) => c.text);
  let columnsSame = 0;
  for (let i = 0; i < texts.length; i += 256) {
    const cols = engine.verdictColumns(texts.slice(i, i + 256));
    for (let k = 0; k < cols.length; k++) if (JSON.stringify(wenduResult(cols.verdict(k), dims)) === JSON.stringify(wendus[i + k])) columnsSame++;
  }
  if (columnsSame !== items.length) throw new Error(`verdictColumns differ from decisions on ${items.length - columnsSame} complaints`);
  const perRound = [], perRoundColumns = [];
  for (let r = 0; r < Math.max(3, rounds); r++) {
    let t = now();
    for (let i = 0; i < items.length; i += 256) engine.verdictBatch(items.slice(i, i + 256));
    const tw = now() - t;
    t = now();
    for (let i = 0; i < texts.length; i += 256) engine.verdictColumns(texts.slice(i, i + 256));
    const tc = now() - t;
    t = now();
    for (const c of items) baselineImpl.classify(c);
    const tb = now() - t;
    perRound.push(tb / tw);
    perRoundColumns.push(tb / tc);
  }
  const interleaved = {
    verdict_vs_regexp: median(perRound), rounds: perRound.map((x) => +x.toFixed(3)),
    columns_vs_regexp: median(perRoundColumns), columns_rounds: perRoundColumns.map((x) => +x.toFixed(3)),
  };
  console.log(`interleaved rounds, wendu verdictBatch ÷ RegExp baseline throughput: median ${fmtX(interleaved.verdict_vs_regexp)} (${perRound.map(fmtX).join(", ")})`);
  console.log(`interleaved rounds, wendu verdictColumns ÷ RegExp baseline throughput: median ${fmtX(interleaved.columns_vs_regexp)} (${perRoundColumns.map(fmtX).join(", ")}); same labels, factors and level as the decisions on all ${items.length}`);
  // the slowest inputs of the classify pass, re-timed (median of 7) so a scheduler pause on this
  // shared machine is not taken for wendu's cost: ms per max(1, chars / 1000)
  const timed = items.map((c) => { const t = now(); engine.classify(c); return { c, ms: now() - t }; }).sort((a, b) => b.ms - a.ms).slice(0, 30);
  const worst = timed.map(({ c }) => {
    const ts = [];
    for (let k = 0; k < 7; k++) { const t = now(); engine.classify(c); ts.push(now() - t); }
    const ms = median(ts);
    return { chars: c.text.length, ms, ms_per_1000: ms / Math.max(1, c.text.length / 1000) };
  }).sort((a, b) => b.ms_per_1000 - a.ms_per_1000)[0];
  engine.free();
  return { rejected: rejected.length, worst_input: worst, title, note, complaints: items.length, mean_chars: Math.round(items.reduce((a, c) => a + c.text.length, 0) / items.length), pack: `${pack.pack.id} ${pack.pack.version}`, dims, label_rules: nRules, factors: sp.factors.length, slow_sample: slow.length, agreement: agree, rows, interleaved, load: load() };
}

// ---- cold start and memory, each in a fresh process ---------------------------------------------

async function childMain() {
  const [, kind, dir] = args;
  const sample = JSON.parse(readFileSync(join(dir, "sample.json"), "utf8"));
  if (kind === "wendu") {
    // pkg/ may be mid-rebuild: wait for its files before the clock starts
    for (let i = 0; i < 90 && !(["pkg/node.cjs", "pkg/node/api.cjs", "pkg/node/wendu_wasm.js"].every((f) => existsSync(join(repo, f))) && wasmFile()); i++) await sleep(2000);
    await sleep(200);
  }
  const rss0 = process.memoryUsage().rss, heap0 = process.memoryUsage().heapUsed;
  const t0 = now();
  let classify;
  let lib;
  if (kind === "wendu") lib = await loadWendu();
  else if (kind === "jre") lib = require("json-rules-engine");
  else if (kind.startsWith("zen")) lib = require("@gorules/zen-engine");
  else lib = await import("./translate.mjs");
  const t1 = now();
  if (kind === "wendu") {
    const e = new lib.Engine(readFileSync(join(dir, "wendu-pack.json"), "utf8"));
    classify = (c) => e.classify(c);
  } else if (kind === "regexp") {
    const impl = lib.toRegExpBaseline(JSON.parse(readFileSync(join(dir, "spec.json"), "utf8")));
    classify = (c) => impl.classify(c);
  } else if (kind === "jre") {
    const sp = JSON.parse(readFileSync(join(dir, "spec.json"), "utf8"));
    const e = new lib.Engine([], { allowUndefinedFacts: true });
    for (const [name, f] of Object.entries(T.JRE_OPERATORS)) e.addOperator(name, f);
    for (const r of JSON.parse(readFileSync(join(dir, "jre-rules.json"), "utf8"))) e.addRule(r);
    classify = async (c) => T.finalize(sp, new Set((await e.run({ text: T.peerText(c), complaint: c, amounts: T.peerAmounts(c) })).events.map((x) => x.params.key)));
  } else {
    const sp = JSON.parse(readFileSync(join(dir, "spec.json"), "utf8"));
    const jdm = JSON.parse(readFileSync(join(dir, `${kind}.json`), "utf8"));
    const impl = T.toZen(sp, lib, { jdm });
    classify = (c) => impl.classify(c);
  }
  const t2 = now();
  await classify(sample[0]);
  const t3 = now();
  for (const c of sample) await classify(c);
  const mu = process.memoryUsage();
  process.stdout.write(JSON.stringify({ load_ms: t1 - t0, compile_ms: t2 - t1, first_ms: t3 - t2, rss_mib: (mu.rss - rss0) / 2 ** 20, heap_mib: (mu.heapUsed - heap0) / 2 ** 20 }));
  process.exit(0);
}

function coldRuns(pack, dims, items, reps) {
  const dir = mkdtempSync(join(tmpdir(), "wendu-compare-"));
  const sp = T.spec(T.restrictPack(pack, dims), dims);
  writeFileSync(join(dir, "sample.json"), JSON.stringify(everyKth(items, Math.max(1, Math.floor(items.length / 100))).slice(0, 100)));
  writeFileSync(join(dir, "wendu-pack.json"), JSON.stringify(T.restrictPack(pack, dims)));
  writeFileSync(join(dir, "spec.json"), JSON.stringify(sp));
  writeFileSync(join(dir, "jre-rules.json"), JSON.stringify(T.toJsonRules(sp)));
  writeFileSync(join(dir, "zen-contains.json"), JSON.stringify(T.toZenDecision(sp, { regex: false })));
  writeFileSync(join(dir, "zen-matches.json"), JSON.stringify(T.toZenDecision(sp, { regex: true })));
  const kinds = [["wendu", "wendu WASM"], ["regexp", "RegExp baseline"], ["jre", "json-rules-engine"], ["zen-contains", "ZEN contains()"], ["zen-matches", "ZEN matches()"]];
  const out = {};
  for (const [kind, name] of kinds) {
    const runs = [];
    for (let r = 0; r < reps; r++) {
      const res = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--child", kind, dir], { encoding: "utf8", timeout: 120000 });
      if (res.status === 0) runs.push(JSON.parse(res.stdout));
      else { console.error(`cold start ${kind} failed: ${res.stderr.slice(0, 400)}`); break; }
    }
    if (!runs.length) continue;
    const m = (k) => median(runs.map((x) => x[k]));
    out[name] = { load_ms: m("load_ms"), compile_ms: m("compile_ms"), cold_ms: median(runs.map((x) => x.load_ms + x.compile_ms)), first_ms: m("first_ms"), rss_mib: m("rss_mib"), heap_mib: m("heap_mib"), runs: runs.length };
  }
  rmSync(dir, { recursive: true, force: true });
  return out;
}

// ---- native -------------------------------------------------------------------------------------

function nativeRun(packJson, corpusPath, rounds) {
  const bin = join(repo, "target/release/wendu-bench");
  if (!existsSync(bin)) return { missing: `${bin} not found (cargo build --release -p wendu-bench)` };
  const dir = mkdtempSync(join(tmpdir(), "wendu-native-"));
  const packPath = join(dir, "pack.json");
  writeFileSync(packPath, packJson);
  const a = ["classify", "--pack", packPath, "--rounds", String(rounds)];
  if (corpusPath) a.push("--corpus", corpusPath);
  try {
    const out = execFileSync(bin, a, { cwd: repo, encoding: "utf8", timeout: 300000 });
    const rate = (label) => Number((out.split("\n").find((l) => l.startsWith(label)) || "").match(/median\s+(\d+)/)?.[1]);
    return {
      bare_ac: rate("bare Aho-Corasick"),
      classify: rate("classify (Decision)"),
      verdict: rate("verdict (no explanation)"),
      classify_json: rate("classify + decision JSON"),
      from_json: rate("parse complaint JSON + classify + JSON"),
      // per-round ratios with the bare scan, interleaved (robust to load changes between phases)
      verdict_ratio: Number(out.match(/interleaved ratio to the bare scan[^:]*: verdict ([\d.]+)x/)?.[1]),
      compile_ms: Number(out.match(/compile: median ([\d.]+) ms/)?.[1]),
      peak_mib: Number(out.match(/peak memory \(VmHWM\): ([\d.]+) MiB/)?.[1]),
      output: out.trim(),
    };
  } catch (e) {
    return { missing: `wendu-bench classify failed: ${String(e.message).slice(0, 300)}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- the plain keyword set (issue 12): wendu against a hand-written RegExp loop, nothing else ---

/**
 * The default pack's term lists as plain keywords (translate.mjs, plainKeywordPack): wendu's
 * `verdictBatch` (JSON text across the boundary) and `verdictColumns` (texts in, typed arrays
 * out) against the RegExp loop a web team writes for it, in interleaved rounds. Both sides
 * compute the same labels, factors and level (checked on every complaint first).
 */
function keywordRun(wendu, cnPack, items, rounds) {
  const kp = T.plainKeywordPack(cnPack);
  const engine = new wendu.Engine(kp);
  const loop = T.plainRegExpLoop(kp);
  const texts = items.map((c) => c.text);
  const dims = kp.dimensions.map((d) => d.id);
  const verdicts = engine.verdictBatch(items);
  const differ = verdicts.filter((v, i) => {
    const r = loop.classify(texts[i]);
    const w = { labels: Object.fromEntries(dims.map((d) => [d, v.labels[d].map((l) => l.code)])), factors: v.severity?.factors ?? [], level: v.severity?.level ?? null };
    return JSON.stringify(w) !== JSON.stringify(r);
  }).length;
  const labels = kp.dimensions.reduce((a, d) => a + d.labels.length, 0);
  const terms = new Set(kp.dimensions.flatMap((d) => d.labels.flatMap((l) => l.rules[0].when.terms))).size;
  console.log(`\n== Plain keyword set: the default pack's term lists (${labels} labels over ${dims.join(" + ")}, ${terms} distinct terms, ${kp.severity.factors.length} factors; no negation, normalisation or boundaries), ${items.length} complaints; load ${load()}`);
  console.log(`same labels, factors and level as the RegExp loop: ${items.length - differ} of ${items.length}`);
  const batch = [], cols = [], rx = [];
  for (let r = 0; r < Math.max(3, rounds); r++) {
    let t = now();
    for (let i = 0; i < items.length; i += 256) engine.verdictBatch(items.slice(i, i + 256));
    batch.push(items.length / ((now() - t) / 1000));
    t = now();
    for (let i = 0; i < texts.length; i += 256) engine.verdictColumns(texts.slice(i, i + 256));
    cols.push(items.length / ((now() - t) / 1000));
    t = now();
    for (const x of texts) loop.classify(x);
    rx.push(items.length / ((now() - t) / 1000));
  }
  engine.free();
  const ratios = (xs) => xs.map((x, i) => x / rx[i]);
  const out = {
    labels, terms, factors: kp.severity.factors.length, complaints: items.length, agree: items.length - differ,
    verdict_batch: median(batch), verdict_columns: median(cols), regexp_loop: median(rx),
    batch_vs_loop: median(ratios(batch)), columns_vs_loop: median(ratios(cols)),
  };
  console.log(`${pad("wendu WASM verdictBatch (256)", 32)}${lpad(fmtRate(out.verdict_batch), 14)}/s  ${fmtX(out.batch_vs_loop)} the loop (median of per-round ratios)`);
  console.log(`${pad("wendu WASM verdictColumns (256)", 32)}${lpad(fmtRate(out.verdict_columns), 14)}/s  ${fmtX(out.columns_vs_loop)} the loop`);
  console.log(`${pad("hand-written RegExp loop", 32)}${lpad(fmtRate(out.regexp_loop), 14)}/s`);
  return out;
}

// ---- scaling: generated keyword packs -----------------------------------------------------------

function rng(seed) {
  let s = seed >>> 0;
  return () => { s = (s + 0x6d2b79f5) >>> 0; let t = s; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32; };
}

/**
 * A synthetic vocabulary: distinct 2–4 character words over 800 CJK characters, and 200 other CJK
 * characters for filler, so filler never forms a term by chance.
 */
function vocabulary(n, rand, corpus) {
  // Characters of real (simplified) text when the corpus is there — the 1,000 most frequent —
  // so normalisation costs what it costs on complaints; else code points from the CJK block.
  const freq = new Map();
  for (const c of corpus || []) for (const ch of c.text) if (ch >= "\u4e00" && ch <= "\u9fff") freq.set(ch, (freq.get(ch) || 0) + 1);
  let chars = [...freq.entries()].sort((a, b) => b[1] - a[1]).map(([ch]) => ch).slice(0, 1000);
  if (chars.length < 1000) chars = Array.from({ length: 1000 }, (_, i) => String.fromCharCode(0x4e00 + 3 + i * 7));
  const filler = chars.filter((_, i) => i % 5 === 0);
  const alphabet = chars.filter((_, i) => i % 5 !== 0);
  const words = new Set();
  while (words.size < n) {
    const len = 2 + Math.floor(rand() * 3);
    let w = "";
    for (let i = 0; i < len; i++) w += alphabet[Math.floor(rand() * alphabet.length)];
    words.add(w);
  }
  return { alphabet, filler, words: [...words] };
}

/** A pack of `n` keyword rules (one label each, five terms each) over the vocabulary. */
function keywordPack(n, vocab) {
  return {
    pack: { id: `generated-${n}`, version: "1", locale: "zh-CN" },
    dimensions: [{ id: "topic", multi: true, labels: Array.from({ length: n }, (_, i) => ({ code: `T${i}`, name: `topic ${i}`, rules: [{ when: { terms: vocab.words.slice(i * 5, i * 5 + 5) } }] })) }],
  };
}

/**
 * Texts of `len` characters: filler with a word every ~20 characters, drawn from the first
 * `maxWord` words (the terms of the smallest pack), so every pack size sees the same hits and only
 * the rule count changes.
 */
function syntheticTexts(count, len, vocab, rand, maxWord) {
  return Array.from({ length: count }, () => {
    let t = "";
    while (t.length < len) {
      if (rand() < 0.12) t += vocab.words[Math.floor(rand() * maxWord)];
      else t += vocab.filler[Math.floor(rand() * vocab.filler.length)];
      if (rand() < 0.05) t += "，";
    }
    return { text: t.slice(0, len) };
  });
}

async function scalingRules(wendu, sizes, budgetMs, corpus) {
  const rand = rng(42);
  const vocab = vocabulary(sizes[sizes.length - 1] * 5, rand, corpus);
  const texts = syntheticTexts(200, 300, vocab, rand, sizes[0] * 5);
  const names = ["wendu (WASM)", "RegExp baseline", "json-rules-engine", "ZEN contains()"];
  const result = Object.fromEntries(names.map((n) => [n, []]));
  const jre = require("json-rules-engine"), zen = require("@gorules/zen-engine");
  console.log(`\n== Scaling with rule count (generated keyword packs, 5 terms per rule; 200 synthetic texts of 300 chars with the same term hits at every size; load ${load()})`);
  console.log(`${pad("rules", 8)}${names.map((n) => lpad(n, 20)).join("")}   (µs per complaint, median; build ms in brackets)`);
  for (const n of sizes) {
    const pack = keywordPack(n, vocab);
    const sp = T.spec(pack, ["topic"]);
    const cells = [];
    for (const name of names) {
      const prev = result[name][result[name].length - 1];
      // projected cost at this size: 10× the previous per-text and build time, over the whole text set
      const growth = prev ? n / prev.rules : 1;
      const projected = prev && prev.us != null ? (prev.us * growth * texts.length) / 1000 + prev.build_ms * growth : 0;
      if (prev && (prev.skipped || projected > 60000)) {
        result[name].push({ rules: n, us: null, skipped: true, projected_s: +(projected / 1000).toFixed(0) });
        cells.push(lpad("skipped >60 s", 20));
        continue;
      }
      const t0 = now();
      let classify, isAsync = false, dispose = () => {};
      if (name === "wendu (WASM)") { const e = new wendu.Engine(pack); classify = (c) => e.verdict(c); dispose = () => e.free(); }
      else if (name === "RegExp baseline") { const b = T.toRegExpBaseline(sp); classify = (c) => b.classify(c); }
      else if (name === "json-rules-engine") { const b = T.toJsonRulesEngine(sp, jre); classify = (c) => b.classify(c); isAsync = true; }
      else { const b = T.toZen(sp, zen, { regex: false }); classify = (c) => b.classify(c); isAsync = true; dispose = () => b.engine.dispose(); }
      const build = now() - t0;
      const m = await measure(classify, texts, { rounds: 3, budgetMs, isAsync, warm: 5 });
      dispose();
      const us = 1e6 / m.rate;
      result[name].push({ rules: n, us, p99_us: m.p99_us, build_ms: build });
      cells.push(lpad(`${fmtUs(us)} [${fmtUs(build)}]`, 20));
    }
    console.log(`${pad(n.toLocaleString("en-US"), 8)}${cells.join("")}`);
  }
  return { texts: texts.length, text_chars: 300, terms_per_rule: 5, engines: names.map((n) => ({ name: n, points: result[n] })) };
}

// ---- scaling: text length -----------------------------------------------------------------------

async function scalingLength(wendu, pack, dims, corpus, lengths, budgetMs) {
  const sp = T.spec(T.restrictPack(pack, dims), dims);
  const rp = T.restrictPack(pack, dims);
  const joined = corpus.map((c) => c.text).join("。");
  const jre = require("json-rules-engine"), zen = require("@gorules/zen-engine");
  const e = new wendu.Engine(rp);
  const impls = [
    ["wendu (WASM)", (c) => e.verdict(c), false],
    ["RegExp baseline", ((b) => (c) => b.classify(c))(T.toRegExpBaseline(sp)), false],
    ["json-rules-engine", ((b) => (c) => b.classify(c))(T.toJsonRulesEngine(sp, jre)), true],
    ["ZEN contains()", ((b) => (c) => b.classify(c))(T.toZen(sp, zen, { regex: false })), true],
    ["ZEN matches()", ((b) => (c) => b.classify(c))(T.toZen(sp, zen, { regex: true })), true],
  ];
  console.log(`\n== Scaling with text length (slices of the corpus joined; rule set as above; load ${load()})`);
  console.log(`${pad("chars", 8)}${impls.map(([n]) => lpad(n, 19)).join("")}   (µs per complaint, median; wendu µs per 1,000 chars)`);
  const result = Object.fromEntries(impls.map(([n]) => [n, []]));
  for (const len of lengths) {
    const count = 20;
    const texts = Array.from({ length: count }, (_, i) => ({ text: joined.slice((i * 7919 * 13) % Math.max(1, joined.length - len), ((i * 7919 * 13) % Math.max(1, joined.length - len)) + len) }));
    const cells = [];
    for (const [name, fn, isAsync] of impls) {
      const m = await measure(fn, texts, { rounds: 3, budgetMs, isAsync, warm: 3 });
      const us = 1e6 / m.rate;
      let worst_ms;
      if (name === "wendu (WASM)") {
        // the worst case is timed on full decisions (explained), the stricter path
        worst_ms = Math.max(...texts.map((c) => { const ts = []; for (let k = 0; k < 5; k++) { const t = now(); e.classify(c); ts.push(now() - t); } return median(ts); }));
      }
      result[name].push({ chars: len, us, p99_us: m.p99_us, us_per_1000: (us * 1000) / len, worst_ms });
      cells.push(lpad(fmtUs(us), 19));
    }
    const w = result["wendu (WASM)"].at(-1);
    console.log(`${pad(len.toLocaleString("en-US"), 8)}${cells.join("")}   ${fmtUs(w.us_per_1000)} µs/1k`);
  }
  e.free();
  return { texts_per_length: 20, engines: impls.map(([n]) => ({ name: n, points: result[n] })) };
}

// ---- pathological regex -------------------------------------------------------------------------

async function pathological(wendu, capMs) {
  const pattern = "(a+)+$";
  console.log(`\n== Pathological regex ${pattern} on "a"×n + "b" (catastrophic backtracking in JS; load ${load()})`);
  const js = [];
  const re = new RegExp(pattern);
  for (let i = 0; i < 100; i++) re.test("a".repeat(10) + "b"); // compile and tier up first
  for (let n = 16; n <= 40; n += 2) {
    const s = "a".repeat(n) + "b";
    const t = now();
    re.test(s);
    const ms = now() - t;
    js.push({ n, ms });
    if (ms > capMs) break;
  }
  const growth = js.length > 2 ? Math.pow(js.at(-1).ms / js.at(-3).ms, 1 / (js.at(-1).n - js.at(-3).n)) : NaN;
  const pack = {
    pack: { id: "pathological", version: "1", locale: "en-US" },
    settings: { limits: { max_text_chars: 1000000 } },
    dimensions: [{ id: "reason", multi: true, labels: [{ code: "P", name: "pathological", rules: [{ when: { regex: pattern } }] }] }],
  };
  const e = new wendu.Engine(pack);
  const zen = require("@gorules/zen-engine");
  const wen = [], zres = [];
  for (const n of [16, 28, 100, 1000, 10000, 100000]) {
    const s = { text: "a".repeat(n) + "b" };
    e.classify(s);
    const reps = n <= 1000 ? 51 : 7;
    const ts = [];
    for (let i = 0; i < reps; i++) { const t1 = now(); e.classify(s); ts.push(now() - t1); }
    wen.push({ n, ms: median(ts) });
    await zen.evaluateExpression(`matches(text, ${JSON.stringify(pattern)})`, s);
    const t = now();
    await zen.evaluateExpression(`matches(text, ${JSON.stringify(pattern)})`, s);
    zres.push({ n, ms: now() - t });
  }
  e.free();
  const pr = (name, pts) => console.log(`${pad(name, 26)}${pts.map((p) => `n=${p.n.toLocaleString("en-US")}: ${p.ms < 1 ? p.ms.toFixed(3) : p.ms.toFixed(1)} ms`).join(", ")}`);
  pr("JS RegExp (V8)", js);
  console.log(`${pad("", 26)}→ ×${growth.toFixed(2)} per extra character (stopped at ${capMs} ms); json-rules-engine's regex operator is the same V8 RegExp`);
  pr("wendu (WASM, Rust regex)", wen);
  pr("ZEN matches() (Rust regex)", zres);
  const w = wen.at(-1);
  console.log(`${pad("", 26)}→ wendu ${(w.ms / (w.n / 1000)).toFixed(4)} ms per 1,000 chars at n=${w.n.toLocaleString("en-US")} (linear)`);
  return { pattern, js_growth_per_char: growth, engines: [{ name: "JS RegExp", points: js }, { name: "wendu (WASM)", points: wen }, { name: "ZEN matches()", points: zres }] };
}

/** Dense inputs for wendu: every character a term hit, near pairs everywhere. */
function denseInputs(wendu, pack, dims) {
  const e = new wendu.Engine(T.restrictPack(pack, dims));
  const unit = "催收电话打给家人同事，暴力催收威胁恐吓！！盗刷诈骗12378投诉";
  const out = [];
  for (const len of [1000, 10000, 20000]) {
    const text = unit.repeat(Math.ceil(len / unit.length)).slice(0, Math.min(len, 20000));
    const c = { text };
    e.classify(c);
    const ts = [];
    for (let i = 0; i < 7; i++) { const t = now(); e.classify(c); ts.push(now() - t); }
    const ms = median(ts);
    out.push({ chars: text.length, ms, ms_per_1000: ms / (text.length / 1000) });
  }
  e.free();
  return out;
}

// ---- table and targets --------------------------------------------------------------------------

function printTable(run, cold, native) {
  const w = run.rows[0];
  console.log(`\n${pad("engine", 32)}${lpad("complaints/s", 14)}${lpad("wendu is", 11)}${lpad("explained", 11)}${lpad("p50 µs", 10)}${lpad("p99 µs", 10)}${lpad("cold ms", 10)}${lpad("(×wendu)", 10)}${lpad("RSS MiB", 9)}${lpad("(×wendu)", 10)}${lpad("agree", 8)}`);
  const coldW = cold?.["wendu WASM"];
  const line = (name, rate, ratio, p50, p99, c, agree, setNote, explained = "") => {
    const coldName = name.startsWith("wendu WASM") ? "wendu WASM" : name.startsWith("ZEN contains()") ? "ZEN contains()" : name;
    const cm = c?.[coldName];
    console.log(`${pad(name, 32)}${lpad(fmtRate(rate), 14)}${lpad(ratio, 11)}${lpad(explained, 11)}${lpad(fmtUs(p50), 10)}${lpad(fmtUs(p99), 10)}${lpad(cm ? cm.cold_ms.toFixed(1) : "—", 10)}${lpad(cm && coldW ? fmtX(cm.cold_ms / coldW.cold_ms) : "—", 10)}${lpad(cm ? cm.rss_mib.toFixed(1) : "—", 9)}${lpad(cm && coldW ? fmtX(cm.rss_mib / Math.max(coldW.rss_mib, 0.1)) : "—", 10)}${lpad(agree ?? "", 8)}${setNote ? `  ${setNote}` : ""}`);
  };
  if (native && !native.missing) {
    line("wendu native: bare Aho-Corasick", native.bare_ac, "—", null, null, null, "", `scan only: ${fmtX(native.bare_ac / native.verdict)} verdict, ${fmtX(native.bare_ac / native.classify)} classify`);
    line("wendu native: verdict", native.verdict, "—", null, null, null, "", `${fmtX(native.verdict / w.rate)} WASM verdictBatch`);
    line("wendu native: classify", native.classify, "—", null, null, null, "", `compile ${native.compile_ms} ms, peak RSS ${native.peak_mib} MiB`);
    line("wendu native: JSON in+out", native.from_json, "—", null, null, null, "", `${fmtX(native.from_json / w.rate)} WASM`);
  }
  for (const r of run.rows) {
    const ratio = r.name.startsWith("wendu") ? (r.name.includes("verdictBatch") ? "1×" : fmtX(r.wendu_rate / r.rate)) : fmtX(r.wendu_rate / r.rate);
    const explained = r.name.startsWith("wendu") ? "" : fmtX(r.explained_rate / r.rate);
    line(r.name, r.rate, ratio, r.p50_us, r.p99_us, cold, r.agreement_pct != null ? `${r.agreement_pct}%` : "", r.set !== "all" ? `(${r.set})` : "", explained);
  }
  console.log(`"wendu is" = wendu WASM verdictBatch throughput (labels, route, severity: what the peers return) on the same complaints ÷ that engine's;`);
  console.log(`"explained" = the same with classifyBatch (full decisions with evidence, spans, amounts, masked text). Native rows compare with WASM in the note.`);
  console.log(`cold = require the package + build the rules from their JSON, fresh process, median of ${Object.values(cold || {})[0]?.runs ?? "?"}; RSS = growth after load + compile + 100 complaints.`);
}

function printAgreement(run) {
  console.log(`\nAgreement with wendu (identical business/reason labels, severity factors and level):`);
  for (const [name, a] of Object.entries(run.agreement)) {
    const parts = Object.entries(a.parts_pct).filter(([k]) => k !== "all").map(([k, v]) => `${k} ${v}%`).join(", ");
    console.log(`  ${pad(name, 20)} ${lpad(a.identical_pct + "%", 6)} of ${a.n} (${a.over}) — ${parts}`);
    const causes = Object.entries(a.causes).sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k}: ${v}`).join("; ");
    if (causes) console.log(`  ${pad("", 20)} differences: ${causes}`);
  }
}

function targets(cn, native, rules, length, pat, dense, keyword) {
  const rows = cn.rows;
  const get = (n) => rows.find((r) => r.name === n);
  const ratio = (n) => { const r = get(n); return r ? r.wendu_rate / r.rate : NaN; };
  const t = [];
  const vsRegexp = Math.max(cn.interleaved?.verdict_vs_regexp ?? ratio("RegExp baseline"), cn.interleaved?.columns_vs_regexp ?? 0);
  t.push({ target: "WASM ≥ 3× RegExp baseline (interleaved rounds; verdictBatch or verdictColumns)", value: vsRegexp, ok: vsRegexp >= 3, fmt: fmtX });
  if (keyword) {
    const best = Math.max(keyword.batch_vs_loop, keyword.columns_vs_loop);
    t.push({ target: "plain keyword set: WASM ≥ 2× the RegExp loop (verdictBatch or verdictColumns)", value: best, ok: best >= 2, fmt: fmtX });
  }
  t.push({ target: "WASM ≥ 100× json-rules-engine", value: ratio("json-rules-engine"), ok: ratio("json-rules-engine") >= 100, fmt: fmtX });
  const zenBest = Math.min(ratio("ZEN contains()"), ratio("ZEN contains(), 64 in flight") || Infinity);
  t.push({ target: "WASM ≥ 100× ZEN (its fastest variant)", value: zenBest, ok: zenBest >= 100, fmt: fmtX });
  if (native && !native.missing) {
    const r = native.verdict_ratio || native.bare_ac / native.verdict;
    t.push({ target: "native verdict within 2× of bare Aho-Corasick (interleaved rounds)", value: r, ok: r <= 2, fmt: (x) => `${x.toFixed(2)}× slower` });
  }
  if (rules) {
    const w = rules.engines.find((e) => e.name === "wendu (WASM)").points;
    const a = w.find((p) => p.rules === 100), b = w.find((p) => p.rules === 10000) ?? w.at(-1);
    if (a && b) t.push({ target: `cost within 2× from 100 to ${b.rules.toLocaleString("en-US")} rules`, value: b.us / a.us, ok: b.us / a.us <= 2, fmt: (x) => `${x.toFixed(2)}×` });
  }
  if (length) {
    const w = length.engines.find((e) => e.name === "wendu (WASM)").points;
    const a = w.find((p) => p.chars === 1000), b = w.at(-1);
    if (a && b) t.push({ target: `linear in text length (µs per 1,000 chars at ${b.chars.toLocaleString("en-US")} vs at 1,000)`, value: b.us_per_1000 / a.us_per_1000, ok: b.us_per_1000 / a.us_per_1000 <= 1.5, fmt: (x) => `${x.toFixed(2)}×` });
  }
  const worst = Math.max(
    ...(length ? length.engines.find((e) => e.name === "wendu (WASM)").points.map((p) => p.worst_ms / Math.max(1, p.chars / 1000)) : []),
    ...(pat ? pat.engines.find((e) => e.name === "wendu (WASM)").points.map((p) => p.ms / Math.max(1, p.n / 1000)) : []),
    ...(dense ? dense.map((d) => d.ms_per_1000) : []),
    cn.worst_input?.ms_per_1000 ?? 0,
  );
  t.push({ target: "no input over 1 ms per 1,000 chars (slowest corpus input, lengths, dense, pathological; re-timed medians)", value: worst, ok: worst <= 1, fmt: (x) => `${x.toFixed(3)} ms` });
  console.log(`\n== Targets (issue 6)`);
  for (const x of t) console.log(`  ${x.ok ? "MET   " : "MISSED"}  ${pad(x.target, 92)} ${x.fmt(x.value)}`);
  return t.map(({ fmt, ...x }) => ({ ...x, shown: fmt(x.value) }));
}

// ---- main ---------------------------------------------------------------------------------------

async function main() {
  ensurePeers();
  const t0 = now();
  const wendu = await loadWendu();
  const jreVersion = JSON.parse(readFileSync(join(benchDir, "node_modules/json-rules-engine/package.json"), "utf8")).version;
  const zenVersion = JSON.parse(readFileSync(join(benchDir, "node_modules/@gorules/zen-engine/package.json"), "utf8")).version;
  const machine = { date: new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC", cpus: `${cpus().length} × ${cpus()[0]?.model?.trim() ?? "?"}`, memory_gib: +(totalmem() / 2 ** 30).toFixed(1), node: process.version, load_start: load() };
  console.log(`wendu compare — ${QUICK ? "QUICK smoke run (samples, 1 round: numbers are rough)" : "full run"}`);
  console.log(`${machine.date}; ${machine.cpus}; node ${process.version}; load average ${machine.load_start}`);
  console.log(`wendu ${wendu.version} (pkg/); json-rules-engine ${jreVersion}; @gorules/zen-engine ${zenVersion}`);

  const rounds = QUICK ? 1 : 5;
  const wasm = wasmFile() ?? "";
  let head = null;
  try { head = execFileSync("git", ["-C", repo, "rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim(); } catch {}
  const build = { git_head: head, wasm_built: existsSync(wasm) ? statSync(wasm).mtime.toISOString().slice(0, 16).replace("T", " ") + " UTC" : null, wasm_bytes: existsSync(wasm) ? statSync(wasm).size : null };
  console.log(`${wasm.replace(repo + "/", "")} built ${build.wasm_built} (${build.wasm_bytes} bytes); git HEAD ${head} (the working tree may differ)`);
  const results = { quick: QUICK, machine, build, versions: { wendu: wendu.version, "json-rules-engine": jreVersion, "@gorules/zen-engine": zenVersion }, approximations: T.APPROXIMATIONS };

  // Chinese corpus
  const cnPack = T.readPack(join(repo, "packs/cn-banking.json"));
  const cnDims = ["business", "reason"];
  const cnPath = opt("--corpus", join(shared, "cn-complaints/complaints.csv"));
  let cnItems, cnNote;
  if (existsSync(cnPath)) { cnItems = readCsv(cnPath, ["text", "narrative"]); cnNote = cnPath.replace(repo + "/", ""); }
  else {
    cnItems = readFileSync(join(repo, "examples/complaints.jsonl"), "utf8").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
    cnNote = "examples/complaints.jsonl — ../shared/data is ABSENT: the project's own examples, numbers not comparable with the shared corpus";
    console.log(`NOTE: ${cnNote}`);
  }
  if (QUICK) cnItems = everyKth(cnItems, 10);
  const cn = await corpusRun({ title: "Chinese complaints, default pack (cn-banking)", pack: cnPack, dims: cnDims, items: cnItems, note: cnNote + (QUICK ? " (every 10th)" : ""), slowK: QUICK ? 3 : 8, rounds, wendu });
  const cnNative = has("--no-native") ? { missing: "--no-native" } : nativeRun(JSON.stringify(T.restrictPack(cnPack, cnDims)), existsSync(cnPath) ? cnPath : join(repo, "examples/complaints.jsonl"), QUICK ? 1 : 5);
  const cnCold = coldRuns(cnPack, cnDims, cnItems, QUICK ? 1 : 3);
  cn.native = cnNative; cn.cold = cnCold;
  printTable(cn, cnCold, cnNative);
  printAgreement(cn);
  if (cnNative.missing) console.log(`native: ${cnNative.missing}`);
  results.cn = cn;

  // English corpus
  const enPackPath = join(repo, "packs/en-banking.json");
  const enPath = join(shared, "cfpb/narratives.csv");
  if (!has("--no-english") && existsSync(enPackPath) && existsSync(enPath)) {
    try {
      const enPack = T.readPack(enPackPath);
      const enDims = enPack.dimensions.filter((d) => ["business", "reason"].includes(d.id)).map((d) => d.id);
      let enItems = readCsv(enPath, ["narrative"]);
      if (QUICK) enItems = everyKth(enItems, 20);
      const en = await corpusRun({ title: "English complaints (CFPB narratives), en-banking pack", pack: enPack, dims: enDims, items: enItems, note: enPath.replace(repo + "/", "") + (QUICK ? " (every 20th)" : ""), slowK: QUICK ? 3 : 12, rounds: QUICK ? 1 : 3, wendu });
      const enNative = has("--no-native") ? { missing: "--no-native" } : nativeRun(JSON.stringify(T.restrictPack(enPack, enDims)), enPath, QUICK ? 1 : 3);
      const enCold = coldRuns(enPack, enDims, enItems, 1);
      en.native = enNative; en.cold = enCold;
      printTable(en, enCold, enNative);
      printAgreement(en);
      results.en = en;
    } catch (e) {
      console.log(`\nEnglish run skipped: ${e.message}`);
      results.en = { skipped: e.message };
    }
  } else {
    const why = !existsSync(enPackPath) ? "packs/en-banking.json is absent" : !existsSync(enPath) ? `${enPath} is absent` : "--no-english";
    console.log(`\nEnglish run skipped: ${why}`);
    results.en = { skipped: why };
  }

  // scaling and pathological
  results.keyword = keywordRun(wendu, cnPack, cnItems, QUICK ? 3 : rounds);

  results.scaling_rules = await scalingRules(wendu, QUICK ? [10, 100, 1000] : [10, 100, 1000, 10000], QUICK ? 300 : 2500, cnItems);
  results.scaling_length = await scalingLength(wendu, cnPack, cnDims, cnItems, QUICK ? [100, 1000, 10000] : [100, 300, 1000, 3000, 10000], QUICK ? 300 : 2000);
  results.pathological = await pathological(wendu, QUICK ? 300 : 2000);
  results.dense = denseInputs(wendu, cnPack, cnDims);
  console.log(`dense input (every few characters a term, near pairs everywhere), wendu WASM: ${results.dense.map((d) => `${d.chars.toLocaleString("en-US")} chars ${d.ms.toFixed(2)} ms (${d.ms_per_1000.toFixed(3)} ms/1k)`).join("; ")}`);

  results.targets = targets(cn, cnNative, results.scaling_rules, results.scaling_length, results.pathological, results.dense, results.keyword);
  machine.load_end = load();
  machine.seconds = +((now() - t0) / 1000).toFixed(0);

  const outDir = opt("--out", join(benchDir, "results"));
  mkdirSync(outDir, { recursive: true });
  const { scalingSvg } = await import("./chart.mjs");
  const base = QUICK ? "quick" : "latest";
  for (const run of [results.cn, results.en]) if (run?.native?.output) run.native.output = run.native.output.split("\n");
  writeFileSync(join(outDir, `${base}.json`), JSON.stringify(results, null, 1) + "\n");
  writeFileSync(join(outDir, `${QUICK ? "quick-" : ""}scaling.svg`), scalingSvg(results));
  console.log(`\nwrote ${join(outDir, `${base}.json`).replace(repo + "/", "")} and ${join(outDir, `${QUICK ? "quick-" : ""}scaling.svg`).replace(repo + "/", "")}; ${machine.seconds} s; load average at end ${machine.load_end}`);
}

// ---- medians of several saved runs, as Markdown (for BENCHMARKS.md) -------------------------------

function medianReport(files) {
  const runs = files.map((f) => JSON.parse(readFileSync(f, "utf8")));
  const span = (xs, f) => { xs = xs.filter((x) => x != null && isFinite(x)); return xs.length ? `${f(median(xs))}${xs.length > 1 ? ` (${f(Math.min(...xs))}–${f(Math.max(...xs))})` : ""}` : "—"; };
  console.log(`Medians of ${runs.length} runs (min–max in brackets): ${runs.map((r) => `${r.machine.date}, load ${r.machine.load_start}`).join("; ")}\n`);
  for (const key of ["cn", "en"]) {
    const rs = runs.map((r) => r[key]).filter((x) => x?.rows);
    if (!rs.length) continue;
    const last = rs.at(-1);
    console.log(`**${last.title}** — ${last.complaints.toLocaleString("en-US")} complaints, mean ${last.mean_chars} chars; ${last.pack}, ${last.dims.join(" + ")} (${last.label_rules} label rules) + ${last.factors} factors\n`);
    console.log("| engine | complaints/s | wendu WASM is | explained | p50 µs | p99 µs | cold start ms | × wendu | RSS MiB | × wendu | same decisions as wendu |");
    console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    const nat = rs.map((r) => r.native).filter((n) => n && !n.missing);
    if (nat.length) {
      console.log(`| wendu native: bare Aho-Corasick scan | ${span(nat.map((n) => n.bare_ac), fmtRate)} | | | | | | | | |`);
      console.log(`| wendu native: verdict | ${span(nat.map((n) => n.verdict), fmtRate)} | native is ${span(rs.filter((r) => r.native && !r.native.missing).map((r) => r.native.verdict / r.rows[0].rate), fmtX)} | | | | | | | | |`);
      console.log(`| wendu native: classify | ${span(nat.map((n) => n.classify), fmtRate)} | | | | | ${span(nat.map((n) => n.compile_ms), (x) => x.toFixed(1))} (compile) | | ${span(nat.map((n) => n.peak_mib), (x) => x.toFixed(1))} (peak) | | |`);
    }
    for (const row of last.rows) {
      const rows = rs.map((r) => r.rows.find((x) => x.name === row.name)).filter(Boolean);
      const coldName = row.name.startsWith("wendu WASM") ? "wendu WASM" : row.name.startsWith("ZEN contains()") ? "ZEN contains()" : row.name;
      const colds = rs.map((r) => r.cold?.[coldName]).filter(Boolean);
      const coldRatio = rs.map((r) => (r.cold?.[coldName] && r.cold?.["wendu WASM"] ? r.cold[coldName].cold_ms / r.cold["wendu WASM"].cold_ms : null));
      const rssRatio = rs.map((r) => (r.cold?.[coldName] && r.cold?.["wendu WASM"] ? r.cold[coldName].rss_mib / r.cold["wendu WASM"].rss_mib : null));
      const ratio = row.name.includes("verdictBatch") ? "1×" : span(rows.map((x) => x.wendu_rate / x.rate), fmtX);
      const explained = row.name.startsWith("wendu") ? "" : span(rows.filter((x) => x.explained_rate).map((x) => x.explained_rate / x.rate), fmtX);
      const sample = row.set !== "all" ? ` (${row.set})` : "";
      console.log(`| ${row.name}${sample} | ${span(rows.map((x) => x.rate), fmtRate)} | ${ratio} | ${explained} | ${span(rows.map((x) => x.p50_us), fmtUs)} | ${span(rows.map((x) => x.p99_us), fmtUs)} | ${span(colds.map((c) => c.cold_ms), (x) => x.toFixed(0))} | ${span(coldRatio, fmtX)} | ${span(colds.map((c) => c.rss_mib), (x) => x.toFixed(1))} | ${span(rssRatio, fmtX)} | ${row.agreement_pct != null ? row.agreement_pct + "%" : ""} |`);
    }
    console.log("");
  }
  const curve = (k, x, label) => {
    const rs = runs.map((r) => r[k]).filter(Boolean);
    if (!rs.length) return;
    const xs = rs[0].engines[0].points.map((p) => p[x]);
    console.log(`| ${label} | ${rs[0].engines.map((e) => e.name).join(" | ")} |`);
    console.log(`|---:|${rs[0].engines.map(() => "---:").join("|")}|`);
    for (const xv of xs) {
      const cells = rs[0].engines.map((e) => {
        const pts = rs.map((r) => r.engines.find((z) => z.name === e.name)?.points.find((p) => p[x] === xv)).filter(Boolean);
        if (pts.some((p) => p.skipped)) return "skipped (> 60 s)";
        return span(pts.map((p) => p.us), fmtUs);
      });
      console.log(`| ${xv.toLocaleString("en-US")} | ${cells.join(" | ")} |`);
    }
    console.log("");
  };
  curve("scaling_rules", "rules", "rules");
  curve("scaling_length", "chars", "chars");
  console.log("| target | " + runs.map((_, i) => `run ${i + 1}`).join(" | ") + " |");
  console.log("|---|" + runs.map(() => "---").join("|") + "|");
  for (const t of runs.at(-1).targets) {
    console.log(`| ${t.target} | ${runs.map((r) => { const x = r.targets.find((y) => y.target.slice(0, 20) === t.target.slice(0, 20)); return x ? `${x.ok ? "met" : "**missed**"} ${x.shown}` : "—"; }).join(" | ")} |`);
  }
}

if (args[0] === "--child") await childMain();
else if (args[0] === "--median") medianReport(args.slice(1));
else await main();
