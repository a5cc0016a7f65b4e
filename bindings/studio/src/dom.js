// Small DOM helpers shared by the panels: element builder, static-text refresh on a language
// change, file drop zones and downloads.

import { t } from "./i18n.js";

/** `h("div", {class: "x", onclick}, child, "text", ...)`. */
export function h(tag, attrs, ...children) {
  const svg = tag.startsWith("svg:");
  const el = svg ? document.createElementNS("http://www.w3.org/2000/svg", tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Replace `el`'s children, skipping null, undefined and false. */
export function fill(el, ...children) {
  el.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
}

/** Fill every `[data-t]` (text), `[data-t-placeholder]` and `[data-t-label]` (aria-label)
 *  under `root` from the current language. */
export function translate(root = document) {
  for (const el of root.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
  for (const el of root.querySelectorAll("[data-t-placeholder]")) el.placeholder = t(el.dataset.tPlaceholder);
  for (const el of root.querySelectorAll("[data-t-label]")) el.setAttribute("aria-label", t(el.dataset.tLabel));
}

/** Make `zone` accept dropped files and `input` chosen ones; `onFile(file)` for the first. */
export function dropZone(zone, input, onFile) {
  zone.addEventListener("dragover", (e) => {
    e.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    const f = e.dataTransfer?.files?.[0];
    if (f) onFile(f);
  });
  input.addEventListener("change", () => {
    const f = input.files?.[0];
    if (f) onFile(f);
    input.value = "";
  });
}

/** Offer `text` as a file download. */
export function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A wendu error (or any) as a readable block: message and each problem with its pointer. */
export function errorBlock(err, title) {
  const problems = (err && err.problems) || [];
  return h(
    "div",
    { class: "error", role: "alert" },
    h("strong", {}, title || t("error")),
    ": ",
    (err && err.message) || String(err),
    problems.length
      ? h(
          "ul",
          {},
          problems.map((p) => h("li", {}, h("code", {}, p.path || "/"), " ", p.message)),
        )
      : null,
  );
}

/** Thousands separators, locale-independent (deterministic screenshots and tests). */
export function num(n) {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}
