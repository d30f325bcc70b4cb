//! A node started in-process on free ports, driven through solana-rpc-client exactly as an
//! external client would, with helpers that build Keel and SPL Token transactions with the same
//! builders as the program's own integration tests.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::AnchorDeserialize;
use anchor_spl::token::{Mint, TokenAccount};
use base64::Engine;
use keel::instructions::risk::HealthReport;
use keel::instructions::risk::ListAssetArgs;
use keel::oracle::OracleKind;
use keel_client::health::{health_accounts, KnownAsset};
use keel_client::{accounts, instructions as kix, pda};
use keel_localnet::{Node, NodeConfig};
use keel_tests::context::quote_params;
use keel_tests::tokens::{create_mint_instructions, create_token_account_instructions};
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client_api::client_error::Error as ClientError;
use solana_rpc_client_api::config::RpcSimulateTransactionConfig;
use solana_signature::Signature;
use solana_signer::Signer;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;
use solana_transaction_status_client_types::TransactionStatus;
use std::time::Duration;

/// Slot time used by the tests (short, so that confirmations come quickly).
pub const TEST_SLOT: Duration = Duration::from_millis(20);
/// Lamports the payer starts with.
pub const PAYER_LAMPORTS: u64 = 100_000_000_000;

/// A running node and a funded payer.
pub struct Localnet {
    /// The node.
    pub node: Node,
    /// A client at the `confirmed` commitment.
    pub rpc: RpcClient,
    /// Pays for and signs every transaction.
    pub payer: Keypair,
}

/// An exchange created through RPC, with its quote asset listed.
pub struct TestExchange {
    /// The admin (and creator).
    pub admin: Keypair,
    /// The exchange PDA.
    pub exchange: Pubkey,
    /// The quote mint (6 decimals, the payer is its authority).
    pub quote_mint: Pubkey,
}

impl Localnet {
    /// Starts a node on free ports and funds a payer through `requestAirdrop`.
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Like [`Localnet::start`], with the configuration changed by `change` first.
    pub async fn start_with(change: impl FnOnce(&mut NodeConfig)) -> Self {
        let mut config = NodeConfig::local(0, 0);
        config.slot_time = TEST_SLOT;
        change(&mut config);
        let node = Node::start(config).await.expect("node starts");
        let rpc = RpcClient::new_with_commitment(node.rpc_url(), CommitmentConfig::confirmed());
        let payer = Keypair::new();
        let net = Self { node, rpc, payer };
        net.airdrop(&net.payer.pubkey(), PAYER_LAMPORTS).await;
        net
    }

    /// Airdrops `lamports` to `to` and waits for the confirmation.
    pub async fn airdrop(&self, to: &Pubkey, lamports: u64) -> Signature {
        let sig = self
            .rpc
            .request_airdrop(to, lamports)
            .await
            .expect("requestAirdrop");
        self.confirm(&sig).await;
        sig
    }

    /// Polls the status of `sig` until it is confirmed, failed or not (panics after 5 s).
    pub async fn confirm(&self, sig: &Signature) -> TransactionStatus {
        for _ in 0..250 {
            let status = self
                .rpc
                .get_signature_statuses(&[*sig])
                .await
                .expect("getSignatureStatuses")
                .value
                .remove(0);
            if let Some(status) =
                status.filter(|s| s.satisfies_commitment(CommitmentConfig::confirmed()))
            {
                return status;
            }
            tokio::time::sleep(TEST_SLOT).await;
        }
        panic!("{sig} not confirmed within 5 s");
    }

    /// A transaction of `ixs` paid by the payer, signed by it and `signers`, on the latest
    /// blockhash.
    pub async fn transaction(&self, ixs: &[Instruction], signers: &[&Keypair]) -> Transaction {
        let blockhash = self
            .rpc
            .get_latest_blockhash()
            .await
            .expect("getLatestBlockhash");
        let mut keys: Vec<&Keypair> = vec![&self.payer];
        keys.extend_from_slice(signers);
        Transaction::new_signed_with_payer(ixs, Some(&self.payer.pubkey()), &keys, blockhash)
    }

    /// Sends `ixs` and waits for confirmation.
    pub async fn send(
        &self,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<Signature, ClientError> {
        let tx = self.transaction(ixs, signers).await;
        self.rpc.send_and_confirm_transaction(&tx).await
    }

    /// Creates a mint with `decimals`, the payer as mint authority.
    pub async fn create_mint(&self, decimals: u8) -> Pubkey {
        let mint = Keypair::new();
        let rent = self
            .rpc
            .get_minimum_balance_for_rent_exemption(Mint::LEN)
            .await
            .expect("rent");
        let payer = self.payer.pubkey();
        self.send(
            &create_mint_instructions(&payer, &mint.pubkey(), &payer, rent, decimals),
            &[&mint],
        )
        .await
        .expect("create mint");
        mint.pubkey()
    }

    /// Creates a token account of `mint` owned by `owner`.
    pub async fn create_token_account(&self, mint: &Pubkey, owner: &Pubkey) -> Pubkey {
        let account = Keypair::new();
        let rent = self
            .rpc
            .get_minimum_balance_for_rent_exemption(TokenAccount::LEN)
            .await
            .expect("rent");
        let ixs = create_token_account_instructions(
            &self.payer.pubkey(),
            &account.pubkey(),
            mint,
            owner,
            rent,
        );
        self.send(&ixs, &[&account])
            .await
            .expect("create token account");
        account.pubkey()
    }

    /// Mints `amount` of `mint` (whose authority is the payer) to `to`.
    pub async fn mint_to(&self, mint: &Pubkey, to: &Pubkey, amount: u64) {
        let ix = anchor_spl::token::spl_token::instruction::mint_to(
            &anchor_spl::token::ID,
            mint,
            to,
            &self.payer.pubkey(),
            &[],
            amount,
        )
        .expect("mint_to with valid keys");
        self.send(&[ix], &[]).await.expect("mint_to");
    }

    /// The token balance of `account` read through getAccountInfo.
    pub async fn token_balance(&self, account: &Pubkey) -> u64 {
        let data = self
            .rpc
            .get_account_data(account)
            .await
            .expect("token account");
        <TokenAccount as anchor_lang::AccountDeserialize>::try_deserialize(&mut data.as_slice())
            .expect("token account data")
            .amount
    }

    /// Creates an exchange with a quote mint of 6 decimals listed at a fixed 1:1 price.
    pub async fn create_exchange(&self) -> TestExchange {
        let admin = Keypair::new();
        self.airdrop(&admin.pubkey(), 10_000_000_000).await;
        let quote_mint = self.create_mint(6).await;
        let exchange = pda::exchange(&admin.pubkey());
        self.send(
            &[kix::initialize_exchange(
                &admin.pubkey(),
                &admin.pubkey(),
                &quote_mint,
            )],
            &[&admin],
        )
        .await
        .expect("initialize_exchange");
        let args = ListAssetArgs {
            params: quote_params(),
            oracle_kind: OracleKind::Fixed,
            feed_id: [0; 32],
        };
        let list = kix::list_asset(
            &self.payer.pubkey(),
            &admin.pubkey(),
            &exchange,
            &quote_mint,
            None,
            args,
        );
        self.send(&[list], &[&admin])
            .await
            .expect("list quote asset");
        TestExchange {
            admin,
            exchange,
            quote_mint,
        }
    }

    /// Creates margin account `index` of `owner` (the owner signs, the payer pays).
    pub async fn create_margin_account(
        &self,
        exchange: &Pubkey,
        owner: &Keypair,
        index: u16,
    ) -> Pubkey {
        let ix = kix::create_margin_account(&self.payer.pubkey(), &owner.pubkey(), exchange, index);
        self.send(&[ix], &[owner])
            .await
            .expect("create_margin_account");
        pda::margin_account(exchange, &owner.pubkey(), index)
    }

    /// A transfer of `lamports` from the payer to `to`.
    pub fn pay(&self, to: &Pubkey, lamports: u64) -> Instruction {
        solana_system_interface::instruction::transfer(&self.payer.pubkey(), to, lamports)
    }

    /// A trader of `ex` with margin account 0 and a quote wallet holding `funded` native units.
    pub async fn trader(&self, ex: &TestExchange, funded: u64) -> Trader {
        let owner = Keypair::new();
        self.airdrop(&owner.pubkey(), 1_000_000_000).await;
        let account = self.create_margin_account(&ex.exchange, &owner, 0).await;
        let wallet = self
            .create_token_account(&ex.quote_mint, &owner.pubkey())
            .await;
        self.mint_to(&ex.quote_mint, &wallet, funded).await;
        Trader {
            owner,
            account,
            wallet,
        }
    }

    /// The listed asset of `mint` on `exchange`, as the client knows it.
    pub async fn known_asset(&self, exchange: &Pubkey, mint: &Pubkey) -> KnownAsset {
        let address = pda::asset(exchange, mint);
        let data = self
            .rpc
            .get_account_data(&address)
            .await
            .expect("asset account");
        KnownAsset {
            address,
            asset: accounts::collateral_asset(&data).expect("a CollateralAsset"),
        }
    }

    /// The health accounts of `account` in the program's order.
    pub async fn health_metas(&self, account: &Pubkey, known: &[KnownAsset]) -> Vec<AccountMeta> {
        let data = self
            .rpc
            .get_account_data(account)
            .await
            .expect("margin account");
        let margin = accounts::margin_account(&data).expect("a MarginAccount");
        health_accounts(&margin, known, &[]).expect("every held asset is known")
    }

    /// The `health` view of `account` simulated over RPC (signatures verified): the report
    /// decoded from the return data, or the transaction's error.
    pub async fn health(
        &self,
        exchange: &Pubkey,
        account: &Pubkey,
        known: &[KnownAsset],
    ) -> Result<HealthReport, TransactionError> {
        let metas = self.health_metas(account, known).await;
        let tx = self
            .transaction(&[kix::health(exchange, account, metas)], &[])
            .await;
        let config = RpcSimulateTransactionConfig {
            sig_verify: true,
            ..Default::default()
        };
        let sim = self
            .rpc
            .simulate_transaction_with_config(&tx, config)
            .await
            .expect("simulateTransaction")
            .value;
        if let Some(err) = sim.err {
            return Err(err.into());
        }
        let data = sim.return_data.expect("the health view returns data");
        assert_eq!(data.program_id, keel::ID.to_string());
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&data.data.0)
            .expect("base64 return data");
        Ok(HealthReport::deserialize(&mut bytes.as_slice()).expect("a HealthReport"))
    }
}

/// A trader: owner, margin account, quote wallet.
pub struct Trader {
    /// Owns the margin account and the wallet.
    pub owner: Keypair,
    /// Margin account 0 of the owner.
    pub account: Pubkey,
    /// The owner's quote token account.
    pub wallet: Pubkey,
}
