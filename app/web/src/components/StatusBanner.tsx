// What is wrong with the exchange as a whole, above everything else: the exchange pause (its
// account's flag, live) and every price feed older than the maximum age a market or asset
// allows it on the cluster's clock, named, with what still works. The program decides; this
// says in advance what its guards will say (each refusal repeats it in the program's words).

import { useExchange } from "../chain/exchange";
import { useClusterClock } from "../chain/clock";
import { PRICE_FAILURE_HINT } from "../chain/errors";
import { marketSymbol } from "../chain/symbols";
import { formatDuration } from "../format";

/** One feed and the markets and assets that read it, with the age each allows. */
interface FeedUse {
  oracle: string;
  users: { name: string; maxAge: number }[];
}

function feedUses(listing: ReturnType<typeof useExchange>["listing"], symbols: Map<number, string>): FeedUse[] {
  const byOracle = new Map<string, FeedUse>();
  const add = (oracle: string, name: string, maxAge: number) => {
    const use = byOracle.get(oracle) ?? { oracle, users: [] };
    use.users.push({ name, maxAge });
    byOracle.set(oracle, use);
  };
  for (const { market } of listing.markets) add(market.oracle.toBase58(), marketSymbol(market.symbol), market.oracleMaxAgeSecs);
  for (const { asset } of listing.assets) {
    if (asset.oracleKind !== 0) add(asset.oracle.toBase58(), `${symbols.get(asset.index) ?? `asset ${asset.index}`} collateral`, asset.oracleMaxAgeSecs);
  }
  return [...byOracle.values()];
}

/** The exchange pause and the stale feeds, or nothing. */
export function StatusBanner() {
  const { listing, symbols, oracles, feeds } = useExchange();
  const clock = useClusterClock();
  const stale = feedUses(listing, symbols).flatMap((use) => {
    const price = oracles.get(use.oracle);
    if (!price) return [];
    const age = Math.max(0, Math.floor(clock.now - price.publishTime));
    const over = use.users.filter((u) => age > u.maxAge);
    return over.length > 0 ? [{ ...use, age, over }] : [];
  });
  if (listing.account.paused === 0 && stale.length === 0) return null;
  return (
    <section className="status" data-testid="status">
      {listing.account.paused !== 0 && (
        <p className="problem" data-testid="exchange-paused">
          <strong>The exchange is paused</strong> by its admin: withdrawals and orders that add risk are refused; deposits, cancels and reduce-only orders
          still work.
        </p>
      )}
      {stale.map((feed) => (
        <p className="problem" key={feed.oracle} data-testid="stale-feed">
          <strong>
            {capitalise(feeds.get(feed.oracle) ?? feed.oracle)} is stale
          </strong>
          : last published {formatDuration(feed.age)} ago by the cluster's clock, older than{" "}
          {feed.over.map((u) => `${u.name} allows (${formatDuration(u.maxAge)})`).join(" and ")}. {PRICE_FAILURE_HINT}
        </p>
      ))}
    </section>
  );
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
