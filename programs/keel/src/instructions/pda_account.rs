//! Creating program-derived accounts safely.
//!
//! Anchor's `init` creates an address that already holds lamports with the system program's
//! `CreateAccountAllowPrefund`, which clusters on Agave 3.1 do not know: anyone could then block
//! an asset listing or a margin account for good by sending a few lamports to its predictable
//! address. [`create_pda`] uses instructions every cluster has instead: `create_account` for an
//! empty address, and top-up + `allocate` + `assign` for a pre-funded one.

use crate::error::KeelError;
use anchor_lang::prelude::*;
use anchor_lang::system_program::{self, Allocate, Assign, CreateAccount, Transfer};
use anchor_lang::{Discriminator, ZeroCopy};
use core::cell::RefMut;

/// Creates `target` (a PDA signed by `seeds`) with `space` bytes owned by `owner`, paid by `payer`.
pub fn create_pda<'info>(
    payer: &AccountInfo<'info>,
    target: &AccountInfo<'info>,
    system: &Program<'info, System>,
    owner: &Pubkey,
    space: usize,
    seeds: &[&[u8]],
) -> Result<()> {
    let signer = [seeds];
    let rent = Rent::get()?.minimum_balance(space);
    let current = target.lamports();
    if current == 0 {
        let accounts = CreateAccount { from: payer.clone(), to: target.clone() };
        return system_program::create_account(CpiContext::new_with_signer(system.key(), accounts, &signer), rent, space as u64, owner);
    }
    crate::check!(
        *target.owner == system_program::ID && target.data_is_empty(),
        KeelError::AccountAlreadyExists,
        "account {} already exists",
        target.key
    );
    if rent > current {
        let accounts = Transfer { from: payer.clone(), to: target.clone() };
        system_program::transfer(CpiContext::new(system.key(), accounts), rent - current)?;
    }
    let accounts = Allocate { account_to_allocate: target.clone() };
    system_program::allocate(CpiContext::new_with_signer(system.key(), accounts, &signer), space as u64)?;
    let accounts = Assign { account_to_assign: target.clone() };
    system_program::assign(CpiContext::new_with_signer(system.key(), accounts, &signer), owner)
}

/// Writes `T`'s discriminator into a freshly created, zeroed account and returns its body for
/// initialisation.
pub fn init_zero_copy<'a, T: ZeroCopy + Discriminator>(target: &'a AccountInfo) -> Result<RefMut<'a, T>> {
    crate::check!(*target.owner == crate::ID, KeelError::AccountAlreadyExists);
    let mut data = target.try_borrow_mut_data()?;
    let end = 8 + core::mem::size_of::<T>();
    crate::check!(data.len() >= end && data[..8].iter().all(|b| *b == 0), KeelError::AccountAlreadyExists);
    data[..8].copy_from_slice(T::DISCRIMINATOR);
    Ok(RefMut::map(data, |d| bytemuck::from_bytes_mut(&mut d[8..end])))
}
