// The studio's Web Worker: every call into wendu happens here, so the page never freezes.
// It keeps the studio's pack (compiled once), the loaded complaints and the last analysis, and
// answers the panels' requests; long jobs post progress and can be overtaken by a newer job.
// Messages: {type, job, ...} in; {job, type: "progress" | "done" | "error", ...} out.

import { Engine, TriggerEngine, WenduError } from "wendu";
import { readComplaints, readEvents } from "./input.js";
import { backtest } from "./diff.js";

const CHUNK = 500;

const state = {
  pack: null, // {text, engine, desc, policies: the triggers section's policies}
  corpus: null, // {name, items: [{line, complaint}], readErrors}
  draft: null, // {text, engine, desc}
  savedVerdicts: null, // {hash, corpusId, results}
  lastBacktest: null, // the changed complaints of the last back-test
  corpusId: 0,
  latest: new Map(), // job kind → newest job number (older jobs of that kind stop early)
};

const post = (msg) => self.postMessage(msg);

// Engines in use by a running job are freed only when that job ends (jobs await between chunks,
// so a newer request may replace the pack meanwhile).
const busy = new Map();
const retired = new Set();
function hold(engine) {
  busy.set(engine, (busy.get(engine) || 0) + 1);
}
function release(engine) {
  const n = busy.get(engine) - 1;
  if (n > 0) busy.set(engine, n);
  else busy.delete(engine);
  sweep();
}
function retire(engine) {
  if (engine) retired.add(engine);
  sweep();
}
function sweep() {
  for (const e of retired) {
    if (!busy.has(e)) {
      retired.delete(e);
      e.free();
    }
  }
}
async function using(engines, f) {
  engines.forEach(hold);
  try {
    return await f();
  } finally {
    engines.forEach(release);
  }
}
const yieldNow = () => new Promise((r) => setTimeout(r, 0));

function errorInfo(e) {
  if (e instanceof WenduError) return { code: e.code, message: e.message, problems: e.problems };
  return { code: "internal", message: String((e && e.message) || e), problems: [] };
}

/** A one-line description of a batch item's error, with its JSON pointers. */
function errorText(err) {
  const ps = (err.problems || []).filter((p) => p.severity !== "warning");
  return ps.length ? ps.map((p) => `${p.path || "/"}: ${p.message}`).join("; ") : err.message;
}

function policiesOf(text) {
  try {
    return JSON.parse(text).triggers?.policies ?? [];
  } catch {
    return [];
  }
}

function setPack(text) {
  const engine = new Engine(text);
  const old = state.pack;
  state.pack = { text, engine, desc: engine.describe(), policies: policiesOf(text) };
  state.savedVerdicts = null;
  retire(old?.engine);
  return { info: engine.pack, desc: state.pack.desc };
}

/** Decide the corpus with the studio's pack (verdicts: no explanation needed for counts):
 *  aggregates for the charts and a compact record per complaint for the drill-down. */
function analyse(job) {
  const { engine } = state.pack;
  return using([engine], () => analyseWith(job, state.pack));
}

async function analyseWith(job, { engine, desc }) {
  const corpus = state.corpus;
  const corpusId = state.corpusId;
  const items = corpus.items;
  const dims = desc.dimensions.map((d) => d.id);
  const counts = Object.fromEntries(dims.map((d) => [d, {}]));
  const levels = {};
  const routes = {};
  const factors = {};
  const days = {};
  const records = [];
  const errors = [...corpus.readErrors];
  let withTime = 0;
  const started = performance.now();
  for (let k = 0; k < items.length; k += CHUNK) {
    if (state.latest.get("analyse") !== job) return null;
    const part = items.slice(k, k + CHUNK);
    const results = engine.verdictBatch(part.map((x) => x.complaint));
    results.forEach((d, j) => {
      const { line, complaint } = part[j];
      if ("error" in d) {
        errors.push({ line, message: errorText(d.error) });
        return;
      }
      const labels = {};
      for (const dim of dims) {
        const ls = d.labels[dim] || [];
        labels[dim] = ls.map((l) => l.code);
        for (const l of ls) counts[dim][l.code] = (counts[dim][l.code] || 0) + 1;
      }
      const level = d.severity ? d.severity.level : null;
      if (level) levels[level] = (levels[level] || 0) + 1;
      const fs = d.severity ? d.severity.factors : [];
      for (const f of fs) factors[f] = (factors[f] || 0) + 1;
      const route = d.route ? d.route.department : null;
      if (route) routes[route] = (routes[route] || 0) + 1;
      let day = null;
      if (typeof complaint.received_at === "string") {
        day = complaint.received_at.slice(0, 10);
        days[day] = (days[day] || 0) + 1;
        withTime++;
      }
      records.push({ line, id: d.id, text: String(complaint.text).slice(0, 300), labels, level, factors: fs, route, day });
    });
    post({ job, type: "progress", done: Math.min(k + CHUNK, items.length), total: items.length });
    await yieldNow();
  }
  errors.sort((a, b) => a.line - b.line);
  return {
    name: corpus.name,
    corpusId,
    total: items.length,
    classified: records.length,
    errors,
    counts,
    levels,
    routes,
    factors,
    days: withTime ? days : null,
    records,
    ms: performance.now() - started,
  };
}

/** The most frequent evidence terms per label of the reason dimension (or the first one):
 *  needs the explained decisions, so it is a second pass after the counts. A term counts once
 *  per complaint. */
function topTerms(job) {
  return using([state.pack.engine], () => topTermsWith(job, state.pack, state.corpus, state.corpusId));
}

async function topTermsWith(job, { engine, desc }, corpus, corpusId) {
  const dims = desc.dimensions.map((d) => d.id);
  const dim = dims.includes("reason") ? "reason" : dims[0];
  const terms = {};
  const items = corpus.items;
  const started = performance.now();
  for (let k = 0; k < items.length; k += CHUNK) {
    if (state.latest.get("terms") !== job) return null;
    const part = items.slice(k, k + CHUNK);
    for (const d of engine.classifyBatch(part.map((x) => x.complaint))) {
      if ("error" in d) continue;
      for (const l of d.labels[dim] || []) {
        const seen = new Set();
        for (const r of l.rules) {
          for (const e of r.evidence) {
            const w = e.kind === "term" ? e.term : e.kind === "regex" ? e.text : null;
            if (w) seen.add(w);
          }
        }
        const m = (terms[l.code] ||= {});
        for (const w of seen) m[w] = (m[w] || 0) + 1;
      }
    }
    post({ job, type: "progress", done: Math.min(k + CHUNK, items.length), total: items.length });
    await yieldNow();
  }
  const top = {};
  for (const [code, m] of Object.entries(terms)) {
    top[code] = Object.entries(m)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, 8);
  }
  return { dimension: dim, top, corpusId, ms: performance.now() - started };
}

/** Verdicts of every loaded complaint under `engine`, in chunks, with progress. */
async function verdicts(engine, items, job, kind, offset, total) {
  const out = [];
  for (let k = 0; k < items.length; k += CHUNK) {
    if (state.latest.get(kind) !== job) return null;
    const part = items.slice(k, k + CHUNK);
    out.push(...engine.verdictBatch(part.map((x) => x.complaint)));
    post({ job, type: "progress", done: offset + Math.min(k + CHUNK, items.length), total });
    await yieldNow();
  }
  return out;
}

function runBacktest(job, text) {
  if (!state.corpus) return { none: true };
  const draft = buildDraft(text);
  if (!draft.engine) return { broken: true };
  const saved = state.pack;
  return using([saved.engine, draft.engine], () => backtestWith(job, saved, draft));
}

async function backtestWith(job, saved, draft) {
  const items = state.corpus.items;
  const corpusId = state.corpusId;
  const n = items.length;
  let before = state.savedVerdicts;
  const needBefore = !before || before.hash !== saved.engine.pack.hash || before.corpusId !== corpusId;
  const total = needBefore ? 2 * n : n;
  if (needBefore) {
    const results = await verdicts(saved.engine, items, job, "backtest", 0, total);
    if (!results) return null;
    before = state.savedVerdicts = { hash: saved.engine.pack.hash, corpusId, results };
  }
  const after = await verdicts(draft.engine, items, job, "backtest", needBefore ? n : 0, total);
  if (!after) return null;
  const pairs = items.map((x, k) => ({
    line: x.line,
    id: x.complaint.id ?? null,
    before: before.results[k],
    after: after[k],
  }));
  const r = backtest(pairs, saved.desc, draft.desc);
  const texts = new Map(items.map((x) => [x.line, String(x.complaint.text ?? "")]));
  r.shown = r.items.slice(0, 300).map((it) => ({ ...it, text: texts.get(it.line).slice(0, 200) }));
  r.same = saved.engine.pack.hash === draft.engine.pack.hash;
  state.lastBacktest = r.items;
  delete r.items;
  return r;
}

function buildDraft(text) {
  if (state.draft && state.draft.text === text) return state.draft;
  retire(state.draft?.engine);
  try {
    const engine = new Engine(text);
    state.draft = { text, engine, desc: engine.describe() };
  } catch (e) {
    state.draft = { text, engine: null, error: errorInfo(e) };
  }
  return state.draft;
}

function check(text) {
  const problems = Engine.check(text);
  const errors = problems.filter((p) => p.severity === "error").length;
  let tests = null;
  let info = null;
  if (!errors) {
    const d = buildDraft(text);
    if (d.engine) {
      tests = d.engine.runTests();
      info = d.engine.pack;
    } else {
      problems.push(...d.error.problems);
    }
  }
  return { problems, tests, info };
}

/** A CSV field; `text` fields that a spreadsheet would run as a formula (= + - @ first) get a
 *  leading apostrophe, the usual guard against CSV injection (only the complaint id is text the
 *  complainant or an intake system chose). */
function csvField(v, text = false) {
  let s = v === null || v === undefined ? "" : String(v);
  if (text && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The decisions of the loaded complaints as JSON Lines (the core's JSON, one per line, a bad
 *  complaint as {"line", "error"} like `wendu classify`) or CSV (one row per complaint). */
function exportDecisions(job, format) {
  return using([state.pack.engine], () => exportWith(job, format, state.pack));
}

async function exportWith(job, format, { engine, desc }) {
  const dims = desc.dimensions.map((d) => d.id);
  const out = [];
  // Column 1 (the id) is the one text field of a row.
  const row = (fields) => fields.map((x, i) => csvField(x, i === 1)).join(",");
  if (format === "csv") out.push(row(["line", "id", ...dims, "level", "points", "deadline", "department", "queue", "factors", "error"]));
  const items = state.corpus.items;
  for (let k = 0; k < items.length; k++) {
    const { line, complaint } = items[k];
    let json;
    try {
      json = engine.classifyJSON(complaint);
    } catch (e) {
      const err = errorInfo(e);
      if (format === "csv") out.push(row([line, complaint.id ?? "", ...dims.map(() => ""), "", "", "", "", "", "", errorText(err)]));
      else out.push(JSON.stringify({ line, error: err }));
      continue;
    }
    if (format === "csv") {
      const d = JSON.parse(json);
      const s = d.severity;
      out.push(
        row([
          line,
          d.id ?? "",
          ...dims.map((dim) => (d.labels[dim] || []).map((l) => l.code).join("|")),
          s ? s.level : "",
          s ? s.points : "",
          s && s.deadline ? s.deadline : "",
          d.route ? d.route.department : "",
          d.route && d.route.queue ? d.route.queue : "",
          s ? s.factors.map((f) => f.id).join("|") : "",
          "",
        ]),
      );
    } else {
      out.push(json);
    }
    if (k % 1000 === 999) {
      post({ job, type: "progress", done: k + 1, total: items.length });
      await yieldNow();
    }
  }
  return out.join("\n") + "\n";
}

const SCALES = { csat5: [1, 5], nps: [0, 10], ces7: [1, 7] };
const DEFAULT_LOW = { csat5: 2, nps: 6, ces7: 3 };

function scaleRange(s) {
  if (typeof s === "string") return SCALES[s] || null;
  if (s && typeof s === "object" && Number.isFinite(s.min) && Number.isFinite(s.max)) return [s.min, s.max];
  return null;
}

const getPath = (o, path) => path.split(".").reduce((v, k) => (v && typeof v === "object" ? v[k] : undefined), o);

/** Replay a ratings stream through the pack's triggers: alerts, notices with line numbers, and a
 *  timeline per group that has alerts (its scores, and the alerts at their times). */
async function replay(job, file, defaultScale) {
  const text = await file.text();
  const read = readEvents(file.name, text, defaultScale);
  if (read.fatal) return { fatal: read.fatal };
  const policies = state.pack.policies;
  if (!policies.length) return { noPolicies: true };
  const te = new TriggerEngine(state.pack.text);
  const events = read.events;
  const alerts = [];
  const notices = read.errors.map((e) => ({ line: e.line, kind: "invalid", message: e.message }));
  let accepted = 0;
  try {
    for (let k = 0; k < events.length; k += CHUNK) {
      if (state.latest.get("replay") !== job) return null;
      const part = events.slice(k, k + CHUNK);
      const o = te.ingestBatch(part.map((x) => x.event));
      accepted += o.accepted;
      alerts.push(...o.alerts);
      for (const n of o.notices) {
        const ps = (n.problems || []).map((p) => `${p.path || "/"}: ${p.message}`).join("; ");
        notices.push({ line: part[n.index].line, kind: n.kind, message: ps ? `${n.message} (${ps})` : n.message });
      }
      post({ job, type: "progress", done: Math.min(k + CHUNK, events.length), total: events.length });
      await yieldNow();
    }
  } finally {
    te.free();
  }
  notices.sort((a, b) => a.line - b.line);
  // Rows: one per distinct group (its fields and values) that has alerts.
  const rows = new Map();
  for (const a of alerts) {
    const key = JSON.stringify(Object.entries(a.group));
    if (!rows.has(key)) rows.set(key, { group: a.group, alerts: [], ids: new Set() });
    const r = rows.get(key);
    r.alerts.push(a);
    for (const id of a.events) r.ids.add(id);
  }
  const scored = events
    .map((x) => x.event)
    .filter((e) => e && typeof e === "object" && typeof e.at === "string" && typeof e.score === "number")
    .map((e) => ({ e, t: Date.parse(e.at), range: scaleRange(e.scale) }))
    .filter((x) => Number.isFinite(x.t) && x.range);
  let t0 = Infinity;
  let t1 = -Infinity;
  for (const x of scored) {
    if (x.t < t0) t0 = x.t;
    if (x.t > t1) t1 = x.t;
  }
  const all = [...rows.values()].sort((a, b) => b.alerts.length - a.alerts.length);
  const shown = all.slice(0, 12).map((r) => {
    const fields = Object.entries(r.group);
    const points = [];
    for (const x of scored) {
      const inGroup = fields.every(([f, v]) =>
        f.startsWith("labels.") ? r.ids.has(String(x.e.id)) : String(getPath(x.e, f) ?? "\u0000") === v,
      );
      if (!inGroup) continue;
      const [lo, hi] = x.range;
      const low = x.e.score <= (typeof x.e.scale === "string" ? DEFAULT_LOW[x.e.scale] : lo);
      points.push([x.t, (x.e.score - lo) / (hi - lo), x.e.score, low ? 1 : 0]);
    }
    return { group: r.group, points, alerts: r.alerts.map((a) => ({ id: a.id, t: Date.parse(a.at), kind: a.kind })) };
  });
  return {
    name: file.name,
    read: events.length + read.errors.length,
    accepted,
    alerts,
    notices,
    rows: shown,
    groups: all.length,
    span: Number.isFinite(t0) ? [t0, t1] : null,
    policies: policies.map((p) => ({ id: p.id, name: p.name ?? p.id })),
  };
}

async function handle(msg) {
  const { type, job } = msg;
  switch (type) {
    case "setPack":
      return setPack(msg.text);
    case "explain":
      try {
        return { decision: state.pack.engine.classify(msg.complaint) };
      } catch (e) {
        return { error: errorInfo(e) };
      }
    case "loadComplaints": {
      state.latest.set("analyse", job);
      const text = await msg.file.text();
      const r = readComplaints(msg.file.name, text);
      if (r.fatal) return { fatal: r.fatal };
      state.corpus = { name: msg.file.name, items: r.complaints, readErrors: r.errors };
      state.corpusId++;
      state.savedVerdicts = null;
      return analyse(job);
    }
    case "analyse":
      state.latest.set("analyse", job);
      return state.corpus ? analyse(job) : { empty: true };
    case "terms":
      state.latest.set("terms", job);
      return state.corpus ? topTerms(job) : { empty: true };
    case "complaint": {
      const x = state.corpus?.items.find((c) => c.line === msg.line);
      return { complaint: x ? x.complaint : null };
    }
    case "export":
      if (!state.corpus) return { empty: true };
      return { text: await exportDecisions(job, msg.format) };
    case "check":
      return check(msg.text);
    case "backtest":
      state.latest.set("backtest", job);
      return runBacktest(job, msg.text);
    case "backtestExport":
      // The changed complaints as `wendu diff` writes them: one JSON object per line, the
      // verdicts exactly as the core wrote them (a parsed verdict writes back to the same text).
      return {
        text: (state.lastBacktest || [])
          .map((it) => `{"line":${it.line},"id":${JSON.stringify(it.id ?? null)},"changed":${JSON.stringify(it.changed)},"before":${JSON.stringify(it.before)},"after":${JSON.stringify(it.after)}}\n`)
          .join(""),
      };
    case "replay":
      state.latest.set("replay", job);
      return replay(job, msg.file, msg.scale);
    default:
      throw new Error(`unknown request ${type}`);
  }
}

self.onmessage = async (ev) => {
  const msg = ev.data;
  try {
    const result = await handle(msg);
    if (result === null) post({ job: msg.job, type: "stale" });
    else post({ job: msg.job, type: "done", result });
  } catch (e) {
    post({ job: msg.job, type: "error", error: errorInfo(e) });
  }
};

post({ type: "ready" });
