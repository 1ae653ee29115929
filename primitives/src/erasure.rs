//! Reed-Solomon erasure coding of files into the shards of [`crate::storage`].
//!
//! The code is `reed-solomon-simd` (GF(2¹⁶), systematic: the first `k` shards are the file's own
//! bytes). Any `k` of the `k + m` shards give the file back. The coding is done in stripes of
//! [`STRIPE`] bytes per shard so that the working set stays in the CPU cache; the code works in
//! independent 64-byte blocks, so striping changes nothing in the output (a property test
//! checks it against coding whole shards). Both the CPU and a future GPU encoder must produce
//! these exact bytes: [`encode`] is the reference.

use crate::storage::FileLayout;
use alloc::{vec, vec::Vec};

/// Bytes of each shard coded at once. A multiple of 64, as the code requires.
pub const STRIPE: usize = 64 * 1024;

/// Why coding failed.
#[derive(Clone, PartialEq, Debug)]
pub enum ErasureError {
	/// The data is not `layout.size` bytes long.
	WrongDataLength,
	/// Not `k + m` shard slots, or a shard of the wrong size.
	WrongShardSize,
	/// Fewer than `k` shards are present.
	NotEnoughShards,
	/// The underlying code refused the parameters.
	Code(reed_solomon_simd::Error),
}

impl From<reed_solomon_simd::Error> for ErasureError {
	fn from(e: reed_solomon_simd::Error) -> Self {
		ErasureError::Code(e)
	}
}

/// Cuts `data` into the `k` zero-padded data shards of `layout`.
pub fn split(layout: &FileLayout, data: &[u8]) -> Result<Vec<Vec<u8>>, ErasureError> {
	if data.len() as u64 != layout.size {
		return Err(ErasureError::WrongDataLength);
	}
	let shard_size = layout.shard_size() as usize;
	Ok((0..layout.data_shards as u32)
		.map(|i| {
			let range = layout.data_range(i);
			let mut shard = vec![0u8; shard_size];
			let bytes = &data[range.start as usize..range.end as usize];
			shard[..bytes.len()].copy_from_slice(bytes);
			shard
		})
		.collect())
}

/// Computes the `m` parity shards of `k` equally sized data shards, stripe by stripe.
pub fn parity<S: AsRef<[u8]>>(
	data_shards: &[S],
	parity_shards: usize,
) -> Result<Vec<Vec<u8>>, ErasureError> {
	let shard_size = data_shards.first().map_or(0, |s| s.as_ref().len());
	let mut out: Vec<Vec<u8>> = (0..parity_shards).map(|_| vec![0u8; shard_size]).collect();
	{
		let mut targets: Vec<&mut [u8]> = out.iter_mut().map(Vec::as_mut_slice).collect();
		parity_into(data_shards, &mut targets)?;
	}
	Ok(out)
}

/// Computes the parity shards of `data_shards` into `out` (one slice per parity shard, each as
/// long as a data shard), stripe by stripe. Lets a caller code column ranges of the shards in
/// place, in parallel.
pub fn parity_into<S: AsRef<[u8]>>(
	data_shards: &[S],
	out: &mut [&mut [u8]],
) -> Result<(), ErasureError> {
	let Some(first) = data_shards.first() else { return Err(ErasureError::NotEnoughShards) };
	let shard_size = first.as_ref().len();
	if shard_size == 0
		|| shard_size % 64 != 0
		|| data_shards.iter().any(|s| s.as_ref().len() != shard_size)
		|| out.iter().any(|s| s.len() != shard_size)
	{
		return Err(ErasureError::WrongShardSize);
	}
	let parity_shards = out.len();
	if parity_shards == 0 {
		return Ok(());
	}
	let k = data_shards.len();
	let mut encoder =
		reed_solomon_simd::ReedSolomonEncoder::new(k, parity_shards, STRIPE.min(shard_size))?;
	let mut offset = 0;
	while offset < shard_size {
		let len = STRIPE.min(shard_size - offset);
		encoder.reset(k, parity_shards, len)?;
		for shard in data_shards {
			encoder.add_original_shard(&shard.as_ref()[offset..offset + len])?;
		}
		let result = encoder.encode()?;
		for (out, recovery) in out.iter_mut().zip(result.recovery_iter()) {
			out[offset..offset + len].copy_from_slice(recovery);
		}
		offset += len;
	}
	Ok(())
}

/// Encodes `data` into the `k + m` shards of `layout`: the data shards, then the parity shards.
pub fn encode(layout: &FileLayout, data: &[u8]) -> Result<Vec<Vec<u8>>, ErasureError> {
	let mut shards = split(layout, data)?;
	let parity = parity(&shards, layout.parity_shards as usize)?;
	shards.extend(parity);
	Ok(shards)
}

/// Rebuilds every missing shard from any `k` present ones. `shards` has one slot per shard,
/// `None` where a shard is missing. Used by a provider that takes over a lost shard.
pub fn recover(layout: &FileLayout, shards: &mut [Option<Vec<u8>>]) -> Result<(), ErasureError> {
	let (k, m) = (layout.data_shards as usize, layout.parity_shards as usize);
	let shard_size = layout.shard_size() as usize;
	if shards.len() != k + m || shards.iter().flatten().any(|s| s.len() != shard_size) {
		return Err(ErasureError::WrongShardSize);
	}
	if shards.iter().flatten().count() < k {
		return Err(ErasureError::NotEnoughShards);
	}
	if shards[..k].iter().any(Option::is_none) {
		let mut restored: Vec<Vec<u8>> = (0..k).map(|_| vec![0u8; shard_size]).collect();
		let mut decoder = reed_solomon_simd::ReedSolomonDecoder::new(k, m, STRIPE.min(shard_size))?;
		let mut offset = 0;
		while offset < shard_size {
			let len = STRIPE.min(shard_size - offset);
			decoder.reset(k, m, len)?;
			for (i, shard) in shards.iter().enumerate() {
				if let Some(shard) = shard {
					let piece = &shard[offset..offset + len];
					if i < k {
						decoder.add_original_shard(i, piece)?;
					} else {
						decoder.add_recovery_shard(i - k, piece)?;
					}
				}
			}
			let result = decoder.decode()?;
			for (i, piece) in result.restored_original_iter() {
				restored[i][offset..offset + len].copy_from_slice(piece);
			}
			offset += len;
		}
		for (i, slot) in shards[..k].iter_mut().enumerate() {
			if slot.is_none() {
				*slot = Some(core::mem::take(&mut restored[i]));
			}
		}
	}
	if shards[k..].iter().any(Option::is_none) {
		let data: Vec<&[u8]> = shards[..k].iter().flatten().map(Vec::as_slice).collect();
		let parity = parity(&data, m)?;
		for (slot, shard) in shards[k..].iter_mut().zip(parity) {
			if slot.is_none() {
				*slot = Some(shard);
			}
		}
	}
	Ok(())
}

/// Gives the file back from any `k` of its shards (`None` where a shard is missing).
pub fn decode(
	layout: &FileLayout,
	mut shards: Vec<Option<Vec<u8>>>,
) -> Result<Vec<u8>, ErasureError> {
	let k = layout.data_shards as usize;
	if shards.len() != layout.total_shards() as usize {
		return Err(ErasureError::WrongShardSize);
	}
	// Only the data shards are needed: drop parity before recovering when all data is there.
	if shards[..k].iter().all(Option::is_some) {
		shards.truncate(k);
	} else {
		recover(layout, &mut shards)?;
	}
	let mut data = Vec::with_capacity(layout.size as usize);
	for (i, shard) in shards.into_iter().take(k).enumerate() {
		let shard = shard.ok_or(ErasureError::NotEnoughShards)?;
		let range = layout.data_range(i as u32);
		data.extend_from_slice(&shard[..(range.end - range.start) as usize]);
	}
	Ok(data)
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::storage::{file_root, shard_root};
	use proptest::prelude::*;

	fn bytes(len: usize, seed: u64) -> Vec<u8> {
		let mut x = seed | 1;
		(0..len)
			.map(|_| {
				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				x as u8
			})
			.collect()
	}

	#[test]
	fn striping_matches_whole_shard_coding() {
		// 3 stripes and a partial one per shard.
		let layout = FileLayout::new(4 * (2 * STRIPE as u64 + 5 * 1024), 4, 3).unwrap();
		let data = bytes(layout.size as usize, 7);
		let shards = encode(&layout, &data).unwrap();
		let whole = reed_solomon_simd::encode(4, 3, &shards[..4]).unwrap();
		assert_eq!(&shards[4..], &whole[..]);
	}

	#[test]
	fn bad_input_is_refused() {
		let layout = FileLayout::new(3000, 2, 1).unwrap();
		assert_eq!(encode(&layout, &[0; 2999]), Err(ErasureError::WrongDataLength));
		let shards = encode(&layout, &[1; 3000]).unwrap();
		let mut two_missing: Vec<_> = shards.into_iter().map(Some).collect();
		two_missing[0] = None;
		two_missing[2] = None;
		assert_eq!(decode(&layout, two_missing), Err(ErasureError::NotEnoughShards));
		assert_eq!(decode(&layout, vec![None]), Err(ErasureError::WrongShardSize));
	}

	proptest! {
		#![proptest_config(ProptestConfig::with_cases(48))]
		#[test]
		fn any_k_shards_give_the_file_back(
			size in 1usize..200_000,
			k in 1u16..8,
			m in 1u16..6,
			lost_seed in any::<u64>(),
		) {
			let layout = FileLayout::new(size as u64, k, m).unwrap();
			let data = bytes(size, lost_seed ^ size as u64);
			let shards = encode(&layout, &data).unwrap();
			prop_assert_eq!(shards.len(), (k + m) as usize);
			prop_assert!(shards.iter().all(|s| s.len() as u64 == layout.shard_size()));
			// Drop m shards chosen by the seed.
			let mut slots: Vec<Option<Vec<u8>>> = shards.iter().cloned().map(Some).collect();
			let mut order: Vec<usize> = (0..slots.len()).collect();
			let mut x = lost_seed;
			for i in (1..order.len()).rev() {
				x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
				order.swap(i, (x >> 33) as usize % (i + 1));
			}
			for &lost in &order[..m as usize] {
				slots[lost] = None;
			}
			prop_assert_eq!(decode(&layout, slots.clone()).unwrap(), data);
			// Recovery rebuilds the exact lost shards, so their roots match the committed ones.
			recover(&layout, &mut slots).unwrap();
			let rebuilt: Vec<Vec<u8>> = slots.into_iter().map(Option::unwrap).collect();
			prop_assert_eq!(&rebuilt, &shards);
			let roots: Vec<_> = shards.iter().map(|s| shard_root(s)).collect();
			let rebuilt_roots: Vec<_> = rebuilt.iter().map(|s| shard_root(s)).collect();
			prop_assert_eq!(file_root(&layout, &roots), file_root(&layout, &rebuilt_roots));
		}
	}
}
