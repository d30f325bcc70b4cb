// @keel/client: Keel's TypeScript client. The typed program comes from idl/keel.json
// (src/generated, written by scripts/generate.ts).

export * from "./program";
export { IDL } from "./generated/keel";
export { KEEL_ERRORS } from "./generated/errors";
export type { KeelErrorName } from "./generated/errors";
