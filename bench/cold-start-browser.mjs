// Cold start of the browser build in headless Chromium: a page imports pkg/web.mjs (fetch +
// streaming compile + instantiate), builds the default pack's engine and decides one complaint.
// Every run is a fresh browser with a fresh profile (no HTTP or code cache), served from
// 127.0.0.1; medians over the runs. Optionally the network is throttled (Chrome DevTools
// protocol) to see what the bytes cost on a slow link.
//
//   node bench/cold-start-browser.mjs [--runs N] [--pkg DIR] [--throttle KBPS,RTT_MS] [--gzip] [--asset] [--lean|--bare]
//
// --pkg measures another build (e.g. a checkout of an older commit); --asset loads the default
// pack as a separate file (packs/cn-banking.wdp fetched in parallel with the module, then
// `new Engine(bytes)`) instead of the copy inside the module. Needs playwright-core from
// tests/browser (npm ci there) and Debian's chromium (CHROMIUM to override).
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { gzipSync } from "node:zlib";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { chromium } = createRequire(join(repo, "tests/browser/package.json"))("playwright-core");
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const runs = Number(opt("--runs", "9"));
const pkg = resolve(opt("--pkg", join(repo, "pkg")));
const throttle = opt("--throttle", null);
const asset = args.includes("--asset");
// --gzip: serve every file gzip -9 compressed (content-encoding), as a web server would; with
// --throttle, what the compressed bytes cost on a slow link.
const gzip = args.includes("--gzip");
const gzipped = new Map();
// --lean: the package's lean entry (`wendu/lean`: compiled packs only, no pack inside; it fetches
// its default pack, packs/cn-banking.wdp beside it, in parallel with the module).
// --bare: `wendu/lean/bare` (no default pack fetched; with --asset, a page passing its own pack).
const entry = args.includes("--bare") ? "/pkg/lean/bare.mjs" : args.includes("--lean") ? "/pkg/lean/web.mjs" : "/pkg/web.mjs";

const page = `<!doctype html><meta charset="utf-8"><title>cold start</title>
<script type="module">
  const t0 = performance.now();
  ${asset ? 'const wdp = fetch("/cn-banking.wdp").then((r) => r.arrayBuffer());' : ""}
  const wendu = await import("${entry}");
  const t1 = performance.now();
  const engine = ${asset ? "new wendu.Engine(new Uint8Array(await wdp))" : "new wendu.Engine()"};
  const t2 = performance.now();
  engine.verdict({ text: "信用卡被乱收年费，我要打12378投诉" });
  const t3 = performance.now();
  const wasm = performance.getEntriesByType("resource").find((r) => r.name.endsWith(".wasm"));
  // The default pack's asset, when fetched (by --asset, or by wendu/lean itself).
  const pack = performance.getEntriesByType("resource").find((r) => r.name.endsWith(".wdp"));
  const lastByte = Math.max(wasm ? wasm.responseEnd : NaN, pack ? pack.responseEnd : -Infinity);
  window.timings = { importDone: t1 - t0, afterDownload: wasm ? t1 - wasm.responseEnd : NaN,
    engine: t2 - t1, verdict: t3 - t2, ready: t2 - t0, t0, readyAfterLastByte: t2 - lastByte,
    wasmEnd: wasm ? wasm.responseEnd - t0 : NaN, wdpEnd: pack ? pack.responseEnd - t0 : NaN,
    resources: performance.getEntriesByType("resource").map((r) => [r.name.split("/").pop(), Math.round(r.startTime), Math.round(r.responseEnd)]) };
  document.title = "ready";
</script>`;

const TYPES = { ".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm" };
const server = createServer(async (req, res) => {
  const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
  if (path === "/") {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(page);
    return;
  }
  if (path === "/warm") {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end("<!doctype html><script type=module>document.title='warm'</script>");
    return;
  }
  const file = path === "/cn-banking.wdp" ? join(repo, "packs/cn-banking.wdp") : path.startsWith("/pkg/") ? join(pkg, path.slice(5)) : null;
  try {
    if (!file) throw new Error("not found");
    const body = await readFile(file);
    const type = { "content-type": TYPES[extname(file)] || "application/octet-stream" };
    if (gzip) {
      if (!gzipped.has(file)) gzipped.set(file, gzipSync(body, { level: 9 }));
      res.writeHead(200, { ...type, "content-encoding": "gzip" }).end(gzipped.get(file));
    } else {
      res.writeHead(200, type).end(body);
    }
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const url = `http://127.0.0.1:${server.address().port}/`;

const results = [];
for (let r = 0; r < runs; r++) {
  const profile = mkdtempSync(join(tmpdir(), "wendu-cold-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update"],
  });
  try {
    const p = context.pages()[0] || (await context.newPage());
    if (throttle) {
      const [kbps, rtt] = throttle.split(",").map(Number);
      const cdp = await context.newCDPSession(p);
      await cdp.send("Network.enable");
      await cdp.send("Network.emulateNetworkConditions", {
        offline: false,
        latency: rtt,
        downloadThroughput: (kbps * 1000) / 8,
        uploadThroughput: (kbps * 1000) / 8,
      });
    }
    // A first page warms the browser and its renderer (a user's browser is already running);
    // the measured page then starts with empty caches all the same (nothing of it was loaded).
    p.on("pageerror", (e) => console.error("page error:", e.message));
    await p.goto(url + "warm");
    await p.waitForFunction(() => document.title === "warm", null, { timeout: 60_000 });
    await p.goto(url);
    await p.waitForFunction(() => document.title === "ready", null, { timeout: 60_000 });
    results.push(await p.evaluate(() => window.timings));
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
server.close();
if (args.includes("--verbose")) for (const r of results) console.log(JSON.stringify({ t0: r.t0, resources: r.resources }));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const range = (xs) => `${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)}`;
const col = (k) => results.map((x) => x[k]);
console.log(
  `chromium, ${pkg}${asset ? " + packs/cn-banking.wdp as a separate asset" : ""}${throttle ? `, throttled to ${throttle} (kbit/s, RTT ms)` : ""}${gzip ? ", gzip" : ""}, ${runs} fresh browsers (median, range) in ms`,
);
for (const [k, what] of [
  ["importDone", "import web.mjs (fetch, compile, instantiate)"],
  ["afterDownload", "  of which after the .wasm's last byte"],
  ["engine", "default pack ready"],
  ["ready", "import + default pack ready"],
  ["wasmEnd", "  the .wasm's last byte at"],
  ["wdpEnd", "  the .wdp's last byte at (when fetched)"],
  ["readyAfterLastByte", "  ready after the last byte of both"],
  ["verdict", "first verdict"],
]) {
  if (col(k).every((x) => !Number.isFinite(x))) continue;
  console.log(`  ${what.padEnd(46)} ${median(col(k)).toFixed(1).padStart(7)}  (${range(col(k))})`);
}
