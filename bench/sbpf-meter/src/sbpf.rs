//! The sBPF side of the harness: the entrypoint, a bump allocator over the program heap, the
//! panic handler. Compiled only for `target_arch = "bpf"`.

use core::alloc::{GlobalAlloc, Layout};

extern "C" {
    /// Sets the instruction's return data.
    fn sol_set_return_data(data: *const u8, length: u64);
    /// Aborts the program.
    fn abort() -> !;
}

/// Error returned for undecodable input or a math error (a custom program error).
const ERROR: u64 = 1 << 32;

/// The program entrypoint. Expects no accounts: the serialised input is then the account count
/// (0, u64), the instruction data's length (u64) and the data.
///
/// # Safety
/// Called by the runtime with a pointer to the serialised input.
#[no_mangle]
pub unsafe extern "C" fn entrypoint(input: *const u8) -> u64 {
    let accounts = core::ptr::read_unaligned(input as *const u64);
    if accounts != 0 {
        return ERROR;
    }
    let len = core::ptr::read_unaligned(input.add(8) as *const u64) as usize;
    let data = core::slice::from_raw_parts(input.add(16), len);
    match crate::run(data) {
        Ok(out) => {
            if out.len > 0 {
                sol_set_return_data(out.bytes.as_ptr(), out.len as u64);
            }
            0
        }
        Err(_) => ERROR,
    }
}

/// Start of the program heap in the sBPF address space.
const HEAP_START: usize = 0x3_0000_0000;
/// Size of the default program heap.
const HEAP_LEN: usize = 32 * 1024;

/// Allocates upwards from the heap start; never frees (a program runs for one instruction).
/// The next free address lives in the heap's first word (programs have no writable statics).
struct BumpAllocator;

unsafe impl GlobalAlloc for BumpAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let next = HEAP_START as *mut usize;
        let free = if *next == 0 {
            HEAP_START + core::mem::size_of::<usize>()
        } else {
            *next
        };
        let start = (free + layout.align() - 1) & !(layout.align() - 1);
        match start.checked_add(layout.size()) {
            Some(end) if end <= HEAP_START + HEAP_LEN => {
                *next = end;
                start as *mut u8
            }
            _ => core::ptr::null_mut(),
        }
    }

    unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}
}

#[global_allocator]
static ALLOCATOR: BumpAllocator = BumpAllocator;

#[panic_handler]
fn panic(_info: &core::panic::PanicInfo<'_>) -> ! {
    // SAFETY: the runtime's abort syscall ends the program.
    unsafe { abort() }
}
