// wendu studio: a static build into dist/ (relative asset paths, so the folder can be served
// from anywhere or opened behind any prefix). The worker is an ES module because the package's
// browser entry uses top-level await; `optimizeDeps.exclude` keeps the dev server from
// pre-bundling wendu (its .wasm is found next to the module).
import { defineConfig } from "vite";

export default defineConfig({
  base: "./",
  logLevel: "warn",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    reportCompressedSize: false,
    chunkSizeWarningLimit: 2000,
    // One chunk per library so `npm run size` can state the bytes of each (README).
    rollupOptions: {
      output: {
        manualChunks(id) {
          if (/node_modules\/(@codemirror|style-mod|w3c-keyname|crelt|@marijn)\//.test(id)) return "codemirror";
          if (/node_modules\/@lezer\//.test(id)) return "lezer";
          if (/\/packs\/[^/]+\.json/.test(id)) return "packs";
          return undefined;
        },
      },
    },
  },
  worker: { format: "es" },
  optimizeDeps: { exclude: ["wendu"] },
  server: { host: "127.0.0.1", fs: { allow: ["../.."] } },
});
