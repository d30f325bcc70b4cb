//! The health engine: pure functions over plain data, no Anchor types, no accounts.
//!
//! The program, the Rust client, the keeper and the tests all call this module, so every party
//! computes exactly the same numbers.
//!
//! # Health
//!
//! For a health kind `K` (values in quote native units):
//!
//! ```text
//! health_K = Σ_assets   max(balance, 0) · asset_price_K · asset_weight_K
//!          − Σ_assets   max(−balance, 0) · liab_price_K · liab_weight_K
//!          + Σ_perps    min over {position, all bids filled, all asks filled} of
//!                       ( weighted_K(base · price_K + quote) − |base| · liab_price_K · margin_ratio_K )
//! ```
//!
//! where a long is valued at the asset price and a short at the liability price of kind `K`,
//! positive perp PnL is weighted by the market's PnL weight (Init; Maint counts it in full),
//! and resting orders count as if the worse side filled at their limit prices — so a maker is
//! never under-margined by a fill.
//!
//! The kinds:
//! - **Init** — to open risk or withdraw: init weights and conservative prices (assets at
//!   `min(price − k·conf, ema − k·ema_conf)`, liabilities at `max(price + k·conf, ema + k·ema_conf)`).
//!   An action that increases risk must leave `health_Init ≥ 0`.
//! - **Maint** — maint weights at the oracle price. `health_Maint < 0` makes the account
//!   liquidatable.
//! - **LiquidationEnd** — weights half-way between Init and Maint (asset weights rounded down,
//!   liability weights up) at the oracle price. A liquidation stops once `health_LiquidationEnd ≥ 0`,
//!   so an account is never liquidated further than needed.
//!
//! Because `init ≤ liqend ≤ maint` for asset weights and the reverse for liabilities,
//! `health_Init ≤ health_LiquidationEnd ≤ health_Maint` whenever prices are the same.
//! Every product rounds in the protocol's favour: assets down, liabilities up.

#[cfg(feature = "alloc")]
mod cache;
mod health;
mod liquidation;
mod perp;
mod types;

#[cfg(feature = "alloc")]
pub use cache::HealthCache;
pub use health::{AccountRisk, CollateralRisk, HealthComponents};
pub use liquidation::{smallest_sufficient, MaintAndEnd, StepEntries, StepHealth};
pub use perp::{MarginRatios, PerpContribution, PerpRisk};
pub use types::{AssetWeights, HealthKind, LiabilityWeights, PriceQuote};

#[cfg(all(test, feature = "alloc"))]
mod fixtures;

#[cfg(all(test, feature = "alloc"))]
mod tests;

#[cfg(all(test, feature = "alloc"))]
mod perp_tests;

#[cfg(all(test, feature = "alloc"))]
mod liquidation_tests;

#[cfg(test)]
mod reference_tests;
