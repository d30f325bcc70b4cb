//! A local node started in-process on free ports with still feeds, an exchange on it (quote
//! USDC, an insurance fund, SOL-PERP on the node's SOL/USD feed), traders and keepers — all
//! built with keel-client's builders over solana-rpc-client, as any client would.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_spl::token::{Mint, TokenAccount};
use keel::instructions::markets::{ListPerpMarketArgs, OrderType, PlaceOrderArgs, SelfTradeBehavior};
use keel::instructions::risk::ListAssetArgs;
use keel::oracle::OracleKind;
use keel::state::{BountyParams, FillQueue, InsuranceFund, MarginAccount, OrderBook, PerpMarket, Side};
use anchor_lang::AnchorDeserialize;
use base64::Engine;
use keel::instructions::risk::HealthReport;
use keel_client::health::{health_accounts, trade_health_accounts, KnownAsset, KnownMarket};
use keel_client::markets::{self as mix, MarketKeys};
use keel_client::{accounts as decode, insurance as iix, instructions as kix, pda};
use keel_keeper::{Keeper, KeeperConfig, Metrics};
use keel_localnet::{Node, NodeConfig};
use keel_tests::context::quote_params;
use keel_tests::markets::perp_params;
use keel_tests::tokens::{create_mint_instructions, create_token_account_instructions};
use serde_json::json;
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client_api::request::RpcRequest;
use solana_signer::Signer;
use solana_transaction::Transaction;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Slot time of the test node.
pub const SLOT: Duration = Duration::from_millis(20);
/// One USDC, quote native.
pub const USDC: u64 = 1_000_000;
/// SOL-PERP price lots per USD (lots of 0.01 SOL, quote lot 1 native).
pub const LOTS_PER_USD: i64 = 10_000;
/// What the insurance fund is seeded with.
pub const FUND_SEED: u64 = 1_000 * USDC;

/// A node with an exchange, ready for traders.
pub struct Net {
    /// The node.
    pub node: Node,
    /// A client at `confirmed`.
    pub rpc: RpcClient,
    /// Pays for everything, mint authority of the quote mint.
    pub payer: Keypair,
    /// The exchange.
    pub exchange: Pubkey,
    /// The quote mint.
    pub quote_mint: Pubkey,
    /// SOL-PERP's accounts.
    pub keys: MarketKeys,
    /// The exchange admin.
    pub admin: Keypair,
    /// SOL's mint, once listed as collateral.
    pub sol_mint: Option<Pubkey>,
}

/// A trader: owner, margin account 0, quote wallet.
pub struct Trader {
    /// The owner.
    pub owner: Keypair,
    /// Margin account 0.
    pub account: Pubkey,
}

/// A running keeper.
pub struct RunningKeeper {
    /// Its metrics.
    pub metrics: Arc<Metrics>,
    /// Its margin account.
    pub account: Pubkey,
    /// The address lookup table it opened at start-up.
    pub lookup_table: Option<Pubkey>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl RunningKeeper {
    /// Stops it and waits; panics if its task panicked.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        tokio::time::timeout(Duration::from_secs(20), self.task).await.expect("keeper stops within 20 s").expect("keeper task did not panic");
    }
}

/// A limit order that may rest.
pub fn limit(side: Side, dollars: i64, base_lots: i64) -> PlaceOrderArgs {
    PlaceOrderArgs {
        side,
        order_type: OrderType::Limit,
        price_lots: dollars * LOTS_PER_USD,
        base_lots,
        client_order_id: 0,
        reduce_only: false,
        self_trade: SelfTradeBehavior::AbortTransaction,
        expiry_ts: 0,
        max_touched: 16,
    }
}

impl Net {
    /// Starts a node (feeds still) and creates the exchange with SOL-PERP at 100 USD.
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// [`Net::start`] with the node's configuration changed by `change` first.
    pub async fn start_with(change: impl FnOnce(&mut NodeConfig)) -> Self {
        let mut config = NodeConfig::local(0, 0);
        config.slot_time = SLOT;
        config.prices.feeds.iter_mut().for_each(|f| f.volatility = 0.0);
        change(&mut config);
        let node = Node::start(config).await.expect("node starts");
        let rpc = RpcClient::new_with_commitment(node.rpc_url(), CommitmentConfig::confirmed());
        let payer = Keypair::new();
        let sig = rpc.request_airdrop(&payer.pubkey(), 1_000_000_000_000).await.expect("airdrop");
        wait_confirmed(&rpc, &sig).await;
        let admin = Keypair::new();
        let mut net = Self { node, rpc, payer, exchange: Pubkey::default(), quote_mint: Pubkey::default(), keys: placeholder_keys(), admin, sol_mint: None };
        net.set_price(100.0).await;
        net.create_exchange().await;
        net
    }

    /// Sends `ixs` paid by the payer and signed by it and `signers`; panics on failure.
    pub async fn send(&self, ixs: &[Instruction], signers: &[&Keypair]) {
        let blockhash = self.rpc.get_latest_blockhash().await.expect("blockhash");
        let mut keys: Vec<&Keypair> = vec![&self.payer];
        keys.extend_from_slice(signers);
        let tx = Transaction::new_signed_with_payer(ixs, Some(&self.payer.pubkey()), &keys, blockhash);
        self.rpc.send_and_confirm_transaction(&tx).await.expect("transaction lands");
    }

    async fn rent(&self, len: usize) -> u64 {
        self.rpc.get_minimum_balance_for_rent_exemption(len).await.expect("rent")
    }

    /// A quote token account of `owner` holding `amount`.
    pub async fn wallet(&self, owner: &Pubkey, amount: u64) -> Pubkey {
        let account = Keypair::new();
        let rent = self.rent(TokenAccount::LEN).await;
        let mut ixs = create_token_account_instructions(&self.payer.pubkey(), &account.pubkey(), &self.quote_mint, owner, rent).to_vec();
        if amount > 0 {
            let mint_to = anchor_spl::token::spl_token::instruction::mint_to(&anchor_spl::token::ID, &self.quote_mint, &account.pubkey(), &self.payer.pubkey(), &[], amount)
                .expect("mint_to with valid keys");
            ixs.push(mint_to);
        }
        self.send(&ixs, &[&account]).await;
        account.pubkey()
    }

    /// The node's SOL/USD feed: its account and feed id.
    async fn sol_feed(&self) -> (Pubkey, [u8; 32]) {
        let feeds: serde_json::Value = self.rpc.send(RpcRequest::Custom { method: "keel_feeds" }, json!([])).await.expect("keel_feeds");
        let feed = feeds.as_array().and_then(|f| f.iter().find(|f| f["symbol"] == "SOL/USD")).cloned().expect("SOL/USD feed");
        let address = Pubkey::from_str(feed["address"].as_str().expect("address")).expect("pubkey");
        let feed_id = keel_localnet::prices::feed::feed_id_from_hex(feed["feedId"].as_str().expect("feed id")).expect("hex feed id");
        (address, feed_id)
    }

    /// Publishes SOL at `dollars` with no confidence band (the node's price control).
    pub async fn set_price(&self, dollars: f64) {
        let _: serde_json::Value =
            self.rpc.send(RpcRequest::Custom { method: "keel_setPrice" }, json!(["SOL/USD", dollars, {"confBps": 0.0}])).await.expect("keel_setPrice");
    }

    async fn create_exchange(&mut self) {
        let admin = self.admin.insecure_clone();
        let payer = self.payer.pubkey();
        let mint = Keypair::new();
        let rent = self.rent(Mint::LEN).await;
        self.send(&create_mint_instructions(&payer, &mint.pubkey(), &payer, rent, 6), &[&mint]).await;
        self.quote_mint = mint.pubkey();
        self.exchange = pda::exchange(&admin.pubkey());
        let quote = ListAssetArgs { params: quote_params(), oracle_kind: OracleKind::Fixed, feed_id: [0; 32] };
        let ixs = [
            kix::initialize_exchange(&admin.pubkey(), &admin.pubkey(), &self.quote_mint),
            kix::list_asset(&payer, &admin.pubkey(), &self.exchange, &self.quote_mint, None, quote),
        ];
        // The admin pays for the exchange PDA.
        let sig = self.rpc.request_airdrop(&admin.pubkey(), 10_000_000_000).await.expect("airdrop");
        wait_confirmed(&self.rpc, &sig).await;
        self.send(&ixs, &[&admin]).await;
        let fund = iix::create_insurance_fund(&payer, &admin.pubkey(), &self.exchange, &self.quote_mint, 1_000, 7 * 86_400, BountyParams::recommended(6));
        self.send(&[fund], &[&admin]).await;
        let seed_wallet = self.wallet(&payer, FUND_SEED).await;
        self.send(&[iix::deposit_insurance(&payer, &self.exchange, &seed_wallet, FUND_SEED)], &[]).await;
        let (oracle, feed_id) = self.sol_feed().await;
        let (book, queue) = (Keypair::new(), Keypair::new());
        let (book_rent, queue_rent) = (self.rent(OrderBook::SPACE).await, self.rent(FillQueue::SPACE).await);
        let rent = |space| if space == OrderBook::SPACE { book_rent } else { queue_rent };
        let mut symbol = [0u8; 16];
        symbol[..3].copy_from_slice(b"SOL");
        let args = ListPerpMarketArgs { index: 0, symbol, base_decimals: 9, base_lot_size: 10_000_000, quote_lot_size: 1, oracle_kind: OracleKind::PythPull, feed_id, params: perp_params() };
        let mut ixs = mix::create_market_accounts(&payer, &book.pubkey(), &queue.pubkey(), rent).to_vec();
        ixs.push(mix::list_perp_market(&payer, &admin.pubkey(), &self.exchange, &book.pubkey(), &queue.pubkey(), &oracle, args));
        self.send(&ixs, &[&admin, &book, &queue]).await;
        let address = pda::perp_market(&self.exchange, 0);
        self.keys = MarketKeys::of(address, &self.market().await, pda::asset(&self.exchange, &self.quote_mint));
    }

    /// Lists SOL (9 decimals) as collateral on the node's SOL/USD feed; returns its mint.
    pub async fn list_sol_collateral(&mut self) -> Pubkey {
        let admin = &self.admin.insecure_clone();
        let payer = self.payer.pubkey();
        let mint = Keypair::new();
        let rent = self.rent(Mint::LEN).await;
        self.send(&create_mint_instructions(&payer, &mint.pubkey(), &payer, rent, 9), &[&mint]).await;
        let (oracle, feed_id) = self.sol_feed().await;
        let args = ListAssetArgs { params: keel_tests::context::volatile_params(), oracle_kind: OracleKind::PythPull, feed_id };
        self.send(&[kix::list_asset(&payer, &admin.pubkey(), &self.exchange, &mint.pubkey(), Some(oracle), args)], &[admin]).await;
        self.sol_mint = Some(mint.pubkey());
        mint.pubkey()
    }

    /// Deposits `amount` of `mint` (priced by the SOL feed) into `trader`'s account.
    pub async fn deposit_sol(&self, trader: &Trader, mint: &Pubkey, amount: u64) {
        let account = Keypair::new();
        let rent = self.rent(TokenAccount::LEN).await;
        let mut ixs = create_token_account_instructions(&self.payer.pubkey(), &account.pubkey(), mint, &trader.owner.pubkey(), rent).to_vec();
        ixs.push(
            anchor_spl::token::spl_token::instruction::mint_to(&anchor_spl::token::ID, mint, &account.pubkey(), &self.payer.pubkey(), &[], amount)
                .expect("mint_to with valid keys"),
        );
        self.send(&ixs, &[&account]).await;
        let (oracle, _) = self.sol_feed().await;
        let ix = kix::deposit(&trader.owner.pubkey(), &self.exchange, &trader.account, mint, Some(oracle), &account.pubkey(), amount);
        self.send(&[ix], &[&trader.owner]).await;
    }

    /// A trader with `deposit` quote native in its margin account.
    pub async fn trader(&self, deposit: u64) -> Trader {
        let owner = Keypair::new();
        let ix = kix::create_margin_account(&self.payer.pubkey(), &owner.pubkey(), &self.exchange, 0);
        self.send(&[ix], &[&owner]).await;
        let account = pda::margin_account(&self.exchange, &owner.pubkey(), 0);
        let wallet = self.wallet(&owner.pubkey(), deposit).await;
        if deposit > 0 {
            let ix = kix::deposit(&owner.pubkey(), &self.exchange, &account, &self.quote_mint, None, &wallet, deposit);
            self.send(&[ix], &[&owner]).await;
        }
        Trader { owner, account }
    }

    /// Places `args` for `trader` with the client's trade health accounts.
    pub async fn place(&self, trader: &Trader, args: PlaceOrderArgs) {
        let margin = self.margin(&trader.account).await;
        let metas = trade_health_accounts(&margin, &self.known_assets().await, &self.known_markets().await, 0).expect("known listings");
        let ix = mix::place_order(&trader.owner.pubkey(), &trader.account, &self.keys, args, metas);
        self.send(&[ix], &[&trader.owner]).await;
    }

    /// Applies every queued fill.
    pub async fn crank(&self) {
        loop {
            let data = self.rpc.get_account_data(&self.keys.fill_queue).await.expect("queue");
            let queue = decode::fill_queue(&data).expect("a fill queue");
            if queue.count == 0 {
                return;
            }
            let makers = mix::queued_accounts(&queue, 8);
            self.send(&[mix::consume_fills(&self.keys, &makers, 8)], &[]).await;
        }
    }

    /// A decoded margin account.
    pub async fn margin(&self, key: &Pubkey) -> Box<MarginAccount> {
        decode::margin_account(&self.rpc.get_account_data(key).await.expect("margin account")).expect("decodes")
    }

    /// SOL-PERP, decoded.
    pub async fn market(&self) -> PerpMarket {
        decode::perp_market(&self.rpc.get_account_data(&pda::perp_market(&self.exchange, 0)).await.expect("market")).expect("decodes")
    }

    /// The insurance fund, decoded.
    pub async fn fund(&self) -> InsuranceFund {
        decode::insurance_fund(&self.rpc.get_account_data(&pda::insurance_fund(&self.exchange)).await.expect("fund")).expect("decodes")
    }

    /// The program's `health` view of `key`, simulated over RPC.
    pub async fn health_view(&self, key: &Pubkey) -> HealthReport {
        let margin = self.margin(key).await;
        let metas = health_accounts(&margin, &self.known_assets().await, &self.known_markets().await).expect("known listings");
        let blockhash = self.rpc.get_latest_blockhash().await.expect("blockhash");
        let tx = Transaction::new_signed_with_payer(&[kix::health(&self.exchange, key, metas)], Some(&self.payer.pubkey()), &[&self.payer], blockhash);
        let sim = self.rpc.simulate_transaction(&tx).await.expect("simulateTransaction").value;
        assert!(sim.err.is_none(), "health view failed: {:?} {:?}", sim.err, sim.logs);
        let data = sim.return_data.expect("the health view returns data");
        let bytes = base64::engine::general_purpose::STANDARD.decode(&data.data.0).expect("base64");
        HealthReport::deserialize(&mut bytes.as_slice()).expect("a HealthReport")
    }

    /// The listed assets (quote, and SOL once listed), as the client knows them.
    pub async fn known_assets(&self) -> Vec<KnownAsset> {
        let mut known = vec![];
        for mint in [Some(self.quote_mint), self.sol_mint].into_iter().flatten() {
            let address = pda::asset(&self.exchange, &mint);
            let asset = decode::collateral_asset(&self.rpc.get_account_data(&address).await.expect("asset")).expect("decodes");
            known.push(KnownAsset { address, asset });
        }
        known
    }

    /// The listed market, as the client knows it.
    pub async fn known_markets(&self) -> Vec<KnownMarket> {
        vec![KnownMarket { address: self.keys.market, market: self.market().await }]
    }

    /// A keeper signer with SOL for fees and a margin account holding `deposit`.
    pub async fn keeper_account(&self, deposit: u64) -> Trader {
        let trader = self.trader(deposit).await;
        let sig = self.rpc.request_airdrop(&trader.owner.pubkey(), 10_000_000_000).await.expect("airdrop");
        wait_confirmed(&self.rpc, &sig).await;
        trader
    }

    /// The keeper configuration the tests use: short timers, no metrics server.
    pub fn keeper_config(&self) -> KeeperConfig {
        let mut config = KeeperConfig::new(self.node.rpc_url(), self.node.ws_url(), self.exchange);
        config.snapshot_every = Duration::from_secs(2);
        config.crank_every = Duration::from_millis(250);
        config.account_cooldown = Duration::from_millis(50);
        config
    }

    /// Starts a keeper for `signer` with `config`.
    pub async fn run_keeper(&self, signer: &Keypair, config: KeeperConfig) -> RunningKeeper {
        let metrics = Arc::new(Metrics::new());
        let mut keeper = Keeper::new(config, signer.insecure_clone(), metrics.clone());
        keeper.start().await.expect("keeper starts");
        let (account, lookup_table) = (keeper.own_account(), keeper.lookup_table());
        let (stop, stop_rx) = watch::channel(false);
        let task = tokio::spawn(keeper.run(stop_rx));
        RunningKeeper { metrics, account, lookup_table, stop, task }
    }

    /// Asserts the insurance fund reconciles: its vault and its claim in the quote bank are its
    /// flows (deposits, penalties, fee shares, its interest share, less withdrawals, bounties
    /// and deficits covered) and the vault holds its booked balance.
    pub async fn assert_fund_reconciles(&self) {
        let fund = self.fund().await;
        let quote = decode::collateral_asset(&self.rpc.get_account_data(&pda::asset(&self.exchange, &self.quote_mint)).await.expect("quote")).expect("decodes");
        let market = decode::perp_market(&self.rpc.get_account_data(&self.keys.market).await.expect("market")).expect("decodes");
        let inflows = fund.total_deposited + fund.total_penalties + market.insurance_fees_booked as u64 + quote.bank.total_interest_fees;
        let flows = inflows - fund.total_withdrawn - fund.total_bounties - fund.total_deficits_covered;
        assert_eq!(fund.balance + quote.bank.insurance_claim, flows, "the fund's vault and claim are its flows");
        let vault = self.rpc.get_token_account_balance(&fund.vault).await.expect("vault balance");
        assert_eq!(vault.amount, fund.balance.to_string(), "the insurance vault holds the fund's balance");
    }

    /// Asserts open interest balances: Σ positions is zero and the market's long and short
    /// totals equal the positions of `accounts` (every account with a position).
    pub async fn assert_positions_balance(&self, accounts: &[Pubkey]) {
        let (mut longs, mut shorts) = (0i64, 0i64);
        for key in accounts {
            let lots = self.margin(key).await.perp(0).map_or(0, |p| p.base_lots);
            if lots > 0 { longs += lots } else { shorts -= lots }
        }
        let market = self.market().await;
        assert_eq!(longs, shorts, "positions net to zero");
        assert_eq!((market.long_lots, market.short_lots), (longs, shorts), "the market's open interest is the accounts' positions");
    }
}

fn placeholder_keys() -> MarketKeys {
    let d = Pubkey::default();
    MarketKeys { exchange: d, market: d, order_book: d, fill_queue: d, oracle: d, quote_asset: d }
}

/// Waits until `sig` is confirmed (panics after 10 s).
pub async fn wait_confirmed(rpc: &RpcClient, sig: &solana_signature::Signature) {
    for _ in 0..500 {
        if rpc.confirm_transaction(sig).await.unwrap_or(false) {
            return;
        }
        tokio::time::sleep(SLOT).await;
    }
    panic!("{sig} not confirmed");
}

/// Polls `done` every 100 ms for up to `secs` seconds; returns whether it became true.
pub async fn eventually<F, Fut>(secs: u64, mut done: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..secs * 10 {
        if done().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}
