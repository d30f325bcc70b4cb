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
