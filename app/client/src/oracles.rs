//! Instruction builders of oracle replacement (admin).

use crate::instructions::build;
use crate::pda;
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use keel::instructions::risk::ReplaceOracleArgs;
use keel::{accounts as acc, instruction as ix};

/// `replace_asset_oracle` of the asset of `mint`, binding `new_oracle`.
pub fn replace_asset_oracle(
    admin: &Pubkey,
    exchange: &Pubkey,
    mint: &Pubkey,
    new_oracle: &Pubkey,
    args: ReplaceOracleArgs,
) -> Instruction {
    let accounts = acc::ReplaceAssetOracle {
        admin: *admin,
        exchange: *exchange,
        asset: pda::asset(exchange, mint),
        new_oracle: *new_oracle,
    };
    build(accounts, ix::ReplaceAssetOracle { args }, vec![])
}

/// `replace_market_oracle` of the market at `market`, binding `new_oracle`.
pub fn replace_market_oracle(
    admin: &Pubkey,
    exchange: &Pubkey,
    market: &Pubkey,
    new_oracle: &Pubkey,
    args: ReplaceOracleArgs,
) -> Instruction {
    let accounts = acc::ReplaceMarketOracle {
        admin: *admin,
        exchange: *exchange,
        market: *market,
        new_oracle: *new_oracle,
    };
    build(accounts, ix::ReplaceMarketOracle { args }, vec![])
}
