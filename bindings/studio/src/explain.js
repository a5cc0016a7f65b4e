// The Explain panel: one complaint (text and optional fields) → its decision, shown so a person
// can see why: labels per dimension with confidence, the evidence lit up in the text (hover or
// focus a label → its words; hover or focus a word → the rules it fired), severity factors with
// points, level, deadline, route, amounts, personal data (and the masked text), negated terms.

import { h, errorBlock, num } from "./dom.js";
import { t, onLang } from "./i18n.js";
import { request } from "./rpc.js";

const FIELDS = [
  ["id", "fId", "text"],
  ["title", "fTitle", "text"],
  ["channel", "fChannel", "text"],
  ["received_at", "fReceived", "text"],
  ["product", "fProduct", "text"],
  ["branch", "fBranch", "text"],
  ["amount", "fAmount", "text"],
  ["customer.age", "fAge", "text"],
  ["customer.prior_complaints", "fPrior", "text"],
  ["customer.vulnerable", "fVulnerable", "checkbox"],
];

export function explainPanel(root, studio) {
  const textArea = h("textarea", { id: "ex-text", rows: 5, "data-t-placeholder": "textPlaceholder" });
  const inputs = {};
  const fieldset = h(
    "details",
    { class: "fields" },
    h("summary", { "data-t": "optional" }),
    h(
      "div",
      { class: "grid" },
      FIELDS.map(([path, key, type]) => {
        const id = `ex-${path.replace(/\./g, "-")}`;
        const input = h("input", { id, type, name: path, inputmode: /amount|age|prior/.test(path) ? "decimal" : null });
        inputs[path] = input;
        return h("label", { for: id, class: type === "checkbox" ? "check" : null }, h("span", { "data-t": key }), input);
      }),
    ),
  );
  const out = h("div", { class: "explain-out", "aria-live": "polite" });
  const form = h(
    "form",
    { class: "explain-form", onsubmit: (e) => (e.preventDefault(), run()) },
    h("label", { for: "ex-text", class: "big", "data-t": "text" }),
    textArea,
    fieldset,
    h("button", { type: "submit", class: "primary", "data-t": "explainButton" }),
  );
  root.append(h("p", { class: "intro", "data-t": "explainIntro" }), form, out);

  let last = null; // {complaint, result}
  let seq = 0;
  let timer = 0;

  function complaint() {
    const c = { text: textArea.value };
    for (const [path, , type] of FIELDS) {
      const el = inputs[path];
      let v;
      if (type === "checkbox") {
        if (!el.checked) continue;
        v = true;
      } else {
        v = el.value.trim();
        if (!v) continue;
        // Numbers where the complaint format wants numbers; anything else goes as typed, so the
        // engine names the field that is wrong.
        if (/amount|age|prior/.test(path) && /^-?\d+(\.\d+)?$/.test(v)) v = Number(v);
      }
      const keys = path.split(".");
      let o = c;
      for (const k of keys.slice(0, -1)) o = o[k] ||= {};
      o[keys[keys.length - 1]] = v;
    }
    return c;
  }

  async function run() {
    clearTimeout(timer);
    const c = complaint();
    const mine = ++seq;
    if (!c.text.trim()) {
      last = null;
      out.replaceChildren(h("p", { class: "muted" }, t("explainEmpty")));
      return;
    }
    const result = await request("explain", { complaint: c });
    if (mine !== seq) return;
    last = { complaint: c, result };
    render();
    out.dataset.state = result.error ? "error" : "explained";
  }

  function render() {
    if (!last) {
      out.replaceChildren(h("p", { class: "muted" }, t("explainEmpty")));
      return;
    }
    const { complaint: c, result } = last;
    if (result.error) {
      out.replaceChildren(errorBlock(result.error, t("inputError")));
      return;
    }
    out.replaceChildren(renderDecision(c, result.decision, studio.desc()));
  }

  for (const el of [textArea, ...Object.values(inputs)]) {
    el.addEventListener("input", () => {
      // An answer still on its way is for older text: drop it, and say the result is pending.
      seq++;
      out.dataset.state = "pending";
      clearTimeout(timer);
      timer = setTimeout(run, 200);
    });
  }
  onLang(render);
  render();

  return {
    /** Show a complaint (from Analyse or a back-test) and explain it. */
    show(c) {
      textArea.value = c.text ?? "";
      for (const [path, , type] of FIELDS) {
        const v = path.split(".").reduce((o, k) => (o && typeof o === "object" ? o[k] : undefined), c);
        if (type === "checkbox") inputs[path].checked = v === true;
        else inputs[path].value = v === undefined || v === null ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);
      }
      if (FIELDS.some(([p]) => inputs[p].value || inputs[p].checked)) fieldset.open = true;
      return run();
    },
    rerun: run,
  };
}

/** Evidence marks of a decision: [{field, span, owner, note, cls}]. */
function marksOf(d, desc) {
  const dimName = new Map(desc.dimensions.map((x) => [x.id, x.name]));
  const marks = [];
  for (const [dim, labels] of Object.entries(d.labels)) {
    for (const l of labels) {
      for (const r of l.rules) {
        for (const e of r.evidence) {
          if (e.span) {
            marks.push({ field: e.field, span: e.span, owner: `label:${dim}:${l.code}`, note: `${dimName.get(dim) ?? dim} · ${l.code} ${l.name} · ${r.id}` });
          }
        }
      }
    }
  }
  for (const f of d.severity ? d.severity.factors : []) {
    for (const e of f.evidence) {
      if (e.span) marks.push({ field: e.field, span: e.span, owner: `factor:${f.id}`, note: `${t("severity")} · ${f.name} (+${f.points})` });
    }
  }
  for (const n of d.negated) {
    marks.push({ field: n.field, span: n.span, owner: "negated", note: `${t("negated")}: ${n.term} ← ${n.cue}`, cls: "neg" });
  }
  for (const a of d.amounts) {
    marks.push({ field: a.field, span: a.span, owner: "amount", note: `${t("amounts")}: ${a.value} ${a.currency}`, cls: "amt" });
  }
  for (const p of d.personal_data) {
    marks.push({ field: p.field, span: p.span, owner: "personal", note: `${t("personal")}: ${t("kinds")[p.kind] ?? p.kind}`, cls: "pd" });
  }
  return marks;
}

/** The field's text cut at every mark boundary; a segment covered by marks is a focusable
 *  <mark> that knows its owners. */
function highlighted(text, marks, onNote) {
  const cuts = new Set([0, text.length]);
  for (const m of marks) {
    cuts.add(Math.max(0, Math.min(text.length, m.span[0])));
    cuts.add(Math.max(0, Math.min(text.length, m.span[1])));
  }
  const points = [...cuts].sort((a, b) => a - b);
  const parts = [];
  for (let k = 0; k + 1 < points.length; k++) {
    const [a, b] = [points[k], points[k + 1]];
    if (a === b) continue;
    const over = marks.filter((m) => m.span[0] <= a && m.span[1] >= b);
    const piece = text.slice(a, b);
    if (!over.length) {
      parts.push(piece);
      continue;
    }
    const notes = [...new Set(over.map((m) => m.note))];
    const cls = over.some((m) => m.owner.startsWith("label:") || m.owner.startsWith("factor:"))
      ? "ev"
      : over.map((m) => m.cls).find(Boolean) || "ev";
    const show = () => onNote(piece, notes);
    parts.push(
      h(
        "mark",
        {
          class: cls,
          tabindex: 0,
          dataset: { owners: over.map((m) => m.owner).join(" "), span: `${a},${b}` },
          "aria-label": `${piece}: ${notes.join("; ")}`,
          onmouseenter: show,
          onfocus: show,
        },
        piece,
      ),
    );
  }
  return parts;
}

function pct(x) {
  return `${Math.round(x * 100)}%`;
}

function renderDecision(c, d, desc) {
  const marks = marksOf(d, desc);
  const note = h("div", { class: "note", role: "status" }, t("evidenceHint"));
  const onNote = (piece, notes) => note.replaceChildren(h("strong", {}, `「${piece}」 ${t("firedHere")}`), h("ul", {}, notes.map((n) => h("li", {}, n))));
  const textBox = h("div", { class: "evtext", lang: desc.locale }, highlighted(c.text, marks.filter((m) => m.field === "text"), onNote));
  const titleBox = c.title ? h("div", { class: "evtext title", lang: desc.locale }, highlighted(c.title, marks.filter((m) => m.field === "title"), onNote)) : null;
  const lightUp = (owner, on) => {
    for (const el of textBox.parentElement.querySelectorAll("mark[data-owners]")) {
      if (el.dataset.owners.split(" ").includes(owner)) el.classList.toggle("lit", on);
    }
  };
  const chip = (owner, content, extra) =>
    h(
      "button",
      {
        type: "button",
        class: `chip ${extra || ""}`,
        dataset: { owner },
        onmouseenter: () => lightUp(owner, true),
        onmouseleave: () => lightUp(owner, false),
        onfocus: () => lightUp(owner, true),
        onblur: () => lightUp(owner, false),
      },
      content,
    );
  const dims = desc.dimensions.map((dim) => {
    const ls = d.labels[dim.id] || [];
    return h(
      "section",
      { class: "dim", "aria-label": dim.name },
      h("h3", {}, dim.name, h("small", {}, ` ${dim.id}`)),
      ls.length
        ? h(
            "ul",
            { class: "labels" },
            ls.map((l) =>
              h(
                "li",
                {},
                chip(
                  `label:${dim.id}:${l.code}`,
                  [
                    h("span", { class: "code" }, l.code),
                    ` ${l.name}`,
                    l.fallback ? h("em", { class: "badge" }, t("fallback")) : null,
                    h("span", { class: "conf", "aria-label": `${t("confidence")} ${pct(l.confidence)}` }, h("span", { style: `width:${pct(l.confidence)}` })),
                    h("small", {}, pct(l.confidence)),
                  ],
                  l.fallback ? "fallback" : "",
                ),
                l.advice ? h("p", { class: "advice" }, h("strong", {}, `${t("advice")}：`), l.advice) : null,
              ),
            ),
          )
        : h("p", { class: "muted" }, t("noLabel")),
    );
  });
  const s = d.severity;
  const sev = s
    ? h(
        "section",
        { class: `severity level-${s.level}`, "aria-label": t("severity") },
        h("h3", {}, t("severity")),
        h("p", { class: "level" }, h("strong", {}, s.name), ` (${s.level}) · ${s.points} ${t("points")}`),
        h(
          "p",
          {},
          `${t("deadline")}: `,
          s.deadline_hours === null ? t("noDeadline") : t("hours")(s.deadline_hours),
          s.deadline ? ` → ${s.deadline}` : "",
        ),
        s.escalate_to ? h("p", {}, `${t("escalate")}: ${s.escalate_to}`) : null,
        h("h4", {}, t("factors")),
        s.factors.length
          ? h("ul", { class: "labels" }, s.factors.map((f) => h("li", {}, chip(`factor:${f.id}`, [h("span", { class: "code" }, `+${f.points}`), ` ${f.name}`]))))
          : h("p", { class: "muted" }, t("noFactors")),
      )
    : null;
  const route = d.route
    ? h(
        "section",
        { class: "route", "aria-label": t("route") },
        h("h3", {}, t("route")),
        h("p", {}, h("strong", {}, d.route.department), d.route.queue ? ` · ${t("queue")} ${d.route.queue}` : "", d.route.code ? h("small", {}, ` (${d.route.dimension} ${d.route.code})`) : ""),
      )
    : null;
  const list = (title, items, f) =>
    h("section", { class: "extra" }, h("h3", {}, title), items.length ? h("ul", {}, items.map((x) => h("li", {}, f(x)))) : h("p", { class: "muted" }, t("none")));
  return h(
    "div",
    { class: "decision" },
    h(
      "div",
      { class: "ev-col" },
      h("h2", {}, t("evidence")),
      titleBox,
      textBox,
      h(
        "p",
        { class: "legend" },
        [["ev", "legendEvidence"], ["neg", "legendNegated"], ["amt", "legendAmount"], ["pd", "legendPersonal"]].map(([cls, key]) =>
          h("span", {}, h("mark", { class: cls, "aria-hidden": "true" }, "\u00a0\u00a0"), ` ${t(key)}`),
        ),
      ),
      note,
      list(t("negated"), d.negated, (n) => [h("code", {}, n.term), ` ← ${n.cue}`]),
      list(t("amounts"), d.amounts, (a) => [h("strong", {}, `${num(a.value)} ${a.currency}`), ` 「${a.text}」`]),
      list(t("personal"), d.personal_data, (p) => `${t("kinds")[p.kind] ?? p.kind} [${p.span[0]}, ${p.span[1]})`),
      d.personal_data.length ? h("section", { class: "extra" }, h("h3", {}, t("maskedText")), h("p", { class: "masked" }, d.masked_text)) : null,
      d.warnings.length ? list(t("warnings"), d.warnings, (w) => w) : null,
    ),
    h("div", { class: "label-col" }, h("h2", {}, t("labels")), dims, sev, route),
  );
}
