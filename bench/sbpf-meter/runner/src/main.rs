//! `sbpf-meter PROGRAM.so --linker-log LOG [--write]`: meters keel-risk's health engine on real
//! sBPF.
//!
//! Loads the harness program (built by `scripts/sbpf-meter.sh`) into LiteSVM, runs every mode
//! over accounts of 1, 2, 4, 8, 16 perp positions × 1, 4, 8 collaterals, with and without
//! resting orders, and checks that each sBPF result equals the native one (the same `run`
//! compiled for the host). Then writes the CU table to `bench/sbpf-meter/CU.md` and compares
//! every figure with `bench/sbpf-meter/thresholds.txt`: it fails when one exceeds its threshold
//! by more than the margin written there. `--write` rewrites the thresholds from this run.
//! Before metering it reads the program's stack frames (`keel_sbpf_meter::frames`: LLVM's frame
//! sizes from the linker's log `LOG`, and what the code itself addresses) and fails when one
//! exceeds SBPF v0's 4 096 bytes or a call passes arguments on the stack; the table lists the
//! largest.

mod accounts;
mod table;

use keel_risk::math::{Fixed, Rounding};
use keel_risk::risk::HealthKind;
use keel_sbpf_meter::{codec, frames, run, Mode};
use litesvm::LiteSVM;
use solana_compute_budget_interface::ComputeBudgetInstruction;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::Transaction;
use std::path::Path;
use std::process::ExitCode;
use table::{Case, Measurement};

/// Perp positions metered.
const PERPS: [usize; 5] = [1, 2, 4, 8, 16];
/// Collateral balances metered.
const COLLATERALS: [usize; 3] = [1, 4, 8];
/// The modes metered, with their column names.
const MODES: [(&str, Mode); 4] = [
    ("decode", Mode::DecodeOnly),
    ("init", Mode::Health(HealthKind::Init)),
    ("all3", Mode::AllKinds),
    ("sizing", Mode::Sizing),
];

/// One multiplication or division of `Fixed`, with the operands typical of the engine.
struct Primitive {
    name: &'static str,
    mode: Mode,
    a: Fixed,
    b: Fixed,
}

/// `mantissa · 10^exponent`, exact for the values used here.
fn d(mantissa: i64, exponent: i32) -> Fixed {
    Fixed::from_scientific(mantissa, exponent, Rounding::Down).unwrap_or(Fixed::ZERO)
}

/// The primitives metered: a balance times a price, a value times a weight, two fractions, a
/// midpoint's halving, a division by a price.
fn primitives() -> [Primitive; 5] {
    let value = d(2_000_000_123, 0);
    [
        Primitive {
            name: "mul-balance-price",
            mode: Mode::MulDown,
            a: Fixed::from_i64(20_000_000_000),
            b: d(1, -1),
        },
        Primitive {
            name: "mul-value-weight",
            mode: Mode::MulDown,
            a: value,
            b: d(8, -1),
        },
        Primitive {
            name: "mul-fractions",
            mode: Mode::MulDown,
            a: Fixed::from_raw(123_456_789_123_456_789),
            b: Fixed::from_raw(987_654_321_987_654_321),
        },
        Primitive {
            name: "div-by-two",
            mode: Mode::DivDown,
            a: d(19, -1),
            b: Fixed::from_i64(2),
        },
        Primitive {
            name: "div-by-price",
            mode: Mode::DivDown,
            a: value,
            b: d(101, -3),
        },
    ]
}

/// The bank's primitives: a quote credit of 123.456789 USDC onto a borrow of 1 000 USDC at
/// indices a year of interest away from one, and a day's accrual at 80 % utilisation.
fn bank_primitives() -> [(&'static str, Vec<u8>); 2] {
    let (deposit, borrow) = (Fixed::from_raw(1_081_234_567_891_234_567), Fixed::from_raw(1_104_987_654_321_987_654));
    [
        ("bank-change", codec::encode_bank(Mode::BankChange, deposit, borrow, &[-905_000_000, 123_456_789])),
        ("bank-accrue", codec::encode_bank(Mode::BankAccrue, deposit, borrow, &[1_000_000_000_000, 800_000_000_000, 86_400])),
    ]
}

/// Band checks metered by [`Mode::WithinBps`]: the marginal CU is (all − first) / (all − 1).
const BAND_CHECKS: usize = codec::MAX_BAND_CHECKS as usize;

/// The order-price band checks metered: two oracle prices in quote lots per base lot
/// (1 000 000.123456789123456789 and 150 000 000.5), bands of 1 to 500 bps, and an order price
/// (lots) at each edge of each band, just inside and just outside; with whether it is inside,
/// worked out here in integers (`v · 10^22` against `raw · (10 000 ± bps)`).
fn band_checks() -> Vec<((Fixed, i64, u16), bool)> {
    const REFERENCES: [i128; 2] = [
        1_000_000_123_456_789_123_456_789,
        150_000_000_500_000_000_000_000_000,
    ];
    const BPS: [u16; 8] = [1, 5, 10, 25, 50, 100, 250, 500];
    const SCALE: i128 = 10_000 * 1_000_000_000_000_000_000;
    let mut out = Vec::new();
    for raw in REFERENCES {
        for bps in BPS {
            let high = raw * (10_000 + i128::from(bps)) / SCALE;
            let low = (raw * (10_000 - i128::from(bps)) + SCALE - 1) / SCALE;
            let reference = Fixed::from_raw(raw);
            for (value, inside) in [
                (high, true),
                (high + 1, false),
                (low, true),
                (low - 1, false),
            ] {
                out.push(((reference, value as i64, bps), inside));
            }
        }
    }
    out
}

/// Meters [`Mode::WithinBps`] over the first check and over all of them, after checking that
/// every native answer is the expected one: (first, all, marginal per check).
fn meter_band_checks(meter: &mut Meter, empty: u64) -> Result<[(&'static str, u64); 3], String> {
    let checks = band_checks();
    let inputs: Vec<_> = checks.iter().map(|(c, _)| *c).collect();
    let expected = checks
        .iter()
        .enumerate()
        .fold(0u64, |bits, (i, (_, inside))| {
            bits | u64::from(*inside) << i
        });
    let data = codec::encode_band_checks(&inputs);
    let native = run(&data).map_err(|e| format!("native run of within-bps: {e:?}"))?;
    if native.as_slice() != expected.to_le_bytes() || inputs.len() != BAND_CHECKS {
        return Err(format!(
            "within-bps: native {:?}, expected {expected:#x}",
            native.as_slice()
        ));
    }
    let first = meter.compare(
        codec::encode_band_checks(&inputs[..1]),
        "within-bps x1",
        empty,
    )?;
    let all = meter.compare(data, "within-bps x64", empty)?;
    let marginal = all.saturating_sub(first) / (BAND_CHECKS as u64 - 1);
    Ok([
        ("within-bps-x1", first),
        ("within-bps-x64", all),
        ("within-bps-per-call", marginal),
    ])
}

/// The harness program loaded into a LiteSVM with a funded payer.
struct Meter {
    svm: LiteSVM,
    payer: Keypair,
    program: Keypair,
}

impl Meter {
    fn new(so: &[u8]) -> Result<Self, String> {
        let mut svm = LiteSVM::new();
        let (payer, program) = (Keypair::new(), Keypair::new());
        svm.add_program(program.pubkey(), so)
            .map_err(|e| format!("loading the program: {e:?}"))?;
        svm.airdrop(&payer.pubkey(), 10_000_000_000)
            .map_err(|e| format!("airdrop: {e:?}"))?;
        Ok(Self {
            svm,
            payer,
            program,
        })
    }

    /// Runs `data` on sBPF: (compute units consumed, return data).
    fn call(&mut self, data: Vec<u8>) -> Result<(u64, Vec<u8>), String> {
        let ix = Instruction {
            program_id: self.program.pubkey(),
            accounts: vec![],
            data,
        };
        let budget = ComputeBudgetInstruction::set_compute_unit_limit(1_400_000);
        let blockhash = self.svm.latest_blockhash();
        let tx = Transaction::new_signed_with_payer(
            &[budget, ix],
            Some(&self.payer.pubkey()),
            &[&self.payer],
            blockhash,
        );
        let result = self.svm.send_transaction(tx);
        self.svm.expire_blockhash();
        match result {
            Ok(meta) => Ok((meta.compute_units_consumed, meta.return_data.data)),
            Err(failed) => Err(format!("{:?}\n{}", failed.err, failed.meta.logs.join("\n"))),
        }
    }

    /// Runs `data` on sBPF and natively, checks the results are equal; the CU net of an empty
    /// call.
    fn compare(&mut self, data: Vec<u8>, what: &str, empty: u64) -> Result<u64, String> {
        let native = run(&data).map_err(|e| format!("native run of {what}: {e:?}"))?;
        let (units, returned) = self
            .call(data)
            .map_err(|e| format!("sBPF run of {what}: {e}"))?;
        if returned != native.as_slice() {
            return Err(format!(
                "{what}: sBPF returned {returned:?}, native {:?}",
                native.as_slice()
            ));
        }
        Ok(units.saturating_sub(empty))
    }

    /// Runs `mode` over an account on sBPF and natively; the CU net of an empty call.
    fn measure(&mut self, mode: Mode, case: &Case, empty: u64) -> Result<u64, String> {
        let collaterals = accounts::collaterals(case.collaterals);
        let perps = accounts::perps(case.perps, case.orders);
        self.compare(
            codec::encode(mode, &collaterals, &perps),
            &format!("{case:?} {mode:?}"),
            empty,
        )
    }
}

fn main() -> ExitCode {
    match meter() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("sbpf-meter: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Meters every case; `Ok(false)` when a figure regressed past its threshold.
fn meter() -> Result<bool, String> {
    let args: Vec<String> = std::env::args().collect();
    let so_path = args
        .get(1)
        .ok_or("usage: sbpf-meter PROGRAM.so --linker-log LOG [--write]")?;
    let write = args.iter().any(|a| a == "--write");
    let log = args
        .iter()
        .position(|a| a == "--linker-log")
        .and_then(|i| args.get(i + 1))
        .map(|path| std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}")))
        .transpose()?;
    let so = std::fs::read(so_path).map_err(|e| format!("{so_path}: {e}"))?;
    let frames = table::Frames {
        llvm: log.as_deref().map(frames::from_remarks).unwrap_or_default(),
        elf: frames::elf_frames(&so)?,
    };
    let frame_errors = frames.errors();
    for line in &frame_errors {
        eprintln!("sbpf-meter: {line}");
    }
    if !frame_errors.is_empty() {
        return Ok(false);
    }
    let mut meter = Meter::new(&so)?;
    let (empty, _) = meter.call(codec::encode(Mode::Noop, &[], &[]))?;
    let mut measurements = Vec::new();
    for orders in [false, true] {
        for collaterals in COLLATERALS {
            for perps in PERPS {
                let case = Case {
                    collaterals,
                    perps,
                    orders,
                };
                for (column, mode) in MODES {
                    let units = meter.measure(mode, &case, empty)?;
                    measurements.push(Measurement {
                        case,
                        column,
                        units,
                    });
                }
            }
        }
    }
    let mut ops = Vec::new();
    for p in primitives() {
        let units = meter.compare(codec::encode_operands(p.mode, p.a, p.b), p.name, empty)?;
        ops.push((p.name, units));
    }
    for (name, data) in bank_primitives() {
        let units = meter.compare(data, name, empty)?;
        ops.push((name, units));
    }
    ops.extend(meter_band_checks(&mut meter, empty)?);
    println!(
        "sbpf-meter: {} runs, every sBPF result equal to the native one",
        measurements.len() + ops.len()
    );
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("no bench/sbpf-meter")?;
    let markdown = table::markdown(&measurements, &ops, empty, &frames);
    std::fs::write(dir.join("CU.md"), &markdown).map_err(|e| format!("CU.md: {e}"))?;
    println!("{markdown}");
    let figures = table::figures(&measurements, &ops);
    let thresholds = dir.join("thresholds.txt");
    if write {
        std::fs::write(&thresholds, table::thresholds_file(&figures))
            .map_err(|e| format!("thresholds.txt: {e}"))?;
        println!("sbpf-meter: wrote {}", thresholds.display());
        return Ok(true);
    }
    let text = std::fs::read_to_string(&thresholds)
        .map_err(|e| format!("{}: {e}", thresholds.display()))?;
    let regressions = table::regressions(&figures, &text)?;
    for line in &regressions {
        eprintln!("sbpf-meter: regression: {line}");
    }
    Ok(regressions.is_empty())
}
