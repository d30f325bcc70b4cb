//! The quote bank's attack tests' setup (`test_bank_attacks*`, `test_bank_defences`): SOL-PERP
//! at 100 USD with SOL listed as spot collateral and a net-borrow limit of 100 USDC, and the
//! colluders of `test_quote_bank`.

use crate::context::{quote_params, volatile_params, TestContext};
use crate::liquidation::LOTS_PER_USD;
use crate::markets::{limit, order, sol_market_with_traders, usd, T0};
use crate::outcome::Outcome;
use crate::traders::Trader;
use keel::instructions::markets::OrderType;
use keel::instructions::risk::UpdateAssetArgs;
use keel::state::{BankParams, Side};
use solana_signer::Signer;

/// 100 USDC (quote native).
pub const LIMIT_100_USDC: u64 = 100_000_000;

/// Sets the quote bank's net-borrow limit to `limit` (everything else recommended).
pub async fn set_net_borrow_limit(t: &mut TestContext, limit: u64) {
    let bank = BankParams {
        net_borrow_limit: limit,
        ..BankParams::recommended(6)
    };
    set_quote_bank(t, bank).await.assert_ok();
}

/// Sends `update_asset` for the quote asset with `bank`.
pub async fn set_quote_bank(t: &mut TestContext, bank: BankParams) -> Outcome {
    let admin = t.admin.insecure_clone();
    let params = keel::instructions::risk::AssetParams {
        bank,
        ..quote_params()
    };
    let ix = keel_client::instructions::update_asset(
        &admin.pubkey(),
        &t.exchange,
        &t.assets[0].mint,
        UpdateAssetArgs {
            params: Some(params),
            deposits_paused: None,
        },
    );
    t.send(&[ix], &[&admin]).await
}

/// The colluders' setup: SOL-PERP at 100 (5 % band), a passive depositor with 1 000 USDC, the
/// loser A with 100 SOL as collateral and no USDC, the winner B with 1 000 USDC.
pub struct Collusion {
    /// The context.
    pub t: TestContext,
    /// SOL-PERP's index.
    pub market: u16,
    /// The passive depositor.
    pub passive: Trader,
    /// The loser, borrowing against its SOL.
    pub a: Trader,
    /// The winner.
    pub b: Trader,
}

impl Collusion {
    /// Sets up the colluders.
    pub async fn new() -> Self {
        let mut t = TestContext::new().await;
        let sol = t.add_pull_asset(9, volatile_params(), usd(100, T0)).await;
        let market = t.add_market("SOL", 9, 10_000_000, 1, usd(100, T0)).await;
        let passive = t.funded_trader().await;
        let a = t.trader(&[0, 100_000_000_000]).await;
        t.deposit(&a, sol, 100_000_000_000).await.assert_ok();
        let b = t.funded_trader().await;
        Collusion {
            t,
            market,
            passive,
            a,
            b,
        }
    }

    /// One round trip of 50 SOL: A buys from B at the band's top (105), then sells back to B at
    /// its bottom (95), taking both times. A: −500 realised, fees 2.625 + 2.375; B: +500 and
    /// rebates 0.525 + 0.475.
    pub async fn round_trip(&mut self) -> Outcome {
        let m = self.market;
        self.t
            .place(&self.b, m, limit(Side::Ask, 105 * LOTS_PER_USD, 5_000))
            .await
            .assert_ok();
        self.t
            .place(
                &self.a,
                m,
                order(
                    OrderType::ImmediateOrCancel,
                    Side::Bid,
                    105 * LOTS_PER_USD,
                    5_000,
                ),
            )
            .await
            .assert_ok();
        self.t.crank(m).await;
        self.t
            .place(&self.b, m, limit(Side::Bid, 95 * LOTS_PER_USD, 5_000))
            .await
            .assert_ok();
        let sale = self
            .t
            .place(
                &self.a,
                m,
                order(
                    OrderType::ImmediateOrCancel,
                    Side::Ask,
                    95 * LOTS_PER_USD,
                    5_000,
                ),
            )
            .await;
        if sale.result.is_ok() {
            self.t.crank(m).await;
        }
        sale
    }
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
