// The page's side of the worker: one request per call, answered by a promise; progress
// messages go to the caller's callback; a job overtaken by a newer one of its kind resolves to
// null ("stale"). Errors arrive as {code, message, problems}, like WenduError.

const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
const pending = new Map();
let seq = 0;
let readyResolve;
let readyReject;
export const ready = new Promise((res, rej) => {
  readyResolve = res;
  readyReject = rej;
});

/** Something went wrong in the worker itself (not a wendu error): every caller hears of it. */
const failureListeners = new Set();
export function onWorkerFailure(f) {
  failureListeners.add(f);
}

worker.onmessage = (ev) => {
  const m = ev.data;
  if (m.type === "ready") {
    readyResolve();
    return;
  }
  const p = pending.get(m.job);
  if (!p) return;
  if (m.type === "progress") {
    p.onProgress?.(m.done, m.total);
    return;
  }
  pending.delete(m.job);
  if (m.type === "done") p.resolve(m.result);
  else if (m.type === "stale") p.resolve(null);
  else p.reject(m.error);
};

worker.onerror = (ev) => {
  ev.preventDefault();
  const error = { code: "internal", message: `the studio's worker failed: ${ev.message || "could not start"}`, problems: [] };
  readyReject(error);
  for (const p of pending.values()) p.reject(error);
  pending.clear();
  for (const f of failureListeners) f(error);
};

/** Ask the worker: `type` and fields; `onProgress(done, total)` for long jobs. */
export async function request(type, fields = {}, onProgress) {
  await ready;
  const job = ++seq;
  return new Promise((resolve, reject) => {
    pending.set(job, { resolve, reject, onProgress });
    worker.postMessage({ type, job, ...fields });
  });
}
