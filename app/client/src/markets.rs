//! Instruction builders of the markets set: listing, trading, cancelling and the cranks.

use crate::instructions::build;
use crate::pda;
use anchor_lang::prelude::{AccountMeta, Pubkey};
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::solana_program::system_instruction;
use anchor_lang::system_program;
use keel::instructions::markets::{CancelTarget, ListPerpMarketArgs, PlaceOrderArgs, UpdatePerpMarketArgs};
use keel::state::{FillQueue, OrderBook, PerpMarket};
use keel::{accounts as acc, instruction as ix};

/// The market-wide accounts a trade or crank names.
#[derive(Clone, Copy, Debug)]
pub struct MarketKeys {
    /// The exchange.
    pub exchange: Pubkey,
    /// The market.
    pub market: Pubkey,
    /// Its order book.
    pub order_book: Pubkey,
    /// Its fill queue.
    pub fill_queue: Pubkey,
    /// Its oracle.
    pub oracle: Pubkey,
    /// The exchange's quote asset account.
    pub quote_asset: Pubkey,
}

impl MarketKeys {
    /// The keys of a decoded market; `quote_asset` is the exchange's asset 0.
    pub fn of(market_address: Pubkey, market: &PerpMarket, quote_asset: Pubkey) -> Self {
        Self {
            exchange: market.exchange,
            market: market_address,
            order_book: market.order_book,
            fill_queue: market.fill_queue,
            oracle: market.oracle,
            quote_asset,
        }
    }
}

/// System instructions creating the order book and fill queue accounts (owned by Keel, zeroed,
/// rent-exempt) that `list_perp_market` binds; `rent` gives the lamports for a size. They are
/// larger than a program may allocate in one instruction, so the admin creates them first —
/// in the same transaction as the listing, so nobody can bind them elsewhere.
pub fn create_market_accounts(payer: &Pubkey, order_book: &Pubkey, fill_queue: &Pubkey, rent: impl Fn(usize) -> u64) -> [Instruction; 2] {
    let create = |key: &Pubkey, space: usize| system_instruction::create_account(payer, key, rent(space), space as u64, &keel::ID);
    [create(order_book, OrderBook::SPACE), create(fill_queue, FillQueue::SPACE)]
}

/// `list_perp_market` of market `args.index`.
pub fn list_perp_market(payer: &Pubkey, admin: &Pubkey, exchange: &Pubkey, order_book: &Pubkey, fill_queue: &Pubkey, oracle: &Pubkey, args: ListPerpMarketArgs) -> Instruction {
    let accounts = acc::ListPerpMarket {
        payer: *payer,
        admin: *admin,
        exchange: *exchange,
        market: pda::perp_market(exchange, args.index),
        order_book: *order_book,
        fill_queue: *fill_queue,
        oracle: *oracle,
        system_program: system_program::ID,
    };
    build(accounts, ix::ListPerpMarket { args }, vec![])
}

/// `update_perp_market`.
pub fn update_perp_market(admin: &Pubkey, exchange: &Pubkey, market: &Pubkey, args: UpdatePerpMarketArgs) -> Instruction {
    let accounts = acc::UpdatePerpMarket { admin: *admin, exchange: *exchange, market: *market };
    build(accounts, ix::UpdatePerpMarket { args }, vec![])
}

/// `place_order`; `health_accounts` from [`crate::health::trade_health_accounts`].
pub fn place_order(signer: &Pubkey, margin_account: &Pubkey, keys: &MarketKeys, args: PlaceOrderArgs, health_accounts: Vec<AccountMeta>) -> Instruction {
    let accounts = acc::PlaceOrder {
        signer: *signer,
        exchange: keys.exchange,
        margin_account: *margin_account,
        market: keys.market,
        order_book: keys.order_book,
        fill_queue: keys.fill_queue,
        oracle: keys.oracle,
        quote_asset: keys.quote_asset,
    };
    build(accounts, ix::PlaceOrder { args }, health_accounts)
}

/// `cancel_order`, with the exchange and the market's oracle so its funding sample reads a fresh price.
pub fn cancel_order(signer: &Pubkey, margin_account: &Pubkey, keys: &MarketKeys, target: CancelTarget) -> Instruction {
    let accounts = acc::CancelOrder { signer: *signer, margin_account: *margin_account, market: keys.market, order_book: keys.order_book };
    // The exchange and the oracle: the funding premium is sampled against a fresh price.
    let price = vec![AccountMeta::new_readonly(keys.exchange, false), AccountMeta::new_readonly(keys.oracle, false)];
    build(accounts, ix::CancelOrder { target }, price)
}

/// `consume_fills` of up to `limit` events for the given makers (writable remaining accounts).
pub fn consume_fills(keys: &MarketKeys, makers: &[Pubkey], limit: u8) -> Instruction {
    let accounts = acc::ConsumeFills { market: keys.market, fill_queue: keys.fill_queue, quote_asset: keys.quote_asset };
    let makers = makers.iter().map(|m| AccountMeta::new(*m, false)).collect();
    build(accounts, ix::ConsumeFills { limit }, makers)
}

/// `update_funding`.
pub fn update_funding(keys: &MarketKeys) -> Instruction {
    let accounts = acc::UpdateFunding { exchange: keys.exchange, market: keys.market, order_book: keys.order_book, oracle: keys.oracle };
    build(accounts, ix::UpdateFunding {}, vec![])
}

/// `settle_pnl` of `margin_account`'s position in the market (permissionless).
pub fn settle_pnl(keys: &MarketKeys, margin_account: &Pubkey) -> Instruction {
    let accounts = acc::SettlePnl {
        exchange: keys.exchange,
        market: keys.market,
        oracle: keys.oracle,
        margin_account: *margin_account,
        quote_asset: keys.quote_asset,
    };
    build(accounts, ix::SettlePnl {}, vec![])
}

/// The distinct makers and takers of the first `limit` queued events, in queue order: the
/// remaining accounts `consume_fills` needs (makers) and pays owed gains to (takers).
pub fn queued_accounts(queue: &FillQueue, limit: usize) -> Vec<Pubkey> {
    let mut accounts: Vec<Pubkey> = Vec::new();
    for event in queue.iter().take(limit) {
        for key in [event.maker, event.taker] {
            if key != Pubkey::default() && !accounts.contains(&key) {
                accounts.push(key);
            }
        }
    }
    accounts
}
