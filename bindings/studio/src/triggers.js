// The Triggers panel: a dropped ratings stream (CSV or JSON Lines, read like `wendu replay`)
// replayed through the pack's trigger policies → a timeline per group with its scores and the
// alerts and recoveries marked, the list of alerts with their pain points, and the notices
// (invalid, late, duplicate events) with their line numbers.

import { h, fill, dropZone, errorBlock, num } from "./dom.js";
import { t, tLine, onLang } from "./i18n.js";
import { request } from "./rpc.js";
import { timeline } from "./charts.js";

const PAGE = 50;
const groupKey = (g) => JSON.stringify(Object.entries(g));

export function triggersPanel(root, studio) {
  const input = h("input", { type: "file", id: "tr-file", accept: ".csv,.jsonl,.ndjson,.json,text/csv", class: "sr-only" });
  const scale = h("select", { id: "tr-scale" }, ["csat5", "nps", "ces7"].map((s) => h("option", { value: s }, s)));
  const zone = h(
    "div",
    { class: "drop", id: "tr-drop" },
    h("p", { "data-t": "dropEvents" }),
    input,
    h("label", { for: "tr-file", class: "button" }, h("span", { "data-t": "chooseFile" })),
  );
  const bar = h("progress", { max: 1, value: 0, hidden: true, "data-t-label": "progress" });
  const status = h("p", { class: "status", role: "status", id: "tr-status" });
  const out = h("div", { class: "replay" });
  root.append(
    h("p", { class: "intro", "data-t": "triggersIntro" }),
    h("label", { for: "tr-scale", class: "inline" }, h("span", { "data-t": "defaultScale" }), scale),
    zone,
    bar,
    status,
    out,
  );

  let result = null;
  let fatal = null;
  let selected = null;
  let lastFile = null;
  let group = ""; // "" = every group, else the JSON of a group's entries
  let shownAlerts = PAGE;

  dropZone(zone, input, (file) => replay(file));

  async function replay(file) {
    lastFile = file;
    fatal = null;
    result = null;
    selected = null;
    group = "";
    shownAlerts = PAGE;
    out.replaceChildren();
    bar.hidden = false;
    root.dataset.state = "busy";
    try {
      const r = await request("replay", { file, scale: scale.value }, (done, total) => {
        bar.max = total;
        bar.value = done;
        status.textContent = t("replaying")(num(done), num(total));
      });
      if (r === null) return;
      if (r.fatal) fatal = { message: r.fatal, problems: [] };
      else if (r.noPolicies) fatal = { message: t("noPolicies"), problems: [] };
      else result = r;
    } catch (e) {
      fatal = e;
    } finally {
      bar.hidden = true;
    }
    render();
  }

  const groupText = (g) => {
    const e = Object.entries(g);
    return e.length ? e.map(([k, v]) => `${k}=${v}`).join(", ") : t("ungrouped");
  };

  function select(id) {
    selected = id;
    const a = result.alerts.find((x) => x.id === id);
    group = a ? groupKey(a.group) : "";
    const k = result.alerts.filter((x) => groupKey(x.group) === group).findIndex((x) => x.id === id);
    shownAlerts = Math.max(shownAlerts, k + 1);
    render();
    const el = out.querySelector(`[data-alert-row="${id}"]`);
    if (el) {
      el.scrollIntoView({ block: "nearest" });
      el.focus();
    }
  }

  function render() {
    if (fatal) {
      root.dataset.state = "error";
      status.textContent = "";
      out.replaceChildren(errorBlock(fatal));
      return;
    }
    if (!result) return;
    root.dataset.state = "done";
    const r = result;
    const fired = r.alerts.filter((a) => a.kind === "fired").length;
    status.textContent = `${r.name}: ${t("replayed")(num(r.read), num(r.accepted), fired, r.alerts.length - fired)}`;
    const notices = r.notices.length
      ? h(
          "details",
          { class: "errors", open: r.notices.length <= 5 },
          h("summary", {}, `${t("notices")} (${r.notices.length})`),
          h("ul", {}, r.notices.slice(0, 100).map((n) => h("li", {}, h("strong", {}, tLine(n.line)), ` [${n.kind}] ${n.message}`))),
        )
      : null;
    if (!r.alerts.length) {
      out.replaceChildren(notices || "", h("p", { class: "muted" }, t("noAlerts")));
      return;
    }
    const labels = { fired: t("fired"), recovered: t("recovered") };
    const lines = r.rows.map((row) => timeline(t("timeline")(groupText(row.group)), row, r.span, labels, select));
    const desc = studio.desc();
    const dimName = (id) => desc.dimensions.find((d) => d.id === id)?.name ?? id;
    const groups = new Map();
    for (const a of r.alerts) {
      const k = groupKey(a.group);
      groups.set(k, { text: groupText(a.group), n: (groups.get(k)?.n ?? 0) + 1 });
    }
    const picker = h(
      "select",
      {
        id: "tr-group",
        onchange: (e) => {
          group = e.target.value;
          shownAlerts = PAGE;
          render();
        },
      },
      h("option", { value: "" }, `${t("allGroups")} (${r.alerts.length})`),
      [...groups.entries()].map(([k, g]) => h("option", { value: k, selected: k === group }, `${g.text} (${g.n})`)),
    );
    const listed = r.alerts.filter((a) => !group || groupKey(a.group) === group);
    const alerts = h(
      "ol",
      { class: "alerts" },
      listed.slice(0, shownAlerts).map((a) =>
        h(
          "li",
          {
            class: `alert ${a.kind}${a.id === selected ? " selected" : ""}`,
            tabindex: -1,
            dataset: { alertRow: a.id },
          },
          h(
            "p",
            { class: "head" },
            h("span", { class: `badge ${a.kind}` }, a.kind === "fired" ? t("fired") : t("recovered")),
            ` ${a.at} · `,
            h("strong", {}, a.name),
            ` · ${t("group")}: ${groupText(a.group)}`,
            a.kind === "fired" ? ` · ${a.severity}` : "",
          ),
          h("p", {}, a.message),
          a.route || a.deadline
            ? h("p", { class: "muted" }, a.route ? `${t("route")}: ${a.route.department}${a.route.queue ? ` · ${a.route.queue}` : ""}` : "", a.deadline ? ` · ${t("deadline")}: ${a.deadline}` : "")
            : null,
          a.pain_points.some((p) => p.labels.length)
            ? h(
                "div",
                { class: "pain" },
                h("strong", {}, `${t("painPoints")}: `),
                a.pain_points
                  .filter((p) => p.labels.length)
                  .map((p) => h("span", { class: "pp" }, `${dimName(p.dimension)} (${t("texts")(p.texts)}): `, p.labels.map((l) => h("span", { class: "term" }, `${l.code} ${l.name}`, h("small", {}, `×${l.count}`))))),
              )
            : null,
        ),
      ),
    );
    fill(
      out,
      notices,
      r.groups > r.rows.length ? h("p", { class: "muted" }, t("groupsShown")(r.rows.length, r.groups)) : null,
      h("div", { class: "timelines" }, lines),
      h("h2", {}, `${t("alerts")} (${r.alerts.length})`),
      h("label", { for: "tr-group", class: "inline" }, t("filterGroup"), picker),
      alerts,
      listed.length > shownAlerts
        ? h("button", { type: "button", onclick: () => ((shownAlerts += PAGE), render()) }, `${t("showMore")} (${listed.length - shownAlerts})`)
        : null,
    );
  }

  onLang(render);
  return {
    /** Replay the last stream again (after the studio's pack changed). */
    rerun: () => (lastFile ? replay(lastFile) : null),
  };
}
