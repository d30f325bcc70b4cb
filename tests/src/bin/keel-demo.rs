//! `scripts/demo.sh`: Keel's current end-to-end demo. It boots a bank in-process with the Keel
//! program (native) and the real SPL Token program, lists USDC (quote) and SOL collateral and
//! two perp markets (SOL-PERP, BTC-PERP) on Pyth pull oracles, and walks a maker and a trader
//! through a cross-margined long/short, the fill crank, price moves, a refused order, funding,
//! a close that realises PnL, a crash that makes the account liquidatable and a keeper that
//! liquidates it step by step to LiquidationEnd (bounty from the insurance fund), and the vault
//! reconciliation — printing the health report the program itself returns at each step.

use keel::error::KeelError;
use keel::events::{BankruptcySettled, CollateralLiquidated, PerpLiquidated};
use keel::instructions::markets::OrderType;
use keel::instructions::risk::{HealthLine, HealthReport};
use keel::state::Side;
use keel_tests::context::{volatile_params, TestContext, START_TIME};
use keel_tests::markets::{limit, order, usd, OrderArgsExt};
use keel_tests::oracles::PriceSpec;
use keel_tests::traders::Trader;
use keel_client::events::events_of;

/// Quote native units (6 decimals) as USDC.
fn usdc(native: i64) -> String {
    let sign = if native < 0 { "-" } else { "" };
    let n = native.unsigned_abs();
    format!("{sign}{}.{:06}", n / 1_000_000, n % 1_000_000)
}

fn print_line(name: &str, line: &HealthLine) {
    println!(
        "    {name:<15} collateral {:>12}  owed {:>10}  perp pnl {:>11}  requirements {:>11}  health {:>12}",
        usdc(line.assets),
        usdc(line.liabilities),
        usdc(line.perp_pnl),
        usdc(line.perp_requirements),
        usdc(line.health)
    );
}

async fn report(t: &mut TestContext, trader: &Trader, title: &str) -> HealthReport {
    let report: HealthReport = t.health_view(&trader.account).await.assert_ok().returned();
    println!("\n  {title}");
    for c in &report.collaterals {
        let symbol = ["USDC", "SOL"][c.asset_index as usize];
        println!("    {symbol:<9} balance {:>16} native   value {:>12} USDC", c.balance, usdc(c.value));
    }
    for p in &report.perps {
        let symbol = ["SOL-PERP", "BTC-PERP"][p.market_index as usize];
        let liquidation = if p.liquidation_price_per_lot == 0 { "none".to_string() } else { usdc(p.liquidation_price_per_lot) };
        println!(
            "    {symbol:<9} {:>6} lots   oracle {:>9}/lot   unrealised {:>11}   liquidation price {liquidation}/lot",
            p.base_lots,
            usdc(p.oracle_price_per_lot),
            usdc(p.unrealized_pnl)
        );
    }
    print_line("Init", &report.init);
    print_line("Maint", &report.maint);
    print_line("LiquidationEnd", &report.liquidation_end);
    report
}

#[tokio::main]
async fn main() {
    println!("Keel demo — cross-margin perps on a local bank (program running natively)\n");
    let mut t = TestContext::new().await;
    let sol = t.add_pull_asset(9, volatile_params(), PriceSpec::new(100_00, 0, -2, START_TIME)).await;
    let sol_perp = t.add_market("SOL", 9, 10_000_000, 1, usd(100, START_TIME)).await;
    let btc_perp = t.add_market("BTC", 8, 10_000, 1, usd(60_000, START_TIME)).await;
    println!("  listed: USDC (quote), SOL collateral (init weight 0.80), SOL-PERP (lot 0.01 SOL) and");
    println!("  BTC-PERP (lot 0.0001 BTC); margin 10% init / 5% maint, taker 5 bp, maker rebate 1 bp.");

    t.create_insurance_fund(keel_tests::insurance::LIMIT_BPS, keel_tests::insurance::PERIOD_SECS).await.assert_ok();
    t.seed_insurance(500_000_000).await.assert_ok();
    println!("  Insurance fund: 500 USDC; keeper bounty = min(100, max(0.10, half the 1% penalty), penalty).");
    let mia = t.trader(&[100_000_000_000]).await;
    let alice = t.trader(&[1_000_000_000, 10_000_000_000]).await;
    t.deposit(&mia, 0, 50_000_000_000).await.assert_ok();
    t.deposit(&alice, 0, 300_000_000).await.assert_ok();
    t.deposit(&alice, sol, 2_000_000_000).await.assert_ok();
    for (market, mid) in [(sol_perp, 1_000_000), (btc_perp, 6_000_000)] {
        t.place(&mia, market, limit(Side::Bid, mid - mid / 1_000, 5_000)).await.assert_ok();
        t.place(&mia, market, limit(Side::Ask, mid + mid / 1_000, 5_000)).await.assert_ok();
    }
    println!("  Mia, a market maker, quotes both books 0.1% around the oracle.");
    report(&mut t, &alice, "Alice deposits 300 USDC and 2 SOL:").await;

    t.place(&alice, sol_perp, order(OrderType::Market, Side::Bid, 0, 1_000)).await.assert_ok();
    t.place(&alice, btc_perp, order(OrderType::Market, Side::Ask, 0, 150)).await.assert_ok();
    t.crank(sol_perp).await;
    t.crank(btc_perp).await;
    report(&mut t, &alice, "Alice buys 10 SOL-PERP and sells 0.015 BTC-PERP on one account (fills cranked to Mia):").await;

    let refused = t.place(&alice, sol_perp, order(OrderType::Market, Side::Bid, 0, 3_000)).await;
    refused.assert_error(KeelError::InitHealthNegative);
    println!("\n  Alice tries to add 30 SOL-PERP: refused (InitHealthNegative)");
    for line in refused.logs.iter().filter(|l| l.contains("init health would be")) {
        println!("    {line}");
    }

    t.set_time(START_TIME + 1_800).await;
    t.set_pull_price(sol, PriceSpec::new(108_00, 0, -2, START_TIME + 1_800), pyth_solana_receiver_sdk::price_update::VerificationLevel::Full);
    t.set_market_price(sol_perp, usd(108, START_TIME + 1_800));
    t.set_market_price(btc_perp, usd(63_000, START_TIME + 1_800));
    t.update_funding(sol_perp).await.assert_ok();
    t.update_funding(btc_perp).await.assert_ok();
    report(&mut t, &alice, "Half an hour later SOL is up 8% and BTC 5%; funding cranked — the long's gain carries the short:").await;

    t.place(&alice, btc_perp, order(OrderType::Market, Side::Bid, 0, 150).reduce_only()).await.assert_ok();
    t.crank(btc_perp).await;
    report(&mut t, &alice, "Alice closes the BTC-PERP short (reduce-only): the loss and funding settle into USDC:").await;

    crash_and_liquidate(&mut t, &alice, sol, sol_perp).await;

    t.assert_conserved().await;
    let market = t.market(sol_perp).await;
    println!("\n  SOL-PERP fees: protocol {} USDC, insurance share {} USDC.", usdc(market.fees_accrued), usdc(market.insurance_fees_booked));
    println!("  Every vault reconciles: quote vault == Σ quote balances + positions' quote + queued fills + fees − funding credited;");
    println!("  the insurance vault == the fund's ledger.");
}

/// SOL crashes to 60: Alice's account falls below Maint health and Kai, a keeper, liquidates it
/// — SOL-PERP first, then SOL collateral — until LiquidationEnd health is back at ≥ 0 or nothing
/// is left; a remaining deficit is settled by the insurance fund.
async fn crash_and_liquidate(t: &mut TestContext, alice: &Trader, sol: u16, sol_perp: u16) {
    let kai = t.trader(&[10_000_000_000]).await;
    t.deposit(&kai, 0, 5_000_000_000).await.assert_ok();
    let now = t.now().await;
    t.set_pull_price(sol, PriceSpec::new(60_00, 0, -2, now), pyth_solana_receiver_sdk::price_update::VerificationLevel::Full);
    t.set_market_price(sol_perp, usd(60, now));
    report(t, alice, "SOL crashes to 60: Maint health < 0, Alice's account is liquidatable:").await;
    for _ in 0..4 {
        let healths = t.healths(&alice.account).await;
        let in_progress = t.margin_account(&alice.account).await.being_liquidated == keel::state::LIQUIDATION_IN_PROGRESS;
        if !(healths.maint < 0 || (in_progress && healths.liq_end < 0)) {
            break;
        }
        if t.position_lots(&alice.account, sol_perp).await == 0 && t.balance(&alice.account, sol).await == 0 {
            break;
        }
        if t.position_lots(&alice.account, sol_perp).await != 0 {
            let outcome = t.liquidate_perp(&kai, &alice.account, sol_perp, i64::MAX).await;
            let step = &events_of::<PerpLiquidated>(&outcome.assert_ok().logs)[0];
            println!("\n  Kai liquidates {} lots of SOL-PERP worth {} USDC for {} (discount 1.5%); penalty {} into the fund, bounty {} to Kai;", step.base_lots, usdc(step.oracle_notional), usdc(step.transfer_notional), usdc(step.penalty as i64), usdc(step.bounty as i64));
            println!("    Maint {} → {}, LiquidationEnd {} → {}", usdc(step.health.maint_before), usdc(step.health.maint_after), usdc(step.health.liq_end_before), usdc(step.health.liq_end_after));
        } else {
            let outcome = t.liquidate_collateral(&kai, &alice.account, sol, u64::MAX).await;
            let step = &events_of::<CollateralLiquidated>(&outcome.assert_ok().logs)[0];
            println!("\n  Kai buys {} lamports of Alice's SOL worth {} USDC for {} (discount 2%); penalty {}, bounty {};", step.asset_amount, usdc(step.oracle_value), usdc(step.quote_paid), usdc(step.penalty as i64), usdc(step.bounty as i64));
            println!("    Maint {} → {}, LiquidationEnd {} → {}", usdc(step.health.maint_before), usdc(step.health.maint_after), usdc(step.health.liq_end_before), usdc(step.health.liq_end_after));
        }
    }
    let quote = t.balance(&alice.account, 0).await;
    if quote < 0 {
        println!("\n  Nothing is left but {} USDC owed: the account is bankrupt.", usdc(quote));
        let outcome = t.settle_bankruptcy(&alice.account).await;
        let settled = &events_of::<BankruptcySettled>(&outcome.assert_ok().logs)[0];
        println!("  settle_bankruptcy: deficit {} USDC, covered by the insurance fund {}, socialised {}; the account ends at zero.", usdc(settled.deficit as i64), usdc(settled.covered_by_insurance as i64), usdc(settled.socialized as i64));
    } else {
        report(t, alice, "After the liquidation (it stops at LiquidationEnd ≥ 0; a further step is refused):").await;
    }
    let fund = t.insurance_fund().await.expect("fund");
    println!("\n  Insurance fund: {} USDC (penalties {} in, bounties {} out).", usdc(fund.balance as i64), usdc(fund.total_penalties as i64), usdc(fund.total_bounties as i64));
}
