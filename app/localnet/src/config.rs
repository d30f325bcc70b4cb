//! How a node is set up: addresses, the slot clock, history bound, price feeds.

use crate::prices::PriceConfig;
use std::net::SocketAddr;
use std::time::Duration;

/// The default JSON-RPC port (as `solana-test-validator`).
pub const DEFAULT_RPC_PORT: u16 = 8899;
/// The default PubSub websocket port (JSON-RPC port + 1, where web3.js looks for it).
pub const DEFAULT_WS_PORT: u16 = 8900;
/// The default slot time of a real cluster.
pub const DEFAULT_SLOT_MS: u64 = 400;
/// Landed transactions kept for getTransaction / getSignatureStatuses by default.
pub const DEFAULT_HISTORY_CAPACITY: usize = 50_000;

/// A node's configuration.
#[derive(Clone, Debug)]
pub struct NodeConfig {
    /// Where JSON-RPC over HTTP listens (port 0 picks a free one).
    pub rpc_addr: SocketAddr,
    /// Where the PubSub websocket listens (port 0 picks a free one).
    pub ws_addr: SocketAddr,
    /// Time between slots.
    pub slot_time: Duration,
    /// Landed transactions kept; older ones are forgotten.
    pub history_capacity: usize,
    /// Unix time of slot 0 (the clock then moves with the slots).
    pub genesis_unix_time: i64,
    /// The simulated Pyth feeds.
    pub prices: PriceConfig,
    /// The faucet's keypair (airdrops, the node's own transactions, authority of the
    /// `keel_createMint` mints and signer of `keel_mintTo`), as its 64 secret-key bytes; a fresh
    /// one when none. Given the deploy wallet, `keel_mintTo` also mints the mints that wallet
    /// created, so a dApp's faucet works on the exchange a deploy script made.
    pub faucet_keypair: Option<[u8; 64]>,
}

impl NodeConfig {
    /// The defaults on 127.0.0.1 with the given ports.
    pub fn local(rpc_port: u16, ws_port: u16) -> Self {
        let genesis_unix_time = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        Self {
            rpc_addr: SocketAddr::from(([127, 0, 0, 1], rpc_port)),
            ws_addr: SocketAddr::from(([127, 0, 0, 1], ws_port)),
            slot_time: Duration::from_millis(DEFAULT_SLOT_MS),
            history_capacity: DEFAULT_HISTORY_CAPACITY,
            genesis_unix_time,
            prices: PriceConfig::default(),
            faucet_keypair: None,
        }
    }
}

impl Default for NodeConfig {
    fn default() -> Self {
        Self::local(DEFAULT_RPC_PORT, DEFAULT_WS_PORT)
    }
}
