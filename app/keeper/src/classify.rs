//! What a failed simulation or transaction means to the keeper. A lost race (another keeper got
//! there first) is an expected outcome, counted and logged at debug; a step that would break the
//! keeper's own limits is declined; transport trouble is retried with backoff; our view being
//! out of date means re-fetching; anything else is a real failure, logged at warn.

use keel::error::KeelError;
use solana_instruction_error::InstructionError;
use solana_rpc_client_api::client_error::{Error as ClientError, ErrorKind};
use solana_rpc_client_api::request::RpcError;
use solana_transaction_error::TransactionError;

/// The keeper's reading of a failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Someone else changed the state first: nothing to do (the program's error code, if any).
    LostRace(Option<u32>),
    /// The step would leave the keeper's own account below Init health.
    OwnRisk,
    /// The step is below the minimum size and leaves more behind: take the whole remainder.
    Dust,
    /// The liquidated account still has orders or fills: cancel and crank first.
    NeedsCancel,
    /// Our copy of the accounts is out of date (health accounts, oracle): re-fetch and retry
    /// (the program's error code).
    Stale(Option<u32>),
    /// The node or network failed: retry with backoff.
    Transport,
    /// The blockhash expired or the transaction was not seen: rebuild and resend.
    Expired,
    /// Anything else: a real failure.
    Other,
}

impl Failure {
    /// Whether this is the expected outcome of racing another keeper.
    pub fn is_lost_race(&self) -> bool {
        matches!(self, Failure::LostRace(_))
    }

    /// The metric label.
    pub fn label(&self) -> &'static str {
        match self {
            Failure::LostRace(_) => "lost_race",
            Failure::OwnRisk => "own_risk",
            Failure::Dust => "dust",
            Failure::NeedsCancel => "needs_cancel",
            Failure::Stale(_) => "stale",
            Failure::Transport => "transport",
            Failure::Expired => "expired",
            Failure::Other => "other",
        }
    }
}

/// Program errors that mean "another keeper (or the owner) got there first".
const LOST_RACE: [KeelError; 7] = [
    KeelError::LiquidationEndReached,
    KeelError::NotLiquidatable,
    KeelError::NothingToLiquidate,
    KeelError::NotBankrupt,
    KeelError::FundingNotDue,
    KeelError::NothingToSettle,
    KeelError::OrderNotFound,
];

/// Program errors that mean our snapshot of the accounts is out of date.
const STALE: [KeelError; 10] = [
    KeelError::HealthAccountMissing,
    KeelError::HealthAccountUnexpected,
    KeelError::HealthAccountMismatch,
    KeelError::FillMakerMissing,
    KeelError::FillAccountMismatch,
    KeelError::OracleStale,
    KeelError::PriceCacheStale,
    KeelError::PriceObservationsDiffer,
    KeelError::OracleFromTheFuture,
    KeelError::ReduceOnlyNothingToReduce,
];

/// The error code of `error`.
pub fn code(error: KeelError) -> u32 {
    u32::from(error)
}

/// Classifies a program error code.
pub fn classify_code(code_number: u32) -> Failure {
    let is = |errors: &[KeelError]| errors.iter().any(|e| code(*e) == code_number);
    if is(&LOST_RACE) {
        Failure::LostRace(Some(code_number))
    } else if is(&STALE) {
        Failure::Stale(Some(code_number))
    } else if is(&[KeelError::LiquidatorInitHealthNegative, KeelError::InitHealthNegative]) {
        Failure::OwnRisk
    } else if is(&[KeelError::LiquidationDust]) {
        Failure::Dust
    } else if is(&[KeelError::LiquidateeHasOpenOrders]) {
        Failure::NeedsCancel
    } else {
        Failure::Other
    }
}

/// Classifies a transaction error (from a simulation or a landed transaction).
pub fn classify_transaction_error(err: &TransactionError) -> Failure {
    match err {
        TransactionError::InstructionError(_, InstructionError::Custom(code)) => classify_code(*code),
        TransactionError::AlreadyProcessed => Failure::LostRace(None),
        TransactionError::BlockhashNotFound => Failure::Expired,
        TransactionError::AccountInUse | TransactionError::WouldExceedMaxBlockCostLimit | TransactionError::WouldExceedMaxAccountCostLimit => {
            Failure::Transport
        }
        _ => Failure::Other,
    }
}

/// Classifies an RPC client error.
pub fn classify_client_error(err: &ClientError) -> Failure {
    if let Some(tx_err) = err.get_transaction_error() {
        return classify_transaction_error(&tx_err);
    }
    match err.kind() {
        ErrorKind::Io(_) | ErrorKind::Reqwest(_) | ErrorKind::Middleware(_) => Failure::Transport,
        ErrorKind::RpcError(RpcError::RpcRequestError(_)) => Failure::Transport,
        // Node-side server errors (-32005 node unhealthy, -32603 internal, 429-like throttling).
        ErrorKind::RpcError(RpcError::RpcResponseError { code, .. }) if *code == -32005 || *code == -32603 || *code == 429 => {
            Failure::Transport
        }
        _ => Failure::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use solana_rpc_client_api::request::RpcResponseErrorData;
    use solana_rpc_client_api::response::RpcSimulateTransactionResult;

    fn custom(e: KeelError) -> TransactionError {
        TransactionError::InstructionError(1, InstructionError::Custom(u32::from(e)))
    }

    #[test]
    fn classify_lost_races() {
        for e in [KeelError::LiquidationEndReached, KeelError::NotLiquidatable, KeelError::NotBankrupt, KeelError::FundingNotDue, KeelError::NothingToSettle] {
            let failure = classify_transaction_error(&custom(e));
            assert_eq!(failure, Failure::LostRace(Some(code(e))));
            assert!(failure.is_lost_race());
        }
        assert_eq!(classify_transaction_error(&TransactionError::AlreadyProcessed), Failure::LostRace(None));
    }

    #[test]
    fn classify_own_risk_dust_and_cancel() {
        assert_eq!(classify_transaction_error(&custom(KeelError::LiquidatorInitHealthNegative)), Failure::OwnRisk);
        assert_eq!(classify_transaction_error(&custom(KeelError::InitHealthNegative)), Failure::OwnRisk);
        assert_eq!(classify_transaction_error(&custom(KeelError::LiquidationDust)), Failure::Dust);
        assert_eq!(classify_transaction_error(&custom(KeelError::LiquidateeHasOpenOrders)), Failure::NeedsCancel);
    }

    #[test]
    fn classify_stale_and_other() {
        assert_eq!(classify_transaction_error(&custom(KeelError::HealthAccountMismatch)), Failure::Stale(Some(code(KeelError::HealthAccountMismatch))));
        assert_eq!(classify_transaction_error(&custom(KeelError::OracleStale)), Failure::Stale(Some(code(KeelError::OracleStale))));
        assert_eq!(classify_transaction_error(&custom(KeelError::MathOverflow)), Failure::Other);
        assert_eq!(classify_transaction_error(&TransactionError::InstructionError(0, InstructionError::Custom(1))), Failure::Other, "SPL Token's error 1 is no Keel error");
        assert_eq!(classify_transaction_error(&TransactionError::InsufficientFundsForFee), Failure::Other);
        assert_eq!(classify_transaction_error(&TransactionError::BlockhashNotFound), Failure::Expired);
    }

    #[test]
    fn classify_client_errors_transport_and_preflight() {
        let io: ClientError = ErrorKind::Io(std::io::Error::other("connection reset")).into();
        assert_eq!(classify_client_error(&io), Failure::Transport);
        let request: ClientError = ErrorKind::RpcError(RpcError::RpcRequestError("timeout".into())).into();
        assert_eq!(classify_client_error(&request), Failure::Transport);
        let sim = RpcSimulateTransactionResult {
            err: Some(custom(KeelError::LiquidationEndReached).into()),
            logs: None,
            accounts: None,
            units_consumed: None,
            loaded_accounts_data_size: None,
            return_data: None,
            inner_instructions: None,
            replacement_blockhash: None,
            fee: None,
            pre_balances: None,
            post_balances: None,
            pre_token_balances: None,
            post_token_balances: None,
            loaded_addresses: None,
        };
        let preflight: ClientError = ErrorKind::RpcError(RpcError::RpcResponseError {
            code: -32002,
            message: "Transaction simulation failed".into(),
            data: RpcResponseErrorData::SendTransactionPreflightFailure(sim),
        })
        .into();
        assert_eq!(classify_client_error(&preflight), Failure::LostRace(Some(code(KeelError::LiquidationEndReached))));
        let parse: ClientError = ErrorKind::Custom("bad".into()).into();
        assert_eq!(classify_client_error(&parse), Failure::Other);
    }
}
