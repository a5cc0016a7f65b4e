// Bytes of the built studio per asset (raw and gzip -9), for the README: `npm run size` after
// `npm run build`. Chunks are split per library in vite.config.js.
import { readdirSync, readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";

const dir = new URL("./dist/assets/", import.meta.url);
let raw = 0;
let gz = 0;
const rows = readdirSync(dir)
  .sort()
  .map((f) => {
    const b = readFileSync(join(dir.pathname, f));
    const z = gzipSync(b, { level: 9 }).length;
    raw += b.length;
    gz += z;
    return [f.replace(/-[\w-]{8}\./, "."), b.length, z];
  });
for (const [f, r, z] of rows) console.log(`${f.padEnd(28)} ${String(r).padStart(9)} ${String(z).padStart(9)}`);
console.log(`${"total".padEnd(28)} ${String(raw).padStart(9)} ${String(gz).padStart(9)}`);
