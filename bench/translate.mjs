// Mechanical translation of a wendu pack's rule set into the three things a JavaScript team would
// otherwise use: json-rules-engine rules (custom operators added with engine.addOperator, as its
// maintainers recommend for substring and regex tests), a GoRules ZEN decision (JDM: one expression
// node, contains() / matches() / count()), and a hand-written baseline (RegExp per condition,
// combined with && / || / !, plus a points table for severity). Used by bench/compare.mjs.
//
//   node bench/translate.mjs [PACK] [--dims business,reason] [--engine jre|zen|regexp] > out.json
//
// Only the boolean rule conditions are translated; what happens after (confidence 1 − Π(1 − w),
// threshold, `exclusive` groups, `multi`, fallback, severity points → level) is the same small
// function for every peer: `finalize` below. What the peers cannot do the way wendu does is listed
// in APPROXIMATIONS and explained in BENCHMARKS.md.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const APPROXIMATIONS = [
  "normalisation: peers lower-case the text (String.prototype.toLowerCase); wendu also folds full-width characters, maps traditional to simplified Chinese and strips spaces (zh packs)",
  "negation: peers ignore negation cues (没有报警 still counts 报警); wendu drops a term preceded by a cue",
  "near: translated to a regex `A.{0,within}B` (both orders when unordered) over the lower-cased raw text; wendu measures the distance on the normalised text (spaces stripped) and needs two distinct occurrences",
  "amounts: peers find amounts with one regex over Arabic digits (元/万/块/¥/$); wendu also reads Chinese numerals (一万元) and more currencies",
  "word boundary: an ASCII-edged term becomes a regex with (?<![a-z0-9]) / (?![a-z0-9]) (ZEN: [^a-z0-9] or ^/$, Rust regex has no look-around)",
  "overlapping hits: `min: n` counts distinct terms by substring test, as wendu counts distinct terms over overlapping hits",
  "learned models: peers have none, so the rule set every engine runs (restrictPack) leaves out the pack's model rules and models",
];

// ---- pack → spec --------------------------------------------------------------------------------

const COND_KINDS = ["terms", "regex", "near", "field", "label", "all", "any", "not", "at_least"];

export function readPack(path) {
  return JSON.parse(readFileSync(path, "utf8"));
}

/** The pack restricted to `dims` (and its severity), without tests: the rule set all four engines run. */
export function restrictPack(pack, dims) {
  const out = { ...pack, dimensions: pack.dimensions.filter((d) => dims.includes(d.id)) };
  delete out.tests;
  delete out.triggers;
  // Peers have no learned models: every engine runs the pack without its model rules.
  if (out.models) {
    const hasModel = (c) => c !== null && typeof c === "object" && ("model" in c || Object.values(c).some(hasModel));
    out.dimensions = out.dimensions.map((d) => ({ ...d, labels: d.labels.map((l) => ({ ...l, rules: (l.rules || []).filter((r) => !hasModel(r.when)) })) }));
    delete out.models;
  }
  if (out.settings?.route?.from) {
    out.settings = { ...out.settings, route: { ...out.settings.route, from: out.settings.route.from.filter((d) => dims.includes(d)) } };
  }
  return out;
}

/** The text normalisation every peer applies to terms and text: lower case, full-width ASCII folded. */
export function foldTerm(s) {
  return s.replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(/\u3000/g, " ").toLowerCase();
}

function isAsciiWord(c) {
  return c !== undefined && /[a-z0-9]/i.test(c);
}

/** Expand `@lexicon` names, fold, and classify each term: plain substring, or bounded (needs a regex). */
function resolveTerms(list, pack) {
  const lex = pack.lexicon || {};
  const wordBoundary = pack.settings?.word_boundary !== false;
  const raw = (Array.isArray(list) ? list : [list]).flatMap((t) => {
    if (t.startsWith("@")) return lex[t] ?? lex[t.slice(1)] ?? [];
    return [t];
  });
  const seen = new Set();
  const terms = [];
  for (const t0 of raw) {
    const prefix = t0.endsWith("*");
    const t = foldTerm(prefix ? t0.slice(0, -1) : t0).trim();
    if (!t || seen.has(t + (prefix ? "*" : ""))) continue;
    seen.add(t + (prefix ? "*" : ""));
    const start = wordBoundary && isAsciiWord(t[0]);
    const end = wordBoundary && !prefix && isAsciiWord(t[t.length - 1]);
    terms.push({ text: t, start, end, plain: !start && !end });
  }
  return terms;
}

/** The pack's conditions with lexicons expanded: the one input of the three translators. */
export function spec(pack, dims) {
  const conv = (c) => {
    const kind = COND_KINDS.find((k) => k in c);
    switch (kind) {
      case "terms":
        return { kind, terms: resolveTerms(c.terms, pack), min: c.min ?? 1 };
      case "regex":
        return { kind, pattern: c.regex };
      case "near":
        return {
          kind, a: resolveTerms(c.near.a, pack), b: resolveTerms(c.near.b, pack),
          within: c.near.within ?? 0, ordered: !!c.near.ordered,
        };
      case "field": {
        const { path, ...ops } = c.field;
        return { kind, path, ops };
      }
      case "label":
        return { kind, dimension: c.label.dimension, code: c.label.code };
      case "all":
      case "any":
        return { kind, of: c[kind].map(conv) };
      case "not":
        return { kind, of: conv(c.not) };
      case "at_least":
        return { kind, n: c.at_least.n, of: c.at_least.of.map(conv) };
      default:
        throw new Error(`unknown condition ${JSON.stringify(c)}`);
    }
  };
  const threshold = pack.settings?.threshold ?? 0.5;
  const dimensions = pack.dimensions
    .filter((d) => dims.includes(d.id))
    .map((d) => ({
      id: d.id, multi: !!d.multi, threshold: d.threshold ?? threshold, fallback: d.fallback ?? null,
      exclusive: d.exclusive ?? [],
      labels: d.labels.map((l) => ({
        code: l.code,
        rules: (l.rules || []).map((r, i) => ({ key: `${d.id}/${l.code}/${i}`, weight: r.weight ?? 1, when: conv(r.when) })),
      })),
    }));
  const sev = pack.severity || { factors: [], levels: [] };
  return {
    id: pack.pack.id,
    locale: pack.pack.locale || "zh-CN",
    dimensions,
    factors: sev.factors.map((f) => ({ key: `factor/${f.id}`, id: f.id, points: f.points ?? 0, minLevel: f.min_level ?? null, when: conv(f.when) })),
    levels: sev.levels || [],
  };
}

/** Every rule and factor of a spec, in order: [{key, when}]. */
export function allRules(s) {
  return [...s.dimensions.flatMap((d) => d.labels.flatMap((l) => l.rules)), ...s.factors];
}

// ---- what the peers share: the input they see, amounts, and the decision after the conditions --

/** The peers' text: title and text, lower-cased (wendu normalises more; see APPROXIMATIONS). */
export function peerText(complaint) {
  const t = complaint.title ? `${complaint.title}\n${complaint.text}` : complaint.text;
  return t.toLowerCase();
}

const AMOUNT_RE = /(?:[¥￥$]\s?(\d[\d,]*(?:\.\d+)?)(万)?)|(\d[\d,]*(?:\.\d+)?)\s?[多余]?(万元|万|元|块|rmb|cny|dollars?|usd)/gi;

/** Amount facts as a web team computes them: one regex over Arabic digits. */
export function peerAmounts(complaint) {
  let max = 0, sum = 0, count = 0;
  const text = complaint.title ? `${complaint.title}\n${complaint.text}` : complaint.text;
  for (const m of text.matchAll(AMOUNT_RE)) {
    const digits = m[1] ?? m[3];
    let v = Number(digits.replace(/,/g, ""));
    if (!Number.isFinite(v)) continue;
    if (m[2] === "万" || (m[4] && m[4].startsWith("万"))) v *= 10000;
    max = Math.max(max, v);
    sum += v;
    count++;
  }
  const field = typeof complaint.amount === "number" ? complaint.amount : null;
  if (field !== null) {
    max = Math.max(max, field);
    if (!count) sum = field;
  }
  return { max, sum, count };
}

function fieldValue(complaint, amounts, path) {
  if (path.startsWith("amount.") && ["amount.max", "amount.sum", "amount.count"].includes(path)) return amounts[path.slice(7)];
  let v = complaint;
  for (const k of path.split(".")) {
    if (v === null || v === undefined) return undefined;
    v = v[k];
  }
  return v;
}

const normStr = (v) => (typeof v === "string" ? foldTerm(v).trim() : v);

function compareField(v, ops) {
  for (const [op, want] of Object.entries(ops)) {
    const ok = (() => {
      switch (op) {
        case "exists": return (v !== undefined && v !== null) === !!want;
        case "eq": return v !== undefined && normStr(v) === normStr(want);
        case "in": return v !== undefined && want.some((w) => normStr(w) === normStr(v));
        case "gte": return typeof v === "number" && v >= want;
        case "gt": return typeof v === "number" && v > want;
        case "lte": return typeof v === "number" && v <= want;
        case "lt": return typeof v === "number" && v < want;
        case "contains":
          if (typeof v === "string") return normStr(v).includes(normStr(want));
          if (Array.isArray(v)) return v.some((x) => normStr(x) === normStr(want));
          return false;
        default: throw new Error(`unknown field operator ${op}`);
      }
    })();
    if (!ok) return false;
  }
  return true;
}

/** From the set of rule/factor keys that held to labels, severity factors and level, as wendu decides. */
export function finalize(s, fired) {
  const labels = {};
  for (const d of s.dimensions) {
    let got = [];
    d.labels.forEach((l, order) => {
      let miss = 1;
      let any = false;
      for (const r of l.rules) if (fired.has(r.key)) { miss *= 1 - r.weight; any = true; }
      const confidence = 1 - miss;
      if (any && confidence >= d.threshold - 1e-9) got.push({ code: l.code, confidence, order });
    });
    for (const group of d.exclusive) {
      const first = group.find((c) => got.some((g) => g.code === c));
      if (first) got = got.filter((g) => g.code === first || !group.includes(g.code));
    }
    got.sort((a, b) => b.confidence - a.confidence || a.order - b.order);
    if (!d.multi) got = got.slice(0, 1);
    labels[d.id] = got.length ? got.map((g) => g.code) : d.fallback ? [d.fallback] : [];
  }
  const factors = s.factors.filter((f) => fired.has(f.key));
  const points = factors.reduce((a, f) => a + f.points, 0);
  let level = null;
  let rank = -1;
  s.levels.forEach((lv, i) => { if (points >= lv.min_points) { level = lv.id; rank = i; } });
  for (const f of factors) {
    const i = s.levels.findIndex((lv) => lv.id === f.minLevel);
    if (i > rank) { rank = i; level = s.levels[i].id; }
  }
  return { labels, factors: factors.map((f) => f.id), level, points };
}

// ---- regex sources ------------------------------------------------------------------------------

const esc = (s) => s.replace(/[.*+?^${}()|[\]\\\/]/g, "\\$&");

/** One alternation for a term list. flavour "js" uses look-around; "rust" (ZEN) cannot. */
function termAlternation(terms, flavour) {
  return terms
    .map((t) => {
      const body = esc(t.text);
      if (flavour === "js") return `${t.start ? "(?<![a-z0-9])" : ""}${body}${t.end ? "(?![a-z0-9])" : ""}`;
      return `${t.start ? "(?:^|[^a-z0-9])" : ""}${body}${t.end ? "(?:[^a-z0-9]|$)" : ""}`;
    })
    .join("|");
}

/** `near` as a regex: A, at most `within` characters, B (and B … A when unordered). */
export function nearSource(c, flavour) {
  const any = flavour === "js" ? "[^]" : "(?s:.)";
  const a = termAlternation(c.a, flavour);
  const b = termAlternation(c.b, flavour);
  const ab = `(?:${a})${any}{0,${c.within}}(?:${b})`;
  return c.ordered ? ab : `${ab}|(?:${b})${any}{0,${c.within}}(?:${a})`;
}

// ---- 1. the hand-written RegExp baseline --------------------------------------------------------

/**
 * What a web team writes without an engine: a RegExp per term list (one alternation), conditions
 * combined with && / || / !, `min` by counting terms, a points table for severity.
 */
export function toRegExpBaseline(s) {
  const build = (c) => {
    switch (c.kind) {
      case "terms": {
        if (c.min <= 1) {
          const re = new RegExp(termAlternation(c.terms, "js"));
          return (x) => re.test(x.text);
        }
        const plain = c.terms.filter((t) => t.plain).map((t) => t.text);
        const bounded = c.terms.filter((t) => !t.plain).map((t) => new RegExp(termAlternation([t], "js")));
        return (x) => {
          let n = 0;
          for (const t of plain) if (x.text.includes(t) && ++n >= c.min) return true;
          for (const re of bounded) if (re.test(x.text) && ++n >= c.min) return true;
          return false;
        };
      }
      case "regex": {
        const re = new RegExp(c.pattern);
        return (x) => re.test(x.text);
      }
      case "near": {
        const re = new RegExp(nearSource(c, "js"));
        return (x) => re.test(x.text);
      }
      case "field":
        return (x) => compareField(fieldValue(x.complaint, x.amounts, c.path), c.ops);
      case "label":
        return (x) => (x.labels[c.dimension] || []).some((code) => code === c.code || code.startsWith(c.code));
      case "all": {
        const fs = c.of.map(build);
        return (x) => fs.every((f) => f(x));
      }
      case "any": {
        const fs = c.of.map(build);
        return (x) => fs.some((f) => f(x));
      }
      case "not": {
        const f = build(c.of);
        return (x) => !f(x);
      }
      case "at_least": {
        const fs = c.of.map(build);
        return (x) => fs.filter((f) => f(x)).length >= c.n;
      }
    }
  };
  const rules = allRules(s).map((r) => ({ key: r.key, test: build(r.when) }));
  return {
    classify(complaint) {
      const x = { text: peerText(complaint), complaint, amounts: peerAmounts(complaint), labels: {} };
      const fired = new Set();
      for (const r of rules) if (r.test(x)) fired.add(r.key);
      return finalize(s, fired);
    },
  };
}

// ---- 2. json-rules-engine -----------------------------------------------------------------------

const regexCache = new Map();
const cachedRe = (src) => {
  let re = regexCache.get(src);
  if (!re) regexCache.set(src, (re = new RegExp(src)));
  return re;
};

/** Operators for substring and regex tests, added with engine.addOperator. */
export const JRE_OPERATORS = {
  containsAny: (text, terms) => typeof text === "string" && terms.some((t) => text.includes(t)),
  matchesRegex: (text, src) => typeof text === "string" && cachedRe(src).test(text),
  containsAtLeast: (text, { terms, patterns, min }) => {
    if (typeof text !== "string") return false;
    let n = 0;
    for (const t of terms) if (text.includes(t) && ++n >= min) return true;
    for (const p of patterns) if (cachedRe(p).test(text) && ++n >= min) return true;
    return false;
  },
  fieldIs: (value, ops) => compareField(value, ops),
};

/** The pack's rules as json-rules-engine rule JSON (one rule per pack rule or factor). */
export function toJsonRules(s) {
  const cond = (c) => {
    switch (c.kind) {
      case "terms": {
        if (c.min > 1) {
          return {
            fact: "text", operator: "containsAtLeast",
            value: { terms: c.terms.filter((t) => t.plain).map((t) => t.text), patterns: c.terms.filter((t) => !t.plain).map((t) => termAlternation([t], "js")), min: c.min },
          };
        }
        const plain = c.terms.filter((t) => t.plain).map((t) => t.text);
        const bounded = c.terms.filter((t) => !t.plain);
        const parts = [];
        if (plain.length) parts.push({ fact: "text", operator: "containsAny", value: plain });
        if (bounded.length) parts.push({ fact: "text", operator: "matchesRegex", value: termAlternation(bounded, "js") });
        return parts.length === 1 ? parts[0] : { any: parts };
      }
      case "regex":
        return { fact: "text", operator: "matchesRegex", value: c.pattern };
      case "near":
        return { fact: "text", operator: "matchesRegex", value: nearSource(c, "js") };
      case "field":
        if (["amount.max", "amount.sum", "amount.count"].includes(c.path)) {
          return { fact: "amounts", path: `$.${c.path.slice(7)}`, operator: "fieldIs", value: c.ops };
        }
        return { fact: "complaint", path: `$.${c.path}`, operator: "fieldIs", value: c.ops };
      case "all":
      case "any":
        return { [c.kind]: c.of.map(cond) };
      case "not":
        return { not: cond(c.of) };
      case "at_least": {
        // json-rules-engine has no "n of": expand into any of all of each n-subset.
        const subsets = [];
        const pick = (start, chosen) => {
          if (chosen.length === c.n) return subsets.push(chosen);
          for (let i = start; i < c.of.length; i++) pick(i + 1, [...chosen, c.of[i]]);
        };
        pick(0, []);
        if (subsets.length > 64) throw new Error("at_least too large for json-rules-engine");
        return { any: subsets.map((sub) => ({ all: sub.map(cond) })) };
      }
      case "label":
        throw new Error("label conditions are not translated for json-rules-engine (not used by the benchmark's dimensions)");
    }
  };
  return allRules(s).map((r) => {
    const c = cond(r.when);
    const conditions = c.all || c.any || c.not ? c : { all: [c] };
    return { name: r.key, conditions, event: { type: "hit", params: { key: r.key } } };
  });
}

/** A ready json-rules-engine Engine for a spec: `classify` is async, as the engine is. */
export function toJsonRulesEngine(s, { Engine }) {
  const engine = new Engine([], { allowUndefinedFacts: true });
  for (const [name, f] of Object.entries(JRE_OPERATORS)) engine.addOperator(name, f);
  for (const rule of toJsonRules(s)) engine.addRule(rule);
  return {
    engine,
    async classify(complaint) {
      const { events } = await engine.run({ text: peerText(complaint), complaint, amounts: peerAmounts(complaint) });
      return finalize(s, new Set(events.map((e) => e.params.key)));
    },
  };
}

// ---- 3. GoRules ZEN -----------------------------------------------------------------------------

const zstr = (s) => JSON.stringify(s); // ZEN string literals take JSON-style escapes

function zenField(c) {
  const path = ["amount.max", "amount.sum", "amount.count"].includes(c.path) ? `amounts.${c.path.slice(7)}` : `complaint.${c.path}`;
  const parts = Object.entries(c.ops).map(([op, want]) => {
    switch (op) {
      case "exists": return want ? `${path} != null` : `${path} == null`;
      case "eq": return `${path} == ${zstr(normStr(want))}`;
      case "in": return `${path} in [${want.map((w) => zstr(normStr(w))).join(", ")}]`;
      case "gte": return `(${path} != null and ${path} >= ${want})`;
      case "gt": return `(${path} != null and ${path} > ${want})`;
      case "lte": return `(${path} != null and ${path} <= ${want})`;
      case "lt": return `(${path} != null and ${path} < ${want})`;
      case "contains": return `(${path} != null and contains(${path}, ${zstr(normStr(want))}))`;
      default: throw new Error(`unknown field operator ${op}`);
    }
  });
  return `(${parts.join(" and ")})`;
}

/**
 * One ZEN expression (zen-expression language) for a condition over the input field `text`.
 * `regex: false` is the fast variant: no matches() at all (ZEN compiles a regex on every call) —
 * `near` becomes "a term of A and a term of B anywhere", bounded terms plain contains().
 */
export function zenExpression(c, { regex = true } = {}) {
  const sub = (x) => zenExpression(x, { regex });
  switch (c.kind) {
    case "terms": {
      const plain = c.terms.filter((t) => t.plain || !regex).map((t) => t.text);
      const bounded = c.terms.filter((t) => !t.plain && regex);
      if (c.min > 1) {
        const parts = [];
        if (plain.length) parts.push(`count([${plain.map(zstr).join(", ")}], contains(text, #))`);
        for (const t of bounded) parts.push(`(matches(text, ${zstr(termAlternation([t], "rust"))}) ? 1 : 0)`);
        return `(${parts.join(" + ")} >= ${c.min})`;
      }
      const parts = plain.map((t) => `contains(text, ${zstr(t)})`);
      if (bounded.length) parts.push(`matches(text, ${zstr(termAlternation(bounded, "rust"))})`);
      return `(${parts.join(" or ")})`;
    }
    case "regex":
      return `matches(text, ${zstr(c.pattern)})`;
    case "near":
      if (!regex) {
        const any = (ts) => `(${ts.map((t) => `contains(text, ${zstr(t.text)})`).join(" or ")})`;
        return `(${any(c.a)} and ${any(c.b)})`;
      }
      return `matches(text, ${zstr(nearSource(c, "rust"))})`;
    case "field":
      return zenField(c);
    case "all":
      return `(${c.of.map(sub).join(" and ")})`;
    case "any":
      return `(${c.of.map(sub).join(" or ")})`;
    case "not":
      return `(not ${sub(c.of)})`;
    case "at_least":
      return `(count([${c.of.map(sub).join(", ")}], #) >= ${c.n})`;
    case "label":
      throw new Error("label conditions are not translated for ZEN (not used by the benchmark's dimensions)");
  }
}

/** The pack's rules as a ZEN decision (JDM): input → one expression node (r0, r1, … booleans) → output. */
export function toZenDecision(s, opts = {}) {
  const rules = allRules(s);
  const expressions = rules.map((r, i) => ({ id: `e${i}`, key: `r${i}`, value: zenExpression(r.when, opts) }));
  const pos = { x: 0, y: 0 };
  return {
    contentType: "application/vnd.gorules.decision",
    nodes: [
      { id: "in", type: "inputNode", name: "complaint", position: pos },
      { id: "rules", type: "expressionNode", name: `${s.id} rules`, position: pos, content: { expressions } },
      { id: "out", type: "outputNode", name: "hits", position: pos },
    ],
    edges: [
      { id: "e-in", type: "edge", sourceId: "in", targetId: "rules" },
      { id: "e-out", type: "edge", sourceId: "rules", targetId: "out" },
    ],
  };
}

/** A ready ZEN decision for a spec: `classify` is async (evaluation runs on ZEN's thread pool). */
export function toZen(s, { ZenEngine }, opts = {}) {
  const keys = allRules(s).map((r) => r.key);
  const engine = new ZenEngine();
  const decision = engine.createDecision(opts.jdm ?? toZenDecision(s, opts));
  return {
    engine,
    decision,
    async classify(complaint) {
      const { result } = await decision.evaluate({ text: peerText(complaint), complaint, amounts: peerAmounts(complaint) });
      const fired = new Set();
      keys.forEach((k, i) => { if (result[`r${i}`] === true) fired.add(k); });
      return finalize(s, fired);
    },
  };
}

// ---- command line: print a translation ---------------------------------------------------------

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (n, d) => (args.includes(n) ? args[args.indexOf(n) + 1] : d);
  const packPath = args.find((a, i) => !a.startsWith("--") && !(i > 0 && args[i - 1].startsWith("--"))) ?? new URL("../packs/cn-banking.json", import.meta.url).pathname;
  const pack = readPack(packPath);
  const dims = opt("--dims", pack.dimensions.some((d) => d.id === "business") ? "business,reason" : "reason").split(",");
  const sp = spec(pack, dims);
  const engine = opt("--engine", "zen");
  const out = engine === "jre" ? toJsonRules(sp) : engine === "zen" ? toZenDecision(sp) : engine === "zen-contains" ? toZenDecision(sp, { regex: false }) : allRules(sp).map((r) => ({ key: r.key, when: r.when }));
  process.stdout.write(JSON.stringify(out, null, 1) + "\n");
}

// ---- 4. the plain keyword rule set (issue 12) ---------------------------------------------------

/** Every positive term of a condition (lexicons expanded, `*` prefix marks dropped); terms under
 *  `not` are left out. */
function positiveTerms(c, pack, out) {
  const lex = pack.lexicon || {};
  const add = (list) => {
    for (const t of Array.isArray(list) ? list : [list]) {
      const words = t.startsWith("@") ? lex[t] ?? lex[t.slice(1)] ?? [] : [t];
      for (const w of words) {
        const x = w.endsWith("*") ? w.slice(0, -1) : w;
        if (x.trim()) out.add(x);
      }
    }
  };
  if ("terms" in c) add(c.terms);
  if ("near" in c) { add(c.near.a); add(c.near.b); }
  for (const k of ["all", "any"]) if (k in c) c[k].forEach((x) => positiveTerms(x, pack, out));
  if ("at_least" in c) c.at_least.of.forEach((x) => positiveTerms(x, pack, out));
  return out;
}

/**
 * The plain keyword rule set, generated mechanically from a pack's term lists: each label of
 * `dims` one rule holding every positive term of its rules, each severity factor with terms a
 * keyword list with its points (and minimum level), the pack's levels. No negation, no
 * normalisation, no word boundaries, no regexes, fields, amounts or distances: wendu and a plain
 * RegExp loop (`plainRegExpLoop`) compute exactly the same labels, factors and level.
 */
export function plainKeywordPack(pack, dims = ["business", "reason", "right", "journey"]) {
  const dimensions = pack.dimensions
    .filter((d) => dims.includes(d.id))
    .map((d) => ({
      id: d.id,
      name: d.name,
      multi: true,
      labels: d.labels
        .map((l) => ({ code: l.code, name: l.name, terms: [...(l.rules || []).reduce((s, r) => positiveTerms(r.when, pack, s), new Set())] }))
        .filter((l) => l.terms.length > 0)
        .map((l) => ({ code: l.code, name: l.name, rules: [{ id: `${l.code}#keywords`, when: { terms: l.terms, negation: false }, weight: 1 }] })),
    }));
  const sev = pack.severity || { factors: [], levels: [] };
  const factors = sev.factors
    .map((f) => ({ ...f, terms: [...positiveTerms(f.when, pack, new Set())] }))
    .filter((f) => f.terms.length > 0)
    .map((f) => ({ id: f.id, name: f.name, points: f.points ?? 0, ...(f.min_level ? { min_level: f.min_level } : {}), when: { terms: f.terms, negation: false } }));
  return {
    pack: { id: "plain-keywords", version: "1.0.0", locale: pack.pack.locale || "zh-CN", description: `the term lists of ${pack.pack.id} ${pack.pack.version}, as plain keywords` },
    settings: {
      normalize: { fullwidth: false, case_fold: false, traditional: false, strip_spaces: false, strip_punctuation: false },
      word_boundary: false,
      route: { default: { department: "default" } },
    },
    dimensions,
    severity: { factors, levels: sev.levels },
  };
}

/** What a web team writes for the plain keyword set: one RegExp alternation per label and per
 *  factor, tested on the raw text, points summed into a level. Returns {labels, factors, level}. */
export function plainRegExpLoop(kp) {
  const alt = (terms) => new RegExp(terms.map(esc).join("|"));
  const dims = kp.dimensions.map((d) => ({ id: d.id, labels: d.labels.map((l) => ({ code: l.code, re: alt(l.rules[0].when.terms) })) }));
  const levels = kp.severity.levels;
  const factors = kp.severity.factors.map((f) => ({ id: f.id, points: f.points, rank: f.min_level ? levels.findIndex((l) => l.id === f.min_level) : -1, re: alt(f.when.terms) }));
  return {
    classify(text) {
      const labels = {};
      for (const d of dims) {
        const got = [];
        for (const l of d.labels) if (l.re.test(text)) got.push(l.code);
        labels[d.id] = got;
      }
      const fired = [];
      let points = 0, rank = -1;
      for (const f of factors) if (f.re.test(text)) { fired.push(f.id); points += f.points; if (f.rank > rank) rank = f.rank; }
      for (let i = 0; i < levels.length; i++) if (points >= levels[i].min_points && i > rank) rank = i;
      return { labels, factors: fired, level: rank >= 0 ? levels[rank].id : null };
    },
  };
}
