//! JSON-RPC errors with the codes and messages a Solana RPC node uses: -32602 for bad params,
//! -32603 for internal errors, and the server codes of `RpcCustomError` (-32002 preflight
//! failure, -32003 signature verification, …) built by solana-rpc-client-api itself.

use crate::error::NodeError;
use jsonrpsee::types::error::{ErrorObjectOwned, INTERNAL_ERROR_CODE, INVALID_PARAMS_CODE};
use solana_rpc_client_api::custom_error::RpcCustomError;

/// The result type of every RPC method.
pub type RpcResult<T> = Result<T, ErrorObjectOwned>;

/// `-32602 Invalid params` with `message` (e.g. `Invalid param: WrongSize`).
pub fn invalid_params(message: impl Into<String>) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(INVALID_PARAMS_CODE, message.into(), None::<()>)
}

/// `-32603 Internal error` for a failure of the node itself.
pub fn internal(err: NodeError) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(INTERNAL_ERROR_CODE, err.to_string(), None::<()>)
}

/// A Solana server error, with the code, message and data the real node sends.
pub fn custom(err: RpcCustomError) -> ErrorObjectOwned {
    let err = jsonrpc_core::Error::from(err);
    ErrorObjectOwned::owned(err.code.code() as i32, err.message, err.data)
}
