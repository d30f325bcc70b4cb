//! Events: one for every balance change and every parameter change.
//!
//! Balance events carry the margin account's own monotonic `account_seq` and the asset's
//! `asset_seq` or the market's `market_seq`; admin events carry the exchange's `admin_seq`. Sequences are per account rather
//! than global so that unrelated transactions never contend for one writable counter.

use crate::instructions::markets::PerpMarketParams;
use crate::instructions::risk::AssetParams;
use anchor_lang::prelude::*;

mod bank;
mod liquidation;
mod oracle;
pub use bank::*;
pub use liquidation::*;
pub use oracle::*;

/// Writes an event to the transaction log (`Program data: <base64>`).
pub fn emit_event<E: anchor_lang::Event>(event: &E) {
    crate::log::log_data(&event.data());
}

/// An exchange was created.
#[event]
pub struct ExchangeInitialized {
    /// The exchange.
    pub exchange: Pubkey,
    /// Its admin.
    pub admin: Pubkey,
    /// Its quote (settlement) mint.
    pub quote_mint: Pubkey,
}

/// A collateral asset was listed.
#[event]
pub struct AssetListed {
    /// The exchange.
    pub exchange: Pubkey,
    /// The asset account.
    pub asset: Pubkey,
    /// The asset's index.
    pub index: u16,
    /// Its mint.
    pub mint: Pubkey,
    /// Its oracle (default for the quote asset).
    pub oracle: Pubkey,
    /// Its oracle kind.
    pub oracle_kind: u8,
    /// Its risk parameters.
    pub params: AssetParams,
    /// Exchange admin sequence number.
    pub admin_seq: u64,
}

/// A collateral asset's parameters or pause flag changed.
#[event]
pub struct AssetUpdated {
    /// The asset account.
    pub asset: Pubkey,
    /// The asset's index.
    pub index: u16,
    /// The parameters now in force.
    pub params: AssetParams,
    /// Whether deposits are paused now.
    pub deposits_paused: bool,
    /// Exchange admin sequence number.
    pub admin_seq: u64,
}

/// The exchange was paused or resumed.
#[event]
pub struct ExchangePauseSet {
    /// The exchange.
    pub exchange: Pubkey,
    /// Paused now.
    pub paused: bool,
    /// Exchange admin sequence number.
    pub admin_seq: u64,
}

/// A margin account was created.
#[event]
pub struct MarginAccountCreated {
    /// The margin account.
    pub account: Pubkey,
    /// Its owner.
    pub owner: Pubkey,
    /// The owner's index for it.
    pub account_index: u16,
}

/// A margin account's delegate changed.
#[event]
pub struct DelegateSet {
    /// The margin account.
    pub account: Pubkey,
    /// The new delegate (default = none).
    pub delegate: Pubkey,
    /// Farthest from the oracle its fills may lie, bps.
    pub max_slippage_bps: u16,
    /// Most its orders may cost per period, quote native.
    pub loss_limit: u64,
    /// Length of the period, seconds.
    pub period_secs: u32,
    /// Account sequence number.
    pub account_seq: u64,
}

/// A margin account was closed and its rent returned.
#[event]
pub struct MarginAccountClosed {
    /// The margin account.
    pub account: Pubkey,
    /// Its owner, who received the rent.
    pub owner: Pubkey,
}

/// Tokens moved into (deposit) or out of (withdrawal) a margin account.
#[event]
pub struct CollateralMoved {
    /// The margin account.
    pub account: Pubkey,
    /// The signer.
    pub authority: Pubkey,
    /// The asset's index.
    pub asset_index: u16,
    /// The asset's mint.
    pub mint: Pubkey,
    /// Signed amount, native units: positive for a deposit, negative for a withdrawal.
    pub amount: i64,
    /// The account's balance afterwards, native units.
    pub balance_after: i64,
    /// The vault's token balance afterwards, native units.
    pub vault_balance_after: u64,
    /// Init health afterwards, quote native, rounded down (withdrawals only; 0 for deposits).
    pub init_health_after: i64,
    /// Account sequence number.
    pub account_seq: u64,
    /// Asset sequence number.
    pub asset_seq: u64,
}

/// A perp market was listed.
#[event]
pub struct PerpMarketListed {
    /// The market account.
    pub market: Pubkey,
    /// Its index.
    pub index: u16,
    /// Base symbol.
    pub symbol: [u8; 16],
    /// Oracle account.
    pub oracle: Pubkey,
    /// Base native per base lot.
    pub base_lot_size: i64,
    /// Quote native per quote lot.
    pub quote_lot_size: i64,
    /// Its parameters.
    pub params: PerpMarketParams,
    /// Exchange admin sequence number.
    pub admin_seq: u64,
}

/// A perp market's parameters or pause flag changed.
#[event]
pub struct PerpMarketUpdated {
    /// The market account.
    pub market: Pubkey,
    /// Its index.
    pub index: u16,
    /// The parameters now in force.
    pub params: PerpMarketParams,
    /// Paused now.
    pub paused: bool,
    /// Exchange admin sequence number.
    pub admin_seq: u64,
}

/// An order was placed: what it took from the book at once and what now rests.
#[event]
pub struct OrderPlaced {
    /// The margin account.
    pub account: Pubkey,
    /// The market's index.
    pub market_index: u16,
    /// 0 = bid, 1 = ask.
    pub side: u8,
    /// Order type (0 limit, 1 post-only, 2 immediate-or-cancel, 3 market).
    pub order_type: u8,
    /// Reduce-only.
    pub reduce_only: bool,
    /// The trader's id.
    pub client_order_id: u64,
    /// The book id of the resting part (meaningless when nothing rests).
    pub order_id: u64,
    /// Limit price, quote lots per base lot.
    pub price_lots: i64,
    /// Size asked for (after reduce-only clamping), base lots.
    pub base_lots: i64,
    /// Filled at once, base lots.
    pub filled_lots: i64,
    /// Resting on the book, base lots.
    pub rested_lots: i64,
    /// Account sequence number.
    pub account_seq: u64,
}

/// A resting order left the book without trading (or its reservation was released).
#[event]
pub struct OrderCancelled {
    /// The margin account.
    pub account: Pubkey,
    /// The market's index.
    pub market_index: u16,
    /// The book id.
    pub order_id: u64,
    /// The trader's id.
    pub client_order_id: u64,
    /// 0 = bid, 1 = ask.
    pub side: u8,
    /// Base lots released.
    pub base_lots: i64,
    /// 0 cancelled, 1 expired, 2 evicted from a full book, 3 self-trade prevention.
    pub reason: u8,
    /// Account sequence number (0 when emitted before the owner's account was touched).
    pub account_seq: u64,
}

/// A taker traded with a resting order. The taker's side is settled in this instruction; the
/// maker's when `consume_fills` applies the queued fill (see [`MakerFillApplied`]).
#[event]
pub struct OrderFilled {
    /// The market's index.
    pub market_index: u16,
    /// The taker's margin account.
    pub taker: Pubkey,
    /// The maker's margin account.
    pub maker: Pubkey,
    /// The taker's side, 0 = bid, 1 = ask.
    pub taker_side: u8,
    /// The maker order's id.
    pub maker_order_id: u64,
    /// Price, quote lots per base lot.
    pub price_lots: i64,
    /// Base lots traded.
    pub base_lots: i64,
    /// Quote native traded.
    pub notional: i64,
    /// Taker fee, quote native.
    pub taker_fee: i64,
    /// Maker fee (negative: rebate), quote native, charged when the fill is applied.
    pub maker_fee: i64,
    /// Share of the fees booked into the insurance fund's claim in the quote bank, quote native.
    pub insurance_share: i64,
    /// PnL the taker realised into its quote balance, quote native.
    pub taker_realized_pnl: i64,
    /// The taker's position afterwards, base lots.
    pub taker_position_after: i64,
    /// The taker's quote balance afterwards, quote native.
    pub taker_quote_balance_after: i64,
    /// Fill queue sequence number of the maker's event.
    pub fill_seq: u64,
    /// Market sequence number.
    pub market_seq: u64,
}

/// `consume_fills` applied a queued fill to the maker's account.
#[event]
pub struct MakerFillApplied {
    /// The market's index.
    pub market_index: u16,
    /// The maker's margin account.
    pub maker: Pubkey,
    /// The maker order's id.
    pub maker_order_id: u64,
    /// Price, quote lots per base lot.
    pub price_lots: i64,
    /// Base lots traded.
    pub base_lots: i64,
    /// Maker fee (negative: rebate), quote native.
    pub maker_fee: i64,
    /// PnL the maker realised into its quote balance, quote native.
    pub realized_pnl: i64,
    /// Funding the fill's lots owed between the match and now, credited (positive) or debited,
    /// quote native.
    pub funding: i64,
    /// The maker's position afterwards, base lots.
    pub position_after: i64,
    /// The maker's quote balance afterwards, quote native.
    pub quote_balance_after: i64,
    /// Fill queue sequence number.
    pub fill_seq: u64,
    /// Account sequence number.
    pub account_seq: u64,
}

/// `update_funding` moved a market's cumulative funding index.
#[event]
pub struct FundingUpdated {
    /// The market's index.
    pub market_index: u16,
    /// Book price at the crank, quote native per base lot, `Fixed` raw (the rate applied is the
    /// time-weighted premium since the last update, not this one price's).
    pub book_price: i128,
    /// Oracle price, quote native per base lot, `Fixed` raw.
    pub oracle_price: i128,
    /// Rate applied: the time-weighted average premium, bps of the oracle price per interval
    /// (clamped).
    pub rate_bps: i64,
    /// Seconds accrued (at most one interval).
    pub elapsed_secs: i64,
    /// The index afterwards, quote native per base lot, `Fixed` raw.
    pub funding_index: i128,
    /// Market sequence number.
    pub market_seq: u64,
}

/// Funding was settled into a position's quote balance.
#[event]
pub struct FundingSettled {
    /// The margin account.
    pub account: Pubkey,
    /// The market's index.
    pub market_index: u16,
    /// Credited (positive) or debited, quote native.
    pub amount: i64,
    /// The position, base lots.
    pub base_lots: i64,
    /// Account sequence number.
    pub account_seq: u64,
}

/// The insurance fund was created.
#[event]
pub struct InsuranceFundCreated {
    /// The exchange.
    pub exchange: Pubkey,
    /// The fund account.
    pub insurance_fund: Pubkey,
    /// Its quote vault.
    pub vault: Pubkey,
    /// Admin withdrawals per period, bps of the balance (fixed).
    pub withdraw_limit_bps: u16,
    /// The period, seconds (fixed).
    pub withdraw_period_secs: u32,
    /// Exchange admin sequence number.
    pub admin_seq: u64,
}

/// [`InsuranceFlow::kind`]: a deposit by anyone.
pub const INSURANCE_DEPOSIT: u8 = 0;
/// [`InsuranceFlow::kind`]: an admin withdrawal.
pub const INSURANCE_WITHDRAWAL: u8 = 1;
/// [`InsuranceFlow::kind`]: a market's insurance share of fees swept in.
pub const INSURANCE_FEES: u8 = 2;

/// [`InsuranceFlow::kind`]: a liquidation penalty paid in.
pub const INSURANCE_PENALTY: u8 = 3;
/// [`InsuranceFlow::kind`]: a keeper bounty paid out.
pub const INSURANCE_BOUNTY: u8 = 4;
/// [`InsuranceFlow::kind`]: a bankrupt account's deficit covered.
pub const INSURANCE_DEFICIT: u8 = 5;

/// Quote moved into or out of the insurance fund.
#[event]
pub struct InsuranceFlow {
    /// The exchange.
    pub exchange: Pubkey,
    /// What moved: 0 deposit, 1 admin withdrawal, 2 fee share swept, 3 liquidation penalty,
    /// 4 keeper bounty, 5 bankruptcy deficit covered.
    pub kind: u8,
    /// The depositor, the withdrawal's destination, the market, or the margin account
    /// (liquidated, liquidator or bankrupt).
    pub counterparty: Pubkey,
    /// Signed amount, quote native: positive into the fund.
    pub amount: i64,
    /// The fund's booked balance afterwards.
    pub balance_after: u64,
    /// The fund vault's token balance afterwards.
    pub vault_balance_after: u64,
    /// Fund sequence number.
    pub fund_seq: u64,
}
