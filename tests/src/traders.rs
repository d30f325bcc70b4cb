//! Traders: a keypair with SOL, a margin account, funded token accounts, and the actions the
//! tests take for them through the Rust client.

use crate::context::{TestAsset, TestContext};
use crate::outcome::Outcome;
use anchor_lang::prelude::Pubkey;
use keel::instructions::risk::HealthReport;
use keel::state::MarginAccount;
use keel_client::health::{health_accounts, FetchedAccount, KnownAsset};
use keel_client::{accounts as decode, instructions as kix, pda};
use solana_keypair::Keypair;
use solana_signer::Signer;

/// A trader with one margin account and a token account per listed asset.
pub struct Trader {
    /// The owner's keypair.
    pub owner: Keypair,
    /// The margin account (index 0).
    pub account: Pubkey,
    /// Token accounts, one per asset index.
    pub wallets: Vec<Pubkey>,
}

impl Trader {
    /// A second handle on the same trader (same keys, account and wallets).
    pub fn handle(&self) -> Trader {
        Trader { owner: self.owner.insecure_clone(), account: self.account, wallets: self.wallets.clone() }
    }
}

impl TestContext {
    /// Another margin account (`index`) of `trader`'s owner, sharing its wallets.
    pub async fn another_account(&mut self, trader: &Trader, index: u16) -> Trader {
        let payer = self.payer();
        let owner = trader.owner.pubkey();
        let ix = kix::create_margin_account(&payer, &owner, &self.exchange, index);
        self.send(&[ix], &[&trader.owner]).await.assert_ok();
        let account = pda::margin_account(&self.exchange, &owner, index);
        self.margin_accounts.push(account);
        Trader { owner: trader.owner.insecure_clone(), account, wallets: trader.wallets.clone() }
    }

    /// A trader with a margin account and `funding[i]` native units of asset `i` in its wallet.
    pub async fn trader(&mut self, funding: &[u64]) -> Trader {
        let owner = Keypair::new();
        self.airdrop(&owner.pubkey(), 1_000_000_000).await;
        let payer = self.payer();
        let ix = kix::create_margin_account(&payer, &owner.pubkey(), &self.exchange, 0);
        self.send(&[ix], &[&owner]).await.assert_ok();
        let account = pda::margin_account(&self.exchange, &owner.pubkey(), 0);
        self.margin_accounts.push(account);
        let mut wallets = Vec::new();
        for asset in self.assets.clone() {
            let wallet = self.create_token_account(&asset.mint, &owner.pubkey()).await;
            let amount = funding.get(asset.index as usize).copied().unwrap_or(0);
            if amount > 0 {
                self.mint_to(&asset.mint, &wallet, amount).await;
            }
            wallets.push(wallet);
        }
        Trader { owner, account, wallets }
    }

    /// The asset with `index`.
    pub fn asset(&self, index: u16) -> TestAsset {
        self.assets[index as usize]
    }

    /// Deposits `amount` of asset `index` from the trader's wallet, signed by the owner, then
    /// checks that every vault still reconciles with the ledgers.
    pub async fn deposit(&mut self, trader: &Trader, index: u16, amount: u64) -> Outcome {
        let asset = self.asset(index);
        let ix = kix::deposit(&trader.owner.pubkey(), &self.exchange, &trader.account, &asset.mint, asset.oracle_key(), &trader.wallets[index as usize], amount);
        let outcome = self.send(&[ix], &[&trader.owner]).await;
        self.assert_conserved().await;
        outcome
    }

    /// Withdraws `amount` of asset `index` to the trader's wallet, with the client's health
    /// accounts, then checks that every vault still reconciles with the ledgers.
    pub async fn withdraw(&mut self, trader: &Trader, index: u16, amount: u64) -> Outcome {
        let mint = self.asset(index).mint;
        let metas = self.health_metas(&trader.account).await;
        let ix = kix::withdraw(&trader.owner.pubkey(), &self.exchange, &trader.account, &mint, &trader.wallets[index as usize], amount, metas);
        let outcome = self.send(&[ix], &[&trader.owner]).await;
        self.assert_conserved().await;
        outcome
    }

    /// The decoded margin account.
    pub async fn margin_account(&mut self, account: &Pubkey) -> Box<MarginAccount> {
        let data = self.account_data(account).await.expect("margin account exists");
        decode::margin_account(&data).expect("margin account decodes")
    }

    /// Every listed asset, decoded from the bank.
    pub async fn known_assets(&mut self) -> Vec<KnownAsset> {
        let mut known = Vec::new();
        for asset in self.assets.clone() {
            let data = self.account_data(&asset.address).await.expect("asset exists");
            known.push(KnownAsset { address: asset.address, asset: decode::collateral_asset(&data).expect("asset decodes") });
        }
        known
    }

    /// The health accounts of a margin account, from the client.
    pub async fn health_metas(&mut self, account: &Pubkey) -> Vec<anchor_lang::prelude::AccountMeta> {
        let margin = self.margin_account(account).await;
        let known = self.known_assets().await;
        let markets = self.known_markets().await;
        health_accounts(&margin, &known, &markets).expect("every held asset and market is known")
    }

    /// The health report from the program's view, via simulation.
    pub async fn health_view(&mut self, account: &Pubkey) -> Outcome {
        let metas = self.health_metas(account).await;
        let ix = kix::health(&self.exchange, account, metas);
        self.simulate(&[ix], &[]).await
    }

    /// The health report computed off-chain by the client with the program's own code.
    pub async fn client_health_report(&mut self, account: &Pubkey, now: i64) -> HealthReport {
        let margin = self.margin_account(account).await;
        let metas = self.health_metas(account).await;
        let mut fetched = Vec::new();
        for meta in metas {
            let a = self.ctx.banks_client.get_account(meta.pubkey).await.unwrap().expect("health account exists");
            fetched.push(FetchedAccount { key: meta.pubkey, owner: a.owner, lamports: a.lamports, data: a.data });
        }
        let exchange_data = self.account_data(&self.exchange.clone()).await.unwrap();
        let exchange = decode::exchange(&exchange_data).unwrap();
        keel_client::health::health_report(&self.exchange, &exchange, &margin, &mut fetched, now).expect("client health")
    }

    /// The account's equity at oracle prices, quote native: collateral value plus every
    /// position's unrealised PnL, by the program's own health code.
    pub async fn equity(&mut self, account: &Pubkey, now: i64) -> i64 {
        let report = self.client_health_report(account, now).await;
        report.collateral_value + report.perps.iter().map(|p| p.unrealized_pnl).sum::<i64>()
    }

    /// A margin account's balance of asset `index`, native units, at the bank's indices
    /// accrued to the current clock (as the program's health check counts it).
    pub async fn balance(&mut self, account: &Pubkey, index: u16) -> i64 {
        let now = self.now().await;
        let margin = self.margin_account(account).await;
        let address = self.assets[index as usize].address;
        let data = self.account_data(&address).await.expect("asset exists");
        let asset = keel_client::accounts::collateral_asset(&data).expect("asset decodes");
        keel_client::accounts::native_balance(&margin, &asset, now).expect("native balance")
    }
}
