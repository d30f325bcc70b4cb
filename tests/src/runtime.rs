//! The Keel program running natively inside solana-program-test, next to the real SPL Token.

use anchor_lang::prelude::{AccountInfo, Pubkey};
use anchor_lang::solana_program::entrypoint::ProgramResult;
use solana_program_test::{processor, ProgramTest};

/// Calls `keel::entry` with the lifetimes program-test's builtin signature uses (also the
/// entrypoint the local node registers as a LiteSVM builtin).
pub fn entry_wrapper<'a, 'b, 'c, 'd>(program_id: &'a Pubkey, accounts: &'b [AccountInfo<'c>], data: &'d [u8]) -> ProgramResult {
    // SAFETY: the runtime keeps the program id, every account and the data alive for the whole
    // instruction; Anchor's entry only asks that they share one lifetime.
    let (program_id, accounts, data): (&'c Pubkey, &'c [AccountInfo<'c>], &'c [u8]) =
        unsafe { (core::mem::transmute(program_id), core::mem::transmute(accounts), core::mem::transmute(data)) };
    keel::entry(program_id, accounts, data)
}

/// A program test with Keel registered as a native program.
pub fn program_test() -> ProgramTest {
    let mut test = ProgramTest::new("keel", keel::ID, processor!(entry_wrapper));
    test.prefer_bpf(false);
    test
}
