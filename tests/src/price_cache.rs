//! Cached prices in tests: `cache_prices` over every listed asset and market with an oracle,
//! liquidations whose lists omit the oracles, and the slot clock.

use crate::context::TestContext;
use crate::outcome::Outcome;
use crate::traders::Trader;
use anchor_lang::prelude::{AccountMeta, Clock, Pubkey};
use anchor_lang::solana_program::instruction::Instruction;
use keel::instructions::risk::ListAssetArgs;
use keel::oracle::OracleKind;
use keel_client::health::{KnownAsset, KnownMarket};
use keel_client::liquidation as lix;
use keel_client::liquidation::LiquidationParties;
use keel_client::price_cache::{cache_prices, cache_prices_ix, price_cache_pairs, without_oracles};

/// Which oracles a liquidation's health lists leave out, given the lists that read them all.
pub type OmitOracles = fn(&[AccountMeta], &[KnownAsset], &[KnownMarket]) -> Vec<AccountMeta>;

impl TestContext {
    /// The `cache_prices` pairs of every listed asset and market with an oracle.
    pub async fn all_price_pairs(&mut self) -> Vec<AccountMeta> {
        let assets = self.known_assets().await;
        let markets = self.known_markets().await;
        let listed: Vec<AccountMeta> = assets
            .iter()
            .map(|a| a.address)
            .chain(markets.iter().map(|m| m.address))
            .map(|key| AccountMeta::new_readonly(key, false))
            .collect();
        price_cache_pairs([listed.as_slice()], &assets, &markets)
    }

    /// `cache_prices` with `remaining` as its remaining accounts, sent by the payer.
    pub async fn cache_prices_with(&mut self, remaining: Vec<AccountMeta>) -> Outcome {
        let ix = cache_prices_ix(&self.exchange, remaining);
        self.send(&[ix], &[]).await
    }

    /// `cache_prices` of every listed asset and market with an oracle (one transaction each
    /// instruction of the client's split); returns the last outcome.
    pub async fn cache_all_prices(&mut self) -> Outcome {
        let pairs = self.all_price_pairs().await;
        let mut last = None;
        for ix in cache_prices(&self.exchange, &pairs) {
            let outcome = self.send(&[ix], &[]).await;
            outcome.assert_ok();
            last = Some(outcome);
        }
        last.expect("at least one asset or market has an oracle")
    }

    /// Lists a pulled asset (9 decimals, `volatile_params`) bound to market `index`'s oracle
    /// and feed, as a SOL collateral beside SOL-PERP; returns its index.
    pub async fn add_asset_on_market_oracle(&mut self, index: u16) -> u16 {
        let market = self.markets[index as usize];
        let mint = self.create_mint(9).await;
        let args = ListAssetArgs {
            params: crate::context::volatile_params(),
            oracle_kind: OracleKind::PythPull,
            feed_id: market.feed_id,
        };
        self.list(mint, 9, Some(market.keys.oracle), args)
            .await
            .assert_ok();
        self.assets.len() as u16 - 1
    }

    /// The cluster's slot.
    pub async fn slot(&mut self) -> u64 {
        let clock: Clock = self.ctx.banks_client.get_sysvar().await.expect("clock");
        clock.slot
    }

    /// Moves the clock's slot `slots` ahead (the time stays).
    pub async fn advance_slots(&mut self, slots: u64) {
        let mut clock: Clock = self.ctx.banks_client.get_sysvar().await.expect("clock");
        clock.slot += slots;
        self.ctx.set_sysvar(&clock);
    }

    /// The liquidation parties of [`Self::parties`] with both lists made from the
    /// oracle-reading ones by `omit`.
    async fn listed_parties(
        &mut self,
        liqor: &Trader,
        liqee: &Pubkey,
        taken: (Option<u16>, Option<u16>),
        omit: OmitOracles,
    ) -> LiquidationParties {
        let assets = self.known_assets().await;
        let markets = self.known_markets().await;
        let mut parties = self.parties(liqor, liqee, taken.0, taken.1).await;
        parties.liqee_health = omit(&parties.liqee_health, &assets, &markets);
        parties.liqor_health = omit(&parties.liqor_health, &assets, &markets);
        parties
    }

    /// The `liquidate_perp` instruction of [`Self::liquidate_perp_ix`] with both health lists
    /// priced by cached prices (the client's `without_oracles`).
    pub async fn liquidate_perp_cached_ix(
        &mut self,
        liqor: &Trader,
        liqee: &Pubkey,
        index: u16,
        max_base_lots: i64,
    ) -> Instruction {
        let parties = self
            .listed_parties(liqor, liqee, (None, Some(index)), without_oracles)
            .await;
        let keys = self.markets[index as usize].keys;
        let quote_mint = self.assets[0].mint;
        lix::liquidate_perp(&parties, &keys, &quote_mint, max_base_lots)
    }

    /// `liquidate_perp` with cached prices ([`Self::liquidate_perp_cached_ix`]); then checks
    /// conservation.
    pub async fn liquidate_perp_cached(
        &mut self,
        liqor: &Trader,
        liqee: &Pubkey,
        index: u16,
        max_base_lots: i64,
    ) -> Outcome {
        self.liquidate_perp_listed(liqor, liqee, index, max_base_lots, without_oracles)
            .await
    }

    /// `liquidate_perp` with both lists made from the oracle-reading ones by `omit`; then
    /// checks conservation.
    pub async fn liquidate_perp_listed(
        &mut self,
        liqor: &Trader,
        liqee: &Pubkey,
        index: u16,
        max_base_lots: i64,
        omit: OmitOracles,
    ) -> Outcome {
        let parties = self
            .listed_parties(liqor, liqee, (None, Some(index)), omit)
            .await;
        let keys = self.markets[index as usize].keys;
        let quote_mint = self.assets[0].mint;
        let ix = lix::liquidate_perp(&parties, &keys, &quote_mint, max_base_lots);
        let outcome = self.send(&[ix], &[&liqor.owner]).await;
        self.assert_conserved().await;
        outcome
    }

    /// `liquidate_collateral` of at most `max_amount` of `liqee`'s asset `index` with both
    /// health lists priced by cached prices; then checks conservation.
    pub async fn liquidate_collateral_cached(
        &mut self,
        liqor: &Trader,
        liqee: &Pubkey,
        index: u16,
        max_amount: u64,
    ) -> Outcome {
        self.liquidate_collateral_listed(liqor, liqee, index, max_amount, without_oracles)
            .await
    }

    /// [`Self::liquidate_collateral_cached`] with both lists made from the oracle-reading ones
    /// by `omit`.
    pub async fn liquidate_collateral_listed(
        &mut self,
        liqor: &Trader,
        liqee: &Pubkey,
        index: u16,
        max_amount: u64,
        omit: OmitOracles,
    ) -> Outcome {
        let parties = self
            .listed_parties(liqor, liqee, (Some(index), None), omit)
            .await;
        let ix = self.liquidate_collateral_ix(&parties, index, max_amount);
        let outcome = self.send(&[ix], &[&liqor.owner]).await;
        self.assert_conserved().await;
        outcome
    }
}
