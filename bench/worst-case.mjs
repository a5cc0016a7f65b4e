// The time guarantee in Node (RELIABILITY.md): every generated worst case at the pack's largest
// text, through the npm package (pkg/, built by scripts/build-wasm.sh), in milliseconds per
// 1,000 characters — the fastest of a few runs. The cases come from the native generator:
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
const best = (f) => {
  let min = Infinity;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    f();
    min = Math.min(min, performance.now() - t);
  }
  return min;
};
let worst = { classify: [0, ""], verdict: [0, ""] };
console.log(`${"case".padEnd(44)} ${"classify".padStart(12)} ${"verdict".padStart(12)}   (ms per 1,000 chars, Node ${process.version})`);
for (const { name, pack, complaint } of cases) {
  const e = engineFor(pack);
  const json = JSON.stringify(complaint);
  const chars = [...(complaint.text || "")].length + [...(complaint.title || "")].length;
  const per = (ms) => (ms * 1000) / Math.max(chars, 1);
  const c = per(best(() => e.classifyJSON(json)));
  const v = per(best(() => e.verdictJSON(json)));
  if (c > worst.classify[0]) worst.classify = [c, name];
  if (v > worst.verdict[0]) worst.verdict = [v, name];
  console.log(`${name.padEnd(44)} ${c.toFixed(3).padStart(9)} ms ${v.toFixed(3).padStart(9)} ms`);
}
console.log(`worst per 1,000 chars: classify ${worst.classify[0].toFixed(3)} ms (${worst.classify[1]}), verdict ${worst.verdict[0].toFixed(3)} ms (${worst.verdict[1]})`);
