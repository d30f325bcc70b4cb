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
//!          + Σ_perps    unrealised PnL_K (positive PnL weighted down)          (perp issue)
//!          − Σ_perps    |base| · price_K · margin_ratio_K  (orders at worst side) (perp issue)
//! ```
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

mod health;
mod types;

pub use health::{CollateralRisk, HealthCache, HealthComponents};
pub use types::{AssetWeights, HealthKind, LiabilityWeights, PriceQuote};

#[cfg(test)]
mod tests;
