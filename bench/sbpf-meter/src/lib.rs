//! The metering harness of the risk engine: a small no_std program that runs keel-risk's health
//! computation over inputs passed in the instruction data, compiled to real sBPF by
//! `scripts/sbpf-meter.sh` and metered by the host runner (`bench/sbpf-meter/runner`) in LiteSVM.
//!
//! The same [`run`] is compiled twice: to sBPF (the program's entrypoint calls it) and natively
//! (the runner calls it), so the runner can check that the sBPF results equal the native ones
//! byte for byte. It never computes health itself: every number comes from `keel_risk`.
//!
//! Input (instruction data): see [`codec`]. Output (return data): see [`Mode`]. The crate is
//! `no_std` on sBPF (with its own allocator, panic handler and 128-bit helpers) and links std on
//! the host, where the runner uses it.

#![cfg_attr(target_arch = "bpf", no_std)]
#![cfg_attr(target_arch = "bpf", feature(abi_unadjusted))]
#![cfg_attr(target_arch = "bpf", allow(internal_features))]

extern crate alloc;

pub mod codec;
#[cfg(not(target_arch = "bpf"))]
pub mod demangle;
#[cfg(not(target_arch = "bpf"))]
pub mod frames;
pub mod int128;
#[cfg(target_arch = "bpf")]
mod sbpf;

use codec::{decode, DecodeError, Reader};
use keel_risk::math::{Fixed, MathError, Rounding};
use keel_risk::risk::{
    smallest_sufficient, HealthCache, HealthKind, MaintAndEnd, StepEntries, StepHealth,
};

/// Largest output of any mode, bytes.
pub const MAX_OUTPUT: usize = 3 * 4 * 16;

/// What the program computes over the decoded account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Returns at once, before decoding: the cost of an empty call.
    Noop,
    /// Decodes the account into a `HealthCache` and returns nothing: the cost of the input.
    DecodeOnly,
    /// `HealthCache::health(kind)`: 16 bytes (`Fixed` raw, i128 LE).
    Health(HealthKind),
    /// `HealthCache::components` of Init, Maint and LiquidationEnd (what the health view
    /// reports): 3 × (assets, liabilities, perp PnL, perp requirements), 192 bytes.
    AllKinds,
    /// One liquidation sizing search on the first perp position: `StepHealth::split` around
    /// the quote asset and that market, then `smallest_sufficient` over the lots to close, each
    /// candidate evaluated by `StepHealth::with`. Output: lots (i64 LE), then Maint and
    /// LiquidationEnd health at that size (2 × 16 bytes), 40 bytes.
    Sizing,
    /// `a.mul_down(b)` of two `Fixed` operands (16 bytes each, after the mode): the cost of
    /// one multiplication, 16 bytes.
    MulDown,
    /// `a.div(b, Rounding::Down)` of two `Fixed` operands: the cost of one division, 16 bytes.
    DivDown,
    /// `BankIndices::change` (one balance change through the bank): operands deposit and borrow
    /// index, then units and delta (i64 LE each); output the units after and the dust, 32 bytes.
    BankChange,
    /// `bank::accrue` (one interest accrual): operands deposit and borrow index, then deposit
    /// units, borrow units (u64 LE), elapsed seconds (i64 LE); the recommended curve, a tenth to
    /// the protocol; output both indices after, 32 bytes.
    BankAccrue,
    /// `reference.within_bps(value, bps)` over `n` checks passed in (see
    /// [`codec::encode_band_checks`]): the cost of `n` order-price band checks, each with its
    /// own reference price, order price and band. Output a u64 LE, bit `i` set when check `i`
    /// is inside its band, 8 bytes (`n` ≤ [`codec::MAX_BAND_CHECKS`]).
    WithinBps,
}

/// Why a run failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunError {
    /// The input could not be decoded.
    Decode(DecodeError),
    /// The engine returned a math error.
    Math(MathError),
    /// A sizing search on an account without a perp position.
    NoPosition,
}

impl From<DecodeError> for RunError {
    fn from(e: DecodeError) -> Self {
        RunError::Decode(e)
    }
}

impl From<MathError> for RunError {
    fn from(e: MathError) -> Self {
        RunError::Math(e)
    }
}

/// Output bytes of one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Output {
    /// The buffer; the first `len` bytes are the output.
    pub bytes: [u8; MAX_OUTPUT],
    /// Bytes used.
    pub len: usize,
}

impl Output {
    /// The output bytes.
    pub fn as_slice(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    /// Appends `data`; the modes never exceed [`MAX_OUTPUT`].
    fn push(&mut self, data: &[u8]) {
        let end = self.len + data.len();
        if let Some(slot) = self.bytes.get_mut(self.len..end) {
            slot.copy_from_slice(data);
            self.len = end;
        }
    }
}

/// The program's recommended rate curve (`BankParams::recommended`): 0 %, 10 % at 80 %, 100 %.
const RECOMMENDED_CURVE: keel_risk::bank::RateCurve =
    keel_risk::bank::RateCurve { base_rate_bps: 0, optimal_utilization_bps: 8_000, optimal_rate_bps: 1_000, max_rate_bps: 10_000 };

/// The quote asset's index (the exchange's settlement asset).
pub const QUOTE_INDEX: u16 = 0;

/// Runs the computation encoded in `data`.
pub fn run(data: &[u8]) -> Result<Output, RunError> {
    let words = codec::words(data)?;
    let mut reader = Reader::new(&words);
    let mode = codec::read_mode(&mut reader)?;
    let mut out = Output {
        bytes: [0; MAX_OUTPUT],
        len: 0,
    };
    match mode {
        Mode::Noop => return Ok(out),
        Mode::BankChange | Mode::BankAccrue => {
            let indices = keel_risk::bank::BankIndices { deposit: codec::read_operands_one(&mut reader)?, borrow: codec::read_operands_one(&mut reader)? };
            let (x, y) = (codec::read_i64(&mut reader)?, codec::read_i64(&mut reader)?);
            if mode == Mode::BankChange {
                let change = indices.change(x, y)?;
                out.push(&(change.units_after as i128).to_le_bytes());
                out.push(&change.dust.raw().to_le_bytes());
            } else {
                let totals = keel_risk::bank::BankTotals { deposit_units: x as u64, borrow_units: y as u64, indices };
                let elapsed = codec::read_i64(&mut reader)?;
                let a = keel_risk::bank::accrue(&totals, &RECOMMENDED_CURVE, 1_000, elapsed)?;
                out.push(&a.indices.deposit.raw().to_le_bytes());
                out.push(&a.indices.borrow.raw().to_le_bytes());
            }
            return Ok(out);
        }
        Mode::WithinBps => {
            out.push(&band_checks(&mut reader)?.to_le_bytes());
            return Ok(out);
        }
        Mode::MulDown | Mode::DivDown => {
            let (a, b) = codec::read_operands(&mut reader)?;
            let result = if mode == Mode::MulDown {
                a.mul_down(b)?
            } else {
                a.div(b, Rounding::Down)?
            };
            out.push(&result.raw().to_le_bytes());
            return Ok(out);
        }
        _ => {}
    }
    let cache = decode(&mut reader)?;
    match mode {
        Mode::Noop
        | Mode::DecodeOnly
        | Mode::MulDown
        | Mode::DivDown
        | Mode::BankChange
        | Mode::BankAccrue
        | Mode::WithinBps => {}
        Mode::Health(kind) => out.push(&cache.health(kind)?.raw().to_le_bytes()),
        Mode::AllKinds => {
            for kind in HealthKind::ALL {
                let c = cache.components(kind)?;
                for part in [c.assets, c.liabilities, c.perp_pnl, c.perp_requirements] {
                    out.push(&part.raw().to_le_bytes());
                }
            }
        }
        Mode::Sizing => {
            let (lots, health) = sizing(&cache)?;
            out.push(&lots.to_le_bytes());
            out.push(&health.maint.raw().to_le_bytes());
            out.push(&health.liq_end.raw().to_le_bytes());
        }
    }
    Ok(out)
}

/// The answers of [`Mode::WithinBps`]: bit `i` set when check `i` is inside its band.
// Out of line: inlined into `run`, the loop changed how the output buffer is initialised for
// every mode (a 200-byte memset call instead of inline stores, ≈ +700 CU on each call).
#[inline(never)]
fn band_checks(reader: &mut Reader<'_>) -> Result<u64, RunError> {
    let mut inside = 0u64;
    for i in 0..codec::read_count(reader)? {
        let (reference, value, bps) = codec::read_band_check(reader)?;
        inside |= u64::from(reference.within_bps(value, bps)?) << i;
    }
    Ok(inside)
}

/// The fewest lots of the first perp position that, closed at the oracle price (the quote
/// received going into the position's quote), bring LiquidationEnd health to ≥ 0.
fn sizing(cache: &HealthCache) -> Result<(i64, MaintAndEnd), RunError> {
    let perp = *cache.perps().first().ok_or(RunError::NoPosition)?;
    let quote = cache
        .collaterals()
        .iter()
        .find(|c| c.asset_index == QUOTE_INDEX)
        .copied();
    let quote = quote.ok_or(RunError::NoPosition)?;
    let rest = StepHealth::split(cache, QUOTE_INDEX, None, Some(perp.market_index))?;
    let direction = perp.base_lots.signum();
    let health_after = |lots: i64| -> Result<MaintAndEnd, MathError> {
        let base_native = lots
            .checked_mul(perp.base_lot_size)
            .ok_or(MathError::Overflow)?;
        let value = Fixed::from_i64(base_native)
            .mul_down(perp.prices.oracle)?
            .to_i64(Rounding::Down)?;
        let mut after = perp;
        after.base_lots = perp
            .base_lots
            .checked_sub(lots * direction)
            .ok_or(MathError::Overflow)?;
        after.quote_native = perp
            .quote_native
            .checked_add(value * direction)
            .ok_or(MathError::Overflow)?;
        rest.with(&StepEntries {
            quote,
            collateral: None,
            perp: Some(after),
        })
    };
    let lots = smallest_sufficient(perp.base_lots.unsigned_abs() as i64, |lots| {
        Ok::<_, MathError>(!health_after(lots)?.liq_end.is_negative())
    })?;
    Ok((lots, health_after(lots)?))
}
