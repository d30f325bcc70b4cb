//! The one error enum of the program. Every failure a caller can cause has its own code and a
//! message that says what was wrong; where numbers matter (health, caps, balances) the
//! instruction also logs them through [`crate::check!`].

use crate::math::MathError;
use anchor_lang::prelude::*;

/// Every error Keel returns.
#[error_code]
pub enum KeelError {
    // --- arithmetic ---
    #[msg("arithmetic overflow: a value left the representable range")]
    MathOverflow,
    #[msg("arithmetic error: division by zero")]
    DivisionByZero,

    // --- authority and account binding ---
    #[msg("the signer is not the exchange admin")]
    NotAdmin,
    #[msg("the signer is not the margin account's owner")]
    NotOwner,
    #[msg("the signer is neither the margin account's owner nor its delegate")]
    NotOwnerOrDelegate,
    #[msg("only the owner may withdraw; a delegate may trade but never withdraw")]
    WithdrawRequiresOwner,
    #[msg("the account belongs to another exchange")]
    ExchangeMismatch,
    #[msg("the token account's mint is not the asset's mint")]
    WrongMint,
    #[msg("the token account is not the asset's vault")]
    WrongVault,
    #[msg("the source token account is not owned by the signer")]
    TokenAccountNotOwnedBySigner,
    #[msg("the account to create already exists")]
    AccountAlreadyExists,

    // --- listing parameters ---
    #[msg("the first asset listed must be the exchange's quote mint, and only it may use the fixed 1:1 price")]
    QuoteAssetFirst,
    #[msg("asset weights must satisfy 0 < init <= maint <= 1 (in bps: 1..=10000)")]
    InvalidAssetWeights,
    #[msg("liability weights must satisfy 1 <= maint <= init <= 2 (in bps: 10000..=20000)")]
    InvalidLiabilityWeights,
    #[msg("oracle config out of bounds: max age 1..=3600 s, max confidence 1..=2000 bps, confidence multiplier 0..=50000 bps")]
    InvalidOracleConfig,
    #[msg("the exchange already lists the maximum number of assets")]
    TooManyAssets,

    // --- margin accounts ---
    #[msg("the margin account still holds balances, positions or orders")]
    AccountNotEmpty,
    #[msg("all collateral slots of the margin account are in use")]
    CollateralSlotsFull,
    #[msg("the margin account holds no balance of this asset")]
    NoSuchBalance,

    // --- amounts ---
    #[msg("the amount must be greater than zero")]
    ZeroAmount,
    #[msg("the deposit would exceed the asset's deposit cap")]
    DepositCapExceeded,
    #[msg("the withdrawal exceeds the account's balance of this asset")]
    InsufficientBalance,
    #[msg("the vault's token balance did not change by the transferred amount")]
    TransferMismatch,

    // --- pauses ---
    #[msg("the exchange is paused: withdrawals and risk-increasing actions are refused")]
    ExchangePaused,
    #[msg("deposits of this asset are paused")]
    AssetPaused,

    // --- health ---
    #[msg("init health would be negative after this action")]
    InitHealthNegative,

    // --- health accounts (remaining accounts) ---
    #[msg("health accounts: an expected account is missing from remaining accounts")]
    HealthAccountMissing,
    #[msg("health accounts: more remaining accounts were passed than the account needs")]
    HealthAccountUnexpected,
    #[msg("health accounts: the account is not a Keel collateral asset of this exchange")]
    HealthAccountInvalid,
    #[msg("health accounts: the account is not the one this position needs (order or key mismatch)")]
    HealthAccountMismatch,

    // --- oracles ---
    #[msg("oracle: the account is not the oracle configured for this asset")]
    OracleAccountMismatch,
    #[msg("oracle: the account is not owned by the Pyth program")]
    OracleWrongOwner,
    #[msg("oracle: the account data is not a valid Pyth price account")]
    OracleInvalidData,
    #[msg("oracle: the price update is for another feed id")]
    OracleFeedMismatch,
    #[msg("oracle: the price update is not fully verified")]
    OracleNotFullyVerified,
    #[msg("oracle: the price is not positive")]
    OracleNonPositivePrice,
    #[msg("oracle: the price is stale")]
    OracleStale,
    #[msg("oracle: the confidence interval is too wide relative to the price")]
    OracleConfidenceTooWide,
    #[msg("oracle: the price exponent is out of the supported range")]
    OracleExponentOutOfRange,
    #[msg("oracle: the legacy price account's status is not Trading")]
    OracleNotTrading,
}

impl From<MathError> for KeelError {
    fn from(e: MathError) -> Self {
        match e {
            MathError::Overflow => KeelError::MathOverflow,
            MathError::DivisionByZero => KeelError::DivisionByZero,
        }
    }
}

impl From<MathError> for anchor_lang::error::Error {
    fn from(e: MathError) -> Self {
        KeelError::from(e).into()
    }
}
