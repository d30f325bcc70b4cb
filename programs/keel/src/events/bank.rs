//! Events of an asset's bank: interest, socialised losses, the insurance fund's claim.

use anchor_lang::prelude::*;

/// Interest accrued on an asset's borrows.
#[event]
pub struct InterestAccrued {
    /// The asset account.
    pub asset: Pubkey,
    /// The asset's index.
    pub asset_index: u16,
    /// Seconds accrued over.
    pub elapsed_secs: i64,
    /// Utilisation the rate was read at, bps.
    pub utilization_bps: u64,
    /// Annual borrow rate, `Fixed` raw (10^18 = 100 %).
    pub borrow_rate: i128,
    /// Annual deposit rate, `Fixed` raw.
    pub deposit_rate: i128,
    /// Interest borrowers now owe in all, `Fixed` raw quote native.
    pub interest: i128,
    /// The protocol's share into the insurance fund's claim, native.
    pub protocol_share: u64,
    /// Deposit index afterwards, `Fixed` raw.
    pub deposit_index: i128,
    /// Borrow index afterwards, `Fixed` raw.
    pub borrow_index: i128,
    /// The asset's event sequence.
    pub asset_seq: u64,
}

/// A loss nobody else could cover was spread over every deposit by lowering the deposit index.
#[event]
pub struct LossSocialized {
    /// The bankrupt margin account.
    pub account: Pubkey,
    /// The loss, native.
    pub amount: u64,
    /// Deposit index before, `Fixed` raw.
    pub deposit_index_before: i128,
    /// Deposit index after, `Fixed` raw.
    pub deposit_index_after: i128,
    /// Part of the loss the deposits could not absorb (they were exhausted), native.
    pub unsocialized: u64,
    /// The quote asset's event sequence.
    pub asset_seq: u64,
}

/// Tokens of the insurance fund's claim moved from the quote vault into the fund's vault.
#[event]
pub struct InsuranceClaimSettled {
    /// The exchange.
    pub exchange: Pubkey,
    /// Amount moved, native.
    pub amount: u64,
    /// The claim left in the quote bank, native.
    pub claim_after: u64,
    /// The fund vault's token balance afterwards.
    pub fund_vault_after: u64,
    /// The quote asset's event sequence.
    pub asset_seq: u64,
}

/// The insurance fund's claim in the quote bank changed: a fee share swept in, a liquidation
/// penalty, a keeper bounty or a bankruptcy covered from it (kinds as `InsuranceFlow`'s).
#[event]
pub struct InsuranceClaimChanged {
    /// The exchange.
    pub exchange: Pubkey,
    /// What moved: 2 fee share swept, 3 liquidation penalty, 4 keeper bounty, 5 deficit.
    pub kind: u8,
    /// The market or the margin account (liquidated, liquidator or bankrupt).
    pub counterparty: Pubkey,
    /// Signed amount, quote native: positive into the claim.
    pub amount: i64,
    /// The claim afterwards, native.
    pub claim_after: u64,
    /// The fund's event sequence.
    pub fund_seq: u64,
}

/// A position's gains owed by its market's PnL pool changed: a gain the pool could not pay
/// was left owed (`delta > 0`), or owed gains were paid into the quote balance or cancelled by
/// a loss (`delta < 0`).
#[event]
pub struct PnlOwedChanged {
    /// The margin account.
    pub account: Pubkey,
    /// The market's index.
    pub market_index: u16,
    /// Change of the owed gains, quote native.
    pub delta: i64,
    /// The position's owed gains after, quote native.
    pub owed_after: i64,
    /// The market's pool after, quote native.
    pub pool_after: i64,
    /// Account sequence number.
    pub account_seq: u64,
}

/// `settle_pnl` booked part of a position's unrealised loss into its market's PnL pool, for
/// gains owed to others.
#[event]
pub struct UnrealisedLossBooked {
    /// The margin account.
    pub account: Pubkey,
    /// The market's index.
    pub market_index: u16,
    /// The loss booked (taken from the quote balance, added to the position's cost), quote native.
    pub amount: i64,
    /// The oracle price it was measured at, quote native per base native, `Fixed` raw.
    pub oracle_price: i128,
    /// The account's native quote balance after.
    pub quote_balance_after: i64,
    /// The market's pool after, quote native.
    pub pool_after: i64,
    /// Account sequence number.
    pub account_seq: u64,
}
