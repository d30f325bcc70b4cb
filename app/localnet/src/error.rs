//! The node's own errors (start-up and executor), kept apart from JSON-RPC errors.

use thiserror::Error;

/// What can go wrong running the node (not a transaction's failure, which is a result).
#[derive(Debug, Error)]
pub enum NodeError {
    /// The VM or a server could not be set up.
    #[error("start-up failed: {0}")]
    Startup(String),
    /// The executor thread has stopped (the node is shutting down).
    #[error("the node's executor has stopped")]
    ExecutorStopped,
    /// A command panicked inside the executor; the node keeps running.
    #[error("internal error while executing: {0}")]
    Internal(String),
}
