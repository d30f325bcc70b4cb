// @keel/client: Keel's TypeScript client. The typed program comes from idl/keel.json
// (src/generated, written by scripts/generate.ts); the rest is the few things an IDL cannot say:
// PDAs, the health-accounts order, the health view through simulateTransaction, error decoding.

export * from "./program";
export * from "./pda";
export * from "./health";
export * from "./markets";
export * from "./vault";
export * from "./orders";
export * from "./events";
export * from "./errors";
export { IDL } from "./generated/keel";
export * from "./generated/types";
export { KEEL_ERRORS } from "./generated/errors";
export type { KeelErrorName } from "./generated/errors";
export * from "./layout";
export * from "./pyth";
