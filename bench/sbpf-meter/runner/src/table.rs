//! The CU table (markdown), its figures (totals and marginal CU per perp position and per
//! collateral) and the regression check against the committed thresholds.

use std::collections::BTreeMap;
use keel_sbpf_meter::demangle::demangle;
use keel_sbpf_meter::frames::{ElfFrames, Frame, FRAME_LIMIT};
use std::fmt::Write;

/// One metered account shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Case {
    /// Collateral balances.
    pub collaterals: usize,
    /// Perp positions.
    pub perps: usize,
    /// Whether every position has resting bids and asks.
    pub orders: bool,
}

/// The CU of one mode over one case, net of an empty call.
#[derive(Clone, Copy, Debug)]
pub struct Measurement {
    /// The account.
    pub case: Case,
    /// The mode's column name.
    pub column: &'static str,
    /// Compute units.
    pub units: u64,
}

/// The columns, in table order.
const COLUMNS: [&str; 4] = ["decode", "init", "all3", "sizing"];

fn orders_name(orders: bool) -> &'static str {
    if orders {
        "orders"
    } else {
        "no-orders"
    }
}

fn units(ms: &[Measurement], case: Case, column: &str) -> Option<u64> {
    ms.iter()
        .find(|m| m.case == case && m.column == column)
        .map(|m| m.units)
}

/// Σ over `(low, high)` of `(units(high) − units(low)) / (high − low)`: the marginal CU.
fn marginal(ms: &[Measurement], low: Case, high: Case, steps: usize, column: &str) -> Option<u64> {
    let (a, b) = (units(ms, low, column)?, units(ms, high, column)?);
    Some(b.saturating_sub(a) / steps.max(1) as u64)
}

/// Every figure checked against the thresholds, by key (`init/c8/p16/orders`,
/// `init/per-perp/c8/orders`, `init/per-collateral/p16/orders`, `op/mul-value-weight`).
pub fn figures(ms: &[Measurement], ops: &[(&str, u64)]) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for (name, units) in ops {
        out.insert(format!("op/{name}"), *units);
    }
    for m in ms {
        let key = format!(
            "{}/c{}/p{}/{}",
            m.column,
            m.case.collaterals,
            m.case.perps,
            orders_name(m.case.orders)
        );
        out.insert(key, m.units);
    }
    for orders in [false, true] {
        for column in COLUMNS {
            for c in [1, 4, 8] {
                let (low, high) = (
                    Case {
                        collaterals: c,
                        perps: 1,
                        orders,
                    },
                    Case {
                        collaterals: c,
                        perps: 16,
                        orders,
                    },
                );
                if let Some(v) = marginal(ms, low, high, 15, column) {
                    out.insert(format!("{column}/per-perp/c{c}/{}", orders_name(orders)), v);
                }
            }
            for p in [1, 2, 4, 8, 16] {
                let (low, high) = (
                    Case {
                        collaterals: 1,
                        perps: p,
                        orders,
                    },
                    Case {
                        collaterals: 8,
                        perps: p,
                        orders,
                    },
                );
                if let Some(v) = marginal(ms, low, high, 7, column) {
                    out.insert(
                        format!("{column}/per-collateral/p{p}/{}", orders_name(orders)),
                        v,
                    );
                }
            }
        }
    }
    out
}

/// The markdown CU table.
pub fn markdown(ms: &[Measurement], ops: &[(&str, u64)], empty: u64, frames: &Frames) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Compute units of the health engine on sBPF\n");
    let _ = writeln!(
        s,
        "Written by `scripts/sbpf-meter.sh` (do not edit): keel-risk compiled to SBPF v0 (rustc 1.96 \
         + sbpf-linker 0.2.6 with LLVM 23), run in LiteSVM 0.12.0, every result checked equal to \
         the native one. Figures are CU net of an empty call ({empty} CU, including the compute \
         budget instruction). Columns: `decode` = reading the input (aligned 64-bit words) into a `HealthCache` (in \
         every other column too); `init` = `health(Init)`; `all3` = `components` of Init, Maint and \
         LiquidationEnd; `sizing` = one liquidation sizing search on the first position \
         (`StepHealth::split` + `smallest_sufficient` over `StepHealth::with`).\n"
    );
    for orders in [false, true] {
        let title = if orders {
            "with resting bids and asks on every market"
        } else {
            "without resting orders"
        };
        let _ = writeln!(s, "## Totals, {title}\n");
        let _ = writeln!(s, "| collaterals | perps | {} |", COLUMNS.join(" | "));
        let _ = writeln!(s, "|---:|---:|{}", "---:|".repeat(COLUMNS.len()));
        for c in [1, 4, 8] {
            for p in [1, 2, 4, 8, 16] {
                let case = Case {
                    collaterals: c,
                    perps: p,
                    orders,
                };
                let cells: Vec<String> = COLUMNS
                    .iter()
                    .map(|col| units(ms, case, col).map_or("–".into(), |u| u.to_string()))
                    .collect();
                let _ = writeln!(s, "| {c} | {p} | {} |", cells.join(" | "));
            }
        }
        let _ = writeln!(s);
    }
    let figures = figures(ms, ops);
    let _ = writeln!(s, "## Marginal CU\n");
    let _ = writeln!(
        s,
        "Per perp position: (16 perps − 1 perp) / 15; per collateral: (8 − 1) / 7.\n"
    );
    let _ = writeln!(s, "| per | at | orders | {} |", COLUMNS.join(" | "));
    let _ = writeln!(s, "|---|---|---|{}", "---:|".repeat(COLUMNS.len()));
    for orders in [false, true] {
        let rows = [1, 4, 8]
            .map(|c| ("perp position", format!("c{c}")))
            .into_iter()
            .chain([1, 4, 16].map(|p| ("collateral", format!("p{p}"))));
        for (per, at) in rows {
            let key = if per == "collateral" {
                "per-collateral"
            } else {
                "per-perp"
            };
            let cells: Vec<String> = COLUMNS
                .iter()
                .map(|col| {
                    figures
                        .get(&format!("{col}/{key}/{at}/{}", orders_name(orders)))
                        .map_or("–".into(), |u| u.to_string())
                })
                .collect();
            let _ = writeln!(
                s,
                "| {per} | {at} | {} | {} |",
                if orders { "yes" } else { "no" },
                cells.join(" | ")
            );
        }
    }
    let _ = writeln!(s, "\n## Primitives\n");
    let _ = writeln!(s, "One `Fixed` operation per call, the bank's two composite operations: `bank-change` (one balance change, `BankIndices::change`) and `bank-accrue` (one interest accrual, `bank::accrue`, which every instruction touching the quote asset runs and the health check previews), and `within-bps` (`Fixed::within_bps`, an order price against its band around an oracle price): `-x1` one check, `-x64` 64 checks in one call, `-per-call` the marginal CU of one more, (x64 − x1) / 63, reading its operands and writing its result byte included; `bench/sbpf-meter/runner/src/main.rs` has the operands. Each total includes reading them and the return-data syscall (about 100 CU).\n");
    let _ = writeln!(s, "| operation | CU |\n|---|---:|");
    for (name, units) in ops {
        let _ = writeln!(s, "| {name} | {units} |");
    }
    frames_section(&mut s, frames);
    s
}

/// Functions listed in the stack-frame section.
const FRAMES_LISTED: usize = 12;

/// The program's stack frames, both readings (see `keel_sbpf_meter::frames`).
pub struct Frames {
    /// LLVM's frame sizes by function, largest first (empty without the linker's log).
    pub llvm: Vec<Frame>,
    /// What the final program's code addresses.
    pub elf: ElfFrames,
}

impl Frames {
    /// Why the program's frames fail the run: a frame over SBPF v0's limit, a call that passes
    /// arguments on the stack, or no frame sizes from LLVM at all.
    pub fn errors(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .llvm
            .iter()
            .filter(|f| f.bytes > FRAME_LIMIT)
            .map(|f| format!("stack frame of {} is {} bytes, over SBPF v0's {FRAME_LIMIT}", demangle(&f.name), f.bytes))
            .collect();
        if self.elf.deepest > FRAME_LIMIT {
            out.push(format!("the code addresses {} bytes below r10, over SBPF v0's {FRAME_LIMIT}", self.elf.deepest));
        }
        for at in &self.elf.stack_arguments {
            out.push(format!(
                "the function at byte {at:#x} of the code addresses memory above r10: arguments passed on the \
                 stack (a call of more than five argument registers), an access violation on SBPF v0"
            ));
        }
        if self.llvm.is_empty() {
            out.push("no frame sizes in the linker's log (--linker-log)".into());
        }
        out
    }
}

/// The largest stack frames.
fn frames_section(s: &mut String, frames: &Frames) {
    let _ = writeln!(s, "\n## Stack frames\n");
    let _ = writeln!(
        s,
        "LLVM's frame size of each function of the program (the linker's `-pass-remarks-analysis=prologepilog`; \
         LLVM itself refuses a frame over `-bpf-stack-size=4096`), {} functions, the {} largest below. In the \
         final program's code ({} functions: the entry point and every call's target) the deepest byte addressed \
         below `r10` is {} and {} addresses memory above it (arguments passed on the stack, which links and \
         fails at run time on SBPF v0). The run fails on a frame over {FRAME_LIMIT} bytes or on stack-passed \
         arguments.\n",
        frames.llvm.len(),
        FRAMES_LISTED.min(frames.llvm.len()),
        frames.elf.functions,
        frames.elf.deepest,
        match frames.elf.stack_arguments.len() {
            0 => "no function".to_string(),
            n => format!("{n} functions"),
        }
    );
    let _ = writeln!(s, "| function | frame bytes |\n|---|---:|");
    for f in frames.llvm.iter().take(FRAMES_LISTED) {
        let _ = writeln!(s, "| `{}` | {} |", demangle(&f.name), f.bytes);
    }
}

/// The thresholds file for `figures`: this run's figures, allowed to grow by the margin.
pub fn thresholds_file(figures: &BTreeMap<String, u64>) -> String {
    let mut s = String::from(
        "# CU thresholds of scripts/sbpf-meter.sh: a figure fails when it exceeds its threshold by more\n\
         # than margin_percent. Rewrite with `scripts/sbpf-meter.sh --write` after a deliberate change.\n\
         margin_percent 2\n",
    );
    for (key, value) in figures {
        let _ = writeln!(s, "{key} {value}");
    }
    s
}

/// Every figure above its threshold by more than the margin, or without a threshold.
pub fn regressions(
    figures: &BTreeMap<String, u64>,
    thresholds: &str,
) -> Result<Vec<String>, String> {
    let mut margin = 0u64;
    let mut limits = BTreeMap::new();
    for line in thresholds
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (key, value) = line
            .split_once(' ')
            .ok_or_else(|| format!("bad threshold line: {line}"))?;
        let value: u64 = value
            .trim()
            .parse()
            .map_err(|_| format!("bad threshold value: {line}"))?;
        if key == "margin_percent" {
            margin = value;
        } else {
            limits.insert(key.to_string(), value);
        }
    }
    let mut out = Vec::new();
    for (key, measured) in figures {
        match limits.get(key) {
            None => out.push(format!("{key} = {measured} CU has no threshold")),
            Some(limit) if measured * 100 > limit * (100 + margin) => out.push(format!(
                "{key} = {measured} CU, threshold {limit} + {margin} %"
            )),
            Some(_) => {}
        }
    }
    Ok(out)
}
