//! The insurance fund: creation with a fixed admin limit, deposits by anyone, the fee share
//! swept in from a market, and admin withdrawals refused beyond the limit — the fund's vault
//! reconciled with its ledger after every step.

use keel::error::KeelError;
use keel::events::{InsuranceFlow, INSURANCE_DEPOSIT, INSURANCE_WITHDRAWAL};
use keel::state::{BountyParams, Side};
use keel_client::events::events_of;
use keel_client::{insurance as iix, pda};
use keel_tests::context::{TestContext, START_TIME};
use keel_tests::insurance::{LIMIT_BPS, PERIOD_SECS};
use keel_tests::markets::{limit, usd, T0};
use keel_tests::outcome::Outcome;
use solana_keypair::Keypair;
use solana_signer::Signer;

/// An exchange with its insurance fund (10% per 7 days).
async fn with_fund() -> TestContext {
    let mut t = TestContext::new().await;
    t.create_insurance_fund(LIMIT_BPS, PERIOD_SECS).await.assert_ok();
    t
}

/// A fresh wallet of the quote mint holding `amount`, and its owner.
async fn quote_wallet(t: &mut TestContext, amount: u64) -> (Keypair, anchor_lang::prelude::Pubkey) {
    let owner = Keypair::new();
    let mint = t.assets[0].mint;
    let wallet = t.create_token_account(&mint, &owner.pubkey()).await;
    t.mint_to(&mint, &wallet, amount).await;
    (owner, wallet)
}

async fn deposit(t: &mut TestContext, owner: &Keypair, wallet: &anchor_lang::prelude::Pubkey, amount: u64) -> Outcome {
    let ix = iix::deposit_insurance(&owner.pubkey(), &t.exchange.clone(), wallet, amount);
    let outcome = t.send(&[ix], &[owner]).await;
    t.assert_conserved().await;
    outcome
}

async fn admin_withdraw(t: &mut TestContext, destination: &anchor_lang::prelude::Pubkey, amount: u64) -> Outcome {
    let admin = t.admin.insecure_clone();
    let ix = iix::withdraw_insurance(&admin.pubkey(), &t.exchange.clone(), destination, amount);
    let outcome = t.send(&[ix], &[&admin]).await;
    t.assert_conserved().await;
    outcome
}

#[tokio::test]
async fn created_with_fixed_limits_and_an_exchange_owned_vault() {
    let mut t = with_fund().await;
    let fund = t.insurance_fund().await.unwrap();
    assert_eq!((fund.withdraw_limit_bps, fund.withdraw_period_secs, fund.balance), (LIMIT_BPS, PERIOD_SECS, 0));
    assert_eq!((fund.exchange, fund.vault), (t.exchange, pda::insurance_vault(&t.exchange)));
    let vault = t.ctx.banks_client.get_account(fund.vault).await.unwrap().unwrap();
    let token = <anchor_spl::token::TokenAccount as anchor_lang::AccountDeserialize>::try_deserialize(&mut vault.data.as_slice()).unwrap();
    assert_eq!((token.owner, token.mint, token.amount), (t.exchange, t.assets[0].mint, 0));
    t.create_insurance_fund(LIMIT_BPS, PERIOD_SECS).await.assert_error(KeelError::AccountAlreadyExists);
}

#[tokio::test]
async fn creation_refuses_loose_limits_and_non_admins() {
    let mut t = TestContext::new().await;
    t.create_insurance_fund(5_001, PERIOD_SECS).await.assert_error(KeelError::InvalidInsuranceLimits);
    t.create_insurance_fund(LIMIT_BPS, 3_600).await.assert_error(KeelError::InvalidInsuranceLimits);
    let stranger = Keypair::new();
    let payer = t.payer();
    let quote_mint = t.assets[0].mint;
    let ix = iix::create_insurance_fund(&payer, &stranger.pubkey(), &t.exchange.clone(), &quote_mint, LIMIT_BPS, PERIOD_SECS, BountyParams::recommended(6));
    t.send(&[ix], &[&stranger]).await.assert_error(KeelError::NotAdmin);
    assert!(t.insurance_fund().await.is_none());
}

#[tokio::test]
async fn anyone_may_deposit_and_the_flow_is_an_event() {
    let mut t = with_fund().await;
    let (owner, wallet) = quote_wallet(&mut t, 500_000_000).await;
    let outcome = deposit(&mut t, &owner, &wallet, 200_000_000).await;
    outcome.assert_ok();
    let flow = &events_of::<InsuranceFlow>(&outcome.logs)[0];
    assert_eq!((flow.kind, flow.counterparty, flow.amount, flow.balance_after, flow.vault_balance_after), (INSURANCE_DEPOSIT, owner.pubkey(), 200_000_000, 200_000_000, 200_000_000));
    let fund = t.insurance_fund().await.unwrap();
    assert_eq!((fund.balance, fund.total_deposited), (200_000_000, 200_000_000));
    assert_eq!(t.token_balance(&wallet).await, 300_000_000);
    deposit(&mut t, &owner, &wallet, 0).await.assert_error(KeelError::ZeroAmount);
    let other_mint = t.create_mint(6).await;
    let foreign = t.create_token_account(&other_mint, &owner.pubkey()).await;
    t.mint_to(&other_mint, &foreign, 10).await;
    deposit(&mut t, &owner, &foreign, 10).await.assert_error(KeelError::WrongMint);
}

/// The insurance share of a market's fees is booked into the fund's claim in the quote bank at
/// the fill — no crank, no tokens moving — and settles into the fund's vault by
/// `settle_insurance_claim`, which anyone may call.
#[tokio::test]
async fn the_fee_share_of_a_fill_is_booked_into_the_funds_claim_and_settled_by_anyone() {
    let mut t = with_fund().await;
    let m = t.add_market("SOL", 9, 10_000_000, 1, usd(100, T0)).await;
    let maker = t.trader(&[10_000_000_000]).await;
    let taker = t.trader(&[10_000_000_000]).await;
    t.deposit(&maker, 0, 1_000_000_000).await.assert_ok();
    t.deposit(&taker, 0, 1_000_000_000).await.assert_ok();
    let quote_vault = pda::vault(&t.exchange, &t.assets[0].mint);
    let vault_before = t.token_balance(&quote_vault).await;
    t.place(&maker, m, limit(Side::Ask, 1_000_000, 100)).await.assert_ok();
    t.place(&taker, m, limit(Side::Bid, 1_000_000, 100)).await.assert_ok();
    // 100 USDC traded: taker fee 0.05, maker rebate 0.01, insurance 20% of the net 0.04.
    assert_eq!((t.market(m).await.insurance_fees_booked, t.insurance_claim().await), (8_000, 8_000));
    assert_eq!(t.token_balance(&quote_vault).await, vault_before, "booked, no tokens moved");
    let ix = iix::settle_insurance_claim(&t.exchange.clone(), &t.assets[0].mint.clone());
    t.send(&[ix.clone()], &[]).await.assert_ok();
    assert_eq!((t.insurance_claim().await, t.insurance_fund().await.unwrap().balance), (0, 8_000));
    assert_eq!(t.token_balance(&quote_vault).await, vault_before - 8_000);
    t.assert_conserved().await;
    t.send(&[ix], &[]).await.assert_error(KeelError::NothingToSettle);
}

#[tokio::test]
async fn admin_withdrawals_stay_within_ten_percent_per_week() {
    let mut t = with_fund().await;
    let (owner, wallet) = quote_wallet(&mut t, 1_000_000_000).await;
    deposit(&mut t, &owner, &wallet, 1_000_000_000).await.assert_ok();
    let (_, destination) = quote_wallet(&mut t, 0).await;
    // 10% of 1 000 USDC = 100 per period: 60, then 41 is refused, 40 fits.
    admin_withdraw(&mut t, &destination, 60_000_000).await.assert_ok();
    let refused = admin_withdraw(&mut t, &destination, 40_000_001).await;
    refused.assert_error(KeelError::InsuranceWithdrawLimit);
    assert!(refused.logged("40000001 requested, 40000000 withdrawable now"));
    let outcome = admin_withdraw(&mut t, &destination, 40_000_000).await;
    outcome.assert_ok();
    let flow = &events_of::<InsuranceFlow>(&outcome.logs)[0];
    assert_eq!((flow.kind, flow.amount, flow.balance_after), (INSURANCE_WITHDRAWAL, -40_000_000, 900_000_000));
    admin_withdraw(&mut t, &destination, 1).await.assert_error(KeelError::InsuranceWithdrawLimit);
    // A week later the limit is 10% of the 900 left.
    t.set_time(START_TIME + PERIOD_SECS as i64).await;
    admin_withdraw(&mut t, &destination, 90_000_001).await.assert_error(KeelError::InsuranceWithdrawLimit);
    admin_withdraw(&mut t, &destination, 90_000_000).await.assert_ok();
    assert_eq!(t.token_balance(&destination).await, 190_000_000);
    let fund = t.insurance_fund().await.unwrap();
    assert_eq!((fund.balance, fund.total_withdrawn), (810_000_000, 190_000_000));
    // Only the admin: a stranger signing as admin is refused.
    let stranger = Keypair::new();
    let ix = iix::withdraw_insurance(&stranger.pubkey(), &t.exchange.clone(), &destination, 1);
    t.send(&[ix], &[&stranger]).await.assert_error(KeelError::NotAdmin);
}
