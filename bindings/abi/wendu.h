/*
 * wendu.h — the embedded C ABI of wendu (bindings/ffi): JSON in, JSON out, UTF-8.
 *
 * The same exports exist in the import-free WebAssembly module (target/wendu-ffi.wasm, built by
 * scripts/build-wasm.sh) and in the native shared library (`cargo build --release -p wendu-ffi`).
 * In the WebAssembly module every pointer and size_t is an i32 offset into the exported
 * `memory`, and every uint32_t/int32_t an i32. docs/embedding.md explains the protocol and shows
 * hosts (Android with Chicory, iOS with WasmKit or wasm3, Python with wasmtime).
 *
 * Protocol:
 *   - Inputs are borrowed for the duration of one call: allocate with wendu_alloc, write the UTF-8
 *     bytes, pass (ptr, len), then wendu_free(ptr, len) (or keep the buffer for the next call).
 *   - Outputs go to one result buffer owned by the module: after a call, wendu_result_ptr() and
 *     wendu_result_len() give the JSON. It stays valid until the next call into the module; copy
 *     it out first. Never free it.
 *   - Functions returning int32_t return WENDU_OK (the result is the output) or WENDU_FAILED (the
 *     result is the error JSON {"code","message","problems":[{"path","message","severity"}]}).
 *     Constructors return a handle > 0, or 0 on failure (the result is the error JSON).
 *     The error JSON of the latest failure also stays in wendu_last_error_ptr/len until the next
 *     failure.
 *   - Error codes: "invalid_pack", "invalid_input" (from the engine), "invalid_handle" (unknown or
 *     freed handle), "internal" (a bug: see below).
 *   - Handles are never reused: a freed handle fails cleanly with "invalid_handle".
 *   - One instance serves one thread at a time (a WebAssembly instance is single-threaded; the
 *     native library keeps its state per thread).
 *   - No input makes the module panic. Should the engine hit a bug, the module traps (WebAssembly)
 *     or aborts (native) after storing an "internal" error in wendu_last_error_ptr/len: read it
 *     for the report, then discard the instance.
 */
#ifndef WENDU_H
#define WENDU_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WENDU_ABI_VERSION 1
#define WENDU_OK 0
#define WENDU_FAILED 1

/* ---- memory and results ---------------------------------------------------------------------- */

/* Version of this ABI (WENDU_ABI_VERSION); check it once after loading. */
uint32_t wendu_abi_version(void);

/* Allocate len bytes (alignment 1) for an input. NULL when len is 0 or memory is exhausted. */
uint8_t *wendu_alloc(size_t len);

/* Release memory from wendu_alloc; len must be the length it was allocated with. NULL is ignored. */
void wendu_free(uint8_t *ptr, size_t len);

/* The output (or error JSON) of the latest call; valid until the next call. Never free it. */
const uint8_t *wendu_result_ptr(void);
size_t wendu_result_len(void);

/* The error JSON of the latest failed call (or the panic message after a trap); valid until the
 * next failure; empty (length 0) before any failure. */
const uint8_t *wendu_last_error_ptr(void);
size_t wendu_last_error_len(void);

/* ---- classification ---------------------------------------------------------------------------- */

/* Compile a rule pack (JSON; len 0 = the built-in default pack, which loads precompiled). Returns
 * an engine handle, or 0 with an "invalid_pack" error listing every problem. */
uint32_t wendu_engine_new(const uint8_t *pack, size_t pack_len);

/* Load a compiled pack (.wdp bytes from `wendu compile` or wendu_engine_compiled): the same
 * decisions as the pack's JSON, many times faster to load, no pack tests. Returns an engine
 * handle, or 0 with an "invalid_pack" error saying what is wrong with the bytes (magic, format
 * version, checksum, or the section and byte). Added under ABI version 1: check the export. */
uint32_t wendu_engine_from_compiled(const uint8_t *bytes, size_t len);

/* Result: the engine's pack compiled (.wdp bytes: binary, not JSON; the same on every runtime),
 * for wendu_engine_from_compiled. Added under ABI version 1. */
int32_t wendu_engine_compiled(uint32_t engine);

/* Result: {"id","version","hash"} of the engine's pack. */
int32_t wendu_engine_info(uint32_t engine);

/* Classify one complaint (a JSON object; only "text" is required). Result: the decision JSON
 * (docs/decision-format.md), or an "invalid_input" error. */
int32_t wendu_classify(uint32_t engine, const uint8_t *json, size_t len);

/* Classify a JSON array of complaints in one call. Result: a JSON array with, in order, each
 * decision or {"error": <error JSON>}. Fails only when the input is not a JSON array. */
int32_t wendu_classify_batch(uint32_t engine, const uint8_t *json, size_t len);

/* Decide one complaint without explaining it (high-volume triage). Result: the verdict JSON
 * {"id","labels","route","severity","warnings"} — the decision's labels (code, confidence,
 * fallback), route and severity (factor ids only), without evidence, amounts, personal data,
 * masked text or negations (docs/decision-format.md, "Verdicts") — or an "invalid_input" error.
 * Added without an ABI version bump (new exports are compatible): a host that must also load
 * modules built before it looks the export up first. */
int32_t wendu_verdict(uint32_t engine, const uint8_t *json, size_t len);

/* wendu_classify_batch with verdicts. Result: a JSON array with, in order, each verdict or
 * {"error": <error JSON>}. Fails only when the input is not a JSON array. */
int32_t wendu_verdict_batch(uint32_t engine, const uint8_t *json, size_t len);

/* Release an engine (unknown handles are ignored). */
void wendu_engine_free(uint32_t engine);

/* Check a pack, its "triggers" section included (len 0 = the default pack). Result: a JSON array
 * of every problem {"path","message","severity"}; empty when the pack is clean. Always WENDU_OK. */
int32_t wendu_check(const uint8_t *pack, size_t pack_len);

/* ---- triggers (low scores and surges over a stream of feedback events) ------------------------- */

/* Build a trigger engine from a pack with a "triggers" section (len 0 = the default pack).
 * Returns a handle, or 0 with an "invalid_pack" error. */
uint32_t wendu_trigger_new(const uint8_t *pack, size_t pack_len);

/* wendu_trigger_new from a compiled pack (.wdp bytes). Added under ABI version 1. */
uint32_t wendu_trigger_from_compiled(const uint8_t *bytes, size_t len);

/* Ingest one event (JSON object) or a batch (JSON array). Result: {"accepted","alerts","notices"};
 * bad, late and duplicate events come back as notices, never as a failure. */
int32_t wendu_trigger_ingest(uint32_t trigger, const uint8_t *json, size_t len);

/* Result: a snapshot of the trigger engine's state (JSON text) for wendu_trigger_restore. */
int32_t wendu_trigger_snapshot(uint32_t trigger);

/* Replace the state with a snapshot taken with the same pack. On failure ("invalid_input") the
 * state is unchanged. */
int32_t wendu_trigger_restore(uint32_t trigger, const uint8_t *snapshot, size_t len);

/* Release a trigger engine (unknown handles are ignored). */
void wendu_trigger_free(uint32_t trigger);

#ifdef __cplusplus
}
#endif

#endif /* WENDU_H */
