//! Reading Keel events back from transaction logs.

use anchor_lang::{AnchorDeserialize, Discriminator, Event};
use base64::Engine;

/// Prefixes under which event data appears in logs (on-chain, and from native tests).
const DATA_PREFIXES: [&str; 2] = ["Program data: ", "Program log: Program data: "];

/// Every event of type `E` in `logs`, in order.
pub fn events_of<E: Event + AnchorDeserialize + Discriminator>(logs: &[String]) -> Vec<E> {
    logs.iter()
        .filter_map(|line| DATA_PREFIXES.iter().find_map(|p| line.strip_prefix(p)))
        .filter_map(|encoded| base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok())
        .filter(|bytes| bytes.starts_with(E::DISCRIMINATOR))
        .filter_map(|bytes| E::deserialize(&mut &bytes[E::DISCRIMINATOR.len()..]).ok())
        .collect()
}
