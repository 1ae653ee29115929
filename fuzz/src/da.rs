//! 0G DA: cell proofs against a blob's commitment, proofs of a bad line or a bad encoding, and
//! the decoding of a line from any `k` of its chunks.
//!
//! Every target builds an honest blob from the input first: no proof, however crafted, may
//! convict an honest square (that would slash honest signers).

use crate::Input;
use codec::Decode;
use sp_core::H256;
use zg_primitives::{
	da::{self, BadEncodingProof, BadLineProof, BlobLayout, CellProof, Extended, Line},
	storage::CHUNK_SIZE,
};

/// An honest blob of up to 25 chunks (a square of side 5, width 10) from the input.
fn honest_square(input: &mut Input) -> Extended {
	let size = 1 + input.below(25 * CHUNK_SIZE as u32) as usize;
	let mut blob = input.bytes(size).to_vec();
	blob.resize(size, 0x5a);
	let Ok(extended) = da::extend(&blob) else { panic!("a small blob extends") };
	assert_eq!(extended.blob(), blob);
	extended
}

fn line(input: &mut Input, width: u32) -> Line {
	let index = input.below(width);
	if input.u8() & 1 == 0 {
		Line::Row(index)
	} else {
		Line::Column(index)
	}
}

/// Cell proofs, as a DA signer's worker serves them and the chain checks challenge answers.
pub fn cell_proof(data: &[u8]) {
	let mut input = Input::new(data);
	let square = honest_square(&mut input);
	let layout = square.layout;
	let root = square.data_root();
	let width = layout.width();
	let line = line(&mut input, width);
	let pos = input.below(width);
	let proof = square.cell_proof(line, pos);
	assert_eq!(da::verify_cell_proof(&layout, &root, &proof), Ok(()));
	assert_eq!(da::check_roots(&layout, &root, &square.row_roots, &square.column_roots), Ok(()));

	let mut bad = proof.clone();
	bad.chunk[input.below(CHUNK_SIZE as u32) as usize] ^= 1 | input.u8();
	assert!(da::verify_cell_proof(&layout, &root, &bad).is_err());
	let mut bad = proof.clone();
	bad.line_root.0[input.below(32) as usize] ^= 1 | input.u8();
	assert!(da::verify_cell_proof(&layout, &root, &bad).is_err());
	let mut bad = proof.clone();
	bad.pos = (pos + 1 + input.below(width - 1)) % width;
	if square.cell_proof(line, bad.pos).chunk != proof.chunk {
		assert!(da::verify_cell_proof(&layout, &root, &bad).is_err());
	}

	// Whatever a worker sends back: decoded, it verifies only if it is a cell of the blob.
	if let Ok(any) = CellProof::decode(&mut input.rest()) {
		if da::verify_cell_proof(&layout, &root, &any).is_ok() {
			assert_eq!(square.cell_proof(any.line, any.pos).chunk, any.chunk);
		}
		let arbitrary = BlobLayout { size: any.pos as u64, side: any.chunk.len() as u16 };
		let _ = da::verify_cell_proof(&arbitrary, &any.line_root, &any);
	}
}

/// Proofs of a bad line and of a bad encoding, as a challenger submits them: against an honest
/// square none may succeed, whether built from the square's own chunks or decoded from the
/// input.
pub fn fraud_proofs(data: &[u8]) {
	let mut input = Input::new(data);
	let square = honest_square(&mut input);
	let layout = square.layout;
	let root = square.data_root();
	let (k, width) = (layout.k(), layout.width());
	let line = line(&mut input, width);

	// `k + 1` honest chunks of one line, at positions chosen by the input.
	let mut positions: Vec<u32> = Vec::new();
	while positions.len() < (k + 1) as usize {
		let p = input.below(width);
		let p = (p..p + width).map(|q| q % width).find(|q| !positions.contains(q)).unwrap_or(0);
		positions.push(p);
	}
	let chunks: Vec<(u32, Vec<u8>, Vec<H256>)> = positions
		.iter()
		.map(|p| {
			let (chunk, path) = square.proof(line, *p);
			(*p, chunk, path)
		})
		.collect();
	let line_root = square.cell_proof(line, 0).line_root;
	let bad_line =
		BadLineProof { line, line_root, axis_path: square.axis_path(line), chunks: chunks.clone() };
	assert!(da::check_bad_line(&layout, &root, &bad_line).is_err(), "an honest line is no fraud");

	// The crossing lines' chunks: position `p` of this line is cell `index` of crossing line `p`.
	let crossing = |p: u32| match line {
		Line::Row(i) => square.proof(Line::Column(p), i),
		Line::Column(j) => square.proof(Line::Row(p), j),
	};
	let cross_chunks: Vec<(u32, Vec<u8>, Vec<H256>)> = positions[..k as usize]
		.iter()
		.map(|p| {
			let (chunk, path) = crossing(*p);
			(*p, chunk, path)
		})
		.collect();
	let bad_encoding = BadEncodingProof { line, chunks: cross_chunks };
	assert!(
		da::check_bad_encoding(
			&layout,
			&root,
			&square.row_roots,
			&square.column_roots,
			&bad_encoding
		)
		.is_err(),
		"an honest encoding is no fraud"
	);

	// Crafted proofs, decoded from the rest of the input.
	let rest = input.rest();
	if let Ok(proof) = BadLineProof::decode(&mut &rest[..]) {
		assert!(da::check_bad_line(&layout, &root, &proof).is_err(), "a crafted bad-line proof");
	}
	if let Ok(proof) = BadEncodingProof::decode(&mut &rest[..]) {
		assert!(
			da::check_bad_encoding(&layout, &root, &square.row_roots, &square.column_roots, &proof)
				.is_err(),
			"a crafted bad-encoding proof"
		);
	}
}

/// A line decoded from `k` chunks: the honest ones give the whole line back; any other list
/// (duplicates, wrong sizes, positions past the line) is refused without a panic.
pub fn decode_line(data: &[u8]) {
	let mut input = Input::new(data);
	let square = honest_square(&mut input);
	let layout = square.layout;
	let (k, width) = (layout.k(), layout.width());
	let line = line(&mut input, width);
	let cells = square.line(line);
	let mut positions: Vec<u32> = Vec::new();
	while positions.len() < k as usize {
		let p = input.below(width);
		let p = (p..p + width).map(|q| q % width).find(|q| !positions.contains(q)).unwrap_or(0);
		positions.push(p);
	}
	let given: Vec<(u32, &[u8])> = positions.iter().map(|p| (*p, cells[*p as usize])).collect();
	let Ok(decoded) = da::decode_line(&layout, &given) else { panic!("k honest chunks decode") };
	assert_eq!(decoded.len(), width as usize);
	assert!(decoded.iter().zip(&cells).all(|(d, c)| d == c));

	// Arbitrary lists: positions and chunk lengths from the input.
	if let Ok(list) = <Vec<(u32, Vec<u8>)>>::decode(&mut input.rest()) {
		let given: Vec<(u32, &[u8])> = list.iter().map(|(p, c)| (*p, c.as_slice())).collect();
		if let Ok(decoded) = da::decode_line(&layout, &given) {
			assert_eq!(decoded.len(), width as usize);
		}
	}
}
