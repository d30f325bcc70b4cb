//! The instruction data of the metering program, little-endian throughout:
//!
//! ```text
//! mode u8 (0 noop, 1 decode only, 2 health, 3 all kinds, 4 sizing, 5 mul, 6 div, 7 bank change,
//! 8 bank accrue, 9 within bps), kind u8 (0 Init,
//! 1 Maint, 2 LiquidationEnd; read by mode 2), collaterals u8, perps u8, then
//! per collateral: asset_index u16, balance i64, prices (oracle, init_asset, init_liab) 3 × i128,
//!                 asset weights (init, maint) 2 × i128, liability weights (init, maint) 2 × i128
//! per perp:       market_index u16, base_lot_size, base_lots, quote_native, bids_base_lots,
//!                 bids_quote_native, asks_base_lots, asks_quote_native 7 × i64, prices 3 × i128,
//!                 margin ratios (init, maint) 2 × i128, pnl_init_weight i128
//! ```
//! (`i128` values are `Fixed` raw.) Modes 5 (mul_down) and 6 (div, rounded down) are followed
//! by two `Fixed` operands (2 × i128) instead of an account; modes 7 and 8 by two `Fixed`
//! indices and i64 words ([`encode_bank`]); mode 9 by a count u8, then per check a reference
//! `Fixed` (i128), a value i64 and bps u16 ([`encode_band_checks`]). [`encode`] / [`decode`],
//! [`encode_operands`] / [`read_operands`] and [`encode_band_checks`] / [`read_band_check`] are
//! the only definitions of it.

use crate::Mode;
use alloc::vec::Vec;
use keel_risk::math::Fixed;
use keel_risk::risk::{
    AssetWeights, CollateralRisk, HealthCache, HealthKind, LiabilityWeights, MarginRatios,
    PerpRisk, PriceQuote,
};

/// Why an input could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// The input ended early.
    Truncated,
    /// Unknown mode or health kind.
    BadTag,
    /// More entries than a margin account holds.
    TooMany,
}

/// A cursor over the input bytes.
pub struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    /// A reader at the start of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Self { data }
    }

    /// The next `N` bytes.
    fn take<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let (head, rest) = self
            .data
            .split_first_chunk::<N>()
            .ok_or(DecodeError::Truncated)?;
        self.data = rest;
        Ok(*head)
    }

    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take::<1>()?[0])
    }

    fn u16(&mut self) -> Result<u16, DecodeError> {
        Ok(u16::from_le_bytes(self.take()?))
    }

    fn i64(&mut self) -> Result<i64, DecodeError> {
        Ok(i64::from_le_bytes(self.take()?))
    }

    fn fixed(&mut self) -> Result<Fixed, DecodeError> {
        Ok(Fixed::from_raw(i128::from_le_bytes(self.take()?)))
    }

    fn prices(&mut self) -> Result<PriceQuote, DecodeError> {
        Ok(PriceQuote {
            oracle: self.fixed()?,
            init_asset: self.fixed()?,
            init_liab: self.fixed()?,
        })
    }
}

/// Reads the mode and kind bytes.
pub fn read_mode(reader: &mut Reader<'_>) -> Result<Mode, DecodeError> {
    let (mode, kind) = (reader.u8()?, reader.u8()?);
    let kind = match kind {
        0 => HealthKind::Init,
        1 => HealthKind::Maint,
        2 => HealthKind::LiquidationEnd,
        _ => return Err(DecodeError::BadTag),
    };
    match mode {
        0 => Ok(Mode::Noop),
        1 => Ok(Mode::DecodeOnly),
        2 => Ok(Mode::Health(kind)),
        3 => Ok(Mode::AllKinds),
        4 => Ok(Mode::Sizing),
        5 => Ok(Mode::MulDown),
        6 => Ok(Mode::DivDown),
        7 => Ok(Mode::BankChange),
        8 => Ok(Mode::BankAccrue),
        9 => Ok(Mode::WithinBps),
        _ => Err(DecodeError::BadTag),
    }
}

/// Reads the account that follows the mode into a cache, as the program's health check does.
pub fn decode(reader: &mut Reader<'_>) -> Result<HealthCache, DecodeError> {
    let (collaterals, perps) = (reader.u8()?, reader.u8()?);
    let mut cache = HealthCache::new();
    for _ in 0..collaterals {
        let entry = CollateralRisk {
            asset_index: reader.u16()?,
            balance: reader.i64()?,
            prices: reader.prices()?,
            asset_weights: AssetWeights {
                init: reader.fixed()?,
                maint: reader.fixed()?,
            },
            liability_weights: LiabilityWeights {
                init: reader.fixed()?,
                maint: reader.fixed()?,
            },
        };
        if !cache.push_collateral(entry) {
            return Err(DecodeError::TooMany);
        }
    }
    for _ in 0..perps {
        let entry = PerpRisk {
            market_index: reader.u16()?,
            base_lot_size: reader.i64()?,
            base_lots: reader.i64()?,
            quote_native: reader.i64()?,
            bids_base_lots: reader.i64()?,
            bids_quote_native: reader.i64()?,
            asks_base_lots: reader.i64()?,
            asks_quote_native: reader.i64()?,
            prices: reader.prices()?,
            margin: MarginRatios {
                init: reader.fixed()?,
                maint: reader.fixed()?,
            },
            pnl_init_weight: reader.fixed()?,
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
    let count = reader.u8()?;
    if count > MAX_BAND_CHECKS {
        return Err(DecodeError::TooMany);
    }
    Ok(count)
}

/// One check of [`Mode::WithinBps`]: the reference price, the value, the band in bps.
pub fn read_band_check(reader: &mut Reader<'_>) -> Result<(Fixed, i64, u16), DecodeError> {
    Ok((reader.fixed()?, reader.i64()?, reader.u16()?))
}

/// The instruction data for [`Mode::WithinBps`] over `checks` of (reference, value, bps) (host
/// side); the first [`MAX_BAND_CHECKS`] of them.
pub fn encode_band_checks(checks: &[(Fixed, i64, u16)]) -> Vec<u8> {
    let checks = &checks[..checks.len().min(usize::from(MAX_BAND_CHECKS))];
    let mut out = encode(Mode::WithinBps, &[], &[]);
    out.truncate(2);
    out.push(checks.len() as u8);
    for (reference, value, bps) in checks {
        out.extend_from_slice(&reference.raw().to_le_bytes());
        out.extend_from_slice(&value.to_le_bytes());
        out.extend_from_slice(&bps.to_le_bytes());
    }
    out
}

/// One i64 operand.
pub fn read_i64(reader: &mut Reader<'_>) -> Result<i64, DecodeError> {
    reader.i64()
}

/// The instruction data of a bank primitive: the mode, two indices, then `words` (host side).
pub fn encode_bank(mode: Mode, deposit: Fixed, borrow: Fixed, words: &[i64]) -> Vec<u8> {
    let mut out = encode_operands(mode, deposit, borrow);
    for w in words {
        out.extend_from_slice(&w.to_le_bytes());
    }
    out
}

/// The instruction data for [`Mode::MulDown`] / [`Mode::DivDown`] of `a` and `b` (host side).
pub fn encode_operands(mode: Mode, a: Fixed, b: Fixed) -> Vec<u8> {
    let mut out = encode(mode, &[], &[]);
    out.truncate(2);
    out.extend_from_slice(&a.raw().to_le_bytes());
    out.extend_from_slice(&b.raw().to_le_bytes());
    out
}

/// The instruction data for `mode` over `collaterals` and `perps` (host side).
pub fn encode(mode: Mode, collaterals: &[CollateralRisk], perps: &[PerpRisk]) -> Vec<u8> {
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
    let mut out = Vec::new();
    out.extend_from_slice(&[tag, kind, collaterals.len() as u8, perps.len() as u8]);
    let fixed = |out: &mut Vec<u8>, v: Fixed| out.extend_from_slice(&v.raw().to_le_bytes());
    let prices = |out: &mut Vec<u8>, p: &PriceQuote| {
        for v in [p.oracle, p.init_asset, p.init_liab] {
            fixed(out, v);
        }
    };
    for c in collaterals {
        out.extend_from_slice(&c.asset_index.to_le_bytes());
        out.extend_from_slice(&c.balance.to_le_bytes());
        prices(&mut out, &c.prices);
        for v in [
            c.asset_weights.init,
            c.asset_weights.maint,
            c.liability_weights.init,
            c.liability_weights.maint,
        ] {
            fixed(&mut out, v);
        }
    }
    for p in perps {
        out.extend_from_slice(&p.market_index.to_le_bytes());
        let lots = [
            p.base_lot_size,
            p.base_lots,
            p.quote_native,
            p.bids_base_lots,
        ];
        for v in
            lots.into_iter()
                .chain([p.bids_quote_native, p.asks_base_lots, p.asks_quote_native])
        {
            out.extend_from_slice(&v.to_le_bytes());
        }
        prices(&mut out, &p.prices);
        for v in [p.margin.init, p.margin.maint, p.pnl_init_weight] {
            fixed(&mut out, v);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_reads_back_what_encode_wrote() {
        let price = PriceQuote {
            oracle: Fixed::from_raw(100),
            init_asset: Fixed::from_raw(99),
            init_liab: Fixed::from_raw(-101),
        };
        let collateral = CollateralRisk {
            asset_index: 3,
            balance: -7,
            prices: price,
            asset_weights: AssetWeights {
                init: Fixed::from_raw(1),
                maint: Fixed::from_raw(2),
            },
            liability_weights: LiabilityWeights {
                init: Fixed::from_raw(3),
                maint: Fixed::from_raw(i128::MIN),
            },
        };
        let perp = PerpRisk {
            market_index: 9,
            base_lot_size: 1,
            base_lots: -2,
            quote_native: 3,
            bids_base_lots: 4,
            bids_quote_native: 5,
            asks_base_lots: 6,
            asks_quote_native: i64::MIN,
            prices: price,
            margin: MarginRatios {
                init: Fixed::from_raw(8),
                maint: Fixed::from_raw(9),
            },
            pnl_init_weight: Fixed::from_raw(i128::MAX),
        };
        let data = encode(
            Mode::Health(HealthKind::LiquidationEnd),
            &[collateral],
            &[perp, perp],
        );
        let mut reader = Reader::new(&data);
        assert_eq!(
            read_mode(&mut reader),
            Ok(Mode::Health(HealthKind::LiquidationEnd))
        );
        let cache = decode(&mut reader).unwrap();
        assert_eq!(cache.collaterals(), &[collateral]);
        assert_eq!(cache.perps(), &[perp, perp]);
        assert_eq!(
            decode(&mut Reader::new(&data[2..data.len() - 1])).err(),
            Some(DecodeError::Truncated)
        );
    }

    #[test]
    fn band_checks_read_back_what_encode_wrote() {
        let checks = [
            (Fixed::from_raw(i128::MIN), i64::MAX, 500),
            (Fixed::from_raw(150_000_000_500_000_000_000_000_000), -1, 1),
        ];
        let data = encode_band_checks(&checks);
        let mut reader = Reader::new(&data);
        assert_eq!(read_mode(&mut reader), Ok(Mode::WithinBps));
        assert_eq!(read_count(&mut reader), Ok(2));
        for check in checks {
            assert_eq!(read_band_check(&mut reader), Ok(check));
        }
        assert_eq!(
            read_band_check(&mut reader).err(),
            Some(DecodeError::Truncated)
        );
        let mut too_many = data[..2].to_vec();
        too_many.push(MAX_BAND_CHECKS + 1);
        let mut reader = Reader::new(&too_many);
        assert_eq!(read_mode(&mut reader), Ok(Mode::WithinBps));
        assert_eq!(read_count(&mut reader).err(), Some(DecodeError::TooMany));
    }
}
