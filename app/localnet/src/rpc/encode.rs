//! The node's records in the RPC's official shapes: simulation results, transaction metas,
//! encoded transactions.

use crate::chain::history::TxRecord;
use crate::chain::Simulation;
use base64::Engine;
use litesvm::types::TransactionMetadata;
use solana_account_decoder::UiAccount;
use solana_message::inner_instruction::InnerInstructionsList;
use solana_rpc_client_api::response::{RpcBlockhash, RpcSimulateTransactionResult};
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction_context::TransactionReturnData;
use solana_transaction_status_client_types::{
    EncodedTransaction, InnerInstruction, InnerInstructions, TransactionBinaryEncoding,
    TransactionStatusMeta, UiCompiledInstruction, UiInnerInstructions, UiMessage, UiRawMessage,
    UiTransaction, UiTransactionEncoding, UiTransactionReturnData, UiTransactionStatusMeta,
};

/// Return data, or `None` when the transaction set none.
pub fn return_data(data: &TransactionReturnData) -> Option<TransactionReturnData> {
    (!data.data.is_empty() || data.program_id != Default::default()).then(|| data.clone())
}

/// Inner instructions in the status-meta shape (stack heights as the runtime recorded them).
pub fn inner_instructions(list: &InnerInstructionsList) -> Vec<InnerInstructions> {
    list.iter()
        .enumerate()
        .filter(|(_, ixs)| !ixs.is_empty())
        .map(|(index, ixs)| InnerInstructions {
            index: index as u8,
            instructions: ixs
                .iter()
                .map(|ix| InnerInstruction {
                    instruction: ix.instruction.clone(),
                    stack_height: Some(u32::from(ix.stack_height)),
                })
                .collect(),
        })
        .collect()
}

/// A simulation as simulateTransaction (and a preflight failure) reports it.
pub fn simulation_result(
    sim: &Simulation,
    accounts: Option<Vec<Option<UiAccount>>>,
    with_inner: bool,
) -> RpcSimulateTransactionResult {
    let meta: &TransactionMetadata = &sim.meta;
    RpcSimulateTransactionResult {
        err: sim.result.clone().err().map(Into::into),
        logs: Some(meta.logs.clone()),
        accounts,
        units_consumed: Some(meta.compute_units_consumed),
        loaded_accounts_data_size: None,
        return_data: return_data(&meta.return_data).map(UiTransactionReturnData::from),
        inner_instructions: with_inner.then(|| {
            inner_instructions(&meta.inner_instructions)
                .into_iter()
                .map(UiInnerInstructions::from)
                .collect()
        }),
        replacement_blockhash: sim
            .replacement_blockhash
            .map(|(hash, last_valid_block_height)| RpcBlockhash {
                blockhash: hash.to_string(),
                last_valid_block_height,
            }),
        fee: Some(meta.fee),
        pre_balances: None,
        post_balances: None,
        pre_token_balances: None,
        post_token_balances: None,
        loaded_addresses: None,
    }
}

/// The status meta getTransaction reports for a landed transaction.
pub fn status_meta(record: &TxRecord) -> UiTransactionStatusMeta {
    UiTransactionStatusMeta::from(TransactionStatusMeta {
        status: record.err.clone().map_or(Ok(()), Err),
        fee: record.meta.fee,
        pre_balances: record.pre_balances.clone(),
        post_balances: record.post_balances.clone(),
        inner_instructions: Some(inner_instructions(&record.meta.inner_instructions)),
        log_messages: Some(record.meta.logs.clone()),
        pre_token_balances: Some(vec![]),
        post_token_balances: Some(vec![]),
        rewards: Some(vec![]),
        loaded_addresses: record.loaded.clone(),
        return_data: return_data(&record.meta.return_data),
        compute_units_consumed: Some(record.meta.compute_units_consumed),
        cost_units: None,
    })
}

/// `tx` in `encoding`: base58/base64 of its wire bytes, JSON with the raw message, or the
/// parsed message for `jsonParsed`.
pub fn encode_transaction(
    tx: &VersionedTransaction,
    encoding: UiTransactionEncoding,
) -> EncodedTransaction {
    let wire = || bincode::serialize(tx).unwrap_or_default();
    match encoding {
        UiTransactionEncoding::Binary => {
            EncodedTransaction::LegacyBinary(bs58::encode(wire()).into_string())
        }
        UiTransactionEncoding::Base58 => EncodedTransaction::Binary(
            bs58::encode(wire()).into_string(),
            TransactionBinaryEncoding::Base58,
        ),
        UiTransactionEncoding::Base64 => EncodedTransaction::Binary(
            base64::engine::general_purpose::STANDARD.encode(wire()),
            TransactionBinaryEncoding::Base64,
        ),
        UiTransactionEncoding::JsonParsed => EncodedTransaction::Json(UiTransaction {
            signatures: tx.signatures.iter().map(ToString::to_string).collect(),
            message: super::parsed::message(tx),
        }),
        UiTransactionEncoding::Json => EncodedTransaction::Json(UiTransaction {
            signatures: tx.signatures.iter().map(ToString::to_string).collect(),
            message: UiMessage::Raw(UiRawMessage {
                header: *tx.message.header(),
                account_keys: tx
                    .message
                    .static_account_keys()
                    .iter()
                    .map(ToString::to_string)
                    .collect(),
                recent_blockhash: tx.message.recent_blockhash().to_string(),
                instructions: tx
                    .message
                    .instructions()
                    .iter()
                    .map(|ix| UiCompiledInstruction::from(ix, Some(1)))
                    .collect(),
                address_table_lookups: tx
                    .message
                    .address_table_lookups()
                    .map(|lookups| lookups.iter().map(Into::into).collect()),
            }),
        }),
    }
}
