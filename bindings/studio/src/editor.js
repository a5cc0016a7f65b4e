// The Pack editor panel: CodeMirror 6 on the pack's JSON with completion from packs/schema.json,
// every problem of Engine.check marked at its JSON pointer (and listed, each a link to its
// place), the pack's own tests run on every valid edit, and the back-test: how the decisions on
// the loaded complaints change between the saved pack and the edited one. Apply, revert,
// download.

import { EditorState } from "@codemirror/state";
import { EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter, drawSelection } from "@codemirror/view";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { json } from "@codemirror/lang-json";
import { syntaxHighlighting, defaultHighlightStyle, bracketMatching, foldGutter, foldKeymap, indentOnInput } from "@codemirror/language";
import { lintGutter, setDiagnostics, lintKeymap } from "@codemirror/lint";
import { autocompletion, completionKeymap, closeBrackets, closeBracketsKeymap } from "@codemirror/autocomplete";
import { search, searchKeymap, highlightSelectionMatches } from "@codemirror/search";
import schema from "../../../packs/schema.json";
import { h, fill, download, dropZone, num, errorBlock } from "./dom.js";
import { t, tLine, onLang } from "./i18n.js";
import { request } from "./rpc.js";
import { scan, markRange } from "./jsonpos.js";
import { schemaCompletion } from "./schema.js";

export function editorPanel(root, studio) {
  let applyButton;
  const fileInput = h("input", { type: "file", id: "ed-file", accept: ".json,application/json", class: "sr-only" });
  const toolbar = h(
    "div",
    { class: "toolbar", id: "ed-drop" },
    fileInput,
    h("label", { for: "ed-file", class: "button" }, h("span", { "data-t": "loadPack" })),
    (applyButton = h("button", { type: "button", id: "ed-apply", class: "primary", disabled: true, onclick: () => apply() }, h("span", { "data-t": "apply" }))),
    h("button", { type: "button", id: "ed-revert", onclick: () => revert() }, h("span", { "data-t": "revert" })),
    h("button", { type: "button", id: "ed-download", onclick: () => save() }, h("span", { "data-t": "download" })),
  );
  const host = h("div", { class: "cm-host", id: "ed-host" });
  const note = h("p", { class: "status", role: "status", id: "ed-status" });
  const problemsBox = h("section", { class: "problems", id: "ed-problems", "aria-live": "polite" });
  const testsBox = h("section", { class: "tests", id: "ed-tests", "aria-live": "polite" });
  const btBar = h("progress", { max: 1, value: 0, hidden: true, "data-t-label": "backtest" });
  const btBox = h("section", { class: "backtest", id: "ed-backtest", "aria-live": "polite" });
  root.append(
    h("p", { class: "intro", "data-t": "editorIntro" }),
    toolbar,
    note,
    h("div", { class: "editor-grid" }, host, h("div", { class: "side" }, problemsBox, testsBox)),
    h("h2", { "data-t": "backtest" }),
    btBar,
    btBox,
  );

  let saved = ""; // the studio's pack text
  let checked = null; // {text, syntax, problems, tests}
  let bt = null; // last back-test result or state
  let seq = 0;
  let timer = 0;

  const view = new EditorView({
    parent: host,
    state: makeState(""),
  });

  function makeState(doc) {
    return EditorState.create({
      doc,
      extensions: [
        lineNumbers(),
        highlightActiveLineGutter(),
        foldGutter(),
        drawSelection(),
        history(),
        indentOnInput(),
        bracketMatching(),
        closeBrackets(),
        highlightActiveLine(),
        highlightSelectionMatches(),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        json(),
        EditorView.lineWrapping,
        search({ top: true }),
        lintGutter(),
        autocompletion({ override: [schemaCompletion(schema)] }),
        keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...searchKeymap, ...historyKeymap, ...foldKeymap, ...completionKeymap, ...lintKeymap]),
        EditorView.contentAttributes.of({ "aria-label": t("editorLabel") }),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) schedule();
        }),
      ],
    });
  }

  /** Mark everything derived from the text as out of date until the next check ends; answers
   *  still on their way for an older text are dropped. */
  function pending() {
    seq++;
    if (applyButton) applyButton.disabled = true;
    note.textContent = t("checking");
    root.dataset.state = "checking";
    testsBox.dataset.state = "pending";
    btBox.dataset.state = "pending";
  }

  function schedule() {
    clearTimeout(timer);
    pending();
    timer = setTimeout(check, 300);
  }

  const text = () => view.state.doc.toString();

  async function check() {
    clearTimeout(timer);
    pending();
    const mine = ++seq;
    const doc = text();
    const { ranges, error } = scan(doc);
    if (error) {
      checked = { text: doc, syntax: error, problems: [], tests: null };
      bt = { broken: true };
      show(ranges);
      return;
    }
    let r;
    try {
      r = await request("check", { text: doc });
    } catch (e) {
      r = { problems: e.problems?.length ? e.problems : [{ path: "", message: e.message, severity: "error" }], tests: null };
    }
    if (mine !== seq) return;
    checked = { text: doc, syntax: null, problems: r.problems, tests: r.tests };
    const errors = r.problems.some((p) => p.severity === "error");
    bt = errors ? { broken: true } : doc === saved ? { same: true } : null;
    show(ranges);
    if (!errors && doc !== saved && studio.hasCorpus()) backtest(doc, mine);
  }

  async function backtest(doc, mine) {
    bt = { running: true };
    renderBacktest();
    btBar.hidden = false;
    const r = await request("backtest", { text: doc }, (done, total) => {
      btBar.max = total;
      btBar.value = done;
      btBox.dataset.state = "running";
      btBox.replaceChildren(h("p", { class: "status" }, t("backtesting")(num(done), num(total))));
    }).catch((e) => ({ error: e }));
    if (mine !== seq || r === null) return;
    btBar.hidden = true;
    bt = r;
    renderBacktest();
  }

  /** Diagnostics in the editor and the problem list beside it. */
  function show(ranges) {
    const doc = checked.text;
    const diags = [];
    const items = [];
    if (checked.syntax) {
      const from = Math.min(checked.syntax.from, doc.length);
      diags.push({ from, to: Math.min(doc.length, from + 1), severity: "error", message: `${t("syntaxError")}: ${checked.syntax.message}` });
      items.push({ from, to: from, path: null, message: `${t("syntaxError")}: ${checked.syntax.message}`, severity: "error" });
    }
    for (const p of checked.problems) {
      const m = markRange(ranges, doc, p.path);
      diags.push({ from: m.from, to: Math.max(m.to, m.from), severity: p.severity === "warning" ? "warning" : "error", message: `${p.path || "/"}: ${p.message}` });
      items.push({ ...m, path: p.path, message: p.message, severity: p.severity });
    }
    view.dispatch(setDiagnostics(view.state, diags));
    const errors = items.filter((i) => i.severity === "error").length;
    root.dataset.state = errors ? "problems" : "clean";
    // Only a pack that compiles, and differs from the saved one, can be applied.
    applyButton.disabled = errors > 0 || doc === saved;
    note.textContent = items.length ? `${t("problems")}: ${errors} ${t("errors")}, ${items.length - errors} ${t("warningsShort")}` : t("noProblems");
    renderProblems(items);
    renderTests();
    renderBacktest();
  }

  function lineOf(pos) {
    return view.state.doc.lineAt(Math.min(pos, view.state.doc.length)).number;
  }

  function renderProblems(items) {
    problemsBox.replaceChildren(
      h("h2", {}, `${t("problems")} (${items.length})`),
      items.length
        ? h(
            "ul",
            {},
            items.map((p) =>
              h(
                "li",
                { class: p.severity },
                h(
                  "button",
                  {
                    type: "button",
                    class: "link",
                    dataset: { path: p.path ?? "" },
                    "aria-label": `${t("jumpTo")} ${tLine(lineOf(p.from))}: ${p.path ?? ""} ${p.message}`,
                    onclick: () => {
                      view.dispatch({ selection: { anchor: p.from, head: p.to }, scrollIntoView: true });
                      view.focus();
                    },
                  },
                  h("span", { class: "where" }, tLine(lineOf(p.from))),
                  p.path !== null ? h("code", {}, p.path || "/") : null,
                ),
                ` ${p.message}`,
              ),
            ),
          )
        : h("p", { class: "muted" }, t("noProblems")),
    );
  }

  function renderTests() {
    const r = checked?.tests;
    testsBox.dataset.state = r ? (r.failed ? "failed" : "passed") : "none";
    if (!r) {
      testsBox.replaceChildren(h("h2", {}, t("tests")), h("p", { class: "muted" }, checked?.syntax || checked?.problems.length ? "—" : ""));
      return;
    }
    testsBox.replaceChildren(
      h("h2", {}, t("tests")),
      r.passed + r.failed ? h("p", { class: r.failed ? "bad" : "good", id: "ed-tests-summary" }, t("testsSummary")(r.passed, r.failed)) : h("p", { class: "muted" }, t("noTests")),
      h(
        "ul",
        {},
        r.results
          .filter((x) => !x.passed)
          .slice(0, 50)
          .map((x) => h("li", { class: "error" }, h("strong", {}, x.name), h("code", {}, ` ${x.path}`), h("ul", {}, x.failures.map((f) => h("li", {}, f))))),
      ),
    );
  }

  function codesOf(v, dims) {
    if ("error" in v) return [h("span", { class: "bad" }, v.error.message)];
    return dims.map((d) => h("span", { class: "cell" }, h("small", {}, `${d}: `), (v.labels[d] || []).map((l) => l.code).join(" ") || "—"));
  }

  function renderBacktest() {
    btBox.dataset.state = bt ? (bt.running ? "running" : bt.broken ? "broken" : bt.same ? "same" : bt.none ? "none" : bt.error ? "error" : "done") : "idle";
    if (!studio.hasCorpus()) {
      btBox.replaceChildren(h("p", { class: "muted" }, t("backtestNone")));
      return;
    }
    if (!bt || bt.same) {
      btBox.replaceChildren(h("p", { class: "muted" }, t("backtestSame")));
      return;
    }
    if (bt.running) return;
    if (bt.broken) {
      btBox.replaceChildren(h("p", { class: "muted" }, t("backtestBroken")));
      return;
    }
    if (bt.none) {
      btBox.replaceChildren(h("p", { class: "muted" }, t("backtestNone")));
      return;
    }
    if (bt.error) {
      btBox.replaceChildren(errorBlock(bt.error));
      return;
    }
    const r = bt;
    const desc = studio.desc();
    const dims = r.dimensions.map((d) => d.dimension);
    const dimRows = r.dimensions.filter((d) => d.changed);
    fill(
      btBox,
      h("p", { class: "summary", id: "bt-summary", dataset: { changed: r.changed, complaints: r.complaints } }, t("backtestResult")(num(r.changed), num(r.complaints))),
      dimRows.length
        ? h(
            "table",
            { class: "counts" },
            h("caption", {}, t("labels")),
            h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("dimension")), h("th", { scope: "col" }, t("changed")), h("th", { scope: "col" }, `${t("before")} → ${t("after")} (${t("gained")} / ${t("lost")})`))),
            h(
              "tbody",
              {},
              dimRows.map((d) =>
                h(
                  "tr",
                  { dataset: { dimension: d.dimension } },
                  h("th", { scope: "row" }, `${d.name} (${d.dimension})`),
                  h("td", { class: "n" }, num(d.changed)),
                  h("td", {}, d.labels.map((l) => h("span", { class: "delta" }, `${l.code} ${l.name}: ${l.before} → ${l.after} (+${l.gained} / −${l.lost})`))),
                ),
              ),
            ),
          )
        : null,
      r.transitions.length
        ? h(
            "table",
            { class: "counts" },
            h("caption", {}, t("transitions")),
            h("tbody", {}, r.transitions.map((x) => h("tr", {}, h("td", {}, `${levelName(desc, x.from)} → ${levelName(desc, x.to)}`), h("td", { class: "n" }, num(x.count))))),
          )
        : null,
      r.routes.changed ? h("p", {}, `${t("routeChanged")}: ${num(r.routes.changed)}`) : null,
      r.changed
        ? h("button", { type: "button", id: "bt-export", onclick: () => exportChanges() }, t("exportChanges"))
        : null,
      r.shown.length
        ? h(
            "table",
            { class: "changed" },
            h("caption", {}, t("changedComplaints")),
            h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "#"), h("th", { scope: "col" }, t("text")), h("th", { scope: "col" }, t("before")), h("th", { scope: "col" }, t("after")))),
            h(
              "tbody",
              {},
              r.shown.map((it) =>
                h(
                  "tr",
                  {},
                  h("td", {}, tLine(it.line), it.id ? h("br") : null, it.id ?? ""),
                  h("td", { class: "excerpt" }, it.text, h("br"), h("small", {}, it.changed.join(", "))),
                  h("td", {}, codesOf(it.before, dims.filter((d) => it.changed.includes(d))), sev(it.before)),
                  h("td", {}, codesOf(it.after, dims.filter((d) => it.changed.includes(d))), sev(it.after)),
                ),
              ),
            ),
          )
        : null,
    );
  }

  async function exportChanges() {
    const { text } = await request("backtestExport", {});
    download("backtest.jsonl", text, "application/x-ndjson");
  }

  const sev = (v) => (!("error" in v) && v.severity ? h("span", { class: "cell" }, h("small", {}, "level: "), v.severity.level) : null);
  const levelName = (desc, id) => desc.levels.find((l) => l.id === id)?.name ?? id;

  function setText(doc) {
    view.setState(makeState(doc));
    check();
  }

  async function apply() {
    const doc = text();
    const ok = await studio.usePack(doc, "edited");
    if (ok) {
      saved = doc;
      note.textContent = t("applied");
      check();
    }
  }

  function revert() {
    setText(saved);
  }

  function save() {
    const doc = text();
    let name = "pack.json";
    try {
      const p = JSON.parse(doc).pack;
      if (p?.id) name = `${p.id}-${p.version ?? ""}.json`.replace(/-\.json$/, ".json");
    } catch {
      // Not JSON right now: download it under the generic name.
    }
    download(name, doc, "application/json");
  }

  dropZone(toolbar, fileInput, async (file) => {
    const doc = await file.text();
    await studio.usePack(doc, "file", file.name);
  });

  onLang(() => {
    if (checked) show(scan(checked.text).ranges);
    view.contentDOM.setAttribute("aria-label", t("editorLabel"));
  });

  return {
    /** The studio's pack changed (or failed to load): show its text as both saved and edited. */
    load(doc, accepted) {
      if (accepted) saved = doc;
      setText(doc);
    },
    /** Complaints were loaded: back-test the current edit on them. */
    corpusChanged() {
      if (checked) check();
    },
    view,
  };
}
