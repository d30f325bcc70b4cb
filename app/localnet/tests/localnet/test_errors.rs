//! Bad input gets standard JSON-RPC errors, and the node keeps serving.

use crate::common::Localnet;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use keel_localnet::chain::SendError;
use solana_keypair::Keypair;
use solana_rpc_client_api::client_error::ErrorKind;
use solana_rpc_client_api::request::RpcError;
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;

/// Posts `body` to the node and returns the JSON answer.
async fn post(net: &Localnet, body: &str) -> serde_json::Value {
    let client = reqwest::Client::new();
    let response = client
        .post(net.node.rpc_url())
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    response.json().await.unwrap()
}

/// The JSON-RPC error code and message of `answer`.
fn error_of(answer: &serde_json::Value) -> (i64, String) {
    (
        answer["error"]["code"].as_i64().unwrap_or_default(),
        answer["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    )
}

/// The code of an RPC error returned through solana-rpc-client.
fn rpc_code(err: &solana_rpc_client_api::client_error::Error) -> i64 {
    match err.kind() {
        ErrorKind::RpcError(RpcError::RpcResponseError { code, .. }) => *code,
        other => panic!("not an RPC response error: {other:?}"),
    }
}

#[tokio::test]
async fn malformed_json_is_parse_error() {
    let net = Localnet::start().await;
    let (code, message) =
        error_of(&post(&net, r#"{"jsonrpc":"2.0","id":1,"method":"getSlot""#).await);
    assert_eq!((code, message.as_str()), (-32700, "Parse error"));
}

#[tokio::test]
async fn unknown_method_is_method_not_found() {
    let net = Localnet::start().await;
    let (code, message) = error_of(
        &post(
            &net,
            r#"{"jsonrpc":"2.0","id":1,"method":"getNothing","params":[]}"#,
        )
        .await,
    );
    assert_eq!((code, message.as_str()), (-32601, "Method not found"));
}

#[tokio::test]
async fn bad_params_are_invalid_params() {
    let net = Localnet::start().await;
    let bad_key = error_of(
        &post(
            &net,
            r#"{"jsonrpc":"2.0","id":1,"method":"getBalance","params":["not-a-key"]}"#,
        )
        .await,
    );
    assert_eq!(bad_key.0, -32602);
    assert!(bad_key.1.starts_with("Invalid param"), "{}", bad_key.1);
    let missing = error_of(
        &post(
            &net,
            r#"{"jsonrpc":"2.0","id":1,"method":"getAccountInfo","params":[]}"#,
        )
        .await,
    );
    assert_eq!(missing.0, -32602);
    let wrong_type = error_of(&post(&net, r#"{"jsonrpc":"2.0","id":1,"method":"getMinimumBalanceForRentExemption","params":["big"]}"#).await);
    assert_eq!(wrong_type.0, -32602);
    let garbage_tx = error_of(&post(&net, r#"{"jsonrpc":"2.0","id":1,"method":"sendTransaction","params":["%%%",{"encoding":"base64"}]}"#).await);
    assert_eq!(garbage_tx.0, -32602);
    let answer = post(&net, r#"{"jsonrpc":"2.0","id":2,"method":"getHealth"}"#).await;
    assert_eq!(
        answer["result"], "ok",
        "the node still serves after bad input"
    );
}

#[tokio::test]
async fn batch_requests_answer_each_call() {
    let net = Localnet::start().await;
    let answer = post(&net, r#"[{"jsonrpc":"2.0","id":1,"method":"getHealth"},{"jsonrpc":"2.0","id":2,"method":"nope"}]"#).await;
    let answers = answer.as_array().expect("a batch answer");
    assert_eq!(answers.len(), 2);
    assert_eq!(answers[0]["result"], "ok");
    assert_eq!(answers[1]["error"]["code"], -32601);
}

#[tokio::test]
async fn transaction_over_one_packet_is_refused() {
    let net = Localnet::start().await;
    let big = Instruction {
        program_id: anchor_lang::system_program::ID,
        accounts: vec![],
        data: vec![0; 1_300],
    };
    let tx = net.transaction(&[big], &[]).await;
    let err = net.rpc.send_transaction(&tx).await.unwrap_err();
    assert_eq!(rpc_code(&err), -32602);
    assert!(err.to_string().contains("too large"), "{err}");
}

#[tokio::test]
async fn more_than_64_account_locks_are_refused() {
    let net = Localnet::start().await;
    let accounts = (0..65)
        .map(|_| AccountMeta::new_readonly(Keypair::new().pubkey(), false))
        .collect();
    let ix = Instruction {
        program_id: anchor_lang::system_program::ID,
        accounts,
        data: vec![],
    };
    let tx = VersionedTransaction::from(net.transaction(&[ix], &[]).await);
    let refused = net.node.executor().run(move |c| c.send(tx)).await.unwrap();
    assert_eq!(
        refused,
        Err(SendError::Rejected(TransactionError::TooManyAccountLocks))
    );
}

#[tokio::test]
async fn bad_signature_is_signature_verification_failure() {
    let net = Localnet::start().await;
    let ix = net.pay(&Keypair::new().pubkey(), 1);
    let mut tx: Transaction = net.transaction(&[ix], &[]).await;
    tx.signatures[0] = Keypair::new().sign_message(b"something else");
    let err = net.rpc.send_transaction(&tx).await.unwrap_err();
    assert_eq!(rpc_code(&err), -32003);
}

#[tokio::test]
async fn browser_preflight_is_allowed_from_any_origin() {
    let net = Localnet::start().await;
    let response = reqwest::Client::new()
        .request(reqwest::Method::OPTIONS, net.node.rpc_url())
        .header("origin", "http://localhost:5173")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    assert_eq!(
        response
            .headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("*")
    );
}

/// Every method the node serves.
const METHODS: &[&str] = &[
    "getLatestBlockhash",
    "isBlockhashValid",
    "getSlot",
    "getBlockHeight",
    "getEpochInfo",
    "getVersion",
    "getGenesisHash",
    "getHealth",
    "getFeeForMessage",
    "getRecentPrioritizationFees",
    "getAccountInfo",
    "getMultipleAccounts",
    "getProgramAccounts",
    "getBalance",
    "getMinimumBalanceForRentExemption",
    "sendTransaction",
    "simulateTransaction",
    "requestAirdrop",
    "getSignatureStatuses",
    "getTransaction",
    "getSignaturesForAddress",
    "getTokenAccountBalance",
    "getTokenSupply",
    "getTokenAccountsByOwner",
    "keel_feeds",
    "keel_setPrice",
    "keel_pauseFeed",
    "keel_runScenario",
    "keel_warpTime",
    "keel_createMint",
    "keel_mintTo",
];

#[tokio::test]
async fn every_method_answers_garbage_params_with_an_error_and_the_node_survives() {
    let net = Localnet::start().await;
    let key = "11111111111111111111111111111111";
    let huge = u64::MAX;
    let variants = [
        "[null]".to_string(),
        "[1]".to_string(),
        r#"["x"]"#.to_string(),
        r#"[{"a":1}]"#.to_string(),
        "[[1,2,3]]".to_string(),
        format!(
            r#"["{key}", {{"encoding":"jsonParsed","dataSlice":{{"offset":{huge},"length":{huge}}}}}]"#
        ),
        format!(
            r#"["{key}", {{"filters":[{{"memcmp":{{"offset":{huge},"bytes":"1"}}}}, {{"dataSize":{huge}}}]}}]"#
        ),
        format!(r#"["{key}", {huge}, {huge}]"#),
        format!(r#"["{key}", {{"kind":"crash","percent":1e308,"seconds":1e308}}]"#),
    ];
    for method in METHODS {
        for params in &variants {
            let body =
                format!(r#"{{"jsonrpc":"2.0","id":1,"method":"{method}","params":{params}}}"#);
            let answer = post(&net, &body).await;
            assert!(
                answer.get("result").is_some() || answer.get("error").is_some(),
                "{method} {params}: {answer}"
            );
            if let Some(code) = answer["error"]["code"].as_i64() {
                assert!(
                    [-32602, -32002, -32003, -32015].contains(&code),
                    "{method} {params}: {answer}"
                );
            }
        }
    }
    assert_eq!(
        post(&net, r#"{"jsonrpc":"2.0","id":2,"method":"getHealth"}"#).await["result"],
        "ok"
    );
    assert!(
        net.rpc.get_slot().await.unwrap() > 0,
        "the slot clock still runs"
    );
}
