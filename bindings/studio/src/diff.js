// The back-test: which decisions change between two packs on the same complaints. The same
// definitions as `wendu diff` (cli/src/diff.rs), so the page and CI count alike:
//   a dimension changed when the set of label codes or the top label differs;
//   the level changed when severity.level differs; the route when department or queue differ;
//   an error changed when the complaint is valid under one pack and invalid under the other.
// A complaint changed when any of these did.

const codes = (v, dim) => (v.labels[dim] || []).map((l) => l.code);

function sameSet(a, b) {
  if (a.length !== b.length) return false;
  const s = new Set(a);
  return b.every((x) => s.has(x));
}

/** What differs between two verdicts (or `{error}` items): a list of keys — dimension ids in
 *  pack order, then "severity", "route", "error". */
export function changes(before, after, dims) {
  const eb = "error" in before;
  const ea = "error" in after;
  if (eb || ea) return eb && ea ? [] : ["error"];
  const out = [];
  for (const d of dims) {
    const a = codes(before, d);
    const b = codes(after, d);
    if (!sameSet(a, b) || a[0] !== b[0]) out.push(d);
  }
  if ((before.severity?.level ?? null) !== (after.severity?.level ?? null)) out.push("severity");
  const r = (v) => (v.route ? `${v.route.department}\u0000${v.route.queue ?? ""}` : "");
  if (r(before) !== r(after)) out.push("route");
  return out;
}

/** Dimension ids of both packs, the after pack's order first. */
export function dimensionIds(descBefore, descAfter) {
  const ids = descAfter.dimensions.map((d) => d.id);
  for (const d of descBefore.dimensions) if (!ids.includes(d.id)) ids.push(d.id);
  return ids;
}

/** Count the changes of a back-test. `pairs`: [{line, id, before, after}] for every complaint.
 *  Returns {complaints, errors, changed, dimensions: [{dimension, name, changed, labels: [{code,
 *  name, before, after, gained, lost}]}], levels: [{level, name, before, after}], transitions:
 *  [{from, to, count}], routes: {changed}, items: [{line, id, changed, before, after}]}. Labels,
 *  levels and transitions are sorted (pack order, then code) so the output is deterministic. */
export function backtest(pairs, descBefore, descAfter) {
  const dims = dimensionIds(descBefore, descAfter);
  const names = new Map();
  const order = new Map();
  for (const desc of [descBefore, descAfter]) {
    for (const d of desc.dimensions) {
      if (!names.has(`dim:${d.id}`)) names.set(`dim:${d.id}`, d.name);
      d.labels.forEach((l, k) => {
        names.set(`${d.id}:${l.code}`, l.name);
        if (!order.has(`${d.id}:${l.code}`)) order.set(`${d.id}:${l.code}`, k);
      });
    }
    desc.levels.forEach((l, k) => {
      names.set(`level:${l.id}`, l.name);
      if (!order.has(`level:${l.id}`)) order.set(`level:${l.id}`, k);
    });
  }
  const dimStats = new Map(dims.map((d) => [d, { changed: 0, labels: new Map() }]));
  const label = (d, code) => {
    const m = dimStats.get(d).labels;
    if (!m.has(code)) m.set(code, { before: 0, after: 0, gained: 0, lost: 0 });
    return m.get(code);
  };
  const levels = new Map();
  const level = (id) => {
    if (!levels.has(id)) levels.set(id, { before: 0, after: 0 });
    return levels.get(id);
  };
  const transitions = new Map();
  let errors = 0;
  let changed = 0;
  let routes = 0;
  const items = [];
  for (const p of pairs) {
    const eb = "error" in p.before;
    const ea = "error" in p.after;
    if (eb && ea) errors++;
    if (!eb) {
      for (const d of dims) for (const c of codes(p.before, d)) label(d, c).before++;
      if (p.before.severity) level(p.before.severity.level).before++;
    }
    if (!ea) {
      for (const d of dims) for (const c of codes(p.after, d)) label(d, c).after++;
      if (p.after.severity) level(p.after.severity.level).after++;
    }
    const ch = changes(p.before, p.after, dims);
    if (!ch.length) continue;
    changed++;
    items.push({ line: p.line, id: p.id ?? null, changed: ch, before: p.before, after: p.after });
    if (eb || ea) continue;
    for (const d of dims) {
      if (!ch.includes(d)) continue;
      dimStats.get(d).changed++;
      const a = codes(p.before, d);
      const b = codes(p.after, d);
      for (const c of b) if (!a.includes(c)) label(d, c).gained++;
      for (const c of a) if (!b.includes(c)) label(d, c).lost++;
    }
    if (ch.includes("severity") && p.before.severity && p.after.severity) {
      const k = `${p.before.severity.level}\u0000${p.after.severity.level}`;
      transitions.set(k, (transitions.get(k) || 0) + 1);
    }
    if (ch.includes("route")) routes++;
  }
  const byOrder = (prefix) => (a, b) =>
    (order.get(`${prefix}:${a}`) ?? 1e9) - (order.get(`${prefix}:${b}`) ?? 1e9) || (a < b ? -1 : a > b ? 1 : 0);
  return {
    complaints: pairs.length,
    errors,
    changed,
    dimensions: dims.map((d) => {
      const s = dimStats.get(d);
      const labels = [...s.labels.entries()]
        .filter(([, v]) => v.gained || v.lost)
        .sort(([a], [b]) => byOrder(d)(a, b))
        .map(([code, v]) => ({ code, name: names.get(`${d}:${code}`) ?? code, ...v }));
      return { dimension: d, name: names.get(`dim:${d}`) ?? d, changed: s.changed, labels };
    }),
    levels: [...levels.entries()]
      .sort(([a], [b]) => byOrder("level")(a, b))
      .map(([id, v]) => ({ level: id, name: names.get(`level:${id}`) ?? id, ...v })),
    transitions: [...transitions.entries()]
      .map(([k, count]) => {
        const [from, to] = k.split("\u0000");
        return { from, to, count };
      })
      .sort((a, b) => byOrder("level")(a.from, b.from) || byOrder("level")(a.to, b.to)),
    routes: { changed: routes },
    items,
  };
}
