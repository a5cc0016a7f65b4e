// Hand-written SVG for bench/compare.mjs: the scaling curves (cost per complaint against rule count
// and against text length) and the pathological-regex growth, log–log, one line per engine.
// No chart library: a few hundred lines of SVG text are all a reader's browser needs.
//
//   import { scalingSvg } from "./chart.mjs";  writeFileSync("scaling.svg", scalingSvg(results));

const COLORS = {
  "wendu (WASM)": "#c0392b",
  "wendu native": "#7b241c",
  "RegExp baseline": "#2471a3",
  "json-rules-engine": "#d68910",
  "ZEN contains()": "#1e8449",
  "ZEN matches()": "#7d3c98",
  "JS RegExp": "#2471a3",
  "json-rules-engine (JS RegExp)": "#d68910",
};
const color = (name, i) => COLORS[name] ?? ["#555", "#999", "#0aa", "#a0a"][i % 4];

const escape = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function fmt(v) {
  if (v >= 1e6) return `${+(v / 1e6).toPrecision(2)}M`;
  if (v >= 1e3) return `${+(v / 1e3).toPrecision(2)}k`;
  if (v >= 1) return `${+v.toPrecision(2)}`;
  return `${+v.toPrecision(1)}`;
}

/**
 * One log–log panel. series: [{name, points: [[x, y], …], skipped: [x, …]}]. Returns SVG text placed
 * at (ox, oy) with size (w, h).
 */
function panel({ ox, oy, w, h, title, xLabel, yLabel, series, yRef, legend = "br" }) {
  const pad = { l: 58, r: 12, t: 30, b: 42 };
  const all = series.flatMap((s) => s.points);
  const xs = all.map((p) => p[0]).filter((v) => v > 0);
  const ys = all.map((p) => p[1]).filter((v) => v > 0);
  if (!xs.length || !ys.length) return "";
  const lx0 = Math.floor(Math.log10(Math.min(...xs)));
  const lx1 = Math.ceil(Math.log10(Math.max(...xs)));
  const ly0 = Math.floor(Math.log10(Math.min(...ys)));
  const ly1 = Math.max(Math.ceil(Math.log10(Math.max(...ys))), ly0 + 1);
  const X = (v) => +(ox + pad.l + ((Math.log10(v) - lx0) / Math.max(lx1 - lx0, 1)) * (w - pad.l - pad.r)).toFixed(1);
  const Y = (v) => +(oy + h - pad.b - ((Math.log10(v) - ly0) / (ly1 - ly0)) * (h - pad.t - pad.b)).toFixed(1);
  const out = [];
  out.push(`<text x="${ox + w / 2}" y="${oy + 18}" text-anchor="middle" font-weight="bold">${escape(title)}</text>`);
  for (let e = lx0; e <= lx1; e++) {
    const x = X(10 ** e);
    out.push(`<line x1="${x}" y1="${oy + pad.t}" x2="${x}" y2="${oy + h - pad.b}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${x}" y="${oy + h - pad.b + 14}" text-anchor="middle" font-size="10">${fmt(10 ** e)}</text>`);
  }
  for (let e = ly0; e <= ly1; e++) {
    const y = Y(10 ** e);
    out.push(`<line x1="${ox + pad.l}" y1="${y}" x2="${ox + w - pad.r}" y2="${y}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${ox + pad.l - 4}" y="${y + 3}" text-anchor="end" font-size="10">${fmt(10 ** e)}</text>`);
  }
  out.push(`<rect x="${ox + pad.l}" y="${oy + pad.t}" width="${w - pad.l - pad.r}" height="${h - pad.t - pad.b}" fill="none" stroke="#888"/>`);
  out.push(`<text x="${ox + pad.l + (w - pad.l - pad.r) / 2}" y="${oy + h - 8}" text-anchor="middle" font-size="11">${escape(xLabel)}</text>`);
  out.push(`<text transform="translate(${ox + 13},${oy + pad.t + (h - pad.t - pad.b) / 2}) rotate(-90)" text-anchor="middle" font-size="11">${escape(yLabel)}</text>`);
  if (yRef) {
    // a reference line y = k·x (e.g. 1 µs per character), clipped to the plot
    const [xa, xb] = [10 ** lx0, 10 ** lx1];
    const [ya, yb] = [yRef.k * xa, yRef.k * xb];
    out.push(`<line x1="${X(xa)}" y1="${Y(ya)}" x2="${X(xb)}" y2="${Y(yb)}" stroke="#999" stroke-dasharray="5 4"/>`);
    const xm = 10 ** (lx0 + 0.12 * (lx1 - lx0));
    out.push(`<text x="${X(xm) + 6}" y="${Y(yRef.k * xm) + 16}" font-size="10" fill="#666">${escape(yRef.label)}</text>`);
  }
  series.forEach((s, i) => {
    const c = color(s.name, i);
    const pts = s.points.filter((p) => p[0] > 0 && p[1] > 0);
    if (pts.length > 1) {
      out.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${pts.map((p) => `${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`).join(" ")}"/>`);
    }
    for (const p of pts) out.push(`<circle cx="${X(p[0]).toFixed(1)}" cy="${Y(p[1]).toFixed(1)}" r="3" fill="${c}"><title>${escape(`${s.name}: ${fmt(p[0])} → ${p[1].toPrecision(3)}`)}</title></circle>`);
    for (const x of s.skipped || []) {
      const last = pts[pts.length - 1];
      if (!last) continue;
      out.push(`<text x="${X(x).toFixed(1)}" y="${(Y(last[1]) - 6).toFixed(1)}" text-anchor="middle" font-size="11" fill="${c}">✕ skipped</text>`);
    }
  });
  // legend, bottom right (the curves rise to the upper left or stay low)
  series.forEach((s, i) => {
    const y = legend === "tl" ? oy + pad.t + 14 + i * 14 : oy + h - pad.b - 8 - (series.length - 1 - i) * 14;
    const x = legend === "tl" ? ox + pad.l + 8 : ox + w - pad.r - 150;
    out.push(`<rect x="${x}" y="${y - 8}" width="10" height="10" fill="${color(s.name, i)}"/>`);
    out.push(`<text x="${x + 14}" y="${y + 1}" font-size="10">${escape(s.name)}</text>`);
  });
  return out.join("\n");
}

/** The whole figure: three panels side by side. */
export function scalingSvg(results) {
  const W = 400, H = 330;
  const panels = [];
  const rules = results.scaling_rules;
  if (rules) {
    panels.push({
      title: "Cost per complaint vs rules", xLabel: "keyword rules in the pack", yLabel: "µs per complaint (median)", legend: "tl",
      series: rules.engines.map((e) => ({ name: e.name, points: e.points.filter((p) => p.us != null).map((p) => [p.rules, p.us]), skipped: e.points.filter((p) => p.skipped).map((p) => p.rules) })),
    });
  }
  const len = results.scaling_length;
  if (len) {
    panels.push({
      title: "Cost per complaint vs text length", xLabel: "characters per complaint", yLabel: "µs per complaint (median)",
      series: len.engines.map((e) => ({ name: e.name, points: e.points.filter((p) => p.us != null).map((p) => [p.chars, p.us]), skipped: e.points.filter((p) => p.skipped).map((p) => p.chars) })),
      yRef: { k: 1, label: "1 ms per 1,000 chars" },
    });
  }
  const pat = results.pathological;
  if (pat) {
    panels.push({
      title: "Pathological regex (a+)+$ on a…ab", xLabel: "input length (characters)", yLabel: "ms per test",
      series: pat.engines.map((e) => ({ name: e.name, points: e.points.map((p) => [p.n, p.ms]) })),
    });
  }
  const width = W * panels.length;
  const body = panels.map((p, i) => panel({ ...p, ox: i * W, oy: 0, w: W, h: H })).join("\n");
  const caption = `${results.machine?.date ?? ""} · ${results.machine?.cpus ?? ""} · load ${results.machine?.load_start ?? "?"} · node ${results.machine?.node ?? ""} · wendu ${results.versions?.wendu ?? ""}`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${H + 22}" viewBox="0 0 ${width} ${H + 22}" font-family="Helvetica, Arial, sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
${body}
<text x="${width / 2}" y="${H + 14}" text-anchor="middle" font-size="10" fill="#666">${escape(caption)}</text>
</svg>
`;
}

// node bench/chart.mjs [results.json] > scaling.svg — redraw from saved results.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const path = process.argv[2] ?? new URL("./results/latest.json", import.meta.url).pathname;
  process.stdout.write(scalingSvg(JSON.parse(readFileSync(path, "utf8"))));
}
