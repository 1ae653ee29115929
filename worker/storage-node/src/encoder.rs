//! Erasure coding backends.
//!
//! Every backend computes the parity shards of `k` equally sized data shards with the code of
//! `zg_primitives::erasure` and must return exactly the bytes of
//! [`zg_primitives::erasure::parity`]: the roots committed on chain depend on them, so a file
//! encoded on a GPU and repaired on a CPU must agree bit for bit.

use crate::Error;
use rayon::prelude::*;
use zg_primitives::erasure::{self, STRIPE};

/// An erasure coder.
pub trait ErasureBackend: Send + Sync {
	/// A short name for logs and metrics (`cpu`, `cuda`).
	fn name(&self) -> &'static str;

	/// The `parity_shards` parity shards of `data`, `k` data shards of equal size (a multiple
	/// of 64 bytes).
	fn parity(&self, data: &[&[u8]], parity_shards: usize) -> Result<Vec<Vec<u8>>, Error>;
}

/// The CPU backend: reed-solomon-simd (AVX2/SSSE3/NEON where the CPU has them), with the shards
/// cut into column ranges that are coded on all cores at once. The code works on independent
/// 64-byte columns, so the ranges give the same bytes as coding the whole shards.
#[derive(Clone, Copy, Debug, Default)]
pub struct CpuBackend;

impl ErasureBackend for CpuBackend {
	fn name(&self) -> &'static str {
		"cpu"
	}

	fn parity(&self, data: &[&[u8]], parity_shards: usize) -> Result<Vec<Vec<u8>>, Error> {
		let shard_size = data.first().map_or(0, |s| s.len());
		// One column range per core (whole stripes), coded in place into the output shards.
		let threads = rayon::current_num_threads().max(1);
		let range = shard_size.div_ceil(threads).div_ceil(STRIPE).max(1) * STRIPE;
		let mut out: Vec<Vec<u8>> = (0..parity_shards).map(|_| vec![0u8; shard_size]).collect();
		if shard_size <= range || parity_shards == 0 {
			let mut targets: Vec<&mut [u8]> = out.iter_mut().map(Vec::as_mut_slice).collect();
			erasure::parity_into(data, &mut targets)?;
			return Ok(out);
		}
		// columns[r][j]: range r of parity shard j.
		let mut columns: Vec<Vec<&mut [u8]>> = Vec::new();
		for shard in out.iter_mut() {
			for (r, piece) in shard.chunks_mut(range).enumerate() {
				if columns.len() <= r {
					columns.push(Vec::with_capacity(parity_shards));
				}
				columns[r].push(piece);
			}
		}
		columns.into_par_iter().enumerate().try_for_each(|(r, mut targets)| {
			let start = r * range;
			let end = (start + range).min(shard_size);
			let inputs: Vec<&[u8]> = data.iter().map(|s| &s[start..end]).collect();
			erasure::parity_into(&inputs, &mut targets)
		})?;
		Ok(out)
	}
}

/// The best backend on this machine. Today that is always the CPU; the CUDA backend (cudarc,
/// loaded at run time) will be chosen here when a GPU and its driver are present.
pub fn detect() -> Box<dyn ErasureBackend> {
	Box::new(CpuBackend)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn parallel_columns_match_the_reference() {
		for (shard_size, k, m) in [(64, 2, 1), (5 * STRIPE + 1024, 4, 2), (3 * STRIPE, 3, 3)] {
			let data: Vec<Vec<u8>> = (0..k)
				.map(|i| (0..shard_size).map(|j| ((i * 7 + j * 13) % 256) as u8).collect())
				.collect();
			let refs: Vec<&[u8]> = data.iter().map(Vec::as_slice).collect();
			let pool = rayon::ThreadPoolBuilder::new().num_threads(4).build().unwrap();
			let fast = pool.install(|| CpuBackend.parity(&refs, m)).unwrap();
			assert_eq!(fast, erasure::parity(&refs, m).unwrap(), "{shard_size} {k} {m}");
		}
	}
}
