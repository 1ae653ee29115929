//! Ingest (erasure coding + Merkle trees, and with the shards written to disk) and decode
//! throughput of the worker's CPU path, in bytes of the original file per second.
//!
//! `cargo bench -p zg-gpu-worker --bench ingest`; figures go in the README.

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use zg_gpu_worker::{
	encoder::{CpuBackend, ErasureBackend},
	ingest::{ingest, reconstruct},
	store::{FileMeta, ShardStore},
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
				b.iter(|| refs.iter().map(|s| zg_gpu_worker::ingest::shard_tree(s).root()).count())
			});
		}
		group.bench_function(BenchmarkId::new("ingest", &id), |b| {
			b.iter(|| ingest(&CpuBackend, black_box(&data), k, m).unwrap().root)
		});
		let dir = tempfile::tempdir().unwrap();
		let store = ShardStore::open(dir.path()).unwrap();
		group.bench_function(BenchmarkId::new("ingest+write", &id), |b| {
			b.iter(|| {
				let file = ingest(&CpuBackend, black_box(&data), k, m).unwrap();
				let meta = FileMeta { layout: file.layout, shard_roots: file.shard_roots.clone() };
				store.put_meta(&file.root, &meta).unwrap();
				for (i, shard) in file.shards().into_iter().enumerate() {
					std::fs::write(dir.path().join(format!("{i}.bench")), shard).unwrap();
				}
				file.root
			})
		});
		let file = ingest(&CpuBackend, &data, k, m).unwrap();
		// Decode from the shards a download gathers (owned buffers, as read from disk or the
		// network): the m first data shards are lost; each present shard is checked against its
		// root before decoding.
		group.bench_function(BenchmarkId::new("decode, m data shards lost", &id), |b| {
			b.iter_batched(
				|| {
					let mut slots: Vec<Option<Vec<u8>>> =
						file.shards().into_iter().map(|s| Some(s.to_vec())).collect();
					for slot in slots.iter_mut().take(m as usize) {
						*slot = None;
					}
					slots
				},
				|slots| reconstruct(&file.layout, &file.shard_roots, slots).unwrap().len(),
				BatchSize::LargeInput,
			)
		});
	}
	group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
