//! Instructions, one per file, in three sets: `vault` (custody), `risk` (the risk manager) and
//! — from the perp markets issue on — `markets`.

pub mod pda_account;
pub mod risk;
pub mod vault;
