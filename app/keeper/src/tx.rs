//! Transactions: every one simulated first, its compute-unit limit set from the simulation, its
//! compute-unit price from the configured policy; sent without a second preflight, confirmed by
//! polling; RPC calls retried with exponential backoff on transport errors. A simulation may
//! return accounts as the transaction leaves them ([`Sender::simulate_with`]). Every one is a
//! v0 transaction looking up the exchange's table once one is installed ([`compile`]).

mod budget;
pub mod compile;

pub use budget::{cu_limit, percentile_fee, CU_HEADROOM_PCT, MIN_CU_LIMIT, SIMULATION_CU_LIMIT};

use crate::classify::{classify_client_error, classify_transaction_error, Failure};
use crate::config::FeePolicy;
use crate::metrics::Metrics;
use anchor_lang::solana_program::instruction::Instruction;
use base64::Engine;
use compile::{Format, Tables};
use keel_client::lookup_table::AddressLookupTableAccount;
use solana_account_decoder::UiAccountEncoding;
use solana_commitment_config::CommitmentConfig;
use solana_compute_budget_interface::ComputeBudgetInstruction;
use solana_keypair::Keypair;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client_api::client_error::Error as ClientError;
use solana_rpc_client_api::config::{
    RpcSendTransactionConfig, RpcSimulateTransactionAccountsConfig, RpcSimulateTransactionConfig,
    RpcTransactionConfig,
};
use solana_signature::Signature;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction_status_client_types::UiTransactionEncoding;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long to wait for a confirmation.
pub const CONFIRM_TIMEOUT: Duration = Duration::from_secs(30);
/// Time between two signature-status polls.
pub const POLL_EVERY: Duration = Duration::from_millis(20);
/// Status polls between two block-height reads (the expiry check).
pub const HEIGHT_EVERY_POLLS: u32 = 5;

/// A failure with the detail to log.
#[derive(Debug, Clone)]
pub struct TxError {
    /// The classification.
    pub failure: Failure,
    /// What happened.
    pub detail: String,
    /// The logs, when the program ran.
    pub logs: Vec<String>,
}

impl TxError {
    fn client(err: &ClientError) -> Self {
        Self {
            failure: classify_client_error(err),
            detail: err.to_string(),
            logs: vec![],
        }
    }
}

/// A successful simulation.
#[derive(Debug, Clone, Default)]
pub struct Simulated {
    /// Compute units consumed.
    pub units: u64,
    /// Program logs.
    pub logs: Vec<String>,
    /// Return data of the last instruction that set it.
    pub return_data: Option<Vec<u8>>,
    /// The data of the accounts asked for, as the transaction leaves them (`None`: absent or
    /// not returned), in the order asked.
    pub accounts: Vec<Option<Vec<u8>>>,
}

/// A landed transaction.
#[derive(Debug, Clone)]
pub struct Landed {
    /// Its signature.
    pub signature: Signature,
    /// Its logs.
    pub logs: Vec<String>,
    /// The form it was sent in.
    pub format: Format,
}

/// Sends the keeper's transactions.
#[derive(Clone)]
pub struct Sender {
    /// The RPC client.
    pub rpc: Arc<RpcClient>,
    /// Pays and signs.
    pub payer: Arc<Keypair>,
    fee_policy: FeePolicy,
    max_micro_lamports: u64,
    retries: u32,
    metrics: Arc<Metrics>,
    tables: Tables,
}

impl Sender {
    /// A sender over `rpc` signing with `payer`.
    pub fn new(
        rpc: Arc<RpcClient>,
        payer: Arc<Keypair>,
        fee_policy: FeePolicy,
        max_micro_lamports: u64,
        retries: u32,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            rpc,
            payer,
            fee_policy,
            max_micro_lamports,
            retries: retries.max(1),
            metrics,
            tables: Tables::default(),
        }
    }

    /// The lookup table its transactions compile against (active addresses only), if any.
    pub fn table(&self) -> Option<Arc<AddressLookupTableAccount>> {
        self.tables.get()
    }

    /// Installs `table` (only addresses already active) for this sender and all its clones.
    pub fn set_table(&self, table: AddressLookupTableAccount) {
        self.tables.set(table);
    }

    /// A sender like this one that compiles without any lookup table (for the transactions
    /// that create and extend the table itself).
    pub fn without_table(&self) -> Self {
        Self {
            tables: Tables::default(),
            ..self.clone()
        }
    }

    /// Runs `call` (an RPC method named `method`), retrying transport errors with backoff.
    pub async fn retry<T, F, Fut>(&self, method: &str, mut call: F) -> Result<T, TxError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ClientError>>,
    {
        let mut delay = Duration::from_millis(50);
        for attempt in 1..=self.retries {
            let started = Instant::now();
            let result = call().await;
            self.metrics.observe_rpc(method, started.elapsed());
            match result {
                Ok(value) => return Ok(value),
                Err(err) => {
                    let error = TxError::client(&err);
                    if error.failure != Failure::Transport || attempt == self.retries {
                        return Err(error);
                    }
                    tracing::debug!(method, attempt, %err, "transport error, retrying");
                    tokio::time::sleep(delay).await;
                    delay = delay.saturating_mul(2);
                }
            }
        }
        Err(TxError {
            failure: Failure::Transport,
            detail: format!("{method}: no attempt made"),
            logs: vec![],
        })
    }

    /// The compute-unit price for a transaction writing `writable`.
    pub async fn priority_price(&self, writable: &[anchor_lang::prelude::Pubkey]) -> u64 {
        match self.fee_policy {
            FeePolicy::Fixed(price) => price.min(self.max_micro_lamports),
            FeePolicy::Recent { percentile } => {
                let fees = self
                    .retry("getRecentPrioritizationFees", || {
                        self.rpc.get_recent_prioritization_fees(writable)
                    })
                    .await;
                match fees {
                    Ok(fees) => percentile_fee(
                        fees.iter().map(|f| f.prioritization_fee).collect(),
                        percentile,
                    )
                    .min(self.max_micro_lamports),
                    Err(err) => {
                        tracing::debug!(detail = err.detail, "no recent fees; paying none");
                        0
                    }
                }
            }
        }
    }

    fn signed(
        &self,
        ixs: &[Instruction],
        limit: u32,
        price: u64,
        blockhash: solana_hash::Hash,
    ) -> Result<(VersionedTransaction, Format), TxError> {
        let mut all = vec![ComputeBudgetInstruction::set_compute_unit_limit(limit)];
        if price > 0 {
            all.push(ComputeBudgetInstruction::set_compute_unit_price(price));
        }
        all.extend_from_slice(ixs);
        compile::compile(&self.payer, &all, self.table().as_deref(), blockhash)
    }

    /// Simulates `ixs` at the highest limit; a program failure comes back classified, with logs.
    pub async fn simulate(&self, ixs: &[Instruction]) -> Result<Simulated, TxError> {
        self.simulate_with(ixs, &[]).await
    }

    /// Simulates `ixs` as [`Sender::simulate`] does and returns the data of `accounts` as the
    /// transaction leaves them. The node replaces the blockhash (`replaceRecentBlockhash`), so
    /// none is fetched.
    pub async fn simulate_with(
        &self,
        ixs: &[Instruction],
        accounts: &[anchor_lang::prelude::Pubkey],
    ) -> Result<Simulated, TxError> {
        let (tx, _) = self.signed(ixs, SIMULATION_CU_LIMIT, 0, solana_hash::Hash::default())?;
        let accounts_config =
            (!accounts.is_empty()).then(|| RpcSimulateTransactionAccountsConfig {
                encoding: Some(UiAccountEncoding::Base64),
                addresses: accounts.iter().map(ToString::to_string).collect(),
            });
        let config = RpcSimulateTransactionConfig {
            sig_verify: false,
            replace_recent_blockhash: true,
            commitment: Some(CommitmentConfig::processed()),
            accounts: accounts_config,
            ..Default::default()
        };
        let sim = self
            .retry("simulateTransaction", || {
                self.rpc
                    .simulate_transaction_with_config(&tx, config.clone())
            })
            .await?
            .value;
        let logs = sim.logs.unwrap_or_default();
        if let Some(err) = sim.err {
            let err: solana_transaction_error::TransactionError = err.into();
            return Err(TxError {
                failure: classify_transaction_error(&err),
                detail: err.to_string(),
                logs,
            });
        }
        let return_data = sim.return_data.and_then(|d| {
            base64::engine::general_purpose::STANDARD
                .decode(&d.data.0)
                .ok()
        });
        let mut post: Vec<Option<Vec<u8>>> = sim
            .accounts
            .unwrap_or_default()
            .into_iter()
            .map(|a| a.and_then(|a| a.data.decode()))
            .collect();
        post.resize(accounts.len(), None);
        Ok(Simulated {
            units: sim.units_consumed.unwrap_or(0),
            logs,
            return_data,
            accounts: post,
        })
    }

    /// Sends `ixs` with the limit for `units` and the policy's price, and waits for it to be
    /// confirmed; a landed failure comes back classified.
    pub async fn send(&self, ixs: &[Instruction], units: u64) -> Result<Landed, TxError> {
        let writable: Vec<_> = ixs
            .iter()
            .flat_map(|ix| {
                ix.accounts
                    .iter()
                    .filter(|m| m.is_writable)
                    .map(|m| m.pubkey)
            })
            .collect();
        let price = self.priority_price(&writable).await;
        let (blockhash, last_valid) = self
            .retry("getLatestBlockhash", || {
                self.rpc
                    .get_latest_blockhash_with_commitment(CommitmentConfig::confirmed())
            })
            .await?;
        let (tx, format) = self.signed(ixs, cu_limit(units), price, blockhash)?;
        let config = RpcSendTransactionConfig {
            skip_preflight: true,
            max_retries: Some(0),
            ..Default::default()
        };
        let signature = self
            .retry("sendTransaction", || {
                self.rpc.send_transaction_with_config(&tx, config)
            })
            .await?;
        Metrics::inc(&self.metrics.transactions_sent, format.label());
        let deadline = Instant::now() + CONFIRM_TIMEOUT;
        for poll in 1u32.. {
            // Nothing is confirmed before the next slot: wait first.
            tokio::time::sleep(POLL_EVERY).await;
            let signatures = [signature];
            let statuses = self
                .retry("getSignatureStatuses", || {
                    self.rpc.get_signature_statuses(&signatures)
                })
                .await?;
            if let Some(status) = statuses.value.into_iter().next().flatten() {
                if status.satisfies_commitment(CommitmentConfig::confirmed()) {
                    let logs = self.logs(&signature).await;
                    return match status.err {
                        None => Ok(Landed {
                            signature,
                            logs,
                            format,
                        }),
                        Some(err) => Err(TxError {
                            failure: classify_transaction_error(&err),
                            detail: err.to_string(),
                            logs,
                        }),
                    };
                }
            }
            let expired = Instant::now() > deadline
                || (poll % HEIGHT_EVERY_POLLS == 0
                    && self
                        .retry("getBlockHeight", || self.rpc.get_block_height())
                        .await?
                        > last_valid);
            if expired {
                return Err(TxError {
                    failure: Failure::Expired,
                    detail: format!("{signature} not confirmed before expiry"),
                    logs: vec![],
                });
            }
        }
        Err(TxError {
            failure: Failure::Expired,
            detail: format!("{signature}: polling ended"),
            logs: vec![],
        })
    }

    /// Simulates, then sends with the simulated units.
    pub async fn simulate_and_send(&self, ixs: &[Instruction]) -> Result<Landed, TxError> {
        let simulated = self.simulate(ixs).await?;
        self.send(ixs, simulated.units).await
    }

    /// The logs of a landed transaction (empty when the node does not return them).
    async fn logs(&self, signature: &Signature) -> Vec<String> {
        let config = RpcTransactionConfig {
            encoding: Some(UiTransactionEncoding::Json),
            commitment: Some(CommitmentConfig::confirmed()),
            max_supported_transaction_version: Some(0),
        };
        match self
            .retry("getTransaction", || {
                self.rpc.get_transaction_with_config(signature, config)
            })
            .await
        {
            Ok(tx) => tx
                .transaction
                .meta
                .and_then(|m| Option::<Vec<String>>::from(m.log_messages))
                .unwrap_or_default(),
            Err(_) => vec![],
        }
    }
}
