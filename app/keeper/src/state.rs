//! The keeper's copy of the exchange: its assets, markets, oracles and margin accounts, kept up
//! to date by snapshots and subscriptions, and the health of any account computed from it with
//! the program's own code ([`keel_client::health::health_report`]).

use crate::candidates::Candidate;
use anchor_lang::prelude::{AccountMeta, Pubkey};
use keel::instructions::risk::HealthReport;
use keel::state::{Exchange, MarginAccount, LIQUIDATION_IN_PROGRESS, QUOTE_ASSET_INDEX};
use keel_client::health::{health_accounts, health_report, FetchedAccount, KnownAsset, KnownMarket};
use keel_client::markets::MarketKeys;
use std::collections::HashMap;

/// Everything the keeper knows about one exchange.
#[derive(Default)]
pub struct Registry {
    /// The exchange's address.
    pub exchange_key: Pubkey,
    /// The exchange (`None` before the first snapshot).
    pub exchange: Option<Exchange>,
    /// Listed assets, by index order.
    pub assets: Vec<KnownAsset>,
    /// Listed markets, by index order.
    pub markets: Vec<KnownMarket>,
    /// Raw accounts the health code reads: assets, markets and oracles, by address.
    pub raw: HashMap<Pubkey, FetchedAccount>,
    /// Margin accounts of the exchange.
    pub accounts: HashMap<Pubkey, Box<MarginAccount>>,
    /// The cluster's unix time as last read.
    pub now: i64,
}

/// What the health code says about one account.
#[derive(Clone, Debug)]
pub struct Evaluation {
    /// The report (the program's numbers).
    pub report: HealthReport,
    /// The account's health accounts, in the program's order.
    pub metas: Vec<AccountMeta>,
}

/// Why an account could not be evaluated.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// Not a margin account we know.
    #[error("unknown margin account")]
    Unknown,
    /// It uses an asset or market not in the registry (a snapshot is due).
    #[error("the account uses an asset or market the keeper has not loaded")]
    MissingListing,
    /// One of its health accounts (oracle, asset, market) is not loaded.
    #[error("health account {0} not loaded")]
    MissingAccount(Pubkey),
    /// The program's health code refused (a stale or failing oracle, …).
    #[error("health: {0}")]
    Health(String),
}

impl Registry {
    /// An empty registry for `exchange_key`.
    pub fn new(exchange_key: Pubkey) -> Self {
        Self { exchange_key, ..Self::default() }
    }

    /// The exchange's quote mint.
    pub fn quote_mint(&self) -> Option<Pubkey> {
        self.exchange.as_ref().map(|e| e.quote_mint)
    }

    /// The trade and crank accounts of market `index`.
    pub fn market_keys(&self, index: u16) -> Option<MarketKeys> {
        let quote_asset = self.assets.iter().find(|a| a.asset.index == QUOTE_ASSET_INDEX)?.address;
        let known = self.markets.iter().find(|m| m.market.index == index)?;
        Some(MarketKeys::of(known.address, &known.market, quote_asset))
    }

    /// Stores a raw account (an asset, market or oracle) and re-decodes listings.
    pub fn store_raw(&mut self, account: FetchedAccount) {
        if let Some(asset) = keel_client::accounts::collateral_asset(&account.data) {
            if let Some(known) = self.assets.iter_mut().find(|a| a.address == account.key) {
                known.asset = asset;
            }
        } else if let Some(market) = keel_client::accounts::perp_market(&account.data) {
            if let Some(known) = self.markets.iter_mut().find(|m| m.address == account.key) {
                known.market = market;
            }
        }
        self.raw.insert(account.key, account);
    }

    /// Stores a margin account's data; `false` when it is not a margin account of this exchange.
    pub fn store_margin(&mut self, key: Pubkey, data: &[u8]) -> bool {
        match keel_client::accounts::margin_account(data) {
            Some(account) if account.exchange == self.exchange_key => {
                self.accounts.insert(key, account);
                true
            }
            _ => false,
        }
    }

    /// Every oracle address the health code reads (assets with a price feed, and markets).
    pub fn oracles(&self) -> Vec<Pubkey> {
        let mut oracles: Vec<Pubkey> = self
            .assets
            .iter()
            .filter(|a| a.asset.oracle_kind != keel::oracle::OracleKind::Fixed as u8)
            .map(|a| a.asset.oracle)
            .chain(self.markets.iter().map(|m| m.market.oracle))
            .collect();
        oracles.sort();
        oracles.dedup();
        oracles
    }

    /// The margin accounts whose health depends on `oracle`.
    pub fn touched_by_oracle(&self, oracle: &Pubkey) -> Vec<Pubkey> {
        let assets: Vec<u16> = self.assets.iter().filter(|a| a.asset.oracle == *oracle).map(|a| a.asset.index).collect();
        let markets: Vec<u16> = self.markets.iter().filter(|m| m.market.oracle == *oracle).map(|m| m.market.index).collect();
        self.accounts
            .iter()
            .filter(|(_, a)| {
                a.active_perps().any(|p| markets.contains(&p.market_index))
                    || a.active_collaterals().any(|c| assets.contains(&c.asset_index) && c.balance != 0)
            })
            .map(|(k, _)| *k)
            .collect()
    }

    /// Health of account `key` by the program's code over the registry's accounts.
    pub fn evaluate(&self, key: &Pubkey) -> Result<Evaluation, EvalError> {
        let account = self.accounts.get(key).ok_or(EvalError::Unknown)?;
        self.evaluate_account(account)
    }

    /// Health of `account` (not necessarily stored) over the registry's accounts.
    pub fn evaluate_account(&self, account: &MarginAccount) -> Result<Evaluation, EvalError> {
        let exchange = self.exchange.as_ref().ok_or(EvalError::MissingListing)?;
        let metas = health_accounts(account, &self.assets, &self.markets).ok_or(EvalError::MissingListing)?;
        let mut fetched = Vec::with_capacity(metas.len());
        for meta in &metas {
            fetched.push(self.raw.get(&meta.pubkey).cloned().ok_or(EvalError::MissingAccount(meta.pubkey))?);
        }
        let report = health_report(&self.exchange_key, exchange, account, &mut fetched, self.now).map_err(|e| EvalError::Health(e.to_string()))?;
        Ok(Evaluation { report, metas })
    }

    /// The candidate for account `key`, when the program would let it be liquidated (or
    /// settled) now.
    pub fn candidate(&self, key: &Pubkey) -> Option<Candidate> {
        let account = self.accounts.get(key)?;
        let evaluation = self.evaluate_account(account).ok()?;
        let candidate = Candidate::of(*key, account, &evaluation.report);
        candidate.liquidatable.then_some(candidate)
    }
}

/// Whether the program would accept a liquidation step on `account` with these numbers: Maint
/// health below zero, or a liquidation in progress whose LiquidationEnd health is still below
/// zero (the program's `require_liquidatable`).
pub fn is_liquidatable(account: &MarginAccount, maint: i64, liq_end: i64) -> bool {
    maint < 0 || (account.being_liquidated == LIQUIDATION_IN_PROGRESS && liq_end < 0)
}

/// Whether `account` holds nothing but a negative quote balance (what `settle_bankruptcy`
/// accepts).
pub fn is_bankrupt(account: &MarginAccount) -> bool {
    let holds_other = account.active_collaterals().any(|c| c.asset_index != QUOTE_ASSET_INDEX && c.balance != 0);
    let open = account.has_perps() || account.orders.iter().any(|o| o.is_in_use());
    account.balance(QUOTE_ASSET_INDEX) < 0 && !holds_other && !open
}
