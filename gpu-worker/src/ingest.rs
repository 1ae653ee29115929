//! From a file's bytes to what the chain commits: shards, Merkle trees, shard roots and the
//! file root.

use crate::{encoder::ErasureBackend, Error};
use rayon::prelude::*;
use zg_primitives::{
	erasure,
	storage::{chunk_leaves, file_root, FileLayout, MerkleTree, CHUNK_SIZE},
	Hash,
};

/// Chunks hashed per parallel task: 256 KiB.
const LEAVES_PER_TASK: usize = 256;

/// A file ready to be stored: everything the chain and the providers need. The data shards
/// are read from the file's own bytes (`D`) where they need no padding, so ingest copies
/// nothing but the last, padded data shard.
#[derive(Clone, Debug)]
pub struct EncodedFile<D = Vec<u8>> {
	/// Size and coding.
	pub layout: FileLayout,
	/// One Merkle tree per shard.
	pub trees: Vec<MerkleTree>,
	/// The shard roots, in shard order.
	pub shard_roots: Vec<Hash>,
	/// The file root submitted on chain.
	pub root: Hash,
	data: D,
	padded: Vec<Option<Vec<u8>>>,
	parity: Vec<Vec<u8>>,
}

impl<D: AsRef<[u8]>> EncodedFile<D> {
	/// Shard `index`: the `k` data shards, then the `m` parity shards.
	pub fn shard(&self, index: usize) -> &[u8] {
		let k = self.layout.data_shards as usize;
		if index >= k {
			return &self.parity[index - k];
		}
		match &self.padded[index] {
			Some(copy) => copy,
			None => {
				let range = self.layout.data_range(index as u32);
				&self.data.as_ref()[range.start as usize..range.end as usize]
			},
		}
	}

	/// Every shard, in order.
	pub fn shards(&self) -> Vec<&[u8]> {
		(0..self.layout.total_shards() as usize).map(|i| self.shard(i)).collect()
	}

	/// The file's bytes back.
	pub fn into_data(self) -> D {
		self.data
	}
}

/// The Merkle tree of a shard, its chunks hashed on all cores.
pub fn shard_tree(shard: &[u8]) -> MerkleTree {
	let leaves: Vec<Hash> =
		shard.par_chunks(LEAVES_PER_TASK * CHUNK_SIZE).flat_map_iter(chunk_leaves).collect();
	MerkleTree::new(leaves)
}

/// Encodes `data` with `k` data and `m` parity shards and commits every shard.
pub fn ingest<D: AsRef<[u8]>>(
	backend: &dyn ErasureBackend,
	data: D,
	data_shards: u16,
	parity_shards: u16,
) -> Result<EncodedFile<D>, Error> {
	let bytes = data.as_ref();
	let layout = FileLayout::new(bytes.len() as u64, data_shards, parity_shards)?;
	let shard_size = layout.shard_size() as usize;
	// Only data shards that end in padding are copied.
	let padded: Vec<Option<Vec<u8>>> = (0..data_shards as u32)
		.map(|i| {
			let range = layout.data_range(i);
			let len = (range.end - range.start) as usize;
			(len != shard_size).then(|| {
				let mut shard = vec![0u8; shard_size];
				shard[..len].copy_from_slice(&bytes[range.start as usize..range.end as usize]);
				shard
			})
		})
		.collect();
	let mut file = EncodedFile {
		layout,
		trees: Vec::new(),
		shard_roots: Vec::new(),
		root: Hash::zero(),
		data,
		padded,
		parity: Vec::new(),
	};
	let parity = {
		let refs: Vec<&[u8]> = (0..data_shards as usize).map(|i| file.shard(i)).collect();
		backend.parity(&refs, parity_shards as usize)?
	};
	file.parity = parity;
	let trees: Vec<MerkleTree> = file.shards().into_iter().map(shard_tree).collect();
	file.shard_roots = trees.iter().map(MerkleTree::root).collect();
	file.root = file_root(&layout, &file.shard_roots);
	file.trees = trees;
	Ok(file)
}

/// Gives a file back from the shards at hand (`None` where missing), after checking each
/// against its committed root (a corrupted shard counts as missing) and the rebuilt data
/// against the committed data-shard roots (see `zg_primitives::erasure::decode_verified`).
pub fn reconstruct(
	layout: &FileLayout,
	shard_roots: &[Hash],
	mut shards: Vec<Option<Vec<u8>>>,
) -> Result<Vec<u8>, Error> {
	drop_mismatched(layout, shard_roots, &mut shards);
	let have = shards.iter().flatten().count();
	let need = layout.data_shards as usize;
	if have < need {
		return Err(Error::NotEnoughShards { have, need });
	}
	Ok(erasure::decode_verified(layout, shard_roots, shards)?.data)
}

/// Empties every slot whose shard does not have the shard size and its committed root. Each
/// shard is hashed once, on all cores.
pub fn drop_mismatched(layout: &FileLayout, shard_roots: &[Hash], shards: &mut [Option<Vec<u8>>]) {
	let root = file_root(layout, shard_roots);
	shards.par_iter_mut().zip(shard_roots.par_iter()).for_each(|(slot, expected)| {
		if slot.as_ref().is_some_and(|s| {
			s.len() as u64 != layout.shard_size() || shard_tree(s).root() != *expected
		}) {
			log_mismatch(&root);
			*slot = None;
		}
	});
}

/// The chunks of one column and their Merkle paths: `(shard, chunk, path)`.
pub type ColumnProof = Vec<(u32, Vec<u8>, Vec<Hash>)>;

/// Finds a position where the shards at hand (each already checked against its committed root)
/// are not one codeword, and the proof of it: the chunks of every shard at hand at that position
/// with their Merkle paths (what `Storage.report_inconsistent` takes). Needs at least `k + 1`
/// shards; `None` when they are consistent (or too few).
pub fn find_inconsistency(
	layout: &FileLayout,
	shards: &[Option<Vec<u8>>],
) -> Option<(u32, ColumnProof)> {
	use zg_primitives::storage::CHUNK_SIZE;
	let present: Vec<usize> = (0..shards.len()).filter(|i| shards[*i].is_some()).collect();
	if present.len() <= layout.data_shards as usize {
		return None;
	}
	let chunk = |i: usize, c: usize| {
		&shards[i].as_ref().expect("present")[c * CHUNK_SIZE..(c + 1) * CHUNK_SIZE]
	};
	let position = (0..layout.chunks_per_shard() as usize).find(|&c| {
		let column: Vec<(u32, &[u8])> = present.iter().map(|&i| (i as u32, chunk(i, c))).collect();
		erasure::column_consistent(layout, &column) == Ok(false)
	})?;
	let proof = present
		.par_iter()
		.map(|&i| {
			let tree = shard_tree(shards[i].as_ref().expect("present"));
			(i as u32, chunk(i, position).to_vec(), tree.proof(position as u32).unwrap_or_default())
		})
		.collect();
	Some((position as u32, proof))
}

fn log_mismatch(root: &Hash) {
	eprintln!(
		"warning: a shard of {} does not match its root and is ignored",
		crate::root_hex(root)
	);
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::encoder::CpuBackend;
	use zg_primitives::storage::{shard_root, verify_chunk};

	fn bytes(len: usize) -> Vec<u8> {
		(0..len).map(|i| ((i * 2_654_435_761) >> 13) as u8).collect()
	}

	#[test]
	fn ingest_matches_the_primitives_and_reads_back() {
		// Not a multiple of k chunks: the last data shard is padded.
		let data = bytes((3 << 20) + 777);
		let file = ingest(&CpuBackend, &data, 4, 2).unwrap();
		let reference = erasure::encode(&file.layout, &data).unwrap();
		assert_eq!(file.shards(), reference.iter().map(Vec::as_slice).collect::<Vec<_>>());
		for (shard, root) in file.shards().into_iter().zip(&file.shard_roots) {
			assert_eq!(shard_root(shard), *root);
		}
		assert_eq!(file.root, file_root(&file.layout, &file.shard_roots));
		// A proof from the tree verifies as the chain verifies it.
		let (index, tree) = (7, &file.trees[5]);
		let chunk = &file.shard(5)[index * CHUNK_SIZE..(index + 1) * CHUNK_SIZE];
		let path = tree.proof(index as u32).unwrap();
		assert_eq!(
			verify_chunk(&file.layout, &file.shard_roots[5], index as u32, chunk, &path),
			Ok(())
		);

		// Lose two shards and corrupt nothing: the bytes come back.
		let owned = || -> Vec<Option<Vec<u8>>> {
			file.shards().into_iter().map(|s| Some(s.to_vec())).collect()
		};
		let mut slots = owned();
		slots[1] = None;
		slots[4] = None;
		assert_eq!(reconstruct(&file.layout, &file.shard_roots, slots).unwrap(), data);

		// A corrupted shard is not used; with one more lost there are too few.
		let mut slots = owned();
		slots[0].as_mut().unwrap()[10] ^= 1;
		slots[2] = None;
		assert_eq!(reconstruct(&file.layout, &file.shard_roots, slots.clone()).unwrap(), data);
		slots[3] = None;
		assert!(matches!(
			reconstruct(&file.layout, &file.shard_roots, slots),
			Err(Error::NotEnoughShards { have: 3, need: 4 })
		));
	}

	#[test]
	fn an_exact_file_is_not_copied() {
		let data = bytes(4 << 20);
		let file = ingest(&CpuBackend, &data, 4, 1).unwrap();
		assert_eq!(file.shard(1).as_ptr(), data[1 << 20..].as_ptr());
		assert_eq!(file.root, file_root(&file.layout, &file.shard_roots));
	}

	#[test]
	fn finding_7_an_inconsistent_file_is_found_and_proven() {
		let data = bytes(3 << 20);
		let file = ingest(&CpuBackend, &data, 2, 2).unwrap();
		let mut shards: Vec<Option<Vec<u8>>> =
			file.shards().into_iter().map(|s| Some(s.to_vec())).collect();
		assert_eq!(find_inconsistency(&file.layout, &shards), None, "a codeword");
		// An uploader commits garbage for shard 3 under its own root, from chunk 5 on.
		let bad = shards[3].as_mut().unwrap();
		for byte in &mut bad[5 * CHUNK_SIZE..] {
			*byte ^= 0x5a;
		}
		let mut roots = file.shard_roots.clone();
		roots[3] = shard_root(bad);
		// Two shards are not enough to tell.
		let few = vec![shards[0].clone(), None, None, shards[3].clone()];
		assert_eq!(find_inconsistency(&file.layout, &few), None);
		let (position, proof) = find_inconsistency(&file.layout, &shards).unwrap();
		assert_eq!(position, 5, "the first column that differs");
		assert_eq!(proof.len(), 4);
		for (shard, chunk, path) in &proof {
			assert_eq!(
				verify_chunk(&file.layout, &roots[*shard as usize], position, chunk, path),
				Ok(())
			);
		}
		let column: Vec<(u32, &[u8])> = proof.iter().map(|(i, c, _)| (*i, c.as_slice())).collect();
		assert_eq!(erasure::column_consistent(&file.layout, &column), Ok(false));
	}

	#[test]
	fn bad_layouts_are_refused() {
		assert!(matches!(ingest(&CpuBackend, &[][..], 2, 1), Err(Error::Layout(_))));
		assert!(matches!(ingest(&CpuBackend, &[1u8][..], 0, 1), Err(Error::Layout(_))));
	}
}
