//! Pyth pull oracle: `PriceUpdateV2` accounts posted by the Pyth receiver program.

use crate::error::KeelError;
use crate::oracle::RawPrice;
use anchor_lang::prelude::*;
use pyth_solana_receiver_sdk::price_update::{PriceUpdateV2, VerificationLevel};

/// Reads a fully verified `PriceUpdateV2` for `feed_id`: owner, discriminator, verification
/// level and feed id are checked here; age and price sanity by the guards.
pub fn read(account: &AccountInfo, feed_id: &[u8; 32]) -> Result<RawPrice> {
    crate::check!(
        *account.owner == pyth_solana_receiver_sdk::ID,
        KeelError::OracleWrongOwner,
        "oracle {}: owner {} is not the Pyth receiver",
        account.key,
        account.owner
    );
    let data = account.try_borrow_data()?;
    let update = PriceUpdateV2::try_deserialize(&mut &data[..])
        .map_err(|_| error!(KeelError::OracleInvalidData))?;
    crate::check!(
        update.verification_level == VerificationLevel::Full,
        KeelError::OracleNotFullyVerified,
        "oracle {}: verification level {:?}",
        account.key,
        update.verification_level
    );
    let message = &update.price_message;
    crate::check!(message.feed_id == *feed_id, KeelError::OracleFeedMismatch);
    Ok(RawPrice {
        price: message.price,
        conf: message.conf,
        ema_price: message.ema_price,
        ema_conf: message.ema_conf,
        exponent: message.exponent,
        publish_time: message.publish_time,
        trading: true,
    })
}
