//! Latency of a storage proof (a challenge's answer: one chunk and its Merkle path) from a
//! stored shard, for a 32 MiB shard and a large one (4 GiB unless `ZG_BENCH_PROOF_GIB` says
//! otherwise): with stored trees it reads one 16 KiB group and one node per level, so it must
//! not grow with the shard. The shards are written once through the store (their trees built
//! on the way); the page cache is warm, as on a provider that just stored them.
//!
//! `cargo bench -p zg-storage-node --bench proof`; figures go in the README.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::hint::black_box;
use zg_primitives::storage::{verify_chunk, FileLayout, CHUNK_SIZE};
use zg_storage_node::store::{FileMeta, ShardStore};

/// Writes one shard of `size` bytes (pseudo-random) as shard 0 of a file with one data shard
/// and one parity shard slot (only shard 0 is stored); gives its root and layout.
fn stored_shard(store: &ShardStore, size: u64) -> (zg_primitives::Hash, FileLayout) {
	let mut writer = store.shard_writer(size).unwrap();
	let mut x = 0x9e37_79b9_7f4a_7c15u64 ^ size;
	let mut piece = vec![0u8; 1 << 20];
	let mut left = size;
	while left > 0 {
		for word in piece.chunks_exact_mut(8) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			word.copy_from_slice(&x.to_le_bytes());
		}
		let n = left.min(piece.len() as u64) as usize;
		writer.write(&piece[..n]).unwrap();
		left -= n as u64;
	}
	let files = writer.finish().unwrap();
	// A layout whose shard size is `size`: 2 data shards of `size` bytes each; shard 1 is
	// never stored, its root is the zero hash (the metadata only has to hash to the root).
	let layout = FileLayout::new(2 * size, 2, 0).unwrap();
	let meta = FileMeta { layout, shard_roots: vec![files.root, Default::default()] };
	let root = meta.root();
	store.put_meta(&root, &meta).unwrap();
	store.put_shard(&root, 0, files).unwrap();
	(root, layout)
}

fn bench(c: &mut Criterion) {
	let dir =
		tempfile::tempdir_in(std::env::var("ZG_BENCH_DIR").unwrap_or_else(|_| ".".into())).unwrap();
	let store = ShardStore::open(dir.path()).unwrap();
	let large: u64 =
		std::env::var("ZG_BENCH_PROOF_GIB").ok().and_then(|v| v.parse().ok()).unwrap_or(4);
	let mut group = c.benchmark_group("proof");
	for (name, size) in [("32MiB".to_string(), 32u64 << 20), (format!("{large}GiB"), large << 30)] {
		let started = std::time::Instant::now();
		let (root, layout) = stored_shard(&store, size);
		eprintln!(
			"stored a {name} shard with its tree in {:.1} s",
			started.elapsed().as_secs_f64()
		);
		let meta = store.meta(&root).unwrap();
		let chunks = size / CHUNK_SIZE as u64;
		// A proof must verify as the chain verifies it.
		let (chunk, path) = store.proof(&root, 0, (chunks - 1) as u32).unwrap();
		assert_eq!(
			verify_chunk(&layout, &meta.shard_roots[0], (chunks - 1) as u32, &chunk, &path),
			Ok(())
		);
		let mut i = 0u64;
		group.bench_function(BenchmarkId::new("store.proof", &name), |b| {
			b.iter(|| {
				// Chunks spread over the whole shard.
				i = (i + 0x9e37_79b9) % chunks;
				black_box(store.proof(&root, 0, i as u32).unwrap())
			})
		});
		store.remove(&root).unwrap();
	}
	group.finish();
}

criterion_group! {
	name = benches;
	config = Criterion::default().sample_size(200);
	targets = bench
}
criterion_main!(benches);
