// Health before → after an action, from the program's health view (now, and simulated after
// the action), or the program's reason for refusing it — shown before the wallet signs.

import { HealthReport } from "@keel/client";
import { useExchange } from "../chain/exchange";
import { big, formatUnits } from "../format";
import { HEALTH_KINDS } from "./AccountOverview";
import { Preview } from "./usePreview";

/** The preview of one form. */
export function HealthChange({ before, preview, testId }: { before?: HealthReport; preview: Preview; testId: string }) {
  const { listing, symbols } = useExchange();
  const qd = listing.account.quoteDecimals;
  const quote = symbols.get(0) ?? "quote";
  if (preview.status === "idle") return null;
  if (preview.status === "invalid") {
    return (
      <p className="problem" data-testid={`${testId}-invalid`}>
        {preview.message}
      </p>
    );
  }
  if (preview.status === "simulating") return <p className="muted">Simulating with the program…</p>;
  if (preview.status === "unpriced") {
    return (
      <div className="warn" data-testid={`${testId}-unpriced`}>
        <strong>The program accepts this action, but its health view cannot price the account now.</strong>
        <p data-testid={`${testId}-unpriced-detail`}>
          {preview.problem.title}. {preview.problem.detail}
        </p>
      </div>
    );
  }
  if (preview.status === "refused") {
    return (
      <div className="problem" data-testid={`${testId}-refusal`}>
        <strong data-testid={`${testId}-refusal-title`}>{preview.refusal.title}</strong>
        {preview.refusal.detail && <p data-testid={`${testId}-refusal-detail`}>{preview.refusal.detail}</p>}
      </div>
    );
  }
  const after = preview.after;
  const q = (v: HealthReport["collateralValue"] | undefined) => (v === undefined ? "—" : formatUnits(v, qd, 2));
  return (
    <table className="health-change" data-testid={`${testId}-preview`}>
      <thead>
        <tr>
          <th>health ({quote})</th>
          <th>now</th>
          <th></th>
          <th>after</th>
        </tr>
      </thead>
      <tbody>
        {HEALTH_KINDS.map((k) => {
          const down = before && big(after[k.key].health) < big(before[k.key].health);
          return (
            <tr key={k.key} data-testid={`${testId}-${k.label}`}>
              <th>{k.label}</th>
              <td className="num" data-testid={`${testId}-${k.label}-before`}>
                {q(before?.[k.key].health)}
              </td>
              <td>→</td>
              <td className={`num ${big(after[k.key].health) < 0n ? "bad" : down ? "warn" : ""}`} data-testid={`${testId}-${k.label}-after`}>
                {q(after[k.key].health)}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
