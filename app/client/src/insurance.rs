//! Instruction builders of the insurance fund.

use crate::instructions::build;
use crate::pda;
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::system_program;
use keel::state::BountyParams;
use keel::{accounts as acc, instruction as ix};

/// `create_insurance_fund` of `exchange` (quote mint `quote_mint`).
pub fn create_insurance_fund(
    payer: &Pubkey,
    admin: &Pubkey,
    exchange: &Pubkey,
    quote_mint: &Pubkey,
    withdraw_limit_bps: u16,
    withdraw_period_secs: u32,
    bounty: BountyParams,
) -> Instruction {
    let accounts = acc::CreateInsuranceFund {
        payer: *payer,
        admin: *admin,
        exchange: *exchange,
        quote_mint: *quote_mint,
        insurance_fund: pda::insurance_fund(exchange),
        insurance_vault: pda::insurance_vault(exchange),
        token_program: anchor_spl::token::ID,
        system_program: system_program::ID,
    };
    build(accounts, ix::CreateInsuranceFund { withdraw_limit_bps, withdraw_period_secs, bounty }, vec![])
}

/// `deposit_insurance` of `amount` quote native from `source`.
pub fn deposit_insurance(depositor: &Pubkey, exchange: &Pubkey, source: &Pubkey, amount: u64) -> Instruction {
    let accounts = acc::DepositInsurance {
        depositor: *depositor,
        insurance_fund: pda::insurance_fund(exchange),
        vault: pda::insurance_vault(exchange),
        source: *source,
        token_program: anchor_spl::token::ID,
    };
    build(accounts, ix::DepositInsurance { amount }, vec![])
}

/// `withdraw_insurance` of `amount` quote native to `destination`.
pub fn withdraw_insurance(admin: &Pubkey, exchange: &Pubkey, destination: &Pubkey, amount: u64) -> Instruction {
    let accounts = acc::WithdrawInsurance {
        admin: *admin,
        exchange: *exchange,
        insurance_fund: pda::insurance_fund(exchange),
        vault: pda::insurance_vault(exchange),
        destination: *destination,
        token_program: anchor_spl::token::ID,
    };
    build(accounts, ix::WithdrawInsurance { amount }, vec![])
}

/// `settle_insurance_claim`: moves the fund's claim in the quote bank into its vault as far as
/// liquidity allows.
pub fn settle_insurance_claim(exchange: &Pubkey, quote_mint: &Pubkey) -> Instruction {
    let accounts = acc::SettleInsuranceClaim {
        exchange: *exchange,
        quote_asset: pda::asset(exchange, quote_mint),
        vault: pda::vault(exchange, quote_mint),
        insurance_fund: pda::insurance_fund(exchange),
        insurance_vault: pda::insurance_vault(exchange),
        token_program: anchor_spl::token::ID,
    };
    build(accounts, ix::SettleInsuranceClaim {}, vec![])
}

/// `accrue_interest` of the asset of `mint`.
pub fn accrue_interest(exchange: &Pubkey, mint: &Pubkey) -> Instruction {
    build(acc::AccrueInterest { asset: pda::asset(exchange, mint) }, ix::AccrueInterest {}, vec![])
}

/// `set_bounty_params` (admin).
pub fn set_bounty_params(admin: &Pubkey, exchange: &Pubkey, bounty: BountyParams) -> Instruction {
    let accounts = acc::SetBountyParams { admin: *admin, exchange: *exchange, insurance_fund: pda::insurance_fund(exchange) };
    build(accounts, ix::SetBountyParams { bounty }, vec![])
}
