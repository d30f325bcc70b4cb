// The account overview: the program's health report (the simulated `health` view) shown in
// human units — collateral by asset, health per kind with its gauge, free collateral,
// leverage — and the account's liquidation state. Numbers are the report's; this only
// formats them (leverage is Σ |position notional| ÷ equity, both the report's values).

import { HealthLine, HealthReport, MarginAccount } from "@keel/client";
import { useExchange } from "../chain/exchange";
import { Problem } from "../chain/errors";
import { NO_DELEGATE } from "../chain/delegate";
import { Amount, big, bpsToPercent, formatDuration, formatUnits, formatUtcTime, nativePriceToUsd, ratioToDecimal } from "../format";
import { HealthGauge } from "./HealthGauge";

const LIQUIDATION_STATES = ["none", "in progress", "ended (until the next Init health check passes)"];

/** The health report's kinds, in the order shown. */
export const HEALTH_KINDS: { key: "init" | "maint" | "liquidationEnd"; label: string; means: string }[] = [
  { key: "init", label: "Init", means: "to open risk or withdraw" },
  { key: "maint", label: "Maint", means: "below 0: liquidatable" },
  { key: "liquidationEnd", label: "LiquidationEnd", means: "a liquidation stops at 0" },
];

/** Leverage from the report: Σ |base lots × oracle per lot| ÷ (collateral value + Σ unrealised PnL), or undefined. */
export function leverageOf(report: HealthReport): string | undefined {
  const notional = report.perps.reduce((sum, p) => {
    const v = big(p.baseLots) * big(p.oraclePricePerLot);
    return sum + (v < 0n ? -v : v);
  }, 0n);
  const equity = big(report.collateralValue) + report.perps.reduce((sum, p) => sum + big(p.unrealizedPnl), 0n);
  if (equity <= 0n) return notional > 0n ? "∞" : undefined;
  return `${ratioToDecimal(notional, equity, 2)}×`;
}

function HealthRow({ label, means, line, q }: { label: string; means: string; line: HealthLine; q: (v: HealthLine["health"]) => string }) {
  return (
    <tr data-testid={`health-${label}`}>
      <th title={means}>{label}</th>
      <td className="num" data-testid={`health-${label}-value`}>
        {q(line.health)}
      </td>
      <td>
        <HealthGauge label={label} health={line.health} assets={line.assets} />
      </td>
      <td className="num">{q(line.assets)}</td>
      <td className="num">{q(line.liabilities)}</td>
      <td className="num">{q(line.perpPnl)}</td>
      <td className="num">{q(line.perpRequirements)}</td>
    </tr>
  );
}

/** The account's delegate and its limits as stored in the account (what it used of the current period included). */
function DelegateLine({ account, quote, quoteDecimals }: { account: MarginAccount; quote: string; quoteDecimals: number }) {
  if (account.delegate.equals(NO_DELEGATE)) {
    return (
      <p className="muted" data-testid="delegate">
        Delegate: none
      </p>
    );
  }
  const limits = account.delegateLimits;
  const q = (v: Amount) => `${formatUnits(v, quoteDecimals, 2)} ${quote}`;
  const start = big(limits.periodStartTs);
  return (
    <p data-testid="delegate">
      Delegate: <code data-testid="delegate-key">{account.delegate.toBase58()}</code> · fills within{" "}
      <span data-testid="delegate-slippage">{bpsToPercent(limits.maxSlippageBps, 2)}</span> of the oracle · may cost up to{" "}
      <span data-testid="delegate-loss-limit">{q(limits.lossLimit)}</span> per <span data-testid="delegate-period">{formatDuration(limits.periodSecs)}</span>{" "}
      · used <span data-testid="delegate-used">{q(limits.periodLoss)}</span> in the period from{" "}
      <span data-testid="delegate-period-start">{formatUtcTime(start)}</span> (a new one starts with its first order from{" "}
      {formatUtcTime(start + BigInt(limits.periodSecs))})
    </p>
  );
}

/** Collateral, health, free collateral, leverage and liquidation state of one account. */
export function AccountOverview({ account, report, error }: { account: MarginAccount; report?: HealthReport; error?: Problem }) {
  const { listing, symbols } = useExchange();
  const qd = listing.account.quoteDecimals;
  const quote = symbols.get(0) ?? "quote";
  const q = (v: HealthLine["health"]) => formatUnits(v, qd, 2);
  const liquidation = LIQUIDATION_STATES[account.beingLiquidated] ?? `state ${account.beingLiquidated}`;
  return (
    <section className="panel" data-testid="account-overview">
      <h2>Account</h2>
      {error && (
        <p className="problem" data-testid="health-error">
          Health view: {error.title}. {error.detail} {report && "The numbers below are the last the program computed."}
        </p>
      )}
      <p data-testid="liquidation-state" className={account.beingLiquidated === 1 ? "problem" : "muted"}>
        Liquidation: {liquidation}
      </p>
      <DelegateLine account={account} quote={quote} quoteDecimals={qd} />
      {!report ? (
        <p className="muted">Simulating the program's health view…</p>
      ) : (
        <>
          <dl className="facts">
            <dt>Collateral value</dt>
            <dd data-testid="collateral-value">
              {q(report.collateralValue)} {quote}
            </dd>
            <dt>Free collateral (Init health)</dt>
            <dd data-testid="free-collateral">
              {formatUnits(big(report.init.health) > 0n ? report.init.health : 0, qd, 2)} {quote}
            </dd>
            <dt>Leverage</dt>
            <dd data-testid="leverage">{leverageOf(report) ?? "—"}</dd>
          </dl>
          <table className="health">
            <thead>
              <tr>
                <th>Health ({quote})</th>
                <th>value</th>
                <th>ratio</th>
                <th>weighted assets</th>
                <th>liabilities</th>
                <th>perp PnL</th>
                <th>requirements</th>
              </tr>
            </thead>
            <tbody>
              {HEALTH_KINDS.map((k) => (
                <HealthRow key={k.key} label={k.label} means={k.means} line={report[k.key]} q={q} />
              ))}
            </tbody>
          </table>
          <table data-testid="collateral">
            <thead>
              <tr>
                <th>Asset</th>
                <th>amount</th>
                <th>price</th>
                <th>value ({quote})</th>
                <th>weight init / maint</th>
              </tr>
            </thead>
            <tbody>
              {report.collaterals.map((c) => {
                const known = listing.assets.find((a) => a.asset.index === c.assetIndex);
                if (!known) return null;
                const a = known.asset;
                const borrowing = big(c.balance) < 0n;
                const weights = borrowing ? [a.initLiabWeightBps, a.maintLiabWeightBps] : [a.initAssetWeightBps, a.maintAssetWeightBps];
                const symbol = symbols.get(c.assetIndex) ?? "?";
                return (
                  <tr key={c.assetIndex} data-testid={`collateral-${symbol}`}>
                    <td>{symbol}</td>
                    <td className="num" data-testid={`collateral-${symbol}-amount`}>
                      {formatUnits(c.balance, a.decimals, Math.min(a.decimals, 4))}
                    </td>
                    <td className="num">{nativePriceToUsd(c.oraclePrice, a.decimals, qd, 2)}</td>
                    <td className="num">{q(c.value)}</td>
                    <td className="num">
                      {weights.map((w) => bpsToPercent(w, 0)).join(" / ")}
                      {borrowing ? " (liability)" : ""}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
