//! A shard's Merkle tree, built as its bytes go by and kept on disk, so that a challenge is
//! answered by reading one group of chunks and one node per level: the cost of a proof does
//! not grow with the shard.
//!
//! The tree is the one of `zg_primitives::storage` (leaves are the hashes of the
//! [`CHUNK_SIZE`] chunks, a level with an odd number of nodes promotes its last node). Its
//! bottom four levels are not stored: they are rebuilt from the [`GROUP_CHUNKS`] chunks
//! (16 KiB) around the challenged one, which are read anyway. The tree file holds the levels
//! from the group roots up, each after the other, 32 bytes per node: 1/256 of the shard.
//!
//! Rebuilding a group gives the same nodes as the whole tree because groups are aligned: on
//! every level below the group roots a node's sibling lies in the same group, and the last,
//! partial group promotes its nodes exactly as the last nodes of each level are promoted.

use crate::Error;
use rayon::prelude::*;
use std::{
	fs::File,
	io::{BufWriter, Write},
	os::unix::fs::FileExt,
	path::{Path, PathBuf},
};
use zg_primitives::{
	storage::{chunk_leaves, node_hash, MerkleTree, CHUNK_SIZE},
	Hash,
};

/// A chunk and its Merkle path, from the leaf's sibling up.
pub type ChunkProof = (Vec<u8>, Vec<Hash>);

/// Chunks per group: the leaves under one stored node.
pub const GROUP_CHUNKS: u64 = 16;
/// Bytes per group: 16 KiB.
pub const GROUP_BYTES: usize = GROUP_CHUNKS as usize * CHUNK_SIZE;
/// Bytes per stored node.
const NODE: u64 = 32;
/// Nodes read or written at a time while the upper levels are built.
const BATCH: usize = 1 << 15;

/// The root of the tree over one group's chunks (at most [`GROUP_BYTES`], whole chunks).
fn group_root(bytes: &[u8]) -> Hash {
	MerkleTree::new(chunk_leaves(bytes)).root()
}

/// Builds a shard's tree from its bytes, in order, in any pieces; keeps the group roots in a
/// file and builds the levels above them when the shard ends. Memory: one group and the
/// buffers, whatever the shard's size.
pub struct TreeWriter {
	out: BufWriter<File>,
	path: PathBuf,
	pending: Vec<u8>,
	groups: u64,
	len: u64,
}

impl TreeWriter {
	/// Starts a tree whose nodes go to `path` (created or truncated).
	pub fn create(path: impl Into<PathBuf>) -> Result<Self, Error> {
		let path = path.into();
		// Read back when the upper levels are built.
		let file = std::fs::OpenOptions::new()
			.read(true)
			.write(true)
			.create(true)
			.truncate(true)
			.open(&path)?;
		let out = BufWriter::with_capacity(256 << 10, file);
		Ok(Self { out, path, pending: Vec::with_capacity(GROUP_BYTES), groups: 0, len: 0 })
	}

	/// Bytes seen so far.
	pub fn len(&self) -> u64 {
		self.len
	}

	/// Whether no byte was seen.
	pub fn is_empty(&self) -> bool {
		self.len == 0
	}

	fn push_roots(&mut self, roots: &[Hash]) -> Result<(), Error> {
		for root in roots {
			self.out.write_all(root.as_bytes())?;
		}
		self.groups += roots.len() as u64;
		Ok(())
	}

	/// The next bytes of the shard. Whole groups are hashed on all cores.
	pub fn write(&mut self, mut data: &[u8]) -> Result<(), Error> {
		self.len += data.len() as u64;
		if !self.pending.is_empty() {
			let take = (GROUP_BYTES - self.pending.len()).min(data.len());
			self.pending.extend_from_slice(&data[..take]);
			data = &data[take..];
			if self.pending.len() < GROUP_BYTES {
				return Ok(());
			}
			let root = group_root(&self.pending);
			self.pending.clear();
			self.push_roots(&[root])?;
		}
		let whole = data.len() / GROUP_BYTES * GROUP_BYTES;
		if whole > 0 {
			let roots: Vec<Hash> = data[..whole].par_chunks(GROUP_BYTES).map(group_root).collect();
			self.push_roots(&roots)?;
		}
		self.pending.extend_from_slice(&data[whole..]);
		Ok(())
	}

	/// Ends the shard: builds the upper levels and gives the shard root. The shard must be
	/// non-empty and a whole number of chunks.
	pub fn finish(mut self) -> Result<Hash, Error> {
		if self.len == 0 || !self.len.is_multiple_of(CHUNK_SIZE as u64) {
			return Err(Error::Corrupt(format!(
				"a shard of {} bytes is not a whole number of chunks",
				self.len
			)));
		}
		if !self.pending.is_empty() {
			let root = group_root(&self.pending);
			self.pending.clear();
			self.push_roots(&[root])?;
		}
		self.out.flush()?;
		let file = self.out.into_inner().map_err(|e| e.into_error())?;
		let root = build_upper_levels(&file, self.groups)?;
		file.sync_data()?;
		Ok(root)
	}

	/// The file the nodes go to.
	pub fn path(&self) -> &Path {
		&self.path
	}
}

fn read_nodes(file: &File, offset: u64, count: usize) -> Result<Vec<Hash>, Error> {
	let mut bytes = vec![0u8; count * NODE as usize];
	file.read_exact_at(&mut bytes, offset)?;
	Ok(bytes.chunks_exact(NODE as usize).map(Hash::from_slice).collect())
}

/// Appends to `file` (which holds `groups` group roots) every level above them; gives the root.
fn build_upper_levels(file: &File, groups: u64) -> Result<Hash, Error> {
	let (mut offset, mut count) = (0u64, groups);
	while count > 1 {
		let next = count.div_ceil(2);
		let write_at = offset + count * NODE;
		let mut done = 0u64;
		while done < next {
			// Nodes `done..done + n` of the next level, from `2 done ..` of this one.
			let n = (next - done).min(BATCH as u64);
			let first = 2 * done;
			let have = (count - first).min(2 * n) as usize;
			let below = read_nodes(file, offset + first * NODE, have)?;
			let above: Vec<u8> = below
				.chunks(2)
				.flat_map(|pair| {
					let node = match pair {
						[left, right] => node_hash(left, right),
						[single] => *single,
						_ => Hash::zero(),
					};
					node.0
				})
				.collect();
			file.write_all_at(&above, write_at + done * NODE)?;
			done += n;
		}
		offset = write_at;
		count = next;
	}
	Ok(read_nodes(file, offset, 1)?[0])
}

/// The path from group `group` up to the root's children, read from a tree file of `groups`
/// group roots: one node per level.
fn upper_path(tree: &File, groups: u64, group: u64) -> Result<Vec<Hash>, Error> {
	let (mut offset, mut count, mut i) = (0u64, groups, group);
	let mut path = Vec::new();
	while count > 1 {
		let sibling = i ^ 1;
		if sibling < count {
			path.push(read_nodes(tree, offset + sibling * NODE, 1)?[0]);
		}
		offset += count * NODE;
		count = count.div_ceil(2);
		i /= 2;
	}
	Ok(path)
}

/// The root stored in a tree file of a shard of `shard_len` bytes.
pub fn stored_root(tree: &File, shard_len: u64) -> Result<Hash, Error> {
	let mut count = shard_len.div_ceil(GROUP_BYTES as u64);
	let mut offset = 0;
	while count > 1 {
		offset += count * NODE;
		count = count.div_ceil(2);
	}
	Ok(read_nodes(tree, offset, 1)?[0])
}

/// Chunk `chunk` of a shard of `shard_len` bytes and its Merkle path (exactly
/// `MerkleTree::proof`), from the shard and its tree file; `None` if there is no such chunk.
/// Reads one group of chunks and one node per level.
pub fn prove(
	shard: &File,
	tree: &File,
	shard_len: u64,
	chunk: u32,
) -> Result<Option<ChunkProof>, Error> {
	let chunks = shard_len / CHUNK_SIZE as u64;
	let chunk = chunk as u64;
	if chunk >= chunks {
		return Ok(None);
	}
	let group = chunk / GROUP_CHUNKS;
	let first = group * GROUP_CHUNKS;
	let in_group = (chunks - first).min(GROUP_CHUNKS);
	let mut bytes = vec![0u8; in_group as usize * CHUNK_SIZE];
	shard.read_exact_at(&mut bytes, first * CHUNK_SIZE as u64)?;
	let local = MerkleTree::new(chunk_leaves(&bytes));
	let Some(mut path) = local.proof((chunk - first) as u32) else { return Ok(None) };
	path.extend(upper_path(tree, chunks.div_ceil(GROUP_CHUNKS), group)?);
	let at = (chunk - first) as usize * CHUNK_SIZE;
	Ok(Some((bytes[at..at + CHUNK_SIZE].to_vec(), path)))
}

#[cfg(test)]
mod tests {
	use super::*;
	use zg_primitives::storage::shard_root;

	fn bytes(len: usize) -> Vec<u8> {
		(0..len).map(|i| ((i * 2_654_435_761) >> 11) as u8).collect()
	}

	#[test]
	fn stored_trees_prove_exactly_as_the_whole_tree() {
		let dir = tempfile::tempdir().unwrap();
		// One chunk, one partial group, one whole group, whole groups and a partial one, odd
		// group counts at several levels.
		for chunks in [1usize, 5, 16, 17, 33, 48, 100, 257, 1000] {
			let shard = bytes(chunks * CHUNK_SIZE);
			let shard_path = dir.path().join(format!("{chunks}.shard"));
			std::fs::write(&shard_path, &shard).unwrap();
			let mut writer = TreeWriter::create(dir.path().join(format!("{chunks}.tree"))).unwrap();
			// Pieces that cut groups and chunks anywhere.
			for piece in shard.chunks(7_777) {
				writer.write(piece).unwrap();
			}
			let tree_path = writer.path().to_path_buf();
			let root = writer.finish().unwrap();
			let whole = MerkleTree::from_shard(&shard);
			assert_eq!(root, whole.root(), "{chunks} chunks");
			assert_eq!(root, shard_root(&shard));
			let (shard_file, tree_file) =
				(File::open(&shard_path).unwrap(), File::open(&tree_path).unwrap());
			assert_eq!(stored_root(&tree_file, shard.len() as u64).unwrap(), root);
			for c in 0..chunks as u32 {
				let (chunk, path) =
					prove(&shard_file, &tree_file, shard.len() as u64, c).unwrap().unwrap();
				assert_eq!(path, whole.proof(c).unwrap(), "chunk {c} of {chunks}");
				let at = c as usize * CHUNK_SIZE;
				assert_eq!(chunk, &shard[at..at + CHUNK_SIZE]);
			}
			assert!(prove(&shard_file, &tree_file, shard.len() as u64, chunks as u32)
				.unwrap()
				.is_none());
		}
	}

	#[test]
	fn a_shard_of_partial_chunks_or_no_bytes_is_refused() {
		let dir = tempfile::tempdir().unwrap();
		let writer = TreeWriter::create(dir.path().join("a")).unwrap();
		assert!(writer.finish().is_err());
		let mut writer = TreeWriter::create(dir.path().join("b")).unwrap();
		writer.write(&[1u8; 1000]).unwrap();
		assert!(writer.finish().is_err());
	}
}
