import { KEEL_ERRORS, KEEL_PROGRAM_ID, SimulationError } from "@keel/client";
import { WalletSignTransactionError } from "@solana/wallet-adapter-base";
import { describe, expect, it } from "vitest";
import { PRICE_FAILURE_HINT, describeError, failedPriceOf, programLogLines } from "./errors";

const KEEL = KEEL_PROGRAM_ID.toBase58();
const SOL_ORACLE = "7UVimffxr9ow1uXYxsr4LHAcV58mLzhmwaeKvJ1pjLiE";
const code = (name: keyof typeof KEEL_ERRORS) => `0x${KEEL_ERRORS[name].code.toString(16)}`;

/** The logs of a health view refused for a stale SOL price, as the program writes them. */
const staleLogs = [
  `Program ${KEEL} invoke [1]`,
  "Program log: Instruction: Health",
  `Program log: oracle ${SOL_ORACLE}: OracleStale (price 15000000000 conf 7500000 expo -8 published 1000 now 4719)`,
  `Program ${KEEL} failed: custom program error: ${code("OracleStale")}`,
];

describe("describeError", () => {
  it("names a stale feed by the program's logged line, with its age and what still works", () => {
    expect(failedPriceOf(programLogLines(staleLogs))).toEqual({ oracle: SOL_ORACLE, error: "OracleStale", publishTime: 1000, now: 4719 });
    const names = new Map([[SOL_ORACLE, "the SOL price feed (7UVimf…jLiE)"]]);
    const problem = describeError(new SimulationError("simulation failed", staleLogs), "http://127.0.0.1:8899", names);
    expect(problem.title).toBe(`The program refused: ${KEEL_ERRORS.OracleStale.msg}`);
    expect(problem.detail).toBe(`The SOL price feed (7UVimf…jLiE): last published 3719 s before the program's clock. ${PRICE_FAILURE_HINT}`);
  });
  it("says which oracle failed when the feed has no name", () => {
    const problem = describeError(new SimulationError("simulation failed", staleLogs), "http://127.0.0.1:8899");
    expect(problem.detail).toContain(`The oracle ${SOL_ORACLE}: last published 3719 s`);
  });
  it("gives the program's last log line and a hint for other refusals", () => {
    const logs = [
      `Program ${KEEL} invoke [1]`,
      "Program log: delegate limits: slippage 2000 bps (1..=1000), period 3600 s (60..=2678400)",
      `Program ${KEEL} failed: custom program error: ${code("InvalidDelegateLimits")}`,
    ];
    const problem = describeError(new SimulationError("simulation failed", logs), "http://x");
    expect(problem.keelError?.name).toBe("InvalidDelegateLimits");
    expect(problem.detail).toMatch(/^delegate limits: slippage 2000 bps \(1\.\.=1000\), period 3600 s \(60\.\.=2678400\)\. Choose limits/);
  });
  it("tells a rejected signature and an unreachable RPC apart", () => {
    expect(describeError(new WalletSignTransactionError("User rejected the request."), "http://x").title).toBe("You rejected the request in your wallet");
    expect(describeError(new TypeError("failed to get recent blockhash: TypeError: Failed to fetch"), "http://127.0.0.1:1").title).toBe(
      "The RPC at http://127.0.0.1:1 is unreachable",
    );
  });
});
