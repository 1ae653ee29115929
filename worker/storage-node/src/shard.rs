//! Writing one shard to disk as its bytes arrive (an upload, a push, a fetch from a peer, a
//! rebuild), its tree built on the way, and the files it gives: temporary until moved into the
//! store, removed if dropped first. A crash leaves only temporaries, which the store clears
//! when it opens: no partial shard is ever served or proven.

use crate::{room::Room, tree::TreeWriter, Error};
use std::{
	fs::{self, File},
	io::{BufWriter, Write},
	path::{Path, PathBuf},
	sync::atomic::{AtomicU64, Ordering},
};
use zg_primitives::Hash;

static NEXT: AtomicU64 = AtomicU64::new(0);

/// A name no other temporary of this process has.
pub(crate) fn temp_name(dir: &Path, what: &str) -> PathBuf {
	let n = NEXT.fetch_add(1, Ordering::Relaxed);
	dir.join(format!("{what}-{}-{n}", std::process::id()))
}

/// Paths removed on drop unless disarmed.
#[derive(Debug, Default)]
struct Temporaries(Vec<PathBuf>);

impl Drop for Temporaries {
	fn drop(&mut self) {
		for path in &self.0 {
			let _ = fs::remove_file(path);
		}
	}
}

/// A shard and its tree on disk.
#[derive(Debug)]
pub struct ShardFiles {
	/// The shard's bytes.
	pub shard: PathBuf,
	/// Its tree (see [`crate::tree`]).
	pub tree: PathBuf,
	/// Its length.
	pub len: u64,
	/// Its root.
	pub root: Hash,
	temporaries: Temporaries,
	/// The store's room reserved for these, while they are temporaries.
	room: Option<Room>,
}

impl ShardFiles {
	/// A committed shard of the store (never removed on drop).
	pub(crate) fn committed(shard: PathBuf, tree: PathBuf, len: u64, root: Hash) -> Self {
		Self { shard, tree, len, root, temporaries: Temporaries::default(), room: None }
	}

	/// The room reserved for these files, if a store's writer made them.
	pub(crate) fn take_room(&mut self) -> Option<Room> {
		self.room.take()
	}

	/// Another handle to the same files, which never removes them (this one still does, if
	/// it is a temporary).
	pub fn alias(&self) -> ShardFiles {
		ShardFiles::committed(self.shard.clone(), self.tree.clone(), self.len, self.root)
	}

	/// Opens the shard's bytes.
	pub fn open(&self) -> Result<File, Error> {
		Ok(File::open(&self.shard)?)
	}

	/// Chunk `chunk` and its Merkle path.
	pub fn prove(&self, chunk: u32) -> Result<Option<crate::tree::ChunkProof>, Error> {
		crate::tree::prove(&self.open()?, &File::open(&self.tree)?, self.len, chunk)
	}

	/// Moves the files to `shard` and `tree` (the tree first: a shard file is never without
	/// its tree), after which they are no longer temporary.
	pub(crate) fn persist(mut self, shard: &Path, tree: &Path) -> Result<ShardFiles, Error> {
		fs::rename(&self.tree, tree)?;
		fs::rename(&self.shard, shard)?;
		self.temporaries.0.clear();
		// The renames are durable before the shard is reported held (and then confirmed).
		if let Some(dir) = shard.parent() {
			File::open(dir)?.sync_all()?;
		}
		Ok(ShardFiles::committed(shard.into(), tree.into(), self.len, self.root))
	}
}

/// Writes a shard of at most `limit` bytes and its tree.
pub struct ShardWriter {
	file: BufWriter<File>,
	tree: TreeWriter,
	shard: PathBuf,
	limit: u64,
	temporaries: Temporaries,
	room: Option<Room>,
}

impl ShardWriter {
	/// A new shard in the directory of temporaries `dir`, at most `limit` bytes.
	pub fn create(dir: &Path, limit: u64) -> Result<Self, Error> {
		let shard = temp_name(dir, "shard");
		let tree_path = shard.with_extension("tree");
		let temporaries = Temporaries(vec![shard.clone(), tree_path.clone()]);
		let file = BufWriter::with_capacity(256 << 10, File::create(&shard)?);
		let tree = TreeWriter::create(tree_path)?;
		Ok(Self { file, tree, shard, limit, temporaries, room: None })
	}

	/// Holds `room` (reserved in a store) until the shard is kept or dropped.
	pub(crate) fn with_room(mut self, room: Room) -> Self {
		self.room = Some(room);
		self
	}

	/// Bytes written so far.
	pub fn len(&self) -> u64 {
		self.tree.len()
	}

	/// Whether nothing was written.
	pub fn is_empty(&self) -> bool {
		self.tree.is_empty()
	}

	/// The next bytes.
	pub fn write(&mut self, data: &[u8]) -> Result<(), Error> {
		if self.tree.len().saturating_add(data.len() as u64) > self.limit {
			return Err(Error::TooLarge { limit: self.limit });
		}
		self.file.write_all(data)?;
		self.tree.write(data)
	}

	/// Ends the shard: flushed to disk, its tree built.
	pub fn finish(self) -> Result<ShardFiles, Error> {
		let ShardWriter { file, tree, shard, temporaries, room, .. } = self;
		let file = file.into_inner().map_err(|e| e.into_error())?;
		file.sync_data()?;
		let len = tree.len();
		let tree_path = tree.path().to_path_buf();
		let root = tree.finish()?;
		Ok(ShardFiles { shard, tree: tree_path, len, root, temporaries, room })
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use zg_primitives::storage::shard_root;

	#[test]
	fn a_written_shard_has_its_root_and_a_dropped_one_leaves_nothing() {
		let dir = tempfile::tempdir().unwrap();
		let bytes: Vec<u8> = (0..40_960u32).map(|i| (i % 253) as u8).collect();
		let mut writer = ShardWriter::create(dir.path(), bytes.len() as u64).unwrap();
		writer.write(&bytes[..1000]).unwrap();
		writer.write(&bytes[1000..]).unwrap();
		assert!(matches!(writer.write(&[0]), Err(Error::TooLarge { .. })));
		let files = writer.finish().unwrap();
		assert_eq!(files.root, shard_root(&bytes));
		assert_eq!(fs::read(&files.shard).unwrap(), bytes);
		drop(files);
		assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0, "temporaries removed");

		let mut writer = ShardWriter::create(dir.path(), 1 << 20).unwrap();
		writer.write(&bytes).unwrap();
		drop(writer);
		assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0, "an unfinished shard removed");
	}
}
