//! SPL Token helpers: mints, token accounts, balances (real SPL Token program).

use crate::context::TestContext;
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::AccountDeserialize;
use anchor_spl::token::spl_token;
use anchor_spl::token::{Mint, TokenAccount};
use solana_keypair::Keypair;
use solana_signer::Signer;

/// The two instructions that create `mint` (funded with `rent` by `payer`) with `decimals`,
/// `authority` as mint authority.
pub fn create_mint_instructions(payer: &Pubkey, mint: &Pubkey, authority: &Pubkey, rent: u64, decimals: u8) -> [Instruction; 2] {
    [
        solana_system_interface::instruction::create_account(payer, mint, rent, Mint::LEN as u64, &spl_token::ID),
        spl_token::instruction::initialize_mint2(&spl_token::ID, mint, authority, None, decimals).expect("initialize_mint2 with valid keys"),
    ]
}

/// The two instructions that create token account `account` of `mint` for `owner`.
pub fn create_token_account_instructions(payer: &Pubkey, account: &Pubkey, mint: &Pubkey, owner: &Pubkey, rent: u64) -> [Instruction; 2] {
    [
        solana_system_interface::instruction::create_account(payer, account, rent, TokenAccount::LEN as u64, &spl_token::ID),
        spl_token::instruction::initialize_account3(&spl_token::ID, account, mint, owner).expect("initialize_account3 with valid keys"),
    ]
}

impl TestContext {
    /// Creates a mint with `decimals`, the test payer as mint authority.
    pub async fn create_mint(&mut self, decimals: u8) -> Pubkey {
        let mint = Keypair::new();
        let rent = self.rent(Mint::LEN).await;
        let payer = self.payer();
        let ixs = create_mint_instructions(&payer, &mint.pubkey(), &payer, rent, decimals);
        self.send(&ixs, &[&mint]).await.assert_ok();
        mint.pubkey()
    }

    /// Creates a token account of `mint` owned by `owner`.
    pub async fn create_token_account(&mut self, mint: &Pubkey, owner: &Pubkey) -> Pubkey {
        let account = Keypair::new();
        let rent = self.rent(TokenAccount::LEN).await;
        let payer = self.payer();
        let ixs = create_token_account_instructions(&payer, &account.pubkey(), mint, owner, rent);
        self.send(&ixs, &[&account]).await.assert_ok();
        account.pubkey()
    }

    /// Mints `amount` native units of `mint` to `to`.
    pub async fn mint_to(&mut self, mint: &Pubkey, to: &Pubkey, amount: u64) {
        let payer = self.payer();
        let ix = spl_token::instruction::mint_to(&spl_token::ID, mint, to, &payer, &[], amount).unwrap();
        self.send(&[ix], &[]).await.assert_ok();
    }

    /// The token balance of a token account, native units.
    pub async fn token_balance(&mut self, token_account: &Pubkey) -> u64 {
        let data = self.account_data(token_account).await.expect("token account exists");
        TokenAccount::try_deserialize(&mut data.as_slice()).expect("token account").amount
    }
}

