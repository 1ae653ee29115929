//! Bounds what polkadot-sdk's shared trie cache keeps allocated beyond its budget.
//!
//! The shared trie cache (`sp-trie` 47.0.0) has a node cache, which counts the bytes it holds,
//! and a value cache, which maps (storage root, key) to a value held through a `Weak` reference
//! and counts only the key. A `Weak<[u8]>` keeps the value's allocation alive after the node
//! cache has dropped the value, so every large value written under a new root stays allocated
//! until its entry leaves the value cache: with `System::Events` rewritten in every block (about
//! 1 MiB in a block of 2 200 transfers), the heap grew by about that much a block, for tens of
//! thousands of blocks (docs/performance.md; `tests/trie_cache.rs` shows it on the published
//! crate). The fix belongs in `sp-trie`, which lies under most of polkadot-sdk: a copy patched in
//! would be rebuilt, with everything above it, on every fresh checkout.
//!
//! Until then the node empties the whole cache every [`RESET_EVERY`] new best blocks, which frees
//! what the value cache pinned. A value cache entry is keyed by a storage root, so those of older
//! blocks are of no use once the chain has moved on; the node cache refills within a block or two
//! from the database (`--trie-cache-size` sets its budget, as before).

use crate::service::{FullBackend, FullClient};
use futures::StreamExt;
use sc_client_api::BlockchainEvents;
use sc_service::TaskManager;
use std::sync::Arc;

/// New best blocks between two resets of the shared trie cache: about 10 minutes of 6 s blocks.
/// Under full blocks of transfers the value cache pins about 1 MiB a block, so at most about
/// 100 MiB between resets.
pub const RESET_EVERY: u32 = 100;

/// Whether the cache is reset when block `number` becomes the best block.
pub fn resets_at(number: u32) -> bool {
	number > 0 && number % RESET_EVERY == 0
}

/// Spawns the task that resets `backend`'s shared trie cache every [`RESET_EVERY`] new best
/// blocks of `client`.
pub fn spawn_resets(
	task_manager: &TaskManager,
	client: Arc<FullClient>,
	backend: Arc<FullBackend>,
) {
	let mut imported = client.import_notification_stream();
	task_manager.spawn_handle().spawn("trie-cache-reset", None, async move {
		while let Some(block) = imported.next().await {
			if block.is_new_best && resets_at(block.header.number) {
				backend.reset_trie_cache();
				log::debug!(target: "zg-node", "reset the shared trie cache at #{}", block.header.number);
			}
		}
	});
}

#[cfg(test)]
mod tests {
	use super::{resets_at, RESET_EVERY};

	#[test]
	fn resets_every_hundred_best_blocks_but_not_at_genesis() {
		assert!(!resets_at(0));
		assert!(!resets_at(1));
		assert!(!resets_at(RESET_EVERY - 1));
		assert!(resets_at(RESET_EVERY));
		assert!(!resets_at(RESET_EVERY + 1));
		assert!(resets_at(5 * RESET_EVERY));
	}
}
