//! Stack frames of the harness program (host side, for the runner).
//!
//! On SBPF v0 every call gets a fixed frame of 4 096 bytes below the frame pointer `r10`, and
//! Agave maps a gap between frames; the program never moves `r10`. LLVM's BPF backend lays a
//! function's locals and spill slots out at fixed negative offsets and addresses them directly
//! (`ldxdw r1, [r10 − 56]`) or through a pointer it derives (`mov r2, r10; add r2, −512`, the
//! lowest address of a 512-byte object). Two readings:
//! - [`from_remarks`]: LLVM's own frame size of every function, with its name, from the
//!   linker's log of the build (LLVM refuses a frame of more than `-bpf-stack-size` itself);
//! - [`elf_frames`]: the final program's code, which names no functions but its entry point:
//!   the deepest byte below `r10` that any function addresses (each scanned linearly, following
//!   which registers hold `r10 − k`), and the functions that address memory at or above `r10`.
//!   Only arguments passed on the stack go there (a call of more than five argument
//!   registers: LLVM passes the rest through `r11`, and sbpf-linker rewrites that to the
//!   caller's `r10 + k` and the callee's `r10 − 4096 + k`, which assumes frames without gaps):
//!   it links, and fails at run time with an access violation.

/// SBPF v0's stack frame, bytes.
pub const FRAME_LIMIT: u64 = 4_096;

/// The frame of one function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// The symbol's name.
    pub name: String,
    /// Bytes of its frame.
    pub bytes: u64,
}

/// Little-endian reads that fail instead of panicking.
fn read<const N: usize>(data: &[u8], at: usize) -> Result<[u8; N], String> {
    data.get(at..at + N)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| format!("ELF truncated at byte {at}"))
}

fn u16_at(data: &[u8], at: usize) -> Result<u16, String> {
    read::<2>(data, at).map(u16::from_le_bytes)
}

fn u32_at(data: &[u8], at: usize) -> Result<u32, String> {
    read::<4>(data, at).map(u32::from_le_bytes)
}

fn u64_at(data: &[u8], at: usize) -> Result<u64, String> {
    read::<8>(data, at).map(u64::from_le_bytes)
}

/// The executable section: (file offset, size), and the entry point's instruction index in it.
fn text(elf: &[u8]) -> Result<(usize, usize, u64), String> {
    const PROGBITS: u32 = 1;
    const EXECINSTR: u64 = 4;
    if elf.get(..4) != Some(b"\x7fELF".as_slice()) || elf.get(4) != Some(&2) {
        return Err("not a 64-bit ELF".into());
    }
    let entry = u64_at(elf, 0x18)?;
    let table = u64_at(elf, 0x28)? as usize;
    let (entry_size, count) = (u16_at(elf, 0x3a)? as usize, u16_at(elf, 0x3c)? as usize);
    for i in 0..count {
        let at = table + i * entry_size;
        let (kind, flags, addr) = (
            u32_at(elf, at + 4)?,
            u64_at(elf, at + 8)?,
            u64_at(elf, at + 0x10)?,
        );
        let (offset, size) = (
            u64_at(elf, at + 0x18)? as usize,
            u64_at(elf, at + 0x20)? as usize,
        );
        if kind == PROGBITS && flags & EXECINSTR != 0 && (addr..addr + size as u64).contains(&entry)
        {
            return Ok((offset, size, (entry - addr) / 8));
        }
    }
    Err("no executable section holds the entry point".into())
}

/// The functions of the code: the entry point and every internal call's target (`call imm`
/// with `src = 1`, relative to the next instruction), each running to the next one.
fn functions(code: &[u8], entry: u64) -> Vec<(u64, u64)> {
    let slots = code.len() as u64 / 8;
    let mut starts = vec![0, entry];
    for (i, insn) in code.chunks_exact(8).enumerate() {
        let imm = i64::from(i32::from_le_bytes([insn[4], insn[5], insn[6], insn[7]]));
        if insn[0] == 0x85 && insn[1] >> 4 == 1 && imm != -1 {
            if let Ok(target) = u64::try_from(i as i64 + 1 + imm) {
                starts.push(target);
            }
        }
    }
    starts.retain(|s| *s < slots);
    starts.sort_unstable();
    starts.dedup();
    let ends = starts.iter().skip(1).copied().chain([slots]);
    starts.iter().copied().zip(ends).collect()
}

/// What one function's code addresses relative to `r10`: the deepest byte below it, and the
/// highest offset at or above it (only stack-passed arguments go there, see the module doc).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Reach {
    below: u64,
    above: Option<i64>,
}

/// What the instructions `code` (8-byte slots, `lddw` taking two) address relative to `r10`.
fn reach(code: &[u8]) -> Reach {
    // What each register holds relative to r10, when known.
    let mut derived: [Option<i64>; 11] = [None; 11];
    let (mut deepest, mut above) = (0i64, None::<i64>);
    let mut at = 0;
    while let Some(insn) = code.get(at..at + 8) {
        derived[10] = Some(0);
        let (op, dst, src) = (
            insn[0],
            usize::from(insn[1] & 0xf).min(10),
            usize::from(insn[1] >> 4).min(10),
        );
        let off = i64::from(i16::from_le_bytes([insn[2], insn[3]]));
        let imm = i64::from(i32::from_le_bytes([insn[4], insn[5], insn[6], insn[7]]));
        at += if op == 0x18 { 16 } else { 8 };
        let mut address = |base: usize| {
            if let Some(k) = derived[base] {
                deepest = deepest.max(-(k + off));
                if k + off >= 0 {
                    above = above.max(Some(k + off));
                }
            }
        };
        match op & 0x07 {
            // ldx: dst = [src + off]
            0x01 => {
                address(src);
                derived[dst] = None;
            }
            // st / stx: [dst + off] = imm / src
            0x02 | 0x03 => address(dst),
            // alu64: follow moves and constant additions of r10-derived values
            0x07 => {
                derived[dst] = match op {
                    0xbf => derived[src],
                    0x07 => derived[dst].map(|k| k + imm),
                    0x17 => derived[dst].map(|k| k - imm),
                    _ => None,
                };
                if let Some(k) = derived[dst] {
                    deepest = deepest.max(-k);
                }
            }
            // calls clobber the argument and return registers; jumps write none
            0x05 if op == 0x85 || op == 0x8d => derived[..6].fill(None),
            0x05 => {}
            _ => derived[dst] = None,
        }
    }
    Reach {
        below: deepest.max(0) as u64,
        above,
    }
}

/// The program's frames as its code addresses them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ElfFrames {
    /// Functions found (the entry point and every internal call's target).
    pub functions: usize,
    /// The deepest byte below `r10` any function addresses.
    pub deepest: u64,
    /// Code offsets (bytes into the executable section) of the functions that address memory
    /// at or above `r10`: arguments passed on the stack, which SBPF v0 with frame gaps turns
    /// into an access violation.
    pub stack_arguments: Vec<u64>,
}

/// Reads the frames of the program `elf`. The final program names no functions but its entry
/// point, so functions are told apart by the calls that reach them.
pub fn elf_frames(elf: &[u8]) -> Result<ElfFrames, String> {
    let (offset, size, entry) = text(elf)?;
    let code = elf
        .get(offset..offset + size)
        .ok_or("executable section past the end of the ELF")?;
    let functions = functions(code, entry);
    let mut out = ElfFrames {
        functions: functions.len(),
        ..ElfFrames::default()
    };
    for (start, end) in functions {
        let body = code
            .get(start as usize * 8..end as usize * 8)
            .unwrap_or(&[]);
        let reach = reach(body);
        out.deepest = out.deepest.max(reach.below);
        if reach.above.is_some() {
            out.stack_arguments.push(start * 8);
        }
    }
    Ok(out)
}

/// LLVM's frame size of every function it generated, largest first, from the linker log of
/// the build (`-pass-remarks-analysis=prologepilog`: "N stack bytes in function 'name'"); only
/// the last link in the log counts (the log is appended to, each link starting with its
/// command line).
pub fn from_remarks(log: &str) -> Vec<Frame> {
    const MARK: &str = " stack bytes in function '";
    let last = log.rfind("command line:").map_or(log, |at| &log[at..]);
    let mut out: Vec<Frame> = Vec::new();
    for line in last.lines() {
        let Some((before, after)) = line.split_once(MARK) else {
            continue;
        };
        let bytes = before.rsplit(' ').next().and_then(|n| n.parse().ok());
        let name = after.split('\'').next().unwrap_or_default();
        if let Some(bytes) = bytes {
            match out.iter_mut().find(|f| f.name == name) {
                Some(f) => f.bytes = f.bytes.max(bytes),
                None => out.push(Frame {
                    name: name.to_string(),
                    bytes,
                }),
            }
        }
    }
    out.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.name.cmp(&b.name)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One instruction.
    fn insn(op: u8, dst: u8, src: u8, off: i16, imm: i32) -> Vec<u8> {
        let mut v = vec![op, dst | (src << 4)];
        v.extend_from_slice(&off.to_le_bytes());
        v.extend_from_slice(&imm.to_le_bytes());
        v
    }

    #[test]
    fn direct_and_derived_frame_addresses_count() {
        // stxdw [r10 − 24], r1; mov r2, r10; add r2, −300; stxb [r2 + 8], r1
        let code = [
            insn(0x7b, 10, 1, -24, 0),
            insn(0xbf, 2, 10, 0, 0),
            insn(0x07, 2, 0, 0, -300),
            insn(0x73, 2, 1, 8, 0),
        ]
        .concat();
        assert_eq!(
            reach(&code),
            Reach {
                below: 300,
                above: None
            }
        );
        // ldxdw r1, [r10 − 4104]: past the frame
        assert_eq!(reach(&insn(0x79, 1, 10, -4104, 0)).below, 4104);
        // A derived pointer forgotten after a call or another write.
        let code = [
            insn(0xbf, 2, 10, 0, 0),
            insn(0x85, 0, 0, 0, 7),
            insn(0x07, 2, 0, 0, -5000),
            insn(0xbf, 6, 10, 0, 0),
            insn(0xb7, 6, 0, 0, 0),
            insn(0x07, 6, 0, 0, -6000),
        ]
        .concat();
        assert_eq!(reach(&code).below, 0);
        // lddw takes two slots; its second half is not an instruction.
        let code = [
            insn(0x18, 1, 0, 0, 0),
            insn(0x7b, 10, 1, -4000, 0),
            insn(0x7b, 10, 1, -16, 0),
        ]
        .concat();
        assert_eq!(reach(&code).below, 16);
        // A sixth argument stored above r10 for the callee.
        assert_eq!(reach(&insn(0x7b, 10, 0, 8, 0)).above, Some(8));
    }

    #[test]
    fn functions_are_the_entry_and_the_call_targets() {
        // 0: call +2 (→ 3); 1: exit; 2: exit; 3: call −3 (→ 1); 4: exit; entry at 2
        let code = [
            insn(0x85, 0, 1, 0, 2),
            insn(0x95, 0, 0, 0, 0),
            insn(0x95, 0, 0, 0, 0),
            insn(0x85, 0, 1, 0, -3),
            insn(0x95, 0, 0, 0, 0),
        ]
        .concat();
        assert_eq!(functions(&code, 2), vec![(0, 1), (1, 2), (2, 3), (3, 5)]);
    }

    #[test]
    fn remarks_of_the_last_link_count() {
        let log = "INFO command line: a\nDEBUG remark: <unknown>:0:0: 9000 stack bytes in function 'old'\n\
                   INFO command line: b\nDEBUG remark: <unknown>:0:0: 0 stack bytes in function 'f'\n\
                   DEBUG remark: <unknown>:0:0: 560 stack bytes in function '_RNvC1a1g'\nDEBUG remark: x\n";
        let frames = from_remarks(log);
        assert_eq!(
            frames,
            vec![
                Frame {
                    name: "_RNvC1a1g".into(),
                    bytes: 560
                },
                Frame {
                    name: "f".into(),
                    bytes: 0
                }
            ]
        );
    }
}
