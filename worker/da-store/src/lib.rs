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

use codec::{Decode, Encode};
use std::{
	fs,
	io::Write,
	path::{Path, PathBuf},
};
use zg_primitives::{
	da::{check_roots, decode_line, BlobLayout, CellProof, Line},
	storage::{leaf_hash, merkle_root, MerkleTree, CHUNK_SIZE},
};

pub use zg_primitives::da::DaError;
use zg_primitives::Hash as H256;

/// The row and the column of one line index, each `2k` chunks.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct LineData {
	/// The line index.
	pub index: u32,
	/// Row `index`, chunk by chunk.
	pub row: Vec<Vec<u8>>,
	/// Column `index`, chunk by chunk.
	pub column: Vec<Vec<u8>>,
}

/// What a disperser delivers to one signer for one blob.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
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
	if chunks.len() != layout.width() as usize || chunks.iter().any(|c| c.len() != CHUNK_SIZE) {
		return Err(DeliveryError::Malformed(line));
	}
	if line_root(chunks) != *root {
		return Err(DeliveryError::RootMismatch(line));
	}
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
		let tmp = path.with_extension("tmp");
		let mut file = fs::File::create(&tmp)?;
		file.write_all(bytes)?;
		file.sync_all()?;
		fs::rename(tmp, path)
	}

	/// Stores a checked delivery (the meta last: a blob without it is not held).
	pub fn put(&self, delivery: &Delivery) -> std::io::Result<()> {
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
