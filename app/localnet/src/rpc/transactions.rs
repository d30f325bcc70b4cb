//! Sending and simulating: sendTransaction (with preflight), simulateTransaction,
//! requestAirdrop.

use super::accounts::encode;
use super::encode::simulation_result;
use super::errors::{custom, invalid_params, RpcResult};
use super::params::{decode_wire, pubkey, Positional};
use super::{context, method, RpcState};
use crate::chain::{SendError, Simulation};
use jsonrpsee::core::RegisterMethodError;
use jsonrpsee::server::RpcModule;
use jsonrpsee::types::Params;
use solana_account_decoder::UiAccount;
use solana_rpc_client_api::config::{
    RpcAccountInfoConfig, RpcRequestAirdropConfig, RpcSendTransactionConfig,
    RpcSimulateTransactionConfig,
};
use solana_rpc_client_api::custom_error::RpcCustomError;
use solana_rpc_client_api::response::{Response, RpcSimulateTransactionResult};
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction_status_client_types::{TransactionBinaryEncoding, UiTransactionEncoding};
use std::sync::Arc;

/// Registers the sending methods.
pub fn register(module: &mut RpcModule<RpcState>) -> Result<(), RegisterMethodError> {
    method!(module, "sendTransaction", send_transaction);
    method!(module, "simulateTransaction", simulate_transaction);
    method!(module, "requestAirdrop", request_airdrop);
    Ok(())
}

/// A transaction encoded in `encoding` (base58 when the config names none).
fn transaction(
    encoded: &str,
    encoding: Option<UiTransactionEncoding>,
) -> RpcResult<VersionedTransaction> {
    let encoding = encoding
        .unwrap_or(UiTransactionEncoding::Base58)
        .into_binary_encoding()
        .ok_or_else(|| {
            invalid_params("unsupported encoding: only base58 and base64 transactions are accepted")
        })?;
    let what = match encoding {
        TransactionBinaryEncoding::Base58 => {
            "base58 encoded solana_transaction::versioned::VersionedTransaction"
        }
        TransactionBinaryEncoding::Base64 => {
            "base64 encoded solana_transaction::versioned::VersionedTransaction"
        }
    };
    decode_wire(encoded, encoding, what)
}

/// What happened to a sent transaction (the simulation is boxed: it is much larger).
enum SendOutcome {
    Sent(String),
    PreflightFailed(Box<Simulation>),
    Refused(SendError),
}

async fn send_transaction(params: Params<'static>, state: Arc<RpcState>) -> RpcResult<String> {
    let mut p = Positional::new(&params);
    let encoded = p.required::<String>()?;
    let config: RpcSendTransactionConfig = p.or_default()?;
    let tx = transaction(&encoded, config.encoding)?;
    let signature = tx
        .signatures
        .first()
        .map(ToString::to_string)
        .unwrap_or_default();
    let outcome = state
        .run(move |c| {
            if !config.skip_preflight {
                match c.simulate(tx.clone(), true, false) {
                    Ok(sim) if sim.result.is_err() => {
                        return SendOutcome::PreflightFailed(Box::new(sim))
                    }
                    Ok(_) => {}
                    Err(err) => return SendOutcome::Refused(err),
                }
            }
            match c.send(tx) {
                Ok(sig) => SendOutcome::Sent(sig.to_string()),
                Err(err) => SendOutcome::Refused(err),
            }
        })
        .await?;
    match outcome {
        SendOutcome::Sent(sig) => Ok(sig),
        SendOutcome::PreflightFailed(sim) => Err(preflight_failure(&sim)),
        SendOutcome::Refused(SendError::SignatureVerification) => Err(custom(
            RpcCustomError::TransactionSignatureVerificationFailure,
        )),
        // With preflight skipped a real cluster accepts the transaction and then drops it.
        SendOutcome::Refused(SendError::Rejected(_)) if config.skip_preflight => Ok(signature),
        SendOutcome::Refused(SendError::Failed(_)) => Ok(signature),
        SendOutcome::Refused(SendError::Rejected(err)) => {
            let sim = Simulation {
                result: Err(err),
                meta: Default::default(),
                post_accounts: vec![],
                replacement_blockhash: None,
            };
            Err(preflight_failure(&sim))
        }
    }
}

/// `-32002` with the simulation's logs and error, as Agave answers a failed preflight.
fn preflight_failure(sim: &Simulation) -> jsonrpsee::types::ErrorObjectOwned {
    let message = match &sim.result {
        Err(err) => format!("Transaction simulation failed: {err}"),
        Ok(()) => "Transaction simulation failed".to_string(),
    };
    custom(RpcCustomError::SendTransactionPreflightFailure {
        message,
        result: simulation_result(sim, None, false),
    })
}

async fn simulate_transaction(
    params: Params<'static>,
    state: Arc<RpcState>,
) -> RpcResult<Response<RpcSimulateTransactionResult>> {
    let mut p = Positional::new(&params);
    let encoded = p.required::<String>()?;
    let config: RpcSimulateTransactionConfig = p.or_default()?;
    if config.sig_verify && config.replace_recent_blockhash {
        return Err(invalid_params(
            "sigVerify may not be used with replaceRecentBlockhash",
        ));
    }
    let tx = transaction(&encoded, config.encoding)?;
    let requested = config.accounts.clone();
    let addresses = requested
        .as_ref()
        .map(|a| {
            a.addresses
                .iter()
                .map(|k| pubkey(k))
                .collect::<RpcResult<Vec<_>>>()
        })
        .transpose()?;
    let (sig_verify, replace) = (config.sig_verify, config.replace_recent_blockhash);
    let (slot, sim, accounts) = state
        .run(move |c| {
            let sim = c.simulate(tx, sig_verify, replace);
            let accounts = addresses.map(|keys| {
                let post = sim
                    .as_ref()
                    .map(|s| s.post_accounts.clone())
                    .unwrap_or_default();
                keys.iter()
                    .map(|k| {
                        (
                            *k,
                            post.iter()
                                .find(|(pk, _)| pk == k)
                                .map(|(_, a)| a.clone())
                                .or_else(|| c.account(k)),
                        )
                    })
                    .collect::<Vec<_>>()
            });
            (c.slot(), sim, accounts)
        })
        .await?;
    let sim = sim.map_err(|_| custom(RpcCustomError::TransactionSignatureVerificationFailure))?;
    let account_config = RpcAccountInfoConfig {
        encoding: requested.and_then(|a| a.encoding),
        ..Default::default()
    };
    let accounts = accounts
        .map(|list| {
            list.iter()
                .map(|(k, a)| {
                    a.as_ref()
                        .map(|a| encode(k, a, None, &account_config))
                        .transpose()
                })
                .collect::<RpcResult<Vec<Option<UiAccount>>>>()
        })
        .transpose()?;
    Ok(Response {
        context: context(slot),
        value: simulation_result(&sim, accounts, config.inner_instructions),
    })
}

async fn request_airdrop(params: Params<'static>, state: Arc<RpcState>) -> RpcResult<String> {
    let mut p = Positional::new(&params);
    let to = pubkey(&p.required::<String>()?)?;
    let lamports: u64 = p.required()?;
    let _config: RpcRequestAirdropConfig = p.or_default()?;
    match state.run(move |c| c.airdrop(&to, lamports)).await? {
        Ok(sig) => Ok(sig.to_string()),
        Err(err) => Err(invalid_params(format!(
            "airdrop of {lamports} lamports to {to} failed: {err:?}"
        ))),
    }
}
