// wendu for Node (ES module): re-exports the CommonJS entry, so `import` and `require` share one
// module instance and one WenduError class.
import wendu from "./node.cjs";

export const { Engine, TriggerEngine, WenduError, version } = wendu;
