//! Account layouts. Large accounts are zero-copy with a version byte, named padding, a
//! reserved tail and compile-time size asserts, so later features slot in without migration.

pub mod codec;
pub mod collateral_asset;
pub mod exchange;
pub mod margin_account;
pub mod positions;

pub use codec::*;
pub use collateral_asset::*;
pub use exchange::*;
pub use margin_account::*;
pub use positions::*;
