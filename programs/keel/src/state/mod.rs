//! Account layouts. Large accounts are zero-copy with a version byte, named padding, a
//! reserved tail and compile-time size asserts, so later features slot in without migration.

pub mod bank;
pub mod codec;
pub mod collateral_asset;
pub mod delegate_limits;
pub mod exchange;
pub mod fill_queue;
pub mod insurance_fund;
pub mod margin_account;
pub mod order_book;
pub mod perp_market;
pub mod perp_position;
pub mod pnl_pool;
pub mod positions;
pub mod price_cache;

pub use bank::*;
pub use codec::*;
pub use collateral_asset::*;
pub use delegate_limits::*;
pub use exchange::*;
pub use fill_queue::*;
pub use insurance_fund::*;
pub use margin_account::*;
pub use order_book::*;
pub use perp_market::*;
pub use perp_position::{funding_credit, MarketIndices};
pub use pnl_pool::{plan_booking, PnlBooking};
pub use positions::*;
pub use price_cache::*;

#[cfg(test)]
mod book_tests;
