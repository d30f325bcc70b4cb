//! Conservation: every vault's token balance equals what the ledgers say it holds.

use crate::context::TestContext;
use keel_client::accounts as decode;

impl TestContext {
    /// Asserts, for every asset: vault balance == Σ margin-account balances (signed)
    /// == asset.total_deposits − asset.total_liabilities.
    #[track_caller]
    pub fn assert_conserved(&mut self) -> impl std::future::Future<Output = ()> + '_ {
        async move {
            for asset in self.assets.clone() {
                let data = self.account_data(&asset.address).await.expect("asset exists");
                let listed = decode::collateral_asset(&data).expect("asset decodes");
                let vault = self.token_balance(&listed.vault).await as i128;
                let mut sum = 0i128;
                for account in self.margin_accounts.clone() {
                    if self.account_data(&account).await.is_some() {
                        sum += self.balance(&account, asset.index).await as i128;
                    }
                }
                let ledger = listed.total_deposits as i128 - listed.total_liabilities as i128;
                assert_eq!(vault, sum, "asset {}: vault {vault} != Σ account balances {sum}", asset.index);
                assert_eq!(vault, ledger, "asset {}: vault {vault} != total_deposits − total_liabilities {ledger}", asset.index);
            }
        }
    }
}
