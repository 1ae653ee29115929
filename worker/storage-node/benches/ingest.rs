//! Ingest (erasure coding + Merkle trees: in memory, and streamed with the shards and trees
//! written to disk) and rebuild throughput of the worker's CPU path, in bytes of the original
//! file per second.
//!
//! `cargo bench -p zg-storage-node --bench ingest`; figures go in the README.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use zg_storage_node::{
	encoder::{CpuBackend, ErasureBackend},
	ingest::{ingest, shard_tree, Ingest},
	read::data_shards,
	shard::ShardFiles,
};

const SIZE: usize = 64 << 20;

fn data() -> Vec<u8> {
	let mut x = 0x9e37_79b9_7f4a_7c15u64;
	(0..SIZE)
		.map(|_| {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			x as u8
		})
		.collect()
}

fn bench(c: &mut Criterion) {
	let data = data();
	let mut group = c.benchmark_group("storage");
	group.sample_size(10).throughput(Throughput::Bytes(SIZE as u64));
	for (k, m) in [(4u16, 2u16), (8, 4), (2, 2)] {
		let id = format!("64MiB k={k} m={m}");
		group.bench_function(BenchmarkId::new("encode", &id), |b| {
			b.iter(|| {
				let layout = zg_primitives::storage::FileLayout::new(SIZE as u64, k, m).unwrap();
				let shards = zg_primitives::erasure::split(&layout, black_box(&data)).unwrap();
				let refs: Vec<&[u8]> = shards.iter().map(Vec::as_slice).collect();
				CpuBackend.parity(&refs, m as usize).unwrap()
			})
		});
		{
			let layout = zg_primitives::storage::FileLayout::new(SIZE as u64, k, m).unwrap();
			let shards = zg_primitives::erasure::split(&layout, &data).unwrap();
			let refs: Vec<&[u8]> = shards.iter().map(Vec::as_slice).collect();
			group.bench_function(BenchmarkId::new("split", &id), |b| {
				b.iter(|| zg_primitives::erasure::split(&layout, black_box(&data)).unwrap().len())
			});
			group.bench_function(BenchmarkId::new("parity", &id), |b| {
				b.iter(|| CpuBackend.parity(black_box(&refs), m as usize).unwrap().len())
			});
			group.bench_function(BenchmarkId::new("merkle", &id), |b| {
				b.iter(|| refs.iter().map(|s| shard_tree(s).root()).collect::<Vec<_>>())
			});
		}
		group.bench_function(BenchmarkId::new("ingest", &id), |b| {
			b.iter(|| ingest(&CpuBackend, black_box(&data), k, m).unwrap().root)
		});
		let dir = tempfile::tempdir_in(".").unwrap();
		let streamed = || {
			let mut file = Ingest::new(dir.path(), SIZE as u64, k, m).unwrap();
			for piece in data.chunks(1 << 20) {
				file.write(piece).unwrap();
			}
			file.finish(&CpuBackend).unwrap()
		};
		group.bench_function(BenchmarkId::new("ingest streamed to disk", &id), |b| {
			b.iter(|| streamed().root)
		});
		// A download missing the m first data shards: they are rebuilt stripe by stripe and
		// checked against their roots.
		let file = streamed();
		let mut shards: Vec<Option<ShardFiles>> = file.shards.into_iter().map(Some).collect();
		for slot in shards.iter_mut().take(m as usize) {
			*slot = None;
		}
		let layout = file.layout;
		group.bench_function(BenchmarkId::new("rebuild, m data shards lost", &id), |b| {
			b.iter(|| {
				data_shards(&layout, &file.shard_roots, clone(&shards), dir.path()).unwrap().len()
			})
		});
	}
	group.finish();
}

/// The same shard files (not temporaries of their own).
fn clone(shards: &[Option<ShardFiles>]) -> Vec<Option<ShardFiles>> {
	shards.iter().map(|s| s.as_ref().map(ShardFiles::alias)).collect()
}

criterion_group!(benches, bench);
criterion_main!(benches);
