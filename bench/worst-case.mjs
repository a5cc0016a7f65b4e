// The time guarantee in Node (RELIABILITY.md): every generated worst case at the pack's largest
// text, through the npm package (pkg/, built by scripts/build-wasm.sh), in milliseconds per
// 1,000 characters — the fastest of a few batches, wall clock and CPU time. The cases come from the native generator:
//
//   cargo run --release --example worst_case -- --write target/worst-cases.jsonl
//   node bench/worst-case.mjs [target/worst-cases.jsonl] [--runs 3]
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const runsAt = args.indexOf("--runs");
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 3;
const file = args.find((a, i) => !a.startsWith("--") && args[i - 1] !== "--runs") || join(repo, "target/worst-cases.jsonl");
const wendu = createRequire(import.meta.url)(join(repo, "pkg/node.cjs"));

const cases = readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
const engines = new Map();
const engineFor = (pack) => {
  const key = pack || "";
  if (!engines.has(key)) engines.set(key, new wendu.Engine(pack ? readFileSync(resolve(repo, pack), "utf8") : undefined));
  return engines.get(key);
};
// The fastest of `runs` batches, each repeating the call for at least 50 ms: wall clock and the
// process's CPU time (process.cpuUsage, user + system), which a machine shared with other work
// disturbs far less.
const best = (f) => {
  const t0 = performance.now();
  f();
  const n = Math.min(10000, Math.max(1, Math.ceil(50 / Math.max(performance.now() - t0, 1e-3))));
  let wall = Infinity;
  let cpu = Infinity;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const c = process.cpuUsage();
    for (let k = 0; k < n; k++) f();
    const used = process.cpuUsage(c);
    wall = Math.min(wall, (performance.now() - t) / n);
    cpu = Math.min(cpu, (used.user + used.system) / 1000 / n);
  }
  return [wall, cpu];
};
// Every case once before timing: the first calls run in V8's baseline tier (a cold start, which
// BENCHMARKS.md measures), not what a long-running page or service sees.
for (const { pack, complaint } of cases) {
  const e = engineFor(pack);
  const json = JSON.stringify(complaint);
  e.classifyJSON(json);
  e.verdictJSON(json);
}
const worst = { classify: [0, ""], verdict: [0, ""], classifyCpu: [0, ""], verdictCpu: [0, ""] };
console.log(
  `${"case".padEnd(44)} ${"classify".padStart(12)} ${"verdict".padStart(12)} ${"classify cpu".padStart(12)} ${"verdict cpu".padStart(12)}   (ms per 1,000 chars, Node ${process.version})`,
);
for (const { name, pack, complaint } of cases) {
  const e = engineFor(pack);
  const json = JSON.stringify(complaint);
  const chars = [...(complaint.text || "")].length + [...(complaint.title || "")].length;
  const per = (ms) => (ms * 1000) / Math.max(chars, 1);
  const [cw, cc] = best(() => e.classifyJSON(json)).map(per);
  const [vw, vc] = best(() => e.verdictJSON(json)).map(per);
  for (const [k, v] of [["classify", cw], ["verdict", vw], ["classifyCpu", cc], ["verdictCpu", vc]]) {
    if (v > worst[k][0]) worst[k] = [v, name];
  }
  const cell = (v) => `${v.toFixed(3).padStart(9)} ms`;
  console.log(`${name.padEnd(44)} ${cell(cw)} ${cell(vw)} ${cell(cc)} ${cell(vc)}`);
}
const w = (k) => `${worst[k][0].toFixed(3)} ms (${worst[k][1]})`;
console.log(
  `worst per 1,000 chars: classify ${w("classify")}, verdict ${w("verdict")}; CPU time: classify ${w("classifyCpu")}, verdict ${w("verdictCpu")}`,
);
