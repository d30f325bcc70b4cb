//! The local node driven over real HTTP and websockets by solana-rpc-client and
//! solana-pubsub-client. One binary, one module per topic; every test starts its own node on
//! free ports (never 8899/8900, so a real node may run beside them).

mod common;
mod test_cluster;
mod test_errors;
mod test_keel;
mod test_lookup;
mod test_measure;
mod test_prices;
mod test_pubsub;
mod test_state;
mod test_tokens;
