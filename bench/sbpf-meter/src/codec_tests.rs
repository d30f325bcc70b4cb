//! Round trips of the codec: what `encode*` writes, the readers read back.

use super::*;

/// The reader over `data`, with the header read.
fn read(data: &[u8]) -> (Vec<u64>, Result<Mode, DecodeError>) {
    let words = words(data).unwrap().into_owned();
    let mode = read_mode(&mut Reader::new(&words));
    (words, mode)
}

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
    assert_eq!(data.len(), 8 * (1 + COLLATERAL_WORDS + 2 * PERP_WORDS));
    let words = words(&data).unwrap();
    let mut reader = Reader::new(&words);
    assert_eq!(
        read_mode(&mut reader),
        Ok(Mode::Health(HealthKind::LiquidationEnd))
    );
    let cache = decode(&mut reader).unwrap();
    assert_eq!(cache.collaterals(), &[collateral]);
    assert_eq!(cache.perps(), &[perp, perp]);
    // One word short.
    let mut reader = Reader::new(&words[..words.len() - 1]);
    assert!(read_mode(&mut reader).is_ok());
    assert_eq!(decode(&mut reader).err(), Some(DecodeError::Truncated));
    assert_eq!(
        super::words(&data[..data.len() - 1]).err(),
        Some(DecodeError::Truncated)
    );
}

#[test]
fn unaligned_data_is_copied_to_the_same_words() {
    let data = encode_operands(Mode::MulDown, Fixed::from_raw(-5), Fixed::ONE);
    let mut shifted = vec![0u8; data.len() + 1];
    shifted[1..].copy_from_slice(&data);
    assert_eq!(words(&shifted[1..]).unwrap(), words(&data).unwrap());
    let (words, mode) = read(&data);
    assert_eq!(mode, Ok(Mode::MulDown));
    let mut reader = Reader::new(&words);
    read_mode(&mut reader).unwrap();
    assert_eq!(
        read_operands(&mut reader),
        Ok((Fixed::from_raw(-5), Fixed::ONE))
    );
}

#[test]
fn band_checks_read_back_what_encode_wrote() {
    let checks = [
        (Fixed::from_raw(i128::MIN), i64::MAX, 500),
        (Fixed::from_raw(150_000_000_500_000_000_000_000_000), -1, 1),
    ];
    let data = encode_band_checks(&checks);
    let (words, mode) = read(&data);
    assert_eq!(mode, Ok(Mode::WithinBps));
    let mut reader = Reader::new(&words);
    read_mode(&mut reader).unwrap();
    assert_eq!(read_count(&mut reader), Ok(2));
    for check in checks {
        assert_eq!(read_band_check(&mut reader), Ok(check));
    }
    assert_eq!(
        read_band_check(&mut reader).err(),
        Some(DecodeError::Truncated)
    );
    let mut too_many = data[..8].to_vec();
    too_many.extend_from_slice(&(u64::from(MAX_BAND_CHECKS) + 1).to_le_bytes());
    let (words, _) = read(&too_many);
    let mut reader = Reader::new(&words);
    read_mode(&mut reader).unwrap();
    assert_eq!(read_count(&mut reader).err(), Some(DecodeError::TooMany));
}

#[test]
fn bank_operands_read_back_what_encode_wrote() {
    let data = encode_bank(
        Mode::BankAccrue,
        Fixed::ONE,
        Fixed::from_raw(7),
        &[-1, 2, 86_400],
    );
    let (words, mode) = read(&data);
    assert_eq!(mode, Ok(Mode::BankAccrue));
    let mut reader = Reader::new(&words);
    read_mode(&mut reader).unwrap();
    assert_eq!(read_operands_one(&mut reader), Ok(Fixed::ONE));
    assert_eq!(read_operands_one(&mut reader), Ok(Fixed::from_raw(7)));
    for w in [-1, 2, 86_400] {
        assert_eq!(read_i64(&mut reader), Ok(w));
    }
}
