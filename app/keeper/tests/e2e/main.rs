//! End-to-end tests of the keeper against an in-process local node (LiteSVM-backed JSON-RPC and
//! PubSub on free ports): traders near the edge, a price shock through the node's price
//! controls, and keepers running as they would in production.

mod full;
mod full_checks;
mod scenario;
mod setup;
mod test_bench;
mod test_cached_step;
mod test_collateral;
mod test_cranks;
mod test_full_account;
mod test_liquidation;
mod test_ops;
mod test_own_risk;
mod test_race;
mod test_table_reuse;
