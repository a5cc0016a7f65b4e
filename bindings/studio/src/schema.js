// Completion in the pack editor from packs/schema.json: property names (with their
// descriptions) where a key goes, enum/const/boolean values where a value goes, and the pack's
// own lexicon names (`@name`) inside term lists. Written for our schema's subset of JSON Schema
// ($ref into $defs, properties, patternProperties, additionalProperties, items, anyOf/oneOf/
// allOf, enum, const) — a few kilobytes instead of a general validator: Engine.check, not the
// schema, is the authority on problems.

import { syntaxTree } from "@codemirror/language";

const VALUE = new Set(["Object", "Array", "String", "Number", "True", "False", "Null"]);

function deref(s, root) {
  let k = 0;
  while (s && typeof s === "object" && typeof s.$ref === "string" && k++ < 20) {
    const parts = s.$ref.replace(/^#\//, "").split("/");
    let t = root;
    for (const p of parts) t = t?.[p];
    if (!t) return null;
    // Keep sibling keywords (descriptions) of the reference.
    const { $ref, ...rest } = s;
    s = { ...t, ...rest };
  }
  return s;
}

/** Every schema an instance at this place may have to satisfy (alternatives flattened). */
function expand(s, root, out = [], depth = 0) {
  s = deref(s, root);
  if (!s || typeof s !== "object" || depth > 12) return out;
  out.push(s);
  for (const key of ["anyOf", "oneOf", "allOf"]) {
    if (Array.isArray(s[key])) for (const sub of s[key]) expand(sub, root, out, depth + 1);
  }
  return out;
}

/** Schemas for the child `seg` (a key or an index) of instances of `schemas`. */
function child(schemas, seg, root) {
  const out = [];
  for (const s of schemas) {
    if (typeof seg === "number") {
      if (s.items && typeof s.items === "object") expand(s.items, root, out);
      continue;
    }
    if (s.properties && seg in s.properties) {
      expand(s.properties[seg], root, out);
      continue;
    }
    let matched = false;
    for (const [re, sub] of Object.entries(s.patternProperties || {})) {
      try {
        if (new RegExp(re, "u").test(seg)) {
          expand(sub, root, out);
          matched = true;
        }
      } catch {
        // A pattern JavaScript cannot read: skip it.
      }
    }
    if (!matched && s.additionalProperties && typeof s.additionalProperties === "object") {
      expand(s.additionalProperties, root, out);
    }
  }
  return out;
}

/** The schemas at a path of keys and indices. */
export function schemasAt(schema, path) {
  let cur = expand(schema, schema);
  for (const seg of path) {
    cur = child(cur, seg, schema);
    if (!cur.length) break;
  }
  return cur;
}

function keyOf(node, doc) {
  const name = node.getChild("PropertyName");
  if (!name) return null;
  try {
    return JSON.parse(doc.sliceString(name.from, name.to));
  } catch {
    return doc.sliceString(name.from + 1, name.to - 1);
  }
}

/** Path (keys and indices) from the root to the value `node` (exclusive of `node` itself when
 *  `node` is a container being typed into). */
function pathOf(node, doc) {
  const path = [];
  let childNode = node;
  for (let cur = node.parent; cur; childNode = cur, cur = cur.parent) {
    if (cur.name === "Property") {
      if (childNode.name !== "PropertyName") {
        const k = keyOf(cur, doc);
        if (k !== null) path.unshift(k);
      }
    } else if (cur.name === "Array") {
      let k = 0;
      for (let c = cur.firstChild; c && c.from < childNode.from; c = c.nextSibling) if (VALUE.has(c.name)) k++;
      path.unshift(k);
    }
  }
  return path;
}

const short = (d) => (d && d.length > 70 ? `${d.slice(0, 67)}…` : d || undefined);

/** A CodeMirror completion source over `schema`. */
export function schemaCompletion(schema) {
  return (ctx) => {
    const { state, pos } = ctx;
    const doc = state.doc;
    const tree = syntaxTree(state);
    let node = tree.resolveInner(pos, -1);
    // Typing a key: `{"ter|` or `{ |` or `, |`.
    let objectNode = null;
    let from = pos;
    let to = pos;
    let replaceFrom = pos;
    let replaceTo = pos;
    const quoted = (n) => doc.sliceString(n.from, n.from + 1) === '"';
    if (node.name === "PropertyName" || (node.name === "⚠" && node.parent?.name === "Object" && quoted(node))) {
      // Inside a quoted key: filter by what follows the quote; replace the whole key.
      objectNode = node.name === "PropertyName" ? node.parent?.parent : node.parent;
      from = node.from + 1;
      const text = doc.sliceString(node.from, node.to);
      to = text.length > 1 && text.endsWith('"') ? node.to - 1 : node.to;
      replaceFrom = node.from;
      replaceTo = node.to;
    } else if (node.name === "Object" || node.name === "{" || node.name === ",") {
      objectNode = node.name === "Object" ? node : node.parent;
      const before = doc.sliceString(Math.max(0, pos - 200), pos);
      // Only where a key may start: after `{` or `,` and spaces.
      if (!/[{,]\s*$/.test(before)) objectNode = null;
    }
    if (objectNode && objectNode.name === "Object") {
      const path = pathOf(objectNode, doc);
      const schemas = schemasAt(schema, path);
      const present = new Set();
      for (let c = objectNode.firstChild; c; c = c.nextSibling) {
        if (c.name === "Property" && !(c.from <= node.from && c.to >= node.to)) {
          const k = keyOf(c, doc);
          if (k !== null) present.add(k);
        }
      }
      const seen = new Set();
      const options = [];
      const apply = (key) => (view) => {
        const insert = `"${key}": `;
        view.dispatch({ changes: { from: replaceFrom, to: replaceTo, insert }, selection: { anchor: replaceFrom + insert.length } });
      };
      for (const s of schemas) {
        for (const [k, sub] of Object.entries(s.properties || {})) {
          if (seen.has(k) || present.has(k)) continue;
          seen.add(k);
          const d = deref(sub, schema)?.description || sub.description;
          options.push({ label: k, type: "property", detail: short(d), info: d, apply: apply(k) });
        }
      }
      if (!options.length) return null;
      return { from, to, options, validFor: /^[\w$@-]*$/ };
    }
    // Typing a value: a string, number or literal after `"key": ` or inside an array.
    let valueNode = null;
    if (["String", "Number", "True", "False", "Null"].includes(node.name)) valueNode = node;
    else if (node.name === "⚠" && /:\s*\S*$/.test(doc.sliceString(Math.max(0, pos - 100), pos))) valueNode = node;
    if (!valueNode && !ctx.explicit) return null;
    let path;
    if (valueNode) {
      from = valueNode.from;
      to = valueNode.to;
      path = pathOf(valueNode, doc);
      if (valueNode.name === "⚠") {
        const prop = valueNode.parent;
        path = prop ? pathOf(prop, doc) : path;
      }
    } else {
      // Explicit request after `"key": `.
      const m = /"((?:[^"\\]|\\.)*)"\s*:\s*$/.exec(doc.sliceString(Math.max(0, pos - 200), pos));
      const obj = tree.resolveInner(pos, -1);
      if (!m || !obj) return null;
      path = [...pathOf(obj.name === "Object" ? obj : obj.parent || obj, doc), JSON.parse(`"${m[1]}"`)];
      if (obj.name === "Object") path = [...pathOf(obj, doc), JSON.parse(`"${m[1]}"`)];
    }
    const schemas = schemasAt(schema, path);
    const values = [];
    const add = (v, detail) => {
      const text = JSON.stringify(v);
      if (!values.some((o) => o.label === text)) values.push({ label: text, type: "constant", detail });
    };
    for (const s of schemas) {
      if (Array.isArray(s.enum)) for (const v of s.enum) add(v, short(s.description));
      if ("const" in s) add(s.const, short(s.description));
      if (s.type === "boolean") {
        add(true);
        add(false);
      }
    }
    // Lexicon names inside term lists.
    const inTerms = path.some((p) => p === "terms" || p === "a" || p === "b");
    if (inTerms) {
      try {
        const lex = JSON.parse(doc.toString()).lexicon || {};
        for (const k of Object.keys(lex)) add(k.startsWith("@") ? k : `@${k}`, "lexicon");
      } catch {
        // The document does not parse right now: no lexicon names.
      }
    }
    if (!values.length) return null;
    return { from, to, options: values, validFor: /^"?[^"]*"?$/ };
  };
}
