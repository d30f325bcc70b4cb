//! Account methods: getAccountInfo, getMultipleAccounts, getProgramAccounts (memcmp and
//! dataSize filters, dataSlice), getBalance, getMinimumBalanceForRentExemption.

use super::errors::{invalid_params, RpcResult};
use super::params::{pubkey, Positional};
use super::{context, method, RpcState};
use anchor_lang::prelude::Pubkey;
use jsonrpsee::core::RegisterMethodError;
use jsonrpsee::server::RpcModule;
use jsonrpsee::types::Params;
use solana_account::{AccountSharedData, ReadableAccount};
use solana_account_decoder::{encode_ui_account, UiAccount, UiAccountEncoding};
use solana_rpc_client_api::config::{
    RpcAccountInfoConfig, RpcContextConfig, RpcProgramAccountsConfig,
};
use solana_rpc_client_api::filter::RpcFilterType;
use solana_rpc_client_api::response::{OptionalContext, Response, RpcKeyedAccount};
use std::sync::Arc;

/// The most accounts one getMultipleAccounts may ask for (Agave's limit).
pub const MAX_MULTIPLE_ACCOUNTS: usize = 100;

/// Registers the account methods.
pub fn register(module: &mut RpcModule<RpcState>) -> Result<(), RegisterMethodError> {
    method!(module, "getAccountInfo", account_info);
    method!(module, "getMultipleAccounts", multiple_accounts);
    method!(module, "getProgramAccounts", program_accounts);
    method!(module, "getBalance", balance);
    method!(
        module,
        "getMinimumBalanceForRentExemption",
        minimum_balance_for_rent_exemption
    );
    Ok(())
}

/// `account` at `key` in the encoding `config` asks for (base64 unless told otherwise; jsonParsed
/// falls back to base64 as Agave does for programs it cannot parse).
pub fn encode(
    key: &Pubkey,
    account: &AccountSharedData,
    config: &RpcAccountInfoConfig,
) -> RpcResult<UiAccount> {
    let encoding = match config.encoding.unwrap_or(UiAccountEncoding::Base64) {
        UiAccountEncoding::JsonParsed => UiAccountEncoding::Base64,
        UiAccountEncoding::Binary if account.data().len() > 128 => {
            return Err(invalid_params("Encoded binary (base 58) data should be less than 128 bytes, please use Base64 encoding."));
        }
        other => other,
    };
    Ok(encode_ui_account(
        key,
        account,
        encoding,
        None,
        config.data_slice,
    ))
}

async fn account_info(
    params: Params<'static>,
    state: Arc<RpcState>,
) -> RpcResult<Response<Option<UiAccount>>> {
    let mut p = Positional::new(&params);
    let key = pubkey(&p.required::<String>()?)?;
    let config: RpcAccountInfoConfig = p.or_default()?;
    let (slot, account) = state.run(move |c| (c.slot(), c.account(&key))).await?;
    let value = account.map(|a| encode(&key, &a, &config)).transpose()?;
    Ok(Response {
        context: context(slot),
        value,
    })
}

async fn multiple_accounts(
    params: Params<'static>,
    state: Arc<RpcState>,
) -> RpcResult<Response<Vec<Option<UiAccount>>>> {
    let mut p = Positional::new(&params);
    let keys: Vec<String> = p.required()?;
    if keys.len() > MAX_MULTIPLE_ACCOUNTS {
        return Err(invalid_params(format!(
            "Too many inputs provided; max {MAX_MULTIPLE_ACCOUNTS}"
        )));
    }
    let keys = keys
        .iter()
        .map(|k| pubkey(k))
        .collect::<RpcResult<Vec<_>>>()?;
    let config: RpcAccountInfoConfig = p.or_default()?;
    let (slot, accounts) = state
        .run(move |c| {
            (
                c.slot(),
                keys.iter().map(|k| (*k, c.account(k))).collect::<Vec<_>>(),
            )
        })
        .await?;
    let value = accounts
        .iter()
        .map(|(k, a)| a.as_ref().map(|a| encode(k, a, &config)).transpose())
        .collect::<RpcResult<_>>()?;
    Ok(Response {
        context: context(slot),
        value,
    })
}

async fn program_accounts(
    params: Params<'static>,
    state: Arc<RpcState>,
) -> RpcResult<OptionalContext<Vec<RpcKeyedAccount>>> {
    let mut p = Positional::new(&params);
    let owner = pubkey(&p.required::<String>()?)?;
    let config: RpcProgramAccountsConfig = p.or_default()?;
    let filters = checked_filters(&config)?;
    let (slot, mut accounts) = state
        .run(move |c| {
            (
                c.slot(),
                c.program_accounts(&owner, |a| filters.iter().all(|f| matches(f, a.data()))),
            )
        })
        .await?;
    if config.sort_results.unwrap_or(true) {
        accounts.sort_by_key(|(k, _)| *k);
    }
    let keyed = accounts
        .iter()
        .map(|(k, a)| {
            Ok(RpcKeyedAccount {
                pubkey: k.to_string(),
                account: encode(k, a, &config.account_config)?,
            })
        })
        .collect::<RpcResult<Vec<_>>>()?;
    Ok(if config.with_context.unwrap_or(false) {
        OptionalContext::Context(Response {
            context: context(slot),
            value: keyed,
        })
    } else {
        OptionalContext::NoContext(keyed)
    })
}

/// The filters of `config`, checked (sizes, encodings) and with memcmp bytes decoded.
pub fn checked_filters(config: &RpcProgramAccountsConfig) -> RpcResult<Vec<RpcFilterType>> {
    let mut filters = config.filters.clone().unwrap_or_default();
    for filter in &mut filters {
        filter
            .verify()
            .map_err(|e| invalid_params(format!("Invalid param: {e}")))?;
        if let RpcFilterType::Memcmp(memcmp) = filter {
            memcmp
                .convert_to_raw_bytes()
                .map_err(|e| invalid_params(format!("Invalid param: {e}")))?;
        }
    }
    Ok(filters)
}

/// Whether account data passes `filter` (`tokenAccountState` is checked by its length here).
pub fn matches(filter: &RpcFilterType, data: &[u8]) -> bool {
    match filter {
        RpcFilterType::DataSize(size) => data.len() as u64 == *size,
        RpcFilterType::Memcmp(memcmp) => memcmp.bytes_match(data),
        RpcFilterType::TokenAccountState => data.len() == 165,
    }
}

async fn balance(params: Params<'static>, state: Arc<RpcState>) -> RpcResult<Response<u64>> {
    let mut p = Positional::new(&params);
    let key = pubkey(&p.required::<String>()?)?;
    let _config: RpcContextConfig = p.or_default()?;
    let (slot, lamports) = state
        .run(move |c| (c.slot(), c.account(&key).map_or(0, |a| a.lamports())))
        .await?;
    Ok(Response {
        context: context(slot),
        value: lamports,
    })
}

async fn minimum_balance_for_rent_exemption(
    params: Params<'static>,
    state: Arc<RpcState>,
) -> RpcResult<u64> {
    let len: usize = Positional::new(&params).required()?;
    state.run(move |c| c.rent_exempt_minimum(len)).await
}
