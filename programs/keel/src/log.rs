//! Logging, event and return-data primitives that work both on-chain and in native tests.
//!
//! On SBF these are the usual syscalls. Natively (solana-program-test, the local node) Anchor's
//! `msg!`, `emit!` and `set_return_data` do not reach the runtime, so they are routed through
//! the syscall stubs the test runtime installs; the on-chain path is unchanged.

#[cfg(not(target_os = "solana"))]
std::thread_local! {
    /// Set while a client runs the program's code off-chain (see [`off_chain`]).
    static OFF_CHAIN: core::cell::Cell<bool> = const { core::cell::Cell::new(false) };
}

/// Runs `f` with the log, events and return data switched off: a client (the Rust client's
/// health, the keeper) evaluating the program's own code off-chain has no transaction to write
/// to, and a test runtime's syscall stubs in the same process would refuse the write.
#[cfg(not(target_os = "solana"))]
pub fn off_chain<R>(f: impl FnOnce() -> R) -> R {
    let previous = OFF_CHAIN.with(|c| c.replace(true));
    let result = f();
    OFF_CHAIN.with(|c| c.set(previous));
    result
}

/// True while [`off_chain`] runs on this thread.
#[cfg(not(target_os = "solana"))]
fn is_off_chain() -> bool {
    OFF_CHAIN.with(|c| c.get())
}

/// Writes one line to the transaction log.
pub fn log(message: &str) {
    #[cfg(target_os = "solana")]
    anchor_lang::solana_program::log::sol_log(message);
    #[cfg(not(target_os = "solana"))]
    if !is_off_chain() {
        solana_sysvar::program_stubs::sol_log(message);
    }
}

/// Writes serialized event bytes to the transaction log as `Program data: <base64>`.
pub fn log_data(data: &[u8]) {
    #[cfg(target_os = "solana")]
    anchor_lang::solana_program::log::sol_log_data(&[data]);
    #[cfg(not(target_os = "solana"))]
    if !is_off_chain() {
        use base64::Engine;
        let encoded = base64::engine::general_purpose::STANDARD.encode(data);
        solana_sysvar::program_stubs::sol_log(&format!("Program data: {encoded}"));
    }
}

/// Mirrors an instruction's return value into the native runtime's return data. On SBF,
/// Anchor already sets return data for handlers that return a value, so this does nothing.
pub fn mirror_return_data<T: anchor_lang::AnchorSerialize>(value: &T) {
    #[cfg(not(target_os = "solana"))]
    if let (false, Ok(data)) = (is_off_chain(), anchor_lang::prelude::borsh::to_vec(value)) {
        solana_sysvar::program_stubs::sol_set_return_data(&data);
    }
    #[cfg(target_os = "solana")]
    let _ = value;
}

/// Logs a formatted line. Formatting allocates, so use it on error and admin paths only.
#[macro_export]
macro_rules! keel_log {
    ($($arg:tt)*) => {
        $crate::log::log(&format!($($arg)*))
    };
}

/// Returns `err` (after logging the formatted values compared) when `cond` is false.
#[macro_export]
macro_rules! check {
    ($cond:expr, $err:expr) => {
        if !($cond) {
            return Err(anchor_lang::error::Error::from($err));
        }
    };
    ($cond:expr, $err:expr, $($arg:tt)*) => {
        if !($cond) {
            $crate::keel_log!($($arg)*);
            return Err(anchor_lang::error::Error::from($err));
        }
    };
}
