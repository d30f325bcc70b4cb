//! An exchange at full capacity: besides the quote asset and SOL-PERP, `MAX_COLLATERALS - 1`
//! pull-oracle assets and `MAX_PERP_POSITIONS - 1` more markets, each on a feed of its own
//! (so that a full margin account names 47 distinct health accounts), the exchange operator's
//! address lookup table (the traders' transactions are v0: a full account's orders do not fit
//! a legacy transaction), and what the test reads back: the program's health view simulated as
//! a v0 transaction, the keeper's landed transactions, the reconciliations over every market.

use crate::setup::{Net, Trader};
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_spl::token::{Mint, TokenAccount};
use keel::instructions::markets::{ListPerpMarketArgs, PlaceOrderArgs};
use keel::instructions::risk::ListAssetArgs;
use keel::oracle::OracleKind;
use keel::state::{FillQueue, OrderBook, MAX_COLLATERALS, MAX_PERP_POSITIONS};
use keel_client::health::{health_accounts, trade_health_accounts, KnownAsset, KnownMarket};
use keel_client::lookup_table::{self as alt, AddressLookupTableAccount};
use keel_client::markets::{self as mix, MarketKeys};
use keel_client::{accounts as decode, instructions as kix, pda};
use keel_localnet::prices::FeedConfig;
use keel_tests::markets::perp_params;
use keel_tests::tokens::{create_mint_instructions, create_token_account_instructions};
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;

/// Health accounts of a full margin account: 8 assets (7 with an oracle), 16 markets and
/// their oracles.
pub const FULL_HEALTH_ACCOUNTS: usize = 2 * MAX_COLLATERALS - 1 + 2 * MAX_PERP_POSITIONS;

/// The feeds of the extra listings: assets 1..8 at 1 USD, markets 1..16 at 100 USD, still.
pub fn extra_feeds() -> Vec<FeedConfig> {
    let assets = (1..MAX_COLLATERALS as u8).map(|i| still_feed(format!("A{i}/USD"), 0xA0 + i, 1.0));
    let markets = (1..MAX_PERP_POSITIONS as u16).map(market_feed);
    assets.chain(markets).collect()
}

/// The feed of market `index` (1..): `P{index}/USD` at 100 USD, still.
pub fn market_feed(index: u16) -> FeedConfig {
    still_feed(format!("P{index}/USD"), 0xC0 + index as u8, 100.0)
}

/// The feed of a market listed later, while a keeper runs (index `MAX_PERP_POSITIONS`).
pub fn late_feed() -> FeedConfig {
    market_feed(MAX_PERP_POSITIONS as u16)
}

/// A feed at `price` with no confidence interval and no movement.
fn still_feed(symbol: String, id: u8, price: f64) -> FeedConfig {
    FeedConfig {
        symbol,
        feed_id: [id; 32],
        price,
        expo: -8,
        conf_bps: 0.0,
        volatility: 0.0,
    }
}

/// The exchange with every listing, and the operator's table.
pub struct Full {
    /// The node and exchange (quote, SOL-PERP as market 0).
    pub net: Net,
    /// Every asset, quote first, as the client knows them.
    pub assets: Vec<KnownAsset>,
    /// Every market, by index.
    pub markets: Vec<KnownMarket>,
    /// The exchange operator's table (the test's own transactions look it up).
    pub table: AddressLookupTableAccount,
}

impl Full {
    /// Starts the node with the extra feeds and lists everything: `MAX_PERP_POSITIONS` markets
    /// (the late market's feed is served, its market not listed).
    pub async fn start() -> Self {
        Self::with_markets(MAX_PERP_POSITIONS as u16 + 1, MAX_PERP_POSITIONS as u16).await
    }

    /// Starts the node serving the feeds of `served` markets and lists every asset and the
    /// first `listed` markets.
    pub async fn with_markets(served: u16, listed: u16) -> Self {
        let net = Net::start_with(|config| {
            config.prices.feeds.extend(extra_feeds());
            config
                .prices
                .feeds
                .extend((MAX_PERP_POSITIONS as u16..served).map(market_feed));
        })
        .await;
        for feed in &extra_feeds()[..MAX_COLLATERALS - 1] {
            list_asset(&net, feed).await;
        }
        for m in 1..listed {
            list_market(&net, m, &market_feed(m)).await;
        }
        let (assets, markets) = (known_assets(&net).await, known_markets(&net, listed).await);
        assert_eq!(assets.len(), MAX_COLLATERALS);
        let table = operator_table(
            &net,
            &alt::exchange_addresses(&net.exchange, &assets, &markets),
        )
        .await;
        Self {
            net,
            assets,
            markets,
            table,
        }
    }

    /// The keys of market `index`.
    pub fn keys(&self, index: u16) -> MarketKeys {
        let known = &self.markets[index as usize];
        MarketKeys::of(known.address, &known.market, self.assets[0].address)
    }

    /// Sends `ixs` paid by the payer, signed by it and `signers`, as a v0 transaction looking
    /// up the operator's table; panics on failure.
    pub async fn send_v0(&self, ixs: &[Instruction], signers: &[&Keypair]) {
        let blockhash = self
            .net
            .rpc
            .get_latest_blockhash()
            .await
            .expect("blockhash");
        let message = alt::v0_message(
            &self.net.payer.pubkey(),
            ixs,
            std::slice::from_ref(&self.table),
            blockhash,
        )
        .expect("compiles");
        let mut keys: Vec<&Keypair> = vec![&self.net.payer];
        keys.extend_from_slice(signers);
        let tx = VersionedTransaction::try_new(message, &keys).expect("signs");
        self.net
            .rpc
            .send_and_confirm_transaction(&tx)
            .await
            .expect("v0 transaction lands");
    }

    /// Deposits `amount` native units of asset `index` (1..8) into `trader`'s account.
    pub async fn deposit(&self, trader: &Trader, index: usize, amount: u64) {
        let (net, asset) = (&self.net, &self.assets[index].asset);
        let account = Keypair::new();
        let rent = net
            .rpc
            .get_minimum_balance_for_rent_exemption(TokenAccount::LEN)
            .await
            .expect("rent");
        let mut ixs = create_token_account_instructions(
            &net.payer.pubkey(),
            &account.pubkey(),
            &asset.mint,
            &trader.owner.pubkey(),
            rent,
        )
        .to_vec();
        ixs.push(
            anchor_spl::token::spl_token::instruction::mint_to(
                &anchor_spl::token::ID,
                &asset.mint,
                &account.pubkey(),
                &net.payer.pubkey(),
                &[],
                amount,
            )
            .expect("mint_to"),
        );
        net.send(&ixs, &[&account]).await;
        let ix = kix::deposit(
            &trader.owner.pubkey(),
            &net.exchange,
            &trader.account,
            &asset.mint,
            Some(asset.oracle),
            &account.pubkey(),
            amount,
        );
        net.send(&[ix], &[&trader.owner]).await;
    }

    /// Places `args` in market `index` for `trader` (its trade health accounts), as v0.
    pub async fn place(&self, trader: &Trader, index: u16, args: PlaceOrderArgs) {
        let margin = self.net.margin(&trader.account).await;
        let metas = trade_health_accounts(&margin, &self.assets, &self.markets, index)
            .expect("known listings");
        let ix = mix::place_order(
            &trader.owner.pubkey(),
            &trader.account,
            &self.keys(index),
            args,
            metas,
        );
        self.send_v0(&[ix], &[&trader.owner]).await;
    }

    /// Applies every queued fill of market `index`.
    pub async fn crank(&self, index: u16) {
        let keys = self.keys(index);
        loop {
            let queue = decode::fill_queue(
                &self
                    .net
                    .rpc
                    .get_account_data(&keys.fill_queue)
                    .await
                    .expect("queue"),
            )
            .expect("a fill queue");
            if queue.count == 0 {
                return;
            }
            self.net
                .send(
                    &[mix::consume_fills(
                        &keys,
                        &mix::queued_accounts(&queue, 8),
                        8,
                    )],
                    &[],
                )
                .await;
        }
    }

    /// The health accounts of `key` in the program's order.
    pub async fn health_metas(&self, key: &Pubkey) -> Vec<AccountMeta> {
        health_accounts(&*self.net.margin(key).await, &self.assets, &self.markets)
            .expect("known listings")
    }
}

async fn list_asset(net: &Net, feed: &FeedConfig) {
    let payer = net.payer.pubkey();
    let mint = Keypair::new();
    let rent = net
        .rpc
        .get_minimum_balance_for_rent_exemption(Mint::LEN)
        .await
        .expect("rent");
    net.send(
        &create_mint_instructions(&payer, &mint.pubkey(), &payer, rent, 6),
        &[&mint],
    )
    .await;
    let args = ListAssetArgs {
        params: keel_tests::context::volatile_params(),
        oracle_kind: OracleKind::PythPull,
        feed_id: feed.feed_id,
    };
    net.send(
        &[kix::list_asset(
            &payer,
            &net.admin.pubkey(),
            &net.exchange,
            &mint.pubkey(),
            Some(feed.address()),
            args,
        )],
        &[&net.admin],
    )
    .await;
}

/// Lists perp market `index` on `feed` (SOL-PERP's lot sizes and parameters).
pub async fn list_market(net: &Net, index: u16, feed: &FeedConfig) {
    let payer = net.payer.pubkey();
    let (book, queue) = (Keypair::new(), Keypair::new());
    let book_rent = net
        .rpc
        .get_minimum_balance_for_rent_exemption(OrderBook::SPACE)
        .await
        .expect("rent");
    let queue_rent = net
        .rpc
        .get_minimum_balance_for_rent_exemption(FillQueue::SPACE)
        .await
        .expect("rent");
    let rent = |space| {
        if space == OrderBook::SPACE {
            book_rent
        } else {
            queue_rent
        }
    };
    let mut symbol = [0u8; 16];
    symbol[..feed.symbol.len() - 4]
        .copy_from_slice(&feed.symbol.as_bytes()[..feed.symbol.len() - 4]);
    let args = ListPerpMarketArgs {
        index,
        symbol,
        base_decimals: 9,
        base_lot_size: 10_000_000,
        quote_lot_size: 1,
        oracle_kind: OracleKind::PythPull,
        feed_id: feed.feed_id,
        params: perp_params(),
    };
    let mut ixs =
        mix::create_market_accounts(&payer, &book.pubkey(), &queue.pubkey(), rent).to_vec();
    ixs.push(mix::list_perp_market(
        &payer,
        &net.admin.pubkey(),
        &net.exchange,
        &book.pubkey(),
        &queue.pubkey(),
        &feed.address(),
        args,
    ));
    net.send(&ixs, &[&net.admin, &book, &queue]).await;
}

/// Every listed asset by index, decoded (found by their mints' asset PDAs).
async fn known_assets(net: &Net) -> Vec<KnownAsset> {
    let config = solana_rpc_client_api::config::RpcProgramAccountsConfig {
        filters: Some(keel_keeper::discovery::filters(
            <keel::state::CollateralAsset as anchor_lang::Discriminator>::DISCRIMINATOR,
            8 + core::mem::size_of::<keel::state::CollateralAsset>(),
            keel_keeper::discovery::ASSET_EXCHANGE_OFFSET,
            &net.exchange,
        )),
        account_config: solana_rpc_client_api::config::RpcAccountInfoConfig {
            encoding: Some(solana_account_decoder::UiAccountEncoding::Base64),
            ..Default::default()
        },
        ..Default::default()
    };
    let found = net
        .rpc
        .get_program_ui_accounts_with_config(&keel::ID, config)
        .await
        .expect("getProgramAccounts");
    let mut assets: Vec<KnownAsset> = found
        .into_iter()
        .map(|(address, ui)| KnownAsset {
            address,
            asset: decode::collateral_asset(&ui.data.decode().expect("base64")).expect("decodes"),
        })
        .collect();
    assets.sort_by_key(|a| a.asset.index);
    assets
}

/// The first `count` markets by index, decoded.
async fn known_markets(net: &Net, count: u16) -> Vec<KnownMarket> {
    let mut markets = vec![];
    for index in 0..count {
        markets.push(known_market(net, index).await);
    }
    markets
}

/// Market `index`, decoded.
pub async fn known_market(net: &Net, index: u16) -> KnownMarket {
    let address = pda::perp_market(&net.exchange, index);
    let market = decode::perp_market(&net.rpc.get_account_data(&address).await.expect("market"))
        .expect("decodes");
    KnownMarket { address, market }
}

/// The operator's table of `addresses`: created on the newest slot hash, extended, returned
/// once the node's slot has passed the extensions.
async fn operator_table(net: &Net, addresses: &[Pubkey]) -> AddressLookupTableAccount {
    let payer = net.payer.pubkey();
    let data = net
        .rpc
        .get_account_data(&solana_sdk_ids::sysvar::slot_hashes::ID)
        .await
        .expect("SlotHashes");
    let slot = keel_keeper::lookup::newest_slot_hash(&data).expect("a recent slot");
    let (create, key) = alt::create(&payer, &payer, slot);
    net.send(&[create], &[]).await;
    for ix in alt::extend(&key, &payer, &payer, addresses) {
        net.send(&[ix], &[]).await;
    }
    let extended = net.rpc.get_slot().await.expect("getSlot");
    while net.rpc.get_slot().await.expect("getSlot") <= extended {
        tokio::time::sleep(crate::setup::SLOT).await;
    }
    let table = alt::decode(
        &key,
        &net.rpc.get_account_data(&key).await.expect("the table"),
    )
    .expect("a table");
    assert_eq!(table.addresses, addresses);
    table
}
