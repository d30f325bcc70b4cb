//! Program-derived addresses, derived exactly as the program's seeds constraints do.

use anchor_lang::prelude::Pubkey;
use keel::state::{ASSET_SEED, EXCHANGE_SEED, INSURANCE_SEED, INSURANCE_VAULT_SEED, MARGIN_ACCOUNT_SEED, PERP_MARKET_SEED, VAULT_SEED};

/// The exchange created by `creator`.
pub fn exchange(creator: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[EXCHANGE_SEED, creator.as_ref()], &keel::ID).0
}

/// The collateral asset of `mint` on `exchange`.
pub fn asset(exchange: &Pubkey, mint: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[ASSET_SEED, exchange.as_ref(), mint.as_ref()], &keel::ID).0
}

/// The vault token account of `mint` on `exchange`.
pub fn vault(exchange: &Pubkey, mint: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[VAULT_SEED, exchange.as_ref(), mint.as_ref()], &keel::ID).0
}

/// Margin account number `index` of `owner` on `exchange`.
pub fn margin_account(exchange: &Pubkey, owner: &Pubkey, index: u16) -> Pubkey {
    Pubkey::find_program_address(
        &[MARGIN_ACCOUNT_SEED, exchange.as_ref(), owner.as_ref(), &index.to_le_bytes()],
        &keel::ID,
    )
    .0
}

/// Perp market number `index` on `exchange`.
pub fn perp_market(exchange: &Pubkey, index: u16) -> Pubkey {
    Pubkey::find_program_address(&[PERP_MARKET_SEED, exchange.as_ref(), &index.to_le_bytes()], &keel::ID).0
}

/// The insurance fund of `exchange`.
pub fn insurance_fund(exchange: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[INSURANCE_SEED, exchange.as_ref()], &keel::ID).0
}

/// The insurance fund's quote vault of `exchange`.
pub fn insurance_vault(exchange: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[INSURANCE_VAULT_SEED, exchange.as_ref()], &keel::ID).0
}
