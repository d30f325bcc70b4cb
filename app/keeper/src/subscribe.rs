//! Subscriptions between snapshots: `programSubscribe` for the exchange's margin accounts
//! (filtered as the snapshot is) and `accountSubscribe` for every oracle and market, forwarded
//! as [`Update`]s to the keeper's loop. A dropped connection is re-established with backoff;
//! the periodic snapshot covers what was missed meanwhile.

use crate::discovery::{margin_filters, program_config};
use anchor_lang::prelude::Pubkey;
use futures_util::stream::{BoxStream, SelectAll, StreamExt};
use solana_account_decoder::UiAccountEncoding;
use solana_commitment_config::CommitmentConfig;
use solana_pubsub_client::nonblocking::pubsub_client::PubsubClient;
use solana_rpc_client_api::config::RpcAccountInfoConfig;
use std::str::FromStr;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};

/// A change seen on the websocket.
#[derive(Debug)]
pub struct Update {
    /// The account.
    pub key: Pubkey,
    /// Its new data.
    pub data: Vec<u8>,
    /// Its lamports.
    pub lamports: u64,
    /// Its owner.
    pub owner: Pubkey,
    /// Whether it came from the margin-account subscription.
    pub margin: bool,
    /// When it arrived.
    pub received: Instant,
}

/// What to subscribe to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Topics {
    /// The exchange (margin accounts are filtered by it).
    pub exchange: Pubkey,
    /// Oracles and markets, by address.
    pub accounts: Vec<Pubkey>,
}

fn decode(ui: &solana_account_decoder::UiAccount, key: Pubkey, margin: bool) -> Option<Update> {
    Some(Update {
        key,
        data: ui.data.decode()?,
        lamports: ui.lamports,
        owner: Pubkey::from_str(&ui.owner).ok()?,
        margin,
        received: Instant::now(),
    })
}

/// Subscribes to `topics` and forwards updates to `out` until `stop` turns true or `out` closes;
/// reconnects when the websocket drops, and resubscribes when `topics` changes.
pub async fn run(ws_url: String, mut topics: watch::Receiver<Topics>, out: mpsc::Sender<Update>, mut stop: watch::Receiver<bool>) {
    let mut backoff = Duration::from_millis(100);
    while !*stop.borrow() {
        let current = topics.borrow_and_update().clone();
        let client = match PubsubClient::new(ws_url.as_str()).await {
            Ok(client) => client,
            Err(err) => {
                tracing::warn!(%err, "websocket connect failed; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = stop.changed() => {}
                }
                backoff = (backoff * 2).min(Duration::from_secs(5));
                continue;
            }
        };
        backoff = Duration::from_millis(100);
        let ended = forward(&client, &current, &out, &mut topics, &mut stop).await;
        if ended {
            break;
        }
    }
}

/// Forwards one connection's notifications; `true` when the keeper is stopping.
async fn forward(
    client: &PubsubClient,
    topics: &Topics,
    out: &mpsc::Sender<Update>,
    changed: &mut watch::Receiver<Topics>,
    stop: &mut watch::Receiver<bool>,
) -> bool {
    let mut streams: SelectAll<BoxStream<'_, Option<Update>>> = SelectAll::new();
    let mut config = program_config(margin_filters(&topics.exchange));
    config.account_config.commitment = Some(CommitmentConfig::processed());
    match client.program_subscribe(&keel::ID, Some(config)).await {
        Ok((stream, _unsubscribe)) => streams.push(
            stream
                .map(|r| Pubkey::from_str(&r.value.pubkey).ok().and_then(|key| decode(&r.value.account, key, true)))
                .boxed(),
        ),
        Err(err) => {
            tracing::warn!(%err, "programSubscribe failed");
            return false;
        }
    }
    for key in &topics.accounts {
        let config = RpcAccountInfoConfig { encoding: Some(UiAccountEncoding::Base64), commitment: Some(CommitmentConfig::processed()), ..Default::default() };
        match client.account_subscribe(key, Some(config)).await {
            Ok((stream, _unsubscribe)) => {
                let key = *key;
                streams.push(stream.map(move |r| decode(&r.value, key, false)).boxed());
            }
            Err(err) => {
                tracing::warn!(%err, %key, "accountSubscribe failed");
                return false;
            }
        }
    }
    tracing::debug!(accounts = topics.accounts.len(), "subscribed");
    loop {
        tokio::select! {
            next = streams.next() => match next {
                Some(Some(update)) => {
                    if out.send(update).await.is_err() {
                        return true;
                    }
                }
                Some(None) => {}
                None => {
                    tracing::warn!("subscriptions ended; reconnecting");
                    return false;
                }
            },
            res = changed.changed() => return res.is_err(),
            _ = stop.changed() => return true,
        }
    }
}
