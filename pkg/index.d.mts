// ES-module view of the types in index.d.ts (identical API).
export * from "./index.js";
