//! From a file's bytes to what the chain commits: shards, Merkle trees, shard roots and the
//! file root.
//!
//! [`Ingest`] takes a file as it streams in: each data shard is a consecutive piece of the
//! file, so it is written to disk and its tree built while its bytes arrive; when the file
//! has ended, the parity shards are coded stripe by stripe ([`STRIPE_BYTES`] of each shard at a
//! time) from the data shards on disk. Memory: `(k + m) ×` [`STRIPE_BYTES`] plus buffers,
//! whatever the file's size. [`roots_of_file`] does the same for a file already on disk
//! without writing shards (a client checking a download against its root). [`ingest`] codes a
//! file held in memory: the reference the streamed paths are tested against.

use crate::{
	encoder::ErasureBackend,
	shard::{ShardFiles, ShardWriter},
	tree::TreeWriter,
	Error,
};
use rayon::prelude::*;
use std::{fs::File, os::unix::fs::FileExt, path::Path};
use zg_primitives::{
	storage::{chunk_leaves, file_root, FileLayout, MerkleTree, CHUNK_SIZE},
	Hash,
};

/// Bytes of each shard coded at once by the streamed paths: 1 MiB (a multiple of the code's
/// 64-byte blocks and of the trees' 16 KiB groups).
pub const STRIPE_BYTES: usize = 1 << 20;

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

/// Something the bytes of a shard go to, in order.
trait Sink: Send {
	fn put(&mut self, bytes: &[u8]) -> Result<(), Error>;
}

impl Sink for ShardWriter {
	fn put(&mut self, bytes: &[u8]) -> Result<(), Error> {
		self.write(bytes)
	}
}

impl Sink for TreeWriter {
	fn put(&mut self, bytes: &[u8]) -> Result<(), Error> {
		self.write(bytes)
	}
}

/// Codes the parity of `layout`'s data shards stripe by stripe: `read(i, offset, buf)` fills
/// `buf` with data shard `i` from `offset`; each stripe of data shard `i` goes to
/// `data_sinks[i]` (if there are sinks for the data) and of parity shard `j` to
/// `parity_sinks[j]`.
fn code_stripes<S: Sink>(
	backend: &dyn ErasureBackend,
	layout: &FileLayout,
	read: impl Fn(usize, u64, &mut [u8]) -> Result<(), Error> + Sync,
	data_sinks: &mut [S],
	parity_sinks: &mut [S],
) -> Result<(), Error> {
	let (k, m) = (layout.data_shards as usize, layout.parity_shards as usize);
	let shard_size = layout.shard_size();
	let mut buffers: Vec<Vec<u8>> =
		(0..k).map(|_| vec![0u8; STRIPE_BYTES.min(shard_size as usize)]).collect();
	let mut offset = 0u64;
	while offset < shard_size {
		let width = (shard_size - offset).min(STRIPE_BYTES as u64) as usize;
		buffers
			.par_iter_mut()
			.enumerate()
			.try_for_each(|(i, buffer)| read(i, offset, &mut buffer[..width]))?;
		let stripes: Vec<&[u8]> = buffers.iter().map(|b| &b[..width]).collect();
		let parity = if m > 0 { backend.parity(&stripes, m)? } else { Vec::new() };
		let data_work = data_sinks.par_iter_mut().zip(stripes.par_iter().copied());
		let parity_work = parity_sinks.par_iter_mut().zip(parity.par_iter().map(Vec::as_slice));
		data_work.chain(parity_work).try_for_each(|(sink, bytes)| sink.put(bytes))?;
		offset += width as u64;
	}
	Ok(())
}

/// A file coded by [`Ingest`]: its shards on disk (temporaries until the store takes them).
#[derive(Debug)]
pub struct Encoded {
	/// Size and coding.
	pub layout: FileLayout,
	/// The file root submitted on chain.
	pub root: Hash,
	/// The shard roots, in shard order.
	pub shard_roots: Vec<Hash>,
	/// The shards, in shard order.
	pub shards: Vec<ShardFiles>,
}

/// A file streamed in: write its bytes in order, in any pieces, then [`Ingest::finish`].
pub struct Ingest {
	layout: FileLayout,
	tmp: std::path::PathBuf,
	data: Vec<ShardFiles>,
	current: Option<ShardWriter>,
	received: u64,
}

impl Ingest {
	/// Starts a file of `size` bytes coded with `k` data and `m` parity shards; its shards are
	/// written to the directory of temporaries `tmp`.
	pub fn new(tmp: &Path, size: u64, k: u16, m: u16) -> Result<Self, Error> {
		let layout = FileLayout::new(size, k, m)?;
		Ok(Self { layout, tmp: tmp.into(), data: Vec::new(), current: None, received: 0 })
	}

	/// The file's layout.
	pub fn layout(&self) -> FileLayout {
		self.layout
	}

	/// Bytes received so far.
	pub fn received(&self) -> u64 {
		self.received
	}

	/// The next bytes of the file.
	pub fn write(&mut self, mut bytes: &[u8]) -> Result<(), Error> {
		if self.received.saturating_add(bytes.len() as u64) > self.layout.size {
			return Err(Error::TooLarge { limit: self.layout.size });
		}
		let shard_size = self.layout.shard_size();
		while !bytes.is_empty() {
			let writer = match &mut self.current {
				Some(writer) => writer,
				None => self.current.insert(ShardWriter::create(&self.tmp, shard_size)?),
			};
			let take = ((shard_size - writer.len()) as usize).min(bytes.len());
			writer.write(&bytes[..take])?;
			self.received += take as u64;
			bytes = &bytes[take..];
			if writer.len() == shard_size {
				if let Some(full) = self.current.take() {
					self.data.push(full.finish()?);
				}
			}
		}
		Ok(())
	}

	/// Ends the file: pads the data shards, codes and writes the parity shards, and gives the
	/// roots. Fails unless exactly the announced size was written.
	pub fn finish(mut self, backend: &dyn ErasureBackend) -> Result<Encoded, Error> {
		let layout = self.layout;
		if self.received != layout.size {
			return Err(Error::Short { expected: layout.size, got: self.received });
		}
		let (k, m) = (layout.data_shards as usize, layout.parity_shards as usize);
		let shard_size = layout.shard_size();
		let zeros = vec![0u8; STRIPE_BYTES];
		while self.data.len() < k {
			let mut writer = match self.current.take() {
				Some(writer) => writer,
				None => ShardWriter::create(&self.tmp, shard_size)?,
			};
			while writer.len() < shard_size {
				let n = ((shard_size - writer.len()) as usize).min(STRIPE_BYTES);
				writer.write(&zeros[..n])?;
			}
			self.data.push(writer.finish()?);
		}
		let files: Vec<File> = self.data.iter().map(ShardFiles::open).collect::<Result<_, _>>()?;
		let mut parity: Vec<ShardWriter> =
			(0..m).map(|_| ShardWriter::create(&self.tmp, shard_size)).collect::<Result<_, _>>()?;
		code_stripes(
			backend,
			&layout,
			|i, offset, buf| Ok(files[i].read_exact_at(buf, offset)?),
			&mut [],
			&mut parity,
		)?;
		let mut shards = self.data;
		for writer in parity {
			shards.push(writer.finish()?);
		}
		let shard_roots: Vec<Hash> = shards.iter().map(|s| s.root).collect();
		let root = file_root(&layout, &shard_roots);
		Ok(Encoded { layout, root, shard_roots, shards })
	}
}

/// The file root and shard roots of the file `file` of `size` bytes coded with `k` data and
/// `m` parity shards, read stripe by stripe (nothing but the small tree files, in `tmp`, is
/// written).
pub fn roots_of_file(
	backend: &dyn ErasureBackend,
	file: &File,
	size: u64,
	k: u16,
	m: u16,
	tmp: &Path,
) -> Result<(Hash, Vec<Hash>), Error> {
	let layout = FileLayout::new(size, k, m)?;
	let shard_size = layout.shard_size();
	let tree = |_| TreeWriter::create(crate::shard::temp_name(tmp, "tree"));
	let mut data: Vec<TreeWriter> = (0..k).map(tree).collect::<Result<_, _>>()?;
	let mut parity: Vec<TreeWriter> = (0..m).map(tree).collect::<Result<_, _>>()?;
	let paths: Vec<std::path::PathBuf> =
		data.iter().chain(&parity).map(|t| t.path().to_path_buf()).collect();
	let result = code_stripes(
		backend,
		&layout,
		|i, offset, buf| {
			// Data shard `i` is the file from `i × shard size`, zero-padded past its end.
			buf.fill(0);
			let start = (i as u64 * shard_size + offset).min(size);
			let end = (start + buf.len() as u64).min(size);
			Ok(file.read_exact_at(&mut buf[..(end - start) as usize], start)?)
		},
		&mut data,
		&mut parity,
	)
	.and_then(|()| {
		data.into_iter().chain(parity).map(TreeWriter::finish).collect::<Result<Vec<_>, _>>()
	});
	for path in paths {
		let _ = std::fs::remove_file(path);
	}
	let shard_roots = result?;
	Ok((file_root(&layout, &shard_roots), shard_roots))
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
		let reference = zg_primitives::erasure::encode(&file.layout, &data).unwrap();
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
	}

	#[test]
	fn streamed_ingest_and_roots_of_a_file_match_the_reference() {
		let dir = tempfile::tempdir().unwrap();
		// A tiny file over many shards, a file whose shards span several stripes with a
		// padded last data shard, and one without parity.
		for (len, k, m) in [(1usize, 16u16, 16u16), ((3 << 20) + 777, 2, 3), (5 * 1024, 4, 0)] {
			let data = bytes(len);
			let reference = ingest(&CpuBackend, &data, k, m).unwrap();
			let mut streamed = Ingest::new(dir.path(), len as u64, k, m).unwrap();
			for piece in data.chunks(65_537) {
				streamed.write(piece).unwrap();
			}
			assert!(matches!(streamed.write(&[0]), Err(Error::TooLarge { .. })));
			let encoded = streamed.finish(&CpuBackend).unwrap();
			assert_eq!(encoded.root, reference.root, "{len} {k} {m}");
			assert_eq!(encoded.shard_roots, reference.shard_roots);
			for (i, files) in encoded.shards.iter().enumerate() {
				assert_eq!(std::fs::read(&files.shard).unwrap(), reference.shard(i));
			}
			let path = dir.path().join("input");
			std::fs::write(&path, &data).unwrap();
			let file = File::open(&path).unwrap();
			let (root, roots) =
				roots_of_file(&CpuBackend, &file, len as u64, k, m, dir.path()).unwrap();
			assert_eq!((root, roots), (reference.root, reference.shard_roots.clone()));
			drop(encoded);
			std::fs::remove_file(&path).unwrap();
			assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no temporaries left");
		}
		// A body shorter than announced is refused.
		let mut short = Ingest::new(dir.path(), 10_000, 2, 1).unwrap();
		short.write(&[1; 9_999]).unwrap();
		assert!(matches!(
			short.finish(&CpuBackend),
			Err(Error::Short { expected: 10_000, got: 9_999 })
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
	fn bad_layouts_are_refused() {
		assert!(matches!(ingest(&CpuBackend, &[][..], 2, 1), Err(Error::Layout(_))));
		assert!(matches!(ingest(&CpuBackend, &[1u8][..], 0, 1), Err(Error::Layout(_))));
	}
}
