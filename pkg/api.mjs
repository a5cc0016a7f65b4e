// The public JavaScript API of wendu, shared by every entry point (web.mjs, bundler.mjs, and
// node.cjs through a CommonJS copy that scripts/build-wasm.sh writes to node/api.cjs). It wraps
// the raw wasm-bindgen exports of bindings/wasm: JSON crosses the boundary as text both ways, so
// a result is exactly the core's JSON, and every failure becomes a WenduError. `verdictColumns`
// is the one exception: many texts in, verdicts out as typed arrays of indices (no JSON at all),
// for high-volume callers (BENCHMARKS.md, "The boundary").

/** Every failure of wendu: `code` is stable, `problems` locate each issue by JSON pointer. */
export class WenduError extends Error {
  constructor(code, message, problems) {
    super(message);
    this.name = "WenduError";
    this.code = code;
    this.problems = problems || [];
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

/** Build the API over one instantiated raw module. A module built without its packs
 *  (`wendu/lean`) comes with `asset`: `{ name, load }`, the default pack's compiled bytes
 *  shipped beside the module — `load()` returns them (a Uint8Array) or throws, `name` says
 *  where they were looked for. A pack omitted, or the id "cn-banking", then means these bytes. */
export function bind(raw, asset) {
  // The raw module throws the core's error JSON as a string. Anything else is a bug: a panic
  // surfaces as a WebAssembly.RuntimeError (after the panic hook saved its message), and an
  // engine used again after one as an Error from the glue; both become `internal`.
  function toError(e) {
    if (e instanceof WenduError) return e;
    if (typeof e === "string") {
      try {
        const j = JSON.parse(e);
        return new WenduError(j.code, j.message, j.problems);
      } catch {
        return new WenduError("internal", e, []);
      }
    }
    let detail = null;
    if (e instanceof WebAssembly.RuntimeError) {
      try {
        detail = raw.takePanic();
      } catch {
        // The module is unusable; the RuntimeError's own message will do.
      }
    }
    const err = new WenduError("internal", `wendu internal error: ${detail || describe(e)}`, []);
    err.cause = e;
    return err;
  }

  function call(f) {
    try {
      return f();
    } catch (e) {
      throw toError(e);
    }
  }

  function json(value, code, what) {
    if (typeof value === "string") return escapeLoneSurrogates(value);
    let text;
    try {
      text = JSON.stringify(value);
    } catch (e) {
      const message = `${what} cannot be written as JSON: ${describe(e)}`;
      throw new WenduError(code, message, [{ path: "", message, severity: "error" }]);
    }
    if (text === undefined) return "null";
    // JSON.stringify writes NaN and ±Infinity as null: `amount: Infinity` would silently become
    // "no amount". Only a text with a null can hide one, so only then is the value walked.
    if (text.includes("null")) {
      const problems = [];
      try {
        nonFinite(value, "", problems, new Set());
      } catch (e) {
        const message = `${what} cannot be read: ${describe(e)}`;
        throw new WenduError(code, message, [{ path: "", message, severity: "error" }]);
      }
      if (problems.length > 0) {
        const message = `${what} has ${problems.length === 1 ? "a number" : "numbers"} JSON cannot carry: ${problems[0].message}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ""}`;
        throw new WenduError(code, message, problems);
      }
    }
    // A lone surrogate in a string (text cut in the middle of an emoji) is written as its
    // escape (\ud83d): the core reads it as U+FFFD and says where in the result's warnings.
    return text;
  }

  /** A thrown value's message, whatever was thrown (reading it may throw too). */
  function describe(e) {
    try {
      return String(e && typeof e === "object" && "message" in e ? e.message : e);
    } catch {
      return "an unreadable error";
    }
  }

  /** Every NaN or ±Infinity inside `value`, as problems with JSON pointers. */
  function nonFinite(value, path, out, seen) {
    if (typeof value === "number") {
      if (!Number.isFinite(value)) {
        out.push({ path, message: `${path || "the value"} is ${value}, which JSON writes as null`, severity: "error" });
      }
      return;
    }
    if (value === null || typeof value !== "object" || seen.has(value) || out.length >= 100) return;
    seen.add(value);
    if (typeof value.toJSON === "function") return;
    const keys = Array.isArray(value) ? value.keys() : Object.keys(value);
    for (const k of keys) {
      const key = String(k).replaceAll("~", "~0").replaceAll("/", "~1");
      nonFinite(value[k], `${path}/${key}`, out, seen);
    }
  }

  /** JSON text with a lone UTF-16 surrogate (which crossing into WebAssembly would silently
   *  turn into U+FFFD) written as its escape, so that the core reports the replacement. Valid
   *  text is returned as it is. */
  function escapeLoneSurrogates(text) {
    const wellFormed = typeof text.isWellFormed === "function" ? text.isWellFormed() : !/[\ud800-\udfff]/.test(text);
    if (wellFormed) return text;
    return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
  }

  // A compiled pack (or a pack's JSON) as bytes: a Uint8Array (other views and ArrayBuffers
  // are viewed as one).
  function bytesOf(pack) {
    if (pack instanceof Uint8Array) return pack;
    if (pack instanceof ArrayBuffer) return new Uint8Array(pack);
    if (ArrayBuffer.isView(pack)) return new Uint8Array(pack.buffer, pack.byteOffset, pack.byteLength);
    return null;
  }

  function freed(what) {
    return new WenduError("freed", `this ${what} was freed`, []);
  }

  const dispose = typeof Symbol.dispose === "symbol" ? Symbol.dispose : null;

  // The default pack as an asset (see `asset` above): the bytes when `pack` asks for the default
  // pack and this module does not carry it, else null.
  function assetFor(pack) {
    if (!asset) return null;
    const isDefault = pack === undefined || pack === null || (typeof pack === "string" && pack.trim() === "cn-banking");
    if (!isDefault) return null;
    let bytes;
    try {
      bytes = asset.load();
    } catch (e) {
      const message = `the default pack could not be loaded from ${asset.name}: ${describe(e)}`;
      throw new WenduError("invalid_pack", message, [{ path: "", message, severity: "error" }]);
    }
    return bytes;
  }

  // `f(bytes)` on the default pack's asset: an error names the asset (damaged or foreign bytes).
  function fromAsset(bytes, f) {
    try {
      return f(bytes);
    } catch (e) {
      const err = toError(e);
      if (err.code !== "invalid_pack") throw err;
      throw new WenduError(err.code, `the default pack (${asset.name}): ${err.message}`, err.problems);
    }
  }

  const noCounts = new Uint32Array(0);
  const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
  const kindOf = (v) => (v === null ? "null" : Array.isArray(v) ? "an array" : typeof v === "object" ? "an object" : typeof v);

  /** An engine's column tables (from the raw `columnTables` JSON), frozen and shared by every
   *  `VerdictColumns` it returns. */
  function tablesOf(t) {
    return Object.freeze({
      dimensions: Object.freeze(t.dimensions),
      codes: Object.freeze(t.codes),
      codeDimension: Uint32Array.from(t.code_dimension),
      levels: Object.freeze(t.levels.map((l) => Object.freeze(l))),
      factors: Object.freeze(t.factors),
    });
  }

  /** Verdicts as columns (`engine.verdictColumns(texts)`): per text `i`, its labels are
   *  `label[labelStart[i] .. labelStart[i + 1])` (indices into `codes`, whose dimension is
   *  `dimensions[codeDimension[c]]`) with `confidence` and `fallback` beside them; `level[i]`
   *  indexes `levels` (-1: no severity, or an error) with `points[i]`; its factors are
   *  `factor[factorStart[i] .. factorStart[i + 1])` (indices into `factors`); `route[i]` indexes
   *  `routes` (-1: none). What is rare is kept by text index: `needsReview`, `warnings`,
   *  `errors` (Maps). `verdict(i)` rebuilds the verdict object `verdictBatch` would give. */
  class VerdictColumns {
    #levels;

    constructor(tables, raw) {
      const sparse = JSON.parse(raw.sparse());
      this.length = raw.level().length;
      this.dimensions = tables.dimensions;
      this.codes = tables.codes;
      this.codeDimension = tables.codeDimension;
      this.levels = tables.levels.map((l) => l.id);
      this.factors = tables.factors;
      this.labelStart = raw.labelStart();
      this.label = raw.label();
      this.confidence = raw.confidence();
      this.fallback = raw.fallback();
      this.level = raw.level();
      this.points = raw.points();
      this.factorStart = raw.factorStart();
      this.factor = raw.factor();
      this.route = raw.route();
      this.routes = sparse.routes;
      this.needsReview = new Map(sparse.needs_review);
      this.warnings = new Map(sparse.warnings);
      this.errors = new Map(sparse.errors);
      this.#levels = tables.levels;
    }

    /** Text `i`'s verdict as an object — the same as `verdictBatch([{ text }])[0]` — or
     *  `{ error }` when it could not be decided. */
    verdict(i) {
      if (!Number.isInteger(i) || i < 0 || i >= this.length) {
        const message = `verdict(i): i must be an index from 0 to ${this.length - 1}, found ${String(i)}`;
        throw new WenduError("invalid_input", message, [{ path: "", message, severity: "error" }]);
      }
      const error = this.errors.get(i);
      if (error !== undefined) return { error };
      const labels = {};
      for (const d of this.dimensions) labels[d] = [];
      for (let k = this.labelStart[i]; k < this.labelStart[i + 1]; k++) {
        const c = this.label[k];
        const conf = this.confidence[k];
        const l = { code: this.codes[c], confidence: Number.isNaN(conf) ? null : conf };
        if (this.fallback[k]) l.fallback = true;
        labels[this.dimensions[this.codeDimension[c]]].push(l);
      }
      const v = { id: null, labels };
      const review = this.needsReview.get(i);
      if (review !== undefined) v.needs_review = review;
      v.route = this.route[i] < 0 ? null : { ...this.routes[this.route[i]] };
      const lv = this.level[i] < 0 ? null : this.#levels[this.level[i]];
      v.severity =
        lv === null
          ? null
          : {
              level: lv.id,
              name: lv.name,
              points: this.points[i],
              deadline_hours: lv.deadline_hours,
              deadline: null,
              escalate_to: lv.escalate_to,
              factors: Array.from(this.factor.subarray(this.factorStart[i], this.factorStart[i + 1]), (f) => this.factors[f]),
            };
      v.warnings = this.warnings.get(i) ?? [];
      return v;
    }
  }

  class Engine {
    #raw;
    #pack;
    #tables;

    /** Compile a rule pack (object, JSON text or a built-in id such as "cn-marketing-review"),
     *  or load a compiled one (a Uint8Array or ArrayBuffer of `.wdp` bytes); the built-in
     *  default pack (precompiled) when omitted. `options.automaton` is accepted for
     *  compatibility. The core reads both, options first. */
    constructor(pack, options) {
      // Options are an object: a string is not their JSON text but a wrong value, for the core
      // to report as one.
      const opts =
        options === undefined || options === null
          ? ""
          : typeof options === "string"
            ? JSON.stringify(options)
            : json(options, "invalid_input", "the options");
      // (`json` turns anything thrown while the options are read — a getter, a revoked
      // proxy — into a WenduError.)
      const bytes = bytesOf(pack);
      if (bytes !== null) {
        this.#raw = call(() => raw.RawEngine.fromBytes(bytes, opts));
        return;
      }
      const own = assetFor(pack);
      if (own !== null) {
        this.#raw = fromAsset(own, (b) => call(() => raw.RawEngine.fromBytes(b, opts)));
        return;
      }
      const text = pack === undefined || pack === null ? "" : json(pack, "invalid_pack", "the pack");
      this.#raw = call(() => new raw.RawEngine(text, opts));
    }

    /** The pack compiled: `.wdp` bytes for `new Engine(bytes)`, the same on every runtime. */
    toCompiled() {
      const r = this.#live();
      return call(() => r.toCompiled());
    }

    #live() {
      if (this.#raw === undefined) throw freed("engine");
      return this.#raw;
    }

    /** `{id, version, hash}` of the pack. */
    get pack() {
      if (this.#pack === undefined) {
        const r = this.#live();
        this.#pack = Object.freeze(JSON.parse(r.info()));
      }
      return this.#pack;
    }

    /** What the pack decides: `{id, version, hash, locale, description, dimensions: [{id, name,
     *  multi, fallback, labels: [{code, name, parent, route, advice, description, rules}]}],
     *  levels, factors}` — for pages and tools that list labels. */
    describe() {
      const r = this.#live();
      return JSON.parse(call(() => r.describe()));
    }

    /** Run the test cases the pack carries: `{passed, failed, results: [{name, path, passed,
     *  failures}]}`. */
    runTests() {
      const r = this.#live();
      return JSON.parse(call(() => r.runTests()));
    }

    /** Classify one complaint (object or JSON text) into an explained decision. */
    classify(complaint) {
      return JSON.parse(this.classifyJSON(complaint));
    }

    /** Classify many complaints in one call: each a decision, or `{error}` when it is invalid. */
    classifyBatch(complaints) {
      return JSON.parse(this.#batch("classifyBatch", complaints, (r, text) => r.classifyBatch(text)));
    }

    /** `classify`, returning the decision as the core's JSON text (for services that forward it). */
    classifyJSON(complaint) {
      return this.#single(complaint, (r, text) => r.classify(text));
    }

    /** `classifyBatch`, returning the core's JSON text of the array: no objects are built, which
     *  is about twice as fast when the result is forwarded as JSON anyway. */
    classifyBatchJSON(complaints) {
      return this.#batch("classifyBatchJSON", complaints, (r, text) => r.classifyBatch(text));
    }

    /** Decide one complaint without explaining it: the decision's labels (code, confidence),
     *  route and severity, no evidence — much cheaper, for high-volume triage. */
    verdict(complaint) {
      return JSON.parse(this.verdictJSON(complaint));
    }

    /** `classifyBatch` with verdicts: each a verdict, or `{error}` when it is invalid. */
    verdictBatch(complaints) {
      return JSON.parse(this.#batch("verdictBatch", complaints, (r, text) => r.verdictBatch(text)));
    }

    /** `verdict`, returning the core's JSON text. */
    verdictJSON(complaint) {
      return this.#single(complaint, (r, text) => r.verdict(text));
    }

    /** One single-complaint call: `f(raw, jsonText)` the raw export. */
    #single(complaint, f) {
      const r = this.#live();
      const text = json(complaint, "invalid_input", "the complaint");
      return call(() => f(r, text));
    }

    /** Verdicts for many texts in one call, as columns of small integers and typed arrays
     *  (`VerdictColumns`) instead of objects: the lean path for high-volume triage. Each text is
     *  decided as the complaint `{text}`; `columns.verdict(i)` is what `verdictBatch` gives for
     *  it. Every element must be a string (else a WenduError naming each bad index). */
    verdictColumns(texts) {
      const r = this.#live();
      if (typeof r.verdictColumns !== "function") {
        const message = "verdictColumns is not in wendu/lean (kept under 250 KB gzipped for pages and apps): use the `wendu` module, or verdictBatch";
        throw new WenduError("invalid_input", message, [{ path: "", message, severity: "error" }]);
      }
      if (!Array.isArray(texts)) {
        const message = "verdictColumns expects an array of texts (strings)";
        throw new WenduError("invalid_input", message, [{ path: "", message, severity: "error" }]);
      }
      const n = texts.length;
      const lengths = new Uint32Array(n);
      let parts = texts;
      let surrogates = noCounts;
      let problems = null;
      for (let i = 0; i < n; i++) {
        const t = texts[i];
        if (typeof t !== "string") {
          (problems ??= []).push({ path: `/${i}`, message: `expected a string, found ${kindOf(t)}`, severity: "error" });
          continue;
        }
        // A lone surrogate would become U+FFFD silently on the way in, and could pair with its
        // neighbour across the join: replace it here and say so, as the JSON path does.
        const wellFormed = typeof t.isWellFormed === "function" ? t.isWellFormed() : !/[\ud800-\udfff]/.test(t);
        if (!wellFormed) {
          if (parts === texts) parts = texts.slice();
          if (surrogates === noCounts) surrogates = new Uint32Array(n);
          let count = 0;
          parts[i] = t.replace(loneSurrogate, () => (count++, "\ufffd"));
          surrogates[i] = count;
        }
        lengths[i] = t.length;
      }
      if (problems !== null) {
        const message = `verdictColumns: ${problems.length === 1 ? "text" : "texts"} ${problems.slice(0, 3).map((p) => p.path.slice(1)).join(", ")}${problems.length > 3 ? ", …" : ""} ${problems.length === 1 ? "is not a string" : "are not strings"}`;
        throw new WenduError("invalid_input", message, problems);
      }
      if (this.#tables === undefined) this.#tables = tablesOf(JSON.parse(call(() => r.columnTables())));
      const cols = call(() => r.verdictColumns(parts.join(""), lengths, surrogates));
      try {
        return new VerdictColumns(this.#tables, cols);
      } finally {
        cols.free();
      }
    }

    /** `verdictBatch`, returning the core's JSON text of the array. */
    verdictBatchJSON(complaints) {
      return this.#batch("verdictBatchJSON", complaints, (r, text) => r.verdictBatch(text));
    }

    /** One batch call: `name` for the error message, `f(raw, jsonText)` the raw export. */
    #batch(name, complaints, f) {
      const r = this.#live();
      if (typeof complaints !== "string" && !Array.isArray(complaints)) {
        const message = `${name} expects an array of complaints (or its JSON text)`;
        throw new WenduError("invalid_input", message, [{ path: "", message, severity: "error" }]);
      }
      const text = json(complaints, "invalid_input", "the batch");
      return call(() => f(r, text));
    }

    /** Every problem of a pack (errors and warnings); empty when it is clean. Without a pack:
     *  the built-in default pack. */
    static check(pack) {
      const bytes = bytesOf(pack) ?? assetFor(pack);
      if (bytes !== null) return JSON.parse(call(() => raw.checkBytes(bytes)));
      const text = pack === undefined || pack === null ? "" : json(pack, "invalid_pack", "the pack");
      return JSON.parse(raw.check(text));
    }

    /** Release the engine's memory now (otherwise the garbage collector does, eventually). */
    free() {
      const r = this.#raw;
      this.#raw = undefined;
      if (r !== undefined) r.free();
    }
  }

  class TriggerEngine {
    #raw;
    #pack;

    /** Build from a pack with a `triggers` section (object, JSON text, a built-in id, or a
     *  compiled pack's bytes); the default pack when omitted. */
    constructor(pack) {
      const bytes = bytesOf(pack);
      if (bytes !== null) {
        this.#raw = call(() => raw.RawTrigger.fromBytes(bytes));
        return;
      }
      const own = assetFor(pack);
      if (own !== null) {
        this.#raw = fromAsset(own, (b) => call(() => raw.RawTrigger.fromBytes(b)));
        return;
      }
      const text = pack === undefined || pack === null ? "" : json(pack, "invalid_pack", "the pack");
      this.#raw = call(() => new raw.RawTrigger(text));
    }

    #live() {
      if (this.#raw === undefined) throw freed("trigger engine");
      return this.#raw;
    }

    /** `{id, version, hash}` of the pack. */
    get pack() {
      if (this.#pack === undefined) {
        const r = this.#live();
        this.#pack = Object.freeze(JSON.parse(r.info()));
      }
      return this.#pack;
    }

    /** Ingest one event: the alerts it raised and notices (invalid, late, duplicate). */
    ingest(event) {
      const r = this.#live();
      return JSON.parse(call(() => r.ingest(json(event, "invalid_input", "the event"))));
    }

    /** Ingest many events in order, in one call; notices carry each event's index. */
    ingestBatch(events) {
      const r = this.#live();
      if (typeof events !== "string" && !Array.isArray(events)) {
        const message = "ingestBatch expects an array of events (or its JSON text)";
        throw new WenduError("invalid_input", message, [{ path: "", message, severity: "error" }]);
      }
      return JSON.parse(call(() => r.ingest(json(events, "invalid_input", "the batch"))));
    }

    /** The state, as bytes (UTF-8 JSON) to store and give back to `restore`. */
    snapshot() {
      const r = this.#live();
      return encoder.encode(call(() => r.snapshot()));
    }

    /** Replace the state with a snapshot taken with the same pack (bytes or text). */
    restore(snapshot) {
      const r = this.#live();
      let text = snapshot;
      if (typeof snapshot !== "string") {
        try {
          text = utf8.decode(snapshot);
        } catch (e) {
          const message = `a snapshot is UTF-8 bytes or a string: ${describe(e)}`;
          throw new WenduError("invalid_input", message, [{ path: "", message, severity: "error" }]);
        }
      }
      call(() => r.restore(text));
    }

    /** Release the engine's memory now. */
    free() {
      const r = this.#raw;
      this.#raw = undefined;
      if (r !== undefined) r.free();
    }
  }

  if (dispose) {
    Engine.prototype[dispose] = Engine.prototype.free;
    TriggerEngine.prototype[dispose] = TriggerEngine.prototype.free;
  }

  return { Engine, TriggerEngine, WenduError, version: raw.version() };
}
