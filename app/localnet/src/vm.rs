//! The virtual machine: LiteSVM on the Agave 3.1 runtime with Keel registered as a native
//! builtin, beside the real SPL Token and Associated Token Account programs (BPF).

use crate::error::NodeError;
use litesvm::LiteSVM;
use solana_program_runtime::invoke_context::BuiltinFunctionWithContext;
use solana_program_test::{processor, ProgramTest};
use std::hash::{Hash, Hasher};
use std::sync::OnceLock;

/// Lamports charged per signature, as on mainnet.
pub const LAMPORTS_PER_SIGNATURE: u64 = 5_000;

/// Installs the syscall stubs that let a native program make CPIs and read sysvars.
///
/// solana-program-test installs them process-wide on its first `ProgramTest::start()` and
/// exposes no other way to do so; LiteSVM has none of its own. The stubs are global, so the
/// node runs every transaction on one thread (see [`crate::executor`]).
fn install_syscall_stubs() -> Result<(), NodeError> {
    static INSTALLED: OnceLock<Result<(), String>> = OnceLock::new();
    INSTALLED
        .get_or_init(|| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(async { drop(ProgramTest::default().start().await) });
            Ok(())
        })
        .clone()
        .map_err(NodeError::Startup)
}

/// A number naming the VM's feature set, mainnet's (getVersion's `feature-set`): a hash of the
/// sorted ids of the active features, so that two nodes with the same features agree.
pub fn feature_set_id() -> u32 {
    let features = LiteSVM::mainnet_feature_set();
    let mut ids: Vec<[u8; 32]> = features.active().keys().map(|k| k.to_bytes()).collect();
    ids.sort_unstable();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    ids.hash(&mut hasher);
    hasher.finish() as u32
}

/// A fresh VM: mainnet features, sysvars, the SPL programs, Keel as a builtin. LiteSVM's own
/// signature and blockhash checks are off: the chain verifies signatures itself (so that a
/// simulation may skip them) and keeps the real recent-blockhash queue. Its transaction history
/// is sized to the node's.
pub fn new_vm(history_capacity: usize) -> Result<LiteSVM, NodeError> {
    install_syscall_stubs()?;
    let entry: Option<BuiltinFunctionWithContext> = processor!(keel_tests::runtime::entry_wrapper);
    let entry = entry.ok_or_else(|| NodeError::Startup("no builtin entrypoint for Keel".into()))?;
    let mut svm = LiteSVM::new()
        .with_blockhash_check(false)
        .with_sigverify(false)
        .with_transaction_history(history_capacity);
    svm.add_builtin(keel::ID, entry);
    Ok(svm)
}
