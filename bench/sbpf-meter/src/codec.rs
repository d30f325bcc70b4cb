//! The instruction data of the metering program: little-endian 64-bit words, so that the program
//! reads them with aligned 64-bit loads (on sBPF the instruction data of a call without accounts
//! starts 16 bytes into the input region, which is 8-byte aligned):
//!
//! ```text
//! header word: byte 0 mode (0 noop, 1 decode only, 2 health, 3 all kinds, 4 sizing, 5 mul,
//!              6 div, 7 bank change, 8 bank accrue, 9 within bps), byte 1 kind (0 Init,
//!              1 Maint, 2 LiquidationEnd; read by mode 2), byte 2 collaterals, byte 3 perps
//! per collateral (16 words): asset_index, balance, prices (oracle, init_asset, init_liab)
//!              3 × i128, asset weights (init, maint) 2 × i128, liability weights (init,
//!              maint) 2 × i128
//! per perp (20 words): market_index, base_lot_size, base_lots, quote_native, bids_base_lots,
//!              bids_quote_native, asks_base_lots, asks_quote_native, prices 3 × i128, margin
//!              ratios (init, maint) 2 × i128, pnl_init_weight i128
//! ```
//! An `i128` (a `Fixed` raw) is two words, the low one first; integers are sign-extended to a
//! word. Modes 5 (mul_down) and 6 (div, rounded down) are followed by two `Fixed` operands
//! instead of an account; modes 7 and 8 by two `Fixed` indices and i64 words
//! ([`encode_bank`]); mode 9 by a count word, then per check a reference `Fixed`, a value i64
//! and bps ([`encode_band_checks`]). [`encode`] / [`decode`], [`encode_operands`] /
//! [`read_operands`] and [`encode_band_checks`] / [`read_band_check`] are the only definitions
//! of it.

use crate::Mode;
use alloc::borrow::Cow;
use alloc::vec::Vec;
use keel_risk::math::Fixed;
use keel_risk::risk::{
    AssetWeights, CollateralRisk, HealthCache, HealthKind, LiabilityWeights, MarginRatios,
    PerpRisk, PriceQuote,
};

/// Why an input could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// The input ended early, or is not a whole number of words.
    Truncated,
    /// Unknown mode or health kind.
    BadTag,
    /// More entries than a margin account holds.
    TooMany,
}

/// Words of one collateral entry.
const COLLATERAL_WORDS: usize = 16;
/// Words of one perp entry.
const PERP_WORDS: usize = 20;

/// The words of `data`: borrowed when `data` is 8-byte aligned (always on sBPF), copied
/// otherwise. Its length must be a whole number of words.
pub fn words(data: &[u8]) -> Result<Cow<'_, [u64]>, DecodeError> {
    if !data.len().is_multiple_of(8) {
        return Err(DecodeError::Truncated);
    }
    // SAFETY: every bit pattern is a valid `u64`, and `align_to` only puts whole, aligned
    // words in the middle slice.
    let (prefix, middle, suffix) = unsafe { data.align_to::<u64>() };
    if prefix.is_empty() && suffix.is_empty() {
        return Ok(Cow::Borrowed(middle));
    }
    let copied = data.as_chunks::<8>().0.iter().map(|c| u64::from_ne_bytes(*c)).collect();
    Ok(Cow::Owned(copied))
}

/// A cursor over the input words.
pub struct Reader<'a> {
    words: &'a [u64],
    /// The header's collateral and perp counts, once [`read_mode`] read it.
    counts: (u8, u8),
}

/// The `i128` of a (low, high) word pair, as a `Fixed` raw.
fn fixed(low: u64, high: u64) -> Fixed {
    Fixed::from_raw(((u64::from_le(high) as u128) << 64 | u64::from_le(low) as u128) as i128)
}

/// A word as a signed integer.
fn int(word: u64) -> i64 {
    u64::from_le(word) as i64
}

/// Three prices from six words.
fn prices(w: &[u64; 6]) -> PriceQuote {
    PriceQuote {
        oracle: fixed(w[0], w[1]),
        init_asset: fixed(w[2], w[3]),
        init_liab: fixed(w[4], w[5]),
    }
}

impl<'a> Reader<'a> {
    /// A reader at the start of `words`.
    pub fn new(words: &'a [u64]) -> Self {
        Self { words, counts: (0, 0) }
    }

    /// The next `N` words, with one length check.
    fn take<const N: usize>(&mut self) -> Result<&'a [u64; N], DecodeError> {
        let (head, rest) = self
            .words
            .split_first_chunk::<N>()
            .ok_or(DecodeError::Truncated)?;
        self.words = rest;
        Ok(head)
    }

    fn int(&mut self) -> Result<i64, DecodeError> {
        Ok(int(self.take::<1>()?[0]))
    }

    fn fixed(&mut self) -> Result<Fixed, DecodeError> {
        let [low, high] = *self.take::<2>()?;
        Ok(fixed(low, high))
    }
}

/// The header word's bytes.
fn header(word: u64) -> [u8; 4] {
    let b = u64::from_le(word).to_le_bytes();
    [b[0], b[1], b[2], b[3]]
}

/// Reads the header's mode and kind (the reader keeps its counts for [`decode`]).
pub fn read_mode(reader: &mut Reader<'_>) -> Result<Mode, DecodeError> {
    let [mode, kind, collaterals, perps] = header(reader.take::<1>()?[0]);
    reader.counts = (collaterals, perps);
    let kind = match kind {
        0 => HealthKind::Init,
        1 => HealthKind::Maint,
        2 => HealthKind::LiquidationEnd,
        _ => return Err(DecodeError::BadTag),
    };
    let mode = match mode {
        0 => Mode::Noop,
        1 => Mode::DecodeOnly,
        2 => Mode::Health(kind),
        3 => Mode::AllKinds,
        4 => Mode::Sizing,
        5 => Mode::MulDown,
        6 => Mode::DivDown,
        7 => Mode::BankChange,
        8 => Mode::BankAccrue,
        9 => Mode::WithinBps,
        _ => return Err(DecodeError::BadTag),
    };
    Ok(mode)
}

/// Reads the account after the header into a cache, as the program's health check does.
pub fn decode(reader: &mut Reader<'_>) -> Result<HealthCache, DecodeError> {
    let (collaterals, perps) = reader.counts;
    let mut cache = HealthCache::new();
    for _ in 0..collaterals {
        let w = reader.take::<COLLATERAL_WORDS>()?;
        let entry = CollateralRisk {
            asset_index: int(w[0]) as u16,
            balance: int(w[1]),
            prices: prices(&[w[2], w[3], w[4], w[5], w[6], w[7]]),
            asset_weights: AssetWeights {
                init: fixed(w[8], w[9]),
                maint: fixed(w[10], w[11]),
            },
            liability_weights: LiabilityWeights {
                init: fixed(w[12], w[13]),
                maint: fixed(w[14], w[15]),
            },
        };
        if !cache.push_collateral(entry) {
            return Err(DecodeError::TooMany);
        }
    }
    for _ in 0..perps {
        let w = reader.take::<PERP_WORDS>()?;
        let entry = PerpRisk {
            market_index: int(w[0]) as u16,
            base_lot_size: int(w[1]),
            base_lots: int(w[2]),
            quote_native: int(w[3]),
            bids_base_lots: int(w[4]),
            bids_quote_native: int(w[5]),
            asks_base_lots: int(w[6]),
            asks_quote_native: int(w[7]),
            prices: prices(&[w[8], w[9], w[10], w[11], w[12], w[13]]),
            margin: MarginRatios {
                init: fixed(w[14], w[15]),
                maint: fixed(w[16], w[17]),
            },
            pnl_init_weight: fixed(w[18], w[19]),
        };
        if !cache.push_perp(entry) {
            return Err(DecodeError::TooMany);
        }
    }
    Ok(cache)
}

/// Reads the two operands of [`Mode::MulDown`] / [`Mode::DivDown`].
pub fn read_operands(reader: &mut Reader<'_>) -> Result<(Fixed, Fixed), DecodeError> {
    Ok((reader.fixed()?, reader.fixed()?))
}

/// One `Fixed` operand.
pub fn read_operands_one(reader: &mut Reader<'_>) -> Result<Fixed, DecodeError> {
    reader.fixed()
}

/// Most checks of one [`Mode::WithinBps`] call: one bit of its output each.
pub const MAX_BAND_CHECKS: u8 = 64;

/// The number of checks of [`Mode::WithinBps`], at most [`MAX_BAND_CHECKS`].
pub fn read_count(reader: &mut Reader<'_>) -> Result<u8, DecodeError> {
    let count = reader.int()?;
    if !(0..=i64::from(MAX_BAND_CHECKS)).contains(&count) {
        return Err(DecodeError::TooMany);
    }
    Ok(count as u8)
}

/// One check of [`Mode::WithinBps`]: the reference price, the value, the band in bps.
pub fn read_band_check(reader: &mut Reader<'_>) -> Result<(Fixed, i64, u16), DecodeError> {
    let w = reader.take::<4>()?;
    Ok((fixed(w[0], w[1]), int(w[2]), int(w[3]) as u16))
}

/// One i64 operand.
pub fn read_i64(reader: &mut Reader<'_>) -> Result<i64, DecodeError> {
    reader.int()
}

/// Instruction data under construction: words, written out little-endian.
struct Writer(Vec<u64>);

impl Writer {
    /// A header word.
    fn new(tag: u8, kind: u8, collaterals: u8, perps: u8) -> Self {
        Self(Vec::from([u64::from_le_bytes([tag, kind, collaterals, perps, 0, 0, 0, 0])]))
    }

    fn int(&mut self, v: i64) {
        self.0.push(v as u64);
    }

    fn fixed(&mut self, v: Fixed) {
        let raw = v.raw() as u128;
        self.0.extend([raw as u64, (raw >> 64) as u64]);
    }

    fn bytes(self) -> Vec<u8> {
        self.0.iter().flat_map(|w| w.to_le_bytes()).collect()
    }
}

/// The header of `mode`: (tag, kind).
fn tag(mode: Mode) -> (u8, u8) {
    let (tag, kind) = match mode {
        Mode::Noop => (0, HealthKind::Init),
        Mode::DecodeOnly => (1, HealthKind::Init),
        Mode::Health(kind) => (2, kind),
        Mode::AllKinds => (3, HealthKind::Init),
        Mode::Sizing => (4, HealthKind::Init),
        Mode::MulDown => (5, HealthKind::Init),
        Mode::DivDown => (6, HealthKind::Init),
        Mode::BankChange => (7, HealthKind::Init),
        Mode::BankAccrue => (8, HealthKind::Init),
        Mode::WithinBps => (9, HealthKind::Init),
    };
    let kind = match kind {
        HealthKind::Init => 0,
        HealthKind::Maint => 1,
        HealthKind::LiquidationEnd => 2,
    };
    (tag, kind)
}

/// The instruction data for [`Mode::WithinBps`] over `checks` of (reference, value, bps) (host
/// side); the first [`MAX_BAND_CHECKS`] of them.
pub fn encode_band_checks(checks: &[(Fixed, i64, u16)]) -> Vec<u8> {
    let checks = &checks[..checks.len().min(usize::from(MAX_BAND_CHECKS))];
    let (t, k) = tag(Mode::WithinBps);
    let mut out = Writer::new(t, k, 0, 0);
    out.int(checks.len() as i64);
    for (reference, value, bps) in checks {
        out.fixed(*reference);
        out.int(*value);
        out.int(i64::from(*bps));
    }
    out.bytes()
}

/// The instruction data of a bank primitive: the mode, two indices, then `words` (host side).
pub fn encode_bank(mode: Mode, deposit: Fixed, borrow: Fixed, words: &[i64]) -> Vec<u8> {
    let (t, k) = tag(mode);
    let mut out = Writer::new(t, k, 0, 0);
    out.fixed(deposit);
    out.fixed(borrow);
    words.iter().for_each(|w| out.int(*w));
    out.bytes()
}

/// The instruction data for [`Mode::MulDown`] / [`Mode::DivDown`] of `a` and `b` (host side).
pub fn encode_operands(mode: Mode, a: Fixed, b: Fixed) -> Vec<u8> {
    let (t, k) = tag(mode);
    let mut out = Writer::new(t, k, 0, 0);
    out.fixed(a);
    out.fixed(b);
    out.bytes()
}

/// The instruction data for `mode` over `collaterals` and `perps` (host side).
pub fn encode(mode: Mode, collaterals: &[CollateralRisk], perps: &[PerpRisk]) -> Vec<u8> {
    let (t, k) = tag(mode);
    let mut out = Writer::new(t, k, collaterals.len() as u8, perps.len() as u8);
    let prices = |out: &mut Writer, p: &PriceQuote| {
        [p.oracle, p.init_asset, p.init_liab].into_iter().for_each(|v| out.fixed(v));
    };
    for c in collaterals {
        out.int(i64::from(c.asset_index));
        out.int(c.balance);
        prices(&mut out, &c.prices);
        for v in [c.asset_weights.init, c.asset_weights.maint, c.liability_weights.init, c.liability_weights.maint] {
            out.fixed(v);
        }
    }
    for p in perps {
        out.int(i64::from(p.market_index));
        for v in [p.base_lot_size, p.base_lots, p.quote_native, p.bids_base_lots, p.bids_quote_native, p.asks_base_lots, p.asks_quote_native] {
            out.int(v);
        }
        prices(&mut out, &p.prices);
        for v in [p.margin.init, p.margin.maint, p.pnl_init_weight] {
            out.fixed(v);
        }
    }
    out.bytes()
}

#[cfg(test)]
#[path = "codec_tests.rs"]
mod tests;
