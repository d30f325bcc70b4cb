//! Transaction limits of a liquidation on an exchange larger than one account (issue 14, point
//! 4): 15 assets and 31 markets, built from the client's types alone, so that two full
//! accounts hold different assets and markets — measured as v0 transactions with the exchange's
//! lookup table (`test_tx_limits` has the shared case, sent on the bank).

use crate::test_tx_limits::{budgeted, report, FULL_HEALTH_ACCOUNTS};
use anchor_lang::prelude::Pubkey;
use bytemuck::Zeroable;
use keel::oracle::OracleKind;
use keel::state::{CollateralAsset, MarginAccount, MarketIndices, PerpMarket};
use keel_client::health::{health_accounts, health_accounts_opening, KnownAsset, KnownMarket};
use keel_client::liquidation::{self as lix, LiquidationParties};
use keel_client::lookup_table::{
    self as alt, AddressLookupTableAccount, TxStats, MAX_ACCOUNT_LOCKS, MAX_TRANSACTION_BYTES,
};
use keel_client::markets::MarketKeys;
use keel_client::pda;
use keel_client::price_cache::{cache_prices, price_cache_pairs, without_oracles};

/// An exchange listing 15 assets and 31 markets, built from the client's types alone: the
/// liquidatee holds assets 0–7 and markets 0–15, the liquidator the quote, assets 8–14 and
/// markets 0 and 16–30 (it must hold the market it takes over: all its slots are in use).
/// Reading every oracle, the lists share only the quote asset and market 0 with its oracle:
/// 47 + 47 − 3 = 91 health accounts, plus the liquidator, both margin accounts, the exchange,
/// the insurance fund, Keel and Compute Budget — 98 locks in a 533-byte v0 transaction (3 380
/// bytes legacy), more than Solana allows: why a liquidation's lists may omit their oracles.
#[test]
fn liquidate_perp_between_two_full_accounts_on_different_markets_reading_every_oracle_exceeds_the_lock_limit(
) {
    let stats = liquidation_on_a_large_exchange(
        "liquidate_perp, other markets, oracles",
        disjoint_liquidator(),
        Prices::Oracles,
    );
    assert_eq!(stats.account_locks, 98, "measured");
    assert!(
        stats.serialized_bytes <= MAX_TRANSACTION_BYTES,
        "the size fits: {stats:?}"
    );
    assert!(stats.account_locks > MAX_ACCOUNT_LOCKS, "{stats:?}");
}

/// The same step with both lists priced by cached prices (`keel_client::price_cache`): each
/// list names its 8 assets and 16 markets without oracles, 24 + 24 − 2 shared; with the taken
/// market's oracle (read fresh by the step), the liquidator, both margin accounts, the
/// exchange, the insurance fund, Keel and Compute Budget: 54 locks. The `cache_prices`
/// transactions before it (44 assets and markets with an oracle, each once) split into two
/// that fit too.
#[test]
fn liquidate_perp_between_two_full_accounts_on_different_markets_fits_with_cached_prices() {
    let stats = liquidation_on_a_large_exchange(
        "liquidate_perp, other markets, cached prices",
        disjoint_liquidator(),
        Prices::Cached,
    );
    assert_eq!(
        (stats.static_keys, stats.account_locks),
        (5, 54),
        "{stats:?}"
    );
    assert!(stats.fits(), "{stats:?}");
}

/// The liquidator of the large-exchange tests: the quote, assets 8–14, markets 0 and 16–30.
fn disjoint_liquidator() -> (Vec<u16>, Vec<u16>) {
    (
        [0].into_iter().chain(8..15).collect(),
        [0].into_iter().chain(16..31).collect(),
    )
}

/// How the large-exchange tests' lists name prices.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Prices {
    /// Every oracle in the lists.
    Oracles,
    /// No oracle: cached prices, written by `cache_prices` transactions measured too.
    Cached,
}

/// The same exchange and liquidatee, the liquidator's account holding only the quote asset
/// and the market taken over: its list adds nothing to the liquidatee's, so the transaction
/// locks what the shared case does, whatever the exchange lists.
#[test]
fn liquidate_perp_into_a_dedicated_liquidator_account_fits_on_any_exchange() {
    let stats = liquidation_on_a_large_exchange(
        "liquidate_perp, dedicated liquidator",
        (vec![0], vec![0]),
        Prices::Oracles,
    );
    assert_eq!(
        (stats.static_keys, stats.account_locks),
        (5, 5 + 2 + FULL_HEALTH_ACCOUNTS)
    );
    assert!(stats.fits(), "{stats:?}");
}

/// Measures `liquidate_perp` in market 0 on a synthetic exchange of 15 assets and 31 markets
/// (one table holds all its addresses): the liquidatee full on assets 0–7 and markets 0–15,
/// the liquidator holding `liqor` (assets, markets), the lists priced as `prices` says (with
/// cached prices, the `cache_prices` transactions are measured and must fit).
fn liquidation_on_a_large_exchange(
    name: &str,
    liqor: (Vec<u16>, Vec<u16>),
    prices: Prices,
) -> TxStats {
    let exchange = Pubkey::new_unique();
    let assets: Vec<KnownAsset> = (0..15).map(|i| synthetic_asset(&exchange, i)).collect();
    let markets: Vec<KnownMarket> = (0..31).map(|i| synthetic_market(&exchange, i)).collect();
    let liqee = synthetic_account((0..8).collect(), (0..16).collect());
    let liqor = synthetic_account(liqor.0, liqor.1);
    let mut liqee_health = health_accounts(&liqee, &assets, &markets).unwrap();
    let mut liqor_health =
        health_accounts_opening(&liqor, &assets, &markets, None, Some(0)).unwrap();
    assert_eq!(liqee_health.len(), FULL_HEALTH_ACCOUNTS);
    let addresses = alt::exchange_addresses(&exchange, &assets, &markets);
    assert!(addresses.len() <= alt::LOOKUP_TABLE_MAX_ADDRESSES);
    let table = AddressLookupTableAccount {
        key: Pubkey::new_unique(),
        addresses,
    };
    let liquidator = Pubkey::new_unique();
    if prices == Prices::Cached {
        liqee_health = without_oracles(&liqee_health, &assets, &markets);
        liqor_health = without_oracles(&liqor_health, &assets, &markets);
        assert_eq!((liqee_health.len(), liqor_health.len()), (24, 24));
        let pairs = price_cache_pairs(
            [liqee_health.as_slice(), liqor_health.as_slice()],
            &assets,
            &markets,
        );
        assert_eq!(
            pairs.len(),
            2 * (7 + 16 + 7 + 15),
            "every asset and market with an oracle, once"
        );
        for (i, ix) in cache_prices(&exchange, &pairs).into_iter().enumerate() {
            let stats =
                alt::v0_transaction_size(&liquidator, &budgeted(ix), std::slice::from_ref(&table))
                    .unwrap();
            report(
                &format!("cache_prices {} of the cached liquidation", i + 1),
                &stats,
            );
            assert!(stats.fits(), "{stats:?}");
        }
    }
    let parties = LiquidationParties {
        liquidator,
        liqor_account: Pubkey::new_unique(),
        liqee_account: Pubkey::new_unique(),
        liqee_health,
        liqor_health,
    };
    let keys = MarketKeys::of(markets[0].address, &markets[0].market, assets[0].address);
    let ix = lix::liquidate_perp(&parties, &keys, &assets[0].asset.mint, 1_000);
    let stats = alt::v0_transaction_size(&parties.liquidator, &budgeted(ix), &[table]).unwrap();
    report(name, &stats);
    stats
}

/// Asset `index` of a synthetic exchange (the quote without an oracle), at the addresses the
/// builders derive.
fn synthetic_asset(exchange: &Pubkey, index: u16) -> KnownAsset {
    let mut asset = CollateralAsset::zeroed();
    asset.index = index;
    asset.mint = Pubkey::new_unique();
    asset.vault = pda::vault(exchange, &asset.mint);
    let quote = index == 0;
    asset.oracle_kind = if quote {
        OracleKind::Fixed as u8
    } else {
        OracleKind::PythPull as u8
    };
    asset.oracle = if quote {
        Pubkey::default()
    } else {
        Pubkey::new_unique()
    };
    KnownAsset {
        address: pda::asset(exchange, &asset.mint),
        asset,
    }
}

/// Market `index` of a synthetic exchange.
fn synthetic_market(exchange: &Pubkey, index: u16) -> KnownMarket {
    let mut market = PerpMarket::zeroed();
    market.index = index;
    market.exchange = *exchange;
    market.order_book = Pubkey::new_unique();
    market.fill_queue = Pubkey::new_unique();
    market.oracle = Pubkey::new_unique();
    KnownMarket {
        address: pda::perp_market(exchange, index),
        market,
    }
}

/// A margin account with the given collateral and perp slots in use.
fn synthetic_account(assets: Vec<u16>, markets: Vec<u16>) -> Box<MarginAccount> {
    let mut account = Box::new(MarginAccount::zeroed());
    for index in assets {
        account.collateral_or_open(index).unwrap();
    }
    for index in markets {
        account
            .perp_or_open(index, MarketIndices::default())
            .unwrap();
    }
    account
}
