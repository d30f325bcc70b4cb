//! Test-token faucet: mints whose authority is the node's faucet, and minting to anyone's
//! associated token account (created when missing).

use super::{Chain, SendError};
use anchor_lang::prelude::Pubkey;
use anchor_spl::associated_token::{get_associated_token_address, spl_associated_token_account};
use anchor_spl::token::{spl_token, Mint};
use keel_tests::tokens::create_mint_instructions;
use solana_keypair::Keypair;
use solana_signature::Signature;
use solana_signer::Signer;

impl Chain {
    /// Creates a mint with `decimals` whose mint authority is the faucet.
    pub fn create_faucet_mint(&mut self, decimals: u8) -> Result<Pubkey, SendError> {
        let faucet = self.faucet().pubkey();
        let mint = Keypair::new();
        let rent = self.rent_exempt_minimum(Mint::LEN);
        let ixs = create_mint_instructions(&faucet, &mint.pubkey(), &faucet, rent, decimals);
        self.send_as_faucet(&ixs, &[&mint])?;
        Ok(mint.pubkey())
    }

    /// Mints `amount` of faucet mint `mint` to `owner`'s associated token account, creating it
    /// first if needed; returns the token account and the signature.
    pub fn faucet_mint_to(
        &mut self,
        mint: &Pubkey,
        owner: &Pubkey,
        amount: u64,
    ) -> Result<(Pubkey, Signature), SendError> {
        let faucet = self.faucet().pubkey();
        let ata = get_associated_token_address(owner, mint);
        let create =
            spl_associated_token_account::instruction::create_associated_token_account_idempotent(
                &faucet,
                owner,
                mint,
                &spl_token::ID,
            );
        let mint_to =
            spl_token::instruction::mint_to(&spl_token::ID, mint, &ata, &faucet, &[], amount)
                .map_err(|_| {
                    SendError::Rejected(
                        solana_transaction_error::TransactionError::InvalidAccountIndex,
                    )
                })?;
        let signature = self.send_as_faucet(&[create, mint_to], &[])?;
        Ok((ata, signature))
    }
}
