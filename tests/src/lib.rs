//! Test support for Keel's integration tests: a runtime with the program loaded natively, a
//! [`context::TestContext`] with mints, movable oracles and funded traders, and assertions.

pub mod bank;
pub mod context;
pub mod funding_attacks;
pub mod funding_model;
pub mod insurance;
pub mod ledger;
pub mod liquidation;
pub mod markets;
pub mod oracles;
pub mod replacement;
pub mod outcome;
pub mod price_cache;
pub mod rng;
pub mod runtime;
pub mod tokens;
pub mod traders;
