//! Instructions, one per file, in four sets: `vault` (custody), `risk` (the risk manager),
//! `markets` (perp markets, the order book, fills and funding) and `liquidation` (liquidation
//! and bankruptcy).

pub mod liquidation;
pub mod markets;
pub mod pda_account;
pub mod risk;
pub mod vault;
