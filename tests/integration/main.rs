//! Keel integration tests: the program runs natively on solana-program-test with the real SPL
//! Token program, driven through the Rust client. One binary, one module per topic.

mod test_smoke;
mod test_margin_accounts;
mod test_vault_accounts;
mod test_withdraw_health;
mod test_oracles;
mod test_oracle_listing;
mod test_oracle_replacement;
mod test_admin;
mod test_listing;
mod test_perp_trading;
mod test_quote_bank;
mod test_order_types;
mod test_book_limits;
mod test_order_guards;
mod test_market_listing;
mod test_cross_margin;
mod test_funding;
mod test_funding_twap;
mod test_insurance_fund;
mod test_liquidation;
mod test_liquidation_guards;
mod test_liquidation_oracles;
mod test_bankruptcy;
mod test_liquidation_property;
mod test_perp_property;
mod test_integrity_fills;
mod test_delegates;
mod test_liquidation_mark;
mod test_coalition_property;
mod test_bank_attacks;
mod test_bank_attacks2;
mod test_bank_attacks_funding;
mod test_pnl_pool;
mod test_pnl_pool_attacks;
mod test_integrity_attacks;
