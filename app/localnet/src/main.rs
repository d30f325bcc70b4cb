//! `keel-localnet`: serves a local Keel node until Ctrl-C or SIGTERM.

use clap::Parser;
use keel_localnet::config::{DEFAULT_RPC_PORT, DEFAULT_SLOT_MS, DEFAULT_WS_PORT};
use keel_localnet::chain::state;
use keel_localnet::{Node, NodeConfig};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// A local Solana node with Keel, SPL Token and ATA, serving JSON-RPC and PubSub.
#[derive(Parser, Debug)]
#[command(name = "keel-localnet", version)]
struct Args {
    /// JSON-RPC (HTTP) port on 127.0.0.1.
    #[arg(long, default_value_t = DEFAULT_RPC_PORT)]
    rpc_port: u16,
    /// PubSub (websocket) port on 127.0.0.1.
    #[arg(long, default_value_t = DEFAULT_WS_PORT)]
    ws_port: u16,
    /// Milliseconds per slot.
    #[arg(long, default_value_t = DEFAULT_SLOT_MS)]
    slot_ms: u64,
    /// Seed of the price simulator (the same seed replays the same price paths).
    #[arg(long)]
    price_seed: Option<u64>,
    /// Keep the accounts across restarts: loaded from DIR/accounts.json at start (when it
    /// exists), written there on Ctrl-C.
    #[arg(long, value_name = "DIR")]
    state: Option<std::path::PathBuf>,
    /// The faucet's keypair file (solana-keygen JSON): it funds airdrops and is the authority
    /// of the `keel_createMint` mints; `keel_mintTo` mints any mint it is the authority of (the
    /// deploy wallet's test mints, when given that wallet). A fresh keypair when absent.
    #[arg(long, value_name = "FILE")]
    faucet_keypair: Option<std::path::PathBuf>,
}

/// The 64 secret-key bytes of a solana-keygen JSON keypair file.
fn read_keypair_file(path: &std::path::Path) -> Result<[u8; 64], String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let bytes: Vec<u8> = serde_json::from_str(&text).map_err(|e| format!("not a keypair file: {e}"))?;
    bytes.try_into().map_err(|b: Vec<u8>| format!("a keypair has 64 bytes, this file {}", b.len()))
}

/// `SYMBOL price @ address` of every simulated feed.
async fn node_feeds(node: &Node) -> Vec<String> {
    let feeds = node.executor().run(|c| {
        c.prices
            .feeds()
            .iter()
            .map(|f| {
                format!(
                    "{} {:.2} @ {}",
                    f.config.symbol,
                    f.price,
                    f.config.address()
                )
            })
            .collect()
    });
    feeds.await.unwrap_or_default()
}

fn main() -> ExitCode {
    let args = Args::parse();
    // solana-program-test (whose syscall stubs the node installs) turns on per-transaction debug
    // logs unless RUST_LOG says otherwise; a node should be quiet by default.
    if std::env::var_os("RUST_LOG").is_none() {
        std::env::set_var("RUST_LOG", "warn");
    }
    match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime.block_on(serve(args)),
        Err(err) => {
            eprintln!("keel-localnet: cannot start the async runtime: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: Args) -> ExitCode {
    if args.slot_ms == 0 {
        eprintln!("keel-localnet: --slot-ms must be at least 1");
        return ExitCode::FAILURE;
    }
    let mut config = NodeConfig::local(args.rpc_port, args.ws_port);
    config.slot_time = Duration::from_millis(args.slot_ms);
    if let Some(seed) = args.price_seed {
        config.prices.seed = seed;
    }
    if let Some(path) = &args.faucet_keypair {
        match read_keypair_file(path) {
            Ok(bytes) => config.faucet_keypair = Some(bytes),
            Err(err) => {
                eprintln!("keel-localnet: --faucet-keypair {}: {err}", path.display());
                return ExitCode::FAILURE;
            }
        }
    }
    let started = Instant::now();
    let node = match Node::start(config).await {
        Ok(node) => node,
        Err(err) => {
            eprintln!("keel-localnet: {err}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(dir) = &args.state {
        match restore_state(&node, dir).await {
            Ok(count) => println!("  state     {count} accounts loaded from {}", dir.display()),
            Err(err) => {
                eprintln!("keel-localnet: --state {}: {err}", dir.display());
                node.shutdown().await;
                return ExitCode::FAILURE;
            }
        }
    }
    println!(
        "keel-localnet ready in {} ms",
        started.elapsed().as_millis()
    );
    println!("  JSON-RPC  {}", node.rpc_url());
    println!("  PubSub    {}", node.ws_url());
    println!("  Keel      {}", keel::ID);
    for feed in &node_feeds(&node).await {
        println!("  Pyth      {feed}");
    }
    wait_for_stop().await;
    println!("keel-localnet: shutting down");
    let mut code = ExitCode::SUCCESS;
    if let Some(dir) = &args.state {
        match node.executor().run(|c| c.snapshot()).await {
            Ok(accounts) => match state::save(dir, &accounts) {
                Ok(()) => println!("keel-localnet: {} accounts saved to {}", accounts.len(), dir.display()),
                Err(err) => {
                    eprintln!("keel-localnet: --state {}: {err}", dir.display());
                    code = ExitCode::FAILURE;
                }
            },
            Err(err) => {
                eprintln!("keel-localnet: state snapshot: {err}");
                code = ExitCode::FAILURE;
            }
        }
    }
    node.shutdown().await;
    code
}

/// Loads `dir/accounts.json` into the node, if it exists; returns how many accounts.
async fn restore_state(node: &Node, dir: &std::path::Path) -> Result<usize, String> {
    let Some(accounts) = state::load(dir).map_err(|e| e.to_string())? else { return Ok(0) };
    node.executor()
        .run(move |c| c.restore(&accounts))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())
}

/// Returns on Ctrl-C (SIGINT) or SIGTERM.
async fn wait_for_stop() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(term) => term,
        Err(err) => {
            eprintln!("keel-localnet: cannot wait for SIGTERM: {err}");
            if let Err(err) = tokio::signal::ctrl_c().await {
                eprintln!("keel-localnet: cannot wait for Ctrl-C: {err}");
            }
            return;
        }
    };
    tokio::select! {
        result = tokio::signal::ctrl_c() => {
            if let Err(err) = result {
                eprintln!("keel-localnet: cannot wait for Ctrl-C: {err}");
            }
        }
        _ = term.recv() => {}
    }
}
