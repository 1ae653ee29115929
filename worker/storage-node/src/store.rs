//! Shards on disk.
//!
//! Layout: `<dir>/<root hex>/meta.json` holds the file's layout and shard roots (everything
//! needed to check a shard and rebuild the file); `<dir>/<root hex>/<index>.shard` each shard
//! held and `<index>.tree` its stored Merkle tree (see [`crate::tree`]). Shards are written
//! under `<dir>/.tmp/` and renamed into place, the tree first, so a shard file is always
//! whole and has its tree; `.tmp` is emptied when the store opens (what a crash left).
//!
//! A store may declare a capacity: a shard or file that would not fit is refused
//! ([`Error::NoRoom`]) before a byte of it is kept. Writers reserve their room first (see
//! [`crate::room`]); the bytes held are counted as shards come and go, after one walk of the
//! store when it opens.

use crate::{
	ingest::Encoded,
	parse_root,
	room::{with_tree, Room, Usage},
	root_hex,
	shard::{ShardFiles, ShardWriter},
	Error,
};
use serde::{Deserialize, Serialize};
use std::{
	fs,
	path::{Path, PathBuf},
	time::SystemTime,
};
use zg_primitives::{
	storage::{file_root, FileLayout},
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
	tmp: PathBuf,
	capacity: u64,
	usage: Usage,
	/// Held while shards are kept or removed, so that measuring what a shard replaces,
	/// moving it and counting it happen as one (two keeps of one shard count it once).
	keeping: std::sync::Arc<std::sync::Mutex<()>>,
}

/// Writes `bytes` to `path` through a temporary of its own in `tmp` (so that concurrent
/// writers never share one), synced, then renamed into place and the directory synced.
fn write_atomic(tmp: &Path, path: &Path, bytes: &[u8]) -> Result<(), Error> {
	let temp = crate::shard::temp_name(tmp, "meta");
	let result = (|| -> Result<(), Error> {
		let mut file = fs::File::create(&temp)?;
		std::io::Write::write_all(&mut file, bytes)?;
		file.sync_all()?;
		fs::rename(&temp, path)?;
		if let Some(dir) = path.parent() {
			fs::File::open(dir)?.sync_all()?;
		}
		Ok(())
	})();
	if result.is_err() {
		let _ = fs::remove_file(&temp);
	}
	result
}

impl ShardStore {
	/// Opens (creating) the store in `dir`, without a capacity limit, and removes the
	/// temporaries a previous run left.
	pub fn open(dir: impl Into<PathBuf>) -> Result<Self, Error> {
		let dir = dir.into();
		let tmp = dir.join(".tmp");
		if tmp.exists() {
			fs::remove_dir_all(&tmp)?;
		}
		fs::create_dir_all(&tmp)?;
		let mut store = Self {
			dir,
			tmp,
			capacity: u64::MAX,
			usage: Usage::default(),
			keeping: Default::default(),
		};
		store.usage = Usage::new(store.walk_held());
		Ok(store)
	}

	/// Bytes of the shards and trees on disk, found by walking the store.
	fn walk_held(&self) -> u64 {
		self.files().iter().map(|(root, _)| self.file_bytes(root)).sum()
	}

	/// Bytes of the shards and trees of `root` on disk.
	fn file_bytes(&self, root: &Hash) -> u64 {
		let Ok(entries) = fs::read_dir(self.file_dir(root)) else { return 0 };
		entries
			.flatten()
			.filter(|f| {
				let path = f.path();
				matches!(path.extension().and_then(|e| e.to_str()), Some("shard" | "tree"))
			})
			.filter_map(|f| f.metadata().ok())
			.map(|m| m.len())
			.sum()
	}

	/// Bytes of shard `index` of `root` and its tree on disk.
	fn shard_bytes(&self, root: &Hash, index: u32) -> u64 {
		[self.shard_path(root, index), self.tree_path(root, index)]
			.iter()
			.filter_map(|p| fs::metadata(p).ok())
			.map(|m| m.len())
			.sum()
	}

	/// Declares the store's capacity in bytes (shards and their trees).
	pub fn with_capacity(mut self, bytes: u64) -> Self {
		self.capacity = bytes;
		self
	}

	/// The declared capacity (`u64::MAX`: none).
	pub fn capacity(&self) -> u64 {
		self.capacity
	}

	/// The directory of temporaries (on the store's file system, so that they can be renamed
	/// into place).
	pub fn tmp_dir(&self) -> &Path {
		&self.tmp
	}

	/// A writer for a shard of at most `limit` bytes, to be given to [`ShardStore::put_shard`],
	/// with room reserved for it (refused with [`Error::NoRoom`] if it would not fit).
	pub fn shard_writer(&self, limit: u64) -> Result<ShardWriter, Error> {
		let room = self.reserve_shards(limit)?;
		Ok(ShardWriter::create(&self.tmp, limit)?.with_room(room))
	}

	/// A writer for a shard read only to serve or rebuild something (fetched from a peer to
	/// decode a file), which reserves no room: it is removed when dropped, and one that is
	/// kept after all reserves its room then ([`ShardStore::put_shard`]).
	pub fn scratch_writer(&self, limit: u64) -> Result<ShardWriter, Error> {
		ShardWriter::create(&self.tmp, limit)
	}

	fn lock_keeping(&self) -> std::sync::MutexGuard<'_, ()> {
		self.keeping.lock().unwrap_or_else(|p| p.into_inner())
	}

	fn file_dir(&self, root: &Hash) -> PathBuf {
		self.dir.join(root_hex(root))
	}

	fn shard_path(&self, root: &Hash, index: u32) -> PathBuf {
		self.file_dir(root).join(format!("{index}.shard"))
	}

	fn tree_path(&self, root: &Hash, index: u32) -> PathBuf {
		self.file_dir(root).join(format!("{index}.tree"))
	}

	/// Bytes of shards and trees held, and reserved for those being written.
	pub fn used(&self) -> u64 {
		self.usage.used()
	}

	/// The root a directory of the store is named after (exactly as [`root_hex`] writes it).
	fn root_of(&self, name: &std::ffi::OsStr) -> Option<Hash> {
		let name = name.to_str()?;
		parse_root(name).filter(|root| root_hex(root) == name)
	}

	/// Reserves room for shards of `bytes` in all and their trees, or fails with
	/// [`Error::NoRoom`]. Held until what it is for is kept (see
	/// [`ShardStore::put_encoded`]) or given up.
	pub fn reserve_shards(&self, bytes: u64) -> Result<Room, Error> {
		self.usage.reserve(with_tree(bytes), self.capacity)
	}

	/// Records a file's metadata. `meta` must describe `root`.
	pub fn put_meta(&self, root: &Hash, meta: &FileMeta) -> Result<(), Error> {
		if meta.root() != *root || meta.shard_roots.len() as u32 != meta.layout.total_shards() {
			return Err(Error::Corrupt(format!("metadata does not hash to {}", root_hex(root))));
		}
		if matches!(self.meta(root), Ok(known) if known == *meta) {
			return Ok(());
		}
		fs::create_dir_all(self.file_dir(root))?;
		let json = serde_json::to_vec(meta).map_err(|e| Error::Corrupt(e.to_string()))?;
		write_atomic(&self.tmp, &self.file_dir(root).join("meta.json"), &json)
	}

	/// Records the last block of `root`'s life as last seen on chain (a renewal moves it), so
	/// that garbage collection never removes a file the chain may still ask for, whatever a
	/// lagging node says.
	pub fn note_expiry(&self, root: &Hash, expires_at: u32) -> Result<(), Error> {
		if self.expiry(root) == Some(expires_at) || !self.file_dir(root).is_dir() {
			return Ok(());
		}
		let path = self.file_dir(root).join("expires-at");
		write_atomic(&self.tmp, &path, expires_at.to_string().as_bytes())
	}

	/// The last block of `root`'s life as last seen on chain, if it was seen there.
	pub fn expiry(&self, root: &Hash) -> Option<u32> {
		fs::read_to_string(self.file_dir(root).join("expires-at")).ok()?.trim().parse().ok()
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

	/// Keeps shard `index` of `root` (written with [`ShardStore::shard_writer`]) after checking
	/// it against the metadata's shard root and size, if it fits.
	pub fn put_shard(&self, root: &Hash, index: u32, mut files: ShardFiles) -> Result<(), Error> {
		let meta = self.meta(root)?;
		let expected = meta
			.shard_roots
			.get(index as usize)
			.ok_or_else(|| Error::NotFound(format!("shard {index} of {}", root_hex(root))))?;
		if files.len != meta.layout.shard_size() || files.root != *expected {
			return Err(Error::ShardMismatch { root: root_hex(root), index });
		}
		let _room = match files.take_room() {
			Some(room) => room,
			None => self.reserve_shards(files.len)?,
		};
		let _keeping = self.lock_keeping();
		let replaced = self.shard_bytes(root, index);
		let kept = files.persist(&self.shard_path(root, index), &self.tree_path(root, index));
		// Counted held before the room is given back, so the two never leave a gap; measured
		// even if the move failed half-way.
		self.usage.change(self.shard_bytes(root, index), replaced);
		kept.map(|_| ())
	}

	/// Keeps a file this worker encoded (its metadata and every shard) in `room`, reserved
	/// for its [`FileLayout::stored_bytes`] before the encoding began.
	pub fn put_encoded(&self, file: Encoded, room: Room) -> Result<(), Error> {
		let needed = with_tree(file.layout.stored_bytes());
		if room.bytes() < needed {
			return Err(Error::NoRoom { needed, free: room.bytes() });
		}
		let meta = FileMeta { layout: file.layout, shard_roots: file.shard_roots };
		self.put_meta(&file.root, &meta)?;
		let _keeping = self.lock_keeping();
		for (i, shard) in file.shards.into_iter().enumerate() {
			let i = i as u32;
			let replaced = self.shard_bytes(&file.root, i);
			let kept =
				shard.persist(&self.shard_path(&file.root, i), &self.tree_path(&file.root, i));
			self.usage.change(self.shard_bytes(&file.root, i), replaced);
			kept?;
		}
		drop(room);
		Ok(())
	}

	/// Removes one shard (its bytes first: a tree without its shard is never used).
	pub fn remove_shard(&self, root: &Hash, index: u32) -> Result<(), Error> {
		let _keeping = self.lock_keeping();
		for path in [self.shard_path(root, index), self.tree_path(root, index)] {
			let len = fs::metadata(&path).map_or(0, |m| m.len());
			match fs::remove_file(path) {
				Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
				Err(_) => {},
				Ok(()) => self.usage.change(0, len),
			}
		}
		Ok(())
	}

	/// Every file with a directory here, and when its directory last changed.
	pub fn files(&self) -> Vec<(Hash, SystemTime)> {
		let Ok(dirs) = fs::read_dir(&self.dir) else { return vec![] };
		dirs.flatten()
			.filter_map(|d| {
				let root = self.root_of(&d.file_name())?;
				let changed = d.metadata().and_then(|m| m.modified()).ok()?;
				Some((root, changed))
			})
			.collect()
	}

	/// Every shard held, as `(root, index)`.
	pub fn all_shards(&self) -> Vec<(Hash, u32)> {
		self.files()
			.into_iter()
			.flat_map(|(root, _)| self.held_shards(&root).into_iter().map(move |i| (root, i)))
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

	/// Shard `index` of `root` on disk, with its tree (built now if a store written before
	/// trees were kept lacks it).
	pub fn shard(&self, root: &Hash, index: u32) -> Result<ShardFiles, Error> {
		let not_found = || Error::NotFound(format!("shard {index} of {}", root_hex(root)));
		let meta = self.meta(root).map_err(|_| not_found())?;
		let expected = *meta.shard_roots.get(index as usize).ok_or_else(not_found)?;
		let (shard, tree) = (self.shard_path(root, index), self.tree_path(root, index));
		let len = fs::metadata(&shard).map_err(|_| not_found())?.len();
		if !tree.is_file() {
			// Built aside, checked, then renamed: concurrent callers each build their own, and
			// a reader never sees half a tree.
			let temp = crate::shard::temp_name(&self.tmp, "tree");
			let built = (|| -> Result<Hash, Error> {
				let mut writer = crate::tree::TreeWriter::create(&temp)?;
				let mut file = fs::File::open(&shard)?;
				let mut buf = vec![0u8; 1 << 20];
				loop {
					let n = std::io::Read::read(&mut file, &mut buf)?;
					if n == 0 {
						break;
					}
					writer.write(&buf[..n])?;
				}
				writer.finish()
			})();
			match built {
				Ok(got) if got == expected => {
					let _keeping = self.lock_keeping();
					if !tree.is_file() {
						fs::rename(&temp, &tree)?;
						self.usage.change(fs::metadata(&tree).map_or(0, |m| m.len()), 0);
					} else {
						let _ = fs::remove_file(&temp);
					}
				},
				Ok(_) => {
					let _ = fs::remove_file(&temp);
					return Err(Error::ShardMismatch { root: root_hex(root), index });
				},
				Err(e) => {
					let _ = fs::remove_file(&temp);
					return Err(e);
				},
			}
		}
		Ok(ShardFiles::committed(shard, tree, len, expected))
	}

	/// Chunk `chunk` of shard `index` of `root` with its Merkle path: the answer to a storage
	/// challenge. Reads one 16 KiB group and one node per tree level.
	pub fn proof(
		&self,
		root: &Hash,
		index: u32,
		chunk: u32,
	) -> Result<(Vec<u8>, Vec<Hash>), Error> {
		self.shard(root, index)?
			.prove(chunk)?
			.ok_or_else(|| Error::NotFound(format!("chunk {chunk} of shard {index}")))
	}

	/// Forgets a file and its shards.
	pub fn remove(&self, root: &Hash) -> Result<(), Error> {
		let _keeping = self.lock_keeping();
		let held = self.file_bytes(root);
		let removed = fs::remove_dir_all(self.file_dir(root));
		// What is left after a failure half-way is still counted.
		self.usage.change(0, held.saturating_sub(self.file_bytes(root)));
		match removed {
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

	fn written(store: &ShardStore, bytes: &[u8]) -> ShardFiles {
		let mut writer = store.shard_writer(bytes.len() as u64).unwrap();
		writer.write(bytes).unwrap();
		writer.finish().unwrap()
	}

	#[test]
	fn shards_round_trip_and_are_checked() {
		let dir = tempfile::tempdir().unwrap();
		let store = ShardStore::open(dir.path()).unwrap();
		let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
		let file = ingest(&CpuBackend, &data, 3, 2).unwrap();
		let meta = FileMeta { layout: file.layout, shard_roots: file.shard_roots.clone() };

		// No metadata yet: a shard for an unknown root is refused.
		assert!(matches!(
			store.put_shard(&file.root, 0, written(&store, file.shard(0))),
			Err(Error::NotFound(_))
		));
		// Metadata that does not hash to the root is refused.
		let mut wrong = meta.clone();
		wrong.shard_roots[0] = Hash::zero();
		assert!(store.put_meta(&file.root, &wrong).is_err());

		store.put_meta(&file.root, &meta).unwrap();
		assert_eq!(store.meta(&file.root).unwrap(), meta);
		// The wrong shard for an index is refused, and nothing of it stays.
		assert!(matches!(
			store.put_shard(&file.root, 1, written(&store, file.shard(0))),
			Err(Error::ShardMismatch { index: 1, .. })
		));
		assert!(!store.has_shard(&file.root, 1));
		assert_eq!(fs::read_dir(store.tmp_dir()).unwrap().count(), 0);
		store.put_shard(&file.root, 1, written(&store, file.shard(1))).unwrap();
		store.put_shard(&file.root, 4, written(&store, file.shard(4))).unwrap();
		assert_eq!(store.held_shards(&file.root), vec![1, 4]);
		assert_eq!(fs::read(store.shard(&file.root, 4).unwrap().shard).unwrap(), file.shard(4));

		let (chunk, path) = store.proof(&file.root, 4, 3).unwrap();
		assert_eq!(verify_chunk(&file.layout, &file.shard_roots[4], 3, &chunk, &path), Ok(()));
		assert!(store.proof(&file.root, 4, 10_000).is_err());
		// A store from before trees were kept: the tree is built when first needed.
		fs::remove_file(store.tree_path(&file.root, 4)).unwrap();
		assert_eq!(store.proof(&file.root, 4, 3).unwrap(), (chunk, path));

		store.remove(&file.root).unwrap();
		assert!(store.held_shards(&file.root).is_empty());
		assert!(matches!(store.meta(&file.root), Err(Error::NotFound(_))));
	}

	#[test]
	fn capacity_is_kept_and_a_crash_leaves_nothing_served() {
		let dir = tempfile::tempdir().unwrap();
		let store = ShardStore::open(dir.path()).unwrap().with_capacity(100 * 1024);
		let data = vec![7u8; 120 * 1024];
		let file = ingest(&CpuBackend, &data, 2, 1).unwrap();
		let meta = FileMeta { layout: file.layout, shard_roots: file.shard_roots.clone() };
		store.put_meta(&file.root, &meta).unwrap();
		store.put_shard(&file.root, 0, written(&store, file.shard(0))).unwrap();
		// The second shard is refused before a byte of it is written.
		assert!(matches!(store.shard_writer(60 * 1024), Err(Error::NoRoom { .. })));
		assert!(matches!(store.reserve_shards(60 * 1024), Err(Error::NoRoom { .. })));
		assert_eq!(store.held_shards(&file.root), vec![0]);
		assert_eq!(fs::read_dir(store.tmp_dir()).unwrap().count(), 0);

		// A write cut short by a crash: its temporaries are cleared when the store reopens.
		let mut writer = store.shard_writer(4096).unwrap();
		writer.write(&[1u8; 4096]).unwrap();
		std::mem::forget(writer);
		assert!(fs::read_dir(store.tmp_dir()).unwrap().count() > 0);
		let store = ShardStore::open(dir.path()).unwrap();
		assert_eq!(fs::read_dir(store.tmp_dir()).unwrap().count(), 0);
		assert_eq!(store.held_shards(&file.root), vec![0]);
	}

	#[test]
	fn the_count_of_bytes_held_follows_the_disk() {
		let dir = tempfile::tempdir().unwrap();
		let store = ShardStore::open(dir.path()).unwrap().with_capacity(1 << 20);
		let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
		let file = ingest(&CpuBackend, &data, 2, 2).unwrap();
		let meta = FileMeta { layout: file.layout, shard_roots: file.shard_roots.clone() };
		store.put_meta(&file.root, &meta).unwrap();
		let on_disk = |store: &ShardStore| store.walk_held();

		// Writers in progress hold room; two of them cannot together pass the capacity.
		let a = store.shard_writer(file.layout.shard_size()).unwrap();
		let reserved = store.used();
		assert!(reserved >= file.layout.shard_size());
		assert!(matches!(store.reserve_shards(1 << 20), Err(Error::NoRoom { .. })));
		drop(a);
		assert_eq!(store.used(), 0);

		for i in 0..4 {
			store.put_shard(&file.root, i, written(&store, file.shard(i as usize))).unwrap();
			assert_eq!(store.used(), on_disk(&store));
		}
		// Keeping a shard again does not count it twice.
		store.put_shard(&file.root, 2, written(&store, file.shard(2))).unwrap();
		assert_eq!(store.used(), on_disk(&store));
		store.remove_shard(&file.root, 1).unwrap();
		assert_eq!(store.used(), on_disk(&store));
		// A reopened store counts what is there.
		let reopened = ShardStore::open(dir.path()).unwrap();
		assert_eq!(reopened.used(), store.used());
		store.remove(&file.root).unwrap();
		assert_eq!(store.used(), 0);
	}
}
