// Types of the `wendu` npm package: the same API from every entry point (Node CommonJS and ES
// module, browsers, bundlers). Shapes follow docs/decision-format.md; every result is exactly the
// core's JSON, parsed.

// `Symbol.dispose` (explicit resource management) for projects whose `lib` predates it; merges
// with TypeScript's own declaration (lib esnext.disposable, TS >= 5.2) when that is present.
declare global {
  interface SymbolConstructor {
    readonly dispose: unique symbol;
  }
}

// ---- values ---------------------------------------------------------------------------------------

/** Any JSON value (complaint fields, event fields, field-condition values). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** `[start, end)` in UTF-16 code units of the original field: `text.slice(start, end)`. */
export type Span = [start: number, end: number];

/** The input field a span points into. */
export type Field = "text" | "title";

// ---- errors ---------------------------------------------------------------------------------------

/** One issue with an input, located by a JSON pointer (`""` is the whole document). */
export interface Problem {
  path: string;
  message: string;
  severity: "error" | "warning";
}

/** Stable error codes. `internal` is a bug in wendu; `freed` means the object was freed. */
export type ErrorCode = "invalid_pack" | "invalid_input" | "internal" | "freed";

/** The error JSON of the core: what `WenduError` carries, and a batch item that failed. */
export interface ErrorInfo {
  code: ErrorCode;
  message: string;
  problems: Problem[];
}

/** Every failure of wendu. */
export declare class WenduError extends Error implements ErrorInfo {
  readonly name: "WenduError";
  readonly code: ErrorCode;
  readonly problems: Problem[];
  constructor(code: ErrorCode, message: string, problems?: Problem[]);
}

// ---- packs ----------------------------------------------------------------------------------------

/** Identity of a pack: every decision and alert carries it. */
export interface PackInfo {
  id: string;
  version: string;
  /** `sha256:` + hex of the pack's canonical JSON. */
  hash: string;
}

/** A rule pack (docs/pack-format.md; the full JSON Schema is packs/schema.json). */
export interface PackDocument {
  pack: { id: string; version: string; locale?: string; description?: string };
  [section: string]: unknown;
}

/** A pack as an object or as its JSON text. */
export type Pack = PackDocument | string;

// ---- complaints and decisions --------------------------------------------------------------------

/** A complaint to classify. Only `text` is required; other fields are kept for conditions. */
export interface Complaint {
  text: string;
  id?: string | number | null;
  title?: string;
  channel?: string;
  /** RFC 3339 with an offset, e.g. `2026-03-01T09:30:00+08:00`. */
  received_at?: string;
  product?: string;
  branch?: string;
  /** Non-negative amount in currency units. */
  amount?: number;
  customer?: {
    id?: string | number;
    age?: number;
    segment?: string;
    vulnerable?: boolean;
    prior_complaints?: number;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** Why a rule fired. */
export type Evidence =
  | { kind: "term"; term: string; field: Field; span: Span; text: string }
  | { kind: "regex"; field: Field; span: Span; text: string }
  | { kind: "field"; path: string; value: JsonValue }
  | { kind: "label"; dimension: string; code: string }
  /** An n-gram of the text that pushed a learned model towards the label (top contributors first). */
  | { kind: "model"; model: string; term: string; field: Field; span: Span; text: string };

/** A rule that fired for a label. */
export interface FiredRule {
  id: string;
  /** The rule's weight; for a `"probability"` weight, the model's probability; negative for a veto
   *  (`confidence` is multiplied by 1 + weight). */
  weight: number;
  evidence: Evidence[];
}

/** A label assigned on a dimension. */
export interface Label {
  code: string;
  name: string;
  /** (1 − Π(1 − w)) · Π(1 + v) over the positive weights w and negative weights v of the rules
   *  that fired; 0 for a fallback. */
  confidence: number;
  parent?: string;
  /** Present (true) when given because nothing else was. */
  fallback?: true;
  /** The pack's advice for the label (a suggested fix, a handling step), when it has one. */
  advice?: string;
  rules: FiredRule[];
}

/** Where the complaint goes. */
export interface Route {
  department: string;
  queue: string | null;
  /** The dimension and label that decided; null for the pack's default route. */
  dimension: string | null;
  code: string | null;
}

/** A severity factor that counted. */
export interface Factor {
  id: string;
  name: string;
  points: number;
  evidence: Evidence[];
}

/** How severe the complaint is, and by when it must be handled. */
export interface Severity {
  level: string;
  name: string;
  points: number;
  deadline_hours: number | null;
  /** `received_at` + `deadline_hours`, in the complaint's own offset; null without `received_at`. */
  deadline: string | null;
  escalate_to: string | null;
  factors: Factor[];
}

/** A money amount found in the title or text. */
export interface Amount {
  value: number;
  /** ISO 4217: `CNY`, `USD`, `HKD`, `EUR`. */
  currency: string;
  field: Field;
  span: Span;
  text: string;
}

/** Personal data found (only its kind and place; the decision never repeats it). */
export interface PersonalData {
  kind: "mobile" | "id_card" | "bank_card" | "email";
  field: Field;
  span: Span;
}

/** A term that occurred but did not count because a negation cue preceded it. */
export interface Negation {
  term: string;
  cue: string;
  field: Field;
  span: Span;
}

/** The explained decision for one complaint; the same on every runtime. */
export interface Decision {
  id: string | null;
  pack: PackInfo;
  /** Dimension id → labels, best first, in pack order. */
  labels: Record<string, Label[]>;
  /** Dimensions (pack order) whose best label is under the dimension's `review_below`, or a
   *  fallback: a person should look. Absent when none. */
  needs_review?: string[];
  route: Route | null;
  severity: Severity | null;
  amounts: Amount[];
  personal_data: PersonalData[];
  masked_text: string;
  masked_title?: string;
  negated: Negation[];
  warnings: string[];
}

/** One item of `classifyBatch`: a decision, or the error of a complaint that could not be classified. */
export type BatchResult = Decision | { error: ErrorInfo };

// ---- verdicts (decisions without their explanation) ---------------------------------------------

/** A label of a verdict: the decision's code and confidence, no name, parent or rules. */
export interface LabelCode {
  code: string;
  /** The decision's confidence; 0 for a fallback. */
  confidence: number;
  /** Present (true) when given because nothing else was. */
  fallback?: true;
}

/** The route of a verdict: the same fields as the decision's `Route`. */
export type RouteRef = Route;

/** The severity of a verdict: the decision's `Severity` with the ids of the factors that counted. */
export interface SeverityRef extends Omit<Severity, "factors"> {
  /** Factor ids, in pack order. */
  factors: string[];
}

/** What was decided for one complaint, without the explanation: the same labels, confidences,
 *  route and severity as the `Decision`; no pack, evidence, amounts, personal data, masked text
 *  or negations. The same on every runtime. */
export interface Verdict {
  id: string | null;
  /** Dimension id → labels, best first, in pack order. */
  labels: Record<string, LabelCode[]>;
  /** The decision's `needs_review`. */
  needs_review?: string[];
  route: RouteRef | null;
  severity: SeverityRef | null;
  warnings: string[];
}

/** One item of `verdictBatch`: a verdict, or the error of a complaint that could not be decided. */
export type VerdictBatchResult = Verdict | { error: ErrorInfo };

/** Verdicts for many texts as columns (`engine.verdictColumns(texts)`): small integers and typed
 *  arrays instead of objects, for high-volume triage. Text `i`'s labels are
 *  `label[labelStart[i] .. labelStart[i + 1])` — indices into `codes`, each of dimension
 *  `dimensions[codeDimension[c]]` — with `confidence` and `fallback` at the same positions. */
export interface VerdictColumns {
  /** How many texts. */
  readonly length: number;
  /** Dimension ids, in pack order. */
  readonly dimensions: readonly string[];
  /** Every label code of the pack, dimension after dimension, in pack order. */
  readonly codes: readonly string[];
  /** The dimension index of each code. */
  readonly codeDimension: Uint32Array;
  /** Severity level ids, in pack order. */
  readonly levels: readonly string[];
  /** Severity factor ids, in pack order. */
  readonly factors: readonly string[];
  /** Per text, where its labels start in `label` (length + 1 entries). */
  readonly labelStart: Uint32Array;
  /** Label indices into `codes`, best first within a dimension (as in `Verdict.labels`). */
  readonly label: Uint32Array;
  /** Each label's confidence (NaN where the verdict has null). */
  readonly confidence: Float64Array;
  /** 1 where the label was given because nothing else was. */
  readonly fallback: Uint8Array;
  /** Per text, its level's index into `levels`; -1 when it has no severity or could not be decided. */
  readonly level: Int32Array;
  /** Per text, the points of its severity (0 without one). */
  readonly points: Float64Array;
  /** Per text, where its factors start in `factor` (length + 1 entries). */
  readonly factorStart: Uint32Array;
  /** Factor indices into `factors`, in pack order. */
  readonly factor: Uint32Array;
  /** Per text, its route's index into `routes`; -1 for none. */
  readonly route: Int32Array;
  /** The distinct routes of this call. */
  readonly routes: readonly RouteRef[];
  /** Text index → the dimensions to review (only texts that have some). */
  readonly needsReview: ReadonlyMap<number, string[]>;
  /** Text index → its warnings (only texts that have some). */
  readonly warnings: ReadonlyMap<number, string[]>;
  /** Text index → why it could not be decided (e.g. over the pack's text limit). */
  readonly errors: ReadonlyMap<number, ErrorInfo>;
  /** Text `i`'s verdict as an object: what `verdictBatch([{ text }])` gives for it. */
  verdict(i: number): VerdictBatchResult;
}

// ---- triggers -------------------------------------------------------------------------------------

/** A rating scale: a name, or an inclusive custom range. */
export type Scale = "csat5" | "nps" | "ces7" | { min: number; max: number };

/** A satisfaction rating. Other fields are kept for `group_by` and `when`. */
export interface FeedbackEvent {
  id: string | number;
  score: number;
  scale: Scale;
  /** Event time, RFC 3339 with an offset. */
  at: string;
  comment?: string;
  type?: "feedback";
  [key: string]: unknown;
}

/** A complaint in the stream (feeds surge policies): needs `id` and `received_at`. */
export interface ComplaintEvent extends Complaint {
  type: "complaint";
  id: string | number;
  received_at: string;
}

export type TriggerEvent = FeedbackEvent | ComplaintEvent;

export type PolicyKind = "immediate" | "low_count" | "mean" | "nps" | "low_share" | "surge";

/** Window statistics; a key that does not apply is null. */
export interface AlertStats {
  count: number;
  low: number | null;
  mean: number | null;
  nps: number | null;
  share: number | null;
  baseline_count: number | null;
  baseline_share: number | null;
  threshold: number | null;
}

/** An alert: a policy fired, or its group recovered. */
export interface Alert {
  /** Deterministic: `al_` + 16 hex digits. */
  id: string;
  policy: string;
  name: string;
  kind: "fired" | "recovered";
  policy_kind: PolicyKind;
  severity: string;
  /** `group_by` field → value, in `group_by` order. */
  group: Record<string, string>;
  at: string;
  window: { duration: string; start: string; end: string; baseline: string | null } | null;
  stats: AlertStats;
  message: string;
  events: string[];
  events_total: number;
  first_at: string | null;
  last_at: string | null;
  route: { department: string; queue: string | null; source: "policy" | "pain" | "default" } | null;
  deadline: string | null;
  pain_points: { dimension: string; texts: number; labels: { code: string; name: string; count: number }[] }[];
  /** For `recovered`: the id of the `fired` alert it closes. */
  closes: string | null;
  pack: PackInfo;
}

/** An input that was rejected, late, duplicate, or counted with a remark. */
export interface Notice {
  /** Index of the event in the batch (0 for a single event). */
  index: number;
  id: string | null;
  kind: "invalid" | "late" | "duplicate" | "warning" | "ahead" | "evicted";
  message: string;
  problems: Problem[];
}

/** The result of one ingest call. */
export interface Outcome {
  accepted: number;
  alerts: Alert[];
  notices: Notice[];
}

// ---- pack description and pack tests ------------------------------------------------------------

/** A label as `Engine.describe` lists it. */
export interface LabelDescriptor {
  code: string;
  name: string;
  parent: string | null;
  route: { department: string; queue?: string } | null;
  advice: string | null;
  description: string | null;
  /** How many rules the label has. */
  rules: number;
}

/** What a pack decides (`Engine.describe`). */
export interface PackDescriptor {
  id: string;
  version: string;
  hash: string;
  locale: string;
  description: string;
  dimensions: { id: string; name: string; multi: boolean; fallback: string | null; labels: LabelDescriptor[] }[];
  levels: { id: string; name: string; min_points: number; deadline_hours: number | null; escalate_to: string | null }[];
  factors: { id: string; name: string; points: number; min_level: string | null }[];
  /** Trigger policies, in pack order. */
  policies: {
    id: string;
    name: string;
    kind: PolicyKind;
    /** The fields that make a group (`branch`, `labels.journey`…). */
    group_by: string[];
    /** The sliding window as written, for windowed kinds. */
    window: string | null;
    /** Scales taken, each with its low-score threshold (score ≤ low is low). */
    scales: { scale: string; low: number }[];
  }[];
  /** Distinct terms (after normalisation) the pack's conditions match. */
  terms: number;
}

/** The outcome of a pack's own test cases (`Engine.runTests`). */
export interface TestReport {
  passed: number;
  failed: number;
  results: { name: string; path: string; passed: boolean; failures: string[] }[];
}

// ---- engines --------------------------------------------------------------------------------------

/** Engine options. Decisions are the same whatever they are. */
export interface EngineOptions {
  /** Accepted for compatibility; every value now builds the same automaton. */
  automaton?: "auto" | "dfa" | "nfa";
}

/** A compiled pack (`.wdp`: `wendu compile`, or `engine.toCompiled()`), or a pack's JSON as UTF-8 bytes. */
export type PackBytes = Uint8Array | ArrayBuffer;

/** A compiled rule pack. Immutable; reuse it for many complaints. */
export declare class Engine {
  /** Compile a pack (object, JSON text or a built-in id), or load a compiled one (bytes: much faster); the built-in default pack (Chinese retail banking, precompiled) when omitted — in `wendu/lean`, the package's `packs/cn-banking.wdp` beside the module (none in `wendu/lean/bare` in browsers). Throws `WenduError` (`invalid_pack`, also when that file is missing or damaged; `invalid_input` for bad options). */
  constructor(pack?: Pack | PackBytes | null, options?: EngineOptions);
  /** Id, version and hash of the pack. */
  readonly pack: Readonly<PackInfo>;
  /** Classify one complaint (object or JSON text). Throws `WenduError` (`invalid_input`). */
  classify(complaint: Complaint | string): Decision;
  /** Classify many complaints in one call (array or its JSON text); bad items come back as `{error}`. */
  classifyBatch(complaints: readonly Complaint[] | string): BatchResult[];
  /** `classify`, returning the decision as the core's JSON text (byte-identical on every runtime). */
  classifyJSON(complaint: Complaint | string): string;
  /** `classifyBatch`, returning the JSON text of the result array; no objects are built (faster when forwarding JSON). */
  classifyBatchJSON(complaints: readonly Complaint[] | string): string;
  /** Decide one complaint without explaining it (labels, confidences, route, severity): cheaper and smaller, for triage. Throws `WenduError` (`invalid_input`). */
  verdict(complaint: Complaint | string): Verdict;
  /** `classifyBatch` with verdicts; bad items come back as `{error}`. */
  verdictBatch(complaints: readonly Complaint[] | string): VerdictBatchResult[];
  /** `verdict`, returning the core's JSON text. */
  verdictJSON(complaint: Complaint | string): string;
  /** `verdictBatch`, returning the JSON text of the result array. */
  verdictBatchJSON(complaints: readonly Complaint[] | string): string;
  /** Verdicts for many texts (each decided as `{ text }`) in one call, as typed arrays of indices instead of objects: the lean path for high-volume triage. Throws `WenduError` (`invalid_input`, one problem per element that is not a string). In `wendu` only: `wendu/lean` throws `WenduError` (`invalid_input`) saying so. */
  verdictColumns(texts: readonly string[]): VerdictColumns;
  /** What the pack decides: dimensions and their labels, severity levels and factors. */
  describe(): PackDescriptor;
  /** Run the test cases the pack carries (none for a compiled pack or the built-in packs). */
  runTests(): TestReport;
  /** The pack compiled (`.wdp` bytes, the same on every runtime): give them to `new Engine(bytes)` for a fast start. */
  toCompiled(): Uint8Array;
  /** Every problem of a pack (errors and warnings), `triggers` included; `[]` when clean. Without a pack: the default pack. */
  static check(pack?: Pack | PackBytes): Problem[];
  /** Release the engine now (otherwise the garbage collector does). Later calls throw `freed`. */
  free(): void;
  [Symbol.dispose](): void;
}

/** Low-score and surge alerts over a stream of events, with the policies of a pack's `triggers`. */
export declare class TriggerEngine {
  /** Build from a pack or a compiled pack (the default pack when omitted). Throws `WenduError` (`invalid_pack`). */
  constructor(pack?: Pack | PackBytes);
  readonly pack: Readonly<PackInfo>;
  /** Ingest one event. Bad, late and duplicate events come back as notices. */
  ingest(event: TriggerEvent | string): Outcome;
  /** Ingest many events in order, in one call; notices carry each event's index. */
  ingestBatch(events: readonly TriggerEvent[] | string): Outcome;
  /** The state as bytes (UTF-8 JSON), to store and give back to `restore`. */
  snapshot(): Uint8Array;
  /** Replace the state with a snapshot taken with the same pack. Throws `WenduError` (`invalid_input`). */
  restore(snapshot: Uint8Array | string): void;
  free(): void;
  [Symbol.dispose](): void;
}

/** Version of the wendu core inside the module. */
export declare const version: string;
