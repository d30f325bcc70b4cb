//! Decoding Keel accounts from raw account data, with the program's own reader.

use keel::state::{read_zero_copy, CollateralAsset, Exchange, FillQueue, InsuranceFund, MarginAccount, OrderBook, PerpMarket};

/// Decodes an [`Exchange`]; `None` for data of another type.
pub fn exchange(data: &[u8]) -> Option<Exchange> {
    read_zero_copy(data)
}

/// Decodes a [`CollateralAsset`]; `None` for data of another type.
pub fn collateral_asset(data: &[u8]) -> Option<CollateralAsset> {
    read_zero_copy(data)
}

/// Decodes a [`MarginAccount`] (boxed: it is several kilobytes); `None` for data of another type.
pub fn margin_account(data: &[u8]) -> Option<Box<MarginAccount>> {
    read_zero_copy(data).map(Box::new)
}

/// Decodes a [`PerpMarket`]; `None` for data of another type.
pub fn perp_market(data: &[u8]) -> Option<PerpMarket> {
    read_zero_copy(data)
}

/// Decodes an [`OrderBook`] (boxed: about 20 KB); `None` for data of another type.
pub fn order_book(data: &[u8]) -> Option<Box<OrderBook>> {
    read_zero_copy(data).map(Box::new)
}

/// Decodes a [`FillQueue`] (boxed: about 16 KB); `None` for data of another type.
pub fn fill_queue(data: &[u8]) -> Option<Box<FillQueue>> {
    read_zero_copy(data).map(Box::new)
}

/// Decodes an [`InsuranceFund`]; `None` for data of another type.
pub fn insurance_fund(data: &[u8]) -> Option<InsuranceFund> {
    read_zero_copy(data)
}

/// The native balance of `asset` in `account` at unix time `now`: its index units at the
/// bank's indices accrued to `now` (the program's own conversion, rounding as the program
/// does — a deposit down, a borrow up).
pub fn native_balance(account: &MarginAccount, asset: &CollateralAsset, now: i64) -> anchor_lang::Result<i64> {
    Ok(asset.indices_at(now)?.native(account.units(asset.index))?)
}
