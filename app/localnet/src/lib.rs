//! Keel's local node: the Keel program hosted natively on the real Agave runtime (LiteSVM)
//! beside SPL Token and Associated Token Account, with a cluster's slot clock, recent-blockhash
//! window, fees and transaction history, serving Solana JSON-RPC over HTTP and PubSub over a
//! websocket so that web3.js, Anchor clients, wallets, keepers and solana-rpc-client work
//! against it unchanged.
//!
//! [`Node::start`] starts one in-process (tests bind port 0); the `keel-localnet` binary serves
//! one on 127.0.0.1:8899/8900 until Ctrl-C.

pub mod chain;
pub mod config;
pub mod error;
pub mod events;
pub mod executor;
pub mod prices;
pub mod rpc;
mod vm;

pub use config::NodeConfig;
pub use error::NodeError;

use executor::Executor;
use std::net::SocketAddr;
use std::thread::JoinHandle;

/// A running node: the executor thread with the chain, and the two servers.
pub struct Node {
    executor: Executor,
    servers: rpc::Servers,
    thread: JoinHandle<()>,
}

impl Node {
    /// Builds the chain and starts serving on the configured addresses.
    pub async fn start(config: NodeConfig) -> Result<Self, NodeError> {
        let spawn_config = config.clone();
        let (executor, thread) =
            tokio::task::spawn_blocking(move || Executor::spawn(&spawn_config))
                .await
                .map_err(|e| NodeError::Startup(e.to_string()))??;
        let servers = match rpc::serve(executor.clone(), config.rpc_addr, config.ws_addr).await {
            Ok(servers) => servers,
            Err(err) => {
                executor.stop();
                return Err(err);
            }
        };
        Ok(Self {
            executor,
            servers,
            thread,
        })
    }

    /// The address JSON-RPC listens on.
    pub fn rpc_addr(&self) -> SocketAddr {
        self.servers.rpc_addr
    }

    /// The address the PubSub websocket listens on.
    pub fn ws_addr(&self) -> SocketAddr {
        self.servers.ws_addr
    }

    /// `http://…` URL of the JSON-RPC endpoint.
    pub fn rpc_url(&self) -> String {
        format!("http://{}", self.servers.rpc_addr)
    }

    /// `ws://…` URL of the PubSub endpoint.
    pub fn ws_url(&self) -> String {
        format!("ws://{}", self.servers.ws_addr)
    }

    /// The executor, to run code on the chain directly (tests, operator tools).
    pub fn executor(&self) -> &Executor {
        &self.executor
    }

    /// Stops the servers and the executor thread and waits for them.
    pub async fn shutdown(self) {
        self.servers.stop();
        self.executor.stop();
        self.servers.stopped().await;
        let thread = self.thread;
        let _ = tokio::task::spawn_blocking(move || thread.join()).await;
    }
}
