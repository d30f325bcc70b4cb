//! Settling the markets' PnL pools. A market pays a winner only out of losses paid into its
//! pool; a gain the pool cannot pay is owed on the position. While a market owes more than its
//! pool holds, the keeper cranks `settle_pnl` on the losers — largest unrealised loss first,
//! until their losses cover the shortfall (the program books no more than that) — and then on
//! the accounts owed gains, so winners are paid as soon as the losses behind them are booked.
//! Accounts in (or ready for) liquidation are left to the liquidation, whose steps book their
//! losses.

use crate::metrics::Metrics;
use crate::state::Registry;
use crate::tx::{Sender, TxError};
use anchor_lang::prelude::Pubkey;
use keel::math::Fixed;
use keel::state::{MarginAccount, PerpMarket, PerpPosition};
use keel_client::markets as mix;

/// Most `settle_pnl` transactions per market per round.
pub const MAX_SETTLES_PER_MARKET: usize = 16;

/// The accounts to settle in `market`, in order: losers (by unrealised PnL at the market's last
/// recorded oracle price plus pending funding, most negative first) until their losses cover the pool's shortfall,
/// then every account owed gains (largest first) when the pool will hold anything.
pub fn settlement_plan<'a>(
    market: &PerpMarket,
    accounts: impl Iterator<Item = (&'a Pubkey, &'a MarginAccount)>,
) -> Vec<Pubkey> {
    let mut losers: Vec<(i64, Pubkey)> = Vec::new();
    let mut owed: Vec<(i64, Pubkey)> = Vec::new();
    for (key, account) in accounts {
        let Some(position) = account.perp(market.index) else {
            continue;
        };
        if position.pnl_owed_native > 0 {
            owed.push((position.pnl_owed_native, *key));
        }
        if position.base_lots != 0 {
            // A funding payer settles its funding into the pool too: count what it owes.
            let funding = position
                .pending_funding(market.funding_index())
                .unwrap_or(0);
            let pnl = unrealised_pnl(market, position).saturating_add(funding);
            if pnl < 0 {
                losers.push((pnl, *key));
            }
        }
    }
    losers.sort();
    owed.sort_by(|a, b| b.cmp(a));
    let mut plan = Vec::new();
    let mut covered = 0i64;
    let shortfall = market.pool_shortfall();
    for (pnl, key) in losers {
        if covered >= shortfall {
            break;
        }
        covered = covered.saturating_add(pnl.saturating_neg());
        plan.push(key);
    }
    if market.pnl_pool > 0 || covered > 0 {
        plan.extend(owed.into_iter().map(|(_, key)| key));
    }
    plan.truncate(MAX_SETTLES_PER_MARKET);
    plan
}

/// A position's unrealised PnL at the market's last recorded oracle price, quote native
/// (0 when no price has been recorded or on overflow: such a position is not ranked as a loser).
fn unrealised_pnl(market: &PerpMarket, position: &PerpPosition) -> i64 {
    let price = market.last_oracle_price();
    if price <= Fixed::ZERO {
        return 0;
    }
    market.unrealised_pnl(position, price).unwrap_or(0)
}

/// Runs the settlement plan of every market that owes gains; returns the transactions landed.
pub async fn settle_pools(
    sender: &Sender,
    registry: &Registry,
    metrics: &Metrics,
) -> Result<usize, TxError> {
    let mut landed = 0;
    for known in registry.markets.iter().filter(|m| m.market.pnl_owed > 0) {
        let Some(keys) = registry.market_keys(known.market.index) else {
            continue;
        };
        let accounts = registry
            .accounts
            .iter()
            .map(|(key, account)| (key, &**account));
        for account in settlement_plan(&known.market, accounts) {
            if in_liquidation(registry, &account) {
                continue;
            }
            match sender
                .simulate_and_send(&[mix::settle_pnl(&keys, &account)])
                .await
            {
                Ok(_) => {
                    landed += 1;
                    Metrics::inc(&metrics.cranks, "settle_pnl");
                }
                Err(err) => {
                    tracing::debug!(market = known.market.index, %account, detail = err.detail, "settle_pnl not landed")
                }
            }
        }
    }
    Ok(landed)
}

/// True for an account a liquidation is taking or may take now: its steps book its losses
/// into the pool themselves, and a settlement racing them would only make the liquidators'
/// simulated steps stale.
fn in_liquidation(registry: &Registry, key: &Pubkey) -> bool {
    let Some(account) = registry.accounts.get(key) else {
        return true;
    };
    if account.being_liquidated != 0 {
        return true;
    }
    registry.evaluate(key).map_or(true, |e| {
        crate::state::is_liquidatable(
            account,
            e.report.maint.health,
            e.report.liquidation_end.health,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use keel::state::MarketIndices;

    fn market(pool: i64, owed: i64) -> PerpMarket {
        let mut market: PerpMarket = bytemuck::Zeroable::zeroed();
        market.base_lot_size = 10_000_000;
        market.pnl_pool = pool;
        market.pnl_owed = owed;
        // SOL at 100 USD: 0.1 USDC native per lamport; 100 lots (1e9 lamports) are worth 1e8.
        market.record_oracle_price(Fixed::from_bps(1_000), 0);
        market
    }

    fn account(base_lots: i64, quote_native: i64, owed: i64) -> Box<MarginAccount> {
        let mut account: Box<MarginAccount> = Box::new(bytemuck::Zeroable::zeroed());
        let slot = account.perp_or_open(0, MarketIndices::default()).unwrap();
        slot.base_lots = base_lots;
        slot.quote_native = quote_native;
        slot.pnl_owed_native = owed;
        account
    }

    #[test]
    fn losers_first_until_the_shortfall_is_covered_then_the_owed() {
        let m = market(0, 15_000_000);
        let keys: Vec<Pubkey> = (0..4).map(|_| Pubkey::new_unique()).collect();
        let accounts = [
            account(100, -110_000_000, 0), // −10
            account(100, -120_000_000, 0), // −20
            account(0, 0, 15_000_000),     // owed 15
            account(-100, 105_000_000, 0), // +5
        ];
        let plan = settlement_plan(&m, keys.iter().zip(accounts.iter().map(|a| &**a)));
        assert_eq!(
            plan,
            vec![keys[1], keys[2]],
            "the biggest loser covers the 15 alone"
        );
    }

    #[test]
    fn nothing_owed_means_no_loser_is_charged() {
        let m = market(0, 0);
        let key = Pubkey::new_unique();
        let loser = account(100, -120_000_000, 0);
        assert!(settlement_plan(&m, std::iter::once((&key, &*loser))).is_empty());
    }

    #[test]
    fn a_pool_that_holds_enough_pays_the_owed_without_losers() {
        let m = market(20_000_000, 15_000_000);
        let keys = [Pubkey::new_unique(), Pubkey::new_unique()];
        let accounts = [account(100, -120_000_000, 0), account(0, 0, 15_000_000)];
        let plan = settlement_plan(&m, keys.iter().zip(accounts.iter().map(|a| &**a)));
        assert_eq!(plan, vec![keys[1]]);
    }

    #[test]
    fn a_funding_payer_counts_as_a_loser() {
        let mut m = market(0, 5_000_000);
        // Longs have paid 50 000 per lot since the position's snapshot: 100 lots owe 5 USDC.
        m.set_funding_index(Fixed::from_i64(50_000));
        let keys = [Pubkey::new_unique(), Pubkey::new_unique()];
        let accounts = [account(100, -100_000_000, 0), account(0, 0, 5_000_000)];
        let plan = settlement_plan(&m, keys.iter().zip(accounts.iter().map(|a| &**a)));
        assert_eq!(plan, vec![keys[0], keys[1]]);
    }
}
