//! The vault: margin-account lifecycle and custody (deposits, withdrawals, the insurance fund's
//! token flows). It moves tokens and keeps ledgers; solvency is always asked of the risk manager.

pub mod bank_flow;
pub mod close_margin_account;
pub mod create_insurance_fund;
pub mod create_margin_account;
pub mod deposit;
pub mod deposit_insurance;
pub mod set_bounty_params;
pub mod set_delegate;
pub mod settle_insurance_claim;
pub mod token_flow;
pub mod withdraw;
pub mod withdraw_insurance;

pub use bank_flow::*;
pub use close_margin_account::*;
pub use create_insurance_fund::*;
pub use create_margin_account::*;
pub use deposit::*;
pub use deposit_insurance::*;
pub use set_bounty_params::*;
pub use set_delegate::*;
pub use settle_insurance_claim::*;
pub use withdraw::*;
pub use withdraw_insurance::*;
