//! PubSub subscriptions: signatureSubscribe (at the requested commitment), accountSubscribe,
//! programSubscribe (with filters), slotSubscribe and logsSubscribe. Account, program and logs
//! notifications are sent as soon as a change is processed.

use super::accounts::{checked_filters, encode, matches};
use super::errors::invalid_params;
use super::params::{pubkey, signature, Positional};
use super::{context, RpcState};
use crate::chain::history::{CONFIRMATION_DEPTH, FINALIZATION_DEPTH};
use crate::events::ChainEvent;
use anchor_lang::prelude::Pubkey;
use jsonrpsee::core::{RegisterMethodError, SubscriptionResult};
use jsonrpsee::server::{PendingSubscriptionSink, RpcModule, SubscriptionMessage};
use jsonrpsee::types::{ErrorObjectOwned, Params};
use serde::Serialize;
use solana_account::ReadableAccount;
use solana_commitment_config::{CommitmentConfig, CommitmentLevel};
use solana_rpc_client_api::config::{
    RpcAccountInfoConfig, RpcProgramAccountsConfig, RpcSignatureSubscribeConfig,
    RpcTransactionLogsConfig, RpcTransactionLogsFilter,
};
use solana_rpc_client_api::response::{
    ProcessedSignatureResult, Response, RpcKeyedAccount, RpcLogsResponse, RpcSignatureResult,
    SlotInfo,
};
use std::sync::Arc;
use tokio::sync::broadcast::error::RecvError;

/// Registers the subscriptions.
pub fn register(module: &mut RpcModule<RpcState>) -> Result<(), RegisterMethodError> {
    module.register_subscription(
        "signatureSubscribe",
        "signatureNotification",
        "signatureUnsubscribe",
        |p, s, st, _| signature_sub(p, s, st),
    )?;
    module.register_subscription(
        "accountSubscribe",
        "accountNotification",
        "accountUnsubscribe",
        |p, s, st, _| account_sub(p, s, st),
    )?;
    module.register_subscription(
        "programSubscribe",
        "programNotification",
        "programUnsubscribe",
        |p, s, st, _| program_sub(p, s, st),
    )?;
    module.register_subscription(
        "slotSubscribe",
        "slotNotification",
        "slotUnsubscribe",
        |p, s, st, _| slot_sub(p, s, st),
    )?;
    module.register_subscription(
        "logsSubscribe",
        "logsNotification",
        "logsUnsubscribe",
        |p, s, st, _| logs_sub(p, s, st),
    )?;
    Ok(())
}

/// What to do with one chain event.
enum Flow {
    Skip,
    Send(Vec<Box<serde_json::value::RawValue>>),
    SendAndClose(Box<serde_json::value::RawValue>),
}

fn send<T: Serialize>(value: &T) -> Flow {
    serde_json::value::to_raw_value(value).map_or(Flow::Skip, |raw| Flow::Send(vec![raw]))
}

/// Accepts the subscription and forwards what `on_event` makes of each chain event until the
/// client unsubscribes, disconnects or `on_event` closes it. `first` may answer before any event.
async fn pump(
    pending: PendingSubscriptionSink,
    mut events: tokio::sync::broadcast::Receiver<ChainEvent>,
    first: Flow,
    mut on_event: impl FnMut(&ChainEvent) -> Flow + Send,
) -> SubscriptionResult {
    let sink = pending.accept().await?;
    let mut flow = first;
    loop {
        match flow {
            Flow::Skip => {}
            Flow::Send(msgs) => {
                for msg in msgs {
                    sink.send(SubscriptionMessage::from(msg)).await?;
                }
            }
            Flow::SendAndClose(msg) => {
                sink.send(SubscriptionMessage::from(msg)).await?;
                return Ok(());
            }
        }
        flow = tokio::select! {
            event = events.recv() => match event {
                Ok(event) => on_event(&event),
                Err(RecvError::Lagged(_)) => Flow::Skip,
                Err(RecvError::Closed) => return Ok(()),
            },
            _ = sink.closed() => return Ok(()),
        };
    }
}

/// The value of the params-reading `block`, or the subscription rejected with its error.
macro_rules! accept_params {
    ($pending:ident, $block:block) => {
        match (|| -> Result<_, ErrorObjectOwned> { $block })() {
            Ok(value) => value,
            Err(err) => {
                $pending.reject(err).await;
                return Ok(());
            }
        }
    };
}

/// Slots a transaction must be buried under to reach `commitment`.
fn depth(commitment: Option<CommitmentConfig>) -> u64 {
    match commitment.unwrap_or_default().commitment {
        CommitmentLevel::Processed => 0,
        CommitmentLevel::Confirmed => CONFIRMATION_DEPTH,
        CommitmentLevel::Finalized => FINALIZATION_DEPTH,
    }
}

async fn signature_sub(
    params: Params<'static>,
    pending: PendingSubscriptionSink,
    state: Arc<RpcState>,
) -> SubscriptionResult {
    let (sig, depth) = accept_params!(pending, {
        let mut p = Positional::new(&params);
        let sig = signature(&p.required::<String>()?)?;
        let config: RpcSignatureSubscribeConfig = p.or_default()?;
        Ok((sig, depth(config.commitment)))
    });
    let events = state.executor.subscribe();
    let landed = state
        .run(move |c| {
            c.history()
                .get(&sig)
                .map(|r| (r.slot, r.err.clone(), c.slot()))
        })
        .await
        .ok()
        .flatten();
    let notify = |slot: u64, err: &Option<solana_transaction_error::TransactionError>| {
        let value = RpcSignatureResult::ProcessedSignature(ProcessedSignatureResult {
            err: err.clone().map(Into::into),
        });
        serde_json::value::to_raw_value(&Response {
            context: context(slot),
            value,
        })
        .map_or(Flow::Skip, Flow::SendAndClose)
    };
    let mut pending_landing = landed.as_ref().map(|(slot, err, _)| (*slot, err.clone()));
    let first = match &landed {
        Some((slot, err, current)) if current - slot >= depth => notify(*current, err),
        _ => Flow::Skip,
    };
    pump(pending, events, first, move |event| match event {
        ChainEvent::Transaction(tx) if tx.signature == sig => {
            pending_landing = Some((tx.slot, tx.err.clone()));
            if depth == 0 {
                notify(tx.slot, &tx.err)
            } else {
                Flow::Skip
            }
        }
        ChainEvent::Slot { slot, .. } => match &pending_landing {
            Some((landed, err)) if slot - landed >= depth => notify(*slot, err),
            _ => Flow::Skip,
        },
        _ => Flow::Skip,
    })
    .await
}

async fn account_sub(
    params: Params<'static>,
    pending: PendingSubscriptionSink,
    state: Arc<RpcState>,
) -> SubscriptionResult {
    let (key, config) = accept_params!(pending, {
        let mut p = Positional::new(&params);
        let key = pubkey(&p.required::<String>()?)?;
        let config: RpcAccountInfoConfig = p.or_default()?;
        Ok((key, config))
    });
    pump(
        pending,
        state.executor.subscribe(),
        Flow::Skip,
        move |event| match event {
            ChainEvent::Accounts { slot, accounts } => {
                match accounts.iter().find(|(k, _)| *k == key) {
                    Some((k, account)) => {
                        encode(k, account, None, &config).map_or(Flow::Skip, |value| {
                            send(&Response {
                                context: context(*slot),
                                value,
                            })
                        })
                    }
                    None => Flow::Skip,
                }
            }
            _ => Flow::Skip,
        },
    )
    .await
}

async fn program_sub(
    params: Params<'static>,
    pending: PendingSubscriptionSink,
    state: Arc<RpcState>,
) -> SubscriptionResult {
    let (owner, filters, config) = accept_params!(pending, {
        let mut p = Positional::new(&params);
        let owner = pubkey(&p.required::<String>()?)?;
        let config: RpcProgramAccountsConfig = p.or_default()?;
        Ok((owner, checked_filters(&config)?, config.account_config))
    });
    pump(
        pending,
        state.executor.subscribe(),
        Flow::Skip,
        move |event| match event {
            ChainEvent::Accounts { slot, accounts } => {
                let messages: Vec<_> = accounts
                    .iter()
                    .filter(|(_, a)| {
                        *a.owner() == owner && filters.iter().all(|f| matches(f, a.data()))
                    })
                    .filter_map(|(k, a)| {
                        encode(k, a, None, &config)
                            .ok()
                            .map(|account| RpcKeyedAccount {
                                pubkey: k.to_string(),
                                account,
                            })
                    })
                    .filter_map(|value| {
                        serde_json::value::to_raw_value(&Response {
                            context: context(*slot),
                            value,
                        })
                        .ok()
                    })
                    .collect();
                if messages.is_empty() {
                    Flow::Skip
                } else {
                    Flow::Send(messages)
                }
            }
            _ => Flow::Skip,
        },
    )
    .await
}

async fn slot_sub(
    _: Params<'static>,
    pending: PendingSubscriptionSink,
    state: Arc<RpcState>,
) -> SubscriptionResult {
    pump(
        pending,
        state.executor.subscribe(),
        Flow::Skip,
        |event| match event {
            ChainEvent::Slot { slot, parent, root } => send(&SlotInfo {
                slot: *slot,
                parent: *parent,
                root: *root,
            }),
            _ => Flow::Skip,
        },
    )
    .await
}

async fn logs_sub(
    params: Params<'static>,
    pending: PendingSubscriptionSink,
    state: Arc<RpcState>,
) -> SubscriptionResult {
    let mentions = accept_params!(pending, {
        let mut p = Positional::new(&params);
        let filter: RpcTransactionLogsFilter = p.required()?;
        let _config: RpcTransactionLogsConfig = p
            .optional()?
            .unwrap_or(RpcTransactionLogsConfig { commitment: None });
        let mentions: Option<Vec<Pubkey>> = match filter {
            RpcTransactionLogsFilter::All | RpcTransactionLogsFilter::AllWithVotes => None,
            RpcTransactionLogsFilter::Mentions(keys) if keys.len() == 1 => {
                Some(vec![pubkey(&keys[0])?])
            }
            RpcTransactionLogsFilter::Mentions(_) => {
                return Err(invalid_params("Invalid Request: Only 1 address supported"))
            }
        };
        Ok(mentions)
    });
    pump(
        pending,
        state.executor.subscribe(),
        Flow::Skip,
        move |event| match event {
            ChainEvent::Transaction(tx)
                if mentions
                    .as_ref()
                    .is_none_or(|m| m.iter().any(|k| tx.account_keys.contains(k))) =>
            {
                let value = RpcLogsResponse {
                    signature: tx.signature.to_string(),
                    err: tx.err.clone().map(Into::into),
                    logs: tx.logs.clone(),
                };
                send(&Response {
                    context: context(tx.slot),
                    value,
                })
            }
            _ => Flow::Skip,
        },
    )
    .await
}
