//! Markets: perp market listing, the order book, matching, fills and funding. Every trade asks
//! the risk manager for its health check; nothing here decides solvency.

pub mod cancel_order;
pub mod consume_fills;
pub mod delegate_trade;
pub mod funding_premium;
pub mod list_perp_market;
pub mod market_params;
pub mod matching;
pub mod order_flow;
pub mod place_order;
pub mod price_band;
pub mod replace_market_oracle;
pub mod settle_pnl;
pub mod trade_health;
pub mod update_funding;
pub mod update_perp_market;

pub use cancel_order::*;
pub use consume_fills::*;
pub use list_perp_market::*;
pub use market_params::*;
pub use place_order::*;
pub use replace_market_oracle::*;
pub use settle_pnl::*;
pub use update_funding::*;
pub use update_perp_market::*;
