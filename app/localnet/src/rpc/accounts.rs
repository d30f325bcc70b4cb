//! Account methods: getAccountInfo, getMultipleAccounts, getProgramAccounts (memcmp and
//! dataSize filters, dataSlice), getBalance, getMinimumBalanceForRentExemption.

use super::errors::{invalid_params, RpcResult};
use super::params::{each, pubkey, Positional};
use super::{context, method, RpcState};
use crate::chain::Chain;
use anchor_lang::prelude::Pubkey;
use jsonrpsee::core::RegisterMethodError;
use jsonrpsee::server::RpcModule;
use jsonrpsee::types::Params;
use solana_account::{AccountSharedData, ReadableAccount};
use solana_account_decoder::parse_account_data::{
    AccountAdditionalDataV3, SplTokenAdditionalDataV2,
};
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

/// Whether `config` asks for `jsonParsed` (then token accounts need their mint's decimals).
pub fn wants_parsed(config: &RpcAccountInfoConfig) -> bool {
    config.encoding == Some(UiAccountEncoding::JsonParsed)
}

/// The decimals `account` is parsed with, looked up only when `parsed` is asked.
pub fn decimals_for(chain: &Chain, account: &AccountSharedData, parsed: bool) -> Option<u8> {
    parsed.then(|| chain.token_decimals(account)).flatten()
}

/// `account` at `key` in the encoding `config` asks for (base64 unless told otherwise).
/// `jsonParsed` parses what solana-account-decoder knows (SPL Token accounts and mints, with
/// `decimals` for token accounts) and falls back to base64 for the rest, as Agave does.
pub fn encode(
    key: &Pubkey,
    account: &AccountSharedData,
    decimals: Option<u8>,
    config: &RpcAccountInfoConfig,
) -> RpcResult<UiAccount> {
    let additional = decimals.map(|d| AccountAdditionalDataV3 {
        spl_token_additional_data: Some(SplTokenAdditionalDataV2::with_decimals(d)),
    });
    let encoding = match config.encoding.unwrap_or(UiAccountEncoding::Base64) {
        UiAccountEncoding::Binary if account.data().len() > 128 => {
            return Err(invalid_params("Encoded binary (base 58) data should be less than 128 bytes, please use Base64 encoding."));
        }
        other => other,
    };
    Ok(encode_ui_account(
        key,
        account,
        encoding,
        additional,
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
    let parsed = wants_parsed(&config);
    let (slot, account) = state
        .run(move |c| {
            let account = c.account(&key).map(|a| (decimals_for(c, &a, parsed), a));
            (c.slot(), account)
        })
        .await?;
    let value = account
        .map(|(d, a)| encode(&key, &a, d, &config))
        .transpose()?;
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
    let keys = each(&p.required::<Vec<String>>()?, MAX_MULTIPLE_ACCOUNTS, pubkey)?;
    let config: RpcAccountInfoConfig = p.or_default()?;
    let parsed = wants_parsed(&config);
    let (slot, accounts) = state
        .run(move |c| {
            let found = keys
                .iter()
                .map(|k| (*k, c.account(k).map(|a| (decimals_for(c, &a, parsed), a))));
            (c.slot(), found.collect::<Vec<_>>())
        })
        .await?;
    let value = accounts
        .iter()
        .map(|(k, a)| {
            a.as_ref()
                .map(|(d, a)| encode(k, a, *d, &config))
                .transpose()
        })
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
    let parsed = wants_parsed(&config.account_config);
    let (slot, accounts) = state
        .run(move |c| {
            let found =
                c.program_accounts(&owner, |a| filters.iter().all(|f| matches(f, a.data())));
            (c.slot(), with_decimals(c, found, parsed))
        })
        .await?;
    let keyed = keyed_accounts(
        accounts,
        &config.account_config,
        config.sort_results.unwrap_or(true),
    )?;
    Ok(if config.with_context.unwrap_or(false) {
        OptionalContext::Context(Response {
            context: context(slot),
            value: keyed,
        })
    } else {
        OptionalContext::NoContext(keyed)
    })
}

/// `accounts` with the decimals they are parsed with (when `parsed` is asked).
pub fn with_decimals(
    chain: &Chain,
    accounts: Vec<(Pubkey, AccountSharedData)>,
    parsed: bool,
) -> Vec<(Pubkey, AccountSharedData, Option<u8>)> {
    accounts
        .into_iter()
        .map(|(key, account)| {
            let decimals = decimals_for(chain, &account, parsed);
            (key, account, decimals)
        })
        .collect()
}

/// `accounts` encoded as keyed accounts, sorted by address when `sort` is asked.
pub fn keyed_accounts(
    mut accounts: Vec<(Pubkey, AccountSharedData, Option<u8>)>,
    config: &RpcAccountInfoConfig,
    sort: bool,
) -> RpcResult<Vec<RpcKeyedAccount>> {
    if sort {
        accounts.sort_by_key(|(k, _, _)| *k);
    }
    accounts
        .iter()
        .map(|(k, a, d)| {
            Ok(RpcKeyedAccount {
                pubkey: k.to_string(),
                account: encode(k, a, *d, config)?,
            })
        })
        .collect()
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
