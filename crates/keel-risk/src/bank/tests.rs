//! Unit and property tests of the bank: conversions round for the protocol and lose nothing,
//! accrual and socialisation are exact, the rate curve is the kinked line it says.

use super::*;
use proptest::prelude::*;

fn idx(deposit_raw: i128, borrow_raw: i128) -> BankIndices {
    BankIndices {
        deposit: Fixed::from_raw(deposit_raw),
        borrow: Fixed::from_raw(borrow_raw),
    }
}

const CURVE: RateCurve = RateCurve {
    base_rate_bps: 0,
    optimal_utilization_bps: 8_000,
    optimal_rate_bps: 1_000,
    max_rate_bps: 10_000,
};

#[test]
fn a_deposit_at_index_one_point_zero_five_rounds_down_and_keeps_the_rest_as_dust() {
    let bank = idx(1_050_000_000_000_000_000, 1_100_000_000_000_000_000);
    let change = bank.change(0, 100).unwrap();
    // 100 / 1.05 = 95.238… → 95 units worth 99.75: the depositor sees 99, 0.25 is dust.
    assert_eq!(change.units_after, 95);
    assert_eq!(change.native_after, 99);
    assert_eq!(change.dust, Fixed::from_raw(250_000_000_000_000_000));
}

#[test]
fn a_borrow_rounds_its_units_up_and_shows_the_debt_rounded_up() {
    let bank = idx(1_050_000_000_000_000_000, 1_100_000_000_000_000_000);
    let change = bank.change(0, -100).unwrap();
    // 100 / 1.1 = 90.9 → 91 units owing 100.1: the borrower owes 101 (shown), 0.1 is dust.
    assert_eq!(change.units_after, -91);
    assert_eq!(change.native_after, -101);
    assert_eq!(change.dust, Fixed::from_raw(100_000_000_000_000_000));
    assert_eq!(change.borrow_units_delta(), 91);
}

#[test]
fn the_rate_curve_passes_through_its_three_points() {
    let at = |bps: u32| CURVE.borrow_rate(Fixed::from_bps(bps)).unwrap();
    assert_eq!(at(0), Fixed::ZERO);
    assert_eq!(at(4_000), Fixed::from_bps(500));
    assert_eq!(at(8_000), Fixed::from_bps(1_000));
    assert_eq!(at(9_000), Fixed::from_bps(5_500));
    assert_eq!(at(10_000), Fixed::from_bps(10_000));
}

#[test]
fn one_year_at_half_utilisation_and_a_fifth_to_the_protocol() {
    // 1000 deposited, 500 borrowed: u = 50 %, rate 6.25 %/yr; borrowers owe 31.25 more,
    // depositors get 25, the protocol 6 (native, rounded down) and 0.25 stays as dust.
    let totals = BankTotals {
        deposit_units: 1_000,
        borrow_units: 500,
        indices: BankIndices::ONE,
    };
    let accrual = accrue(&totals, &CURVE, 2_000, SECONDS_PER_YEAR).unwrap();
    assert_eq!(accrual.borrow_rate, Fixed::from_bps(625));
    assert_eq!(
        accrual.interest,
        Fixed::from_raw(31_250_000_000_000_000_000)
    );
    assert_eq!(accrual.protocol_native, 6);
    assert_eq!(
        accrual.indices.deposit,
        Fixed::from_raw(1_025_250_000_000_000_000)
    );
    assert_eq!(accrual.dust, Fixed::ZERO);
    assert_eq!(
        accrual.indices.borrow,
        Fixed::from_raw(1_062_500_000_000_000_000)
    );
}

#[test]
fn a_loss_lowers_the_deposit_index_by_at_least_the_loss() {
    let totals = BankTotals {
        deposit_units: 3,
        borrow_units: 0,
        indices: BankIndices::ONE,
    };
    let s = socialize(&totals, 1).unwrap();
    // 1 / 3 per unit, rounded up: 3 units lose 1.000…002; the 2e-18 is dust.
    assert_eq!(
        s.indices.deposit,
        Fixed::from_raw(1_000_000_000_000_000_000 - 333_333_333_333_333_334)
    );
    assert_eq!(s.removed, Fixed::from_raw(1_000_000_000_000_000_002));
    assert_eq!(s.dust, Fixed::from_raw(2));
    assert_eq!(s.unsocialized, 0);
}

#[test]
fn a_loss_beyond_every_deposit_leaves_the_index_at_its_floor_and_reports_the_rest() {
    let totals = BankTotals {
        deposit_units: 100,
        borrow_units: 0,
        indices: BankIndices::ONE,
    };
    let s = socialize(&totals, 150).unwrap();
    assert_eq!(s.indices.deposit, accrual::MIN_DEPOSIT_INDEX);
    assert_eq!(s.removed, Fixed::from_raw(99_900_000_000_000_000_000));
    assert_eq!(s.unsocialized, 51);
    assert_eq!(s.dust, Fixed::from_raw(900_000_000_000_000_000));
}

#[test]
fn withdrawable_stops_exactly_at_the_cap() {
    let totals = BankTotals {
        deposit_units: 1_000,
        borrow_units: 900,
        indices: BankIndices::ONE,
    };
    // 900 / 0.95 = 947.37 → 948 must stay: 52 may leave.
    assert_eq!(totals.withdrawable(9_500).unwrap(), 52);
    let after = BankTotals {
        deposit_units: 948,
        ..totals
    };
    assert!(after.utilization().unwrap() <= Fixed::from_bps(9_500));
    let beyond = BankTotals {
        deposit_units: 947,
        ..totals
    };
    assert!(beyond.utilization().unwrap() > Fixed::from_bps(9_500));
}

fn index() -> impl Strategy<Value = i128> {
    1_000_000_000_000_000i128..5_000_000_000_000_000_000
}

proptest! {
    #[test]
    fn a_change_loses_nothing_and_rounds_for_the_protocol(d in index(), b in index(), units in -1_000_000_000_000i64..1_000_000_000_000, delta in -1_000_000_000_000i64..1_000_000_000_000) {
        let bank = idx(d, b.max(d));
        let change = bank.change(units, delta).unwrap();
        let before = bank.value(units).unwrap();
        let after = bank.value(change.units_after).unwrap();
        // Exact: the new value plus the dust is the old value plus the delta.
        prop_assert_eq!(after.add(change.dust).unwrap(), before.add(Fixed::from_i64(delta)).unwrap());
        prop_assert!(!change.dust.is_negative());
        // The dust is less than one unit's worth.
        prop_assert!(change.dust.raw() < bank.deposit.raw().max(bank.borrow.raw()));
        // The native balance never shows more than the exact value.
        prop_assert!(Fixed::from_i64(change.native_after) <= after);
    }

    #[test]
    fn accrual_is_exact_and_never_lowers_an_index(d in index(), b in index(), deposits in 1u64..1_000_000_000_000, borrowed_share in 0u64..=100, secs in 0i64..10_000_000, share in 0u16..=5_000) {
        let indices = idx(d, b);
        let deposit_value = indices.value(deposits as i64).unwrap();
        let borrow_units = indices.units_for(deposit_value.mul_down(Fixed::from_bps(borrowed_share as u32 * 100)).unwrap().neg().unwrap()).unwrap().unsigned_abs();
        let totals = BankTotals { deposit_units: deposits, borrow_units, indices };
        let a = accrue(&totals, &CURVE, share, secs).unwrap();
        prop_assert!(a.indices.borrow >= indices.borrow && a.indices.deposit >= indices.deposit);
        let to_depositors = Fixed::from_raw((a.indices.deposit.raw() - indices.deposit.raw()) * deposits as i128);
        let booked = to_depositors.add(Fixed::from_u64(a.protocol_native)).unwrap().add(a.dust).unwrap();
        prop_assert_eq!(booked, a.interest);
        prop_assert!(!a.dust.is_negative());
        let owed = Fixed::from_raw((a.indices.borrow.raw() - indices.borrow.raw()) * borrow_units as i128);
        prop_assert_eq!(owed, a.interest);
    }

    #[test]
    fn socialisation_takes_at_least_the_loss_and_at_most_one_raw_unit_per_deposit_unit_more(deposits in 1u64..1_000_000_000_000, loss_share in 0u64..=100) {
        let totals = BankTotals { deposit_units: deposits, borrow_units: 0, indices: BankIndices::ONE };
        let loss = deposits * loss_share / 200;
        let s = socialize(&totals, loss).unwrap();
        prop_assert_eq!(s.unsocialized, 0);
        prop_assert!(s.removed >= Fixed::from_u64(loss));
        prop_assert!(s.dust.raw() < deposits as i128);
        prop_assert_eq!(s.removed.sub(Fixed::from_u64(loss)).unwrap(), s.dust);
    }

    #[test]
    fn the_rate_never_falls_as_utilisation_rises(a in 0u32..=10_000, b in 0u32..=10_000) {
        let (lo, hi) = (a.min(b), a.max(b));
        prop_assert!(CURVE.borrow_rate(Fixed::from_bps(lo)).unwrap() <= CURVE.borrow_rate(Fixed::from_bps(hi)).unwrap());
    }

    #[test]
    fn withdrawing_what_is_withdrawable_keeps_utilisation_within_the_cap(deposits in 1u64..1_000_000_000, borrow_pct in 0u64..=95, cap in 5_000u16..=9_800) {
        let borrows = deposits * borrow_pct / 100;
        let totals = BankTotals { deposit_units: deposits, borrow_units: borrows, indices: BankIndices::ONE };
        let w = totals.withdrawable(cap).unwrap();
        let after = BankTotals { deposit_units: deposits - w, ..totals };
        // Nothing may leave while utilisation is already above the cap.
        prop_assert!(w == 0 || after.borrows_native().unwrap() as u128 * 10_000 <= after.deposits_native().unwrap() as u128 * cap as u128);
        if w < deposits {
            let more = BankTotals { deposit_units: deposits - w - 1, ..totals };
            prop_assert!(more.borrows_native().unwrap() as u128 * 10_000 > more.deposits_native().unwrap() as u128 * cap as u128 || borrows == 0);
        }
    }
}
