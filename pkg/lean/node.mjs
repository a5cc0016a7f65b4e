// wendu/lean for Node (ES module): re-exports the CommonJS entry (one module instance).
import wendu from "./node.cjs";

export const { Engine, TriggerEngine, WenduError, version } = wendu;
