//! The health engine as it was before its arithmetic was redesigned for sBPF (one `Fixed`
//! operation at a time, in the order the engine used to take them), kept as the reference the
//! redesigned kernels must equal bit for bit: every result, every error, over inputs of every
//! magnitude and sign — not only the valid ones.

use super::{
    AccountRisk, CollateralRisk, HealthComponents, HealthKind, MarginRatios, PerpContribution,
    PerpRisk, PriceQuote,
};
use crate::math::{Fixed, MathError, Rounding, FIXED_SCALE};
use proptest::prelude::*;
use std::prelude::rust_2021::*;

fn midpoint(a: Fixed, b: Fixed, rounding: Rounding) -> Result<Fixed, MathError> {
    Ok(a.add(b)?.half(rounding))
}

fn asset_weight(c: &CollateralRisk, kind: HealthKind) -> Result<Fixed, MathError> {
    match kind {
        HealthKind::Init => Ok(c.asset_weights.init),
        HealthKind::Maint => Ok(c.asset_weights.maint),
        HealthKind::LiquidationEnd => {
            midpoint(c.asset_weights.init, c.asset_weights.maint, Rounding::Down)
        }
    }
}

fn liability_weight(c: &CollateralRisk, kind: HealthKind) -> Result<Fixed, MathError> {
    match kind {
        HealthKind::Init => Ok(c.liability_weights.init),
        HealthKind::Maint => Ok(c.liability_weights.maint),
        HealthKind::LiquidationEnd => midpoint(
            c.liability_weights.init,
            c.liability_weights.maint,
            Rounding::Up,
        ),
    }
}

fn asset_price(p: &PriceQuote, kind: HealthKind) -> Fixed {
    if kind == HealthKind::Init {
        p.init_asset
    } else {
        p.oracle
    }
}

fn liab_price(p: &PriceQuote, kind: HealthKind) -> Fixed {
    if kind == HealthKind::Init {
        p.init_liab
    } else {
        p.oracle
    }
}

/// `CollateralRisk::accumulate` as it was.
fn accumulate(
    c: &CollateralRisk,
    kind: HealthKind,
    sum: &mut HealthComponents,
) -> Result<(), MathError> {
    if c.balance >= 0 {
        let value = asset_price(&c.prices, kind)
            .mul_int(c.balance)?
            .mul_down(asset_weight(c, kind)?)?;
        sum.assets = sum.assets.add(value)?;
    } else {
        let owed = liab_price(&c.prices, kind)
            .mul_int(c.balance)?
            .abs()?
            .mul_up(liability_weight(c, kind)?)?;
        sum.liabilities = sum.liabilities.add(owed)?;
    }
    Ok(())
}

fn margin(m: &MarginRatios, kind: HealthKind) -> Result<Fixed, MathError> {
    match kind {
        HealthKind::Init => Ok(m.init),
        HealthKind::Maint => Ok(m.maint),
        HealthKind::LiquidationEnd => Ok(m.init.add(m.maint)?.half(Rounding::Up)),
    }
}

fn pnl_weight(p: &PerpRisk, kind: HealthKind) -> Result<Fixed, MathError> {
    match kind {
        HealthKind::Init => Ok(p.pnl_init_weight),
        HealthKind::Maint => Ok(Fixed::ONE),
        HealthKind::LiquidationEnd => Ok(p.pnl_init_weight.add(Fixed::ONE)?.half(Rounding::Down)),
    }
}

/// One scenario of `PerpRisk::contribution` as it was.
fn scenario(
    p: &PerpRisk,
    kind: HealthKind,
    base_lots: i64,
    quote: i64,
) -> Result<PerpContribution, MathError> {
    let requirement_per_base = liab_price(&p.prices, kind).mul_up(margin(&p.margin, kind)?)?;
    let base = base_lots
        .checked_mul(p.base_lot_size)
        .ok_or(MathError::Overflow)?;
    let price = if base_lots > 0 {
        asset_price(&p.prices, kind)
    } else {
        liab_price(&p.prices, kind)
    };
    let pnl = price.mul_int(base)?.add(Fixed::from_i64(quote))?;
    let pnl = if pnl.is_positive() {
        pnl.mul_down(pnl_weight(p, kind)?)?
    } else {
        pnl
    };
    let requirement = requirement_per_base.mul_int(base)?.abs()?;
    Ok(PerpContribution {
        pnl,
        requirement,
        base_lots,
    })
}

/// `PerpRisk::contribution` as it was; `None` where it panicked (it negated
/// `bids_quote_native` unchecked, before looking at the orders: `i64::MIN` overflowed).
pub fn contribution(p: &PerpRisk, kind: HealthKind) -> Option<Result<PerpContribution, MathError>> {
    let paid = p.bids_quote_native.checked_neg()?;
    Some(contribution_of(p, kind, paid))
}

fn contribution_of(
    p: &PerpRisk,
    kind: HealthKind,
    paid: i64,
) -> Result<PerpContribution, MathError> {
    // The terms came first: their errors come before any scenario's.
    liab_price(&p.prices, kind).mul_up(margin(&p.margin, kind)?)?;
    pnl_weight(p, kind)?;
    let mut worst = scenario(p, kind, p.base_lots, p.quote_native)?;
    let corners = [
        (p.bids_base_lots > 0, p.bids_base_lots, 0, paid, 0),
        (
            p.asks_base_lots > 0,
            0,
            p.asks_base_lots,
            0,
            p.asks_quote_native,
        ),
        (
            p.bids_base_lots > 0 && p.asks_base_lots > 0,
            p.bids_base_lots,
            p.asks_base_lots,
            paid,
            p.asks_quote_native,
        ),
    ];
    for (present, bids, asks, paid, received) in corners {
        if !present {
            continue;
        }
        let base = p
            .base_lots
            .checked_add(bids)
            .and_then(|b| b.checked_sub(asks))
            .ok_or(MathError::Overflow)?;
        let quote = p
            .quote_native
            .checked_add(paid)
            .and_then(|q| q.checked_add(received))
            .ok_or(MathError::Overflow)?;
        let filled = scenario(p, kind, base, quote)?;
        if filled.net()? < worst.net()? {
            worst = filled;
        }
    }
    Ok(worst)
}

/// `AccountRisk::components` as it was (`None` where it panicked).
pub fn components(
    collaterals: &[CollateralRisk],
    perps: &[PerpRisk],
    kind: HealthKind,
) -> Option<Result<HealthComponents, MathError>> {
    if perps.iter().any(|p| p.bids_quote_native == i64::MIN) {
        return None;
    }
    Some(components_of(collaterals, perps, kind))
}

fn components_of(
    collaterals: &[CollateralRisk],
    perps: &[PerpRisk],
    kind: HealthKind,
) -> Result<HealthComponents, MathError> {
    let mut sum = HealthComponents::default();
    for entry in collaterals {
        accumulate(entry, kind, &mut sum)?;
    }
    for entry in perps {
        let c = contribution_of(entry, kind, entry.bids_quote_native.wrapping_neg())?;
        sum.perp_pnl = sum.perp_pnl.add(c.pnl)?;
        sum.perp_requirements = sum.perp_requirements.add(c.requirement)?;
    }
    Ok(sum)
}

// --- inputs of every magnitude ----------------------------------------------------------

/// A raw `Fixed` of any magnitude and sign, often a plausible price, weight or ratio.
fn raw() -> impl Strategy<Value = Fixed> {
    prop_oneof![
        4 => (1u32..=38, any::<i128>()).prop_map(|(digits, x)| x % 10i128.pow(digits)),
        4 => 0i128..=FIXED_SCALE,
        4 => 1_000_000_000_000i128..=10i128.pow(24),
        1 => prop_oneof![Just(0), Just(FIXED_SCALE), Just(i128::MAX), Just(i128::MIN), Just(-FIXED_SCALE)],
    ]
    .prop_map(Fixed::from_raw)
}

/// An `i64` of any magnitude and sign, often a plausible lot count or amount.
fn int() -> impl Strategy<Value = i64> {
    prop_oneof![
        4 => (0u32..64, any::<i64>()).prop_map(|(shift, x)| x >> shift),
        4 => -1_000_000_000_000i64..=1_000_000_000_000,
        1 => prop_oneof![Just(0), Just(i64::MAX), Just(i64::MIN), Just(1), Just(-1)],
    ]
}

fn quote() -> impl Strategy<Value = PriceQuote> {
    (raw(), raw(), raw()).prop_map(|(oracle, init_asset, init_liab)| PriceQuote {
        oracle,
        init_asset,
        init_liab,
    })
}

fn kind() -> impl Strategy<Value = HealthKind> {
    prop_oneof![
        Just(HealthKind::Init),
        Just(HealthKind::Maint),
        Just(HealthKind::LiquidationEnd)
    ]
}

fn perp() -> impl Strategy<Value = PerpRisk> {
    let lots = (
        int(),
        int(),
        int(),
        prop_oneof![Just(0i64), int()],
        int(),
        prop_oneof![Just(0i64), int()],
        int(),
    );
    (lots, quote(), raw(), raw(), raw()).prop_map(
        |((lot, base, quote_native, bids, bq, asks, aq), prices, init, maint, w)| PerpRisk {
            market_index: 7,
            base_lot_size: lot,
            base_lots: base,
            quote_native,
            bids_base_lots: bids,
            bids_quote_native: bq,
            asks_base_lots: asks,
            asks_quote_native: aq,
            prices,
            margin: MarginRatios { init, maint },
            pnl_init_weight: w,
        },
    )
}

/// A valid position (prices of 10^-6 ..= 1000 quote native per base native, margins and
/// weights in `0 ..= 1`, up to 10^9 lots on each side) whose contribution is computed
/// without error: where the kernels' fast paths run.
fn valid_perp() -> impl Strategy<Value = PerpRisk> {
    let price = 1_000_000_000_000i128..=10i128.pow(21);
    let fraction = 0i128..=FIXED_SCALE;
    let lots = (
        -1_000_000_000i64..=1_000_000_000,
        0i64..=1_000_000_000,
        0i64..=1_000_000_000,
        1i64..=1_000_000,
    );
    let cash = (
        -10i64.pow(15)..=10i64.pow(15),
        0i64..=10i64.pow(15),
        0i64..=10i64.pow(15),
    );
    (
        lots,
        cash,
        (price.clone(), price.clone(), price),
        (fraction.clone(), fraction.clone(), fraction),
    )
        .prop_map(
            |(
                (base, bids, asks, lot),
                (quote_native, bq, aq),
                (oracle, low, high),
                (init, maint, w),
            )| PerpRisk {
                market_index: 1,
                base_lot_size: lot,
                base_lots: base,
                quote_native,
                bids_base_lots: bids,
                bids_quote_native: bq,
                asks_base_lots: asks,
                asks_quote_native: aq,
                prices: PriceQuote {
                    oracle: Fixed::from_raw(oracle),
                    init_asset: Fixed::from_raw(low),
                    init_liab: Fixed::from_raw(high),
                },
                margin: MarginRatios {
                    init: Fixed::from_raw(init),
                    maint: Fixed::from_raw(maint),
                },
                pnl_init_weight: Fixed::from_raw(w),
            },
        )
}

fn collateral() -> impl Strategy<Value = CollateralRisk> {
    (int(), quote(), raw(), raw(), raw(), raw()).prop_map(|(balance, prices, ai, am, li, lm)| {
        CollateralRisk {
            asset_index: 2,
            balance,
            prices,
            asset_weights: super::AssetWeights {
                init: ai,
                maint: am,
            },
            liability_weights: super::LiabilityWeights {
                init: li,
                maint: lm,
            },
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4_096))]

    #[test]
    fn contribution_equals_the_reference(p in perp(), kind in kind()) {
        let result = p.contribution(kind);
        if let Some(expected) = contribution(&p, kind) {
            prop_assert_eq!(result, expected);
        }
    }

    #[test]
    fn valid_contribution_equals_the_reference(p in valid_perp(), kind in kind()) {
        let result = p.contribution(kind);
        prop_assert!(result.is_ok());
        prop_assert_eq!(Some(result), contribution(&p, kind));
    }

    #[test]
    fn collateral_net_equals_the_reference(c in collateral(), kind in kind()) {
        let mut sum = HealthComponents::default();
        let expected = accumulate(&c, kind, &mut sum).and_then(|_| sum.assets.sub(sum.liabilities));
        prop_assert_eq!(c.net(kind), expected);
    }

    /// Where the engine used to panic (`bids_quote_native = i64::MIN`), it returns an error
    /// when that side's corners are counted, and the result of the other scenarios otherwise.
    #[test]
    fn the_former_panic_is_an_error_or_a_result(p in perp(), kind in kind()) {
        let p = PerpRisk { bids_quote_native: i64::MIN, ..p };
        let result = p.contribution(kind);
        if p.bids_base_lots <= 0 {
            // The bids' quote is never read.
            prop_assert_eq!(result, contribution_of(&p, kind, 0));
        } else if p.quote_native >= 0 {
            // quote_native − i64::MIN does not fit.
            prop_assert!(result.is_err());
        }
    }

    #[test]
    fn components_equal_the_reference(
        collaterals in proptest::collection::vec(collateral(), 0..=3),
        perps in proptest::collection::vec(perp(), 0..=3),
    ) {
        let account = AccountRisk { collaterals: &collaterals, perps: &perps };
        for kind in HealthKind::ALL {
            let result = account.components(kind);
            if let Some(expected) = components(&collaterals, &perps, kind) {
                prop_assert_eq!(result, expected);
            }
        }
    }
}
