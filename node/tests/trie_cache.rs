//! What the node's periodic reset of the shared trie cache (`src/trie_cache.rs`) is for, on the
//! published `sp-trie`: its value cache keeps large values allocated beyond its budget, and a
//! reset frees them.
//!
//! Blocks are committed as the node commits them: a trie changed through a trusted local cache
//! (block authoring and import), whose contents go to the shared cache when it is dropped. Each
//! block rewrites one large value, as `System::Events` is rewritten in every block. The bytes
//! still allocated are counted by this test's own allocator.

use sp_core::Blake2Hasher;
use sp_trie::{
	cache::{CacheSize, SharedTrieCache},
	LayoutV1, MemoryDB, Trie, TrieDBBuilder, TrieDBMutBuilder, TrieMut,
};
use std::{
	alloc::{GlobalAlloc, Layout, System},
	sync::atomic::{AtomicIsize, Ordering},
};

/// The system allocator, counting the bytes allocated and not yet freed.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
	unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
		LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
		unsafe { System.alloc(layout) }
	}
	unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
		LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
		unsafe { System.dealloc(ptr, layout) }
	}
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Bytes of the value rewritten in every block.
const VALUE: usize = 64 * 1024;

/// Commits `blocks` blocks on top of `root`, each rewriting the large value and a small one.
fn commit_blocks(
	db: &mut MemoryDB<Blake2Hasher>,
	root: &mut sp_core::H256,
	cache: &SharedTrieCache<Blake2Hasher>,
	first: u32,
	blocks: u32,
) {
	for block in first..first + blocks {
		let local = cache.local_cache_trusted();
		{
			let mut trie_cache = local.as_trie_db_mut_cache();
			let mut new_root = *root;
			{
				let mut trie =
					TrieDBMutBuilder::<LayoutV1<Blake2Hasher>>::from_existing(db, &mut new_root)
						.with_cache(&mut trie_cache)
						.build();
				let events = vec![block as u8; VALUE];
				trie.insert(b"events", &events).expect("the trie is in memory");
				trie.insert(b"block", &block.to_le_bytes()).expect("the trie is in memory");
			}
			trie_cache.merge_into(&local, new_root);
			*root = new_root;
		}
		// The replaced nodes leave the database, as a pruned node's state does.
		db.purge();
		drop(local);
	}
}

#[test]
fn the_value_cache_keeps_large_values_allocated_until_the_cache_is_reset() {
	// 1 MiB: the node cache holds only a few of the large values at a time.
	let cache = SharedTrieCache::<Blake2Hasher>::new(CacheSize::new(1 << 20), None);
	let mut db = MemoryDB::<Blake2Hasher>::default();
	let mut root = sp_core::H256::default();
	{
		TrieDBMutBuilder::<LayoutV1<Blake2Hasher>>::new(&mut db, &mut root).build();
	}
	// Warm up: the caches fill to their budgets.
	commit_blocks(&mut db, &mut root, &cache, 0, 50);
	let before = LIVE.load(Ordering::Relaxed);
	commit_blocks(&mut db, &mut root, &cache, 50, 400);
	let grown = LIVE.load(Ordering::Relaxed) - before;
	// Each block leaves its 64 KiB value allocated: about 25 MiB over 400 blocks. When this
	// fails, sp-trie no longer does, and the node's periodic reset can go.
	assert!(
		grown > 200 * VALUE as isize,
		"only {grown} bytes more allocated after 400 blocks of one {VALUE}-byte value each"
	);
	cache.reset();
	let left = LIVE.load(Ordering::Relaxed) - before;
	assert!(left < 16 * VALUE as isize, "{left} bytes still allocated after the reset");
	// The state reads the same after the reset.
	let local = cache.local_cache_untrusted();
	let mut trie_cache = local.as_trie_db_cache(root);
	let trie = TrieDBBuilder::<LayoutV1<Blake2Hasher>>::new(&db, &root)
		.with_cache(&mut trie_cache)
		.build();
	assert_eq!(trie.get(b"events").expect("in memory"), Some(vec![449u32 as u8; VALUE]));
	assert_eq!(trie.get(b"block").expect("in memory"), Some(449u32.to_le_bytes().to_vec()));
}
