//! SPL Token reads for the token RPC methods and `jsonParsed`: decimals, balances, accounts by
//! owner. Token accounts and mints are decoded with SPL Token's own `Pack` layouts.

use super::Chain;
use anchor_lang::prelude::Pubkey;
use anchor_spl::token::spl_token;
use solana_account::{AccountSharedData, ReadableAccount};
use solana_program_pack::Pack;

/// A token account as the token methods need it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenBalance {
    /// The mint.
    pub mint: Pubkey,
    /// Amount in native units.
    pub amount: u64,
    /// The mint's decimals.
    pub decimals: u8,
}

/// `account` decoded as an SPL Token account, if it is one.
fn token_account(account: &AccountSharedData) -> Option<spl_token::state::Account> {
    (*account.owner() == spl_token::ID)
        .then(|| spl_token::state::Account::unpack(account.data()).ok())
        .flatten()
}

/// `account` decoded as an SPL Token mint, if it is one.
fn mint(account: &AccountSharedData) -> Option<spl_token::state::Mint> {
    (*account.owner() == spl_token::ID)
        .then(|| spl_token::state::Mint::unpack(account.data()).ok())
        .flatten()
}

impl Chain {
    /// The decimals that give `account` its UI amounts: its own for a mint, its mint's for a
    /// token account; `None` for anything else.
    pub fn token_decimals(&self, account: &AccountSharedData) -> Option<u8> {
        if let Some(m) = mint(account) {
            return Some(m.decimals);
        }
        let token = token_account(account)?;
        self.account(&token.mint)
            .as_ref()
            .and_then(mint)
            .map(|m| m.decimals)
    }

    /// The balance of token account `key`, if it is one.
    pub fn token_balance(&self, key: &Pubkey) -> Option<TokenBalance> {
        let token = token_account(&self.account(key)?)?;
        let decimals = self.account(&token.mint).as_ref().and_then(mint)?.decimals;
        Some(TokenBalance {
            mint: token.mint,
            amount: token.amount,
            decimals,
        })
    }

    /// The supply and decimals of mint `key`, if it is one.
    pub fn token_supply(&self, key: &Pubkey) -> Option<(u64, u8)> {
        mint(&self.account(key)?).map(|m| (m.supply, m.decimals))
    }

    /// SPL Token accounts owned by `owner`, of `mint` when given.
    pub fn token_accounts_by_owner(
        &self,
        owner: &Pubkey,
        only_mint: Option<Pubkey>,
    ) -> Vec<(Pubkey, AccountSharedData)> {
        self.program_accounts(&spl_token::ID, |a| {
            token_account(a)
                .is_some_and(|t| t.owner == *owner && only_mint.is_none_or(|m| t.mint == m))
        })
    }
}
