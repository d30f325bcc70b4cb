//! Keel's risk engine, on its own: the fixed-point representation ([`math`]) and the health
//! engine ([`risk`]) as pure functions over plain data. `no_std`, no Anchor (bar an optional error conversion), no accounts.
//!
//! The program (`keel::math`, `keel::risk` re-export these modules), the Rust client, the
//! keeper, the tests and the sBPF metering harness (`bench/sbpf-meter`) all compute health with
//! this crate, so every party gets exactly the same numbers.
//!
//! The health kernels take slices and never allocate. The `alloc` feature adds
//! [`risk::HealthCache`], the heap-backed container the program fills from a margin account
//! (several kilobytes: more than an SBF stack frame holds). The `anchor` feature (the program's)
//! converts [`math::MathError`] into the program's Anchor error.
//!
//! The margin account's zero-copy slots (collateral balances, perp positions, open orders) stay
//! in the program's `state` module: the engine never reads them (the program's health check
//! turns slots, markets and prices into [`risk::CollateralRisk`] / [`risk::PerpRisk`]), and the
//! account's Anchor IDL needs their `IdlBuild` definitions, which an Anchor-free crate cannot
//! give without an Anchor dependency of its own.

#![no_std]
// `Fixed::add` / `sub` / `neg` are checked and return `Result`: not the operator traits.
#![allow(clippy::should_implement_trait)]

#[cfg(feature = "alloc")]
extern crate alloc;

#[cfg(test)]
#[macro_use]
extern crate std;

pub mod bank;
pub mod math;
pub mod risk;

/// Collateral balances one margin account can hold at once (distinct assets).
pub const MAX_COLLATERALS: usize = 8;
/// Perp positions one margin account can hold at once (distinct markets).
pub const MAX_PERP_POSITIONS: usize = 16;
