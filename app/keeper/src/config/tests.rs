//! Unit tests of the configuration: defaults, errors naming the option, the TOML file under
//! flags.

use super::*;

fn args() -> Args {
    Args {
        exchange: Some(Pubkey::new_unique().to_string()),
        keypair: Some("k.json".into()),
        ..Args::default()
    }
}

#[test]
fn config_success_defaults_and_derived_ws_url() {
    let config = KeeperConfig::from_args(args()).expect("valid");
    assert_eq!(config.ws_url, "ws://127.0.0.1:8900");
    assert_eq!(config.fee_policy, FeePolicy::Fixed(0));
    assert_eq!(config.duties, Duties::default());
    assert_eq!(config.max_rounds_in_flight, DEFAULT_ROUNDS_IN_FLIGHT);
}

#[test]
fn config_failure_missing_exchange_names_the_flag() {
    let err = KeeperConfig::from_args(Args {
        exchange: None,
        ..args()
    })
    .unwrap_err();
    assert!(err.to_string().contains("--exchange"), "{err}");
}

#[test]
fn config_failure_bad_values_are_named() {
    let bad = [
        Args {
            exchange: Some("nope".into()),
            ..args()
        },
        Args {
            priority_fee: Some("dynamic".into()),
            ..args()
        },
        Args {
            unwind_slippage_bps: Some(0),
            ..args()
        },
        Args {
            rpc_url: Some("localhost:8899".into()),
            ..args()
        },
        Args {
            metrics_addr: Some("nowhere".into()),
            ..args()
        },
        Args {
            min_own_init_health: Some(-1),
            ..args()
        },
        Args {
            max_rounds_in_flight: Some(0),
            ..args()
        },
        Args {
            max_rounds_in_flight: Some(MAX_ROUNDS_IN_FLIGHT + 1),
            ..args()
        },
        Args {
            funding_sample_secs: Some(0),
            ..args()
        },
    ];
    let names = [
        "exchange",
        "priority_fee",
        "unwind_slippage_bps",
        "rpc_url",
        "metrics_addr",
        "min_own_init_health",
        "max_rounds_in_flight",
        "max_rounds_in_flight",
        "funding_sample_secs",
    ];
    for (args, name) in bad.into_iter().zip(names) {
        let err = KeeperConfig::from_args(args).unwrap_err();
        assert!(err.to_string().contains(name), "{name}: {err}");
    }
}

#[test]
fn config_success_file_values_under_flags() {
    let dir = std::env::temp_dir().join(format!("keel-keeper-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("keeper.toml");
    std::fs::write(
        &path,
        "min_bounty = 7\npriority_fee = \"recent\"\nsweep_fees = false\nmax_rounds_in_flight = 3\nfunding_sample_secs = 12\n",
    )
    .expect("write");
    let config = KeeperConfig::from_args(Args {
        config: Some(path.clone()),
        min_bounty: Some(9),
        ..args()
    })
    .expect("valid");
    assert_eq!(config.min_bounty, 9, "the flag wins over the file");
    assert_eq!(config.fee_policy, FeePolicy::Recent { percentile: 75 });
    assert!(!config.duties.sweep_fees);
    assert_eq!(config.max_rounds_in_flight, 3);
    assert_eq!(config.funding_sample_secs, 12);
    let flag = KeeperConfig::from_args(Args {
        config: Some(path.clone()),
        max_rounds_in_flight: Some(1),
        ..args()
    })
    .expect("valid");
    assert_eq!(flag.max_rounds_in_flight, 1, "the flag wins over the file");
    std::fs::write(&path, "min_bountyy = 7\n").expect("write");
    let err = KeeperConfig::from_args(Args {
        config: Some(path),
        ..args()
    })
    .unwrap_err();
    assert!(err.to_string().contains("min_bountyy"), "{err}");
}

#[test]
fn config_lookup_table_from_flag_or_file_and_bad_values_named() {
    assert_eq!(
        KeeperConfig::from_args(args()).expect("valid").lookup_table,
        None,
        "created at start-up by default"
    );
    let table = Pubkey::new_unique();
    let flag = KeeperConfig::from_args(Args {
        lookup_table: Some(table.to_string()),
        ..args()
    })
    .expect("valid");
    assert_eq!(flag.lookup_table, Some(table));
    let dir = std::env::temp_dir().join(format!("keel-keeper-lookup-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("keeper.toml");
    std::fs::write(&path, format!("lookup_table = \"{table}\"\n")).expect("write");
    let file = KeeperConfig::from_args(Args {
        config: Some(path),
        ..args()
    })
    .expect("valid");
    assert_eq!(file.lookup_table, Some(table));
    let err = KeeperConfig::from_args(Args {
        lookup_table: Some("not-an-address".into()),
        ..args()
    })
    .unwrap_err();
    assert!(err.to_string().contains("lookup_table"), "{err}");
}
