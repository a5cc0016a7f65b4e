// Load the golden vectors (tests/vectors/README.md) for the JavaScript runners: each case with
// its pack already resolved to JSON text (or null: the built-in default pack). Node only; the
// result is plain data that can be handed to a browser page.
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const vectorsRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "vectors");

function packOf(v) {
  if (typeof v.pack_text === "string") return v.pack_text;
  if (v.pack === "default") return null;
  if (typeof v.pack === "string") return readFileSync(join(vectorsRoot, v.pack), "utf8");
  return JSON.stringify(v.pack);
}

/** Every vector: `{file, kind, pack, ...the file's fields}`, sorted by kind then file name. */
export function loadVectors() {
  const out = [];
  for (const kind of ["classify", "check", "trigger"]) {
    const dir = join(vectorsRoot, kind);
    for (const name of readdirSync(dir).filter((n) => n.endsWith(".json")).sort()) {
      const v = JSON.parse(readFileSync(join(dir, name), "utf8"));
      out.push({ ...v, file: `${kind}/${name}`, kind, pack: packOf(v) });
    }
  }
  return out;
}

/** The options that make `runVectors` run every vector the other way round (compiled packs;
 *  the default pack from its JSON): the default pack's JSON text and the bytes of its committed
 *  compiled form (a plain array, so that it crosses into a browser page). */
export function compiledOptions() {
  const packs = join(vectorsRoot, "..", "..", "packs");
  return {
    compiled: true,
    defaultPack: readFileSync(join(packs, "cn-banking.json"), "utf8"),
    defaultCompiled: Array.from(readFileSync(join(packs, "cn-banking.wdp"))),
  };
}
