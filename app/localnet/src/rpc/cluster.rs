//! Cluster methods: blockhashes, slots and heights, epoch, version, genesis, health, fees.

use super::errors::RpcResult;
use super::params::{blockhash, decode_wire, each, pubkey, Positional};
use super::{context, method, RpcState};
use jsonrpsee::core::RegisterMethodError;
use jsonrpsee::server::RpcModule;
use jsonrpsee::types::Params;
use solana_epoch_info::EpochInfo;
use solana_message::VersionedMessage;
use solana_rpc_client_api::response::{
    Response, RpcBlockhash, RpcPrioritizationFee, RpcVersionInfo,
};
use solana_transaction_status_client_types::TransactionBinaryEncoding;
use std::sync::Arc;

/// The Agave version whose runtime the node runs.
pub const SOLANA_CORE_VERSION: &str = "3.1.12";

/// Registers the cluster methods.
pub fn register(module: &mut RpcModule<RpcState>) -> Result<(), RegisterMethodError> {
    method!(module, "getLatestBlockhash", latest_blockhash);
    method!(module, "isBlockhashValid", is_blockhash_valid);
    method!(module, "getSlot", slot);
    method!(module, "getBlockHeight", block_height);
    method!(module, "getEpochInfo", epoch_info);
    method!(module, "getGenesisHash", genesis_hash);
    method!(module, "getFeeForMessage", fee_for_message);
    method!(
        module,
        "getRecentPrioritizationFees",
        recent_prioritization_fees
    );
    method!(module, "getVersion", version);
    module.register_method("getHealth", |_, _, _| RpcResult::Ok("ok"))?;
    Ok(())
}

async fn latest_blockhash(
    _: Params<'static>,
    state: Arc<RpcState>,
) -> RpcResult<Response<RpcBlockhash>> {
    let (slot, (hash, last_valid_block_height)) =
        state.run(|c| (c.slot(), c.latest_blockhash())).await?;
    Ok(Response {
        context: context(slot),
        value: RpcBlockhash {
            blockhash: hash.to_string(),
            last_valid_block_height,
        },
    })
}

async fn is_blockhash_valid(
    params: Params<'static>,
    state: Arc<RpcState>,
) -> RpcResult<Response<bool>> {
    let hash = blockhash(&Positional::new(&params).required::<String>()?)?;
    let (slot, valid) = state
        .run(move |c| (c.slot(), c.is_blockhash_valid(&hash)))
        .await?;
    Ok(Response {
        context: context(slot),
        value: valid,
    })
}

async fn version(_: Params<'static>, state: Arc<RpcState>) -> RpcResult<RpcVersionInfo> {
    let feature_set = state.run(|c| c.feature_set_id()).await?;
    Ok(RpcVersionInfo {
        solana_core: SOLANA_CORE_VERSION.into(),
        feature_set: Some(feature_set),
    })
}

async fn slot(_: Params<'static>, state: Arc<RpcState>) -> RpcResult<u64> {
    state.run(|c| c.slot()).await
}

async fn block_height(_: Params<'static>, state: Arc<RpcState>) -> RpcResult<u64> {
    state.run(|c| c.block_height()).await
}

async fn epoch_info(_: Params<'static>, state: Arc<RpcState>) -> RpcResult<EpochInfo> {
    state
        .run(|c| {
            let position = c.epoch_position();
            EpochInfo {
                epoch: position.epoch,
                slot_index: position.slot_index,
                slots_in_epoch: position.slots_in_epoch,
                absolute_slot: c.slot(),
                block_height: c.block_height(),
                transaction_count: Some(c.transaction_count()),
            }
        })
        .await
}

async fn genesis_hash(_: Params<'static>, state: Arc<RpcState>) -> RpcResult<String> {
    state.run(|c| c.genesis_hash().to_string()).await
}

async fn fee_for_message(
    params: Params<'static>,
    state: Arc<RpcState>,
) -> RpcResult<Response<Option<u64>>> {
    let encoded: String = Positional::new(&params).required()?;
    let message: VersionedMessage =
        decode_wire(&encoded, TransactionBinaryEncoding::Base64, "message")?;
    let (slot, fee) = state
        .run(move |c| {
            (
                c.slot(),
                c.is_blockhash_valid(message.recent_blockhash())
                    .then(|| c.fee_for_message(&message)),
            )
        })
        .await?;
    Ok(Response {
        context: context(slot),
        value: fee,
    })
}

/// The most accounts getRecentPrioritizationFees may name (Agave's limit).
pub const MAX_PRIORITIZATION_FEE_ACCOUNTS: usize = 128;

async fn recent_prioritization_fees(
    params: Params<'static>,
    state: Arc<RpcState>,
) -> RpcResult<Vec<RpcPrioritizationFee>> {
    let keys: Vec<String> = Positional::new(&params).or_default()?;
    let accounts = each(&keys, MAX_PRIORITIZATION_FEE_ACCOUNTS, pubkey)?;
    let fees = state
        .run(move |c| c.recent_prioritization_fees(&accounts))
        .await?;
    Ok(fees
        .into_iter()
        .map(|(slot, prioritization_fee)| RpcPrioritizationFee {
            slot,
            prioritization_fee,
        })
        .collect())
}
