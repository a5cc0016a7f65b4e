// Run the golden vectors against a wendu API object ({Engine, TriggerEngine, WenduError}) and
// report every output that is not byte-identical to the expected JSON. Plain ES module with no
// Node APIs: the Node, browser and bundler tests all use it unchanged.
//
// What is compared is what users see: JSON.stringify of the parsed result (or of the thrown
// WenduError's {code, message, problems}) — equal to the core's bytes because the core writes
// compact JSON in a fixed field order — and the core's bytes themselves (classifyJSON,
// classifyBatchJSON). Verdicts (`expected_verdict`) are checked the same way, through verdict,
// verdictJSON, verdictBatch and verdictBatchJSON.
//
// With `{compiled: true, defaultPack, defaultCompiled}` the same vectors run the other way
// round: every JSON pack is compiled in this runtime (`toCompiled`) and loaded from those bytes
// (`new Engine(bytes)`), the default pack is built from its JSON text; and the default pack's
// JSON compiled here must give exactly the bytes of packs/cn-banking.wdp (`defaultCompiled`).
// Adding `compiler` (another API object, e.g. the full package beside `wendu/lean`) compiles
// the packs with it and runs them on `api`, which then never sees JSON: the default pack is
// its built-in one, and `check` vectors of packs with errors (JSON only) are left out.

function errorJson(e, WenduError) {
  if (!(e instanceof WenduError)) throw e;
  return JSON.stringify({ code: e.code, message: e.message, problems: e.problems });
}

/** Returns `{checked, failures: [{file, what, expected, actual}]}`. */
export function runVectors(api, vectors, opts = {}) {
  const { Engine, TriggerEngine, WenduError } = api;
  const failures = [];
  let checked = 0;
  const expect = (file, what, expected, actual) => {
    checked++;
    if (expected !== actual) failures.push({ file, what, expected, actual });
  };
  // Compiled packs by pack text (compiling once per pack).
  const compiled = new Map();
  const bytesOf = (pack) => {
    if (!compiled.has(pack)) {
      const e = new (opts.compiler ?? api).Engine(pack);
      compiled.set(pack, e.toCompiled());
      e.free();
    }
    return compiled.get(pack);
  };
  const make = (Ctor, pack) => {
    if (!opts.compiled) return pack === null ? new Ctor() : new Ctor(pack);
    if (pack === null) return opts.compiler ? new Ctor() : new Ctor(opts.defaultPack);
    return new Ctor(bytesOf(pack));
  };
  if (opts.compiled) {
    const here = bytesOf(opts.defaultPack);
    const same = here.length === opts.defaultCompiled.length && here.every((b, i) => b === opts.defaultCompiled[i]);
    expect("packs/cn-banking.wdp", "compiled here", `${opts.defaultCompiled.length} bytes`, same ? `${here.length} bytes` : `${here.length} other bytes`);
  }

  // classify: one call per vector, then one classifyBatch per pack over its structured inputs.
  const byPack = new Map();
  for (const v of vectors.filter((v) => v.kind === "classify")) {
    let engine;
    try {
      engine = make(Engine, v.pack);
    } catch (e) {
      expect(v.file, "constructor", v.expected, errorJson(e, WenduError));
      expect(v.file, "constructor (verdict)", v.expected_verdict, errorJson(e, WenduError));
      continue;
    }
    const outcome = (f) => {
      try {
        return f();
      } catch (e) {
        return errorJson(e, WenduError);
      }
    };
    expect(v.file, "classify", v.expected, outcome(() => JSON.stringify(engine.classify(v.input))));
    // The text form is the core's bytes themselves.
    expect(v.file, "classifyJSON", v.expected, outcome(() => engine.classifyJSON(v.input)));
    expect(v.file, "verdict", v.expected_verdict, outcome(() => JSON.stringify(engine.verdict(v.input))));
    expect(v.file, "verdictJSON", v.expected_verdict, outcome(() => engine.verdictJSON(v.input)));
    engine.free();
    if (typeof v.input !== "string") {
      const key = v.pack === null ? "\u0000default" : v.pack;
      if (!byPack.has(key)) byPack.set(key, []);
      byPack.get(key).push(v);
    }
  }
  // A batch item is the single result, an error becoming {"error": <error>}.
  const item = (want) => (want.startsWith('{"code":') ? `{"error":${want}}` : want);
  for (const group of byPack.values()) {
    const engine = make(Engine, group[0].pack);
    const inputs = group.map((v) => v.input);
    const batchName = `batch of ${group.length} with the pack of ${group[0].file}`;
    const wants = group.map((v) => item(v.expected));
    const results = engine.classifyBatch(inputs);
    group.forEach((v, i) => expect(v.file, "classifyBatch", wants[i], JSON.stringify(results[i])));
    expect(batchName, "classifyBatchJSON", `[${wants.join(",")}]`, engine.classifyBatchJSON(inputs));
    const verdictWants = group.map((v) => item(v.expected_verdict));
    const verdicts = engine.verdictBatch(inputs);
    group.forEach((v, i) => expect(v.file, "verdictBatch", verdictWants[i], JSON.stringify(verdicts[i])));
    expect(batchName, "verdictBatchJSON", `[${verdictWants.join(",")}]`, engine.verdictBatchJSON(inputs));
    engine.free();
  }

  for (const v of vectors.filter((v) => v.kind === "check")) {
    const pack = v.pack === null ? undefined : v.pack;
    // A pack that compiles is checked in its compiled form too: the same warnings.
    const clean = !JSON.parse(v.expected).some((p) => p.severity === "error");
    if (opts.compiler && !clean) continue;
    const arg = opts.compiled && clean ? bytesOf(v.pack === null ? opts.defaultPack : v.pack) : pack;
    expect(v.file, "check", v.expected, JSON.stringify(Engine.check(arg)));
  }

  const decoder = new TextDecoder();
  for (const v of vectors.filter((v) => v.kind === "trigger")) {
    const t = make(TriggerEngine, v.pack);
    v.events.forEach((e, i) => {
      expect(v.file, `ingest ${i}`, v.expected[i], JSON.stringify(t.ingest(e)));
    });
    const snap = t.snapshot();
    expect(v.file, "snapshot", v.expected_snapshot, decoder.decode(snap));
    t.free();
    if (v.expected_batch !== undefined) {
      const b = make(TriggerEngine, v.pack);
      expect(v.file, "ingestBatch", v.expected_batch, JSON.stringify(b.ingestBatch(v.events)));
      b.free();
    }
    // Resume: half the stream, snapshot, restore into a fresh engine, the rest must match.
    const half = Math.floor(v.events.length / 2);
    const a = make(TriggerEngine, v.pack);
    for (const e of v.events.slice(0, half)) a.ingest(e);
    const mid = a.snapshot();
    a.free();
    const r = make(TriggerEngine, v.pack);
    r.restore(mid);
    expect(v.file, "snapshot round trip", decoder.decode(mid), decoder.decode(r.snapshot()));
    v.events.slice(half).forEach((e, j) => {
      expect(v.file, `resumed ingest ${half + j}`, v.expected[half + j], JSON.stringify(r.ingest(e)));
    });
    r.free();
  }
  return { checked, failures };
}

/** Where two strings first differ, with some context. */
function firstDifference(a, b) {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const from = Math.max(0, i - 40);
  return `at character ${i}: expected …${a.slice(from, i + 40)}… actual …${b.slice(from, i + 40)}…`;
}

/** A readable summary of failures (first few). */
export function describeFailures(failures, max = 5) {
  return failures
    .slice(0, max)
    .map((f) =>
      typeof f.expected === "string" && typeof f.actual === "string"
        ? `${f.file} [${f.what}] ${firstDifference(f.expected, f.actual)}`
        : `${f.file} [${f.what}]\n  expected ${f.expected}\n  actual   ${f.actual}`,
    )
    .join("\n");
}
