//! Reading positional JSON-RPC params (`[value, {config}]`) into the official config types, and
//! decoding the base58/base64 strings Solana clients send.

use super::errors::{invalid_params, RpcResult};
use anchor_lang::prelude::Pubkey;
use base64::Engine;
use jsonrpsee::types::Params;
use serde::de::DeserializeOwned;
use solana_hash::Hash;
use solana_signature::Signature;
use solana_transaction_status_client_types::TransactionBinaryEncoding;
use std::str::FromStr;

/// The most bytes a transaction may have on the wire (one packet).
pub const PACKET_DATA_SIZE: usize = 1232;

/// Positional params, read in order.
pub struct Positional<'a> {
    seq: jsonrpsee::types::params::ParamsSequence<'a>,
}

impl<'a> Positional<'a> {
    /// Starts reading `params`.
    pub fn new(params: &'a Params<'a>) -> Self {
        Self {
            seq: params.sequence(),
        }
    }

    /// The next param, which must be present.
    pub fn required<T: DeserializeOwned>(&mut self) -> RpcResult<T> {
        self.seq.next::<T>()
    }

    /// The next param, `None` when absent or null.
    pub fn optional<T: DeserializeOwned>(&mut self) -> RpcResult<Option<T>> {
        self.seq.optional_next::<T>()
    }

    /// The next param or its default when absent.
    pub fn or_default<T: DeserializeOwned + Default>(&mut self) -> RpcResult<T> {
        Ok(self.optional()?.unwrap_or_default())
    }
}

/// Each of `items` read with `read`, refusing more than `max` of them (Agave's message).
pub fn each<T>(
    items: &[String],
    max: usize,
    read: impl Fn(&str) -> RpcResult<T>,
) -> RpcResult<Vec<T>> {
    if items.len() > max {
        return Err(invalid_params(format!(
            "Too many inputs provided; max {max}"
        )));
    }
    items.iter().map(|item| read(item)).collect()
}

/// A base58 address.
pub fn pubkey(s: &str) -> RpcResult<Pubkey> {
    Pubkey::from_str(s).map_err(|e| invalid_params(format!("Invalid param: {e:?}")))
}

/// A base58 signature.
pub fn signature(s: &str) -> RpcResult<Signature> {
    Signature::from_str(s).map_err(|_| invalid_params("Invalid param: not a valid signature"))
}

/// A base58 blockhash.
pub fn blockhash(s: &str) -> RpcResult<Hash> {
    Hash::from_str(s).map_err(|_| invalid_params("Invalid param: not a valid blockhash"))
}

/// Wire bytes of an encoded transaction or message, refusing anything over one packet.
pub fn decode_wire<T: DeserializeOwned>(
    encoded: &str,
    encoding: TransactionBinaryEncoding,
    what: &str,
) -> RpcResult<T> {
    let bytes = match encoding {
        TransactionBinaryEncoding::Base58 => bs58::decode(encoded)
            .into_vec()
            .map_err(|e| invalid_params(format!("invalid base58 encoding: {e}")))?,
        TransactionBinaryEncoding::Base64 => base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|e| invalid_params(format!("invalid base64 encoding: {e}")))?,
    };
    if bytes.len() > PACKET_DATA_SIZE {
        return Err(invalid_params(format!(
            "{what} too large: {} bytes (max: {PACKET_DATA_SIZE} bytes)",
            bytes.len()
        )));
    }
    bincode::deserialize(&bytes)
        .map_err(|e| invalid_params(format!("failed to deserialize {what}: {e}")))
}
