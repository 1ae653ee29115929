//! Reed-Solomon erasure coding of files into the shards of [`crate::storage`].
//!
//! The code is `reed-solomon-simd` (GF(2¹⁶), systematic: the first `k` shards are the file's own
//! bytes). Any `k` of the `k + m` shards give the file back. The coding is done in stripes of
//! [`STRIPE`] bytes per shard so that the working set stays in the CPU cache; the code works in
//! independent 64-byte blocks, so striping changes nothing in the output (a property test
//! checks it against coding whole shards). Both the CPU and a future GPU encoder must produce
//! these exact bytes: [`encode`] is the reference.

use crate::storage::{shard_root, FileLayout};
use alloc::{vec, vec::Vec};
use sp_core::H256;

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
	/// No subset of the shards at hand decodes to data shards with the committed roots: the
	/// shards do not form one codeword.
	Inconsistent,
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

/// Gives the file back from any `k` of its shards (`None` where a shard is missing). A shard
/// of another size than the layout's cannot belong to the file and counts as missing.
pub fn decode(
	layout: &FileLayout,
	mut shards: Vec<Option<Vec<u8>>>,
) -> Result<Vec<u8>, ErasureError> {
	let k = layout.data_shards as usize;
	let shard_size = layout.shard_size() as usize;
	if shards.len() != layout.total_shards() as usize {
		return Err(ErasureError::WrongShardSize);
	}
	for slot in shards.iter_mut() {
		if slot.as_ref().is_some_and(|s| s.len() != shard_size) {
			*slot = None;
		}
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

/// A file given back by [`decode_verified`], with the shards found not to belong to the same
/// codeword as the rest.
#[derive(Clone, PartialEq, Debug)]
pub struct Verified {
	/// The file's bytes: the data shards whose roots are the committed ones.
	pub data: Vec<u8>,
	/// Indices of present shards that do not agree with the decoded data: parity shards whose
	/// root differs from the parity recomputed from the data. Their providers hold bytes that
	/// match the committed root but not the file: the uploader committed an invalid codeword,
	/// and these shards cannot help rebuild the file.
	pub inconsistent: Vec<u32>,
}

/// Gives the file back from the shards at hand and checks it against the committed roots.
///
/// Each present shard must already match its own committed root (see the worker's
/// `drop_mismatched`): that proves a shard belongs to the commitment, not that the `k + m`
/// shards form one codeword. An uploader can commit shards that do not, so that different
/// `k`-subsets decode to different bytes under one root. This function therefore accepts a
/// decoding only if every data shard it yields has its committed root (when all data shards
/// are present that holds by the precondition, and parity is neither used nor checked). When a
/// subset decodes to other data, the
/// parity shards of that subset are tried out one at a time against the other present ones,
/// at most `m + 1` decodings in all. Present parity shards that disagree with the accepted
/// data are reported in [`Verified::inconsistent`].
pub fn decode_verified(
	layout: &FileLayout,
	shard_roots: &[H256],
	shards: Vec<Option<Vec<u8>>>,
) -> Result<Verified, ErasureError> {
	let (k, m) = (layout.data_shards as usize, layout.parity_shards as usize);
	if shards.len() != k + m || shard_roots.len() != k + m {
		return Err(ErasureError::WrongShardSize);
	}
	let present: Vec<usize> = (0..k + m).filter(|i| shards[*i].is_some()).collect();
	if present.len() < k {
		return Err(ErasureError::NotEnoughShards);
	}
	let missing_data = shards[..k].iter().filter(|s| s.is_none()).count();
	if missing_data == 0 {
		// Every data shard has its committed root: the data is the committed data, and no
		// parity shard is used (nor checked).
		return Ok(Verified { data: decode(layout, shards)?, inconsistent: Vec::new() });
	}
	// The data shards at hand, and `missing_data` of the parity shards at hand to stand in for
	// the missing ones: the combinations in order, until one decodes to data with the committed
	// roots (at most MAX_DECODINGS tries).
	let parity: Vec<usize> = present.iter().copied().filter(|&i| i >= k).collect();
	let mut chosen: Vec<usize> = (0..missing_data).collect();
	for _ in 0..MAX_DECODINGS {
		if chosen.last().is_none_or(|&last| last >= parity.len()) {
			break;
		}
		let picked: Vec<usize> = chosen.iter().map(|&i| parity[i]).collect();
		let mut slots: Vec<Option<Vec<u8>>> = (0..k + m)
			.map(|i| if i < k || picked.contains(&i) { shards[i].clone() } else { None })
			.collect();
		recover(layout, &mut slots)?;
		let data_ok = (0..k).all(|i| {
			shards[i].is_some()
				|| slots[i].as_deref().is_some_and(|s| shard_root(s) == shard_roots[i])
		});
		if data_ok {
			// The data is the committed data: report the present parity shards it disagrees
			// with (recover rebuilt every parity shard from it).
			let inconsistent = parity
				.iter()
				.copied()
				.filter(|&i| slots[i].as_deref().is_none_or(|s| shard_root(s) != shard_roots[i]))
				.map(|i| i as u32)
				.collect();
			let mut data = Vec::with_capacity(layout.size as usize);
			for (i, shard) in slots.into_iter().take(k).enumerate() {
				let shard = shard.ok_or(ErasureError::NotEnoughShards)?;
				let range = layout.data_range(i as u32);
				data.extend_from_slice(&shard[..(range.end - range.start) as usize]);
			}
			return Ok(Verified { data, inconsistent });
		}
		if !next_combination(&mut chosen, parity.len()) {
			break;
		}
	}
	Err(ErasureError::Inconsistent)
}

/// The most decodings [`decode_verified`] tries.
pub const MAX_DECODINGS: usize = 64;

/// Advances `chosen` (increasing indices below `n`) to the next combination in lexicographic
/// order; false after the last. The decoders here and the worker's rebuilds
/// (`zg_storage_node::read`) walk the subsets of shards with it.
pub fn next_combination(chosen: &mut [usize], n: usize) -> bool {
	let r = chosen.len();
	for i in (0..r).rev() {
		if chosen[i] < n - r + i {
			chosen[i] += 1;
			for j in i + 1..r {
				chosen[j] = chosen[j - 1] + 1;
			}
			return true;
		}
	}
	false
}

/// Whether the chunks at one position of `k + 1` or more distinct shards of a file belong to one
/// codeword: the column is decoded from the first `k` of them, and every other one must be what
/// that decoding gives for its shard. Each chunk is [`crate::storage::CHUNK_SIZE`] bytes; the
/// code works on 64-byte blocks independently, so one column of chunks codes like the whole
/// shards. `false` proves that the uploader committed shards that no decoding reconciles: the
/// fraud proof of an inconsistent file.
pub fn column_consistent(
	layout: &FileLayout,
	chunks: &[(u32, &[u8])],
) -> Result<bool, ErasureError> {
	use crate::storage::CHUNK_SIZE;
	let (k, m) = (layout.data_shards as usize, layout.parity_shards as usize);
	let column = FileLayout::new((k * CHUNK_SIZE) as u64, layout.data_shards, layout.parity_shards)
		.map_err(|_| ErasureError::WrongShardSize)?;
	if chunks.len() <= k
		|| chunks.iter().any(|(i, c)| *i as usize >= k + m || c.len() != CHUNK_SIZE)
	{
		return Err(ErasureError::WrongShardSize);
	}
	for (n, (i, _)) in chunks.iter().enumerate() {
		if chunks[..n].iter().any(|(j, _)| j == i) {
			return Err(ErasureError::WrongShardSize);
		}
	}
	let mut slots: Vec<Option<Vec<u8>>> = vec![None; k + m];
	for (i, chunk) in &chunks[..k] {
		slots[*i as usize] = Some(chunk.to_vec());
	}
	recover(&column, &mut slots)?;
	Ok(chunks[k..].iter().all(|(i, chunk)| slots[*i as usize].as_deref() == Some(*chunk)))
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

	/// Found by fuzzing (`erasure_decode`): a data shard shorter than its part of the file, which
	/// a hostile uploader can commit to and a colluding provider serve, made `decode` panic on
	/// a slice out of range when every data shard was present. A shard of another size now
	/// counts as missing: the file comes back from the other shards when `k` remain.
	#[test]
	fn a_shard_of_another_size_counts_as_missing_not_a_panic() {
		let layout = FileLayout::new(3000, 2, 1).unwrap();
		let file = [1; 3000];
		let shards: Vec<_> = encode(&layout, &file).unwrap().into_iter().map(Some).collect();
		for (i, len) in [(0, 0), (1, 100), (0, 2047), (1, 2049), (2, 10)] {
			let mut bad = shards.clone();
			bad[i].as_mut().unwrap().resize(len, 0);
			assert_eq!(
				decode(&layout, bad.clone()).as_deref(),
				Ok(&file[..]),
				"shard {i}: {len} bytes"
			);
			let roots: Vec<_> =
				bad.iter().flatten().map(|s| crate::storage::shard_root(s)).collect();
			if let Ok(verified) = decode_verified(&layout, &roots, bad.clone()) {
				assert_eq!(verified.data, file);
			}
			bad[(i + 1) % 3].as_mut().unwrap().truncate(1);
			assert_eq!(decode(&layout, bad), Err(ErasureError::NotEnoughShards));
		}
	}

	/// Finding 7: an uploader commits a parity shard that is not the parity of the data. Each
	/// shard matches its own root, yet decoding from it gives other bytes. `decode_verified`
	/// refuses those bytes, falls back to a consistent subset and names the bad shard.
	#[test]
	fn finding_7_a_rebuild_is_checked_against_the_committed_roots() {
		let layout = FileLayout::new(8 * 1024, 2, 2).unwrap();
		let data = bytes(layout.size as usize, 3);
		let mut shards = encode(&layout, &data).unwrap();
		// Shard 2 (the first parity shard) is garbage, committed under its own root.
		shards[2] = bytes(shards[2].len(), 99);
		let roots: Vec<H256> = shards.iter().map(|s| shard_root(s)).collect();
		// Data shard 0 lost: the plain decoder uses parity shard 2 and returns wrong bytes.
		let mut slots: Vec<Option<Vec<u8>>> = shards.iter().cloned().map(Some).collect();
		slots[0] = None;
		assert_ne!(
			decode(&layout, slots.clone()).unwrap(),
			data,
			"the unchecked decoder is fooled"
		);
		let verified = decode_verified(&layout, &roots, slots.clone()).unwrap();
		assert_eq!(verified.data, data);
		assert_eq!(verified.inconsistent, vec![2]);
		// With only the bad parity shard to stand in, nothing consistent can be decoded.
		slots[3] = None;
		assert_eq!(decode_verified(&layout, &roots, slots), Err(ErasureError::Inconsistent));
		// Parity [good, bad, good] with two data shards missing: the combinations are tried
		// until one without the bad shard decodes.
		let layout = FileLayout::new(16 * 1024, 3, 3).unwrap();
		let data = bytes(layout.size as usize, 5);
		let mut shards = encode(&layout, &data).unwrap();
		shards[4] = bytes(shards[4].len(), 77);
		let roots: Vec<H256> = shards.iter().map(|s| shard_root(s)).collect();
		let mut slots: Vec<Option<Vec<u8>>> = shards.iter().cloned().map(Some).collect();
		slots[0] = None;
		slots[1] = None;
		let verified = decode_verified(&layout, &roots, slots).unwrap();
		assert_eq!((verified.data, verified.inconsistent), (data.clone(), vec![4]));
		// All data shards at hand: nothing is decoded, so nothing can be inconsistent.
		let all: Vec<Option<Vec<u8>>> = shards.iter().cloned().map(Some).collect();
		let verified = decode_verified(&layout, &roots, all).unwrap();
		assert_eq!((verified.data, verified.inconsistent), (data, vec![]));
	}

	/// The fraud proof of an inconsistent file: one column of `k + 1` chunks. A consistent file
	/// has no such column; a garbage shard shows in every column it differs in.
	#[test]
	fn a_column_shows_an_inconsistent_codeword() {
		use crate::storage::CHUNK_SIZE;
		let layout = FileLayout::new(10 * CHUNK_SIZE as u64, 2, 3).unwrap();
		let data = bytes(layout.size as usize, 9);
		let mut shards = encode(&layout, &data).unwrap();
		let chunk = |shards: &Vec<Vec<u8>>, i: usize, c: usize| {
			shards[i][c * CHUNK_SIZE..(c + 1) * CHUNK_SIZE].to_vec()
		};
		for c in 0..layout.chunks_per_shard() as usize {
			// Any k + 1 shards, in any order, parity first or not.
			for set in [[0usize, 1, 2], [3, 4, 0], [4, 2, 1]] {
				let cols: Vec<(u32, Vec<u8>)> =
					set.iter().map(|&i| (i as u32, chunk(&shards, i, c))).collect();
				let refs: Vec<(u32, &[u8])> =
					cols.iter().map(|(i, c)| (*i, c.as_slice())).collect();
				assert_eq!(column_consistent(&layout, &refs), Ok(true));
			}
		}
		shards[3][3 * CHUNK_SIZE + 5] ^= 1;
		let cols: Vec<(u32, Vec<u8>)> =
			[0usize, 1, 3].iter().map(|&i| (i as u32, chunk(&shards, i, 3))).collect();
		let refs: Vec<(u32, &[u8])> = cols.iter().map(|(i, c)| (*i, c.as_slice())).collect();
		assert_eq!(column_consistent(&layout, &refs), Ok(false));
		// Malformed: too few chunks, a repeated shard, a short chunk, a shard out of range.
		assert!(column_consistent(&layout, &refs[..2]).is_err());
		assert!(column_consistent(&layout, &[refs[0], refs[0], refs[1]]).is_err());
		assert!(column_consistent(&layout, &[refs[0], refs[1], (3, &refs[2].1[1..])]).is_err());
		assert!(column_consistent(&layout, &[refs[0], refs[1], (9, refs[2].1)]).is_err());
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
			prop_assert_eq!(decode(&layout, slots.clone()).unwrap(), data.clone());
			let roots: Vec<_> = shards.iter().map(|s| shard_root(s)).collect();
			let verified = decode_verified(&layout, &roots, slots.clone()).unwrap();
			prop_assert_eq!(verified.data, data);
			prop_assert!(verified.inconsistent.is_empty());
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
