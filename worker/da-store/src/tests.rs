//! Deliveries built from real extended squares: an honest one passes and is served with proofs
//! that verify against the commitment; each kind of bad one is refused.

use super::*;
use zg_primitives::da::{extend, holds, rotation, verify_cell_proof, Extended};

fn square(size: usize) -> Extended {
	extend(&(0..size).map(|i| (i * 7 % 251) as u8).collect::<Vec<_>>()).unwrap()
}

/// The line indices seat `seat` of `seats` holds for `square`.
fn indices(square: &Extended, seat: u32, seats: u32) -> Vec<u32> {
	let width = square.layout.width();
	let turn = rotation(&square.data_root(), seats, width);
	(0..width).filter(|l| holds(seat, seats, width, turn, *l)).collect()
}

fn delivery(square: &Extended, indices: &[u32]) -> Delivery {
	Delivery::of_square(square, indices)
}

#[test]
fn an_honest_delivery_is_stored_and_served_with_proofs() {
	let sq = square(30_000);
	let root = sq.data_root();
	let mine = indices(&sq, 2, 4);
	assert!(!mine.is_empty());
	let d = delivery(&sq, &mine);
	assert_eq!(check_delivery(&root, &sq.layout, &mine, &d), Ok(()));
	let dir = tempfile::tempdir().unwrap();
	let store = LineStore::open(dir.path()).unwrap();
	store.put(&d, 100).unwrap();
	assert!(store.holds(&root));
	for &i in &mine {
		for line in [Line::Row(i), Line::Column(i)] {
			for pos in 0..sq.layout.width() {
				let proof = store.cell_proof(&root, line, pos).unwrap();
				assert_eq!(verify_cell_proof(&sq.layout, &root, &proof), Ok(()));
				assert_eq!(proof, sq.cell_proof(line, pos));
			}
		}
	}
	// Lines of other seats are not held.
	let other = (0..sq.layout.width()).find(|i| !mine.contains(i)).unwrap();
	assert!(store.cell_proof(&root, Line::Row(other), 0).is_none());
	store.remove(&root).unwrap();
	assert!(!store.holds(&root));
	store.remove(&root).unwrap();
}

#[test]
fn bad_deliveries_are_refused() {
	let sq = square(30_000);
	let root = sq.data_root();
	let mine = indices(&sq, 1, 4);
	let good = delivery(&sq, &mine);
	let check = |d: &Delivery| check_delivery(&root, &sq.layout, &mine, d);
	// Another blob's roots, missing or extra lines.
	let mut bad = good.clone();
	bad.row_roots.swap(0, 1);
	assert!(matches!(check(&bad), Err(DeliveryError::Roots(_))));
	let mut bad = good.clone();
	bad.lines.pop();
	assert!(matches!(check(&bad), Err(DeliveryError::WrongLines { .. })));
	// A changed chunk, a short line.
	let mut bad = good.clone();
	bad.lines[0].row[3][0] ^= 1;
	assert_eq!(check(&bad), Err(DeliveryError::RootMismatch(Line::Row(mine[0]))));
	let mut bad = good.clone();
	bad.lines[0].column.pop();
	assert_eq!(check(&bad), Err(DeliveryError::Malformed(Line::Column(mine[0]))));
	// A row that is no codeword, committed under its own root: refused before signing.
	let mut tampered = square(30_000);
	let (i, width) = (mine[0], sq.layout.width() as usize);
	let at = (i as usize * width + (i as usize + 1) % width) * CHUNK_SIZE;
	tampered.cells[at] ^= 0x33;
	tampered.recommit();
	let d = delivery(&tampered, &mine);
	assert_eq!(
		check_delivery(&tampered.data_root(), &tampered.layout, &mine, &d),
		Err(DeliveryError::NotCodeword(Line::Row(i)))
	);
}

#[test]
fn any_k_checked_rows_rebuild_the_blob() {
	let data: Vec<u8> = (0..50_000).map(|i| (i * 13 % 241) as u8).collect();
	let sq = extend(&data).unwrap();
	let (k, width) = (sq.layout.k(), sq.layout.width());
	let row = |i: u32| (i, sq.line(Line::Row(i)).into_iter().map(<[u8]>::to_vec).collect());
	// Parity rows only, a mix, the original rows.
	for pick in [(k..width).collect::<Vec<_>>(), (0..width).step_by(2).collect(), (0..k).collect()]
	{
		let rows: Vec<(u32, Chunks)> = pick.into_iter().map(row).collect();
		for (i, chunks) in &rows {
			assert_eq!(check_row(&sq.layout, &sq.row_roots, *i, chunks), Ok(()));
		}
		assert_eq!(rebuild(&sq.layout, &rows).unwrap(), data);
	}
	// A tampered row fails its root; too few rows cannot rebuild.
	let (i, mut chunks) = row(1);
	chunks[0][0] ^= 1;
	assert_eq!(
		check_row(&sq.layout, &sq.row_roots, i, &chunks),
		Err(DeliveryError::RootMismatch(Line::Row(1)))
	);
	let few: Vec<(u32, Chunks)> = (0..k - 1).map(row).collect();
	assert!(rebuild(&sq.layout, &few).is_err());
	// The encoded size bound holds for a real delivery.
	let d = delivery(&sq, &[0, 3, 5]);
	assert!(d.encode().len() <= Delivery::max_encoded_len(&sq.layout, 3));
}

/// A row rebuilt from any `k` of its chunks, some taken along its columns, is the row; the
/// blob comes back from rows rebuilt so and rows served whole; a tampered chunk, too few
/// chunks, or a position out of the square are refused.
#[test]
fn rows_rebuilt_from_single_chunks_give_the_blob_back() {
	let sq = square(200_000);
	let (k, width) = (sq.layout.k(), sq.layout.width());
	let roots = &sq.row_roots;
	// Row i from the chunks at the odd positions, then the last ones (parity only).
	let mut rows = Vec::new();
	for i in 0..k {
		let positions: Vec<u32> = if i % 2 == 0 {
			(0..width).filter(|p| p % 2 == 1).take(k as usize).collect()
		} else {
			(width - k..width).collect()
		};
		let cells: Vec<(u32, Vec<u8>)> =
			positions.iter().map(|&p| (p, sq.cell(i, p).to_vec())).collect();
		let row = row_from_cells(&sq.layout, roots, i, &cells).unwrap();
		assert_eq!(row, sq.line(Line::Row(i)).iter().map(|c| c.to_vec()).collect::<Chunks>());
		rows.push((i, row));
	}
	// Half rebuilt from chunks, half of the parity rows served whole.
	let mut mixed: Vec<(u32, Chunks)> = rows.drain(..(k / 2) as usize).collect();
	for i in (width - k + k / 2)..width {
		mixed.push((i, sq.line(Line::Row(i)).iter().map(|c| c.to_vec()).collect()));
	}
	assert_eq!(rebuild(&sq.layout, &mixed).unwrap(), sq.blob());

	let cells: Vec<(u32, Vec<u8>)> = (0..k).map(|p| (p, sq.cell(3, p).to_vec())).collect();
	let mut tampered = cells.clone();
	tampered[5].1[0] ^= 1;
	assert_eq!(
		row_from_cells(&sq.layout, roots, 3, &tampered),
		Err(DeliveryError::RootMismatch(Line::Row(3)))
	);
	assert_eq!(
		row_from_cells(&sq.layout, roots, 3, &cells[1..]),
		Err(DeliveryError::Malformed(Line::Row(3)))
	);
	let mut outside = cells.clone();
	outside[0].0 = width;
	assert_eq!(
		row_from_cells(&sq.layout, roots, 3, &outside),
		Err(DeliveryError::Malformed(Line::Row(3)))
	);
	assert_eq!(
		row_from_cells(&sq.layout, roots, width, &cells),
		Err(DeliveryError::Malformed(Line::Row(width)))
	);
}

/// Peeling gives the blob back from chunks no `k` rows hold whole: one whole row and, in each
/// other row, fewer than `k` chunks placed so that the columns decode first. With one chunk
/// fewer in every column it stays stuck, and nothing is made up.
#[test]
fn peeling_rebuilds_what_rows_alone_cannot() {
	let sq = square(20_000);
	let (k, width) = (sq.layout.k(), sq.layout.width());
	assert!(k >= 3);
	let build = |per_column: u32| {
		let mut partial = Partial::new(sq.layout);
		for j in 0..width {
			partial.set(0, j, sq.cell(0, j).to_vec());
		}
		// Each of the first k columns gets `per_column` more chunks, in rows that each get
		// fewer than k.
		for j in 0..k {
			for n in 0..per_column {
				let i = 1 + (j * per_column + n) % (width - 1);
				partial.set(i, j, sq.cell(i, j).to_vec());
			}
		}
		partial
	};
	let mut enough = build(k - 1);
	for i in 1..width {
		let in_row = (0..width).filter(|j| enough.cells[enough.at(i, *j)].is_some()).count();
		assert!(in_row < k as usize, "row {i} holds {in_row} chunks: rows alone would do");
	}
	assert_eq!(enough.blob(), None);
	enough.peel();
	assert_eq!(enough.blob(), Some(sq.blob()));
	assert_eq!(enough.known(), (width * width) as usize);

	let mut short = build(k - 2);
	let before = short.known();
	short.peel();
	assert_eq!(short.known(), before);
	assert_eq!(short.blob(), None);
}
