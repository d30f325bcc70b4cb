//! Pyth price accounts built byte-for-byte as the Pyth programs write them, so tests can move
//! prices, age them or corrupt them.

use anchor_lang::prelude::Pubkey;
use anchor_lang::AccountSerialize;
use keel::oracle::pyth_legacy::PYTH_LEGACY_PROGRAM_ID;
use pyth_sdk_solana::state::{AccountType, PriceStatus, Rational, SolanaPriceAccount, MAGIC, VERSION_2};
use pyth_solana_receiver_sdk::price_update::{PriceFeedMessage, PriceUpdateV2, VerificationLevel};
use solana_account::Account;

/// A price as Pyth publishes it: `(price ± conf) · 10^expo` USD per whole token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PriceSpec {
    /// Price mantissa.
    pub price: i64,
    /// Confidence mantissa.
    pub conf: u64,
    /// Exponent.
    pub expo: i32,
    /// EMA price mantissa.
    pub ema_price: i64,
    /// EMA confidence mantissa.
    pub ema_conf: u64,
    /// Unix publish time.
    pub publish_time: i64,
}

impl PriceSpec {
    /// A price with EMA equal to the price.
    pub fn new(price: i64, conf: u64, expo: i32, publish_time: i64) -> Self {
        Self { price, conf, expo, ema_price: price, ema_conf: conf, publish_time }
    }
}

/// A `PriceUpdateV2` account for `feed_id` at `verification`, owned by the Pyth receiver.
pub fn pull_price_account(feed_id: [u8; 32], spec: PriceSpec, verification: VerificationLevel) -> Account {
    let update = PriceUpdateV2 {
        write_authority: Pubkey::new_from_array([7; 32]),
        verification_level: verification,
        price_message: PriceFeedMessage {
            feed_id,
            price: spec.price,
            conf: spec.conf,
            exponent: spec.expo,
            publish_time: spec.publish_time,
            prev_publish_time: spec.publish_time - 1,
            ema_price: spec.ema_price,
            ema_conf: spec.ema_conf,
        },
        posted_slot: 1,
    };
    let mut data = Vec::with_capacity(PriceUpdateV2::LEN);
    update.try_serialize(&mut data).expect("serialize PriceUpdateV2");
    data.resize(PriceUpdateV2::LEN, 0);
    account(data, pyth_solana_receiver_sdk::ID)
}

/// A legacy Pyth price account with aggregate `status`, owned by the Pyth oracle program.
pub fn legacy_price_account(spec: PriceSpec, status: PriceStatus) -> Account {
    let mut price = SolanaPriceAccount::default();
    price.magic = MAGIC;
    price.ver = VERSION_2;
    price.atype = AccountType::Price as u32;
    price.size = core::mem::size_of::<SolanaPriceAccount>() as u32;
    price.expo = spec.expo;
    price.timestamp = spec.publish_time;
    price.prev_timestamp = spec.publish_time;
    price.ema_price = Rational { val: spec.ema_price, numer: spec.ema_price, denom: 1 };
    price.ema_conf = Rational { val: spec.ema_conf as i64, numer: spec.ema_conf as i64, denom: 1 };
    price.agg.price = spec.price;
    price.agg.conf = spec.conf;
    price.agg.status = status;
    account(bytemuck::bytes_of(&price).to_vec(), PYTH_LEGACY_PROGRAM_ID)
}

/// An account holding `data`, owned by `owner`, rent-exempt for any size used here.
pub fn account(data: Vec<u8>, owner: Pubkey) -> Account {
    Account { lamports: 1_000_000_000, data, owner, executable: false, rent_epoch: u64::MAX }
}
