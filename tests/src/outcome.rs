//! What a transaction did: its result, logs and return data, with assertions on error codes.

use anchor_lang::AnchorDeserialize;
use keel::error::KeelError;
use solana_instruction_error::InstructionError;
use solana_transaction_error::TransactionError;

/// The outcome of one processed or simulated transaction.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The transaction's result.
    pub result: Result<(), TransactionError>,
    /// Its log lines.
    pub logs: Vec<String>,
    /// Its return data, if any.
    pub return_data: Option<Vec<u8>>,
}

impl Outcome {
    /// Panics (with the logs) unless the transaction succeeded.
    #[track_caller]
    pub fn assert_ok(&self) -> &Self {
        if let Err(e) = &self.result {
            panic!("expected success, got {e:?}\nlogs:\n{}", self.logs.join("\n"));
        }
        self
    }

    /// The custom error code the transaction failed with, if any.
    pub fn error_code(&self) -> Option<u32> {
        match &self.result {
            Err(TransactionError::InstructionError(_, InstructionError::Custom(code))) => Some(*code),
            _ => None,
        }
    }

    /// Panics unless the transaction failed with `expected`.
    #[track_caller]
    pub fn assert_error(&self, expected: KeelError) -> &Self {
        let want: u32 = expected.into();
        assert_eq!(
            self.error_code(),
            Some(want),
            "expected {expected:?} ({want}), got {:?}\nlogs:\n{}",
            self.result,
            self.logs.join("\n")
        );
        self
    }

    /// Panics unless the transaction failed with the Anchor framework error `expected`.
    #[track_caller]
    pub fn assert_anchor_error(&self, expected: anchor_lang::error::ErrorCode) -> &Self {
        let want: u32 = expected.into();
        assert_eq!(self.error_code(), Some(want), "expected {expected:?}, got {:?}\nlogs:\n{}", self.result, self.logs.join("\n"));
        self
    }

    /// True when some log line contains `needle`.
    pub fn logged(&self, needle: &str) -> bool {
        self.logs.iter().any(|l| l.contains(needle))
    }

    /// Decodes the return data as `T`.
    #[track_caller]
    pub fn returned<T: AnchorDeserialize>(&self) -> T {
        let data = self.return_data.as_ref().expect("no return data");
        T::deserialize(&mut data.as_slice()).expect("return data does not decode")
    }
}
