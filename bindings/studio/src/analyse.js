// The Analyse panel: a dropped file of complaints (CSV or JSON Lines) → counts per label of each
// dimension, severity levels, factors and routes as bar charts, top evidence terms per reason, a
// time series by received date; a bar → the complaints behind it, each explainable; export of
// the decisions as JSON Lines or CSV.

import { h, fill, dropZone, download, errorBlock, num } from "./dom.js";
import { t, tLine, onLang } from "./i18n.js";
import { request } from "./rpc.js";
import { barChart, dayChart } from "./charts.js";

const PAGE = 50;

export function analysePanel(root, studio) {
  const input = h("input", { type: "file", id: "an-file", accept: ".csv,.jsonl,.ndjson,.json,text/csv", class: "sr-only" });
  const zone = h(
    "div",
    { class: "drop", id: "an-drop" },
    h("p", { "data-t": "dropComplaints" }),
    input,
    h("label", { for: "an-file", class: "button" }, h("span", { "data-t": "chooseFile" })),
  );
  const bar = h("progress", { max: 1, value: 0, hidden: true, "data-t-label": "progress" });
  const status = h("p", { class: "status", role: "status", id: "an-status" });
  const out = h("div", { class: "analysis" });
  root.append(h("p", { class: "intro", "data-t": "analyseIntro" }), zone, bar, status, out);

  let result = null;
  let terms = null;
  let filter = null; // {key, title, test(record)}
  let shown = PAGE;
  let startedAt = 0;
  let fatal = null;

  dropZone(zone, input, (file) => load(file));

  async function load(file) {
    startedAt = performance.now();
    fatal = null;
    result = null;
    terms = null;
    filter = null;
    out.replaceChildren();
    bar.hidden = false;
    bar.value = 0;
    status.textContent = t("analysing")(0, "…");
    root.dataset.state = "busy";
    try {
      const r = await request("loadComplaints", { file }, progress);
      if (r === null) return; // overtaken by a newer file
      if (r.fatal) {
        fatal = r.fatal;
        result = null;
      } else {
        result = r;
      }
      render();
      // From the drop to the charts on the page: reading, parsing, classifying, drawing.
      if (result) {
        result.elapsed = performance.now() - startedAt;
        renderStatus();
      }
      if (result) loadTerms();
      studio.corpusChanged(result);
    } catch (e) {
      fatal = e.message;
      render();
    } finally {
      bar.hidden = true;
    }
  }

  /** Re-analyse the loaded complaints (after the studio's pack changed). */
  async function reanalyse() {
    if (!result) return;
    startedAt = performance.now();
    bar.hidden = false;
    root.dataset.state = "busy";
    const r = await request("analyse", {}, progress).finally(() => (bar.hidden = true));
    if (!r || r.empty) return;
    result = r;
    terms = null;
    filter = null;
    render();
    result.elapsed = performance.now() - startedAt;
    renderStatus();
    loadTerms();
  }

  async function loadTerms() {
    const r = await request("terms", {});
    if (!r || r.empty || !result || r.corpusId !== result.corpusId) return;
    terms = r;
    render();
  }

  function progress(done, total) {
    bar.max = total;
    bar.value = done;
    status.textContent = t("analysing")(num(done), num(total));
  }

  function nameOf(dim, code) {
    const d = studio.desc().dimensions.find((x) => x.id === dim);
    const l = d?.labels.find((x) => x.code === code);
    return l ? `${code} ${l.name}` : code;
  }

  function pick(key, title, test) {
    filter = filter && filter.key === key ? null : { key, title, test };
    shown = PAGE;
    render();
    const list = out.querySelector("#an-list");
    if (list && filter) list.scrollIntoView({ block: "nearest" });
  }

  function render() {
    if (fatal) {
      root.dataset.state = "error";
      status.textContent = "";
      out.replaceChildren(errorBlock({ message: fatal, problems: [] }));
      return;
    }
    if (!result) return;
    root.dataset.state = terms ? "done" : "counted";
    const desc = studio.desc();
    const r = result;
    renderStatus();
    const errs = r.errors.length
      ? h(
          "details",
          { class: "errors", open: r.errors.length <= 5 },
          h("summary", {}, `${t("unreadable")} (${r.errors.length})`),
          h(
            "ul",
            {},
            r.errors.slice(0, 100).map((e) => h("li", {}, h("strong", {}, tLine(e.line)), `: ${e.message}`)),
            r.errors.length > 100 ? h("li", {}, t("moreErrors")(r.errors.length - 100)) : null,
          ),
        )
      : null;
    const sel = filter?.key;
    const rows = (obj, label) =>
      Object.entries(obj)
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .map(([k, count]) => ({ key: k, label: label(k), count }));
    const charts = desc.dimensions.map((d) =>
      barChart(
        `${d.name} (${d.id})`,
        rows(r.counts[d.id] || {}, (c) => nameOf(d.id, c)),
        r.classified,
        (row) => pick(`dim:${d.id}:${row.key}`, `${d.name} · ${row.label}`, (x) => x.labels[d.id]?.includes(row.key)),
        sel?.startsWith(`dim:${d.id}:`) ? sel.slice(`dim:${d.id}:`.length) : null,
      ),
    );
    const levelName = (id) => desc.levels.find((l) => l.id === id)?.name ?? id;
    const factorName = (id) => desc.factors.find((f) => f.id === id)?.name ?? id;
    const levelRows = desc.levels.filter((l) => r.levels[l.id]).map((l) => ({ key: l.id, label: `${l.name} (${l.id})`, count: r.levels[l.id] }));
    if (levelRows.length) {
      charts.push(
        barChart(t("levels"), levelRows, r.classified, (row) => pick(`level:${row.key}`, `${t("levels")} · ${levelName(row.key)}`, (x) => x.level === row.key), sel?.startsWith("level:") ? sel.slice(6) : null),
      );
    }
    if (Object.keys(r.factors).length) {
      charts.push(
        barChart(t("factors"), rows(r.factors, factorName), r.classified, (row) => pick(`factor:${row.key}`, `${t("factors")} · ${factorName(row.key)}`, (x) => x.factors.includes(row.key)), sel?.startsWith("factor:") ? sel.slice(7) : null),
      );
    }
    charts.push(
      barChart(t("routes"), rows(r.routes, (k) => k), r.classified, (row) => pick(`route:${row.key}`, `${t("routes")} · ${row.key}`, (x) => x.route === row.key), sel?.startsWith("route:") ? sel.slice(6) : null),
    );
    const termBox = h(
      "figure",
      { class: "chart terms" },
      h("figcaption", {}, t("topTerms")),
      terms
        ? h(
            "dl",
            {},
            Object.entries(terms.top)
              .sort(([a], [b]) => (r.counts[terms.dimension]?.[b] ?? 0) - (r.counts[terms.dimension]?.[a] ?? 0) || (a < b ? -1 : 1))
              .map(([code, list]) => [h("dt", {}, nameOf(terms.dimension, code)), h("dd", {}, list.map(([w, n]) => h("span", { class: "term" }, w, h("small", {}, `×${n}`))))]),
          )
        : h("p", { class: "muted" }, "…"),
    );
    const series = r.days
      ? dayChart(t("timeSeries"), r.days, (day) => pick(`day:${day}`, `${t("timeSeries")} · ${day}`, (x) => x.day === day))
      : h("p", { class: "muted" }, t("noTime"));
    const exports = h(
      "div",
      { class: "toolbar" },
      h("button", { type: "button", id: "an-export-jsonl", onclick: () => exportAs("jsonl") }, t("exportJsonl")),
      h("button", { type: "button", id: "an-export-csv", onclick: () => exportAs("csv") }, t("exportCsv")),
    );
    fill(out, errs, exports, h("p", { class: "hint" }, t("barHint")), series, h("div", { class: "charts" }, charts, termBox), drill());
  }

  function renderStatus() {
    const r = result;
    const ms = r.elapsed ?? r.ms;
    status.textContent = `${r.name}: ${t("analysed")(num(r.classified), ms, r.errors.length)}`;
    status.dataset.ms = String(Math.round(ms));
    status.dataset.workerMs = String(Math.round(r.ms));
  }

  function drill() {
    if (!filter) return h("div", { id: "an-list" });
    const desc = studio.desc();
    const hits = result.records.filter(filter.test);
    const top = (x) =>
      desc.dimensions
        .map((d) => x.labels[d.id]?.[0])
        .filter(Boolean)
        .join(" · ");
    return h(
      "section",
      { id: "an-list", class: "drill", "aria-live": "polite" },
      h("h2", {}, t("complaintsBehind")(filter.title, num(hits.length))),
      h(
        "ol",
        {},
        hits.slice(0, shown).map((x) =>
          h(
            "li",
            {},
            h("span", { class: "where" }, tLine(x.line), x.id ? ` · ${x.id}` : ""),
            h("span", { class: "excerpt" }, x.text),
            h("span", { class: "codes" }, top(x), x.level ? ` · ${x.level}` : ""),
            h("button", { type: "button", class: "small", onclick: () => explainLine(x.line) }, t("explainThis")),
          ),
        ),
      ),
      hits.length > shown ? h("button", { type: "button", onclick: () => ((shown += PAGE), render()) }, t("showMore")) : null,
    );
  }

  async function explainLine(line) {
    const { complaint } = await request("complaint", { line });
    if (complaint) studio.explain(complaint);
  }

  async function exportAs(format) {
    status.textContent = t("exporting");
    const r = await request("export", { format }, progress);
    if (!r || r.empty) return;
    const base = (result.name || "complaints").replace(/\.[^.]+$/, "");
    download(`${base}.decisions.${format}`, r.text, format === "csv" ? "text/csv" : "application/x-ndjson");
    render();
  }

  onLang(render);
  return { reanalyse, hasCorpus: () => !!result, load };
}
