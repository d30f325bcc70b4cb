//! The insurance fund in tests: creation, decoding, and its side of the conservation check.

use crate::context::TestContext;
use crate::outcome::Outcome;
use keel::state::{BountyParams, InsuranceFund};
use keel_client::{accounts as decode, insurance as iix, pda};
use solana_signer::Signer;

/// The default admin withdrawal limit: 10% of the fund per 7 days.
pub const LIMIT_BPS: u16 = 1_000;
/// The default withdrawal period, seconds.
pub const PERIOD_SECS: u32 = 7 * 86_400;

impl TestContext {
    /// Sends `create_insurance_fund` signed by the admin.
    pub async fn create_insurance_fund(&mut self, limit_bps: u16, period_secs: u32) -> Outcome {
        let admin = self.admin.insecure_clone();
        let payer = self.payer();
        let quote_mint = self.assets[0].mint;
        let bounty = BountyParams::recommended(crate::context::QUOTE_DECIMALS);
        let ix = iix::create_insurance_fund(&payer, &admin.pubkey(), &self.exchange, &quote_mint, limit_bps, period_secs, bounty);
        self.send(&[ix], &[&admin]).await
    }

    /// Deposits `amount` quote native into the insurance fund from a fresh wallet.
    pub async fn seed_insurance(&mut self, amount: u64) -> Outcome {
        let owner = solana_keypair::Keypair::new();
        let mint = self.assets[0].mint;
        let wallet = self.create_token_account(&mint, &owner.pubkey()).await;
        self.mint_to(&mint, &wallet, amount).await;
        let ix = iix::deposit_insurance(&owner.pubkey(), &self.exchange.clone(), &wallet, amount);
        let outcome = self.send(&[ix], &[&owner]).await;
        self.assert_conserved().await;
        outcome
    }

    /// The decoded insurance fund, if it exists.
    pub async fn insurance_fund(&mut self) -> Option<InsuranceFund> {
        let key = pda::insurance_fund(&self.exchange);
        self.account_data(&key).await.map(|data| decode::insurance_fund(&data).expect("insurance fund decodes"))
    }

    /// The quote asset as stored.
    pub async fn quote_asset(&mut self) -> keel::state::CollateralAsset {
        let address = self.assets[0].address;
        decode::collateral_asset(&self.account_data(&address).await.expect("quote asset")).expect("quote asset decodes")
    }

    /// What the insurance fund owns in all, native: its vault and its claim in the quote bank.
    pub async fn fund_total(&mut self) -> u64 {
        self.insurance_fund().await.expect("fund").balance + self.insurance_claim().await
    }

    /// What quote depositors may withdraw in all right now (the program's rule).
    pub async fn quote_withdrawable(&mut self) -> u64 {
        self.quote_asset().await.withdrawable().expect("withdrawable")
    }

    /// The insurance fund's claim in the quote bank, native.
    pub async fn insurance_claim(&mut self) -> u64 {
        self.quote_asset().await.bank.insurance_claim
    }

    /// Asserts the insurance vault's token balance equals the fund's booked balance.
    pub async fn assert_insurance_conserved(&mut self) {
        if let Some(fund) = self.insurance_fund().await {
            let vault = self.token_balance(&fund.vault).await;
            assert_eq!(vault, fund.balance, "insurance vault {vault} != fund balance {}", fund.balance);
        }
    }
}
