// Throughput of two builds of the package in one Node process, interleaved (one pass of each per
// round, the median of the per-round ratios): on a shared machine, runs minutes apart are not
// comparable, rounds a few hundred milliseconds apart are. Default pack, `verdictBatch` in
// chunks of 256 and `classifyBatch` in chunks of 256 over the shared Chinese complaints.
//
//   node bench/ab-node.mjs --a DIR --b DIR [--rounds N] [--corpus PATH]
//
// DIR is a built package (pkg/ of a checkout, after scripts/build-wasm.sh).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseCsv } from "./csv.mjs";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const require = createRequire(import.meta.url);
const builds = ["--a", "--b"].map((k) => resolve(opt(k, join(repo, "pkg"))));
const rounds = Number(opt("--rounds", "9"));
const corpusPath = opt("--corpus", join(repo, "../shared/data/cn-complaints/complaints.csv"));
const [header, ...rows] = parseCsv(readFileSync(corpusPath, "utf8"));
const ti = header.indexOf("text");
const items = rows.filter((r) => r.length > ti).map((r, i) => ({ id: String(i), text: r[ti] }));
const chunks = [];
for (let i = 0; i < items.length; i += 256) chunks.push(items.slice(i, i + 256));

const engines = builds.map((dir) => new (require(join(dir, "node.cjs")).Engine)());
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

for (const [what, call] of [
  ["verdictBatch", (e, c) => e.verdictBatch(c)],
  ["classifyBatch", (e, c) => e.classifyBatch(c)],
]) {
  const pass = (e) => {
    const t = performance.now();
    for (const c of chunks) call(e, c);
    return items.length / ((performance.now() - t) / 1000);
  };
  engines.forEach(pass); // warm-up: lets V8 tier both modules up
  const rates = [[], []];
  const ratios = [];
  for (let r = 0; r < rounds; r++) {
    const a = pass(engines[0]);
    const b = pass(engines[1]);
    rates[0].push(a);
    rates[1].push(b);
    ratios.push(b / a);
  }
  console.log(
    `${what.padEnd(14)} a ${median(rates[0]).toFixed(0)}/s, b ${median(rates[1]).toFixed(0)}/s, b/a ${median(ratios).toFixed(3)} ` +
      `(${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)}); ${items.length} complaints, ${rounds} rounds`,
  );
}
console.log(`a = ${builds[0]}\nb = ${builds[1]}`);
