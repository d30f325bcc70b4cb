//! The quote bank's attack tests' setup (`test_bank_attacks*`, `test_bank_defences`): SOL-PERP
//! at 100 USD with SOL listed as spot collateral and a net-borrow limit of 100 USDC.

use crate::context::{quote_params, volatile_params, TestContext};
use crate::markets::{sol_market_with_traders, usd, T0};
use crate::traders::Trader;
use keel::instructions::risk::{AssetParams, UpdateAssetArgs};
use keel::state::BankParams;
use solana_signer::Signer;

/// 100 USDC (quote native).
pub const LIMIT_100_USDC: u64 = 100_000_000;

/// Sets the quote bank's net-borrow limit to `limit` (everything else recommended).
pub async fn set_net_borrow_limit(t: &mut TestContext, limit: u64) {
    let admin = t.admin.insecure_clone();
    let params = AssetParams {
        bank: BankParams {
            net_borrow_limit: limit,
            ..BankParams::recommended(6)
        },
        ..quote_params()
    };
    let args = UpdateAssetArgs {
        params: Some(params),
        deposits_paused: None,
    };
    let ix = keel_client::instructions::update_asset(
        &admin.pubkey(),
        &t.exchange,
        &t.asset(0).mint,
        args,
    );
    t.send(&[ix], &[&admin]).await.assert_ok();
}

/// SOL-PERP at 100 plus SOL listed as spot collateral at 100 (init weight 0.8); the net-borrow
/// limit is 100 USDC. Returns (context, market, SOL asset index).
pub async fn market_with_sol_collateral() -> (TestContext, u16, u16) {
    let (mut t, market, _) = sol_market_with_traders(0).await;
    let sol = t.add_pull_asset(9, volatile_params(), usd(100, T0)).await;
    set_net_borrow_limit(&mut t, LIMIT_100_USDC).await;
    (t, market, sol)
}

/// A trader holding `sol` whole SOL as collateral and `usdc` native quote deposited.
pub async fn trader_with(t: &mut TestContext, sol_index: u16, sol: u64, usdc: u64) -> Trader {
    let trader = t.trader(&[10_000_000_000, 1_000_000_000_000]).await;
    if sol > 0 {
        t.deposit(&trader, sol_index, sol * 1_000_000_000)
            .await
            .assert_ok();
    }
    if usdc > 0 {
        t.deposit(&trader, 0, usdc).await.assert_ok();
    }
    trader
}
