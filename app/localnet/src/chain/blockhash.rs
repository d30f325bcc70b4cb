//! The recent-blockhash queue: one blockhash per slot, valid for [`MAX_PROCESSING_AGE`] blocks as
//! on a real cluster (LiteSVM itself accepts only its latest blockhash).

use solana_hash::Hash;
use std::collections::VecDeque;

/// Blocks a blockhash stays usable for after the block that produced it (Agave's value).
pub const MAX_PROCESSING_AGE: u64 = 150;

/// Recent blockhashes with the block height at which each was produced, newest last.
#[derive(Debug, Default)]
pub struct BlockhashQueue {
    entries: VecDeque<(Hash, u64)>,
}

impl BlockhashQueue {
    /// Records `hash` as produced at `block_height`, forgetting hashes too old to be valid.
    pub fn push(&mut self, hash: Hash, block_height: u64) {
        self.entries.push_back((hash, block_height));
        while self.entries.len() as u64 > MAX_PROCESSING_AGE + 1 {
            self.entries.pop_front();
        }
    }

    /// The newest blockhash and the last block height at which it is still valid.
    pub fn latest(&self) -> Option<(Hash, u64)> {
        self.entries
            .back()
            .map(|(hash, height)| (*hash, height + MAX_PROCESSING_AGE))
    }

    /// Whether `hash` may still be used by a transaction landing at `block_height`.
    pub fn is_valid(&self, hash: &Hash, block_height: u64) -> bool {
        self.entries
            .iter()
            .any(|(h, produced)| h == hash && block_height <= produced + MAX_PROCESSING_AGE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blockhash_valid_for_150_blocks_then_expired() {
        let mut queue = BlockhashQueue::default();
        let first = Hash::new_from_array([1; 32]);
        queue.push(first, 10);
        assert_eq!(queue.latest(), Some((first, 160)));
        assert!(queue.is_valid(&first, 160));
        assert!(!queue.is_valid(&first, 161));
        for height in 11..400u64 {
            let mut bytes = [0; 32];
            bytes[..8].copy_from_slice(&height.to_le_bytes());
            queue.push(Hash::new_from_array(bytes), height);
        }
        assert!(!queue.is_valid(&first, 399));
        assert_eq!(queue.latest().map(|(_, valid)| valid), Some(399 + 150));
    }

    #[test]
    fn unknown_blockhash_is_invalid() {
        let queue = BlockhashQueue::default();
        assert!(!queue.is_valid(&Hash::new_from_array([9; 32]), 0));
        assert_eq!(queue.latest(), None);
    }
}
