//! The compute-unit limit set from a simulation and the percentile of recent priority fees.

/// The compute-unit limit of a simulation (the most a transaction may ask).
pub const SIMULATION_CU_LIMIT: u32 = 1_400_000;
/// Headroom over the simulated compute units, percent.
pub const CU_HEADROOM_PCT: u64 = 20;
/// The smallest limit set, compute units.
pub const MIN_CU_LIMIT: u64 = 10_000;

/// The limit for `units` simulated: the units plus headroom, within bounds.
pub fn cu_limit(units: u64) -> u32 {
    let with_headroom = units.saturating_mul(100 + CU_HEADROOM_PCT) / 100;
    with_headroom.clamp(MIN_CU_LIMIT, SIMULATION_CU_LIMIT as u64) as u32
}

/// The `percentile` (0..=100) of `fees`, nearest rank; 0 for none.
pub fn percentile_fee(mut fees: Vec<u64>, percentile: u8) -> u64 {
    if fees.is_empty() {
        return 0;
    }
    fees.sort_unstable();
    let rank = (fees.len() * percentile.min(100) as usize)
        .div_ceil(100)
        .max(1);
    fees[rank - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cu_limit_adds_headroom_within_bounds() {
        assert_eq!(cu_limit(100_000), 120_000);
        assert_eq!(cu_limit(10) as u64, MIN_CU_LIMIT);
        assert_eq!(cu_limit(5_000_000), SIMULATION_CU_LIMIT);
    }

    #[test]
    fn percentile_fee_nearest_rank() {
        assert_eq!(percentile_fee(vec![], 75), 0);
        assert_eq!(percentile_fee(vec![5, 1, 3, 2, 4], 0), 1);
        assert_eq!(percentile_fee(vec![5, 1, 3, 2, 4], 50), 3);
        assert_eq!(percentile_fee(vec![5, 1, 3, 2, 4], 100), 5);
        assert_eq!(percentile_fee(vec![10, 20, 30, 40], 75), 30);
    }
}
