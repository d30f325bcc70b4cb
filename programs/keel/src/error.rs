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
    #[msg("all perp position slots of the margin account are in use")]
    PerpSlotsFull,
    #[msg("all open-order slots of the margin account are in use")]
    OrderSlotsFull,

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
    #[msg("health accounts: the account is not a Keel collateral asset or perp market of this exchange")]
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

    // --- perp markets (admin) ---
    #[msg("the market index must be the exchange's next market index")]
    WrongMarketIndex,
    #[msg("margin ratios must satisfy 0 < maint < init <= 1 (in bps: 1..=10000)")]
    InvalidMarginRatios,
    #[msg("fees out of bounds: taker 0..=100 bps, maker -taker..=0 bps (a rebate or nothing), insurance share 0..=10000 bps")]
    InvalidFees,
    #[msg("sizes out of bounds: lot sizes >= 1, base decimals <= 18, 1 <= min order <= open-interest cap")]
    InvalidMarketSizes,
    #[msg("price band out of bounds: 1..=5000 bps and at most the maint margin")]
    InvalidPriceBand,
    #[msg("funding out of bounds: max rate 1..=1000 bps per interval, interval 3600..=86400 s, impact depth from the minimum order to the open-interest cap")]
    InvalidFundingParams,
    #[msg("positive PnL init weight out of bounds: 0..=10000 bps")]
    InvalidPnlWeight,
    #[msg("the order book or fill queue account has the wrong size or is not owned by Keel")]
    InvalidMarketAccount,
    #[msg("the account is not this market's order book or fill queue")]
    WrongMarketAccount,

    // --- trading ---
    #[msg("the market is paused: only cancels, reduce-only trades, cranks and liquidations")]
    MarketPaused,
    #[msg("the order size is below the market's minimum (or not positive)")]
    OrderTooSmall,
    #[msg("the order price must be positive")]
    InvalidOrderPrice,
    #[msg("the order price is outside the market's price band around the oracle")]
    PriceOutsideBand,
    #[msg("the order's expiry time has already passed")]
    OrderExpired,
    #[msg("the fill limit must be 1..=16")]
    InvalidFillLimit,
    #[msg("a post-only order would have crossed the book")]
    PostOnlyWouldCross,
    #[msg("the order would trade against the account's own resting order")]
    SelfTradeRefused,
    #[msg("a reduce-only order found nothing to reduce")]
    ReduceOnlyNothingToReduce,
    #[msg("this side of the order book is full and the order does not rank above its worst order")]
    OrderBookFull,
    #[msg("the fill queue has no room for this order's fills; crank consume_fills first")]
    FillQueueFull,
    #[msg("the trade would take open interest above the market's cap")]
    OpenInterestCapExceeded,
    #[msg("no such order of this account rests on the book (it may be filled, with its fill still queued)")]
    OrderNotFound,
    #[msg("consume_fills: the maker account of the oldest queued event was not passed")]
    FillMakerMissing,
    #[msg("funding was already updated at this time")]
    FundingNotDue,
    #[msg("funding parameters change only right after update_funding (in the same transaction), so no new rate applies to time already passed")]
    FundingNotCurrent,
    #[msg("a queued fill does not match the maker's account (position or order slot missing)")]
    FillAccountMismatch,

    // --- insurance fund ---
    #[msg("insurance fund limits out of bounds: withdraw limit 0..=5000 bps per period of 86400..=31536000 s")]
    InvalidInsuranceLimits,
    #[msg("the admin withdrawal exceeds the insurance fund's limit for the current period")]
    InsuranceWithdrawLimit,
    #[msg("the insurance fund has no claim in the quote bank to settle")]
    NothingToSettle,

    // --- liquidation and bankruptcy ---
    #[msg("keeper bounty out of bounds: floor ≤ cap, penalty share ≤ 10000 bps, minimum liquidation size > 0")]
    InvalidBountyParams,
    #[msg("liquidation fee + penalty out of bounds (below the maint margin of a market, below 1 − maint weight of an asset)")]
    InvalidLiquidationFees,
    #[msg("the account is healthy: Maint health ≥ 0 and no liquidation is in progress")]
    NotLiquidatable,
    #[msg("the liquidation already reached LiquidationEnd health ≥ 0; nothing more may be taken")]
    LiquidationEndReached,
    #[msg("an account cannot liquidate itself")]
    SelfLiquidation,
    #[msg("the liquidator's account would end below Init health")]
    LiquidatorInitHealthNegative,
    #[msg("the liquidated account still has open orders: cancel them with liquidation_cancel_orders and crank consume_fills first")]
    LiquidateeHasOpenOrders,
    #[msg("the liquidated account holds nothing of this kind to liquidate")]
    NothingToLiquidate,
    #[msg("the liquidation step is below the minimum size and leaves more of the position or collateral behind")]
    LiquidationDust,
    #[msg("the quote asset cannot be liquidated as collateral")]
    QuoteNotLiquidatable,
    #[msg("the account is not bankrupt: it still holds collateral, positions or orders, or owes nothing")]
    NotBankrupt,
    #[msg("the account is being liquidated: it may cancel orders and deposit, not trade")]
    AccountBeingLiquidated,
    #[msg("the account is below Init health: only immediate-or-cancel or market orders, within the liquidation discount of the oracle")]
    DistressedOrderMustNotRest,
    #[msg("the account is below Init health: a trade may not lower its Maint or LiquidationEnd health")]
    DistressedTradeLowersHealth,
    #[msg("delegate limits out of bounds: slippage 1..=1000 bps, period 60..=2678400 s")]
    InvalidDelegateLimits,
    #[msg("the quote asset's asset and liability weights must all be exactly 10000 bps (1)")]
    InvalidQuoteWeights,
    #[msg("the delegate's order lies farther from the oracle than the slippage its owner allows")]
    DelegateSlippageExceeded,
    #[msg("the delegate's orders would cost the account more than its owner's loss limit for this period")]
    DelegateLossLimitExceeded,
    #[msg("the account's delegate has no limits set: its owner must set them again with set_delegate")]
    DelegateLimitsUnset,

    // --- oracle integrity ---
    #[msg("oracle price is published ahead of the cluster clock by more than the allowed skew (10 s)")]
    OracleFromTheFuture,
    #[msg("the quote asset's fixed 1:1 price cannot be replaced, and no other asset or market may use it")]
    OracleNotReplaceable,

    // --- the quote bank ---
    #[msg("rate curve out of bounds: kink at 10–95 % utilisation, kink rate ≥ 1 %/yr, rates non-decreasing, max ≤ 500 %/yr, interest fee ≤ 50 %")]
    InvalidRateCurve,
    #[msg("bank limits out of bounds: utilisation cap 50–98 % and not below the kink, net-borrow window 1 h–30 d, a non-zero net-borrow limit")]
    InvalidBankLimits,
    #[msg("the withdrawal would push the bank's utilisation above its cap: the claim stays, earning interest, and becomes withdrawable as borrows are repaid or liquidated")]
    UtilizationCapReached,
    #[msg("new lending in this window has passed the bank's net-borrow limit: the excess stays in the vault until the window ends (the claim stays, earning interest)")]
    NetBorrowLimitExceeded,
    #[msg("the vault holds too few free tokens for this transfer right now; it settles as borrows are repaid")]
    VaultIlliquid,
    #[msg("the account holds no position in this market")]
    NoPositionInMarket,
    #[msg("health accounts: an oracle was omitted and the price cache_prices kept for it is missing, older than 10 slots or older than the oracle's max age")]
    PriceCacheStale,
    #[msg("cache_prices: expects pairs of a collateral asset or perp market of this exchange and its oracle (the quote asset has no oracle)")]
    PriceNotCacheable,
    #[msg("health accounts: entries bound to one oracle must be priced by one observation: all read from it, or all cached in one slot from one publication")]
    PriceObservationsDiffer,
}

impl From<MathError> for KeelError {
    fn from(e: MathError) -> Self {
        match e {
            MathError::Overflow => KeelError::MathOverflow,
            MathError::DivisionByZero => KeelError::DivisionByZero,
        }
    }
}

// `From<MathError> for anchor_lang::error::Error` lives in keel-risk (feature `anchor`): the
// orphan rule allows it only there. It must be exactly what the variants above become.
#[cfg(test)]
mod math_error_tests {
    use super::{KeelError, MathError};
    use anchor_lang::error::Error;

    #[test]
    fn math_errors_become_the_program_errors_of_the_same_name_code_and_message() {
        for (math, keel) in [
            (MathError::Overflow, KeelError::MathOverflow),
            (MathError::DivisionByZero, KeelError::DivisionByZero),
        ] {
            match (Error::from(math), Error::from(keel)) {
                (Error::AnchorError(a), Error::AnchorError(b)) => {
                    assert_eq!(
                        (&a.error_name, a.error_code_number, &a.error_msg),
                        (&b.error_name, b.error_code_number, &b.error_msg)
                    );
                }
                other => panic!("not Anchor errors: {other:?}"),
            }
            assert_eq!(KeelError::from(math) as u32, keel as u32);
        }
    }
}
