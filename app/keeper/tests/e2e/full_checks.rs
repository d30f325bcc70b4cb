//! What the full-capacity test reads back: the program's health view simulated as a v0
//! transaction, the reconciliations over every market, the keeper's landed transactions and
//! their instructions rebuilt from the lookup table.

use crate::full::Full;
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::AnchorDeserialize;
use base64::Engine;
use keel::instructions::risk::HealthReport;
use keel::state::LIQUIDATION_ENDED;
use keel_client::lookup_table::{self as alt, AddressLookupTableAccount};
use keel_client::{accounts as decode, instructions as kix};
use solana_commitment_config::CommitmentConfig;
use solana_rpc_client_api::config::RpcTransactionConfig;
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction_status_client_types::{UiTransactionEncoding, UiTransactionStatusMeta};

impl Full {
    /// Whether `key`'s liquidation has ended with LiquidationEnd health ≥ 0 in the program's
    /// view.
    pub async fn liquidated_to_end(&self, key: &Pubkey) -> bool {
        self.net.margin(key).await.being_liquidated == LIQUIDATION_ENDED
            && self.health_view(key).await.liquidation_end.health >= 0
    }

    /// The program's `health` view of `key`, simulated as a v0 transaction (a full account's
    /// view names 47 health accounts: no legacy transaction carries it).
    pub async fn health_view(&self, key: &Pubkey) -> HealthReport {
        let ix = kix::health(&self.net.exchange, key, self.health_metas(key).await);
        let blockhash = self
            .net
            .rpc
            .get_latest_blockhash()
            .await
            .expect("blockhash");
        let message = alt::v0_message(
            &self.net.payer.pubkey(),
            &[ix],
            std::slice::from_ref(&self.table),
            blockhash,
        )
        .expect("compiles");
        let tx = VersionedTransaction::try_new(message, &[&self.net.payer]).expect("signs");
        let sim = self
            .net
            .rpc
            .simulate_transaction(&tx)
            .await
            .expect("simulateTransaction")
            .value;
        assert!(
            sim.err.is_none(),
            "health view failed: {:?} {:?}",
            sim.err,
            sim.logs
        );
        let data = sim.return_data.expect("the health view returns data");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&data.data.0)
            .expect("base64");
        HealthReport::deserialize(&mut bytes.as_slice()).expect("a HealthReport")
    }

    /// Asserts the insurance fund reconciles over every market's fee share (as
    /// [`Net::assert_fund_reconciles`] does for one market).
    pub async fn assert_fund_reconciles(&self) {
        let rpc = &self.net.rpc;
        let fund = self.net.fund().await;
        let quote = decode::collateral_asset(
            &rpc.get_account_data(&self.assets[0].address)
                .await
                .expect("quote"),
        )
        .expect("decodes");
        let mut fees = 0u64;
        for known in &self.markets {
            fees +=
                decode::perp_market(&rpc.get_account_data(&known.address).await.expect("market"))
                    .expect("decodes")
                    .insurance_fees_booked as u64;
        }
        let inflows =
            fund.total_deposited + fund.total_penalties + fees + quote.bank.total_interest_fees;
        let flows =
            inflows - fund.total_withdrawn - fund.total_bounties - fund.total_deficits_covered;
        assert_eq!(
            fund.balance + quote.bank.insurance_claim,
            flows,
            "the fund's vault and claim are its flows"
        );
        let vault = rpc
            .get_token_account_balance(&fund.vault)
            .await
            .expect("vault balance");
        assert_eq!(
            vault.amount,
            fund.balance.to_string(),
            "the insurance vault holds the fund's balance"
        );
    }

    /// Asserts open interest balances in every market: the positions of `accounts` (every
    /// account with one) net to zero and equal the market's long and short totals.
    pub async fn assert_positions_balance(&self, accounts: &[Pubkey]) {
        for known in &self.markets {
            let index = known.market.index;
            let (mut longs, mut shorts) = (0i64, 0i64);
            for key in accounts {
                let lots = self
                    .net
                    .margin(key)
                    .await
                    .perp(index)
                    .map_or(0, |p| p.base_lots);
                if lots > 0 {
                    longs += lots
                } else {
                    shorts -= lots
                }
            }
            let market = decode::perp_market(
                &self
                    .net
                    .rpc
                    .get_account_data(&known.address)
                    .await
                    .expect("market"),
            )
            .expect("decodes");
            assert_eq!(longs, shorts, "market {index}: positions net to zero");
            assert_eq!(
                (market.long_lots, market.short_lots),
                (longs, shorts),
                "market {index}: open interest is the accounts' positions"
            );
        }
    }

    /// Every landed transaction `payer` paid for, oldest first, decoded with its meta.
    pub async fn paid_by(
        &self,
        payer: &Pubkey,
    ) -> Vec<(VersionedTransaction, UiTransactionStatusMeta)> {
        let rpc = &self.net.rpc;
        let config = RpcTransactionConfig {
            encoding: Some(UiTransactionEncoding::Base64),
            commitment: Some(CommitmentConfig::confirmed()),
            max_supported_transaction_version: Some(0),
        };
        let mut found = vec![];
        for status in rpc
            .get_signatures_for_address(payer)
            .await
            .expect("getSignaturesForAddress")
            .into_iter()
            .rev()
        {
            let sig = status.signature.parse().expect("a signature");
            let landed = rpc
                .get_transaction_with_config(&sig, config)
                .await
                .expect("getTransaction")
                .transaction;
            let tx = landed.transaction.decode().expect("a transaction");
            if tx.message.static_account_keys()[0] == *payer {
                found.push((tx, landed.meta.expect("meta")));
            }
        }
        found
    }
}

/// The instructions of `tx` with every account resolved (static keys, then `table`'s writable
/// and read-only lookups), as a client would rebuild them.
pub fn instructions_of(
    tx: &VersionedTransaction,
    table: &AddressLookupTableAccount,
) -> Vec<Instruction> {
    let message = &tx.message;
    let mut keys = message.static_account_keys().to_vec();
    for lookup in message.address_table_lookups().unwrap_or_default() {
        assert_eq!(
            lookup.account_key, table.key,
            "only the keeper's table is looked up"
        );
        keys.extend(
            lookup
                .writable_indexes
                .iter()
                .map(|i| table.addresses[*i as usize]),
        );
    }
    for lookup in message.address_table_lookups().unwrap_or_default() {
        keys.extend(
            lookup
                .readonly_indexes
                .iter()
                .map(|i| table.addresses[*i as usize]),
        );
    }
    message
        .instructions()
        .iter()
        .map(|ix| Instruction {
            program_id: keys[ix.program_id_index as usize],
            accounts: ix
                .accounts
                .iter()
                .map(|i| AccountMeta {
                    pubkey: keys[*i as usize],
                    is_signer: message.is_signer(*i as usize),
                    is_writable: message.is_maybe_writable(*i as usize, None),
                })
                .collect(),
            data: ix.data.clone(),
        })
        .collect()
}
