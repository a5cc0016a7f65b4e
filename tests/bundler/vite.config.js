// Vite 7 with its defaults: the package's "browser" entry (web.mjs) uses top-level await and
// `new URL("…wasm", import.meta.url)`, both handled by a plain build.
import { defineConfig } from "vite";

export default defineConfig({
  logLevel: "warn",
  build: { outDir: "dist", emptyOutDir: true },
  server: { fs: { allow: ["../.."] } },
});
