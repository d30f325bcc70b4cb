//! JSON-RPC over HTTP and the PubSub websocket, served by jsonrpsee with the response and
//! config types of solana-rpc-client-api / solana-account-decoder.

mod accounts;
mod cluster;
mod encode;
pub mod errors;
mod history;
mod operator;
pub mod params;
mod parsed;
mod pubsub;
mod tokens;
mod transactions;

use crate::error::NodeError;
use crate::executor::Executor;
use errors::{internal, RpcResult};
use jsonrpsee::core::traits::IdProvider;
use jsonrpsee::server::{RpcModule, Server, ServerConfig, ServerHandle};
use jsonrpsee::types::SubscriptionId;
use solana_rpc_client_api::response::RpcResponseContext;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};

/// What every RPC method reaches the chain through.
pub struct RpcState {
    /// The executor owning the chain.
    pub executor: Executor,
}

impl RpcState {
    /// Runs `f` on the chain, turning an executor failure into `-32603`.
    pub async fn run<R, F>(&self, f: F) -> RpcResult<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut crate::chain::Chain) -> R + Send + 'static,
    {
        self.executor.run(f).await.map_err(internal)
    }
}

/// The response context for a value read at `slot`.
pub fn context(slot: u64) -> RpcResponseContext {
    RpcResponseContext::new(slot)
}

/// Connections each server accepts at once (jsonrpsee's default of 100 turns away a keeper
/// or a test sending a few hundred requests in parallel with 429).
pub const MAX_CONNECTIONS: u32 = 2_048;

/// Subscription ids 1, 2, 3, … (small integers, as JavaScript clients expect).
#[derive(Debug, Default)]
struct CountingIds(AtomicU64);

impl IdProvider for CountingIds {
    fn next_id(&self) -> SubscriptionId<'static> {
        SubscriptionId::Num(self.0.fetch_add(1, Ordering::Relaxed) + 1)
    }
}

/// The running servers and the addresses they are bound to.
pub struct Servers {
    /// Where JSON-RPC over HTTP listens.
    pub rpc_addr: SocketAddr,
    /// Where the PubSub websocket listens.
    pub ws_addr: SocketAddr,
    http: ServerHandle,
    ws: ServerHandle,
}

impl Servers {
    /// Stops both servers.
    pub fn stop(&self) {
        let _ = self.http.stop();
        let _ = self.ws.stop();
    }

    /// Waits until both servers have stopped.
    pub async fn stopped(self) {
        self.http.stopped().await;
        self.ws.stopped().await;
    }
}

/// Every method: the HTTP ones and the subscriptions.
fn module(executor: Executor) -> Result<RpcModule<RpcState>, NodeError> {
    let mut module = RpcModule::new(RpcState { executor });
    cluster::register(&mut module).map_err(startup)?;
    accounts::register(&mut module).map_err(startup)?;
    transactions::register(&mut module).map_err(startup)?;
    history::register(&mut module).map_err(startup)?;
    pubsub::register(&mut module).map_err(startup)?;
    operator::register(&mut module).map_err(startup)?;
    tokens::register(&mut module).map_err(startup)?;
    Ok(module)
}

fn startup(err: impl std::fmt::Display) -> NodeError {
    NodeError::Startup(err.to_string())
}

/// Binds and starts JSON-RPC on `rpc_addr` (HTTP) and PubSub on `ws_addr` (websocket).
pub async fn serve(
    executor: Executor,
    rpc_addr: SocketAddr,
    ws_addr: SocketAddr,
) -> Result<Servers, NodeError> {
    let module = module(executor)?;
    let http_config = ServerConfig::builder()
        .http_only()
        .max_connections(MAX_CONNECTIONS)
        .build();
    let ws_config = ServerConfig::builder()
        .ws_only()
        .max_connections(MAX_CONNECTIONS)
        .set_id_provider(CountingIds::default())
        .build();
    // Any origin may call the node: a dApp served from another port must reach it.
    let cors = tower::ServiceBuilder::new().layer(tower_http::cors::CorsLayer::permissive());
    let http_server = Server::builder()
        .set_config(http_config)
        .set_http_middleware(cors)
        .build(rpc_addr)
        .await
        .map_err(|e| startup(format!("JSON-RPC on {rpc_addr}: {e}")))?;
    let ws_server = Server::builder()
        .set_config(ws_config)
        .build(ws_addr)
        .await
        .map_err(|e| startup(format!("PubSub on {ws_addr}: {e}")))?;
    let rpc_addr = http_server.local_addr().map_err(startup)?;
    let ws_addr = ws_server.local_addr().map_err(startup)?;
    let http = http_server.start(module.clone());
    let ws = ws_server.start(module);
    Ok(Servers {
        rpc_addr,
        ws_addr,
        http,
        ws,
    })
}

/// Registers `name` as an async method calling `handler(params, state)`.
macro_rules! method {
    ($module:expr, $name:literal, $handler:path) => {
        $module.register_async_method($name, |params, state, _| $handler(params, state))?
    };
}
pub(crate) use method;
