//! `keel-keeper`: runs a keeper until Ctrl-C or SIGTERM.

use clap::Parser;
use keel_keeper::config::{Args, KeeperConfig};
use keel_keeper::{Keeper, Metrics};
use solana_keypair::Keypair;
use std::process::ExitCode;
use std::sync::Arc;

/// Reads a keypair file written by solana-keygen (a JSON array of 64 bytes).
fn read_keypair(path: &std::path::Path) -> Result<Keypair, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("keypair {}: {e}", path.display()))?;
    let bytes: Vec<u8> = serde_json::from_str(&text).map_err(|e| format!("keypair {}: not a JSON byte array: {e}", path.display()))?;
    Keypair::try_from(bytes.as_slice()).map_err(|e| format!("keypair {}: {e}", path.display()))
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(term) => term,
            Err(_) => {
                let _ = ctrl_c.await;
                return;
            }
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "keel_keeper=info".into());
    if args.log_json == Some(true) {
        tracing_subscriber::fmt().json().with_env_filter(filter).init();
    } else {
        tracing_subscriber::fmt().with_env_filter(filter).init();
    }
    let config = match KeeperConfig::from_args(args) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("keel-keeper: configuration error: {err}");
            return ExitCode::from(2);
        }
    };
    let signer = match config.keypair.as_deref().map(read_keypair) {
        Some(Ok(signer)) => signer,
        Some(Err(err)) => {
            eprintln!("keel-keeper: configuration error: {err}");
            return ExitCode::from(2);
        }
        None => {
            eprintln!("keel-keeper: configuration error: no keypair");
            return ExitCode::from(2);
        }
    };
    let metrics = Arc::new(Metrics::new());
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    if let Some(addr) = config.metrics_addr {
        let mut stop = stop_rx.clone();
        match keel_keeper::metrics::serve(addr, metrics.clone(), async move {
            let _ = stop.changed().await;
        })
        .await
        {
            Ok(bound) => tracing::info!(%bound, "serving /metrics and /health"),
            Err(err) => {
                eprintln!("keel-keeper: cannot serve metrics on {addr}: {err}");
                return ExitCode::from(2);
            }
        }
    }
    let mut keeper = Keeper::new(config, signer, metrics);
    if let Err(err) = keeper.start().await {
        eprintln!("keel-keeper: {err}");
        return ExitCode::from(1);
    }
    let run = tokio::spawn(keeper.run(stop_rx));
    shutdown_signal().await;
    tracing::info!("shutting down");
    let _ = stop_tx.send(true);
    let _ = run.await;
    ExitCode::SUCCESS
}
