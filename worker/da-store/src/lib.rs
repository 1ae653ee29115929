//! The DA signer's core: what a disperser delivers is checked against the blob's commitment
//! before it is stored or signed, then kept on disk and served.
//!
//! A disperser delivers, for one blob, the row and column roots and, for every line index the
//! signer's seats hold ([`zg_primitives::da::holds`]), the row and the column of that index
//! ([`Delivery`]). [`check_delivery`] accepts it only if the roots make the blob's data root,
//! the indices are exactly the expected ones, every row and column has its committed root,
//! and every one is a codeword (its first `k` chunks decode to the whole line). A signer that
//! signs only what passed these checks cannot be slashed for a line that is no codeword; a
//! square whose rows and columns disagree (each a codeword) is the disperser's fault alone.
//!
//! [`LineStore`] keeps accepted deliveries, one directory per blob, and serves a chunk with its
//! proof against the commitment ([`LineStore::cell_proof`]: what answers an availability
//! challenge and a sampler) and whole rows (what a reader rebuilds the blob from).
//!
//! The other two sides of the same data: a disperser cuts its extended square into deliveries
//! ([`Delivery::of_square`]), and a reader checks rows against their roots ([`check_row`]),
//! rebuilds a row no member serves whole from `k` of its chunks ([`row_from_cells`]), and
//! rebuilds the blob from any `k` rows ([`rebuild`]).

use codec::{Decode, DecodeWithMemTracking, Encode};
use std::{
	fs,
	io::Write,
	path::{Path, PathBuf},
	sync::atomic::{AtomicU64, Ordering},
};
use zg_primitives::{
	da::{check_roots, decode_line, BlobLayout, CellProof, Extended, Line},
	storage::{leaf_hash, merkle_root, MerkleTree, CHUNK_SIZE},
};

pub use zg_primitives::da::DaError;
use zg_primitives::Hash as H256;

/// The row and the column of one line index, each `2k` chunks.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking)]
pub struct LineData {
	/// The line index.
	pub index: u32,
	/// Row `index`, chunk by chunk.
	pub row: Vec<Vec<u8>>,
	/// Column `index`, chunk by chunk.
	pub column: Vec<Vec<u8>>,
}

/// What a disperser delivers to one signer for one blob. Decode it from outside bytes with
/// `codec::DecodeWithMemLimit` (lengths are the sender's: a small body of many empty chunks
/// would otherwise take many times its size in memory).
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking)]
pub struct Delivery {
	/// The blob's commitment.
	pub root: H256,
	/// Its layout.
	pub layout: BlobLayout,
	/// Its `2k` row roots.
	pub row_roots: Vec<H256>,
	/// Its `2k` column roots.
	pub column_roots: Vec<H256>,
	/// The lines of the signer's seats, by increasing index.
	pub lines: Vec<LineData>,
}

impl Delivery {
	/// The delivery of the line indices `indices` (increasing) of `square`.
	pub fn of_square(square: &Extended, indices: &[u32]) -> Self {
		let owned = |chunks: Vec<&[u8]>| chunks.into_iter().map(<[u8]>::to_vec).collect();
		Self {
			root: square.data_root(),
			layout: square.layout,
			row_roots: square.row_roots.clone(),
			column_roots: square.column_roots.clone(),
			lines: indices
				.iter()
				.map(|&i| LineData {
					index: i,
					row: owned(square.line(Line::Row(i))),
					column: owned(square.line(Line::Column(i))),
				})
				.collect(),
		}
	}

	/// The size of the SCALE encoding of a delivery of `lines` line indices of `layout`, at
	/// most (what a signer reads of a body before it refuses it).
	pub fn max_encoded_len(layout: &BlobLayout, lines: usize) -> usize {
		let width = layout.width() as usize;
		// A chunk: a length prefix and the bytes; a line: a prefix and its chunks.
		let line = 5 + width * (CHUNK_SIZE + 5);
		let roots = 2 * (5 + width * 32);
		64 + roots + 5 + lines * (4 + 2 * line)
	}
}

/// The blob's roots as a signer serves them to readers: `(layout, row roots, column roots)`.
pub type Roots = (BlobLayout, Vec<H256>, Vec<H256>);

/// Checks row `index` of the blob: `2k` chunks of [`CHUNK_SIZE`] under its committed root
/// (from [`check_roots`]-checked `row_roots`).
pub fn check_row(
	layout: &BlobLayout,
	row_roots: &[H256],
	index: u32,
	chunks: &[Vec<u8>],
) -> Result<(), DeliveryError> {
	let line = Line::Row(index);
	let root = row_roots.get(index as usize).ok_or(DeliveryError::Malformed(line))?;
	check_chunks(layout, line, chunks, root)
}

/// Checks that `chunks` are the `2k` chunks of [`CHUNK_SIZE`] of `line` under its `root`.
fn check_chunks(
	layout: &BlobLayout,
	line: Line,
	chunks: &[Vec<u8>],
	root: &H256,
) -> Result<(), DeliveryError> {
	if chunks.len() != layout.width() as usize || chunks.iter().any(|c| c.len() != CHUNK_SIZE) {
		return Err(DeliveryError::Malformed(line));
	}
	if line_root(chunks) != *root {
		return Err(DeliveryError::RootMismatch(line));
	}
	Ok(())
}

/// Row `index` of the blob from any `k` of its chunks (`(position, chunk)`, each proven
/// against the commitment, along the row or along its column), decoded and checked against
/// the row's committed root (from [`check_roots`]-checked `row_roots`). What a reader does for
/// a row no member serves whole.
pub fn row_from_cells(
	layout: &BlobLayout,
	row_roots: &[H256],
	index: u32,
	cells: &[(u32, Vec<u8>)],
) -> Result<Chunks, DeliveryError> {
	let line = Line::Row(index);
	let k = layout.k() as usize;
	let cells: Vec<(u32, &[u8])> =
		cells.iter().take(k).map(|(pos, chunk)| (*pos, chunk.as_slice())).collect();
	let row = decode_line(layout, &cells).map_err(|_| DeliveryError::Malformed(line))?;
	check_row(layout, row_roots, index, &row)?;
	Ok(row)
}

/// The blob from `k` checked rows of distinct indices (`(index, chunks)`): each of the first
/// `k` columns is decoded from the chunks the rows give it, and the original square is read
/// row by row.
pub fn rebuild(layout: &BlobLayout, rows: &[(u32, Chunks)]) -> Result<Vec<u8>, DaError> {
	let k = layout.k() as usize;
	let rows = rows.get(..k).ok_or(DaError::BadChunks)?;
	let mut square: Vec<Vec<Vec<u8>>> = vec![Vec::with_capacity(k); k];
	for j in 0..k {
		let column: Vec<(u32, &[u8])> = rows
			.iter()
			.map(|(i, chunks)| Ok((*i, chunks.get(j).ok_or(DaError::BadChunks)?.as_slice())))
			.collect::<Result<_, DaError>>()?;
		let full = decode_line(layout, &column)?;
		for (i, chunk) in full.into_iter().take(k).enumerate() {
			square[i].push(chunk);
		}
	}
	let mut blob: Vec<u8> = square.into_iter().flatten().flatten().collect();
	blob.truncate(layout.size as usize);
	Ok(blob)
}

/// A `2k × 2k` square of which some chunks are known: what a reader has when no `k` rows
/// come whole. [`Partial::peel`] decodes every row and column that has `k` known chunks, and
/// again with what that gave, until nothing more comes: the blob is back whenever the chunks
/// missing are not enough to block every line (an unrecoverable square misses at least
/// `(k + 1)²` chunks, the bound sampling relies on).
pub struct Partial {
	layout: BlobLayout,
	cells: Vec<Option<Vec<u8>>>,
}

impl Partial {
	/// A square of `layout` with nothing known.
	pub fn new(layout: BlobLayout) -> Self {
		let width = layout.width() as usize;
		Self { layout, cells: vec![None; width * width] }
	}

	fn at(&self, row: u32, column: u32) -> usize {
		row as usize * self.layout.width() as usize + column as usize
	}

	/// Sets chunk `(row, column)` (ignored outside the square).
	pub fn set(&mut self, row: u32, column: u32, chunk: Vec<u8>) {
		let width = self.layout.width();
		if row < width && column < width && chunk.len() == CHUNK_SIZE {
			let at = self.at(row, column);
			self.cells[at] = Some(chunk);
		}
	}

	/// The chunks known.
	pub fn known(&self) -> usize {
		self.cells.iter().filter(|c| c.is_some()).count()
	}

	/// Decodes every line with at least `k` known chunks, until nothing more comes. Lines are
	/// decoded, not checked: [`Partial::blob`]'s caller checks the blob against its
	/// commitment.
	pub fn peel(&mut self) {
		let (k, width) = (self.layout.k() as usize, self.layout.width());
		let mut progress = true;
		while progress {
			progress = false;
			for n in 0..2 * width {
				let position = |p: u32| if n < width { (n, p) } else { (p, n - width) };
				let known: Vec<(u32, &[u8])> = (0..width)
					.filter_map(|p| {
						let (i, j) = position(p);
						self.cells[self.at(i, j)].as_deref().map(|c| (p, c))
					})
					.take(k)
					.collect();
				let missing = (0..width).any(|p| {
					let (i, j) = position(p);
					self.cells[self.at(i, j)].is_none()
				});
				if known.len() < k || !missing {
					continue;
				}
				let Ok(line) = decode_line(&self.layout, &known) else { continue };
				for (p, chunk) in line.into_iter().enumerate() {
					let (i, j) = position(p as u32);
					let at = self.at(i, j);
					self.cells[at].get_or_insert(chunk);
				}
				progress = true;
			}
		}
	}

	/// The blob, if the original `k × k` square is whole.
	pub fn blob(&self) -> Option<Vec<u8>> {
		let k = self.layout.k();
		let mut out = Vec::with_capacity((k * k) as usize * CHUNK_SIZE);
		for i in 0..k {
			for j in 0..k {
				out.extend_from_slice(self.cells[self.at(i, j)].as_deref()?);
			}
		}
		out.truncate(self.layout.size as usize);
		Some(out)
	}
}

/// Why a delivery is refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DeliveryError {
	/// The layout or the roots do not make the commitment.
	#[error("the roots do not make the blob's commitment: {0:?}")]
	Roots(DaError),
	/// Not the line indices the signer's seats hold.
	#[error("lines {got:?} delivered, {expected:?} expected")]
	WrongLines {
		/// What came.
		got: Vec<u32>,
		/// What the seats hold.
		expected: Vec<u32>,
	},
	/// A line with chunks of the wrong number or size.
	#[error("line {0:?} is malformed")]
	Malformed(Line),
	/// A line whose chunks do not make its committed root.
	#[error("line {0:?} does not match its committed root")]
	RootMismatch(Line),
	/// A line that is no codeword: signing it would be slashed.
	#[error("line {0:?} is no codeword")]
	NotCodeword(Line),
	/// Row `i` and column `i` disagree where they cross.
	#[error("row and column {0} disagree at their crossing")]
	Crossing(u32),
}

/// The Merkle root of a line's chunks.
fn line_root(chunks: &[Vec<u8>]) -> H256 {
	merkle_root(&chunks.iter().map(|c| leaf_hash(c)).collect::<Vec<_>>())
}

/// Checks one line: `2k` chunks of [`CHUNK_SIZE`], its committed root, a codeword.
fn check_line(
	layout: &BlobLayout,
	line: Line,
	chunks: &[Vec<u8>],
	root: &H256,
) -> Result<(), DeliveryError> {
	check_chunks(layout, line, chunks, root)?;
	let k = layout.k() as usize;
	let first: Vec<(u32, &[u8])> =
		chunks[..k].iter().enumerate().map(|(p, c)| (p as u32, c.as_slice())).collect();
	let decoded = decode_line(layout, &first).map_err(|_| DeliveryError::Malformed(line))?;
	if decoded.as_slice() != chunks {
		return Err(DeliveryError::NotCodeword(line));
	}
	Ok(())
}

/// Checks `delivery` for the blob committed by `root` with `layout` (as the chain records it),
/// for a signer whose seats hold the line indices `expected` (increasing).
pub fn check_delivery(
	root: &H256,
	layout: &BlobLayout,
	expected: &[u32],
	delivery: &Delivery,
) -> Result<(), DeliveryError> {
	if delivery.root != *root || delivery.layout != *layout {
		return Err(DeliveryError::Roots(DaError::BadRoots));
	}
	layout.check().map_err(DeliveryError::Roots)?;
	check_roots(layout, root, &delivery.row_roots, &delivery.column_roots)
		.map_err(DeliveryError::Roots)?;
	let got: Vec<u32> = delivery.lines.iter().map(|l| l.index).collect();
	if got != expected {
		return Err(DeliveryError::WrongLines { got, expected: expected.to_vec() });
	}
	for line in &delivery.lines {
		let i = line.index as usize;
		check_line(layout, Line::Row(line.index), &line.row, &delivery.row_roots[i])?;
		check_line(layout, Line::Column(line.index), &line.column, &delivery.column_roots[i])?;
		if line.row[i] != line.column[i] {
			return Err(DeliveryError::Crossing(line.index));
		}
	}
	Ok(())
}

/// The chunks of one line.
pub type Chunks = Vec<Vec<u8>>;

/// What is stored of a blob besides its lines.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
struct Meta {
	layout: BlobLayout,
	row_roots: Vec<H256>,
	column_roots: Vec<H256>,
	indices: Vec<u32>,
	attest_by: u32,
}

/// Accepted deliveries on disk: `<dir>/<root hex>/meta` and `<dir>/<root hex>/line-<i>` (the
/// row, then the column). Files are written to a temporary name and renamed, so a crash never
/// leaves a partial line behind.
pub struct LineStore {
	dir: PathBuf,
}

impl LineStore {
	/// A store in `dir` (created if missing).
	pub fn open(dir: impl AsRef<Path>) -> std::io::Result<Self> {
		fs::create_dir_all(dir.as_ref())?;
		Ok(Self { dir: dir.as_ref().to_path_buf() })
	}

	fn blob_dir(&self, root: &H256) -> PathBuf {
		self.dir.join(hex::encode(root.as_bytes()))
	}

	fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
		// A name of its own, so that two deliveries of one blob at once never share one.
		static WRITES: AtomicU64 = AtomicU64::new(0);
		let n = WRITES.fetch_add(1, Ordering::Relaxed);
		let tmp = path.with_extension(format!("tmp-{}-{n}", std::process::id()));
		let mut file = fs::File::create(&tmp)?;
		file.write_all(bytes)?;
		file.sync_all()?;
		fs::rename(tmp, path)
	}

	/// Stores a checked delivery (the meta last: a blob without it is not held) of a blob
	/// whose attestations close at block `attest_by`.
	pub fn put(&self, delivery: &Delivery, attest_by: u32) -> std::io::Result<()> {
		let dir = self.blob_dir(&delivery.root);
		fs::create_dir_all(&dir)?;
		for line in &delivery.lines {
			let bytes = (&line.row, &line.column).encode();
			Self::write_atomic(&dir.join(format!("line-{}", line.index)), &bytes)?;
		}
		let meta = Meta {
			layout: delivery.layout,
			row_roots: delivery.row_roots.clone(),
			column_roots: delivery.column_roots.clone(),
			indices: delivery.lines.iter().map(|l| l.index).collect(),
			attest_by,
		};
		Self::write_atomic(&dir.join("meta"), &meta.encode())
	}

	fn meta(&self, root: &H256) -> Option<Meta> {
		let bytes = fs::read(self.blob_dir(root).join("meta")).ok()?;
		Meta::decode(&mut &bytes[..]).ok()
	}

	/// The row and the column of index `index` of the blob `root`, if held.
	pub fn line(&self, root: &H256, index: u32) -> Option<(Chunks, Chunks)> {
		self.meta(root)?.indices.contains(&index).then_some(())?;
		let bytes = fs::read(self.blob_dir(root).join(format!("line-{index}"))).ok()?;
		<(Chunks, Chunks)>::decode(&mut &bytes[..]).ok()
	}

	/// The blob's layout and roots, if held.
	pub fn roots(&self, root: &H256) -> Option<Roots> {
		let meta = self.meta(root)?;
		Some((meta.layout, meta.row_roots, meta.column_roots))
	}

	/// The block at which the attestations of the blob `root` closed, if held: a chain that
	/// is past it and does not hold the blob has dropped it (not just not seen it yet).
	pub fn attest_by(&self, root: &H256) -> Option<u32> {
		self.meta(root).map(|m| m.attest_by)
	}

	/// The roots of every blob held.
	pub fn blobs(&self) -> Vec<H256> {
		let Ok(entries) = fs::read_dir(&self.dir) else { return Vec::new() };
		entries
			.filter_map(|e| {
				let name = e.ok()?.file_name();
				let bytes: [u8; 32] = hex::decode(name.to_str()?).ok()?.try_into().ok()?;
				Some(H256::from(bytes))
			})
			.collect()
	}

	/// Whether the blob `root` is held.
	pub fn holds(&self, root: &H256) -> bool {
		self.meta(root).is_some()
	}

	/// Chunk `pos` of `line` of the blob `root` with its proof against the commitment, if the
	/// line is held.
	pub fn cell_proof(&self, root: &H256, line: Line, pos: u32) -> Option<CellProof> {
		let meta = self.meta(root)?;
		let (row, column) = self.line(root, line.index())?;
		let (chunks, line_root) = match line {
			Line::Row(i) => (row, *meta.row_roots.get(i as usize)?),
			Line::Column(j) => (column, *meta.column_roots.get(j as usize)?),
		};
		let tree = MerkleTree::new(chunks.iter().map(|c| leaf_hash(c)).collect());
		let mut axis = meta.row_roots.clone();
		axis.extend_from_slice(&meta.column_roots);
		Some(CellProof {
			line,
			pos,
			chunk: chunks.get(pos as usize)?.clone(),
			path: tree.proof(pos)?,
			line_root,
			axis_path: MerkleTree::new(axis).proof(line.axis_leaf(&meta.layout))?,
		})
	}

	/// Forgets the blob `root` (its retention ended, or it was proven invalid).
	pub fn remove(&self, root: &H256) -> std::io::Result<()> {
		match fs::remove_dir_all(self.blob_dir(root)) {
			Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
			other => other,
		}
	}
}

#[cfg(test)]
mod tests;
