//! Reading landed transactions: getSignatureStatuses, getTransaction, getSignaturesForAddress.

use super::encode::{encode_transaction, status_meta};
use super::errors::{custom, internal, invalid_params, RpcResult};
use super::params::{each, pubkey, signature, Positional};
use super::{context, method, RpcState};
use crate::chain::history::confirmation_status;
use jsonrpsee::core::RegisterMethodError;
use jsonrpsee::server::RpcModule;
use jsonrpsee::types::Params;
use solana_rpc_client_api::config::{
    RpcEncodingConfigWrapper, RpcSignatureStatusConfig, RpcSignaturesForAddressConfig,
    RpcTransactionConfig,
};
use solana_rpc_client_api::custom_error::RpcCustomError;
use solana_rpc_client_api::response::{Response, RpcConfirmedTransactionStatusWithSignature};
use solana_transaction::versioned::{Legacy, TransactionVersion, VersionedTransaction};
use solana_transaction_status_client_types::{
    EncodedConfirmedTransactionWithStatusMeta, EncodedTransactionWithStatusMeta, TransactionStatus,
    UiTransactionEncoding,
};
use std::sync::Arc;

/// The most signatures one getSignatureStatuses may ask for (Agave's limit).
pub const MAX_SIGNATURE_STATUSES: usize = 256;
/// The most (and default) signatures getSignaturesForAddress returns.
pub const MAX_SIGNATURES_FOR_ADDRESS: usize = 1_000;

/// Registers the history methods.
pub fn register(module: &mut RpcModule<RpcState>) -> Result<(), RegisterMethodError> {
    method!(module, "getSignatureStatuses", signature_statuses);
    method!(module, "getTransaction", transaction);
    method!(module, "getSignaturesForAddress", signatures_for_address);
    Ok(())
}

async fn signature_statuses(
    params: Params<'static>,
    state: Arc<RpcState>,
) -> RpcResult<Response<Vec<Option<TransactionStatus>>>> {
    let mut p = Positional::new(&params);
    let sigs = each(
        &p.required::<Vec<String>>()?,
        MAX_SIGNATURE_STATUSES,
        signature,
    )?;
    let _config: Option<RpcSignatureStatusConfig> = p.optional()?;
    let (slot, statuses) = state
        .run(move |c| {
            (
                c.slot(),
                sigs.iter()
                    .map(|s| c.history().status(s, c.slot()))
                    .collect(),
            )
        })
        .await?;
    Ok(Response {
        context: context(slot),
        value: statuses,
    })
}

/// The answer is the official `EncodedConfirmedTransactionWithStatusMeta`, serialised (the type
/// is not `Clone`, which jsonrpsee asks of a method's result).
async fn transaction(
    params: Params<'static>,
    state: Arc<RpcState>,
) -> RpcResult<serde_json::Value> {
    let mut p = Positional::new(&params);
    let sig = signature(&p.required::<String>()?)?;
    let config = p
        .optional::<RpcEncodingConfigWrapper<RpcTransactionConfig>>()?
        .map(|c| c.convert_to_current())
        .unwrap_or_default();
    let Some(record) = state.run(move |c| c.history().get(&sig).cloned()).await? else {
        return Ok(serde_json::Value::Null);
    };
    let version = version_of(
        &record.transaction,
        config.max_supported_transaction_version,
    )?;
    let encoding = config.encoding.unwrap_or(UiTransactionEncoding::Json);
    let found = EncodedConfirmedTransactionWithStatusMeta {
        slot: record.slot,
        block_time: Some(record.block_time),
        transaction: EncodedTransactionWithStatusMeta {
            transaction: encode_transaction(&record.transaction, encoding),
            meta: Some(match encoding {
                UiTransactionEncoding::JsonParsed => {
                    super::parsed::meta(status_meta(&record), &record)
                }
                _ => status_meta(&record),
            }),
            version,
        },
    };
    serde_json::to_value(found)
        .map_err(|e| internal(crate::error::NodeError::Internal(e.to_string())))
}

/// The version field getTransaction reports, refusing a v0 transaction to a client that did
/// not say it supports it (as Agave does, with -32015).
fn version_of(
    tx: &VersionedTransaction,
    max_supported: Option<u8>,
) -> RpcResult<Option<TransactionVersion>> {
    match (tx.version(), max_supported) {
        (_, None) if matches!(tx.version(), TransactionVersion::Legacy(_)) => Ok(None),
        (TransactionVersion::Number(v), None) => {
            Err(custom(RpcCustomError::UnsupportedTransactionVersion(v)))
        }
        (TransactionVersion::Number(v), Some(max)) if v > max => {
            Err(custom(RpcCustomError::UnsupportedTransactionVersion(v)))
        }
        (TransactionVersion::Legacy(_), Some(_)) => {
            Ok(Some(TransactionVersion::Legacy(Legacy::Legacy)))
        }
        (version, _) => Ok(Some(version)),
    }
}

async fn signatures_for_address(
    params: Params<'static>,
    state: Arc<RpcState>,
) -> RpcResult<Vec<RpcConfirmedTransactionStatusWithSignature>> {
    let mut p = Positional::new(&params);
    let address = pubkey(&p.required::<String>()?)?;
    let config: RpcSignaturesForAddressConfig = p.or_default()?;
    let limit = config.limit.unwrap_or(MAX_SIGNATURES_FOR_ADDRESS);
    if limit == 0 || limit > MAX_SIGNATURES_FOR_ADDRESS {
        return Err(invalid_params(format!(
            "Invalid limit; max {MAX_SIGNATURES_FOR_ADDRESS}"
        )));
    }
    let before = config.before.as_deref().map(signature).transpose()?;
    let until = config.until.as_deref().map(signature).transpose()?;
    state
        .run(move |c| {
            let current = c.slot();
            let newest = c.history().newest_first();
            let after_before = newest
                .skip_while(|(sig, _)| before.is_some_and(|b| **sig != b))
                .skip(usize::from(before.is_some()));
            after_before
                .take_while(|(sig, _)| until.is_none_or(|u| **sig != u))
                .filter(|(_, r)| {
                    r.transaction
                        .message
                        .static_account_keys()
                        .contains(&address)
                        || r.loaded.writable.contains(&address)
                        || r.loaded.readonly.contains(&address)
                })
                .take(limit)
                .map(|(sig, r)| RpcConfirmedTransactionStatusWithSignature {
                    signature: sig.to_string(),
                    slot: r.slot,
                    err: r.err.clone().map(Into::into),
                    memo: None,
                    block_time: Some(r.block_time),
                    confirmation_status: Some(confirmation_status(r.slot, current)),
                })
                .collect()
        })
        .await
}
