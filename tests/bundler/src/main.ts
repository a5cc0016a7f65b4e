// A web app using wendu through a bundler, type-checked against the package's own types.
import { Engine, TriggerEngine, WenduError } from "wendu";
import type { Decision, BatchResult, Label, Outcome, Problem, Verdict, VerdictBatchResult, LabelCode } from "wendu";
// wendu/lean: its default pack (packs/cn-banking.wdp) is an asset the bundler must emit too.
import * as lean from "wendu/lean";
// @ts-expect-error -- plain JS module shared by every runner (no types needed)
import { runVectors } from "../../js/run-vectors.mjs";

const engine = new Engine();
const decision: Decision = engine.classify({ id: "w1", text: "信用卡被乱收年费", customer: { age: 70 } });
const top: Label | undefined = decision.labels["reason"]?.[0];
const batch: BatchResult[] = engine.classifyBatch([{ text: "年费" }, { text: "手续费" }]);
const firstBatch = batch[0];
const batchCode = firstBatch && "error" in firstBatch ? firstBatch.error.code : firstBatch?.pack.id;
const verdict: Verdict = engine.verdict({ id: "w2", text: "信用卡被乱收年费" });
const topCode: LabelCode | undefined = verdict.labels["reason"]?.[0];
const factorIds: string[] = verdict.severity?.factors ?? [];
const verdicts: VerdictBatchResult[] = engine.verdictBatch([{ text: "年费" }, { text: 1 as unknown as string }]);
const verdictError = verdicts[1] && "error" in verdicts[1] ? verdicts[1].error.code : null;
const problems: Problem[] = Engine.check({ pack: { id: "p", version: "1" }, dimensions: [] });

let error: string | null = null;
try {
  engine.classify({ text: "" , customer: { age: 999 } });
} catch (e) {
  if (e instanceof WenduError) error = `${e.code} ${e.problems.map((p) => p.path).join(",")}`;
}

const trigger = new TriggerEngine();
const outcome: Outcome = trigger.ingest({ id: "e1", score: 1, scale: "csat5", at: "2026-05-01T10:00:00+08:00" });
const saved: Uint8Array = trigger.snapshot();
trigger.restore(saved);
trigger.free();

const leanComplaint = { id: "l1", text: "信用卡被乱收年费，我要打12378投诉" };
const leanSame: boolean = new lean.Engine().classifyJSON(leanComplaint) === engine.classifyJSON(leanComplaint);

declare global {
  interface Window {
    app: Record<string, unknown>;
  }
}
window.app = {
  wendu: { Engine, TriggerEngine, WenduError },
  runVectors,
  summary: {
    top: top?.code ?? null,
    batchCode,
    problems: problems.length,
    error,
    accepted: outcome.accepted,
    verdictTop: topCode?.code ?? null,
    verdictFactors: factorIds.length,
    verdictError,
    leanSame,
  },
};
document.title = "ready";
