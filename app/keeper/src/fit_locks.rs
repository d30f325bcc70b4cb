//! Steps too wide for one transaction: a liquidation between two accounts holding different
//! assets and markets can name more than the 64 accounts a transaction may lock. The keeper
//! then sends `cache_prices` for every asset and market of both lists and prices the step by
//! the cached prices (both lists without oracles, `keel_client::price_cache`). A step that
//! lands more than `keel::state::PRICE_CACHE_MAX_SLOTS` after its cache is refused with
//! `PriceCacheStale`, which the round takes as stale: it refreshes and caches again.

use crate::liquidate::Liquidator;
use crate::tx::TxError;
use anchor_lang::solana_program::instruction::Instruction;
use keel_client::liquidation::LiquidationParties;
use keel_client::lookup_table::{self as alt, MAX_ACCOUNT_LOCKS};
use keel_client::price_cache::{cache_prices, cached_liquidation};

/// Accounts the sender adds to every transaction: the Compute Budget program.
const SENDER_ACCOUNTS: usize = 1;

/// Whether `ix`, paid by `payer`, locks more accounts than a transaction may.
pub fn exceeds_locks(payer: &anchor_lang::prelude::Pubkey, ix: &Instruction) -> bool {
    alt::v0_transaction_size(payer, std::slice::from_ref(ix), &[]).map_or(true, |stats| {
        stats.account_locks + SENDER_ACCOUNTS > MAX_ACCOUNT_LOCKS
    })
}

impl Liquidator<'_> {
    /// `parties` priced by cached prices, after the `cache_prices` transactions their lists
    /// need have landed; `None` (nothing sent) when even the cached step, built by `build`,
    /// would lock too many accounts — an oracle bound to two listings of a list stays in it.
    /// The caches are sent together, so that the step follows the oldest of them by one
    /// confirmation, not by one per transaction.
    pub(crate) async fn cache_and_price_by_cache(
        &self,
        parties: &LiquidationParties,
        build: impl Fn(&LiquidationParties) -> Result<Instruction, TxError>,
    ) -> Result<Option<LiquidationParties>, TxError> {
        let (cached, pairs) =
            cached_liquidation(parties, &self.registry.assets, &self.registry.markets);
        if exceeds_locks(&parties.liquidator, &build(&cached)?) {
            return Ok(None);
        }
        let sends = cache_prices(&self.registry.exchange_key, &pairs)
            .into_iter()
            .map(|ix| async move {
                let simulated = self.sender.simulate(std::slice::from_ref(&ix)).await?;
                self.sender
                    .send(std::slice::from_ref(&ix), simulated.units)
                    .await
            });
        futures_util::future::try_join_all(sends).await?;
        self.metrics.prices_cached.inc();
        tracing::debug!(liqee = %parties.liqee_account, pairs = pairs.len() / 2, "prices cached for a step over the lock limit");
        Ok(Some(cached))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_lang::prelude::{AccountMeta, Pubkey};

    fn ix_with(accounts: usize) -> Instruction {
        let accounts = (0..accounts)
            .map(|_| AccountMeta::new_readonly(Pubkey::new_unique(), false))
            .collect();
        Instruction {
            program_id: keel::ID,
            accounts,
            data: vec![],
        }
    }

    #[test]
    fn a_step_over_64_locks_with_the_payer_program_and_compute_budget_exceeds() {
        let payer = Pubkey::new_unique();
        // 61 accounts + payer + Keel + Compute Budget = 64
        assert!(!exceeds_locks(&payer, &ix_with(61)));
        assert!(exceeds_locks(&payer, &ix_with(62)));
    }
}
