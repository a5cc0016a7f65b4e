// Where a JSON pointer is in the pack's text: a small JSON scanner that records, for every value,
// its range and (for object members) its key's range, so a Problem's `path` from Engine.check
// can be marked in the editor; and the first syntax error with its offset.

/** Scan `text`: `{ranges: Map(pointer → {from, to, keyFrom, keyTo}), error: {from, message} | null}`. */
export function scan(text) {
  const ranges = new Map();
  let i = 0;
  const n = text.length;
  const fail = (message, at = i) => {
    throw { from: Math.min(at, n), message };
  };
  const ws = () => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else break;
    }
  };
  const str = () => {
    const from = i;
    i++; // opening quote
    let out = "";
    while (i < n) {
      const c = text[i];
      if (c === '"') {
        i++;
        return { value: out, from, to: i };
      }
      if (c === "\\") {
        const e = text[i + 1];
        const map = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
        if (e in map) {
          out += map[e];
          i += 2;
        } else if (e === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
          out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
        } else {
          fail("invalid escape in a string");
        }
        continue;
      }
      if (c === "\n") fail("a string is not closed before the end of the line", from);
      out += c;
      i++;
    }
    fail("a string is not closed", from);
  };
  const escape = (k) => k.replace(/~/g, "~0").replace(/\//g, "~1");
  const value = (ptr, key) => {
    ws();
    const from = i;
    const c = text[i];
    if (c === "{") {
      i++;
      ws();
      if (text[i] === "}") i++;
      else {
        for (;;) {
          ws();
          if (text[i] !== '"') fail("expected a quoted property name");
          const k = str();
          ws();
          if (text[i] !== ":") fail("expected ':' after a property name");
          i++;
          value(`${ptr}/${escape(k.value)}`, k);
          ws();
          if (text[i] === ",") {
            i++;
            continue;
          }
          if (text[i] === "}") {
            i++;
            break;
          }
          fail("expected ',' or '}' after a property value");
        }
      }
    } else if (c === "[") {
      i++;
      ws();
      if (text[i] === "]") i++;
      else {
        for (let k = 0; ; k++) {
          value(`${ptr}/${k}`, null);
          ws();
          if (text[i] === ",") {
            i++;
            continue;
          }
          if (text[i] === "]") {
            i++;
            break;
          }
          fail("expected ',' or ']' after an array item");
        }
      }
    } else if (c === '"') {
      str();
    } else {
      const m = /^(-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 40));
      if (!m) fail(i >= n ? "unexpected end of the text" : `unexpected character ${JSON.stringify(text[i])}`);
      i += m[0].length;
    }
    ranges.set(ptr, { from, to: i, keyFrom: key ? key.from : from, keyTo: key ? key.to : from });
  };
  try {
    value("", null);
    ws();
    if (i < n) fail("unexpected text after the end of the JSON value");
    return { ranges, error: null };
  } catch (e) {
    if (e && typeof e.from === "number") return { ranges, error: e };
    throw e;
  }
}

/** The range to mark for a pointer: the value itself for a scalar, the key (or opening
 *  bracket) for an object or array member; a pointer that does not exist (a missing key) marks
 *  its nearest existing parent. */
export function markRange(ranges, text, pointer) {
  let p = pointer;
  for (;;) {
    const r = ranges.get(p);
    if (r) {
      const c = text[r.from];
      const container = c === "{" || c === "[";
      if (!container) return { from: r.keyFrom, to: r.to, exact: p === pointer };
      if (r.keyTo > r.keyFrom) return { from: r.keyFrom, to: r.keyTo, exact: p === pointer };
      return { from: r.from, to: r.from + 1, exact: p === pointer };
    }
    if (p === "") return { from: 0, to: Math.min(1, text.length), exact: false };
    p = p.slice(0, p.lastIndexOf("/"));
  }
}
