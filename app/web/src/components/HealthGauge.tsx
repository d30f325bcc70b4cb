// A health kind as a gauge: the share of weighted assets left after liabilities, PnL and
// requirements (health ÷ weighted assets), 0 % at the kind's threshold.

import { Amount, big, ratioToDecimal } from "../format";

/** health ÷ assets in basis points, clamped to 0..=10 000 (0 when there are no assets). */
export function healthRatioBps(health: Amount, assets: Amount): number {
  const a = big(assets);
  if (a <= 0n) return 0;
  const bps = (big(health) * 10_000n) / a;
  return Number(bps < 0n ? 0n : bps > 10_000n ? 10_000n : bps);
}

/** The gauge of one health kind. */
export function HealthGauge({ label, health, assets }: { label: string; health: Amount; assets: Amount }) {
  const bps = healthRatioBps(health, assets);
  const negative = big(health) < 0n;
  const tone = negative ? "bad" : bps < 2_000 ? "warn" : "good";
  return (
    <div className={`gauge ${tone}`} role="meter" aria-label={`${label} health ratio`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={bps / 100}>
      <div className="gauge-fill" style={{ width: `${bps / 100}%` }} />
      <span className="gauge-text">{negative ? "below 0" : `${ratioToDecimal(bps, 100, 1)}%`}</span>
    </div>
  );
}
