//! [`TestContext`]: an exchange on a fresh bank, with a quote asset, listable collateral assets
//! with movable oracles, and helpers to send, simulate and inspect.

use crate::oracles::{legacy_price_account, pull_price_account, PriceSpec};
use crate::outcome::Outcome;
use crate::runtime::program_test;
use anchor_lang::prelude::Pubkey;
use keel::instructions::risk::{AssetParams, ListAssetArgs};
use keel::oracle::OracleKind;
use keel::state::BankParams;
use keel_client::{instructions as kix, pda};
use pyth_sdk_solana::state::PriceStatus;
use pyth_solana_receiver_sdk::price_update::VerificationLevel;
use solana_account::AccountSharedData;
use solana_clock::Clock;
use solana_keypair::Keypair;
use solana_program_test::ProgramTestContext;
use solana_signer::Signer;
use solana_transaction::Transaction;

/// The unix time every test starts at.
pub const START_TIME: i64 = 1_750_000_000;
/// Quote decimals (a USDC-like stablecoin).
pub const QUOTE_DECIMALS: u8 = 6;

/// A listed asset as the tests know it.
#[derive(Clone, Copy, Debug)]
pub struct TestAsset {
    /// Asset index on the exchange.
    pub index: u16,
    /// The mint.
    pub mint: Pubkey,
    /// Mint decimals.
    pub decimals: u8,
    /// The asset account.
    pub address: Pubkey,
    /// The oracle account (default for the quote).
    pub oracle: Pubkey,
    /// Oracle kind.
    pub kind: OracleKind,
    /// Pull-oracle feed id.
    pub feed_id: [u8; 32],
}

impl TestAsset {
    /// The oracle account as instructions take it: `None` for the quote asset.
    pub fn oracle_key(&self) -> Option<Pubkey> {
        (self.kind != OracleKind::Fixed).then_some(self.oracle)
    }
}

/// A fresh bank with one exchange on it.
pub struct TestContext {
    /// The program-test context (banks client, payer).
    pub ctx: ProgramTestContext,
    /// The exchange admin (also its creator).
    pub admin: Keypair,
    /// The exchange PDA.
    pub exchange: Pubkey,
    /// Listed assets by index; `assets[0]` is the quote.
    pub assets: Vec<TestAsset>,
    /// Margin accounts created through the context (for ledger checks).
    pub margin_accounts: Vec<Pubkey>,
    /// Listed perp markets by index.
    pub markets: Vec<crate::markets::TestMarket>,
    /// Quote tokens a test sent straight into the quote vault (no instruction of Keel's): the
    /// ledger check counts them beside the booked claims.
    pub quote_donated: u64,
    nonce: u32,
}

/// Parameters used for the quote asset: every weight exactly 1 (the program requires it).
pub fn quote_params() -> AssetParams {
    AssetParams {
        init_asset_weight_bps: 10_000,
        maint_asset_weight_bps: 10_000,
        init_liab_weight_bps: 10_000,
        maint_liab_weight_bps: 10_000,
        deposit_cap: 1_000_000_000_000_000,
        oracle_max_age_secs: 60,
        oracle_max_conf_bps: 200,
        oracle_conf_multiplier_bps: 10_000,
        liquidation_fee_bps: 0,
        liquidation_penalty_bps: 0,
        bank: BankParams::recommended(6),
    }
}

/// Parameters for a volatile asset: init 0.80, maint 0.90, 60 s max age, 2% max conf, k = 1;
/// liquidation discount 2%, penalty 1%.
pub fn volatile_params() -> AssetParams {
    AssetParams {
        init_asset_weight_bps: 8_000,
        maint_asset_weight_bps: 9_000,
        init_liab_weight_bps: 10_000,
        maint_liab_weight_bps: 10_000,
        liquidation_fee_bps: 200,
        liquidation_penalty_bps: 100,
        ..quote_params()
    }
}

impl TestContext {
    /// A bank at [`START_TIME`] with an exchange whose quote asset (6 decimals) is listed.
    pub async fn new() -> Self {
        let ctx = program_test().start_with_context().await;
        let mut test = Self { ctx, admin: Keypair::new(), exchange: Pubkey::default(), assets: vec![], margin_accounts: vec![], markets: vec![], quote_donated: 0, nonce: 0 };
        test.set_time(START_TIME).await;
        let admin = test.admin.pubkey();
        test.airdrop(&admin, 10_000_000_000).await;
        test.exchange = pda::exchange(&admin);
        let quote_mint = test.create_mint(QUOTE_DECIMALS).await;
        let admin_key = test.admin.insecure_clone();
        test.send(&[kix::initialize_exchange(&admin, &admin, &quote_mint)], &[&admin_key]).await.assert_ok();
        let args = ListAssetArgs { params: quote_params(), oracle_kind: OracleKind::Fixed, feed_id: [0; 32] };
        test.list(quote_mint, QUOTE_DECIMALS, None, args).await.assert_ok();
        test
    }

    /// Lists a new asset with a pull oracle at `spec` (fully verified); returns its index.
    pub async fn add_pull_asset(&mut self, decimals: u8, params: AssetParams, spec: PriceSpec) -> u16 {
        let mint = self.create_mint(decimals).await;
        let feed_id = Pubkey::new_unique().to_bytes();
        let oracle = Pubkey::new_unique();
        self.set_account(&oracle, pull_price_account(feed_id, spec, VerificationLevel::Full));
        let args = ListAssetArgs { params, oracle_kind: OracleKind::PythPull, feed_id };
        self.list(mint, decimals, Some(oracle), args).await.assert_ok();
        self.assets.len() as u16 - 1
    }

    /// Lists a new asset with a legacy Pyth oracle at `spec`; returns its index.
    pub async fn add_legacy_asset(&mut self, decimals: u8, params: AssetParams, spec: PriceSpec) -> u16 {
        let mint = self.create_mint(decimals).await;
        let oracle = Pubkey::new_unique();
        self.set_account(&oracle, legacy_price_account(spec, PriceStatus::Trading));
        let args = ListAssetArgs { params, oracle_kind: OracleKind::PythLegacy, feed_id: [0; 32] };
        self.list(mint, decimals, Some(oracle), args).await.assert_ok();
        self.assets.len() as u16 - 1
    }

    /// Sends `list_asset` and records the asset on success.
    pub async fn list(&mut self, mint: Pubkey, decimals: u8, oracle: Option<Pubkey>, args: ListAssetArgs) -> Outcome {
        let admin = self.admin.insecure_clone();
        let payer = self.payer();
        let ix = kix::list_asset(&payer, &admin.pubkey(), &self.exchange, &mint, oracle, args);
        let outcome = self.send(&[ix], &[&admin]).await;
        if outcome.result.is_ok() {
            self.assets.push(TestAsset {
                index: self.assets.len() as u16,
                mint,
                decimals,
                address: pda::asset(&self.exchange, &mint),
                oracle: oracle.unwrap_or_default(),
                kind: args.oracle_kind,
                feed_id: args.feed_id,
            });
        }
        outcome
    }

    /// Moves asset `index`'s pull oracle to `spec` with `verification`.
    pub fn set_pull_price(&mut self, index: u16, spec: PriceSpec, verification: VerificationLevel) {
        let asset = self.assets[index as usize];
        self.set_account(&asset.oracle, pull_price_account(asset.feed_id, spec, verification));
    }

    /// Moves asset `index`'s legacy oracle to `spec` with `status`.
    pub fn set_legacy_price(&mut self, index: u16, spec: PriceSpec, status: PriceStatus) {
        let asset = self.assets[index as usize];
        self.set_account(&asset.oracle, legacy_price_account(spec, status));
    }

    /// Writes an account directly into the bank.
    pub fn set_account(&mut self, key: &Pubkey, account: solana_account::Account) {
        self.ctx.set_account(key, &AccountSharedData::from(account));
    }

    /// Sets the cluster clock's unix time.
    pub async fn set_time(&mut self, unix_timestamp: i64) {
        let mut clock: Clock = self.ctx.banks_client.get_sysvar().await.expect("clock");
        clock.unix_timestamp = unix_timestamp;
        self.ctx.set_sysvar(&clock);
    }

    /// The test payer.
    pub fn payer(&self) -> Pubkey {
        self.ctx.payer.pubkey()
    }

    /// Transfers lamports from the payer.
    pub async fn airdrop(&mut self, to: &Pubkey, lamports: u64) {
        let ix = solana_system_interface::instruction::transfer(&self.payer(), to, lamports);
        self.send(&[ix], &[]).await.assert_ok();
    }

    /// Minimum rent-exempt balance for `len` bytes.
    pub async fn rent(&mut self, len: usize) -> u64 {
        self.ctx.banks_client.get_rent().await.expect("rent").minimum_balance(len)
    }

    /// Raw data of an account, if it exists.
    pub async fn account_data(&mut self, key: &Pubkey) -> Option<Vec<u8>> {
        self.ctx.banks_client.get_account(*key).await.expect("get_account").map(|a| a.data)
    }

    /// Lamports of an account (0 when it does not exist).
    pub async fn lamports(&mut self, key: &Pubkey) -> u64 {
        self.ctx.banks_client.get_account(*key).await.expect("get_account").map_or(0, |a| a.lamports)
    }

    /// Processes `ixs` signed by the payer and `signers`.
    pub async fn send(&mut self, ixs: &[anchor_lang::solana_program::instruction::Instruction], signers: &[&Keypair]) -> Outcome {
        self.refresh_blockhash().await;
        let tx = self.transaction(ixs, signers);
        let processed = self.ctx.banks_client.process_transaction_with_metadata(tx).await.expect("banks client");
        let (logs, return_data) = processed
            .metadata
            .map(|m| (m.log_messages, m.return_data.map(|r| r.data)))
            .unwrap_or_default();
        Outcome { result: processed.result, logs, return_data }
    }

    /// Simulates `ixs` signed by the payer and `signers` (as a dApp's simulateTransaction).
    pub async fn simulate(&mut self, ixs: &[anchor_lang::solana_program::instruction::Instruction], signers: &[&Keypair]) -> Outcome {
        self.refresh_blockhash().await;
        let tx = self.transaction(ixs, signers);
        let simulated = self.ctx.banks_client.simulate_transaction(tx).await.expect("banks client");
        let details = simulated.simulation_details.expect("simulation details");
        Outcome {
            result: simulated.result.expect("simulation result"),
            logs: details.logs,
            return_data: details.return_data.map(|r| r.data),
        }
    }

    /// Takes the bank's latest blockhash: program-test registers a new one every tick, so the
    /// first one expires after about two seconds of wall time.
    async fn refresh_blockhash(&mut self) {
        self.ctx.last_blockhash = self.ctx.banks_client.get_latest_blockhash().await.expect("latest blockhash");
    }

    /// A signed transaction, made unique by a compute-unit-limit nonce so that identical
    /// instructions can be sent twice in one slot.
    fn transaction(&mut self, ixs: &[anchor_lang::solana_program::instruction::Instruction], signers: &[&Keypair]) -> Transaction {
        self.nonce += 1;
        let mut all = vec![solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_limit(1_400_000 - self.nonce)];
        all.extend_from_slice(ixs);
        let mut keys: Vec<&Keypair> = vec![&self.ctx.payer];
        keys.extend_from_slice(signers);
        Transaction::new_signed_with_payer(&all, Some(&self.ctx.payer.pubkey()), &keys, self.ctx.last_blockhash)
    }
}
