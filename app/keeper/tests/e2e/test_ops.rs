//! Operating the binary: `--help` documents every option, a bad configuration is a clear error
//! at start-up, the binary runs against a node serving `/metrics` and `/health`, and stops
//! gracefully on SIGTERM.

use crate::setup::{Net, USDC};
use keel_keeper::Metrics;
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_keel-keeper");

/// Every option the keeper takes.
const OPTIONS: [&str; 29] = [
    "--config",
    "--rpc-url",
    "--ws-url",
    "--keypair",
    "--exchange",
    "--margin-account",
    "--lookup-table",
    "--liquidate",
    "--crank-fills",
    "--crank-funding",
    "--sweep-fees",
    "--unwind",
    "--priority-fee",
    "--priority-micro-lamports",
    "--priority-percentile",
    "--priority-max-micro-lamports",
    "--min-bounty",
    "--min-own-init-health",
    "--unwind-slippage-bps",
    "--health-tolerance-bps",
    "--snapshot-secs",
    "--crank-ms",
    "--funding-sample-secs",
    "--sweep-secs",
    "--account-cooldown-ms",
    "--max-rounds-in-flight",
    "--rpc-retries",
    "--metrics-addr",
    "--log-json",
];

/// A blocking HTTP GET of `path` on `addr`: the status line and the body.
fn get(addr: std::net::SocketAddr, path: &str) -> (String, String) {
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .expect("request");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("response");
    let status = response.lines().next().unwrap_or_default().to_string();
    let body = response
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_string();
    (status, body)
}

#[test]
fn help_documents_every_option_with_its_environment_variable() {
    let out = Command::new(BIN).arg("--help").output().expect("runs");
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for option in OPTIONS {
        assert!(help.contains(option), "--help lacks {option}:\n{help}");
    }
    assert!(
        help.contains("KEEL_EXCHANGE")
            && help.contains("KEEL_MIN_BOUNTY")
            && help.contains("KEEL_MAX_ROUNDS_IN_FLIGHT")
            && help.contains("KEEL_LOOKUP_TABLE")
            && help.contains("KEEL_FUNDING_SAMPLE_SECS"),
        "{help}"
    );
}

#[test]
fn bad_configuration_is_a_clear_error_at_start_up() {
    let cases: [(&[&str], &str); 3] = [
        (&["--keypair", "k.json"], "missing option `exchange`"),
        (
            &["--keypair", "k.json", "--exchange", "not-a-key"],
            "invalid `exchange`",
        ),
        (
            &[
                "--keypair",
                "/nonexistent/k.json",
                "--exchange",
                "11111111111111111111111111111111",
            ],
            "keypair /nonexistent/k.json",
        ),
    ];
    for (args, expected) in cases {
        let out = Command::new(BIN)
            .args(args)
            .env_clear()
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_and_health_are_served() {
    let metrics = Arc::new(Metrics::new());
    metrics.steps_lost.inc();
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let addr =
        keel_keeper::metrics::serve("127.0.0.1:0".parse().expect("addr"), metrics, async move {
            let _ = stopped.changed().await;
        })
        .await
        .expect("serves");
    let (status, body) = tokio::task::spawn_blocking(move || get(addr, "/metrics"))
        .await
        .expect("get");
    assert!(status.contains("200"), "{status}");
    for name in [
        "keel_keeper_steps_lost_total 1",
        "keel_keeper_accounts_tracked",
        "keel_keeper_bounties_earned_total",
        "keel_keeper_own_init_health",
        "keel_keeper_health_disagreements_total",
        "keel_keeper_settlements_paired_total",
        "keel_keeper_rounds_in_flight",
    ] {
        assert!(body.contains(name), "/metrics lacks {name}:\n{body}");
    }
    let (status, body) = tokio::task::spawn_blocking(move || get(addr, "/health"))
        .await
        .expect("get");
    assert!(
        status.contains("200") && body.contains("ok"),
        "{status} {body}"
    );
    let _ = stop.send(true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_runs_against_the_node_and_stops_on_sigterm() {
    let net = Net::start().await;
    let keeper = net.keeper_account(10 * USDC).await;
    let dir = std::env::temp_dir().join(format!("keel-keeper-bin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let keypair = dir.join("keeper.json");
    std::fs::write(
        &keypair,
        serde_json::to_string(&keeper.owner.to_bytes().to_vec()).expect("json"),
    )
    .expect("write");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let metrics_addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
    let mut child = Command::new(BIN)
        .args([
            "--rpc-url",
            &net.node.rpc_url(),
            "--ws-url",
            &net.node.ws_url(),
            "--exchange",
            &net.exchange.to_string(),
        ])
        .args([
            "--keypair",
            keypair.to_str().expect("utf-8"),
            "--metrics-addr",
            &metrics_addr.to_string(),
        ])
        .env("RUST_LOG", "warn")
        .env("KEEL_LOG_JSON", "true")
        .stdout(Stdio::null())
        .spawn()
        .expect("starts");
    let mut served = None;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if std::net::TcpStream::connect(metrics_addr).is_ok() {
            served = Some(
                tokio::task::spawn_blocking(move || get(metrics_addr, "/metrics"))
                    .await
                    .expect("get"),
            );
            break;
        }
    }
    let (status, body) = served.expect("the binary serves /metrics");
    assert!(status.contains("200"), "{status}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (_, body_later) = tokio::task::spawn_blocking(move || get(metrics_addr, "/metrics"))
        .await
        .expect("get");
    assert!(
        body_later.contains("keel_keeper_accounts_tracked 1"),
        "the keeper tracks its own account:\n{body}\n{body_later}"
    );
    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(term.success());
    let mut exited = None;
    for _ in 0..100 {
        if let Some(status) = child.try_wait().expect("wait") {
            exited = Some(status);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let status = exited.expect("the keeper exits within 10 s of SIGTERM");
    assert!(status.success(), "graceful exit: {status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keeper_creates_its_margin_account_when_missing() {
    let net = Net::start().await;
    let signer = solana_keypair::Keypair::new();
    let sig = net
        .rpc
        .request_airdrop(&solana_signer::Signer::pubkey(&signer), 1_000_000_000)
        .await
        .expect("airdrop");
    crate::setup::wait_confirmed(&net.rpc, &sig).await;
    let keeper = net.run_keeper(&signer, net.keeper_config()).await;
    let expected =
        keel_client::pda::margin_account(&net.exchange, &solana_signer::Signer::pubkey(&signer), 0);
    assert_eq!(keeper.account, expected);
    assert_eq!(
        net.margin(&expected).await.owner,
        solana_signer::Signer::pubkey(&signer)
    );
    keeper.stop().await;
}
