//! `list_perp_market` (admin): lists a perp market with its oracle, sizes and parameters, and
//! binds the order book and fill queue accounts the admin created for it.

use crate::error::KeelError;
use crate::events::{emit_event, PerpMarketListed};
use crate::instructions::markets::PerpMarketParams;
use crate::instructions::pda_account::{create_pda, init_zero_copy};
use crate::instructions::risk::bind_oracle;
use crate::oracle::OracleKind;
use crate::state::{
    Exchange, FillQueue, OrderBook, PerpMarket, FILL_QUEUE_VERSION, ORDER_BOOK_VERSION, PERP_MARKET_SEED,
    PERP_MARKET_VERSION,
};
use anchor_lang::prelude::*;

/// Largest base decimals a market may declare.
pub const MAX_BASE_DECIMALS: u8 = 18;

/// Arguments of `list_perp_market`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug)]
pub struct ListPerpMarketArgs {
    /// The market's index: must be the exchange's next one (a PDA seed).
    pub index: u16,
    /// Base symbol, UTF-8, zero padded.
    pub symbol: [u8; 16],
    /// Decimals of the base asset's native unit (the oracle prices whole base units).
    pub base_decimals: u8,
    /// Base native units per base lot (≥ 1).
    pub base_lot_size: i64,
    /// Quote native units per quote lot, the price tick (≥ 1).
    pub quote_lot_size: i64,
    /// Pyth pull or legacy.
    pub oracle_kind: OracleKind,
    /// The Pyth feed id (pull oracle); ignored for legacy.
    pub feed_id: [u8; 32],
    /// The updatable parameters.
    pub params: PerpMarketParams,
}

/// Accounts of `list_perp_market`.
#[derive(Accounts)]
#[instruction(args: ListPerpMarketArgs)]
pub struct ListPerpMarket<'info> {
    /// Pays rent for the market account.
    #[account(mut)]
    pub payer: Signer<'info>,
    /// The exchange admin.
    pub admin: Signer<'info>,
    /// The exchange.
    #[account(mut, has_one = admin @ KeelError::NotAdmin)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The new market, PDA `["perp_market", exchange, index]`.
    /// CHECK: the address is checked by `seeds`; the handler creates the account.
    #[account(mut, seeds = [PERP_MARKET_SEED, exchange.key().as_ref(), &args.index.to_le_bytes()], bump)]
    pub market: UncheckedAccount<'info>,
    /// The order book: created by the admin at [`OrderBook::SPACE`] bytes, owned by Keel, zeroed.
    #[account(zero)]
    pub order_book: AccountLoader<'info, OrderBook>,
    /// The fill queue: created by the admin at [`FillQueue::SPACE`] bytes, owned by Keel, zeroed.
    #[account(zero)]
    pub fill_queue: AccountLoader<'info, FillQueue>,
    /// The oracle account.
    /// CHECK: owner, layout and feed id are verified by the handler for the chosen oracle kind.
    pub oracle: UncheckedAccount<'info>,
    /// System program.
    pub system_program: Program<'info, System>,
}

impl ListPerpMarket<'_> {
    /// Validates everything, then writes the market, its book and its queue.
    pub fn handler(ctx: Context<Self>, args: ListPerpMarketArgs) -> Result<()> {
        args.params.validate()?;
        crate::check!(
            args.base_lot_size >= 1 && args.quote_lot_size >= 1 && args.base_decimals <= MAX_BASE_DECIMALS,
            KeelError::InvalidMarketSizes
        );
        crate::check!(args.oracle_kind != OracleKind::Fixed, KeelError::OracleAccountMismatch);
        let (oracle, feed_id) = bind_oracle(Some(&ctx.accounts.oracle), args.oracle_kind, &args.feed_id)?;
        let a = &ctx.accounts;
        crate::check!(
            a.order_book.as_ref().data_len() == OrderBook::SPACE && a.fill_queue.as_ref().data_len() == FillQueue::SPACE,
            KeelError::InvalidMarketAccount,
            "list_perp_market: order book must be {} bytes, fill queue {} bytes",
            OrderBook::SPACE,
            FillQueue::SPACE
        );
        let exchange_key = a.exchange.key();
        let admin_seq = {
            let mut exchange = a.exchange.load_mut()?;
            crate::check!(
                args.index == exchange.market_count,
                KeelError::WrongMarketIndex,
                "list_perp_market: next market index is {}",
                exchange.market_count
            );
            exchange.market_count = exchange.market_count.checked_add(1).ok_or(KeelError::MathOverflow)?;
            exchange.next_admin_seq()
        };
        let bump = [ctx.bumps.market];
        let index_bytes = args.index.to_le_bytes();
        let seeds: [&[u8]; 4] = [PERP_MARKET_SEED, exchange_key.as_ref(), &index_bytes, &bump];
        create_pda(&a.payer, &a.market, &a.system_program, &crate::ID, PerpMarket::SPACE, &seeds)?;

        let mut market = init_zero_copy::<PerpMarket>(&a.market)?;
        market.version = PERP_MARKET_VERSION;
        market.bump = ctx.bumps.market;
        market.oracle_kind = args.oracle_kind as u8;
        market.base_decimals = args.base_decimals;
        market.index = args.index;
        market.exchange = exchange_key;
        market.order_book = a.order_book.key();
        market.fill_queue = a.fill_queue.key();
        market.oracle = oracle;
        market.feed_id = feed_id;
        market.symbol = args.symbol;
        market.base_lot_size = args.base_lot_size;
        market.quote_lot_size = args.quote_lot_size;
        market.last_funding_ts = Clock::get()?.unix_timestamp;
        args.params.apply(&mut market);

        let mut book = a.order_book.load_init()?;
        book.version = ORDER_BOOK_VERSION;
        book.market = a.market.key();
        let mut queue = a.fill_queue.load_init()?;
        queue.version = FILL_QUEUE_VERSION;
        queue.market = a.market.key();

        emit_event(&PerpMarketListed {
            market: a.market.key(),
            index: args.index,
            symbol: args.symbol,
            oracle,
            base_lot_size: args.base_lot_size,
            quote_lot_size: args.quote_lot_size,
            params: args.params,
            admin_seq,
        });
        Ok(())
    }
}
