//! Instructions, one per file, in three sets: `vault` (custody), `risk` (the risk manager) and
//! `markets` (perp markets, the order book, fills and funding).

pub mod markets;
pub mod pda_account;
pub mod risk;
pub mod vault;
