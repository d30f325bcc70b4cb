//! Keel's Rust client: PDAs, instruction builders, account decoding, the health-accounts order
//! and health computed by the program's own code.
//!
//! The integration tests drive the program exclusively through this crate, so every test also
//! tests the client.

pub mod accounts;
pub mod cranks;
pub mod events;
pub mod health;
pub mod instructions;
pub mod insurance;
pub mod liquidation;
pub mod lookup_table;
pub mod markets;
pub mod oracles;
pub mod pda;
pub mod price_cache;

pub use keel;
