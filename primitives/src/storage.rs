//! The data layout of 0G Storage: how a file becomes erasure-coded shards, how each shard is
//! committed by a Merkle tree over fixed-size chunks, and how one chunk is proven.
//!
//! This is the one implementation of roots and proofs. The runtime verifies challenge answers
//! with it, the offchain worker and the GPU worker build proofs with it, and the clients compute
//! the root of a file with it before they submit the file.
//!
//! # Layout
//!
//! A file of `size` bytes with `k` data shards and `m` parity shards ([`FileLayout`]):
//!
//! - is cut into `k` consecutive pieces of [`FileLayout::shard_size`] bytes each, the last one
//!   padded with zeros. The shard size is `⌈size / k⌉` rounded up to a whole number of
//!   [`CHUNK_SIZE`] chunks;
//! - is extended with `m` parity shards of the same size by Reed-Solomon coding over GF(2¹⁶)
//!   (`reed-solomon-simd`, see [`crate::erasure`]): any `k` of the `k + m` shards give the file
//!   back;
//! - every shard is committed by a binary Merkle tree ([`MerkleTree`]) over its chunks, giving
//!   the shard root ([`shard_root`]);
//! - the file root ([`file_root`]) commits to the size, `k`, `m` and the Merkle root over the
//!   `k + m` shard roots. A root therefore names the content *and* the coding: two uploads of the
//!   same bytes with other parameters have other roots.
//!
//! # Chunk size
//!
//! [`CHUNK_SIZE`] is 1 KiB. A challenge answer carries one chunk and its Merkle path, so the
//! chunk size sets the size of every proof transaction: 1 KiB plus 32 bytes per tree level
//! (a 16 MiB shard has 16 384 chunks: 14 levels, 448 bytes). Smaller chunks would make proofs
//! slightly smaller but the trees larger: with 1 KiB leaves, hashing the inner nodes adds only
//! 6 % to the hashing of the data itself (one 64-byte node input per 1 KiB leaf), and the tree of
//! a shard is 1/16 of its size. 1 KiB is also a multiple of the 64-byte blocks that
//! Reed-Solomon coding works in, and it keeps the zero padding of small files small.
//!
//! # Hashes
//!
//! Leaves, nodes and file roots are BLAKE2b-256 with distinct personalization strings, so that
//! no inner node can be passed off as a leaf: `leaf = BLAKE2b-256[zg-storage-leaf](chunk)`,
//! `node = BLAKE2b-256[zg-storage-node](left ‖ right)`. A level with an odd number of nodes
//! promotes its last node unchanged. BLAKE2b hashes about three times faster than Keccak-256
//! on the providers' CPUs, and because the chunks are hashed as they are (no prefix byte to
//! copy in), [`chunk_leaves`] hashes four chunks at once with AVX2 (`blake2b_simd::many`).
//! On chain a proof costs one leaf and at most 32 node hashes.

use alloc::vec::Vec;
use blake2b_simd::{many, Params};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::H256;

/// Size in bytes of the chunks that shards are cut into: the leaves of the Merkle trees and the
/// unit that storage challenges ask for.
pub const CHUNK_SIZE: usize = 1024;

/// The largest number of shards (data plus parity) that the erasure code supports.
pub const MAX_CODE_SHARDS: u32 = 32_768;

/// Personalization of leaf hashes.
const LEAF_PERSONAL: &[u8] = b"zg-storage-leaf";
/// Personalization of inner-node hashes.
const NODE_PERSONAL: &[u8] = b"zg-storage-node";
/// Personalization of file roots.
const FILE_PERSONAL: &[u8] = b"zg-storage-file";

fn params(personal: &[u8]) -> Params {
	let mut params = Params::new();
	params.hash_length(32).personal(personal);
	params
}

fn to_h256(hash: blake2b_simd::Hash) -> H256 {
	H256::from_slice(hash.as_bytes())
}

/// The size and erasure-coding parameters of a file.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
	serde::Serialize,
	serde::Deserialize,
)]
pub struct FileLayout {
	/// Size of the file in bytes.
	pub size: u64,
	/// Number of data shards (`k`).
	pub data_shards: u16,
	/// Number of parity shards (`m`).
	pub parity_shards: u16,
}

/// Why a [`FileLayout`] cannot be used.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum LayoutError {
	/// The file is empty.
	EmptyFile,
	/// There are no data shards.
	NoDataShards,
	/// More than [`MAX_CODE_SHARDS`] shards in total.
	TooManyShards,
	/// A shard would have more than `u32::MAX` chunks.
	ShardTooLarge,
}

impl FileLayout {
	/// A checked layout: a non-empty file, at least one data shard, at most
	/// [`MAX_CODE_SHARDS`] shards and at most `u32::MAX` chunks per shard.
	pub fn new(size: u64, data_shards: u16, parity_shards: u16) -> Result<Self, LayoutError> {
		let layout = Self { size, data_shards, parity_shards };
		layout.check()?;
		Ok(layout)
	}

	/// Checks the invariants that [`FileLayout::new`] establishes (for layouts that were
	/// decoded rather than constructed).
	pub fn check(&self) -> Result<(), LayoutError> {
		if self.size == 0 {
			return Err(LayoutError::EmptyFile);
		}
		if self.data_shards == 0 {
			return Err(LayoutError::NoDataShards);
		}
		if self.total_shards() > MAX_CODE_SHARDS {
			return Err(LayoutError::TooManyShards);
		}
		if self.shard_size() / CHUNK_SIZE as u64 > u32::MAX as u64 {
			return Err(LayoutError::ShardTooLarge);
		}
		Ok(())
	}

	/// Number of shards, data and parity: `k + m`.
	pub fn total_shards(&self) -> u32 {
		self.data_shards as u32 + self.parity_shards as u32
	}

	/// Size in bytes of every shard: `⌈size / k⌉` rounded up to whole chunks.
	pub fn shard_size(&self) -> u64 {
		let k = (self.data_shards as u64).max(1);
		let per_shard = self.size.div_ceil(k).max(1);
		per_shard.div_ceil(CHUNK_SIZE as u64).saturating_mul(CHUNK_SIZE as u64)
	}

	/// Number of chunks in every shard (the leaves of each shard's Merkle tree).
	pub fn chunks_per_shard(&self) -> u32 {
		(self.shard_size() / CHUNK_SIZE as u64).min(u32::MAX as u64) as u32
	}

	/// Bytes stored by all providers together: `(k + m) × shard size`.
	pub fn stored_bytes(&self) -> u64 {
		self.shard_size().saturating_mul(self.total_shards() as u64)
	}

	/// Bytes a file is charged for: its `k + m` padded shards, each counted as at least
	/// `min_shard` bytes. Redundancy costs what it occupies, and a tiny file still pays for the
	/// providers, proofs and challenges each of its shards takes.
	pub fn charged_bytes(&self, min_shard: u64) -> u64 {
		self.shard_size().max(min_shard).saturating_mul(self.total_shards() as u64)
	}

	/// The byte range of the file that data shard `index` holds (empty for parity shards and for
	/// data shards that hold only padding).
	pub fn data_range(&self, index: u32) -> core::ops::Range<u64> {
		if index >= self.data_shards as u32 {
			return 0..0;
		}
		let start = (index as u64).saturating_mul(self.shard_size()).min(self.size);
		let end = start.saturating_add(self.shard_size()).min(self.size);
		start..end
	}

	/// Depth of each shard's Merkle tree: the length of every chunk proof.
	pub fn proof_depth(&self) -> u32 {
		merkle_depth(self.chunks_per_shard())
	}
}

/// What other pallets (compute's stored job inputs) may know of 0G Storage's files.
pub trait FileRegistry<BlockNumber> {
	/// The size and expiry block of the file `root` if it is stored: finalized (every shard
	/// confirmed once) and not expired; `None` otherwise.
	fn stored(root: &H256) -> Option<(u64, BlockNumber)>;

	/// Benchmarks: makes `root` a stored file of `size` bytes.
	#[cfg(feature = "runtime-benchmarks")]
	fn bench_store(root: H256, size: u64);
}

/// Hash of a leaf: BLAKE2b-256 personalized with `zg-storage-leaf`.
pub fn leaf_hash(chunk: &[u8]) -> H256 {
	to_h256(params(LEAF_PERSONAL).hash(chunk))
}

/// Hash of an inner node: BLAKE2b-256 personalized with `zg-storage-node` of `left ‖ right`.
pub fn node_hash(left: &H256, right: &H256) -> H256 {
	let mut input = [0u8; 64];
	input[..32].copy_from_slice(left.as_bytes());
	input[32..].copy_from_slice(right.as_bytes());
	to_h256(params(NODE_PERSONAL).hash(&input))
}

/// Number of levels above the leaves in a tree of `leaves` leaves: `⌈log₂ leaves⌉`.
pub fn merkle_depth(leaves: u32) -> u32 {
	if leaves <= 1 {
		0
	} else {
		32 - (leaves - 1).leading_zeros()
	}
}

fn next_level(level: &[H256]) -> Vec<H256> {
	level
		.chunks(2)
		.map(|pair| match pair {
			[left, right] => node_hash(left, right),
			[single] => *single,
			_ => H256::zero(),
		})
		.collect()
}

/// The Merkle root of `leaves` (leaf hashes). The root of no leaves is zero; the root of one
/// leaf is the leaf itself.
pub fn merkle_root(leaves: &[H256]) -> H256 {
	match leaves {
		[] => H256::zero(),
		[single] => *single,
		_ => {
			let mut level = next_level(leaves);
			while level.len() > 1 {
				level = next_level(&level);
			}
			level[0]
		},
	}
}

/// A Merkle tree with all its levels, for building proofs.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct MerkleTree {
	levels: Vec<Vec<H256>>,
}

impl MerkleTree {
	/// Builds the tree over `leaves` (leaf hashes).
	pub fn new(leaves: Vec<H256>) -> Self {
		let mut levels = Vec::new();
		let mut level = leaves;
		while level.len() > 1 {
			let next = next_level(&level);
			levels.push(level);
			level = next;
		}
		levels.push(level);
		Self { levels }
	}

	/// Builds the tree of a shard: the leaves are the hashes of its [`CHUNK_SIZE`] chunks. A
	/// shard whose length is not a whole number of chunks has its last chunk zero-padded.
	pub fn from_shard(shard: &[u8]) -> Self {
		Self::new(chunk_leaves(shard))
	}

	/// The root (zero for an empty tree).
	pub fn root(&self) -> H256 {
		self.levels.last().and_then(|top| top.first()).copied().unwrap_or_default()
	}

	/// Number of leaves.
	pub fn leaf_count(&self) -> u32 {
		self.levels.first().map_or(0, |l| l.len() as u32)
	}

	/// The Merkle path of leaf `index`, from the leaf's sibling up to the root's children, or
	/// `None` if there is no such leaf.
	pub fn proof(&self, index: u32) -> Option<Vec<H256>> {
		if index >= self.leaf_count() {
			return None;
		}
		let mut path = Vec::with_capacity(self.levels.len());
		let mut i = index as usize;
		for level in &self.levels[..self.levels.len() - 1] {
			let sibling = i ^ 1;
			if sibling < level.len() {
				path.push(level[sibling]);
			}
			i /= 2;
		}
		Some(path)
	}
}

/// The leaf hashes of a shard's chunks, hashed several at a time with SIMD.
pub fn chunk_leaves(shard: &[u8]) -> Vec<H256> {
	let params = params(LEAF_PERSONAL);
	let whole = shard.len() / CHUNK_SIZE;
	let mut leaves = Vec::with_capacity(shard.len().div_ceil(CHUNK_SIZE));
	// Batches of 8 jobs keep the AVX2 (4-way) and AVX-512 (8-way) paths busy.
	for batch in shard[..whole * CHUNK_SIZE].chunks(8 * CHUNK_SIZE) {
		let mut jobs: Vec<many::HashManyJob> =
			batch.chunks(CHUNK_SIZE).map(|c| many::HashManyJob::new(&params, c)).collect();
		many::hash_many(jobs.iter_mut());
		leaves.extend(jobs.iter().map(|job| to_h256(job.to_hash())));
	}
	let rest = &shard[whole * CHUNK_SIZE..];
	if !rest.is_empty() {
		let mut padded = [0u8; CHUNK_SIZE];
		padded[..rest.len()].copy_from_slice(rest);
		leaves.push(leaf_hash(&padded));
	}
	leaves
}

/// The root of a shard: the Merkle root over the hashes of its chunks.
pub fn shard_root(shard: &[u8]) -> H256 {
	merkle_root(&chunk_leaves(shard))
}

/// The root of a file: BLAKE2b-256 personalized with `zg-storage-file` of
/// `SCALE(layout) ‖ merkle_root(shard roots)`.
pub fn file_root(layout: &FileLayout, shard_roots: &[H256]) -> H256 {
	let mut state = params(FILE_PERSONAL).to_state();
	state.update(&layout.encode());
	state.update(merkle_root(shard_roots).as_bytes());
	to_h256(state.finalize())
}

/// Checks that `leaf` is leaf `index` of the `leaf_count`-leaf tree whose root is `root`.
pub fn verify_merkle_path(
	root: &H256,
	leaf: H256,
	index: u32,
	leaf_count: u32,
	path: &[H256],
) -> bool {
	merkle_path_root(leaf, index, leaf_count, path).is_some_and(|r| r == *root)
}

/// The root that `path` leads to from `leaf` at `index` of a `leaf_count`-leaf tree, or `None`
/// when the index is outside the tree or the path has the wrong length.
pub fn merkle_path_root(leaf: H256, index: u32, leaf_count: u32, path: &[H256]) -> Option<H256> {
	if index >= leaf_count {
		return None;
	}
	let (mut hash, mut i, mut count) = (leaf, index, leaf_count);
	let mut siblings = path.iter();
	while count > 1 {
		let is_promoted = i == count - 1 && count % 2 == 1;
		if !is_promoted {
			let sibling = siblings.next()?;
			hash = if i % 2 == 0 { node_hash(&hash, sibling) } else { node_hash(sibling, &hash) };
		}
		i /= 2;
		count = count.div_ceil(2);
	}
	siblings.next().is_none().then_some(hash)
}

/// Why a chunk proof was rejected.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ProofError {
	/// The chunk is not [`CHUNK_SIZE`] bytes long.
	WrongChunkSize,
	/// The chunk index is beyond the end of the shard.
	ChunkOutOfRange,
	/// The path does not lead from the chunk to the shard root.
	PathMismatch,
}

/// Checks that `chunk` is chunk `index` of the shard with root `shard_root` in a file with
/// `layout`, given its Merkle `path`.
pub fn verify_chunk(
	layout: &FileLayout,
	shard_root: &H256,
	index: u32,
	chunk: &[u8],
	path: &[H256],
) -> Result<(), ProofError> {
	if chunk.len() != CHUNK_SIZE {
		return Err(ProofError::WrongChunkSize);
	}
	let leaves = layout.chunks_per_shard();
	if index >= leaves {
		return Err(ProofError::ChunkOutOfRange);
	}
	if verify_merkle_path(shard_root, leaf_hash(chunk), index, leaves, path) {
		Ok(())
	} else {
		Err(ProofError::PathMismatch)
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use proptest::prelude::*;

	fn leaves(n: u32) -> Vec<H256> {
		(0..n).map(|i| leaf_hash(&i.to_le_bytes())).collect()
	}

	#[test]
	fn layout_pads_to_whole_chunks() {
		let l = FileLayout::new(10_000, 4, 2).unwrap();
		assert_eq!(l.shard_size(), 3 * 1024);
		assert_eq!(l.chunks_per_shard(), 3);
		assert_eq!(l.stored_bytes(), 6 * 3 * 1024);
		assert_eq!(l.charged_bytes(0), 6 * 3 * 1024);
		assert_eq!(l.charged_bytes(64 * 1024), 6 * 64 * 1024);
		assert_eq!(FileLayout::new(1, 2, 30).unwrap().charged_bytes(4096), 32 * 4096);
		assert_eq!(l.data_range(0), 0..3072);
		assert_eq!(l.data_range(3), 9216..10_000);
		assert_eq!(l.data_range(4), 0..0);
		assert_eq!(FileLayout::new(1, 16, 1).unwrap().data_range(5), 1..1);
		assert_eq!(FileLayout::new(0, 1, 1), Err(LayoutError::EmptyFile));
		assert_eq!(FileLayout::new(1, 0, 1), Err(LayoutError::NoDataShards));
		assert_eq!(FileLayout::new(1, 30_000, 3_000), Err(LayoutError::TooManyShards));
		assert_eq!(FileLayout::new(1 << 50, 1, 1), Err(LayoutError::ShardTooLarge));
	}

	#[test]
	fn small_trees_by_hand() {
		let l = leaves(3);
		let root = node_hash(&node_hash(&l[0], &l[1]), &l[2]);
		assert_eq!(merkle_root(&l), root);
		let tree = MerkleTree::new(l.clone());
		assert_eq!(tree.root(), root);
		assert_eq!(tree.proof(2).unwrap(), vec![node_hash(&l[0], &l[1])]);
		assert_eq!(tree.proof(0).unwrap(), vec![l[1], l[2]]);
		assert_eq!(tree.proof(3), None);
		assert_eq!(merkle_root(&l[..1]), l[0]);
		assert_eq!(merkle_root(&[]), H256::zero());
		assert_eq!((merkle_depth(1), merkle_depth(2), merkle_depth(3)), (0, 1, 2));
		assert_eq!(merkle_depth(16_384), 14);
	}

	#[test]
	fn leaves_and_nodes_are_domain_separated() {
		let (a, b) = (leaf_hash(b"a"), leaf_hash(b"b"));
		let mut joined = a.as_bytes().to_vec();
		joined.extend_from_slice(b.as_bytes());
		assert_ne!(leaf_hash(&joined), node_hash(&a, &b));
		// Known answers, computed independently with Python's hashlib:
		// blake2b(data, digest_size=32, person=b"zg-storage-leaf" / b"zg-storage-node").
		assert_eq!(
			leaf_hash(&[0u8; CHUNK_SIZE]),
			H256(hex_literal::hex!(
				"b643b718079a99ebce1e7f9f1cee16df91603d799439d83f5ba7b3e2b7be482f"
			))
		);
		assert_eq!(
			node_hash(&H256::zero(), &H256::zero()),
			H256(hex_literal::hex!(
				"e46acba122bc21a6535ee8a2d6876f02bb615a11915de312df5cd63c658f1fdc"
			))
		);
	}

	#[test]
	fn simd_leaves_match_one_by_one() {
		let shard: Vec<u8> = (0..CHUNK_SIZE * 13 + 100).map(|i| (i % 241) as u8).collect();
		let leaves = chunk_leaves(&shard);
		assert_eq!(leaves.len(), 14);
		for (i, leaf) in leaves.iter().take(13).enumerate() {
			assert_eq!(*leaf, leaf_hash(&shard[i * CHUNK_SIZE..(i + 1) * CHUNK_SIZE]));
		}
		let mut last = [0u8; CHUNK_SIZE];
		last[..100].copy_from_slice(&shard[13 * CHUNK_SIZE..]);
		assert_eq!(leaves[13], leaf_hash(&last));
	}

	#[test]
	fn file_root_commits_to_the_coding() {
		let roots = leaves(6);
		let a = FileLayout::new(5000, 4, 2).unwrap();
		let b = FileLayout::new(5000, 3, 3).unwrap();
		let c = FileLayout::new(5001, 4, 2).unwrap();
		assert_ne!(file_root(&a, &roots), file_root(&b, &roots));
		assert_ne!(file_root(&a, &roots), file_root(&c, &roots));
		assert_ne!(file_root(&a, &roots), file_root(&a, &leaves(5)));
	}

	proptest! {
		#[test]
		fn every_proof_verifies_and_no_other(n in 1u32..300, seed in any::<u32>()) {
			let l: Vec<H256> = (0..n).map(|i| leaf_hash(&[seed.to_le_bytes(), i.to_le_bytes()].concat())).collect();
			let tree = MerkleTree::new(l.clone());
			prop_assert_eq!(tree.root(), merkle_root(&l));
			for i in 0..n {
				let path = tree.proof(i).unwrap();
				prop_assert!(path.len() as u32 <= merkle_depth(n));
				prop_assert!(verify_merkle_path(&tree.root(), l[i as usize], i, n, &path));
				// The same path does not prove the leaf at another index or another leaf.
				let other = (i + 1) % n;
				if other != i {
					prop_assert!(!verify_merkle_path(&tree.root(), l[i as usize], other, n, &path));
				}
				prop_assert!(!verify_merkle_path(&tree.root(), leaf_hash(b"x"), i, n, &path));
				// A tampered sibling, a dropped sibling or an extra one fails.
				if !path.is_empty() {
					let mut bad = path.clone();
					bad[0].0[0] ^= 1;
					prop_assert!(!verify_merkle_path(&tree.root(), l[i as usize], i, n, &bad));
					prop_assert!(!verify_merkle_path(&tree.root(), l[i as usize], i, n, &path[1..]));
				}
				let mut long = path.clone();
				long.push(H256::zero());
				prop_assert!(!verify_merkle_path(&tree.root(), l[i as usize], i, n, &long));
			}
		}

		#[test]
		fn chunk_proofs_of_a_shard(size in 1u64..20_000, flip in any::<u16>()) {
			let layout = FileLayout::new(size, 1, 1).unwrap();
			let shard: Vec<u8> = (0..layout.shard_size()).map(|i| (i * 7 % 251) as u8).collect();
			let tree = MerkleTree::from_shard(&shard);
			prop_assert_eq!(tree.root(), shard_root(&shard));
			prop_assert_eq!(tree.leaf_count(), layout.chunks_per_shard());
			for (i, chunk) in shard.chunks(CHUNK_SIZE).enumerate() {
				let path = tree.proof(i as u32).unwrap();
				prop_assert_eq!(path.len() as u32, layout.proof_depth().min(path.len() as u32));
				prop_assert_eq!(verify_chunk(&layout, &tree.root(), i as u32, chunk, &path), Ok(()));
				let mut tampered = chunk.to_vec();
				tampered[flip as usize % CHUNK_SIZE] ^= 0x80;
				prop_assert_eq!(verify_chunk(&layout, &tree.root(), i as u32, &tampered, &path), Err(ProofError::PathMismatch));
				prop_assert_eq!(verify_chunk(&layout, &tree.root(), i as u32, &chunk[1..], &path), Err(ProofError::WrongChunkSize));
			}
			let n = layout.chunks_per_shard();
			prop_assert_eq!(verify_chunk(&layout, &tree.root(), n, &shard[..CHUNK_SIZE], &[]), Err(ProofError::ChunkOutOfRange));
		}
	}
}
