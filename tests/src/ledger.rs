//! Conservation and liquidity: every vault's token balance equals, to the raw unit, what the
//! bank's ledgers say it holds, and covers what depositors may withdraw right now.

use crate::context::TestContext;
use anchor_lang::prelude::Pubkey;
use keel::math::FIXED_SCALE;
use keel::state::{MarginAccount, Side};
use keel_client::accounts as decode;

impl TestContext {
    /// Asserts, for every asset, conservation and liquidity to the raw unit:
    /// - Σ margin-account units equal the bank's `deposit_units` / `borrow_units`;
    /// - vault tokens and the unsocialised loss together equal, exactly in `Fixed` raw units, Σ
    ///   deposits · deposit index − Σ borrows · borrow index, plus the dust, plus (quote asset)
    ///   the insurance fund's claim and the perp side's quote (positions, queued maker fills,
    ///   fees, funding credited; see `perp_quote_ledger`);
    /// - liquidity: the vault holds at least what depositors may withdraw right now (deposits
    ///   less what the utilisation cap and the net-borrow limit withhold).
    pub async fn assert_conserved(&mut self) {
        let perp_quote = self.perp_quote_ledger().await;
        let pools = self.assert_pnl_pools().await;
        assert_eq!(perp_quote, pools, "the perp side's quote (positions, queue, fees, funding) vs Σ markets' fees + PnL pools");
        for asset in self.assets.clone() {
            let data = self.account_data(&asset.address).await.expect("asset exists");
            let listed = decode::collateral_asset(&data).expect("asset decodes");
            let vault = self.token_balance(&listed.vault).await as i128;
            let (mut deposit_units, mut borrow_units, mut exact) = (0u64, 0u64, 0i128);
            for account in self.margin_accounts.clone() {
                if self.account_data(&account).await.is_some() {
                    let units = self.margin_account(&account).await.units(asset.index);
                    if units >= 0 { deposit_units += units as u64 } else { borrow_units += units.unsigned_abs() }
                    exact += listed.indices().value(units).expect("value").raw();
                }
            }
            assert_eq!((deposit_units, borrow_units), (listed.deposit_units, listed.borrow_units), "asset {}: Σ account units vs the bank's totals", asset.index);
            let bank = &listed.bank;
            let ledgers = if asset.index == 0 { bank.insurance_claim as i128 + perp_quote + self.quote_donated as i128 } else { 0 };
            let booked = exact + bank.dust().raw() + (ledgers - bank.unsocialized_loss as i128) * FIXED_SCALE;
            assert_eq!(vault * FIXED_SCALE, booked, "asset {}: vault {vault} != Σ exact balances {exact} + dust {} + ledgers {ledgers} − unsocialised {} (Fixed raw)", asset.index, bank.dust(), bank.unsocialized_loss);
            let withdrawable = listed.withdrawable().expect("withdrawable") as i128;
            assert!(vault >= withdrawable, "asset {}: liquidity: vault {vault} < {withdrawable} withdrawable now", asset.index);
        }
        self.assert_insurance_conserved().await;
    }

    /// Asserts that no market has paid a gain ahead of its loss — every PnL pool and fee ledger
    /// is ≥ 0 — and that each market's owed gains are Σ its positions' `pnl_owed_native`.
    /// Returns Σ markets' fees + pools, the perp side's quote in the vault.
    pub async fn assert_pnl_pools(&mut self) -> i128 {
        let mut total = 0i128;
        for market in self.markets.clone() {
            let m = self.perp_market(&market.keys.market).await;
            let mut owed = 0i64;
            for account in self.margin_accounts.clone() {
                if self.account_data(&account).await.is_some() {
                    let margin = self.margin_account(&account).await;
                    owed += margin.perp(market.index).map_or(0, |p| p.pnl_owed_native);
                }
            }
            assert!(m.pnl_pool >= 0 && m.fees_accrued >= 0, "market {}: pool {} fees {}", market.index, m.pnl_pool, m.fees_accrued);
            assert_eq!(owed, m.pnl_owed, "market {}: Σ positions' owed gains vs the market's", market.index);
            total += m.fees_accrued as i128 + m.pnl_pool as i128;
        }
        total
    }

    /// Books a settled PnL of `amount` quote native units from `loser` to `winner` directly in
    /// the bank (at its stored indices) — a shortcut for tests that need a quote liability
    /// without trading. The loser's quote balance may go negative; value is conserved, so the
    /// vault still reconciles.
    pub async fn book_settled_pnl(&mut self, loser: &anchor_lang::prelude::Pubkey, winner: &anchor_lang::prelude::Pubkey, amount: i64) {
        let quote = self.assets[0];
        let mut asset_account = self.ctx.banks_client.get_account(quote.address).await.unwrap().unwrap();
        let mut asset = decode::collateral_asset(&asset_account.data).unwrap();
        for (key, delta) in [(*loser, -amount), (*winner, amount)] {
            let mut raw = self.ctx.banks_client.get_account(key).await.unwrap().unwrap();
            let mut margin = decode::margin_account(&raw.data).unwrap();
            let slot = margin.collateral_or_open(quote.index).expect("free slot");
            asset.change_balance(slot, delta).unwrap();
            margin.release_empty_collaterals();
            raw.data[8..8 + core::mem::size_of::<keel::state::MarginAccount>()].copy_from_slice(bytemuck::bytes_of(&*margin));
            self.set_account(&key, raw);
        }
        asset_account.data[8..8 + core::mem::size_of::<keel::state::CollateralAsset>()].copy_from_slice(bytemuck::bytes_of(&asset));
        self.set_account(&quote.address, asset_account);
        self.assert_conserved().await;
    }

    /// Asserts that `account`'s reservations in market `index` (lots and notional per side) and
    /// its open-order slots are exactly its orders on the book — true once every queued fill has
    /// been applied.
    pub async fn assert_reservations_match_book(&mut self, index: u16, key: &Pubkey, account: &MarginAccount) {
        let market = self.market(index).await;
        let book = self.book(index).await;
        for side in [Side::Bid, Side::Ask] {
            let resting: Vec<_> = book.side(side).iter().filter(|o| o.owner == *key).collect();
            let lots: i64 = resting.iter().map(|o| o.base_lots).sum();
            let notional: i64 = resting.iter().map(|o| market.notional(o.base_lots, o.price_lots).unwrap()).sum();
            let reserved = account.perp(index).map_or((0, 0), |p| match side {
                Side::Bid => (p.bids_base_lots, p.bids_quote_native),
                Side::Ask => (p.asks_base_lots, p.asks_quote_native),
            });
            assert_eq!(reserved, (lots, notional), "market {index} {side:?} reservation of {key}");
            let slots: Vec<_> = account.orders.iter().filter(|o| o.is_in_use() && o.market_index == index && o.side() == side).collect();
            assert_eq!(slots.len(), resting.len(), "market {index}: open-order slots vs book of {key}");
            for slot in slots {
                assert!(resting.iter().any(|o| o.order_id == slot.id() && o.base_lots == slot.base_lots && o.price_lots == slot.price_lots));
            }
        }
    }
}
