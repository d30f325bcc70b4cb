//! Reading zero-copy accounts from raw data, shared by the program's health-account parser and
//! the client so that both accept exactly the same bytes.

use anchor_lang::{Discriminator, ZeroCopy};

/// Copies a zero-copy account of type `T` out of `data` (8-byte discriminator first); `None`
/// when the data is too short or carries another discriminator.
pub fn read_zero_copy<T: ZeroCopy + Discriminator>(data: &[u8]) -> Option<T> {
    let end = 8 + core::mem::size_of::<T>();
    let body = data.get(8..end)?;
    if data.get(..8)? != T::DISCRIMINATOR {
        return None;
    }
    Some(bytemuck::pod_read_unaligned(body))
}

/// Borrows a zero-copy account of type `T` in place in `data` (8-byte discriminator first),
/// without copying it; `None` when the data is too short, carries another discriminator or is
/// not aligned for `T`.
pub fn zero_copy_ref<T: ZeroCopy + Discriminator>(data: &[u8]) -> Option<&T> {
    let body = data.get(8..8 + core::mem::size_of::<T>())?;
    if data.get(..8)? != T::DISCRIMINATOR {
        return None;
    }
    bytemuck::try_from_bytes(body).ok()
}
