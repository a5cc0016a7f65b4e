// wendu/lean for browsers and bundlers: the module without the `json-packs` and `builtin-packs`
// features — it loads compiled packs only (`new Engine(bytes)` for a .wdp; JSON pack text is
// refused with a WenduError) and carries none: the default pack is the package's
// packs/cn-banking.wdp, fetched in parallel with the module's streaming compile, so that
// `new Engine()` stays synchronous. Both are awaited once, with top-level await; a failed pack
// fetch does not fail the import: `new Engine()` then throws a WenduError saying why.
import init, * as raw from "./web/wendu_wasm.js";
import { bind } from "../api.mjs";

const url = new URL("../packs/cn-banking.wdp", import.meta.url);
const pack = fetch(url)
  .then(async (r) => {
    if (!r.ok) throw new Error(`HTTP ${r.status}${r.statusText ? ` ${r.statusText}` : ""}`);
    return { bytes: new Uint8Array(await r.arrayBuffer()) };
  })
  .catch((error) => ({ error }));

await init();
const loaded = await pack;

export const { Engine, TriggerEngine, WenduError, version } = bind(raw, {
  name: url.href,
  load() {
    if (loaded.error) throw loaded.error;
    return loaded.bytes;
  },
});
