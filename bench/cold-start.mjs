// Cold start of the npm package in Node, in fresh processes (V8 caches nothing for wasm between
// processes): `require` + instantiate the module, then the default pack ready (`new Engine()`),
// then the first verdict; and, in other fresh processes, the default pack from its JSON against
// its compiled form. Prints medians (and ranges) over the runs: the machine is shared and noisy.
//
//   node bench/cold-start.mjs [--runs N] [--pkg DIR] [--json]
//
// --pkg measures another build of the package (e.g. a checkout of an older commit), --json
// prints the medians as one JSON object; WENDU_NODE_FLAGS passes V8 flags to the children. A run is one child process: `node bench/cold-start.mjs
// --child MODE --pkg DIR` (MODE: default | json | compiled).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(import.meta.url);
const repo = resolve(dirname(here), "..");
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const pkg = resolve(opt("--pkg", join(repo, "pkg")));

if (opt("--child", null)) {
  const mode = opt("--child", null);
  const complaint = { id: "c1", text: "信用卡被乱收年费，我要打12378投诉" };
  // What the child builds its engine from is read before the clock starts.
  const input =
    mode === "json"
      ? readFileSync(join(repo, "packs/cn-banking.json"), "utf8")
      : mode === "compiled"
        ? new Uint8Array(readFileSync(join(repo, "packs/cn-banking.wdp")))
        : undefined;
  const t0 = performance.now();
  const wendu = createRequire(here)(join(pkg, "node.cjs"));
  const t1 = performance.now();
  const engine = input === undefined ? new wendu.Engine() : new wendu.Engine(input);
  const t2 = performance.now();
  const v = engine.verdict(complaint);
  const t3 = performance.now();
  if (!v.labels) throw new Error("no verdict");
  process.stdout.write(JSON.stringify({ load: t1 - t0, engine: t2 - t1, verdict: t3 - t2 }));
  process.exit(0);
}

const runs = Number(opt("--runs", "15"));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const range = (xs) => `${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)}`;

function child(mode) {
  const flags = (process.env.WENDU_NODE_FLAGS || "").split(" ").filter(Boolean);
  const out = execFileSync(process.execPath, [...flags, here, "--child", mode, "--pkg", pkg], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  });
  return JSON.parse(out);
}

// The modes interleaved, so that a busy moment of the machine hits them alike.
const modes = ["default", "json", "compiled"];
const results = Object.fromEntries(modes.map((m) => [m, []]));
for (let r = 0; r < runs; r++) {
  for (const m of modes) {
    try {
      results[m].push(child(m));
    } catch (e) {
      // An older build may not load compiled packs: leave that mode out.
      if (r === 0) console.error(`${m}: ${String(e.message).split("\n")[0]}`);
      results[m] = null;
      modes.splice(modes.indexOf(m), 1);
    }
  }
}

const summary = {};
console.log(`node ${process.version}, ${pkg}, ${runs} fresh processes per mode (median, range) in ms`);
for (const m of Object.keys(results)) {
  const rs = results[m];
  if (!rs) continue;
  const col = (k) => rs.map((x) => x[k]);
  const total = rs.map((x) => x.load + x.engine);
  summary[m] = {
    load: median(col("load")),
    engine: median(col("engine")),
    ready: median(total),
    first_verdict: median(col("verdict")),
  };
  const what = { default: "new Engine() (default pack)", json: "new Engine(JSON text)", compiled: "new Engine(.wdp bytes)" }[m];
  console.log(
    `${what.padEnd(30)} require + instantiate ${median(col("load")).toFixed(1)} (${range(col("load"))}), ` +
      `engine ${median(col("engine")).toFixed(1)} (${range(col("engine"))}), ready ${median(total).toFixed(1)} (${range(total)}), ` +
      `first verdict ${median(col("verdict")).toFixed(1)}`,
  );
}
if (args.includes("--json")) console.log(JSON.stringify(summary));
