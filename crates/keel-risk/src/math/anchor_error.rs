//! `MathError` as an Anchor error (feature `anchor`), so that `?` turns a math error into the
//! program's error directly. Only this crate may implement the conversion (both types are
//! foreign to the program). The error is the one the program's `KeelError::MathOverflow` /
//! `KeelError::DivisionByZero` (the first two variants of its `#[error_code]` enum) becomes; a
//! test in the program (`error.rs`) checks that name, code and message are identical.

use super::MathError;
use alloc::string::ToString;
use anchor_lang_error::{AnchorError, Error, ERROR_CODE_OFFSET};

impl MathError {
    /// The variant name of the program's error.
    pub const fn name(self) -> &'static str {
        match self {
            MathError::Overflow => "MathOverflow",
            MathError::DivisionByZero => "DivisionByZero",
        }
    }

    /// The program's error code.
    pub const fn code(self) -> u32 {
        match self {
            MathError::Overflow => ERROR_CODE_OFFSET,
            MathError::DivisionByZero => ERROR_CODE_OFFSET + 1,
        }
    }

    /// The program's error message.
    pub const fn message(self) -> &'static str {
        match self {
            MathError::Overflow => "arithmetic overflow: a value left the representable range",
            MathError::DivisionByZero => "arithmetic error: division by zero",
        }
    }
}

impl From<MathError> for Error {
    fn from(e: MathError) -> Self {
        Error::from(AnchorError {
            error_name: e.name().to_string(),
            error_code_number: e.code(),
            error_msg: e.message().to_string(),
            error_origin: None,
            compared_values: None,
        })
    }
}
