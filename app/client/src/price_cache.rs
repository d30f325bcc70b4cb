//! Health lists priced by cached prices: a liquidation between two full accounts on different
//! assets and markets names 96 asset, market and oracle accounts, more than a transaction may
//! lock (64). [`cache_prices`] writes the guarded prices onto the asset and market accounts in
//! an earlier transaction; for `keel::state::PRICE_CACHE_MAX_SLOTS` slots a liquidation's lists
//! may then drop their oracles ([`without_oracles`]).

use crate::health::{KnownAsset, KnownMarket};
use crate::instructions::build;
use crate::liquidation::LiquidationParties;
use anchor_lang::prelude::{AccountMeta, Pubkey};
use anchor_lang::solana_program::instruction::Instruction;
use keel::oracle::OracleKind;
use keel::{accounts as acc, instruction as ix};

/// The (asset or market, oracle) pairs a `cache_prices` may carry and still lock at most 64
/// accounts with its exchange, payer, Keel and Compute Budget: 29 pairs.
pub const MAX_PAIRS_PER_CACHE: usize = 29;

/// The listing an account of a health list is, with its oracle when it has one.
fn listing_oracle(
    key: &Pubkey,
    assets: &[KnownAsset],
    markets: &[KnownMarket],
) -> Option<Option<Pubkey>> {
    if let Some(known) = assets.iter().find(|a| a.address == *key) {
        return Some(
            (known.asset.oracle_kind != OracleKind::Fixed as u8).then_some(known.asset.oracle),
        );
    }
    markets
        .iter()
        .find(|m| m.address == *key)
        .map(|known| Some(known.market.oracle))
}

/// `list` (a health list of `crate::health`) with the oracles that follow its assets and
/// markets removed, so the program prices those entries by their cached prices — but an oracle
/// bound to two or more listings of the list is kept once, after the first: the program then
/// reads every entry on it from that account (one observation per oracle), and nobody can
/// make the step fail by re-caching one of the listings alone. Only a liquidation step's lists
/// (`liquidate_perp`, `liquidate_collateral`) and the read-only `health` view accept it;
/// `liquidation_cancel_orders` reads every oracle.
pub fn without_oracles(
    list: &[AccountMeta],
    assets: &[KnownAsset],
    markets: &[KnownMarket],
) -> Vec<AccountMeta> {
    let oracles: Vec<Option<Pubkey>> = list
        .iter()
        .map(|meta| listing_oracle(&meta.pubkey, assets, markets).flatten())
        .collect();
    let shared = |oracle: &Pubkey| oracles.iter().flatten().filter(|o| *o == oracle).count() > 1;
    let mut named: Vec<Pubkey> = Vec::new();
    let mut kept = Vec::with_capacity(list.len());
    let mut skip_next = None;
    for (meta, oracle) in list.iter().zip(&oracles) {
        if skip_next.take() == Some(meta.pubkey) {
            continue;
        }
        if let Some(oracle) = oracle {
            if shared(oracle) && !named.contains(oracle) {
                named.push(*oracle);
            } else {
                skip_next = Some(*oracle);
            }
        }
        kept.push(meta.clone());
    }
    kept
}

/// The `cache_prices` remaining accounts that price every asset and market of `lists` whose
/// list does not name its oracle (see [`without_oracles`]), each once: the listing (writable),
/// then its oracle.
pub fn price_cache_pairs<'a>(
    lists: impl IntoIterator<Item = &'a [AccountMeta]>,
    assets: &[KnownAsset],
    markets: &[KnownMarket],
) -> Vec<AccountMeta> {
    let mut pairs: Vec<AccountMeta> = Vec::new();
    for list in lists {
        for meta in list {
            let Some(Some(oracle)) = listing_oracle(&meta.pubkey, assets, markets) else {
                continue;
            };
            let named = list.iter().any(|other| other.pubkey == oracle);
            let cached = pairs
                .iter()
                .step_by(2)
                .any(|listed| listed.pubkey == meta.pubkey);
            if named || cached {
                continue;
            }
            pairs.push(AccountMeta::new(meta.pubkey, false));
            pairs.push(AccountMeta::new_readonly(oracle, false));
        }
    }
    pairs
}

/// `parties` with both health lists priced by cached prices, and the `cache_prices` pairs
/// ([`price_cache_pairs`]) that must land first.
pub fn cached_liquidation(
    parties: &LiquidationParties,
    assets: &[KnownAsset],
    markets: &[KnownMarket],
) -> (LiquidationParties, Vec<AccountMeta>) {
    let cached = LiquidationParties {
        liqee_health: without_oracles(&parties.liqee_health, assets, markets),
        liqor_health: without_oracles(&parties.liqor_health, assets, markets),
        ..parties.clone()
    };
    let pairs = price_cache_pairs(
        [
            cached.liqee_health.as_slice(),
            cached.liqor_health.as_slice(),
        ],
        assets,
        markets,
    );
    (cached, pairs)
}

/// `cache_prices` (permissionless) over `pairs` ([`price_cache_pairs`]), split into
/// instructions of at most [`MAX_PAIRS_PER_CACHE`] pairs, one per transaction. Listings bound to
/// one oracle go in one instruction: a health list prices them by one observation, so their
/// caches must be written in one slot from one publication.
pub fn cache_prices(exchange: &Pubkey, pairs: &[AccountMeta]) -> Vec<Instruction> {
    let mut by_oracle: Vec<Vec<AccountMeta>> = Vec::new();
    for pair in pairs.chunks(2) {
        match by_oracle
            .iter_mut()
            .find(|group| group[1].pubkey == pair[1].pubkey)
        {
            Some(group) => group.extend_from_slice(pair),
            None => by_oracle.push(pair.to_vec()),
        }
    }
    let mut instructions = Vec::new();
    let mut chunk: Vec<AccountMeta> = Vec::new();
    for group in by_oracle {
        if !chunk.is_empty() && chunk.len() + group.len() > 2 * MAX_PAIRS_PER_CACHE {
            instructions.push(cache_prices_ix(exchange, std::mem::take(&mut chunk)));
        }
        chunk.extend(group);
    }
    if !chunk.is_empty() {
        instructions.push(cache_prices_ix(exchange, chunk));
    }
    instructions
}

/// One `cache_prices` instruction with `remaining` as its remaining accounts, as given.
pub fn cache_prices_ix(exchange: &Pubkey, remaining: Vec<AccountMeta>) -> Instruction {
    build(
        acc::CachePrices {
            exchange: *exchange,
        },
        ix::CachePrices {},
        remaining,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use keel::state::{CollateralAsset, PerpMarket};

    fn asset(index: u16, oracle: Option<Pubkey>) -> KnownAsset {
        let mut asset: CollateralAsset = bytemuck::Zeroable::zeroed();
        asset.index = index;
        asset.oracle_kind = if oracle.is_some() {
            OracleKind::PythPull as u8
        } else {
            OracleKind::Fixed as u8
        };
        asset.oracle = oracle.unwrap_or_default();
        KnownAsset {
            address: Pubkey::new_unique(),
            asset,
        }
    }

    fn market(index: u16, oracle: Pubkey) -> KnownMarket {
        let mut market: PerpMarket = bytemuck::Zeroable::zeroed();
        market.index = index;
        market.oracle = oracle;
        KnownMarket {
            address: Pubkey::new_unique(),
            market,
        }
    }

    #[test]
    fn oracles_are_dropped_but_a_shared_one_is_named_once_and_nothing_named_is_cached() {
        let (sol_feed, eth_feed) = (Pubkey::new_unique(), Pubkey::new_unique());
        let assets = [
            asset(0, None),
            asset(1, Some(sol_feed)),
            asset(2, Some(eth_feed)),
        ];
        let markets = [market(0, sol_feed), market(1, sol_feed)];
        let ro = |key: Pubkey| AccountMeta::new_readonly(key, false);
        let list = vec![
            ro(assets[0].address),
            ro(assets[1].address),
            ro(sol_feed),
            ro(assets[2].address),
            ro(eth_feed),
            ro(markets[0].address),
            ro(sol_feed),
            ro(markets[1].address),
            ro(sol_feed),
        ];
        let cached = without_oracles(&list, &assets, &markets);
        assert_eq!(
            cached,
            vec![
                ro(assets[0].address),
                ro(assets[1].address),
                ro(sol_feed),
                ro(assets[2].address),
                ro(markets[0].address),
                ro(markets[1].address)
            ]
        );
        let pairs = price_cache_pairs([cached.as_slice(), cached.as_slice()], &assets, &markets);
        let w = |key: Pubkey| AccountMeta::new(key, false);
        assert_eq!(
            pairs,
            vec![w(assets[2].address), ro(eth_feed)],
            "ETH once; SOL is read from its oracle"
        );
        let ixs = cache_prices(&Pubkey::new_unique(), &pairs);
        assert_eq!(ixs.len(), 1);
        assert_eq!(ixs[0].accounts.len(), 1 + 2);
    }

    #[test]
    fn listings_sharing_an_oracle_are_cached_in_one_instruction() {
        let shared = Pubkey::new_unique();
        let mut markets: Vec<KnownMarket> =
            (0..29).map(|i| market(i, Pubkey::new_unique())).collect();
        markets.push(market(29, shared));
        let assets = [asset(0, None), asset(1, Some(shared))];
        let list: Vec<AccountMeta> = std::iter::once(assets[1].address)
            .chain(markets.iter().map(|m| m.address))
            .map(|key| AccountMeta::new_readonly(key, false))
            .collect();
        let pairs = price_cache_pairs([list.as_slice()], &assets, &markets);
        let ixs = cache_prices(&Pubkey::new_unique(), &pairs);
        let holding = |key: Pubkey| {
            ixs.iter()
                .position(|ix| ix.accounts.iter().any(|meta| meta.pubkey == key))
        };
        assert_eq!(holding(assets[1].address), holding(markets[29].address));
        assert_eq!(ixs.len(), 2);
        assert!(ixs
            .iter()
            .all(|ix| ix.accounts.len() <= 1 + 2 * MAX_PAIRS_PER_CACHE));
    }

    #[test]
    fn many_pairs_split_into_instructions_that_fit_the_lock_limit() {
        let markets: Vec<KnownMarket> = (0..31).map(|i| market(i, Pubkey::new_unique())).collect();
        let list: Vec<AccountMeta> = markets
            .iter()
            .map(|m| AccountMeta::new_readonly(m.address, false))
            .collect();
        let pairs = price_cache_pairs([list.as_slice()], &[], &markets);
        let ixs = cache_prices(&Pubkey::new_unique(), &pairs);
        assert_eq!(
            ixs.iter().map(|ix| ix.accounts.len()).collect::<Vec<_>>(),
            vec![1 + 58, 1 + 4]
        );
        // exchange + pairs, the payer, Keel and Compute Budget
        assert!(ixs.iter().all(|ix| ix.accounts.len() + 3 <= 64));
    }
}
