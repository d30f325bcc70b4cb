//! What every instruction that touches an asset's bank shares: accruing interest first, and
//! the liquidity rule for anything that turns a claim into tokens.

use crate::error::KeelError;
use crate::events::{emit_event, InterestAccrued};
use crate::state::CollateralAsset;
use anchor_lang::prelude::*;

/// Accrues the asset's interest to `now` (a no-op when already accrued), with an
/// `InterestAccrued` event when borrowers owe more.
pub fn accrue_bank(asset: &AccountLoader<CollateralAsset>, now: i64) -> Result<()> {
    let mut bank = asset.load_mut()?;
    let elapsed = now.saturating_sub(bank.bank.last_accrual_ts);
    let accrual = bank.accrue(now)?;
    if elapsed > 0 && accrual.interest.is_positive() {
        let utilization_bps = accrual
            .utilization
            .mul_up(crate::math::Fixed::from_u64(10_000))?
            .to_u64(crate::math::Rounding::Up)?;
        emit_event(&InterestAccrued {
            asset: asset.key(),
            asset_index: bank.index,
            elapsed_secs: elapsed,
            utilization_bps,
            borrow_rate: accrual.borrow_rate.raw(),
            deposit_rate: accrual.deposit_rate.raw(),
            interest: accrual.interest.raw(),
            protocol_share: accrual.protocol_native,
            deposit_index: accrual.indices.deposit.raw(),
            borrow_index: accrual.indices.borrow.raw(),
            asset_seq: bank.next_seq(),
        });
    }
    Ok(())
}

/// Requires that `amount` may leave the asset's vault (holding `vault_tokens`) for a
/// depositor: within what the utilisation cap leaves withdrawable, and held as tokens.
pub fn require_withdrawable(
    asset: &CollateralAsset,
    vault_tokens: u64,
    amount: u64,
    action: &str,
) -> Result<()> {
    let liquidity = asset.liquidity()?;
    crate::check!(
        amount <= liquidity.within_cap,
        KeelError::UtilizationCapReached,
        "{action}: {amount} requested; utilisation {} bps (cap {} bps): {} withdrawable now across all depositors",
        asset.utilization_bps()?,
        asset.bank.params.max_utilization_bps,
        liquidity.within_cap
    );
    crate::check!(
        amount <= liquidity.withdrawable,
        KeelError::NetBorrowLimitExceeded,
        "{action}: {amount} requested; {} of new lending since {} passes the limit of {} per {} s: {} withheld, {} withdrawable now",
        liquidity.new_lending,
        asset.bank.net_borrow_window_start,
        asset.bank.params.net_borrow_limit,
        asset.bank.params.net_borrow_window_secs,
        liquidity.withheld,
        liquidity.withdrawable
    );
    crate::check!(
        amount <= vault_tokens,
        KeelError::VaultIlliquid,
        "{action}: {amount} requested, the vault holds {vault_tokens}"
    );
    Ok(())
}

/// Accounts of `accrue_interest` (permissionless crank).
#[derive(Accounts)]
pub struct AccrueInterest<'info> {
    /// The asset whose interest is accrued.
    #[account(mut)]
    pub asset: AccountLoader<'info, CollateralAsset>,
}

impl AccrueInterest<'_> {
    /// Accrues to now, so that indices, rates and the fund's claim are current for everyone
    /// even while nobody trades.
    pub fn handler(ctx: Context<Self>) -> Result<()> {
        accrue_bank(&ctx.accounts.asset, Clock::get()?.unix_timestamp)
    }
}
