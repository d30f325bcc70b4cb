//! Oracle replacement in tests: the admin's instructions through the client, keeping the
//! context's record of each asset's and market's oracle in step on success.

use crate::context::TestContext;
use crate::outcome::Outcome;
use anchor_lang::prelude::Pubkey;
use keel::instructions::risk::ReplaceOracleArgs;
use keel::oracle::OracleKind;
use keel::state::{CollateralAsset, Exchange};
use keel_client::accounts as decode;
use keel_client::oracles as oix;
use solana_signer::Signer;

/// Replacement arguments with the tests' guards (max age 60 s, confidence 2%, k = 2).
pub fn replacement(kind: OracleKind, feed_id: [u8; 32]) -> ReplaceOracleArgs {
    ReplaceOracleArgs {
        kind,
        feed_id,
        max_age_secs: 60,
        max_conf_bps: 200,
        conf_multiplier_bps: 20_000,
    }
}

impl TestContext {
    /// The exchange, decoded.
    pub async fn exchange_state(&mut self) -> Exchange {
        let key = self.exchange;
        decode::exchange(&self.account_data(&key).await.expect("exchange exists"))
            .expect("exchange decodes")
    }

    /// Asset `index`, decoded.
    pub async fn collateral_asset(&mut self, index: u16) -> CollateralAsset {
        let key = self.assets[index as usize].address;
        decode::collateral_asset(&self.account_data(&key).await.expect("asset exists"))
            .expect("asset decodes")
    }

    /// `replace_asset_oracle` of asset `index` signed by the admin; on success the context
    /// records the new oracle.
    pub async fn replace_asset_oracle(
        &mut self,
        index: u16,
        new_oracle: &Pubkey,
        args: ReplaceOracleArgs,
    ) -> Outcome {
        let admin = self.admin.insecure_clone();
        let mint = self.assets[index as usize].mint;
        let ix =
            oix::replace_asset_oracle(&admin.pubkey(), &self.exchange, &mint, new_oracle, args);
        let outcome = self.send(&[ix], &[&admin]).await;
        if outcome.result.is_ok() {
            let asset = &mut self.assets[index as usize];
            asset.oracle = *new_oracle;
            asset.kind = args.kind;
            asset.feed_id = args.feed_id;
        }
        self.assert_conserved().await;
        outcome
    }

    /// `replace_market_oracle` of market `index` signed by the admin; on success the context
    /// records the new oracle.
    pub async fn replace_market_oracle(
        &mut self,
        index: u16,
        new_oracle: &Pubkey,
        args: ReplaceOracleArgs,
    ) -> Outcome {
        let admin = self.admin.insecure_clone();
        let market = self.markets[index as usize].keys.market;
        let ix =
            oix::replace_market_oracle(&admin.pubkey(), &self.exchange, &market, new_oracle, args);
        let outcome = self.send(&[ix], &[&admin]).await;
        if outcome.result.is_ok() {
            let known = &mut self.markets[index as usize];
            known.keys.oracle = *new_oracle;
            known.feed_id = args.feed_id;
        }
        self.assert_conserved().await;
        outcome
    }
}
