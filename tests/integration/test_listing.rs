//! `list_asset`: what a listing writes (asset, vault, event) and every way it is refused.

use anchor_lang::prelude::Pubkey;
use anchor_lang::AccountDeserialize;
use anchor_spl::token::{spl_token, TokenAccount};
use keel::error::KeelError;
use keel::events::AssetListed;
use keel::instructions::risk::{AssetParams, ListAssetArgs};
use keel::oracle::OracleKind;
use keel::state::{BankParams, ASSET_VERSION};
use keel_client::events::events_of;
use keel_client::{accounts as decode, instructions as kix, pda};
use keel_tests::context::{quote_params, volatile_params, TestContext, QUOTE_DECIMALS, START_TIME};
use keel_tests::oracles::{legacy_price_account, pull_price_account, PriceSpec};
use keel_tests::outcome::Outcome;
use pyth_sdk_solana::state::PriceStatus;
use pyth_solana_receiver_sdk::price_update::VerificationLevel;
use solana_keypair::Keypair;
use solana_signer::Signer;

/// A SOL-like price: 150.00 ± 0.10, published at the start time.
fn sol_price() -> PriceSpec {
    PriceSpec::new(150_00, 10, -2, START_TIME)
}

/// Parameters that each break exactly one bound, with the error they must be refused with.
/// Shared with the `update_asset` tests, which must refuse the same parameters the same way.
pub(crate) fn out_of_bounds_params() -> Vec<(&'static str, AssetParams, KeelError)> {
    let base = volatile_params();
    vec![
        ("init asset weight 0", AssetParams { init_asset_weight_bps: 0, ..base }, KeelError::InvalidAssetWeights),
        ("init asset weight > maint", AssetParams { init_asset_weight_bps: 9_500, maint_asset_weight_bps: 9_000, ..base }, KeelError::InvalidAssetWeights),
        ("maint asset weight > 10000", AssetParams { maint_asset_weight_bps: 10_001, ..base }, KeelError::InvalidAssetWeights),
        ("maint liab weight < 10000", AssetParams { init_liab_weight_bps: 10_000, maint_liab_weight_bps: 9_999, ..base }, KeelError::InvalidLiabilityWeights),
        ("init liab weight < maint", AssetParams { init_liab_weight_bps: 10_400, maint_liab_weight_bps: 10_500, ..base }, KeelError::InvalidLiabilityWeights),
        ("init liab weight > 20000", AssetParams { init_liab_weight_bps: 20_001, maint_liab_weight_bps: 10_000, ..base }, KeelError::InvalidLiabilityWeights),
        ("oracle max age 0", AssetParams { oracle_max_age_secs: 0, ..base }, KeelError::InvalidOracleConfig),
        ("oracle max age 3601", AssetParams { oracle_max_age_secs: 3_601, ..base }, KeelError::InvalidOracleConfig),
        ("oracle max conf 0", AssetParams { oracle_max_conf_bps: 0, ..base }, KeelError::InvalidOracleConfig),
        ("oracle max conf 2001", AssetParams { oracle_max_conf_bps: 2_001, ..base }, KeelError::InvalidOracleConfig),
        ("oracle conf multiplier 50001", AssetParams { oracle_conf_multiplier_bps: 50_001, ..base }, KeelError::InvalidOracleConfig),
    ]
}

/// A fully verified pull-oracle account for a fresh feed id; returns (oracle, feed id).
fn pull_oracle(t: &mut TestContext) -> (Pubkey, [u8; 32]) {
    let feed_id = Pubkey::new_unique().to_bytes();
    let oracle = Pubkey::new_unique();
    t.set_account(&oracle, pull_price_account(feed_id, sol_price(), VerificationLevel::Full));
    (oracle, feed_id)
}

/// The single `AssetListed` event of a listing.
fn listed_event(outcome: &Outcome) -> AssetListed {
    let mut events = events_of::<AssetListed>(&outcome.logs);
    assert_eq!(events.len(), 1, "exactly one AssetListed event");
    events.remove(0)
}

/// The exchange's admin event sequence and asset count.
async fn exchange_counters(t: &mut TestContext) -> (u64, u16) {
    let exchange = t.exchange;
    let exchange = decode::exchange(&t.account_data(&exchange).await.unwrap()).unwrap();
    (exchange.admin_event_seq, exchange.asset_count)
}

#[tokio::test]
async fn list_asset_writes_asset_vault_and_event() {
    let mut t = TestContext::new().await;
    let (seq_before, count_before) = exchange_counters(&mut t).await;
    assert_eq!((seq_before, count_before), (1, 1), "the quote listing took admin_seq 1 and index 0");

    let mint = t.create_mint(9).await;
    let (oracle, feed_id) = pull_oracle(&mut t);
    let params = volatile_params();
    let outcome = t.list(mint, 9, Some(oracle), ListAssetArgs { params, oracle_kind: OracleKind::PythPull, feed_id }).await;
    outcome.assert_ok();

    let address = pda::asset(&t.exchange, &mint);
    let asset = decode::collateral_asset(&t.account_data(&address).await.unwrap()).expect("asset decodes");
    assert_eq!(asset.version, ASSET_VERSION);
    assert_eq!(asset.index, 1);
    assert_eq!(asset.exchange, t.exchange);
    assert_eq!(asset.mint, mint);
    assert_eq!(asset.vault, pda::vault(&t.exchange, &mint));
    assert_eq!(asset.oracle, oracle);
    assert_eq!(asset.oracle_kind, OracleKind::PythPull as u8);
    assert_eq!(asset.feed_id, feed_id);
    assert_eq!(asset.decimals, 9, "decimals come from the mint");
    assert_eq!(AssetParams::of(&asset), params);
    assert_eq!(asset.deposits_paused, 0);
    assert_eq!((asset.deposit_units, asset.borrow_units, asset.event_seq), (0, 0, 0));
    assert_eq!(asset.indices(), keel::bank::BankIndices::ONE, "a fresh bank: both indices at one");

    let vault = t.ctx.banks_client.get_account(asset.vault).await.unwrap().expect("vault exists");
    assert_eq!(vault.owner, spl_token::ID, "the vault is an SPL Token account");
    let vault = TokenAccount::try_deserialize(&mut vault.data.as_slice()).expect("vault is a token account");
    assert_eq!(vault.mint, mint);
    assert_eq!(vault.owner, t.exchange, "the exchange PDA is the vault's authority");
    assert_eq!(vault.amount, 0);
    assert!(vault.delegate.is_none() && vault.close_authority.is_none());

    let event = listed_event(&outcome);
    assert_eq!(event.exchange, t.exchange);
    assert_eq!(event.asset, address);
    assert_eq!(event.index, 1);
    assert_eq!(event.mint, mint);
    assert_eq!(event.oracle, oracle);
    assert_eq!(event.oracle_kind, OracleKind::PythPull as u8);
    assert_eq!(event.params, params);
    assert_eq!(event.admin_seq, seq_before + 1);
    assert_eq!(exchange_counters(&mut t).await, (seq_before + 1, 2));
}

#[tokio::test]
async fn list_asset_admin_seq_increases_across_listings() {
    let mut t = TestContext::new().await;
    let mut seqs = Vec::new();
    for (i, decimals) in [9u8, 8, 5].into_iter().enumerate() {
        let mint = t.create_mint(decimals).await;
        let outcome = if i == 1 {
            let oracle = Pubkey::new_unique();
            t.set_account(&oracle, legacy_price_account(sol_price(), PriceStatus::Trading));
            let args = ListAssetArgs { params: volatile_params(), oracle_kind: OracleKind::PythLegacy, feed_id: [9; 32] };
            let outcome = t.list(mint, decimals, Some(oracle), args).await;
            let asset = decode::collateral_asset(&t.account_data(&pda::asset(&t.exchange, &mint)).await.unwrap()).unwrap();
            assert_eq!(asset.feed_id, oracle.to_bytes(), "a legacy asset binds its price account key, not the argument");
            outcome
        } else {
            let (oracle, feed_id) = pull_oracle(&mut t);
            t.list(mint, decimals, Some(oracle), ListAssetArgs { params: volatile_params(), oracle_kind: OracleKind::PythPull, feed_id }).await
        };
        outcome.assert_ok();
        let event = listed_event(&outcome);
        assert_eq!(event.index as usize, i + 1);
        let asset = decode::collateral_asset(&t.account_data(&event.asset).await.unwrap()).unwrap();
        assert_eq!((asset.index, asset.decimals), (event.index, decimals));
        seqs.push(event.admin_seq);
    }
    assert_eq!(seqs, vec![2, 3, 4], "admin_seq strictly increases, after the quote listing's 1");
    assert_eq!(exchange_counters(&mut t).await, (4, 4));
}

#[tokio::test]
async fn list_asset_accepts_params_at_the_bounds() {
    let mut t = TestContext::new().await;
    let params = AssetParams {
        init_asset_weight_bps: 1,
        maint_asset_weight_bps: 10_000,
        init_liab_weight_bps: 20_000,
        maint_liab_weight_bps: 10_000,
        deposit_cap: u64::MAX,
        oracle_max_age_secs: 3_600,
        oracle_max_conf_bps: 2_000,
        oracle_conf_multiplier_bps: 50_000,
        liquidation_fee_bps: 0,
        liquidation_penalty_bps: 0,
        bank: BankParams {
            base_rate_bps: 100,
            optimal_utilization_bps: 9_500,
            optimal_rate_bps: 100,
            max_rate_bps: 50_000,
            interest_fee_bps: 5_000,
            max_utilization_bps: 9_800,
            net_borrow_window_secs: 2_592_000,
            net_borrow_limit: 1,
        },
    };
    let mint = t.create_mint(9).await;
    let (oracle, feed_id) = pull_oracle(&mut t);
    t.list(mint, 9, Some(oracle), ListAssetArgs { params, oracle_kind: OracleKind::PythPull, feed_id }).await.assert_ok();
    let mint = t.create_mint(9).await;
    let (oracle, feed_id) = pull_oracle(&mut t);
    let low = AssetParams { oracle_max_age_secs: 1, oracle_max_conf_bps: 1, oracle_conf_multiplier_bps: 0, ..params };
    t.list(mint, 9, Some(oracle), ListAssetArgs { params: low, oracle_kind: OracleKind::PythPull, feed_id }).await.assert_ok();
}

#[tokio::test]
async fn list_asset_by_non_admin_fails() {
    let mut t = TestContext::new().await;
    let intruder = Keypair::new();
    let mint = t.create_mint(9).await;
    let (oracle, feed_id) = pull_oracle(&mut t);
    let args = ListAssetArgs { params: volatile_params(), oracle_kind: OracleKind::PythPull, feed_id };
    let payer = t.payer();
    let ix = kix::list_asset(&payer, &intruder.pubkey(), &t.exchange, &mint, Some(oracle), args);
    t.send(&[ix], &[&intruder]).await.assert_error(KeelError::NotAdmin);
    assert!(t.account_data(&pda::asset(&t.exchange, &mint)).await.is_none());
    assert_eq!(exchange_counters(&mut t).await, (1, 1));
}

#[tokio::test]
async fn list_asset_quote_mint_twice_fails() {
    let mut t = TestContext::new().await;
    let quote = t.asset(0);
    let args = ListAssetArgs { params: quote_params(), oracle_kind: OracleKind::Fixed, feed_id: [0; 32] };
    // Refused before any account is touched: the quote asset can only be asset 0.
    let outcome = t.list(quote.mint, QUOTE_DECIMALS, None, args).await;
    outcome.assert_error(KeelError::QuoteAssetFirst);
    assert_eq!(exchange_counters(&mut t).await, (1, 1));
}

#[tokio::test]
async fn list_asset_non_quote_with_fixed_price_fails() {
    let mut t = TestContext::new().await;
    let mint = t.create_mint(9).await;
    let args = ListAssetArgs { params: volatile_params(), oracle_kind: OracleKind::Fixed, feed_id: [0; 32] };
    t.list(mint, 9, None, args).await.assert_error(KeelError::QuoteAssetFirst);
    let (oracle, _) = pull_oracle(&mut t);
    t.list(mint, 9, Some(oracle), args).await.assert_error(KeelError::QuoteAssetFirst);
    assert!(t.account_data(&pda::asset(&t.exchange, &mint)).await.is_none());
}

#[tokio::test]
async fn list_asset_out_of_bounds_params_fail() {
    let mut t = TestContext::new().await;
    let mint = t.create_mint(9).await;
    let (oracle, feed_id) = pull_oracle(&mut t);
    for (case, params, error) in out_of_bounds_params() {
        println!("case: {case}");
        t.list(mint, 9, Some(oracle), ListAssetArgs { params, oracle_kind: OracleKind::PythPull, feed_id }).await.assert_error(error);
    }
    assert!(t.account_data(&pda::asset(&t.exchange, &mint)).await.is_none());
    assert_eq!(exchange_counters(&mut t).await, (1, 1));
    // The same mint lists fine once the parameters are in bounds.
    t.list(mint, 9, Some(oracle), ListAssetArgs { params: volatile_params(), oracle_kind: OracleKind::PythPull, feed_id }).await.assert_ok();
}

#[tokio::test]
async fn list_asset_pull_oracle_missing_fails() {
    let mut t = TestContext::new().await;
    let mint = t.create_mint(9).await;
    let args = ListAssetArgs { params: volatile_params(), oracle_kind: OracleKind::PythPull, feed_id: [3; 32] };
    t.list(mint, 9, None, args).await.assert_error(KeelError::OracleAccountMismatch);
    let legacy = ListAssetArgs { oracle_kind: OracleKind::PythLegacy, ..args };
    t.list(mint, 9, None, legacy).await.assert_error(KeelError::OracleAccountMismatch);
    assert!(t.account_data(&pda::asset(&t.exchange, &mint)).await.is_none());
}

#[tokio::test]
async fn list_asset_mint_not_owned_by_spl_token_fails() {
    let mut t = TestContext::new().await;
    // A byte-for-byte copy of a real mint, owned by another program.
    let real = t.create_mint(9).await;
    let mut account = t.ctx.banks_client.get_account(real).await.unwrap().unwrap();
    account.owner = Pubkey::new_unique();
    let fake = Pubkey::new_unique();
    t.set_account(&fake, account);
    let (oracle, feed_id) = pull_oracle(&mut t);
    let args = ListAssetArgs { params: volatile_params(), oracle_kind: OracleKind::PythPull, feed_id };
    t.list(fake, 9, Some(oracle), args).await.assert_anchor_error(anchor_lang::error::ErrorCode::AccountOwnedByWrongProgram);
    assert!(t.account_data(&pda::asset(&t.exchange, &fake)).await.is_none());
}

#[tokio::test]
async fn list_asset_at_prefunded_asset_and_vault_addresses_succeeds() {
    let mut t = TestContext::new().await;
    let mint = t.create_mint(9).await;
    // A griefer pre-funds both predictable addresses of the next listing.
    let (asset, vault) = (pda::asset(&t.exchange, &mint), pda::vault(&t.exchange, &mint));
    t.airdrop(&asset, 1_000_000).await;
    t.airdrop(&vault, 1_000_000_000).await;
    let oracle = Pubkey::new_unique();
    let feed_id = [9; 32];
    t.set_account(&oracle, pull_price_account(feed_id, PriceSpec::new(150_00, 10, -2, START_TIME), pyth_solana_receiver_sdk::price_update::VerificationLevel::Full));
    let args = ListAssetArgs { params: volatile_params(), oracle_kind: OracleKind::PythPull, feed_id };
    t.list(mint, 9, Some(oracle), args).await.assert_ok();
    let listed = decode::collateral_asset(&t.account_data(&asset).await.unwrap()).unwrap();
    assert_eq!((listed.mint, listed.vault), (mint, vault));
    let vault_account = TokenAccount::try_deserialize(&mut t.account_data(&vault).await.unwrap().as_slice()).unwrap();
    assert_eq!((vault_account.mint, vault_account.owner, vault_account.amount), (mint, t.exchange, 0));
    t.assert_conserved().await;
}
