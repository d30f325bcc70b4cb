//! `--state DIR`: a node's accounts written on exit and loaded into the next node, so an
//! exchange created once is still there — with its margin accounts and token balances — after
//! a restart; the runtime's own accounts (programs, sysvars) are never stored.

use crate::common::Localnet;
use keel_localnet::chain::state;
use solana_keypair::Keypair;
use solana_signer::Signer;

#[tokio::test]
async fn accounts_saved_on_exit_are_there_after_a_restart() {
    let first = Localnet::start().await;
    let ex = first.create_exchange().await;
    let trader = first.trader(&ex, 1_000_000).await;
    let lamports_key = Keypair::new().pubkey();
    first.airdrop(&lamports_key, 5_000_000).await;
    let accounts = first
        .node
        .executor()
        .run(|c| c.snapshot())
        .await
        .expect("snapshot");
    assert!(
        accounts
            .iter()
            .all(|a| a.owner != solana_sdk_ids::sysvar::ID.to_string()),
        "no sysvar stored"
    );
    assert!(
        accounts.iter().all(|a| a.key != keel::ID.to_string()),
        "no program stored"
    );
    let dir = std::env::temp_dir().join(format!("keel-localnet-state-{}", lamports_key));
    state::save(&dir, &accounts).expect("save");

    let second = Localnet::start().await;
    assert_eq!(
        second
            .rpc
            .get_balance(&lamports_key)
            .await
            .expect("balance"),
        0
    );
    let loaded = state::load(&dir).expect("load").expect("a state file");
    assert_eq!(loaded, accounts);
    let count = second
        .node
        .executor()
        .run(move |c| c.restore(&loaded))
        .await
        .expect("run")
        .expect("restore");
    assert_eq!(count, accounts.len());
    assert_eq!(
        second
            .rpc
            .get_balance(&lamports_key)
            .await
            .expect("balance"),
        5_000_000
    );
    for key in [ex.exchange, trader.account] {
        let before = first.rpc.get_account_data(&key).await.expect("first");
        assert_eq!(
            second.rpc.get_account_data(&key).await.expect("second"),
            before,
            "{key} restored"
        );
    }
    assert!(
        state::load(&std::env::temp_dir().join("keel-localnet-no-such-state"))
            .expect("load")
            .is_none()
    );
    std::fs::remove_dir_all(&dir).expect("clean up");
}
