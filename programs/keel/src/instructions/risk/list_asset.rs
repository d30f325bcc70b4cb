//! `list_asset` (admin): lists a collateral asset with its vault, oracle and risk parameters.

use crate::error::KeelError;
use crate::events::{emit_event, AssetListed};
use crate::instructions::pda_account::{create_pda, init_zero_copy};
use crate::instructions::risk::AssetParams;
use crate::oracle::{pyth_legacy, pyth_pull, OracleKind};
use crate::state::{BankState, CollateralAsset, Exchange, ASSET_SEED, ASSET_VERSION, VAULT_SEED};
use anchor_lang::prelude::*;
use anchor_spl::token::{self, InitializeAccount3, Mint, Token, TokenAccount};

/// Arguments of `list_asset`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug)]
pub struct ListAssetArgs {
    /// Risk parameters.
    pub params: AssetParams,
    /// Where the price comes from; `Fixed` only for the quote asset.
    pub oracle_kind: OracleKind,
    /// The Pyth feed id (pull oracle); ignored otherwise.
    pub feed_id: [u8; 32],
}

/// Accounts of `list_asset`.
#[derive(Accounts)]
pub struct ListAsset<'info> {
    /// Pays rent for the asset and its vault.
    #[account(mut)]
    pub payer: Signer<'info>,
    /// The exchange admin.
    pub admin: Signer<'info>,
    /// The exchange.
    #[account(mut, has_one = admin @ KeelError::NotAdmin)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The asset's mint (SPL Token).
    #[account(mint::token_program = token_program)]
    pub mint: Account<'info, Mint>,
    /// The new asset, PDA `["asset", exchange, mint]`.
    /// CHECK: the address is checked by `seeds`; the handler creates the account.
    #[account(mut, seeds = [ASSET_SEED, exchange.key().as_ref(), mint.key().as_ref()], bump)]
    pub asset: UncheckedAccount<'info>,
    /// The new vault, PDA `["vault", exchange, mint]`: an SPL token account whose authority is
    /// the exchange PDA.
    /// CHECK: the address is checked by `seeds`; the handler creates and initialises it.
    #[account(mut, seeds = [VAULT_SEED, exchange.key().as_ref(), mint.key().as_ref()], bump)]
    pub vault: UncheckedAccount<'info>,
    /// The oracle account; absent for the quote asset.
    /// CHECK: owner, layout and feed id are verified by the handler for the chosen oracle kind.
    pub oracle: Option<UncheckedAccount<'info>>,
    /// SPL Token.
    pub token_program: Program<'info, Token>,
    /// System program.
    pub system_program: Program<'info, System>,
}

impl ListAsset<'_> {
    /// Validates the parameters and the oracle, then writes the asset.
    pub fn handler(ctx: Context<Self>, args: ListAssetArgs) -> Result<()> {
        let mut exchange = ctx.accounts.exchange.load_mut()?;
        let mint = ctx.accounts.mint.key();
        let is_quote = mint == exchange.quote_mint;
        args.params.validate(is_quote)?;
        crate::check!(
            (exchange.asset_count == 0) == is_quote && (args.oracle_kind == OracleKind::Fixed) == is_quote,
            KeelError::QuoteAssetFirst
        );
        let (oracle, feed_id) = bind_oracle(ctx.accounts.oracle.as_ref(), args.oracle_kind, &args.feed_id)?;
        let index = exchange.asset_count;
        exchange.asset_count = index.checked_add(1).ok_or(KeelError::TooManyAssets)?;
        let admin_seq = exchange.next_admin_seq();
        let exchange_key = ctx.accounts.exchange.key();
        drop(exchange);
        create_asset_accounts(&ctx, &exchange_key, &mint)?;

        let mut asset = init_zero_copy::<CollateralAsset>(&ctx.accounts.asset)?;
        asset.version = ASSET_VERSION;
        asset.bump = ctx.bumps.asset;
        asset.vault_bump = ctx.bumps.vault;
        asset.decimals = ctx.accounts.mint.decimals;
        asset.oracle_kind = args.oracle_kind as u8;
        asset.index = index;
        asset.exchange = exchange_key;
        asset.mint = mint;
        asset.vault = ctx.accounts.vault.key();
        asset.oracle = oracle;
        asset.feed_id = feed_id;
        asset.bank = BankState::new(args.params.bank, Clock::get()?.unix_timestamp);
        args.params.apply(&mut asset);

        emit_event(&AssetListed {
            exchange: asset.exchange,
            asset: ctx.accounts.asset.key(),
            index,
            mint,
            oracle,
            oracle_kind: asset.oracle_kind,
            params: args.params,
            admin_seq,
        });
        Ok(())
    }
}

/// Creates the asset account and the vault token account (authority: the exchange PDA).
fn create_asset_accounts(ctx: &Context<ListAsset>, exchange: &Pubkey, mint: &Pubkey) -> Result<()> {
    let a = &ctx.accounts;
    let asset_bump = [ctx.bumps.asset];
    let asset_seeds: [&[u8]; 4] = [ASSET_SEED, exchange.as_ref(), mint.as_ref(), &asset_bump];
    create_pda(&a.payer, &a.asset, &a.system_program, &crate::ID, CollateralAsset::SPACE, &asset_seeds)?;
    let vault_bump = [ctx.bumps.vault];
    let vault_seeds: [&[u8]; 4] = [VAULT_SEED, exchange.as_ref(), mint.as_ref(), &vault_bump];
    create_pda(&a.payer, &a.vault, &a.system_program, &token::ID, TokenAccount::LEN, &vault_seeds)?;
    let accounts = InitializeAccount3 {
        account: a.vault.to_account_info(),
        mint: a.mint.to_account_info(),
        authority: a.exchange.to_account_info(),
    };
    token::initialize_account3(CpiContext::new(a.token_program.key(), accounts))
}

/// Checks that the oracle account fits the kind (owner, layout, verification, feed id) and
/// returns the key and feed id to bind. Freshness is checked at use, not at listing.
pub(crate) fn bind_oracle(
    oracle: Option<&UncheckedAccount>,
    kind: OracleKind,
    feed_id: &[u8; 32],
) -> Result<(Pubkey, [u8; 32])> {
    let Some(oracle) = oracle else {
        crate::check!(kind == OracleKind::Fixed, KeelError::OracleAccountMismatch);
        return Ok((Pubkey::default(), [0; 32]));
    };
    match kind {
        OracleKind::Fixed => err!(KeelError::OracleAccountMismatch),
        OracleKind::PythPull => {
            pyth_pull::read(oracle, feed_id)?;
            Ok((oracle.key(), *feed_id))
        }
        OracleKind::PythLegacy => {
            pyth_legacy::read(oracle)?;
            Ok((oracle.key(), oracle.key().to_bytes()))
        }
    }
}
