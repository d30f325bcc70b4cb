//! Test vectors of the health-accounts order for the TypeScript client: margin accounts with
//! slots in use, the slots an instruction opens, and the accounts `health_accounts_opening`
//! lists for them. The TypeScript twin (`app/ts-client/src/health.ts`) is checked against the
//! same file by `app/ts-client/tests/health-accounts.test.ts`.
//!
//! The committed file must equal what this test produces; after a deliberate change of the order,
//! `KEEL_WRITE_VECTORS=1 cargo test -p keel-client --test health_vectors` rewrites it.

use anchor_lang::prelude::Pubkey;
use keel::oracle::OracleKind;
use keel::state::{CollateralAsset, MarginAccount, PerpMarket};
use keel_client::health::{health_accounts_opening, KnownAsset, KnownMarket};
use std::path::PathBuf;

const VECTORS: &str = "../ts-client/tests/vectors/health-accounts.json";

fn key(n: u8) -> Pubkey {
    Pubkey::new_from_array([n; 32])
}

fn asset(index: u16, fixed: bool) -> KnownAsset {
    let mut asset: CollateralAsset = bytemuck::Zeroable::zeroed();
    asset.index = index;
    asset.oracle_kind = if fixed { OracleKind::Fixed } else { OracleKind::PythPull } as u8;
    asset.oracle = if fixed { Pubkey::default() } else { key(20 + index as u8) };
    KnownAsset { address: key(10 + index as u8), asset }
}

fn market(index: u16) -> KnownMarket {
    let mut market: PerpMarket = bytemuck::Zeroable::zeroed();
    market.index = index;
    market.oracle = key(40 + index as u8);
    KnownMarket { address: key(30 + index as u8), market }
}

/// One case: (slot, asset index) and (slot, market index) in use, what is opened.
struct Case {
    name: &'static str,
    collaterals: &'static [(usize, u16)],
    perps: &'static [(usize, u16)],
    open_asset: Option<u16>,
    open_market: Option<u16>,
}

const CASES: &[Case] = &[
    Case { name: "an empty account opens only the quote slot", collaterals: &[], perps: &[], open_asset: None, open_market: None },
    Case { name: "a trade on an empty account opens the quote slot and the market's", collaterals: &[], perps: &[], open_asset: None, open_market: Some(1) },
    Case {
        name: "slot order, not index order; no oracle for the Fixed quote asset",
        collaterals: &[(0, 2), (3, 0), (5, 1)],
        perps: &[(1, 1), (4, 0)],
        open_asset: None,
        open_market: None,
    },
    Case {
        name: "opened slots take the first free ones",
        collaterals: &[(1, 1)],
        perps: &[(0, 1)],
        open_asset: Some(2),
        open_market: Some(0),
    },
    Case { name: "a slot already held is not opened again", collaterals: &[(2, 0), (4, 2)], perps: &[(3, 1)], open_asset: Some(2), open_market: Some(1) },
];

fn pairs(items: &[(usize, u16)]) -> String {
    items.iter().map(|(s, i)| format!("[{s}, {i}]")).collect::<Vec<_>>().join(", ")
}

fn option(value: Option<u16>) -> String {
    value.map_or("null".to_string(), |v| v.to_string())
}

fn vectors() -> String {
    let assets = [asset(0, true), asset(1, false), asset(2, false)];
    let markets = [market(0), market(1)];
    let mut out = String::from("{\n  \"assets\": [\n");
    let lines: Vec<String> = assets
        .iter()
        .map(|a| {
            format!(
                "    {{ \"index\": {}, \"fixed\": {}, \"address\": \"{}\", \"oracle\": \"{}\" }}",
                a.asset.index,
                a.asset.oracle_kind == OracleKind::Fixed as u8,
                a.address,
                a.asset.oracle
            )
        })
        .collect();
    out += &lines.join(",\n");
    out += "\n  ],\n  \"markets\": [\n";
    let lines: Vec<String> = markets
        .iter()
        .map(|m| format!("    {{ \"index\": {}, \"address\": \"{}\", \"oracle\": \"{}\" }}", m.market.index, m.address, m.market.oracle))
        .collect();
    out += &lines.join(",\n");
    out += "\n  ],\n  \"cases\": [\n";
    let lines: Vec<String> = CASES
        .iter()
        .map(|case| {
            let mut account: MarginAccount = bytemuck::Zeroable::zeroed();
            for &(slot, index) in case.collaterals {
                account.collaterals[slot].in_use = 1;
                account.collaterals[slot].asset_index = index;
            }
            for &(slot, index) in case.perps {
                account.perps[slot].in_use = 1;
                account.perps[slot].market_index = index;
            }
            let metas = health_accounts_opening(&account, &assets, &markets, case.open_asset, case.open_market)
                .expect("every asset and market is known");
            assert!(metas.iter().all(|m| !m.is_signer && !m.is_writable));
            let keys: Vec<String> = metas.iter().map(|m| format!("\"{}\"", m.pubkey)).collect();
            format!(
                "    {{\n      \"name\": \"{}\",\n      \"collaterals\": [{}],\n      \"perps\": [{}],\n      \"openAsset\": {},\n      \"openMarket\": {},\n      \"accounts\": [\n        {}\n      ]\n    }}",
                case.name,
                pairs(case.collaterals),
                pairs(case.perps),
                option(case.open_asset),
                option(case.open_market),
                keys.join(",\n        ")
            )
        })
        .collect();
    out += &lines.join(",\n");
    out += "\n  ]\n}\n";
    out
}

#[test]
fn health_accounts_vectors_match_the_committed_file() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(VECTORS);
    let produced = vectors();
    if std::env::var_os("KEEL_WRITE_VECTORS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &produced).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == produced,
        "{} differs from what keel_client::health produces: rerun with KEEL_WRITE_VECTORS=1 and commit it",
        path.display()
    );
}
