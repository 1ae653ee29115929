//! The layout of a 0G DA blob: a square of chunks extended with Reed-Solomon in two
//! dimensions, committed by the Merkle roots of its rows and columns.
//!
//! A blob of `size` bytes fills, chunk by chunk and row by row, the `k × k` original square of
//! [`BlobLayout`] ([`CHUNK_SIZE`]-byte chunks, the last zero-padded). Each of the `k` original
//! rows is extended with `k` parity chunks, then each of the `2k` columns with `k` parity
//! chunks: a `2k × 2k` square in which every row and every column is a codeword of the same
//! systematic code as storage's ([`crate::erasure`]), so any `k` chunks of a line give the
//! whole line back. (The code is linear, so the parity rows are codewords along rows too: the
//! extended square is a tensor code; a test checks it.)
//!
//! Every row and every column has a Merkle root over its `2k` chunks ([`crate::storage`]'s
//! leaf and node hashes), and the blob's commitment is [`data_root`] over the layout and all
//! `4k` axis roots. A signer that holds whole rows or columns checks them against their roots
//! and that each is a codeword; a disperser that committed a square that is not one tensor
//! codeword is caught by a [`BadEncodingProof`]: `k` chunks of one line, each proven against
//! the root of its orthogonal line, decode to a line whose root is not the committed one. Its
//! size grows with the square root of the blob (`k` chunks and paths).

use crate::storage::{leaf_hash, merkle_path_root, merkle_root, verify_merkle_path, CHUNK_SIZE};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::H256;

/// The largest blob, in bytes (32 MiB).
pub const MAX_BLOB_SIZE: u64 = 32 << 20;

/// The side of the largest original square: 182 chunks (182² KiB ≥ 32 MiB).
pub const MAX_SIDE: u16 = 182;

/// A blob's size and the side `k` of its original square (the extended square is `2k`).
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	serde::Serialize,
	serde::Deserialize,
)]
pub struct BlobLayout {
	/// The blob's bytes.
	pub size: u64,
	/// The side of the original square, in chunks.
	pub side: u16,
}

/// Why a blob or a proof about it is refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DaError {
	/// Empty, larger than [`MAX_BLOB_SIZE`], or a side that does not fit the size.
	BadLayout,
	/// Not as many axis roots as the layout has lines, or they do not make the data root.
	BadRoots,
	/// A chunk of the wrong size, a position outside the square, a position repeated, or not
	/// exactly `k` chunks.
	BadChunks,
	/// A chunk's path does not lead to the root of its line.
	BadPath,
	/// The line decodes to the committed root: the encoding of this line is sound.
	NotFraud,
	/// The code refused the parameters (cannot happen within the layout's bounds).
	Code,
}

impl BlobLayout {
	/// The layout of a blob of `size` bytes: the smallest square that holds it.
	pub fn new(size: u64) -> Result<Self, DaError> {
		if size == 0 || size > MAX_BLOB_SIZE {
			return Err(DaError::BadLayout);
		}
		let chunks = size.div_ceil(CHUNK_SIZE as u64);
		let mut side = chunks.isqrt();
		if side * side < chunks {
			side += 1;
		}
		Ok(Self { size, side: side as u16 })
	}

	/// Whether the layout is one [`BlobLayout::new`] gives (what a pallet checks of a
	/// submitted one).
	pub fn check(&self) -> Result<(), DaError> {
		if Self::new(self.size)? == *self {
			Ok(())
		} else {
			Err(DaError::BadLayout)
		}
	}

	/// `k`: the side of the original square.
	pub fn k(&self) -> u32 {
		self.side as u32
	}

	/// `2k`: the side of the extended square, and the chunks of every line.
	pub fn width(&self) -> u32 {
		2 * self.side as u32
	}

	/// The bytes of the extended square: what the DA network stores in all.
	pub fn extended_bytes(&self) -> u64 {
		(self.width() as u64).pow(2) * CHUNK_SIZE as u64
	}
}

/// A line of the square: a row or a column, by index.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum Line {
	/// Row `i`: the chunks `(i, 0..2k)`.
	Row(u32),
	/// Column `j`: the chunks `(0..2k, j)`.
	Column(u32),
}

impl Line {
	/// The line's index: `i` of row `i`, `j` of column `j`.
	pub fn index(&self) -> u32 {
		match self {
			Line::Row(i) | Line::Column(i) => *i,
		}
	}

	/// Its leaf in the tree of axis roots: rows first (`0..2k`), then columns (`2k..4k`).
	pub fn axis_leaf(&self, layout: &BlobLayout) -> u32 {
		match self {
			Line::Row(i) => *i,
			Line::Column(j) => layout.width().saturating_add(*j),
		}
	}
}

/// The commitment made of the layout and the root of the axis tree (the Merkle tree whose
/// leaves are the row roots followed by the column roots).
fn commit(layout: &BlobLayout, axis_root: &H256) -> H256 {
	let mut state = blake2b_simd::Params::new().hash_length(32).personal(b"zg-da-blob").to_state();
	state.update(&layout.encode());
	state.update(axis_root.as_bytes());
	H256::from_slice(state.finalize().as_bytes())
}

/// The commitment to a blob: BLAKE2b-256, personalised `zg-da-blob`, of the SCALE layout and
/// the Merkle root over the row roots followed by the column roots.
pub fn data_root(layout: &BlobLayout, row_roots: &[H256], column_roots: &[H256]) -> H256 {
	let mut axis: Vec<H256> = Vec::with_capacity(row_roots.len() + column_roots.len());
	axis.extend_from_slice(row_roots);
	axis.extend_from_slice(column_roots);
	commit(layout, &merkle_root(&axis))
}

/// One chunk of a committed blob with everything that checks it against the commitment
/// alone: its path in its line, the line's root, and that root's path in the axis tree. What
/// a signer answers to an availability challenge and a sampling client asks for.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking)]
pub struct CellProof {
	/// The line the chunk is proven in.
	pub line: Line,
	/// The chunk's position in the line.
	pub pos: u32,
	/// The chunk: [`CHUNK_SIZE`] bytes.
	pub chunk: Vec<u8>,
	/// Its Merkle path in the line (leaf sibling first).
	pub path: Vec<H256>,
	/// The line's root.
	pub line_root: H256,
	/// The line root's Merkle path in the axis tree.
	pub axis_path: Vec<H256>,
}

/// Checks `proof` against the blob committed by `root`: the line root leads to the
/// commitment, and the chunk to the line root.
pub fn verify_cell_proof(
	layout: &BlobLayout,
	root: &H256,
	proof: &CellProof,
) -> Result<(), DaError> {
	layout.check()?;
	if proof.line.index() >= layout.width() {
		return Err(DaError::BadChunks);
	}
	let axis_leaves = layout.width().saturating_mul(2);
	let axis_root = merkle_path_root(
		proof.line_root,
		proof.line.axis_leaf(layout),
		axis_leaves,
		&proof.axis_path,
	)
	.ok_or(DaError::BadRoots)?;
	if commit(layout, &axis_root) != *root {
		return Err(DaError::BadRoots);
	}
	verify_cell(layout, &proof.line_root, proof.pos, &proof.chunk, &proof.path)
}

/// The fewest committee seats whose attestations make a blob available: two thirds, rounded
/// up.
pub fn quorum(seats: u32) -> u32 {
	seats.saturating_mul(2).div_ceil(3)
}

/// The rotation of the seat-to-line assignment of the blob committed by `root`, so that the
/// seats that hold one more line than the others differ from blob to blob.
pub fn rotation(root: &H256, seats: u32, width: u32) -> u32 {
	let modulus = seats.min(width).max(1);
	let mut word = [0u8; 4];
	word.copy_from_slice(&root.as_bytes()[..4]);
	u32::from_le_bytes(word) % modulus
}

/// Whether seat `seat` of a committee of `seats` holds the lines of index `line` (row `line`
/// and column `line`) of a square of side `width`, under `rotation`.
///
/// With `m = min(seats, width)`, seat `s` holds line `l` when `(l + rotation) ≡ s (mod m)`:
/// with at least as many lines as seats every seat holds `⌊width / seats⌋` or one more lines;
/// with fewer, every seat holds one line and every line has `⌊seats / width⌋` seats or one
/// more. Either way any [`quorum`] of seats holds at least `k` distinct line indices, so the
/// rows its members hold rebuild the blob (a test checks it for every committee and square).
pub fn holds(seat: u32, seats: u32, width: u32, rotation: u32, line: u32) -> bool {
	let m = seats.min(width).max(1);
	(line % m + rotation % m) % m == seat % m
}

/// The line indices seat `seat` holds (see [`holds`]).
pub fn seat_lines(seat: u32, seats: u32, width: u32, rotation: u32) -> impl Iterator<Item = u32> {
	(0..width).filter(move |&line| holds(seat, seats, width, rotation, line))
}

/// The payload a committee member signs to attest a blob: the domain, the chain's genesis
/// hash, the blob's commitment, the DA epoch of its committee, and the submission it attests
/// (the disperser and the block it was submitted in), so that a signature attests one
/// submission of one root and cannot be replayed on a later one.
pub fn attestation_payload(
	genesis: &impl Encode,
	root: &H256,
	epoch: u32,
	disperser: &impl Encode,
	submitted_at: &impl Encode,
) -> Vec<u8> {
	(b"zg-da-attest", genesis, root, epoch, disperser, submitted_at).encode()
}

/// Checks that `row_roots` and `column_roots` are the layout's `2k` + `2k` roots committed by
/// `root`.
pub fn check_roots(
	layout: &BlobLayout,
	root: &H256,
	row_roots: &[H256],
	column_roots: &[H256],
) -> Result<(), DaError> {
	let width = layout.width() as usize;
	if row_roots.len() != width
		|| column_roots.len() != width
		|| data_root(layout, row_roots, column_roots) != *root
	{
		return Err(DaError::BadRoots);
	}
	Ok(())
}

/// Checks that `chunk` sits at position `pos` of the line whose root is `line_root`.
pub fn verify_cell(
	layout: &BlobLayout,
	line_root: &H256,
	pos: u32,
	chunk: &[u8],
	path: &[H256],
) -> Result<(), DaError> {
	if chunk.len() != CHUNK_SIZE || pos >= layout.width() {
		return Err(DaError::BadChunks);
	}
	if verify_merkle_path(line_root, leaf_hash(chunk), pos, layout.width(), path) {
		Ok(())
	} else {
		Err(DaError::BadPath)
	}
}

/// A proof that a line, under its own committed root, is not a codeword: `k + 1` of its chunks,
/// each proven against the line's root, that no codeword passes through. Whoever attested
/// while holding that line signed a line it should have refused.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct BadLineProof {
	/// The line.
	pub line: Line,
	/// Its committed root.
	pub line_root: H256,
	/// The root's path in the axis tree.
	pub axis_path: Vec<H256>,
	/// `k + 1` chunks of the line at distinct positions: (position, chunk, path in the line).
	pub chunks: Vec<(u32, Vec<u8>, Vec<H256>)>,
}

/// A proof that a line of a committed square is not a codeword agreeing with the rest: `k`
/// chunks of `line`, at distinct positions, each with its Merkle path in the orthogonal line
/// (chunk `(i, j)` of row `i` is proven against column `j`'s root at position `i`).
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct BadEncodingProof {
	/// The line claimed badly encoded.
	pub line: Line,
	/// Its chunks: (position in the line, chunk, path in the orthogonal line).
	pub chunks: Vec<(u32, Vec<u8>, Vec<H256>)>,
}

#[cfg(feature = "erasure")]
mod coding {
	use super::*;
	use crate::storage::MerkleTree;
	use alloc::vec;

	/// A blob extended to its `2k × 2k` square, with the roots of its rows and columns.
	pub struct Extended {
		/// The layout.
		pub layout: BlobLayout,
		/// The chunks, row by row (`2k × 2k × CHUNK_SIZE` bytes).
		pub cells: Vec<u8>,
		/// The roots of the `2k` rows.
		pub row_roots: Vec<H256>,
		/// The roots of the `2k` columns.
		pub column_roots: Vec<H256>,
	}

	impl Extended {
		/// Chunk `(row, column)`.
		pub fn cell(&self, row: u32, column: u32) -> &[u8] {
			let at = (row as usize * self.layout.width() as usize + column as usize) * CHUNK_SIZE;
			&self.cells[at..at + CHUNK_SIZE]
		}

		/// The chunks of `line`, in order.
		pub fn line(&self, line: Line) -> Vec<&[u8]> {
			let width = self.layout.width();
			match line {
				Line::Row(i) => (0..width).map(|j| self.cell(i, j)).collect(),
				Line::Column(j) => (0..width).map(|i| self.cell(i, j)).collect(),
			}
		}

		/// The blob's commitment.
		pub fn data_root(&self) -> H256 {
			data_root(&self.layout, &self.row_roots, &self.column_roots)
		}

		/// Chunk `pos` of `line` with its path in the line's tree.
		pub fn proof(&self, line: Line, pos: u32) -> (Vec<u8>, Vec<H256>) {
			let leaves = self.line(line).iter().map(|c| leaf_hash(c)).collect();
			let path = MerkleTree::new(leaves).proof(pos).unwrap_or_default();
			let (row, column) = match line {
				Line::Row(i) => (i, pos),
				Line::Column(j) => (pos, j),
			};
			(self.cell(row, column).to_vec(), path)
		}

		/// The Merkle path of `line`'s root in the axis tree.
		pub fn axis_path(&self, line: Line) -> Vec<H256> {
			let mut axis = self.row_roots.clone();
			axis.extend_from_slice(&self.column_roots);
			MerkleTree::new(axis).proof(line.axis_leaf(&self.layout)).unwrap_or_default()
		}

		/// Chunk `pos` of `line` with its proof against the commitment.
		pub fn cell_proof(&self, line: Line, pos: u32) -> CellProof {
			let (chunk, path) = self.proof(line, pos);
			let line_root = match line {
				Line::Row(i) => self.row_roots[i as usize],
				Line::Column(j) => self.column_roots[j as usize],
			};
			CellProof { line, pos, chunk, path, line_root, axis_path: self.axis_path(line) }
		}

		/// The blob's bytes: the original square, row by row, without its padding.
		pub fn blob(&self) -> Vec<u8> {
			let k = self.layout.k();
			let mut out = Vec::with_capacity(self.layout.size as usize);
			for i in 0..k {
				for j in 0..k {
					out.extend_from_slice(self.cell(i, j));
				}
			}
			out.truncate(self.layout.size as usize);
			out
		}

		/// Recomputes every root from the cells (after a test tampered with them).
		pub fn recommit(&mut self) {
			let width = self.layout.width();
			self.row_roots = (0..width).map(|i| line_root(&self.line(Line::Row(i)))).collect();
			self.column_roots =
				(0..width).map(|j| line_root(&self.line(Line::Column(j)))).collect();
		}
	}

	/// The Merkle root of a line's chunks.
	fn line_root(chunks: &[&[u8]]) -> H256 {
		merkle_root(&chunks.iter().map(|c| leaf_hash(c)).collect::<Vec<_>>())
	}

	/// The `k` parity chunks of `k` chunks.
	fn parity_of(chunks: &[&[u8]]) -> Result<Vec<Vec<u8>>, DaError> {
		crate::erasure::parity(chunks, chunks.len()).map_err(|_| DaError::Code)
	}

	/// Extends `blob` to its square and commits to it.
	pub fn extend(blob: &[u8]) -> Result<Extended, DaError> {
		let layout = BlobLayout::new(blob.len() as u64)?;
		let (k, width) = (layout.k() as usize, layout.width() as usize);
		let mut cells = vec![0u8; width * width * CHUNK_SIZE];
		let at = |row: usize, column: usize| (row * width + column) * CHUNK_SIZE;
		for (n, piece) in blob.chunks(CHUNK_SIZE).enumerate() {
			let start = at(n / k, n % k);
			cells[start..start + piece.len()].copy_from_slice(piece);
		}
		// The original rows, then every column.
		for i in 0..k {
			let row: Vec<&[u8]> = (0..k).map(|j| &cells[at(i, j)..at(i, j) + CHUNK_SIZE]).collect();
			for (n, chunk) in parity_of(&row)?.into_iter().enumerate() {
				cells[at(i, k + n)..at(i, k + n) + CHUNK_SIZE].copy_from_slice(&chunk);
			}
		}
		for j in 0..width {
			let column: Vec<&[u8]> =
				(0..k).map(|i| &cells[at(i, j)..at(i, j) + CHUNK_SIZE]).collect();
			for (n, chunk) in parity_of(&column)?.into_iter().enumerate() {
				cells[at(k + n, j)..at(k + n, j) + CHUNK_SIZE].copy_from_slice(&chunk);
			}
		}
		let mut extended =
			Extended { layout, cells, row_roots: Vec::new(), column_roots: Vec::new() };
		extended.recommit();
		Ok(extended)
	}

	/// The whole line (`2k` chunks) from any `k` of its chunks: `(position, chunk)`.
	pub fn decode_line(
		layout: &BlobLayout,
		chunks: &[(u32, &[u8])],
	) -> Result<Vec<Vec<u8>>, DaError> {
		let (k, width) = (layout.k() as usize, layout.width());
		let mut positions: Vec<u32> = chunks.iter().map(|(p, _)| *p).collect();
		positions.sort_unstable();
		positions.dedup();
		if chunks.len() != k
			|| positions.len() != k
			|| positions.last().is_some_and(|p| *p >= width)
			|| chunks.iter().any(|(_, c)| c.len() != CHUNK_SIZE)
		{
			return Err(DaError::BadChunks);
		}
		let mut slots: Vec<Option<Vec<u8>>> = vec![None; 2 * k];
		for (pos, chunk) in chunks {
			slots[*pos as usize] = Some(chunk.to_vec());
		}
		// A line is coded as a file of k one-chunk shards with k parity shards.
		let as_file = crate::storage::FileLayout::new((k * CHUNK_SIZE) as u64, k as u16, k as u16)
			.map_err(|_| DaError::Code)?;
		crate::erasure::recover(&as_file, &mut slots).map_err(|_| DaError::Code)?;
		Ok(slots.into_iter().flatten().collect())
	}

	/// Checks `proof` against the blob committed by `root`: `Ok` when its `k + 1` chunks, all
	/// proven under the line's committed root, are not on one codeword (the line's holders
	/// attested a line they should have refused), [`DaError::NotFraud`] when the first `k`
	/// decode to a line through the last, another error when the proof is malformed.
	pub fn check_bad_line(
		layout: &BlobLayout,
		root: &H256,
		proof: &BadLineProof,
	) -> Result<(), DaError> {
		let k = layout.k() as usize;
		if proof.chunks.len() != k + 1 {
			return Err(DaError::BadChunks);
		}
		for (pos, chunk, path) in &proof.chunks {
			let cell = CellProof {
				line: proof.line,
				pos: *pos,
				chunk: chunk.clone(),
				path: path.clone(),
				line_root: proof.line_root,
				axis_path: proof.axis_path.clone(),
			};
			verify_cell_proof(layout, root, &cell)?;
		}
		let given: Vec<(u32, &[u8])> =
			proof.chunks[..k].iter().map(|(pos, chunk, _)| (*pos, chunk.as_slice())).collect();
		let line = decode_line(layout, &given)?;
		let (last, chunk, _) = &proof.chunks[k];
		if given.iter().any(|(pos, _)| pos == last) {
			return Err(DaError::BadChunks);
		}
		if line.get(*last as usize).is_some_and(|c| c == chunk) {
			Err(DaError::NotFraud)
		} else {
			Ok(())
		}
	}

	/// Checks `proof` against the square committed by `root` with these axis roots: `Ok` when
	/// it proves the line badly encoded (the rows and the columns of the commitment are not one
	/// square: the disperser is at fault), [`DaError::NotFraud`] when the line is sound,
	/// another error when the proof is malformed.
	pub fn check_bad_encoding(
		layout: &BlobLayout,
		root: &H256,
		row_roots: &[H256],
		column_roots: &[H256],
		proof: &BadEncodingProof,
	) -> Result<(), DaError> {
		layout.check()?;
		check_roots(layout, root, row_roots, column_roots)?;
		let (index, own_roots, cross_roots) = match proof.line {
			Line::Row(i) => (i, row_roots, column_roots),
			Line::Column(j) => (j, column_roots, row_roots),
		};
		let own = own_roots.get(index as usize).ok_or(DaError::BadChunks)?;
		for (pos, chunk, path) in &proof.chunks {
			let cross = cross_roots.get(*pos as usize).ok_or(DaError::BadChunks)?;
			verify_cell(layout, cross, index, chunk, path)?;
		}
		let given: Vec<(u32, &[u8])> =
			proof.chunks.iter().map(|(pos, chunk, _)| (*pos, chunk.as_slice())).collect();
		let line = decode_line(layout, &given)?;
		let refs: Vec<&[u8]> = line.iter().map(Vec::as_slice).collect();
		if line_root(&refs) == *own {
			Err(DaError::NotFraud)
		} else {
			Ok(())
		}
	}
}

#[cfg(feature = "erasure")]
pub use coding::{check_bad_encoding, check_bad_line, decode_line, extend, Extended};

#[cfg(all(test, feature = "erasure"))]
mod tests {
	use super::*;
	use proptest::prelude::*;

	fn blob(size: usize, seed: u8) -> Vec<u8> {
		(0..size).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
	}

	/// The proof of `line` from the chunks at `positions`, each proven in its orthogonal line.
	fn proof_of(square: &Extended, line: Line, positions: &[u32]) -> BadEncodingProof {
		let chunks = positions
			.iter()
			.map(|&pos| {
				let (cross, at) = match line {
					Line::Row(i) => (Line::Column(pos), i),
					Line::Column(j) => (Line::Row(pos), j),
				};
				let (chunk, path) = square.proof(cross, at);
				(pos, chunk, path)
			})
			.collect();
		BadEncodingProof { line, chunks }
	}

	#[test]
	fn layouts_are_the_smallest_square() {
		assert_eq!(BlobLayout::new(1).unwrap().side, 1);
		assert_eq!(BlobLayout::new(1024).unwrap().side, 1);
		assert_eq!(BlobLayout::new(1025).unwrap().side, 2);
		assert_eq!(BlobLayout::new(4 * 1024).unwrap().side, 2);
		assert_eq!(BlobLayout::new(4 * 1024 + 1).unwrap().side, 3);
		assert_eq!(BlobLayout::new(MAX_BLOB_SIZE).unwrap().side, MAX_SIDE);
		assert_eq!(BlobLayout::new(0), Err(DaError::BadLayout));
		assert_eq!(BlobLayout::new(MAX_BLOB_SIZE + 1), Err(DaError::BadLayout));
		assert_eq!(BlobLayout { size: 5000, side: 4 }.check(), Err(DaError::BadLayout));
		assert_eq!(BlobLayout::new(MAX_BLOB_SIZE).unwrap().extended_bytes(), 4 * 182 * 182 * 1024);
	}

	proptest! {
		#![proptest_config(ProptestConfig::with_cases(24))]

		/// Every row and column of an extended blob is a codeword: any k of its chunks give the
		/// whole line back, the parity rows included (the square is a tensor code), and no
		/// proof of bad encoding succeeds against it. The blob comes back whole.
		#[test]
		fn an_honest_square_is_sound(size in 1usize..40_000, seed: u8, pick: u64) {
			let data = blob(size, seed);
			let square = extend(&data).unwrap();
			prop_assert_eq!(square.blob(), data);
			let (k, width) = (square.layout.k(), square.layout.width());
			let root = square.data_root();
			for line in (0..width).flat_map(|n| [Line::Row(n), Line::Column(n)]) {
				// k distinct positions drawn from `pick`.
				let mut positions: Vec<u32> = (0..width).collect();
				let mut state = pick ^ u64::from(match line { Line::Row(n) | Line::Column(n) => n });
				for i in (1..positions.len()).rev() {
					state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
					positions.swap(i, (state >> 33) as usize % (i + 1));
				}
				positions.truncate(k as usize);
				let given: Vec<(u32, &[u8])> =
					positions.iter().map(|&p| (p, square.line(line)[p as usize])).collect();
				let decoded = decode_line(&square.layout, &given).unwrap();
				let expected: Vec<Vec<u8>> = square.line(line).iter().map(|c| c.to_vec()).collect();
				prop_assert_eq!(decoded, expected);
				let proof = proof_of(&square, line, &positions);
				prop_assert_eq!(
					check_bad_encoding(&square.layout, &root, &square.row_roots, &square.column_roots, &proof),
					Err(DaError::NotFraud)
				);
			}
		}

		/// A disperser commits a square with one chunk changed (every root computed over the
		/// changed square): the row and the column through that chunk are no codewords, and a
		/// proof on either, from any k chunks, shows it.
		#[test]
		fn a_tampered_square_is_caught(size in 1usize..40_000, seed: u8, row: u32, column: u32, byte: usize) {
			let mut square = extend(&blob(size, seed)).unwrap();
			let width = square.layout.width();
			let (row, column) = (row % width, column % width);
			let at = (row as usize * width as usize + column as usize) * CHUNK_SIZE + byte % CHUNK_SIZE;
			square.cells[at] ^= 0x5a;
			square.recommit();
			let root = square.data_root();
			let k = square.layout.k();
			for line in [Line::Row(row), Line::Column(column)] {
				let tampered = match line { Line::Row(_) => column, Line::Column(_) => row };
				// With the tampered chunk among the k, and without it.
				let with: Vec<u32> = core::iter::once(tampered).chain((0..width).filter(|p| *p != tampered)).take(k as usize).collect();
				let without: Vec<u32> = (0..width).filter(|p| *p != tampered).take(k as usize).collect();
				for positions in [with, without] {
					let proof = proof_of(&square, line, &positions);
					prop_assert_eq!(
						check_bad_encoding(&square.layout, &root, &square.row_roots, &square.column_roots, &proof),
						Ok(())
					);
				}
			}
		}
	}

	/// Every chunk's proof checks against the commitment alone; a proof with anything changed,
	/// or against another commitment or layout, does not.
	#[test]
	fn cell_proofs_check_against_the_commitment() {
		let square = extend(&blob(9_000, 3)).unwrap();
		let (layout, root) = (square.layout, square.data_root());
		for n in 0..layout.width() {
			for line in [Line::Row(n), Line::Column(n)] {
				for pos in 0..layout.width() {
					let proof = square.cell_proof(line, pos);
					assert_eq!(verify_cell_proof(&layout, &root, &proof), Ok(()));
				}
			}
		}
		let good = square.cell_proof(Line::Column(2), 5);
		let refused = |proof: &CellProof| verify_cell_proof(&layout, &root, proof);
		let mut bad = good.clone();
		bad.chunk[7] ^= 1;
		assert_eq!(refused(&bad), Err(DaError::BadPath));
		let mut bad = good.clone();
		bad.pos = 4;
		assert_eq!(refused(&bad), Err(DaError::BadPath));
		let mut bad = good.clone();
		bad.line = Line::Row(2);
		assert_eq!(refused(&bad), Err(DaError::BadRoots));
		let mut bad = good.clone();
		bad.line_root = H256::repeat_byte(9);
		assert_eq!(refused(&bad), Err(DaError::BadRoots));
		let mut bad = good.clone();
		bad.axis_path.pop();
		assert_eq!(refused(&bad), Err(DaError::BadRoots));
		let mut bad = good.clone();
		bad.line = Line::Column(layout.width());
		assert_eq!(refused(&bad), Err(DaError::BadChunks));
		assert_eq!(
			verify_cell_proof(&layout, &H256::repeat_byte(1), &good),
			Err(DaError::BadRoots)
		);
		let other = BlobLayout::new(8_000).unwrap();
		assert_eq!(verify_cell_proof(&other, &root, &good), Err(DaError::BadRoots));
	}

	/// For every committee of up to 64 seats and every square, the seats share the lines
	/// evenly and the [`quorum`] of seats that holds the fewest distinct lines still holds `k`
	/// of them: the rows its members hold rebuild the blob.
	#[test]
	fn any_quorum_holds_enough_lines_to_rebuild() {
		for seats in 1..=64u32 {
			assert!(quorum(seats) * 3 >= seats * 2 && (quorum(seats) - 1) * 3 < seats * 2);
			for side in 1..=MAX_SIDE as u32 {
				let width = 2 * side;
				let rotation = rotation(&H256::repeat_byte(side as u8), seats, width);
				// Seats of each line; every line has one, and the seats hold even shares.
				let holders: Vec<u32> = (0..width)
					.map(|l| {
						(0..seats).filter(|&s| holds(s, seats, width, rotation, l)).count() as u32
					})
					.collect();
				let per_seat: Vec<u32> = (0..seats)
					.map(|s| seat_lines(s, seats, width, rotation).count() as u32)
					.collect();
				assert!(holders.iter().all(|&h| h >= 1));
				let (lo, hi) = (per_seat.iter().min().unwrap(), per_seat.iter().max().unwrap());
				assert!(hi - lo <= 1, "seats {seats} width {width}: {per_seat:?}");
				// The seats outside a quorum lose the lines all of whose seats they are. With
				// at least as many lines as seats every line has one seat: the worst is the
				// seats holding the most lines. With fewer, every seat holds one line: the
				// worst is the lines with the fewest seats.
				let mut budget = seats - quorum(seats);
				let removed = if seats <= width {
					let mut most = per_seat.clone();
					most.sort_unstable_by(|a, b| b.cmp(a));
					most.iter().take(budget as usize).sum::<u32>()
				} else {
					let mut costs = holders.clone();
					costs.sort_unstable();
					let mut removed = 0;
					for cost in costs {
						if cost > budget {
							break;
						}
						budget -= cost;
						removed += 1;
					}
					removed
				};
				assert!(width - removed >= side, "seats {seats} width {width}");
			}
		}
	}

	/// A line that is no codeword under its own root is caught from any `k` of its chunks and
	/// one more; a codeword line never is, and malformed proofs are refused.
	#[test]
	fn a_line_that_is_no_codeword_is_caught() {
		let mut square = extend(&blob(20_000, 9)).unwrap();
		let (k, width) = (square.layout.k(), square.layout.width());
		let line_proof = |square: &Extended, line: Line, positions: &[u32]| BadLineProof {
			line,
			line_root: square.cell_proof(line, 0).line_root,
			axis_path: square.axis_path(line),
			chunks: positions
				.iter()
				.map(|&p| {
					let c = square.cell_proof(line, p);
					(p, c.chunk, c.path)
				})
				.collect(),
		};
		let positions: Vec<u32> = (0..=k).collect();
		let root = square.data_root();
		let sound = line_proof(&square, Line::Row(2), &positions);
		assert_eq!(check_bad_line(&square.layout, &root, &sound), Err(DaError::NotFraud));
		// Chunk (2, 3) changed and every root recomputed: row 2 is no codeword.
		let at = (2 * width as usize + 3) * CHUNK_SIZE;
		square.cells[at] ^= 0x11;
		square.recommit();
		let root = square.data_root();
		for positions in [(0..=k).collect::<Vec<u32>>(), (width - k - 1..width).rev().collect()] {
			let proof = line_proof(&square, Line::Row(2), &positions);
			if positions.contains(&3) {
				assert_eq!(check_bad_line(&square.layout, &root, &proof), Ok(()));
			}
		}
		let proof = line_proof(&square, Line::Row(2), &positions);
		let mut bad = proof.clone();
		bad.chunks.pop();
		assert_eq!(check_bad_line(&square.layout, &root, &bad), Err(DaError::BadChunks));
		let mut bad = proof.clone();
		bad.chunks[k as usize] = bad.chunks[0].clone();
		assert_eq!(check_bad_line(&square.layout, &root, &bad), Err(DaError::BadChunks));
		let mut bad = proof.clone();
		bad.chunks[1].1[0] ^= 1;
		assert_eq!(check_bad_line(&square.layout, &root, &bad), Err(DaError::BadPath));
		let mut bad = proof;
		bad.line_root = H256::zero();
		assert_eq!(check_bad_line(&square.layout, &root, &bad), Err(DaError::BadRoots));
	}

	/// Malformed proofs are refused as such, never taken for fraud.
	#[test]
	fn malformed_proofs_are_refused() {
		let square = extend(&blob(20_000, 7)).unwrap();
		let (layout, root) = (square.layout, square.data_root());
		let (rows, columns) = (&square.row_roots, &square.column_roots);
		let k = layout.k();
		let good = proof_of(&square, Line::Row(1), &(0..k).collect::<Vec<_>>());
		assert_eq!(
			check_bad_encoding(&layout, &root, rows, columns, &good),
			Err(DaError::NotFraud)
		);
		// Another root, roots that do not make it, a layout that is not the blob's.
		assert_eq!(
			check_bad_encoding(&layout, &H256::repeat_byte(1), rows, columns, &good),
			Err(DaError::BadRoots)
		);
		assert_eq!(
			check_bad_encoding(&layout, &root, &rows[1..], columns, &good),
			Err(DaError::BadRoots)
		);
		let wrong = BlobLayout { side: layout.side + 1, ..layout };
		assert_eq!(
			check_bad_encoding(&wrong, &root, rows, columns, &good),
			Err(DaError::BadLayout)
		);
		// A chunk changed, a path changed, one chunk too few, a position repeated or outside.
		let mut bad = good.clone();
		bad.chunks[0].1[0] ^= 1;
		assert_eq!(check_bad_encoding(&layout, &root, rows, columns, &bad), Err(DaError::BadPath));
		let mut bad = good.clone();
		bad.chunks[0].2[0] = H256::zero();
		assert_eq!(check_bad_encoding(&layout, &root, rows, columns, &bad), Err(DaError::BadPath));
		let mut bad = good.clone();
		bad.chunks.pop();
		assert_eq!(
			check_bad_encoding(&layout, &root, rows, columns, &bad),
			Err(DaError::BadChunks)
		);
		let mut bad = good.clone();
		bad.chunks[1] = bad.chunks[0].clone();
		assert_eq!(
			check_bad_encoding(&layout, &root, rows, columns, &bad),
			Err(DaError::BadChunks)
		);
		let mut bad = good.clone();
		bad.chunks[0].0 = layout.width();
		assert_eq!(
			check_bad_encoding(&layout, &root, rows, columns, &bad),
			Err(DaError::BadChunks)
		);
		let mut bad = good;
		bad.line = Line::Row(layout.width());
		assert_eq!(
			check_bad_encoding(&layout, &root, rows, columns, &bad),
			Err(DaError::BadChunks)
		);
	}
}
