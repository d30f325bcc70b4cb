//! `initialize_exchange`: creates an exchange with its admin and quote (settlement) mint.

use crate::events::{emit_event, ExchangeInitialized};
use crate::instructions::pda_account::{create_pda, init_zero_copy};
use crate::state::{Exchange, EXCHANGE_SEED, EXCHANGE_VERSION};
use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token};

/// Accounts of `initialize_exchange`.
#[derive(Accounts)]
pub struct InitializeExchange<'info> {
    /// Pays rent and seeds the exchange PDA.
    #[account(mut)]
    pub creator: Signer<'info>,
    /// The new exchange, PDA `["exchange", creator]`.
    /// CHECK: the address is checked by `seeds`; the handler creates the account.
    #[account(mut, seeds = [EXCHANGE_SEED, creator.key().as_ref()], bump)]
    pub exchange: UncheckedAccount<'info>,
    /// The quote mint (an SPL Token USD stablecoin).
    #[account(mint::token_program = token_program)]
    pub quote_mint: Account<'info, Mint>,
    /// SPL Token.
    pub token_program: Program<'info, Token>,
    /// System program.
    pub system_program: Program<'info, System>,
}

impl InitializeExchange<'_> {
    /// Creates the exchange; `admin` may differ from the creator (e.g. a multisig).
    pub fn handler(ctx: Context<Self>, admin: Pubkey) -> Result<()> {
        let accounts = &ctx.accounts;
        let bump = ctx.bumps.exchange;
        let creator = accounts.creator.key();
        let seeds: [&[u8]; 3] = [EXCHANGE_SEED, creator.as_ref(), core::slice::from_ref(&bump)];
        create_pda(&accounts.creator, &accounts.exchange, &accounts.system_program, &crate::ID, Exchange::SPACE, &seeds)?;
        let mut exchange = init_zero_copy::<Exchange>(&accounts.exchange)?;
        exchange.version = EXCHANGE_VERSION;
        exchange.bump = bump;
        exchange.quote_decimals = ctx.accounts.quote_mint.decimals;
        exchange.creator = creator;
        exchange.admin = admin;
        exchange.quote_mint = ctx.accounts.quote_mint.key();
        emit_event(&ExchangeInitialized {
            exchange: ctx.accounts.exchange.key(),
            admin,
            quote_mint: exchange.quote_mint,
        });
        Ok(())
    }
}
