//! Legacy Pyth price accounts (push oracle v2), kept for compatibility.

use crate::error::KeelError;
use crate::oracle::RawPrice;
use anchor_lang::prelude::*;
use pyth_sdk_solana::state::{load_price_account, PriceStatus, SolanaPriceAccount};

/// The legacy Pyth oracle program (mainnet-beta).
pub const PYTH_LEGACY_PROGRAM_ID: Pubkey = pubkey!("FsJ3A3u2vn5cTVofAjvy6y5kwABJAqYWpe4975bi2epH");

/// Reads a legacy price account: owner, magic, version and account type are checked here;
/// Trading status, age and price sanity by the guards.
pub fn read(account: &AccountInfo) -> Result<RawPrice> {
    crate::check!(
        *account.owner == PYTH_LEGACY_PROGRAM_ID,
        KeelError::OracleWrongOwner,
        "oracle {}: owner {} is not the Pyth oracle program",
        account.key,
        account.owner
    );
    let data = account.try_borrow_data()?;
    let price_account = load_price_account::<32, ()>(&data)
        .map_err(|_| error!(KeelError::OracleInvalidData))?;
    let parsed: &SolanaPriceAccount = price_account;
    Ok(RawPrice {
        price: parsed.agg.price,
        conf: parsed.agg.conf,
        ema_price: parsed.ema_price.val,
        ema_conf: u64::try_from(parsed.ema_conf.val).map_err(|_| error!(KeelError::OracleInvalidData))?,
        exponent: parsed.expo,
        publish_time: parsed.timestamp,
        trading: parsed.agg.status == PriceStatus::Trading,
    })
}
