//! Logging, event and return-data primitives that work both on-chain and in native tests.
//!
//! On SBF these are the usual syscalls. Natively (solana-program-test, the local node) Anchor's
//! `msg!`, `emit!` and `set_return_data` do not reach the runtime, so they are routed through
//! the syscall stubs the test runtime installs; the on-chain path is unchanged.

/// Writes one line to the transaction log.
pub fn log(message: &str) {
    #[cfg(target_os = "solana")]
    anchor_lang::solana_program::log::sol_log(message);
    #[cfg(not(target_os = "solana"))]
    solana_sysvar::program_stubs::sol_log(message);
}

/// Writes serialized event bytes to the transaction log as `Program data: <base64>`.
pub fn log_data(data: &[u8]) {
    #[cfg(target_os = "solana")]
    anchor_lang::solana_program::log::sol_log_data(&[data]);
    #[cfg(not(target_os = "solana"))]
    {
        use base64::Engine;
        let encoded = base64::engine::general_purpose::STANDARD.encode(data);
        solana_sysvar::program_stubs::sol_log(&format!("Program data: {encoded}"));
    }
}

/// Mirrors an instruction's return value into the native runtime's return data. On SBF,
/// Anchor already sets return data for handlers that return a value, so this does nothing.
pub fn mirror_return_data<T: anchor_lang::AnchorSerialize>(value: &T) {
    #[cfg(not(target_os = "solana"))]
    if let Ok(data) = anchor_lang::prelude::borsh::to_vec(value) {
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
