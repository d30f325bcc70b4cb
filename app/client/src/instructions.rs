//! Instruction builders: one function per instruction, deriving every PDA the way the program
//! checks it. Health-checked instructions take the list produced by
//! [`crate::health::health_accounts`].

use crate::pda;
use anchor_lang::prelude::{AccountMeta, Pubkey};
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::{system_program, InstructionData, ToAccountMetas};
use keel::instructions::risk::{ListAssetArgs, UpdateAssetArgs};
use keel::{accounts as acc, instruction as ix};

/// Assembles an instruction of the Keel program.
pub(crate) fn build(accounts: impl ToAccountMetas, data: impl InstructionData, remaining: Vec<AccountMeta>) -> Instruction {
    let mut metas = accounts.to_account_metas(None);
    metas.extend(remaining);
    Instruction { program_id: keel::ID, accounts: metas, data: data.data() }
}

/// `initialize_exchange`: the exchange is the PDA of `creator`.
pub fn initialize_exchange(creator: &Pubkey, admin: &Pubkey, quote_mint: &Pubkey) -> Instruction {
    let accounts = acc::InitializeExchange {
        creator: *creator,
        exchange: pda::exchange(creator),
        quote_mint: *quote_mint,
        token_program: anchor_spl::token::ID,
        system_program: system_program::ID,
    };
    build(accounts, ix::InitializeExchange { admin: *admin }, vec![])
}

/// `list_asset`; `oracle` is `None` for the quote asset.
pub fn list_asset(payer: &Pubkey, admin: &Pubkey, exchange: &Pubkey, mint: &Pubkey, oracle: Option<Pubkey>, args: ListAssetArgs) -> Instruction {
    let accounts = acc::ListAsset {
        payer: *payer,
        admin: *admin,
        exchange: *exchange,
        mint: *mint,
        asset: pda::asset(exchange, mint),
        vault: pda::vault(exchange, mint),
        oracle,
        token_program: anchor_spl::token::ID,
        system_program: system_program::ID,
    };
    build(accounts, ix::ListAsset { args }, vec![])
}

/// `update_asset`.
pub fn update_asset(admin: &Pubkey, exchange: &Pubkey, mint: &Pubkey, args: UpdateAssetArgs) -> Instruction {
    let accounts = acc::UpdateAsset { admin: *admin, exchange: *exchange, asset: pda::asset(exchange, mint) };
    build(accounts, ix::UpdateAsset { args }, vec![])
}

/// `set_exchange_pause`.
pub fn set_exchange_pause(admin: &Pubkey, exchange: &Pubkey, paused: bool) -> Instruction {
    build(acc::SetExchangePause { admin: *admin, exchange: *exchange }, ix::SetExchangePause { paused }, vec![])
}

/// `create_margin_account` number `index` of `owner`.
pub fn create_margin_account(payer: &Pubkey, owner: &Pubkey, exchange: &Pubkey, index: u16) -> Instruction {
    let accounts = acc::CreateMarginAccount {
        payer: *payer,
        owner: *owner,
        exchange: *exchange,
        margin_account: pda::margin_account(exchange, owner, index),
        system_program: system_program::ID,
    };
    build(accounts, ix::CreateMarginAccount { account_index: index }, vec![])
}

/// Slippage a delegate gets unless its owner says otherwise, bps (0.5%).
pub const DEFAULT_DELEGATE_SLIPPAGE_BPS: u16 = 50;
/// Loss-limit period a delegate gets unless its owner says otherwise, seconds (a day).
pub const DEFAULT_DELEGATE_PERIOD_SECS: u32 = 86_400;

/// Tight delegate limits: [`DEFAULT_DELEGATE_SLIPPAGE_BPS`] from the oracle and at most
/// `loss_limit` (quote native) of slippage and fees per [`DEFAULT_DELEGATE_PERIOD_SECS`].
pub fn tight_delegate(delegate: &Pubkey, loss_limit: u64) -> keel::SetDelegateArgs {
    keel::SetDelegateArgs {
        delegate: *delegate,
        max_slippage_bps: DEFAULT_DELEGATE_SLIPPAGE_BPS,
        loss_limit,
        period_secs: DEFAULT_DELEGATE_PERIOD_SECS,
    }
}

/// `set_delegate` with its limits (see [`tight_delegate`]).
pub fn set_delegate(owner: &Pubkey, margin_account: &Pubkey, args: keel::SetDelegateArgs) -> Instruction {
    let accounts = acc::SetDelegate { owner: *owner, margin_account: *margin_account };
    build(accounts, ix::SetDelegate { args }, vec![])
}

/// `set_delegate` removing the delegate.
pub fn clear_delegate(owner: &Pubkey, margin_account: &Pubkey) -> Instruction {
    set_delegate(owner, margin_account, keel::SetDelegateArgs { delegate: Pubkey::default(), max_slippage_bps: 0, loss_limit: 0, period_secs: 0 })
}

/// `close_margin_account`.
pub fn close_margin_account(owner: &Pubkey, margin_account: &Pubkey) -> Instruction {
    let accounts = acc::CloseMarginAccount { owner: *owner, margin_account: *margin_account };
    build(accounts, ix::CloseMarginAccount {}, vec![])
}

/// `deposit` of `amount` native units of `mint` from `source`.
pub fn deposit(authority: &Pubkey, exchange: &Pubkey, margin_account: &Pubkey, mint: &Pubkey, source: &Pubkey, amount: u64) -> Instruction {
    let accounts = acc::Deposit {
        authority: *authority,
        exchange: *exchange,
        margin_account: *margin_account,
        asset: pda::asset(exchange, mint),
        vault: pda::vault(exchange, mint),
        source: *source,
        token_program: anchor_spl::token::ID,
    };
    build(accounts, ix::Deposit { amount }, vec![])
}

/// `withdraw` of `amount` native units of `mint` to `destination`.
pub fn withdraw(
    owner: &Pubkey,
    exchange: &Pubkey,
    margin_account: &Pubkey,
    mint: &Pubkey,
    destination: &Pubkey,
    amount: u64,
    health_accounts: Vec<AccountMeta>,
) -> Instruction {
    let accounts = acc::Withdraw {
        owner: *owner,
        exchange: *exchange,
        margin_account: *margin_account,
        asset: pda::asset(exchange, mint),
        vault: pda::vault(exchange, mint),
        destination: *destination,
        token_program: anchor_spl::token::ID,
    };
    build(accounts, ix::Withdraw { amount }, health_accounts)
}

/// `health` (view); simulate it and decode the return data as `HealthReport`.
pub fn health(exchange: &Pubkey, margin_account: &Pubkey, health_accounts: Vec<AccountMeta>) -> Instruction {
    let accounts = acc::HealthView { exchange: *exchange, margin_account: *margin_account };
    build(accounts, ix::Health {}, health_accounts)
}
