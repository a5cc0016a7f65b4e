// Hand-written charts (no chart library): bar charts as rows of buttons (each bar keyboard- and
// screen-reader-usable, clickable for its complaints), a per-day column chart and the trigger
// timeline as SVG.

import { h, num } from "./dom.js";

/** Horizontal bars: `rows` = [{key, label, count}], biggest first; each shows its share of
 *  `total` complaints (labels of a multi-label dimension add up to more than 100%);
 *  `onPick(row)` on click/Enter. */
export function barChart(title, rows, total, onPick, selectedKey) {
  const max = Math.max(1, ...rows.map((r) => r.count));
  return h(
    "figure",
    { class: "chart" },
    h("figcaption", {}, title),
    rows.length
      ? h(
          "ul",
          { class: "bars", role: "list" },
          rows.map((r) =>
            h(
              "li",
              {},
              h(
                "button",
                {
                  type: "button",
                  class: `bar${r.key === selectedKey ? " selected" : ""}`,
                  "aria-pressed": r.key === selectedKey ? "true" : "false",
                  "aria-label": `${r.label}: ${r.count}`,
                  dataset: { key: r.key },
                  onclick: onPick ? () => onPick(r) : null,
                  disabled: onPick ? null : true,
                },
                h("span", { class: "bar-label", title: r.label }, r.label),
                h(
                  "span",
                  { class: "bar-track", "aria-hidden": "true" },
                  h("span", { class: "bar-fill", style: `width:${((100 * r.count) / max).toFixed(1)}%` }),
                ),
                h("span", { class: "bar-count" }, num(r.count), total ? h("small", {}, ` ${((100 * r.count) / total).toFixed(0)}%`) : null),
              ),
            ),
          ),
        )
      : h("p", { class: "muted" }, "—"),
  );
}

/** Complaints per day as columns; `days` = {"YYYY-MM-DD": n}; `onPick(day)` on a column click. */
export function dayChart(title, days, onPick) {
  const keys = Object.keys(days).sort();
  const W = 720;
  const H = 160;
  const pad = { l: 36, r: 8, t: 8, b: 22 };
  const max = Math.max(1, ...keys.map((k) => days[k]));
  const bw = Math.min(40, (W - pad.l - pad.r) / Math.max(1, keys.length));
  const y = (v) => pad.t + (H - pad.t - pad.b) * (1 - v / max);
  const total = keys.reduce((s, k) => s + days[k], 0);
  const peak = keys.reduce((a, k) => (days[k] > (days[a] ?? -1) ? k : a), keys[0]);
  const svg = h(
    "svg:svg",
    {
      viewBox: `0 0 ${W} ${H}`,
      class: "daychart",
      // A picture when its columns cannot be focused, a group of buttons when they can.
      role: onPick && keys.length <= 120 ? "group" : "img",
      "aria-label": `${title}: ${keys[0]} – ${keys[keys.length - 1]}, ${total}; max ${days[peak]} (${peak})`,
    },
    h("svg:line", { x1: pad.l, y1: H - pad.b, x2: W - pad.r, y2: H - pad.b, class: "axis" }),
    h("svg:text", { x: pad.l - 4, y: pad.t + 8, "text-anchor": "end", class: "tick" }, String(max)),
    h("svg:text", { x: pad.l - 4, y: H - pad.b, "text-anchor": "end", class: "tick" }, "0"),
    h("svg:text", { x: pad.l, y: H - 6, class: "tick" }, keys[0]),
    h("svg:text", { x: W - pad.r, y: H - 6, "text-anchor": "end", class: "tick" }, keys[keys.length - 1]),
    keys.map((k, i) =>
      h(
        "svg:rect",
        {
          x: (pad.l + i * bw + Math.min(1, bw * 0.1)).toFixed(2),
          y: y(days[k]).toFixed(2),
          width: Math.max(0.5, bw - Math.min(2, bw * 0.2)).toFixed(2),
          height: (H - pad.b - y(days[k])).toFixed(2),
          class: "day",
          dataset: { day: k },
          onclick: onPick ? () => onPick(k) : null,
          // A focus stop per day while that stays a reasonable number of Tab presses.
          tabindex: onPick && keys.length <= 120 ? 0 : null,
          role: onPick && keys.length <= 120 ? "button" : null,
          "aria-label": `${k}: ${days[k]}`,
          onkeydown: onPick
            ? (e) => {
                if (e.key === "Enter" || e.key === " ") {
                  e.preventDefault();
                  onPick(k);
                }
              }
            : null,
        },
        h("svg:title", {}, `${k}: ${days[k]}`),
      ),
    ),
  );
  return h("figure", { class: "chart wide" }, h("figcaption", {}, title), svg);
}

const fmtTime = (ms) => new Date(ms).toISOString().slice(0, 16).replace("T", " ");

/** One group's timeline: score dots (low in red) and alert markers (fired ▼ red, recovered ▲
 *  green); `onAlert(id)` when a marker is clicked or activated with the keyboard. */
export function timeline(title, row, span, labels, onAlert) {
  const W = 720;
  const H = 120;
  const pad = { l: 8, r: 8, t: 16, b: 20 };
  const [t0, t1] = span;
  const x = (t) => pad.l + ((W - pad.l - pad.r) * (t - t0)) / Math.max(1, t1 - t0);
  const y = (v) => pad.t + (H - pad.t - pad.b) * (1 - v);
  const dots = row.points.map(([t, v, score, low]) =>
    h("svg:circle", { cx: x(t).toFixed(1), cy: y(v).toFixed(1), r: 2.2, class: low ? "dot low" : "dot" }),
  );
  const markers = row.alerts.map((a) => {
    const ax = x(a.t);
    const fired = a.kind === "fired";
    const label = `${fired ? labels.fired : labels.recovered} ${fmtTime(a.t)}`;
    const activate = () => onAlert(a.id);
    return h(
      "svg:g",
      {
        class: `marker ${a.kind}`,
        tabindex: 0,
        role: "button",
        "aria-label": label,
        dataset: { alert: a.id },
        onclick: activate,
        onkeydown: (e) => {
          if (e.key === "Enter" || e.key === " ") {
            e.preventDefault();
            activate();
          }
        },
      },
      h("svg:line", { x1: ax, x2: ax, y1: pad.t - 4, y2: H - pad.b }),
      h("svg:path", {
        d: fired ? `M${ax - 5},${pad.t - 12} L${ax + 5},${pad.t - 12} L${ax},${pad.t - 3} Z` : `M${ax - 5},${H - pad.b + 9} L${ax + 5},${H - pad.b + 9} L${ax},${H - pad.b} Z`,
      }),
      h("svg:title", {}, label),
    );
  });
  return h(
    "figure",
    { class: "timeline" },
    h("figcaption", {}, title),
    h(
      "svg:svg",
      { viewBox: `0 0 ${W} ${H}`, role: "group", "aria-label": title },
      h("svg:line", { x1: pad.l, y1: H - pad.b, x2: W - pad.r, y2: H - pad.b, class: "axis" }),
      h("svg:text", { x: pad.l, y: H - 2, class: "tick" }, fmtTime(t0)),
      h("svg:text", { x: W - pad.r, y: H - 2, "text-anchor": "end", class: "tick" }, fmtTime(t1)),
      dots,
      markers,
    ),
  );
}
