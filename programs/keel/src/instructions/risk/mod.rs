//! The risk manager: exchange and asset parameters, the health check every other instruction
//! set calls, and the health view.

pub mod adverse_price;
pub mod asset_params;
pub mod cache_prices;
pub mod health_check;
pub mod health_view;
pub mod initialize_exchange;
pub mod list_asset;
pub mod price_sources;
pub mod replace_oracle;
pub mod set_exchange_pause;
pub mod update_asset;

pub use adverse_price::*;
pub use asset_params::*;
pub use cache_prices::*;
pub use health_check::*;
pub use health_view::*;
pub use initialize_exchange::*;
pub use list_asset::*;
pub use price_sources::*;
pub use replace_oracle::*;
pub use set_exchange_pause::*;
pub use update_asset::*;
