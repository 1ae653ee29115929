//! Shards on disk.
//!
//! Layout: `<dir>/<root hex>/meta.json` holds the file's layout and shard roots (everything
//! needed to check a shard and rebuild the file), `<dir>/<root hex>/<index>.shard` each shard
//! held. Files are written to a temporary name and renamed, so a reader never sees half a shard.

use crate::{ingest::shard_tree, root_hex, Error};
use serde::{Deserialize, Serialize};
use std::{
	fs,
	path::{Path, PathBuf},
};
use zg_primitives::{
	storage::{file_root, FileLayout, CHUNK_SIZE},
	Hash,
};

/// What the store keeps about a file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileMeta {
	/// Size and coding.
	pub layout: FileLayout,
	/// The root of every shard.
	pub shard_roots: Vec<Hash>,
}

impl FileMeta {
	/// The file root these describe.
	pub fn root(&self) -> Hash {
		file_root(&self.layout, &self.shard_roots)
	}
}

/// A directory of shards.
#[derive(Clone, Debug)]
pub struct ShardStore {
	dir: PathBuf,
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
	let tmp = path.with_extension("tmp");
	fs::write(&tmp, bytes)?;
	fs::rename(&tmp, path)?;
	Ok(())
}

impl ShardStore {
	/// Opens (creating) the store in `dir`.
	pub fn open(dir: impl Into<PathBuf>) -> Result<Self, Error> {
		let dir = dir.into();
		fs::create_dir_all(&dir)?;
		Ok(Self { dir })
	}

	fn file_dir(&self, root: &Hash) -> PathBuf {
		self.dir.join(root_hex(root))
	}

	fn shard_path(&self, root: &Hash, index: u32) -> PathBuf {
		self.file_dir(root).join(format!("{index}.shard"))
	}

	/// Records a file's metadata. `meta` must describe `root`.
	pub fn put_meta(&self, root: &Hash, meta: &FileMeta) -> Result<(), Error> {
		if meta.root() != *root || meta.shard_roots.len() as u32 != meta.layout.total_shards() {
			return Err(Error::Corrupt(format!("metadata does not hash to {}", root_hex(root))));
		}
		fs::create_dir_all(self.file_dir(root))?;
		let json = serde_json::to_vec(meta).map_err(|e| Error::Corrupt(e.to_string()))?;
		write_atomic(&self.file_dir(root).join("meta.json"), &json)
	}

	/// A file's metadata.
	pub fn meta(&self, root: &Hash) -> Result<FileMeta, Error> {
		let path = self.file_dir(root).join("meta.json");
		let bytes = fs::read(&path).map_err(|_| Error::NotFound(root_hex(root)))?;
		let meta: FileMeta =
			serde_json::from_slice(&bytes).map_err(|e| Error::Corrupt(e.to_string()))?;
		if meta.root() != *root {
			return Err(Error::Corrupt(format!(
				"{} holds another file's metadata",
				path.display()
			)));
		}
		Ok(meta)
	}

	/// Stores shard `index` of `root` after checking it against the metadata's shard root.
	pub fn put_shard(&self, root: &Hash, index: u32, shard: &[u8]) -> Result<(), Error> {
		let meta = self.meta(root)?;
		let expected = meta
			.shard_roots
			.get(index as usize)
			.ok_or_else(|| Error::NotFound(format!("shard {index} of {}", root_hex(root))))?;
		if shard.len() as u64 != meta.layout.shard_size() || shard_tree(shard).root() != *expected {
			return Err(Error::ShardMismatch { root: root_hex(root), index });
		}
		write_atomic(&self.shard_path(root, index), shard)
	}

	/// Stores a shard this worker encoded itself (no check: its root was just computed).
	pub fn put_shard_trusted(&self, root: &Hash, index: u32, shard: &[u8]) -> Result<(), Error> {
		fs::create_dir_all(self.file_dir(root))?;
		write_atomic(&self.shard_path(root, index), shard)
	}

	/// Removes one shard.
	pub fn remove_shard(&self, root: &Hash, index: u32) -> Result<(), Error> {
		match fs::remove_file(self.shard_path(root, index)) {
			Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
			_ => Ok(()),
		}
	}

	/// Every shard held, as `(root, index)`.
	pub fn all_shards(&self) -> Vec<(Hash, u32)> {
		let Ok(dirs) = fs::read_dir(&self.dir) else { return vec![] };
		dirs.flatten()
			.filter_map(|d| crate::chain::parse_root(&d.file_name().to_string_lossy()).ok())
			.flat_map(|root| self.held_shards(&root).into_iter().map(move |i| (root, i)))
			.collect()
	}

	/// Whether shard `index` of `root` is held.
	pub fn has_shard(&self, root: &Hash, index: u32) -> bool {
		self.shard_path(root, index).is_file()
	}

	/// The indices of the shards of `root` held here.
	pub fn held_shards(&self, root: &Hash) -> Vec<u32> {
		let Ok(meta) = self.meta(root) else { return vec![] };
		(0..meta.layout.total_shards()).filter(|i| self.has_shard(root, *i)).collect()
	}

	/// Shard `index` of `root`.
	pub fn shard(&self, root: &Hash, index: u32) -> Result<Vec<u8>, Error> {
		fs::read(self.shard_path(root, index))
			.map_err(|_| Error::NotFound(format!("shard {index} of {}", root_hex(root))))
	}

	/// Chunk `chunk` of shard `index` of `root` with its Merkle path: the answer to a storage
	/// challenge.
	pub fn proof(
		&self,
		root: &Hash,
		index: u32,
		chunk: u32,
	) -> Result<(Vec<u8>, Vec<Hash>), Error> {
		let shard = self.shard(root, index)?;
		let tree = shard_tree(&shard);
		let path = tree
			.proof(chunk)
			.ok_or_else(|| Error::NotFound(format!("chunk {chunk} of shard {index}")))?;
		let start = chunk as usize * CHUNK_SIZE;
		Ok((shard[start..start + CHUNK_SIZE].to_vec(), path))
	}

	/// Forgets a file and its shards.
	pub fn remove(&self, root: &Hash) -> Result<(), Error> {
		match fs::remove_dir_all(self.file_dir(root)) {
			Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
			_ => Ok(()),
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{encoder::CpuBackend, ingest::ingest};
	use zg_primitives::storage::verify_chunk;

	#[test]
	fn shards_round_trip_and_are_checked() {
		let dir = tempfile::tempdir().unwrap();
		let store = ShardStore::open(dir.path()).unwrap();
		let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
		let file = ingest(&CpuBackend, &data, 3, 2).unwrap();
		let meta = FileMeta { layout: file.layout, shard_roots: file.shard_roots.clone() };

		// No metadata yet: a shard for an unknown root is refused.
		assert!(matches!(store.put_shard(&file.root, 0, file.shard(0)), Err(Error::NotFound(_))));
		// Metadata that does not hash to the root is refused.
		let mut wrong = meta.clone();
		wrong.shard_roots[0] = Hash::zero();
		assert!(store.put_meta(&file.root, &wrong).is_err());

		store.put_meta(&file.root, &meta).unwrap();
		assert_eq!(store.meta(&file.root).unwrap(), meta);
		// The wrong shard for an index is refused.
		assert!(matches!(
			store.put_shard(&file.root, 1, file.shard(0)),
			Err(Error::ShardMismatch { index: 1, .. })
		));
		assert!(!store.has_shard(&file.root, 1));
		store.put_shard(&file.root, 1, file.shard(1)).unwrap();
		store.put_shard(&file.root, 4, file.shard(4)).unwrap();
		assert_eq!(store.held_shards(&file.root), vec![1, 4]);
		assert_eq!(store.shard(&file.root, 4).unwrap(), file.shard(4));

		let (chunk, path) = store.proof(&file.root, 4, 3).unwrap();
		assert_eq!(verify_chunk(&file.layout, &file.shard_roots[4], 3, &chunk, &path), Ok(()));
		assert!(store.proof(&file.root, 4, 10_000).is_err());

		store.remove(&file.root).unwrap();
		assert!(store.held_shards(&file.root).is_empty());
		assert!(matches!(store.meta(&file.root), Err(Error::NotFound(_))));
	}
}
