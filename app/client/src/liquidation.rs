//! Instruction builders of liquidation and bankruptcy. A keeper reads the liquidated account's
//! health with [`crate::health::health_cache`] (the program's own code), then builds these.

use crate::instructions::build;
use crate::markets::MarketKeys;
use crate::pda;
use anchor_lang::prelude::{AccountMeta, Pubkey};
use anchor_lang::solana_program::instruction::Instruction;
use keel::{accounts as acc, instruction as ix};

/// The parties of a liquidation step.
#[derive(Clone, Debug)]
pub struct LiquidationParties {
    /// Owner or delegate of the liquidator's account; signs.
    pub liquidator: Pubkey,
    /// The liquidator's margin account.
    pub liqor_account: Pubkey,
    /// The liquidated margin account.
    pub liqee_account: Pubkey,
    /// The liquidated account's health accounts as it is now ([`crate::health::health_accounts`]).
    pub liqee_health: Vec<AccountMeta>,
    /// The liquidator's health accounts as the step leaves it
    /// ([`crate::health::health_accounts_opening`]).
    pub liqor_health: Vec<AccountMeta>,
}

impl LiquidationParties {
    /// The shared accounts, for an exchange whose quote mint is `quote_mint`.
    fn core(&self, exchange: &Pubkey, quote_mint: &Pubkey) -> acc::LiquidationCore {
        acc::LiquidationCore {
            liquidator: self.liquidator,
            exchange: *exchange,
            liqor_account: self.liqor_account,
            liqee_account: self.liqee_account,
            quote_asset: pda::asset(exchange, quote_mint),
            insurance_fund: pda::insurance_fund(exchange),
        }
    }

    /// Both health lists, the liquidated account's first, and its length.
    fn remaining(&self) -> (Vec<AccountMeta>, u8) {
        let mut metas = self.liqee_health.clone();
        metas.extend(self.liqor_health.iter().cloned());
        (metas, self.liqee_health.len() as u8)
    }
}

/// `liquidation_cancel_orders`: takes the liquidatable `margin_account`'s resting orders in the
/// market off the book; `health` is its health-account list.
pub fn liquidation_cancel_orders(
    signer: &Pubkey,
    margin_account: &Pubkey,
    keys: &MarketKeys,
    health: Vec<AccountMeta>,
) -> Instruction {
    let accounts = acc::LiquidationCancelOrders {
        signer: *signer,
        exchange: keys.exchange,
        margin_account: *margin_account,
        market: keys.market,
        order_book: keys.order_book,
    };
    build(accounts, ix::LiquidationCancelOrders {}, health)
}

/// `liquidate_perp`: takes over at most `max_base_lots` of the liquidated position in the
/// market of `keys`.
pub fn liquidate_perp(
    parties: &LiquidationParties,
    keys: &MarketKeys,
    quote_mint: &Pubkey,
    max_base_lots: i64,
) -> Instruction {
    let accounts = acc::LiquidatePerp {
        core: parties.core(&keys.exchange, quote_mint),
        market: keys.market,
        oracle: keys.oracle,
    };
    let (remaining, liqee_health_accounts) = parties.remaining();
    build(
        accounts,
        ix::LiquidatePerp {
            max_base_lots,
            liqee_health_accounts,
        },
        remaining,
    )
}

/// `liquidate_collateral`: buys at most `max_amount` native units of the collateral `asset`
/// (priced by `oracle`) from the liquidated account.
pub fn liquidate_collateral(
    parties: &LiquidationParties,
    exchange: &Pubkey,
    quote_mint: &Pubkey,
    asset: &Pubkey,
    oracle: &Pubkey,
    max_amount: u64,
) -> Instruction {
    let accounts = acc::LiquidateCollateral {
        core: parties.core(exchange, quote_mint),
        asset: *asset,
        oracle: *oracle,
    };
    let (remaining, liqee_health_accounts) = parties.remaining();
    build(
        accounts,
        ix::LiquidateCollateral {
            max_amount,
            liqee_health_accounts,
        },
        remaining,
    )
}

/// `settle_bankruptcy` of `margin_account`: the fund covers what it can, the rest lowers the
/// quote deposit index.
pub fn settle_bankruptcy(signer: &Pubkey, exchange: &Pubkey, quote_mint: &Pubkey, margin_account: &Pubkey) -> Instruction {
    let accounts = acc::SettleBankruptcy {
        signer: *signer,
        exchange: *exchange,
        margin_account: *margin_account,
        quote_asset: pda::asset(exchange, quote_mint),
        vault: pda::vault(exchange, quote_mint),
        insurance_fund: pda::insurance_fund(exchange),
        insurance_vault: pda::insurance_vault(exchange),
        token_program: anchor_spl::token::ID,
    };
    build(accounts, ix::SettleBankruptcy {}, vec![])
}
