//! Writes the Pyth `PriceUpdateV2` fixture accounts that Anchor.toml loads into a local
//! validator (`anchor test` / `anchor localnet`), so that `migrations/deploy.ts` can list SOL and
//! BTC against their real feed ids. Run: `cargo run -p keel-tests --bin keel-oracle-fixtures`.
//!
//! The prices carry the time of generation: listing does not check freshness, trading does,
//! so a local validator needs a price pusher (the local-node issue) to keep them fresh.

use anchor_lang::prelude::Pubkey;
use base64::Engine;
use keel_tests::oracles::{pull_price_account, PriceSpec};
use pyth_solana_receiver_sdk::price_update::VerificationLevel;
use std::str::FromStr;

/// (file name, account address, feed id hex, price mantissa, conf mantissa, exponent)
const FEEDS: [(&str, &str, &str, i64, u64, i32); 2] = [
    ("sol_usd.json", "7UVimffxr9ow1uXYxsr4LHAcV58mLzhmwaeKvJ1pjLiE", "ef0d8b6fda2ceba41da15d4095d1da392a0d2f8ed0c6c7bc0f4cfac8c280b56d", 150_00000000, 7_500_000, -8),
    ("btc_usd.json", "4cSM2e6rvbGQUFiJbqytoVMi5GgghSMr8LwVrT9VPSPo", "e62df6c8b4a85fe1a67db44dc12de5db330f7ac66b72dc658afedf0f4a415b43", 60_000_00000000, 3_000_000_000, -8),
];

fn main() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations/fixtures");
    std::fs::create_dir_all(&dir).expect("create fixtures dir");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs() as i64;
    for (file, address, feed_hex, price, conf, expo) in FEEDS {
        let feed_id: [u8; 32] = (0..32)
            .map(|i| u8::from_str_radix(&feed_hex[2 * i..2 * i + 2], 16).expect("hex feed id"))
            .collect::<Vec<_>>()
            .try_into()
            .expect("32-byte feed id");
        let account = pull_price_account(feed_id, PriceSpec::new(price, conf, expo, now), VerificationLevel::Full);
        let json = format!(
            "{{\n  \"pubkey\": \"{}\",\n  \"account\": {{\n    \"lamports\": {},\n    \"data\": [\"{}\", \"base64\"],\n    \"owner\": \"{}\",\n    \"executable\": false,\n    \"rentEpoch\": 0,\n    \"space\": {}\n  }}\n}}\n",
            Pubkey::from_str(address).expect("address"),
            account.lamports,
            base64::engine::general_purpose::STANDARD.encode(&account.data),
            account.owner,
            account.data.len()
        );
        std::fs::write(dir.join(file), json).expect("write fixture");
        println!("wrote migrations/fixtures/{file}");
    }
}
