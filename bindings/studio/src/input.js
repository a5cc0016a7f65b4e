// Reading dropped files into complaints (Analyse, back-test) and rating events (Triggers):
// CSV (RFC 4180: quotes, doubled quotes, line breaks inside quotes, a BOM) and JSON Lines (or
// one JSON array). Every record keeps its line number; a bad record becomes a located message
// and the rest of the file is still read. The event mapping follows `wendu replay`.

/** Parse CSV text: `{header, rows: [{line, fields}], errors: [{line, message}]}`. Scans with
 *  indexOf and slices (a 5 MB file parses in about 0.1 s). */
export function parseCsv(text) {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const records = [];
  const errors = [];
  const n = text.length;
  const newlines = (from, to) => {
    let c = 0;
    for (let k = text.indexOf("\n", from); k >= 0 && k < to; k = text.indexOf("\n", k + 1)) c++;
    return c;
  };
  const unquoted = /[,\r\n]/g;
  let i = 0;
  let line = 1;
  while (i < n) {
    const start = line;
    const fields = [];
    let bad = null;
    for (;;) {
      let field;
      if (text.charCodeAt(i) === 34) {
        // A quoted field: runs to the next quote that is not doubled.
        let j = i + 1;
        let parts = "";
        for (;;) {
          const q = text.indexOf('"', j);
          if (q < 0) {
            j = -1;
            break;
          }
          parts += text.slice(j, q);
          if (text.charCodeAt(q + 1) === 34) {
            parts += '"';
            j = q + 2;
            continue;
          }
          j = q + 1;
          break;
        }
        if (j < 0) {
          bad = 'a quoted field is never closed (a missing ")';
          line += newlines(i, n);
          i = n;
          break;
        }
        line += newlines(i, j);
        field = parts;
        i = j;
        const c = text.charCodeAt(i);
        if (i < n && c !== 44 && c !== 10 && c !== 13) {
          bad = `text after a closing quote in field ${fields.length + 1}`;
          unquoted.lastIndex = i;
          const m = unquoted.exec(text);
          i = m ? m.index : n;
          while (i < n && text.charCodeAt(i) === 44) {
            unquoted.lastIndex = i + 1;
            const m2 = unquoted.exec(text);
            i = m2 ? m2.index : n;
          }
        }
      } else {
        unquoted.lastIndex = i;
        const m = unquoted.exec(text);
        const end = m ? m.index : n;
        field = text.slice(i, end);
        i = end;
      }
      fields.push(field);
      const c = text.charCodeAt(i);
      if (c === 44) {
        i++;
        continue;
      }
      if (c === 13) i++;
      if (text.charCodeAt(i) === 10) {
        i++;
        line++;
      }
      break;
    }
    if (bad) {
      errors.push({ line: start, message: bad });
      continue;
    }
    if (fields.length === 1 && fields[0] === "") continue; // blank line
    records.push({ line: start, fields });
  }
  if (!records.length) return { header: [], rows: [], errors };
  const [head, ...body] = records;
  const header = head.fields.map((h) => h.trim());
  const rows = [];
  for (const r of body) {
    if (r.fields.length !== header.length) {
      errors.push({ line: r.line, message: `${r.fields.length} fields where the header has ${header.length}` });
    } else {
      rows.push(r);
    }
  }
  errors.sort((a, b) => a.line - b.line);
  return { header, rows, errors };
}

/** Parse JSON Lines (or a whole JSON array): `{items: [{line, value}], errors}`. */
export function parseJsonLines(text) {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const items = [];
  const errors = [];
  if (/^\s*\[/.test(text)) {
    try {
      const all = JSON.parse(text);
      all.forEach((value, k) => items.push({ line: k + 1, value }));
    } catch (e) {
      errors.push({ line: 1, message: `not a JSON array: ${e.message}` });
    }
    return { items, errors };
  }
  const lines = text.split("\n");
  for (let k = 0; k < lines.length; k++) {
    const l = lines[k].trim();
    if (!l) continue;
    try {
      items.push({ line: k + 1, value: JSON.parse(l) });
    } catch (e) {
      errors.push({ line: k + 1, message: `not JSON: ${e.message}` });
    }
  }
  return { items, errors };
}

/** Is this file CSV (by name, else by a first line that is not JSON)? */
export function isCsv(name, text) {
  if (/\.csv$/i.test(name)) return true;
  if (/\.(jsonl|ndjson|json)$/i.test(name)) return false;
  return !/^\s*[[{]/.test(text.slice(0, 200));
}

const find = (header, names) => {
  for (const n of names) {
    const k = header.findIndex((h) => h.toLowerCase() === n);
    if (k >= 0) return k;
  }
  return -1;
};

const TEXT_COLS = ["text", "narrative", "content", "complaint", "comment", "review"];
const ID_COLS = ["id", "complaint_id", "review_id", "event_id"];
const TIME_COLS = ["received_at", "at", "ts", "time", "timestamp", "date"];
const NUMBER_PATHS = new Set(["amount", "customer.age", "customer.prior_complaints"]);
const BOOL_PATHS = new Set(["customer.vulnerable"]);

/** A bare date is midnight UTC (as `wendu replay` reads it). */
const fullTime = (t) => (/^\d{4}-\d{2}-\d{2}$/.test(t) ? `${t}T00:00:00Z` : t);

function setPath(obj, path, value) {
  const keys = path.split(".");
  let o = obj;
  for (const k of keys.slice(0, -1)) {
    if (typeof o[k] !== "object" || o[k] === null) o[k] = {};
    o = o[k];
  }
  o[keys[keys.length - 1]] = value;
}

/** A file's complaints: `{complaints: [{line, complaint}], errors: [{line, message}]}`, or
 *  `{fatal}` when the file cannot be read as complaints at all. */
export function readComplaints(name, text) {
  if (!isCsv(name, text)) {
    const { items, errors } = parseJsonLines(text);
    const complaints = [];
    for (const { line, value } of items) {
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        errors.push({ line, message: "a complaint is a JSON object with a text field" });
      } else {
        complaints.push({ line, complaint: value });
      }
    }
    errors.sort((a, b) => a.line - b.line);
    return { complaints, errors };
  }
  const { header, rows, errors } = parseCsv(text);
  if (!header.length) return { fatal: "the file is empty" };
  const textCol = find(header, TEXT_COLS);
  if (textCol < 0) {
    return { fatal: `the CSV needs a text column (${TEXT_COLS.join(", ")}); its columns: ${header.join(", ")}` };
  }
  const idCol = find(header, ID_COLS);
  const timeCol = find(header, TIME_COLS);
  const complaints = [];
  for (const { line, fields } of rows) {
    const c = {};
    header.forEach((h, k) => {
      if (k === textCol || k === idCol || k === timeCol) return;
      const v = fields[k].trim();
      if (!v || h === "") return;
      let value = v;
      if (NUMBER_PATHS.has(h) && v !== "" && !Number.isNaN(Number(v))) value = Number(v);
      if (BOOL_PATHS.has(h)) value = /^(true|1|yes|是)$/i.test(v) ? true : /^(false|0|no|否)$/i.test(v) ? false : v;
      setPath(c, h, value);
    });
    if (idCol >= 0 && fields[idCol].trim()) c.id = fields[idCol].trim();
    if (timeCol >= 0 && fields[timeCol].trim()) c.received_at = fullTime(fields[timeCol].trim());
    c.text = fields[textCol];
    complaints.push({ line, complaint: c });
  }
  return { complaints, errors };
}

const EV_ID = ["id", "event_id", "review_id", "complaint_id"];
const EV_TIME = ["at", "received_at", "ts", "time", "timestamp", "date"];
const EV_SCORE = ["score", "rating", "stars"];
const EV_TEXT = ["comment", "text", "review", "content", "narrative"];

/** A ratings stream's events, mapped like `wendu replay`: `{events: [{line, event}], errors}`.
 *  CSV: id from id/event_id/review_id/complaint_id (else `line<N>`), time from at/received_at/ts/
 *  time/timestamp/date (a bare date is midnight UTC), score from score/rating/stars on the
 *  `scale` column or `defaultScale`, comment from comment/text/review/content/narrative, every
 *  other non-empty column a string field; a CSV without a score column is complaints. */
export function readEvents(name, text, defaultScale = "csat5") {
  if (!isCsv(name, text)) {
    const { items, errors } = parseJsonLines(text);
    return { events: items.map(({ line, value }) => ({ line, event: value })), errors };
  }
  const { header, rows, errors } = parseCsv(text);
  if (!header.length) return { fatal: "the file is empty" };
  const col = (names) => {
    for (const n of names) {
      const k = header.findIndex((h) => h.toLowerCase() === n);
      if (k >= 0) return k;
    }
    return -1;
  };
  const id = col(EV_ID);
  const time = col(EV_TIME);
  const score = col(EV_SCORE);
  const txt = col(EV_TEXT);
  const scale = col(["scale"]);
  const used = new Set([id, time, score, txt, scale]);
  const events = [];
  for (const { line, fields } of rows) {
    const m = {};
    header.forEach((h, k) => {
      if (used.has(k) || h === "type" || h === "decision") return;
      const v = fields[k].trim();
      if (v) m[h] = v;
    });
    const get = (k) => (k >= 0 ? fields[k].trim() : "");
    m.id = get(id) || `line${line}`;
    const at = get(time);
    if (at) m[score >= 0 ? "at" : "received_at"] = fullTime(at);
    const comment = get(txt);
    if (comment) m[score >= 0 ? "comment" : "text"] = comment;
    if (score >= 0) {
      const s = get(score);
      m.score = s !== "" && Number.isFinite(Number(s)) ? Number(s) : s;
      m.scale = get(scale) || defaultScale;
    } else {
      m.type = "complaint";
    }
    events.push({ line, event: m });
  }
  return { events, errors };
}
