//! Liquidation and bankruptcy: permissionless instructions that bring an account below Maint
//! health back to LiquidationEnd health ≥ 0, pay the keeper from the insurance fund, and settle
//! what an account cannot pay.

pub mod cancel_orders;
pub mod liquidate_collateral;
pub mod liquidate_perp;
pub mod settle_bankruptcy;
pub mod shared;
pub mod sizing;

pub use cancel_orders::*;
pub use liquidate_collateral::*;
pub use liquidate_perp::*;
pub use settle_bankruptcy::*;
pub use shared::*;
pub use sizing::*;

#[cfg(test)]
mod shared_tests;
