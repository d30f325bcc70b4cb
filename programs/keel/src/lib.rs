//! Keel: a cross-margin perpetual-futures exchange on Solana.
//!
//! This file only dispatches; see `instructions/` (one instruction per file), `state/`
//! (account layouts), `oracle/` (Pyth adapters and guards), and the `keel-risk` crate
//! (`crates/keel-risk`), re-exported here as [`risk`] (the health engine) and [`math`] (the
//! fixed-point type).

use anchor_lang::prelude::*;
use state::BountyParams;

pub mod error;
pub mod events;
pub mod instructions;
pub mod log;
pub mod oracle;
pub mod state;

pub use keel_risk::{bank, math, risk};

#[cfg(test)]
mod oracle_quote_tests;

pub use instructions::liquidation::*;
pub use instructions::markets::*;
pub use instructions::risk::*;
pub use instructions::vault::*;

declare_id!("EcYNVzk6rdrvEmVWeJUy29L3zobUSKWHziR5X7iqSrho");

/// The Keel program's instructions.
#[program]
pub mod keel {
    use super::*;

    /// Creates an exchange (PDA of the creator) with its admin and quote mint.
    pub fn initialize_exchange(ctx: Context<InitializeExchange>, admin: Pubkey) -> Result<()> {
        InitializeExchange::handler(ctx, admin)
    }

    /// Admin: lists a collateral asset (the quote mint first).
    pub fn list_asset(ctx: Context<ListAsset>, args: ListAssetArgs) -> Result<()> {
        ListAsset::handler(ctx, args)
    }

    /// Admin: changes an asset's parameters or pauses its deposits.
    pub fn update_asset(ctx: Context<UpdateAsset>, args: UpdateAssetArgs) -> Result<()> {
        UpdateAsset::handler(ctx, args)
    }

    /// Admin: pauses or resumes the exchange.
    pub fn set_exchange_pause(ctx: Context<SetExchangePause>, paused: bool) -> Result<()> {
        SetExchangePause::handler(ctx, paused)
    }

    /// Opens a margin account for the owner.
    pub fn create_margin_account(ctx: Context<CreateMarginAccount>, account_index: u16) -> Result<()> {
        CreateMarginAccount::handler(ctx, account_index)
    }

    /// Owner: sets or clears the account's delegate and its slippage and loss limits.
    pub fn set_delegate(ctx: Context<SetDelegate>, args: SetDelegateArgs) -> Result<()> {
        SetDelegate::handler(ctx, args)
    }

    /// Owner: closes an empty account (rent back).
    pub fn close_margin_account(ctx: Context<CloseMarginAccount>) -> Result<()> {
        CloseMarginAccount::handler(ctx)
    }

    /// Owner or delegate: deposits tokens of a listed asset.
    #[access_control(ctx.accounts.validate(amount))]
    pub fn deposit(ctx: Context<Deposit>, amount: u64) -> Result<()> {
        Deposit::handler(ctx, amount)
    }

    /// Owner: withdraws tokens; Init health must stay ≥ 0. Health accounts as remaining accounts.
    #[access_control(ctx.accounts.validate(amount))]
    pub fn withdraw<'info>(ctx: Context<'info, Withdraw<'info>>, amount: u64) -> Result<()> {
        Withdraw::handler(ctx, amount)
    }

    /// Admin: lists a perp market and binds its order book and fill queue.
    pub fn list_perp_market(ctx: Context<ListPerpMarket>, args: ListPerpMarketArgs) -> Result<()> {
        ListPerpMarket::handler(ctx, args)
    }

    /// Admin: changes a perp market's parameters or pauses it.
    pub fn update_perp_market(ctx: Context<UpdatePerpMarket>, args: UpdatePerpMarketArgs) -> Result<()> {
        UpdatePerpMarket::handler(ctx, args)
    }

    /// Owner or delegate: places an order; matches at once, rests the remainder by type, and
    /// checks health. Health accounts as remaining accounts.
    pub fn place_order<'info>(ctx: Context<'info, PlaceOrder<'info>>, args: PlaceOrderArgs) -> Result<()> {
        PlaceOrder::handler(ctx, args)
    }

    /// Owner or delegate: cancels one order (book id or client id) or all in a market.
    /// Optional remaining accounts: the exchange and the market's oracle, so the funding premium
    /// is sampled against a fresh price (a failing oracle is ignored: a cancel needs no price).
    pub fn cancel_order<'info>(ctx: Context<'info, CancelOrder<'info>>, target: CancelTarget) -> Result<()> {
        CancelOrder::handler(ctx, target)
    }

    /// Crank: applies up to `limit` queued fills to makers (maker accounts as remaining accounts).
    pub fn consume_fills<'info>(ctx: Context<'info, ConsumeFills<'info>>, limit: u8) -> Result<()> {
        ConsumeFills::handler(ctx, limit)
    }

    /// Crank: settles one account's position in a market against the market's PnL pool
    /// (funding, owed gains, and its unrealised loss while the pool is short).
    pub fn settle_pnl(ctx: Context<SettlePnl>) -> Result<()> {
        SettlePnl::handler(ctx)
    }

    /// Crank: moves a market's funding index.
    pub fn update_funding(ctx: Context<UpdateFunding>) -> Result<()> {
        UpdateFunding::handler(ctx)
    }

    /// Admin: creates the insurance fund with its fixed withdrawal limit.
    pub fn create_insurance_fund(
        ctx: Context<CreateInsuranceFund>,
        withdraw_limit_bps: u16,
        withdraw_period_secs: u32,
        bounty: BountyParams,
    ) -> Result<()> {
        CreateInsuranceFund::handler(ctx, withdraw_limit_bps, withdraw_period_secs, bounty)
    }

    pub fn set_bounty_params(ctx: Context<SetBountyParams>, bounty: BountyParams) -> Result<()> {
        SetBountyParams::handler(ctx, bounty)
    }

    pub fn liquidation_cancel_orders<'info>(ctx: Context<'info, LiquidationCancelOrders<'info>>) -> Result<()> {
        LiquidationCancelOrders::handler(ctx)
    }

    pub fn liquidate_perp<'info>(
        ctx: Context<'info, LiquidatePerp<'info>>,
        max_base_lots: i64,
        liqee_health_accounts: u8,
    ) -> Result<()> {
        LiquidatePerp::handler(ctx, max_base_lots, liqee_health_accounts)
    }

    pub fn liquidate_collateral<'info>(
        ctx: Context<'info, LiquidateCollateral<'info>>,
        max_amount: u64,
        liqee_health_accounts: u8,
    ) -> Result<()> {
        LiquidateCollateral::handler(ctx, max_amount, liqee_health_accounts)
    }

    pub fn settle_bankruptcy(ctx: Context<SettleBankruptcy>) -> Result<()> {
        SettleBankruptcy::handler(ctx)
    }

    /// Anyone: adds quote tokens to the insurance fund.
    pub fn deposit_insurance(ctx: Context<DepositInsurance>, amount: u64) -> Result<()> {
        DepositInsurance::handler(ctx, amount)
    }

    /// Admin: withdraws from the insurance fund within its limit.
    pub fn withdraw_insurance(ctx: Context<WithdrawInsurance>, amount: u64) -> Result<()> {
        WithdrawInsurance::handler(ctx, amount)
    }

    /// Crank: moves the fund's claim into its vault as far as liquidity allows.
    pub fn settle_insurance_claim(ctx: Context<SettleInsuranceClaim>) -> Result<()> {
        SettleInsuranceClaim::handler(ctx)
    }

    /// Crank: accrues an asset's interest to now.
    pub fn accrue_interest(ctx: Context<AccrueInterest>) -> Result<()> {
        AccrueInterest::handler(ctx)
    }

    /// View: the account's health report as return data. Health accounts as remaining accounts.
    pub fn health<'info>(ctx: Context<'info, HealthView<'info>>) -> Result<HealthReport> {
        HealthView::handler(ctx)
    }

    /// Permissionless: caches the guarded prices of (asset or market, oracle) pairs, so a
    /// liquidation's health accounts may omit those oracles for a few slots.
    pub fn cache_prices<'info>(ctx: Context<'info, CachePrices<'info>>) -> Result<()> {
        CachePrices::handler(ctx)
    }

    /// Admin: replaces an asset's oracle (kind, account, feed id, guards); never the quote's.
    pub fn replace_asset_oracle(ctx: Context<ReplaceAssetOracle>, args: ReplaceOracleArgs) -> Result<()> {
        ReplaceAssetOracle::handler(ctx, args)
    }

    /// Admin: replaces a perp market's oracle (kind, account, feed id, guards).
    pub fn replace_market_oracle(ctx: Context<ReplaceMarketOracle>, args: ReplaceOracleArgs) -> Result<()> {
        ReplaceMarketOracle::handler(ctx, args)
    }
}
