//! 0G Storage: chunk proofs against a shard root, file layouts, erasure decoding.

use crate::Input;
use codec::Decode;
use sp_core::H256;
use zg_primitives::{
	erasure,
	storage::{self, FileLayout, MerkleTree, CHUNK_SIZE},
};

/// Chunk proofs, as a provider's proof reply or a challenge answer brings them.
///
/// An honest proof of a shard built from the input verifies; the same proof with one byte of
/// the chunk or one bit of a path node changed, at another index or against another root does
/// not; and an arbitrary layout, root, index, chunk and path never panic.
pub fn proof(data: &[u8]) {
	let mut input = Input::new(data);
	// A layout of up to 64 chunks per shard.
	let k = 1 + input.below(4) as u16;
	let m = input.below(4) as u16;
	let size = 1 + input.below(64 * CHUNK_SIZE as u32 * k as u32) as u64;
	let Ok(layout) = FileLayout::new(size, k, m) else { panic!("a small layout is valid") };
	let shard_size = layout.shard_size() as usize;
	let mut shard = input.bytes(shard_size).to_vec();
	shard.resize(shard_size, 0);
	let tree = MerkleTree::from_shard(&shard);
	let root = tree.root();
	assert_eq!(root, storage::shard_root(&shard));
	let leaves = layout.chunks_per_shard();
	assert_eq!(tree.leaf_count(), leaves);
	let index = input.below(leaves);
	let chunk = &shard[index as usize * CHUNK_SIZE..][..CHUNK_SIZE];
	let Some(path) = tree.proof(index) else { panic!("every leaf has a proof") };
	assert_eq!(storage::verify_chunk(&layout, &root, index, chunk, &path), Ok(()));

	// Tampered: the chunk, a path node, the index, the root.
	let mut bad_chunk = chunk.to_vec();
	let at = input.below(CHUNK_SIZE as u32) as usize;
	bad_chunk[at] ^= 1 << (input.u8() % 8);
	assert!(storage::verify_chunk(&layout, &root, index, &bad_chunk, &path).is_err());
	if !path.is_empty() {
		let mut bad_path = path.clone();
		let node = input.below(bad_path.len() as u32) as usize;
		bad_path[node].0[input.below(32) as usize] ^= 1 << (input.u8() % 8);
		assert!(storage::verify_chunk(&layout, &root, index, chunk, &bad_path).is_err());
		let other = (index + 1 + input.below(leaves - 1).min(leaves - 2)) % leaves;
		let same_chunk = shard[other as usize * CHUNK_SIZE..][..CHUNK_SIZE] == *chunk;
		if !same_chunk && other != index {
			assert!(storage::verify_chunk(&layout, &root, other, chunk, &path).is_err());
		}
	}
	let mut other_root = root;
	other_root.0[0] ^= 1;
	assert!(storage::verify_chunk(&layout, &other_root, index, chunk, &path).is_err());

	// Arbitrary values, as a hostile worker or challenger would send them.
	let arbitrary =
		FileLayout { size: input.u64(), data_shards: input.u16(), parity_shards: input.u16() };
	let root = H256(input.array());
	let index = input.u32();
	if let Ok((chunk, path)) = <(Vec<u8>, Vec<H256>)>::decode(&mut input.rest()) {
		let _ = storage::verify_chunk(&arbitrary, &root, index, &chunk, &path);
		let _ = storage::verify_chunk(&layout, &root, index, &chunk, &path);
		let _ = storage::merkle_path_root(
			storage::leaf_hash(&chunk),
			index,
			arbitrary.size as u32,
			&path,
		);
	}
}

/// File layouts as users submit them: every method on any layout gives an answer without
/// panicking, and a layout [`FileLayout::check`] accepts has consistent sizes.
pub fn layout(data: &[u8]) {
	let mut input = Input::new(data);
	let layout =
		FileLayout { size: input.u64(), data_shards: input.u16(), parity_shards: input.u16() };
	let min_shard = input.u64();
	let valid = layout.check().is_ok();
	let shard = layout.shard_size();
	let _ = (layout.total_shards(), layout.stored_bytes(), layout.charged_bytes(min_shard));
	let _ = layout.proof_depth();
	let chunks = layout.chunks_per_shard();
	let index = input.u32();
	let range = layout.data_range(index);
	assert!(range.start <= range.end);
	if valid {
		assert!(shard >= CHUNK_SIZE as u64 && shard % CHUNK_SIZE as u64 == 0);
		assert_eq!(shard / CHUNK_SIZE as u64, chunks as u64);
		// The data shards cover the file exactly.
		let k = layout.data_shards as u64;
		assert!(shard.saturating_mul(k) >= layout.size);
		if index < layout.data_shards as u32 {
			assert!(range.end - range.start <= shard && range.end <= layout.size);
		} else {
			assert_eq!(range, 0..0);
		}
	}
}

/// Erasure decoding of a file from the shards at hand, as a downloader or a provider taking
/// over a shard does it: any `k` honest shards give the file back exactly; fewer, missing or
/// wrongly sized shards are an error, never a panic or a wrong file.
pub fn erasure_decode(data: &[u8]) {
	let mut input = Input::new(data);
	let k = 1 + input.below(6) as u16;
	let m = 1 + input.below(6) as u16;
	let size = 1 + input.below(3 * CHUNK_SIZE as u32 * k as u32) as u64;
	let Ok(layout) = FileLayout::new(size, k, m) else { panic!("a small layout is valid") };
	let mut file = input.bytes(size as usize).to_vec();
	file.resize(size as usize, 0xa5);
	let Ok(shards) = erasure::encode(&layout, &file) else { panic!("a valid layout encodes") };
	let roots: Vec<H256> = shards.iter().map(|s| storage::shard_root(s)).collect();
	let (k, n) = (k as usize, (k + m) as usize);

	// A subset of the shards, chosen by the input.
	let mask = input.u16();
	let present: Vec<Option<Vec<u8>>> =
		shards.iter().enumerate().map(|(i, s)| (mask >> i & 1 == 1).then(|| s.clone())).collect();
	let count = present.iter().flatten().count();
	let decoded = erasure::decode_verified(&layout, &roots, present.clone());
	if count >= k {
		let Ok(verified) = decoded else { panic!("{count} of {n} honest shards decode") };
		assert_eq!(verified.data, file);
		assert!(verified.inconsistent.is_empty());
		assert_eq!(erasure::decode(&layout, present.clone()).ok(), Some(file.clone()));
		let mut recovered = present.clone();
		assert!(erasure::recover(&layout, &mut recovered).is_ok());
		assert!(recovered.iter().zip(&shards).all(|(r, s)| r.as_ref() == Some(s)));
	} else {
		assert!(decoded.is_err());
	}

	// A shard cut short, as a provider or a hostile uploader's commitment may give it.
	if let Some(i) = (0..n).find(|i| present[*i].is_some()) {
		let mut short = present.clone();
		let cut = input.below(layout.shard_size() as u32) as usize;
		if let Some(s) = short[i].as_mut() {
			s.truncate(cut);
		}
		// Whatever comes back, nothing panics; a decoding that succeeds is the file.
		if let Ok(data) = erasure::decode(&layout, short.clone()) {
			assert_eq!(data, file);
		}
		if let Ok(v) = erasure::decode_verified(&layout, &roots, short) {
			assert_eq!(v.data, file);
		}
	}
	// An uploader who committed shards that are not one codeword: shard `j` replaced by other
	// bytes, and its root by theirs. Whatever decodes must be the data shards committed.
	let j = input.below(n as u32) as usize;
	let mut forged = shards.clone();
	let at = input.below(layout.shard_size() as u32) as usize;
	forged[j][at] ^= 1 | input.u8();
	let mut forged_roots = roots.clone();
	forged_roots[j] = storage::shard_root(&forged[j]);
	let mask = input.u16();
	let subset: Vec<Option<Vec<u8>>> =
		forged.iter().enumerate().map(|(i, s)| (mask >> i & 1 == 1).then(|| s.clone())).collect();
	if let Ok(v) = erasure::decode_verified(&layout, &forged_roots, subset) {
		// The file is the committed data shards' bytes within the file (their padding is not
		// part of it). The first fuzzing run re-encoded the decoded file and compared roots:
		// a change in the last data shard's padding, no part of the file, failed that wrongly.
		let committed: Vec<u8> = (0..k as u32)
			.flat_map(|i| {
				let range = layout.data_range(i);
				forged[i as usize][..(range.end - range.start) as usize].to_vec()
			})
			.collect();
		assert_eq!(v.data, committed, "what decodes under a commitment is its data shards");
	}
	let _ = erasure::decode_verified(&layout, &roots[..n - 1], vec![None; n]);
}
