//! `create_insurance_fund` (admin): creates the exchange's insurance fund and its quote vault,
//! with the admin withdrawal limit fixed for good and the keeper bounty rule.

use crate::error::KeelError;
use crate::events::{emit_event, InsuranceFundCreated};
use crate::instructions::pda_account::{create_pda, init_zero_copy};
use crate::instructions::vault::emit_bounty_params;
use crate::state::{
    BountyParams, Exchange, InsuranceFund, INSURANCE_FUND_VERSION, INSURANCE_PERIOD_RANGE, INSURANCE_SEED, INSURANCE_VAULT_SEED,
    MAX_INSURANCE_WITHDRAW_BPS,
};
use anchor_lang::prelude::*;
use anchor_spl::token::{self, InitializeAccount3, Mint, Token, TokenAccount};

/// Accounts of `create_insurance_fund`.
#[derive(Accounts)]
pub struct CreateInsuranceFund<'info> {
    /// Pays rent.
    #[account(mut)]
    pub payer: Signer<'info>,
    /// The exchange admin.
    pub admin: Signer<'info>,
    /// The exchange.
    #[account(mut, has_one = admin @ KeelError::NotAdmin, has_one = quote_mint @ KeelError::WrongMint)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The exchange's quote mint.
    #[account(mint::token_program = token_program)]
    pub quote_mint: Account<'info, Mint>,
    /// The new fund, PDA `["insurance", exchange]`.
    /// CHECK: the address is checked by `seeds`; the handler creates the account.
    #[account(mut, seeds = [INSURANCE_SEED, exchange.key().as_ref()], bump)]
    pub insurance_fund: UncheckedAccount<'info>,
    /// The new vault, PDA `["insurance_vault", exchange]`, authority: the exchange.
    /// CHECK: the address is checked by `seeds`; the handler creates and initialises it.
    #[account(mut, seeds = [INSURANCE_VAULT_SEED, exchange.key().as_ref()], bump)]
    pub insurance_vault: UncheckedAccount<'info>,
    /// SPL Token.
    pub token_program: Program<'info, Token>,
    /// System program.
    pub system_program: Program<'info, System>,
}

impl CreateInsuranceFund<'_> {
    /// Checks the limits, creates the fund and its vault.
    pub fn handler(ctx: Context<Self>, withdraw_limit_bps: u16, withdraw_period_secs: u32, bounty: BountyParams) -> Result<()> {
        bounty.validate()?;
        crate::check!(
            withdraw_limit_bps <= MAX_INSURANCE_WITHDRAW_BPS && INSURANCE_PERIOD_RANGE.contains(&withdraw_period_secs),
            KeelError::InvalidInsuranceLimits
        );
        let a = &ctx.accounts;
        let exchange = a.exchange.key();
        let fund_bump = [ctx.bumps.insurance_fund];
        let fund_seeds: [&[u8]; 3] = [INSURANCE_SEED, exchange.as_ref(), &fund_bump];
        create_pda(&a.payer, &a.insurance_fund, &a.system_program, &crate::ID, InsuranceFund::SPACE, &fund_seeds)?;
        let vault_bump = [ctx.bumps.insurance_vault];
        let vault_seeds: [&[u8]; 3] = [INSURANCE_VAULT_SEED, exchange.as_ref(), &vault_bump];
        create_pda(&a.payer, &a.insurance_vault, &a.system_program, &token::ID, TokenAccount::LEN, &vault_seeds)?;
        let accounts = InitializeAccount3 {
            account: a.insurance_vault.to_account_info(),
            mint: a.quote_mint.to_account_info(),
            authority: a.exchange.to_account_info(),
        };
        token::initialize_account3(CpiContext::new(a.token_program.key(), accounts))?;

        let mut fund = init_zero_copy::<InsuranceFund>(&a.insurance_fund)?;
        fund.version = INSURANCE_FUND_VERSION;
        fund.bump = ctx.bumps.insurance_fund;
        fund.vault_bump = ctx.bumps.insurance_vault;
        fund.withdraw_limit_bps = withdraw_limit_bps;
        fund.withdraw_period_secs = withdraw_period_secs;
        fund.exchange = exchange;
        fund.vault = a.insurance_vault.key();
        fund.bounty = bounty;
        let mut exchange_state = a.exchange.load_mut()?;
        emit_event(&InsuranceFundCreated {
            exchange,
            insurance_fund: a.insurance_fund.key(),
            vault: fund.vault,
            withdraw_limit_bps,
            withdraw_period_secs,
            admin_seq: exchange_state.next_admin_seq(),
        });
        emit_bounty_params(exchange, &bounty, exchange_state.next_admin_seq());
        Ok(())
    }
}
