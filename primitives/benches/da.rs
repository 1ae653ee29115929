//! The costs of the DA commitment (`zg_primitives::da`) on one core: extending a blob to its
//! square with the roots of every row and column, and checking a proof of bad encoding (what
//! the runtime will run, here native), for blobs of 1, 8 and 32 MiB.
//!
//! `cargo bench -p zg-primitives --features erasure --bench da`; figures go in
//! docs/measurements.md.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use zg_primitives::da::{check_bad_encoding, extend, BadEncodingProof, Line};

fn blob(size: usize) -> Vec<u8> {
	let mut x = 0x9e37_79b9_7f4a_7c15u64;
	(0..size)
		.map(|_| {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			x as u8
		})
		.collect()
}

fn commitment(c: &mut Criterion) {
	let mut group = c.benchmark_group("da");
	group.sample_size(10);
	for mib in [1usize, 8, 32] {
		let data = blob(mib << 20);
		group.throughput(Throughput::Bytes(data.len() as u64));
		group.bench_with_input(BenchmarkId::new("extend_and_commit", mib), &data, |b, data| {
			b.iter(|| black_box(extend(data).unwrap().data_root()))
		});
		// A proof of a sound row: the check runs to the end (decoding, re-rooting) and finds
		// nothing, the most work a proof costs.
		let square = extend(&data).unwrap();
		let k = square.layout.k();
		let chunks = (0..k)
			.map(|pos| {
				let (chunk, path) = square.proof(Line::Column(pos), 0);
				(pos, chunk, path)
			})
			.collect();
		let proof = BadEncodingProof { line: Line::Row(0), chunks };
		let root = square.data_root();
		let size: usize = proof.chunks.iter().map(|(_, c, p)| 4 + c.len() + 32 * p.len()).sum();
		println!(
			"{mib} MiB: side {k}, proof of bad encoding {} KiB + {} KiB of axis roots",
			size / 1024,
			square.layout.width() as usize * 2 * 32 / 1024
		);
		group.throughput(Throughput::Elements(1));
		group.bench_with_input(BenchmarkId::new("check_bad_encoding", mib), &proof, |b, proof| {
			b.iter(|| {
				black_box(check_bad_encoding(
					&square.layout,
					&root,
					&square.row_roots,
					&square.column_roots,
					proof,
				))
			})
		});
	}
	group.finish();
}

criterion_group!(benches, commitment);
criterion_main!(benches);
