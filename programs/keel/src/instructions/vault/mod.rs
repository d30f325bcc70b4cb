//! The vault: margin-account lifecycle and custody (deposits, withdrawals). It moves tokens and
//! keeps ledgers; solvency is always asked of the risk manager.

pub mod close_margin_account;
pub mod create_margin_account;
pub mod deposit;
pub mod set_delegate;
pub mod token_flow;
pub mod withdraw;

pub use close_margin_account::*;
pub use create_margin_account::*;
pub use deposit::*;
pub use set_delegate::*;
pub use withdraw::*;
