//! The `jsonParsed` transaction encoding: account keys with their writable and signer flags, and
//! every instruction (inner ones too) partially decoded — program and accounts by address,
//! data in base58 — which is how Agave answers for programs it has no parser for.

use super::encode::inner_instructions;
use crate::chain::history::TxRecord;
use anchor_lang::prelude::Pubkey;
use solana_message::compiled_instruction::CompiledInstruction;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction_status_client_types::option_serializer::OptionSerializer;
use solana_transaction_status_client_types::{
    ParsedAccount, ParsedAccountSource, UiInnerInstructions, UiInstruction, UiMessage,
    UiParsedInstruction, UiParsedMessage, UiPartiallyDecodedInstruction, UiTransactionStatusMeta,
};

/// `ix` with its program and accounts named by address (an index past `keys` names nothing).
fn partially_decoded(
    ix: &CompiledInstruction,
    keys: &[Pubkey],
    stack_height: Option<u32>,
) -> UiInstruction {
    let name = |i: u8| {
        keys.get(usize::from(i))
            .map(ToString::to_string)
            .unwrap_or_default()
    };
    UiInstruction::Parsed(UiParsedInstruction::PartiallyDecoded(
        UiPartiallyDecodedInstruction {
            program_id: name(ix.program_id_index),
            accounts: ix.accounts.iter().map(|i| name(*i)).collect(),
            data: bs58::encode(&ix.data).into_string(),
            stack_height,
        },
    ))
}

/// The message of `tx` in the parsed shape.
pub fn message(tx: &VersionedTransaction) -> UiMessage {
    let keys = tx.message.static_account_keys();
    UiMessage::Parsed(UiParsedMessage {
        account_keys: keys
            .iter()
            .enumerate()
            .map(|(i, key)| ParsedAccount {
                pubkey: key.to_string(),
                writable: tx.message.is_maybe_writable(i, None),
                signer: tx.message.is_signer(i),
                source: Some(ParsedAccountSource::Transaction),
            })
            .collect(),
        recent_blockhash: tx.message.recent_blockhash().to_string(),
        instructions: tx
            .message
            .instructions()
            .iter()
            .map(|ix| partially_decoded(ix, keys, None))
            .collect(),
        address_table_lookups: tx
            .message
            .address_table_lookups()
            .map(|lookups| lookups.iter().map(Into::into).collect()),
    })
}

/// `meta` with its inner instructions in the parsed shape.
pub fn meta(mut meta: UiTransactionStatusMeta, record: &TxRecord) -> UiTransactionStatusMeta {
    let keys = record.transaction.message.static_account_keys();
    let inner = inner_instructions(&record.meta.inner_instructions)
        .into_iter()
        .map(|group| UiInnerInstructions {
            index: group.index,
            instructions: group
                .instructions
                .iter()
                .map(|ix| partially_decoded(&ix.instruction, keys, ix.stack_height))
                .collect(),
        })
        .collect();
    meta.inner_instructions = OptionSerializer::Some(inner);
    meta
}
