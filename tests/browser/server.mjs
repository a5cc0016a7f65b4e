// A tiny static file server for the browser tests: serves the repository read-only on
// 127.0.0.1 with plain headers (no COOP/COEP: wendu must not need SharedArrayBuffer).
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".css": "text/css; charset=utf-8",
};

/** Serve `root` on 127.0.0.1 (a free port); resolves to {url, close}. `override(path)` may
 *  answer a path instead: `{path}` to serve another file of `root`, `{status}` or `{body}`. */
export function serve(root, override = () => undefined) {
  const server = createServer(async (req, res) => {
    let path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    const answer = override(path);
    if (answer?.status) {
      res.writeHead(answer.status).end();
      return;
    }
    if (answer?.body) {
      res.writeHead(200, { "content-type": TYPES[extname(path)] || "application/octet-stream" }).end(answer.body);
      return;
    }
    if (answer?.path) path = answer.path;
    const file = normalize(join(root, path.endsWith("/") ? path + "index.html" : path));
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": TYPES[extname(file)] || "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      resolve({ url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(r)) });
    });
  });
}
