//! The keeper's copy of the exchange: its assets, markets, oracles and margin accounts, kept up
//! to date by snapshots and subscriptions, and the health of any account computed from it with
//! the program's own code ([`keel_client::health::health_report`]).

use crate::candidates::Candidate;
use anchor_lang::prelude::{AccountInfo, AccountMeta, Pubkey};
use keel::risk::{HealthCache, HealthKind};
use keel::instructions::risk::HealthReport;
use keel::state::{Exchange, MarginAccount, LIQUIDATION_IN_PROGRESS, QUOTE_ASSET_INDEX};
use keel_client::health::{health_accounts, health_cache, health_report, FetchedAccount, KnownAsset, KnownMarket};
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
    /// Price thresholds of accounts whose health depends on one oracle only (see
    /// [`Threshold`]): a price update re-evaluates only those whose threshold it crosses.
    pub thresholds: HashMap<Pubkey, Threshold>,
}

/// Where an account's Maint health changes sign, by the program's own
/// `PerpRisk::liquidation_price`, for an account with one perp position and only quote
/// collateral (its health then moves with one oracle).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Threshold {
    /// The one oracle.
    pub oracle: Pubkey,
    /// The oracle price at the evaluation, raw fixed-point (quote native per base native).
    pub price: i128,
    /// The price at which Maint health crosses zero (`None`: no positive price does).
    pub crossing: Option<i128>,
    /// Whether the account was liquidatable at the evaluation.
    pub liquidatable: bool,
    /// Maint health at the evaluation, quote native.
    pub maint: i64,
    /// Σ |position| at the oracle price at the evaluation, quote native.
    pub size: i64,
}

/// What a price update says about an account with a threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PriceVerdict {
    /// Near its threshold, or liquidatable at the evaluation: run the health code.
    Evaluate,
    /// Clearly past its threshold: liquidatable, with this estimated Maint health (for ranking
    /// only; the round re-checks with the program's numbers before any step).
    Liquidatable(i64),
    /// Clearly on the healthy side.
    Healthy,
}

/// Nearness to a threshold that already triggers a full evaluation, bps (funding and rounding
/// move the real crossing a little between evaluations).
pub const THRESHOLD_MARGIN_BPS: i128 = 50;

impl Threshold {
    /// What oracle price `price` (raw) means for the account: near (or, liquidatable before, any
    /// move) → evaluate; clearly past the crossing → liquidatable, with Maint health scaled
    /// linearly from the evaluation's (the program's numbers at two prices: the evaluation's
    /// and the crossing, where it is zero); clearly before it → healthy.
    pub fn verdict(&self, price: i128) -> PriceVerdict {
        let Some(crossing) = self.crossing else {
            return if self.liquidatable { PriceVerdict::Evaluate } else { PriceVerdict::Healthy };
        };
        let near = (price - crossing).abs() <= crossing.abs() * THRESHOLD_MARGIN_BPS / 10_000;
        if self.liquidatable || near || self.price == crossing {
            return PriceVerdict::Evaluate;
        }
        if (self.price - crossing).signum() == (price - crossing).signum() {
            return PriceVerdict::Healthy;
        }
        let scale = (price - crossing) as f64 / (self.price - crossing) as f64;
        PriceVerdict::Liquidatable((self.maint as f64 * scale).min(-1.0) as i64)
    }
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
                    || a.active_collaterals().any(|c| assets.contains(&c.asset_index) && c.units != 0)
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
    pub fn candidate(&mut self, key: &Pubkey) -> Option<Candidate> {
        self.candidates(std::slice::from_ref(key)).pop()
    }

    /// The liquidatable candidates among `keys`, by the program's health code. Accounts with
    /// the same health accounts share one copy of them (the code only reads them), so a pass
    /// over thousands of accounts copies each oracle and market once.
    pub fn candidates(&mut self, keys: &[Pubkey]) -> Vec<Candidate> {
        let Some(exchange) = self.exchange.as_ref() else { return vec![] };
        let mut thresholds = Vec::new();
        let mut scratch: HashMap<Vec<Pubkey>, Option<Vec<FetchedAccount>>> = HashMap::new();
        let mut out = Vec::new();
        for key in keys {
            let Some(account) = self.accounts.get(key) else { continue };
            let Some(metas) = health_accounts(account, &self.assets, &self.markets) else { continue };
            let list: Vec<Pubkey> = metas.iter().map(|m| m.pubkey).collect();
            let fetched = scratch.entry(list).or_insert_with_key(|list| list.iter().map(|k| self.raw.get(k).cloned()).collect());
            let Some(fetched) = fetched.as_mut() else { continue };
            let Ok(cache) = health_cache(&self.exchange_key, exchange, account, fetched, self.now) else { continue };
            let Ok(candidate) = Candidate::from_cache(*key, account, &cache) else { continue };
            let in_progress = account.being_liquidated == LIQUIDATION_IN_PROGRESS;
            thresholds.push((*key, if in_progress { None } else { self.threshold(&cache, candidate.liquidatable) }));
            if candidate.liquidatable {
                out.push(candidate);
            }
        }
        for (key, threshold) in thresholds {
            match threshold {
                Some(t) => self.thresholds.insert(key, t),
                None => self.thresholds.remove(&key),
            };
        }
        out
    }

    /// The threshold of an account from its health cache, when its health moves with one
    /// oracle only (one perp position, quote collateral only) and no liquidation is in progress.
    fn threshold(&self, cache: &HealthCache, liquidatable: bool) -> Option<Threshold> {
        let [perp] = cache.perps() else { return None };
        if cache.collaterals().iter().any(|c| c.asset_index != QUOTE_ASSET_INDEX) {
            return None;
        }
        let oracle = self.markets.iter().find(|m| m.market.index == perp.market_index)?.market.oracle;
        let maint = cache.health(HealthKind::Maint).ok()?;
        let crossing = perp.liquidation_price(maint).ok()?.map(|p| p.raw());
        let maint = maint.to_i64(keel::math::Rounding::Down).ok()?;
        let size = crate::candidates::position_value(perp).ok()?;
        Some(Threshold { oracle, price: perp.prices.oracle.raw(), crossing, liquidatable, maint, size })
    }

    /// The oracle price (raw fixed-point, quote native per base native) of market-oracle
    /// `oracle` as the program reads it now.
    pub fn oracle_price(&self, oracle: &Pubkey) -> Option<i128> {
        let exchange = self.exchange.as_ref()?;
        let market = self.markets.iter().find(|m| m.market.oracle == *oracle)?;
        let mut account = self.raw.get(oracle)?.clone();
        let info = AccountInfo::new(&account.key, false, false, &mut account.lamports, &mut account.data, &account.owner, false);
        let binding = market.market.oracle_binding().ok()?;
        let quote = keel::log::off_chain(|| keel::oracle::read_price(&info, &binding, exchange.quote_decimals, self.now)).ok()?;
        Some(quote.oracle.raw())
    }

    /// What a new price of `oracle` means: the accounts to evaluate with the health code (no
    /// threshold, or near it), and the candidates found by their thresholds alone.
    pub fn touched_by_price(&self, oracle: &Pubkey) -> (Vec<Pubkey>, Vec<Candidate>) {
        let touched = self.touched_by_oracle(oracle);
        let Some(price) = self.oracle_price(oracle) else { return (touched, vec![]) };
        let (mut evaluate, mut found) = (Vec::new(), Vec::new());
        for key in touched {
            let Some(t) = self.thresholds.get(&key).filter(|t| t.oracle == *oracle) else {
                evaluate.push(key);
                continue;
            };
            match t.verdict(price) {
                PriceVerdict::Evaluate => evaluate.push(key),
                PriceVerdict::Healthy => {}
                PriceVerdict::Liquidatable(maint) => {
                    if let Some(account) = self.accounts.get(&key) {
                        found.push(Candidate::estimated(key, account, maint, t.size));
                    }
                }
            }
        }
        (evaluate, found)
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
    let holds_other = account.active_collaterals().any(|c| c.asset_index != QUOTE_ASSET_INDEX && c.units != 0);
    let open = account.holds_perps() || account.orders.iter().any(|o| o.is_in_use());
    // Index units carry the balance's sign.
    account.units(QUOTE_ASSET_INDEX) < 0 && !holds_other && !open
}

#[cfg(test)]
mod tests {
    use super::*;

    fn threshold(price: i128, crossing: Option<i128>, liquidatable: bool) -> Threshold {
        Threshold { oracle: Pubkey::default(), price, crossing, liquidatable, maint: 1_000, size: 10_000 }
    }

    #[test]
    fn verdict_far_sides_and_near() {
        let long = threshold(100_000, Some(90_000), false);
        assert_eq!(long.verdict(95_000), PriceVerdict::Healthy, "still above the crossing");
        assert_eq!(long.verdict(90_400), PriceVerdict::Evaluate, "within 50 bps of it");
        assert_eq!(long.verdict(80_000), PriceVerdict::Liquidatable(-1_000), "as far below as the evaluation was above");
        let short = threshold(100_000, Some(110_000), false);
        assert_eq!(short.verdict(105_000), PriceVerdict::Healthy);
        assert_eq!(short.verdict(115_000), PriceVerdict::Liquidatable(-500));
    }

    #[test]
    fn verdict_liquidatable_or_without_crossing() {
        assert_eq!(threshold(100_000, Some(120_000), true).verdict(100_000), PriceVerdict::Evaluate, "a liquidatable account is evaluated");
        assert_eq!(threshold(100_000, None, false).verdict(1), PriceVerdict::Healthy, "no price crosses zero: the sign holds");
        assert_eq!(threshold(100_000, None, true).verdict(1_000_000), PriceVerdict::Evaluate);
    }
}
