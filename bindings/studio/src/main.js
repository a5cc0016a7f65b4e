// wendu studio: the page's shell — header (privacy statement, language, pack), the four panels
// as keyboard-navigable tabs, and the studio's pack, which every panel uses and the editor
// edits. All work on complaints happens in the worker (rpc.js); nothing is sent anywhere.

import cnPack from "../../../packs/cn-banking.json?raw";
import enPack from "../../../packs/en-banking.json?raw";
import reviewPack from "../../../packs/cn-marketing-review.json?raw";
import { h, translate, errorBlock } from "./dom.js";
import { t, setLang, lang, onLang, languageOf } from "./i18n.js";
import { request, ready, onWorkerFailure } from "./rpc.js";
import { explainPanel } from "./explain.js";
import { analysePanel } from "./analyse.js";
import { triggersPanel } from "./triggers.js";
import { editorPanel } from "./editor.js";

const fatalBox = document.getElementById("fatal");
function fatal(err) {
  fatalBox.replaceChildren(errorBlock(err));
}
window.addEventListener("unhandledrejection", (e) => fatal(e.reason || { message: "unknown error" }));
window.addEventListener("error", (e) => fatal(e.error || { message: e.message }));
onWorkerFailure(fatal);

// ---- tabs -----------------------------------------------------------------------------------

const TABS = ["explain", "analyse", "triggers", "editor"];
const tabList = document.getElementById("tabs");
const main = document.getElementById("main");
const panels = {};
const tabs = {};
for (const id of TABS) {
  tabs[id] = h("button", {
    type: "button",
    role: "tab",
    id: `tab-${id}`,
    "aria-controls": `panel-${id}`,
    "aria-selected": "false",
    tabindex: -1,
    onclick: () => select(id),
  });
  panels[id] = h("section", { role: "tabpanel", id: `panel-${id}`, "aria-labelledby": `tab-${id}`, class: "panel", hidden: true, tabindex: 0 });
  tabList.append(tabs[id]);
  main.append(panels[id]);
}
tabList.addEventListener("keydown", (e) => {
  const k = TABS.indexOf(document.activeElement?.id?.replace("tab-", ""));
  if (k < 0) return;
  const next = { ArrowRight: k + 1, ArrowLeft: k - 1, Home: 0, End: TABS.length - 1 }[e.key];
  if (next === undefined) return;
  e.preventDefault();
  const id = TABS[(next + TABS.length) % TABS.length];
  select(id);
  tabs[id].focus();
});

function select(id) {
  for (const x of TABS) {
    const on = x === id;
    tabs[x].setAttribute("aria-selected", String(on));
    tabs[x].tabIndex = on ? 0 : -1;
    panels[x].hidden = !on;
  }
  if (location.hash !== `#${id}`) history.replaceState(null, "", `#${id}`);
  if (id === "editor") editor.view.requestMeasure();
}

function renderStatic() {
  for (const id of TABS) tabs[id].textContent = t("tabs")[id];
  translate(document);
  document.title = `${t("title")}`;
  langSelect.value = lang();
  renderPackSelect();
  renderPackStatus();
}

function renderPackStatus() {
  packStatus.classList.toggle("bad", !!packProblem);
  if (packProblem) {
    const m = packProblem.message || "";
    packStatus.textContent = `${t("packBroken")}: ${m.length > 200 ? `${m.slice(0, 200)}…` : m}`;
  } else if (current) {
    packStatus.textContent = t("packLoaded")(current.info.id, current.info.version);
  }
}

// ---- the studio's pack ----------------------------------------------------------------------

const langSelect = document.getElementById("lang-select");
const packSelect = document.getElementById("pack-select");
const packStatus = document.getElementById("pack-status");
let current = null; // {desc, info, source, name}
let packProblem = null; // the error of the last pack that failed to load

function renderPackSelect() {
  const options = [
    ["builtin", t("packBuiltin")],
    ["review", t("packReview")],
    ["example", t("packExample")],
  ];
  if (current && current.source === "edited") options.push(["edited", `${t("packEdited")}: ${current.info.id} ${current.info.version}`]);
  if (current && current.source === "file") options.push(["file", `${current.name} (${current.info.id} ${current.info.version})`]);
  packSelect.replaceChildren(...options.map(([v, label]) => h("option", { value: v }, label)));
  packSelect.value = current ? current.source : "builtin";
}

const studio = {
  desc: () => current.desc,
  hasCorpus: () => analyse.hasCorpus(),
  explain(complaint) {
    select("explain");
    return explain.show(complaint);
  },
  corpusChanged() {
    editor.corpusChanged();
  },
  /** Make `text` the studio's pack. Returns false (and says why) when it does not compile. */
  async usePack(text, source, name) {
    packStatus.textContent = t("packLoading");
    let r;
    try {
      r = await request("setPack", { text });
    } catch (e) {
      packProblem = e;
      renderPackStatus();
      if (source === "file") {
        select("editor");
        editor.load(text, false);
      }
      renderPackSelect();
      return false;
    }
    current = { desc: r.desc, info: r.info, source, name };
    packProblem = null;
    setLang(languageOf(r.desc.locale));
    if (source !== "edited") editor.load(text, true);
    renderStatic();
    explain.rerun();
    analyse.reanalyse();
    triggers.rerun();
    return true;
  },
};

const explain = explainPanel(panels.explain, studio);
const analyse = analysePanel(panels.analyse, studio);
const triggers = triggersPanel(panels.triggers, studio);
const editor = editorPanel(panels.editor, studio);

langSelect.addEventListener("change", () => setLang(langSelect.value));
packSelect.addEventListener("change", () => {
  if (packSelect.value === "builtin") studio.usePack(cnPack, "builtin");
  else if (packSelect.value === "review") studio.usePack(reviewPack, "review");
  else if (packSelect.value === "example") studio.usePack(enPack, "example");
});
onLang(renderStatic);

select(TABS.includes(location.hash.slice(1)) ? location.hash.slice(1) : "explain");
renderStatic();
try {
  await ready;
  await studio.usePack(cnPack, "builtin");
  document.body.dataset.ready = "1";
} catch (e) {
  fatal(e);
}
