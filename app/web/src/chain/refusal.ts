// Why the program would refuse an action, from a simulation's failure: the program's error
// (name and message from @keel/client) and, for a health check, the numbers the program logged
// with it ("place_order: init health would be -37353421.5 (weighted assets …; quote native)").

import { SimulationError } from "@keel/client";
import { FIXED_SCALE, parseFixedDisplay, ratioToDecimal } from "../format";
import { FeedNames, Problem, describeError, programLogLines } from "./errors";

/** The health components the program logged with a refused health check, `Fixed` raw quote native. */
export interface LoggedHealth {
  action: string;
  health: bigint;
  assets: bigint;
  liabilities: bigint;
  perpPnl: bigint;
  perpRequirements: bigint;
}

/** A refused action: what the user reads, and the logged numbers when there are some. */
export interface Refusal extends Problem {
  logged?: LoggedHealth;
}

const HEALTH_LINE =
  /^(\w+): init health would be (-?[\d.]+) \(weighted assets (-?[\d.]+), weighted liabilities (-?[\d.]+), perp pnl (-?[\d.]+), perp requirements (-?[\d.]+); quote native\)/;

/** The health numbers of the program's refused-health-check log line, if `logs` hold one. */
export function loggedHealth(logs: string[]): LoggedHealth | undefined {
  for (const line of programLogLines(logs)) {
    const m = HEALTH_LINE.exec(line);
    if (m) {
      const [health, assets, liabilities, perpPnl, perpRequirements] = m.slice(2).map(parseFixedDisplay);
      return { action: m[1], health, assets, liabilities, perpPnl, perpRequirements };
    }
  }
  return undefined;
}

/** A `Fixed` raw quote native value in whole quote tokens. */
export function fixedQuote(raw: bigint, quoteDecimals: number, fractionDigits = 2): string {
  return ratioToDecimal(raw, FIXED_SCALE * 10n ** BigInt(quoteDecimals), fractionDigits);
}

/** The refusal of a failed simulation (or whatever else failed), in words. */
export function refusalOf(err: unknown, rpcUrl: string, quoteSymbol: string, quoteDecimals: number, names?: FeedNames): Refusal {
  const problem = describeError(err, rpcUrl, names);
  if (!(err instanceof SimulationError)) return problem;
  const logged = loggedHealth(err.logs);
  if (!logged) return problem;
  const q = (raw: bigint) => `${fixedQuote(raw, quoteDecimals)} ${quoteSymbol}`;
  return {
    ...problem,
    title: `The program would refuse: Init health would be ${q(logged.health)}`,
    detail:
      `${problem.keelError ? `${problem.keelError.msg} (${problem.keelError.name}). ` : ""}` +
      `Weighted assets ${q(logged.assets)}, liabilities ${q(logged.liabilities)}, perp PnL ${q(logged.perpPnl)}, requirements ${q(logged.perpRequirements)}.`,
    logged,
  };
}
