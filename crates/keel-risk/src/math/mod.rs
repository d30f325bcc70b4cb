//! The one numeric representation of the program: [`Fixed`], a signed decimal fixed-point
//! number with 18 fractional digits, and the checked operations on it.
//!
//! Every value and price in the risk engine is a `Fixed`; units are named at each use
//! (e.g. `// quote native per base native`). Token amounts stay integers of native units
//! until they enter the risk engine. Operations return [`MathError`] instead of panicking,
//! and every multiplication or division names its rounding direction so that callers round
//! in the protocol's favour: assets and collateral down, liabilities and requirements up.

#[cfg(feature = "anchor")]
mod anchor_error;
mod divide;
mod fixed;
mod limbs;
mod wide;

pub use fixed::{Fixed, FIXED_DECIMALS, FIXED_SCALE};
pub(crate) use limbs::mul_i64;

/// Failure of a checked arithmetic operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MathError {
    /// The exact result does not fit the representation.
    Overflow,
    /// Division by zero.
    DivisionByZero,
}

/// Rounding direction of an inexact operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rounding {
    /// Towards negative infinity.
    Down,
    /// Towards positive infinity.
    Up,
}

/// Basis points in one whole (10_000 bps = 1.0).
pub const BPS_PER_UNIT: u32 = 10_000;

#[cfg(test)]
mod tests;

#[cfg(test)]
mod kernel_tests;
