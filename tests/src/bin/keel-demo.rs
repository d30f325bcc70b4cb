//! `scripts/demo.sh`: Keel's current end-to-end demo. It boots a bank in-process with the Keel
//! program (native) and the real SPL Token program, lists USDC (quote), SOL (Pyth pull oracle)
//! and BTC (legacy Pyth oracle), and walks a trader through deposits, a settled loss, falling
//! prices, a refused withdrawal, a stale oracle, and the vault reconciliation — printing the
//! health report the program itself returns at each step.

use keel::error::KeelError;
use keel::instructions::risk::{HealthLine, HealthReport};
use keel_tests::context::{volatile_params, TestContext, START_TIME};
use keel_tests::oracles::PriceSpec;
use keel_tests::traders::Trader;
use pyth_solana_receiver_sdk::price_update::VerificationLevel;

/// Quote native units (6 decimals) as USDC.
fn usdc(native: i64) -> String {
    let sign = if native < 0 { "-" } else { "" };
    let n = native.unsigned_abs();
    format!("{sign}{}.{:06}", n / 1_000_000, n % 1_000_000)
}

fn print_line(name: &str, line: &HealthLine) {
    println!(
        "    {name:<15} assets {:>14}  liabilities {:>12}  health {:>14}",
        usdc(line.assets),
        usdc(line.liabilities),
        usdc(line.health)
    );
}

async fn report(t: &mut TestContext, trader: &Trader, title: &str) -> HealthReport {
    let report: HealthReport = t.health_view(&trader.account).await.assert_ok().returned();
    println!("\n  {title}");
    for c in &report.collaterals {
        let symbol = ["USDC", "SOL", "BTC"][c.asset_index as usize];
        println!("    {symbol:<5} balance {:>16} native   value {:>14} USDC", c.balance, usdc(c.value));
    }
    print_line("Init", &report.init);
    print_line("Maint", &report.maint);
    print_line("LiquidationEnd", &report.liquidation_end);
    report
}

#[tokio::main]
async fn main() {
    println!("Keel demo — cross-margin health on a local bank (program running natively)\n");
    let mut t = TestContext::new().await;
    let sol = t.add_pull_asset(9, volatile_params(), PriceSpec::new(150_00, 15, -2, START_TIME)).await;
    let btc = t.add_legacy_asset(8, volatile_params(), PriceSpec::new(60_000_00, 3_000, -2, START_TIME)).await;
    println!("  listed: USDC (quote, asset 0), SOL (Pyth pull, 150.00 ± 0.15), BTC (legacy Pyth, 60000.00 ± 30)");
    println!("  SOL and BTC weights: init 0.80, maint 0.90; quote liability weights: init 1.10, maint 1.05");

    let alice = t.trader(&[10_000_000_000, 20_000_000_000, 10_000_000]).await;
    let bob = t.trader(&[10_000_000_000, 0, 0]).await;
    t.deposit(&alice, 0, 1_000_000_000).await.assert_ok();
    t.deposit(&alice, sol, 10_000_000_000).await.assert_ok();
    t.deposit(&alice, btc, 5_000_000).await.assert_ok();
    t.deposit(&bob, 0, 5_000_000_000).await.assert_ok();
    report(&mut t, &alice, "Alice deposits 1000 USDC, 10 SOL and 0.05 BTC:").await;

    t.book_settled_pnl(&alice.account, &bob.account, 3_000_000_000).await;
    report(&mut t, &alice, "Alice settles a 3000 USDC loss to Bob (stands in for perp PnL until perps land):").await;

    for price in [130_00, 110_00] {
        t.set_pull_price(sol, PriceSpec::new(price, 15, -2, START_TIME), VerificationLevel::Full);
        report(&mut t, &alice, &format!("SOL falls to {}.00:", price / 100)).await;
    }

    let refused = t.withdraw(&alice, btc, 5_000_000).await;
    refused.assert_error(KeelError::InitHealthNegative);
    println!("\n  Alice tries to withdraw her 0.05 BTC: refused (InitHealthNegative)");
    for line in refused.logs.iter().filter(|l| l.contains("init health would be")) {
        println!("    {line}");
    }

    t.set_time(START_TIME + 120).await;
    let stale = t.withdraw(&alice, sol, 1).await;
    stale.assert_error(KeelError::OracleStale);
    t.deposit(&alice, 0, 2_000_000_000).await.assert_ok();
    println!("\n  Two minutes later every price is stale (max age 60 s): a withdrawal is refused (OracleStale),");
    println!("  while Alice's 2000 USDC deposit still goes through — deposits read no oracle.");

    t.set_time(START_TIME).await;
    report(&mut t, &alice, "Back at fresh prices, after the deposit:").await;

    t.assert_conserved().await;
    println!("\n  Every vault reconciles: token balance == Σ account balances == deposits − liabilities.");
}
