//! SPL Token methods wallets and dApps call: getTokenAccountBalance, getTokenSupply,
//! getTokenAccountsByOwner (by mint or by the SPL Token program).

use super::accounts::{keyed_accounts, wants_parsed, with_decimals};
use super::errors::{invalid_params, RpcResult};
use super::params::{pubkey, Positional};
use super::{context, method, RpcState};
use anchor_spl::token::spl_token;
use jsonrpsee::core::RegisterMethodError;
use jsonrpsee::server::RpcModule;
use jsonrpsee::types::Params;
use solana_account_decoder::parse_account_data::SplTokenAdditionalDataV2;
use solana_account_decoder::parse_token::{token_amount_to_ui_amount_v3, UiTokenAmount};
use solana_rpc_client_api::config::{RpcAccountInfoConfig, RpcTokenAccountsFilter};
use solana_rpc_client_api::response::{Response, RpcKeyedAccount};
use std::sync::Arc;

/// Registers the token methods.
pub fn register(module: &mut RpcModule<RpcState>) -> Result<(), RegisterMethodError> {
    method!(module, "getTokenAccountBalance", token_account_balance);
    method!(module, "getTokenSupply", token_supply);
    method!(module, "getTokenAccountsByOwner", token_accounts_by_owner);
    Ok(())
}

/// `amount` native units shown with `decimals`.
fn ui_amount(amount: u64, decimals: u8) -> UiTokenAmount {
    token_amount_to_ui_amount_v3(amount, &SplTokenAdditionalDataV2::with_decimals(decimals))
}

async fn token_account_balance(
    params: Params<'static>,
    state: Arc<RpcState>,
) -> RpcResult<Response<UiTokenAmount>> {
    let key = pubkey(&Positional::new(&params).required::<String>()?)?;
    let (slot, balance) = state
        .run(move |c| (c.slot(), c.token_balance(&key)))
        .await?;
    let balance = balance.ok_or_else(|| invalid_params("Invalid param: could not find account"))?;
    Ok(Response {
        context: context(slot),
        value: ui_amount(balance.amount, balance.decimals),
    })
}

async fn token_supply(
    params: Params<'static>,
    state: Arc<RpcState>,
) -> RpcResult<Response<UiTokenAmount>> {
    let key = pubkey(&Positional::new(&params).required::<String>()?)?;
    let (slot, supply) = state.run(move |c| (c.slot(), c.token_supply(&key))).await?;
    let (supply, decimals) =
        supply.ok_or_else(|| invalid_params("Invalid param: could not find mint"))?;
    Ok(Response {
        context: context(slot),
        value: ui_amount(supply, decimals),
    })
}

async fn token_accounts_by_owner(
    params: Params<'static>,
    state: Arc<RpcState>,
) -> RpcResult<Response<Vec<RpcKeyedAccount>>> {
    let mut p = Positional::new(&params);
    let owner = pubkey(&p.required::<String>()?)?;
    let filter: RpcTokenAccountsFilter = p.required()?;
    let config: RpcAccountInfoConfig = p.or_default()?;
    let mint = match filter {
        RpcTokenAccountsFilter::Mint(mint) => Some(pubkey(&mint)?),
        RpcTokenAccountsFilter::ProgramId(program) if pubkey(&program)? == spl_token::ID => None,
        RpcTokenAccountsFilter::ProgramId(program) => {
            return Err(invalid_params(format!(
            "Invalid param: unrecognized Token program id {program} (this node serves SPL Token)"
        )))
        }
    };
    let parsed = wants_parsed(&config);
    let (slot, accounts) = state
        .run(move |c| {
            (
                c.slot(),
                with_decimals(c, c.token_accounts_by_owner(&owner, mint), parsed),
            )
        })
        .await?;
    Ok(Response {
        context: context(slot),
        value: keyed_accounts(accounts, &config, true)?,
    })
}
