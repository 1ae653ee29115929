//! A file given back from the shards at hand, on disk: missing shards rebuilt stripe by stripe
//! from any `k` others and checked against their committed roots before anything is served
//! (finding 7: different `k`-subsets of an inconsistent upload decode to different bytes, so
//! only bytes whose data-shard roots are the committed ones are given out), and read by range.
//! Memory: `(k + m) ×` [`STRIPE_BYTES`], whatever the file's size.

use crate::{
	ingest::STRIPE_BYTES,
	shard::{ShardFiles, ShardWriter},
	Error,
};
use rayon::prelude::*;
use std::{fs::File, os::unix::fs::FileExt, path::Path};
use zg_primitives::{
	erasure::{self, next_combination, MAX_DECODINGS},
	storage::{FileLayout, CHUNK_SIZE},
	Hash,
};

/// The chunks of one column and their Merkle paths: `(shard, chunk, path)`, as the node takes
/// them from the worker (`zg_primitives::worker_api`).
pub use zg_primitives::worker_api::ColumnProof;

/// Rebuilds shards `wanted` of a file of `layout` with committed `roots` from the shards at
/// hand (`shards[i]`: shard `i`, already checked against its root, or `None`), into the
/// directory of temporaries `tmp`. Each rebuilt shard must have its committed root; if a
/// subset of `k` shards gives another, the next subset is tried (at most [`MAX_DECODINGS`]),
/// since the shards at hand may not all belong to one codeword.
pub fn rebuild(
	layout: &FileLayout,
	roots: &[Hash],
	shards: &[Option<ShardFiles>],
	wanted: &[u32],
	tmp: &Path,
) -> Result<Vec<ShardFiles>, Error> {
	let (k, n) = (layout.data_shards as usize, layout.total_shards() as usize);
	if shards.len() != n || roots.len() != n || wanted.iter().any(|w| *w as usize >= n) {
		return Err(Error::Corrupt("shard slots do not match the layout".into()));
	}
	let present: Vec<usize> = (0..n).filter(|i| shards[*i].is_some()).collect();
	if present.len() < k {
		return Err(Error::NotEnoughShards { have: present.len(), need: k });
	}
	let files: Vec<Option<File>> = shards
		.iter()
		.map(|s| s.as_ref().map(ShardFiles::open).transpose())
		.collect::<Result<_, _>>()?;
	let mut chosen: Vec<usize> = (0..k).collect();
	for _ in 0..MAX_DECODINGS {
		let subset: Vec<usize> = chosen.iter().map(|&c| present[c]).collect();
		let rebuilt = rebuild_from(layout, &files, &subset, wanted, tmp)?;
		if rebuilt.iter().zip(wanted).all(|(r, w)| r.root == roots[*w as usize]) {
			return Ok(rebuilt);
		}
		tracing::warn!("shards {subset:?} rebuild to other roots than the committed ones");
		if !next_combination(&mut chosen, present.len()) {
			break;
		}
	}
	Err(erasure::ErasureError::Inconsistent.into())
}

/// Rebuilds shards `wanted` from exactly the `k` shards `subset`, stripe by stripe.
fn rebuild_from(
	layout: &FileLayout,
	files: &[Option<File>],
	subset: &[usize],
	wanted: &[u32],
	tmp: &Path,
) -> Result<Vec<ShardFiles>, Error> {
	let (k, m) = (layout.data_shards, layout.parity_shards);
	let shard_size = layout.shard_size();
	let mut writers: Vec<ShardWriter> =
		wanted.iter().map(|_| ShardWriter::create(tmp, shard_size)).collect::<Result<_, _>>()?;
	let mut offset = 0u64;
	while offset < shard_size {
		let width = (shard_size - offset).min(STRIPE_BYTES as u64) as usize;
		// The code of one stripe is the code of a file whose shards are that wide.
		let stripe = FileLayout::new(width as u64 * k as u64, k, m)?;
		let mut slots: Vec<Option<Vec<u8>>> = vec![None; files.len()];
		subset
			.par_iter()
			.map(|&i| -> Result<(usize, Vec<u8>), Error> {
				let mut buf = vec![0u8; width];
				let file =
					files[i].as_ref().ok_or_else(|| Error::NotFound(format!("shard {i}")))?;
				file.read_exact_at(&mut buf, offset)?;
				Ok((i, buf))
			})
			.collect::<Result<Vec<_>, _>>()?
			.into_iter()
			.for_each(|(i, buf)| slots[i] = Some(buf));
		erasure::recover(&stripe, &mut slots)?;
		writers.par_iter_mut().zip(wanted.par_iter()).try_for_each(|(writer, w)| {
			let bytes = slots[*w as usize].as_deref().unwrap_or_default();
			writer.write(bytes)
		})?;
		offset += width as u64;
	}
	writers.into_iter().map(ShardWriter::finish).collect()
}

/// The `k` data shards of a file, each present and checked: those at hand, the others rebuilt
/// (see [`rebuild`]).
pub fn data_shards(
	layout: &FileLayout,
	roots: &[Hash],
	mut shards: Vec<Option<ShardFiles>>,
	tmp: &Path,
) -> Result<Vec<ShardFiles>, Error> {
	let k = layout.data_shards as usize;
	let missing: Vec<u32> = (0..k as u32).filter(|i| shards[*i as usize].is_none()).collect();
	if !missing.is_empty() {
		let rebuilt = rebuild(layout, roots, &shards, &missing, tmp)?;
		for (i, files) in missing.into_iter().zip(rebuilt) {
			shards[i as usize] = Some(files);
		}
	}
	shards.truncate(k);
	shards.into_iter().map(|s| s.ok_or(Error::NotEnoughShards { have: 0, need: k })).collect()
}

/// Reads bytes `start..end` of a file from its `k` data shards, in pieces of at most
/// [`STRIPE_BYTES`] given to `out` in order.
pub fn read_range(
	layout: &FileLayout,
	data: &[ShardFiles],
	start: u64,
	end: u64,
	mut out: impl FnMut(Vec<u8>) -> Result<(), Error>,
) -> Result<(), Error> {
	let end = end.min(layout.size);
	let shard_size = layout.shard_size();
	let files: Vec<File> = data.iter().map(ShardFiles::open).collect::<Result<_, _>>()?;
	let mut at = start;
	while at < end {
		let (index, offset) = ((at / shard_size) as usize, at % shard_size);
		let n = (end - at).min(shard_size - offset).min(STRIPE_BYTES as u64);
		let file =
			files.get(index).ok_or_else(|| Error::NotFound(format!("data shard {index}")))?;
		let mut buf = vec![0u8; n as usize];
		file.read_exact_at(&mut buf, offset)?;
		out(buf)?;
		at += n;
	}
	Ok(())
}

/// Finds a position where the shards at hand (each already checked against its committed root)
/// are not one codeword, and the proof of it: the chunks of every shard at hand at that position
/// with their Merkle paths (what `Storage.report_inconsistent` takes). Needs at least `k + 1`
/// shards; `None` when they are consistent (or too few). Reads one chunk per shard and position.
pub fn find_inconsistency(
	layout: &FileLayout,
	shards: &[Option<ShardFiles>],
) -> Result<Option<(u32, ColumnProof)>, Error> {
	let present: Vec<usize> = (0..shards.len()).filter(|i| shards[*i].is_some()).collect();
	if present.len() <= layout.data_shards as usize {
		return Ok(None);
	}
	let files: Vec<(usize, &ShardFiles, File)> = present
		.iter()
		.filter_map(|&i| shards[i].as_ref().map(|s| (i, s)))
		.map(|(i, s)| Ok((i, s, s.open()?)))
		.collect::<Result<_, Error>>()?;
	for position in 0..layout.chunks_per_shard() {
		let mut column = Vec::with_capacity(files.len());
		for (i, _, file) in &files {
			let mut chunk = vec![0u8; CHUNK_SIZE];
			file.read_exact_at(&mut chunk, position as u64 * CHUNK_SIZE as u64)?;
			column.push((*i as u32, chunk));
		}
		let refs: Vec<(u32, &[u8])> = column.iter().map(|(i, c)| (*i, c.as_slice())).collect();
		if erasure::column_consistent(layout, &refs) == Ok(false) {
			let mut proof = Vec::with_capacity(files.len());
			for (i, shard, _) in &files {
				let (chunk, path) = shard
					.prove(position)?
					.ok_or_else(|| Error::Corrupt(format!("shard {i} has no chunk {position}")))?;
				proof.push((*i as u32, chunk, path));
			}
			return Ok(Some((position, proof)));
		}
	}
	Ok(None)
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{encoder::CpuBackend, ingest::Ingest, shard::ShardWriter};
	use zg_primitives::storage::{shard_root, verify_chunk};

	fn bytes(len: usize) -> Vec<u8> {
		(0..len).map(|i| ((i * 2_654_435_761) >> 13) as u8).collect()
	}

	fn encoded(dir: &Path, data: &[u8], k: u16, m: u16) -> crate::ingest::Encoded {
		let mut ingest = Ingest::new(dir, data.len() as u64, k, m).unwrap();
		ingest.write(data).unwrap();
		ingest.finish(&CpuBackend).unwrap()
	}

	fn read_all(layout: &FileLayout, data: &[ShardFiles], start: u64, end: u64) -> Vec<u8> {
		let mut out = Vec::new();
		read_range(layout, data, start, end, |piece| {
			out.extend(piece);
			Ok(())
		})
		.unwrap();
		out
	}

	#[test]
	fn lost_data_shards_are_rebuilt_and_ranges_read() {
		let dir = tempfile::tempdir().unwrap();
		// Shards of 1.5 MiB: two stripes, the last data shard padded.
		let data = bytes((6 << 20) - 3000);
		let file = encoded(dir.path(), &data, 4, 2);
		let layout = file.layout;
		let mut shards: Vec<Option<ShardFiles>> = file.shards.into_iter().map(Some).collect();
		shards[1] = None;
		shards[3] = None;
		let data_shards = data_shards(&layout, &file.shard_roots, shards, dir.path()).unwrap();
		assert_eq!(read_all(&layout, &data_shards, 0, u64::MAX), data);
		let (a, b) = (1_500_000u64, 4_000_123u64);
		assert_eq!(read_all(&layout, &data_shards, a, b), &data[a as usize..b as usize]);
	}

	#[test]
	fn finding_7_an_inconsistent_file_is_found_and_proven() {
		let dir = tempfile::tempdir().unwrap();
		let data = bytes(3 << 20);
		let file = encoded(dir.path(), &data, 2, 2);
		let layout = file.layout;
		let mut roots = file.shard_roots.clone();
		let mut shards: Vec<Option<ShardFiles>> = file.shards.into_iter().map(Some).collect();
		assert_eq!(find_inconsistency(&layout, &shards).unwrap(), None, "a codeword");
		// An uploader commits garbage for data shard 1 under its own root, from chunk 5 on.
		let mut bad = std::fs::read(&shards[1].as_ref().unwrap().shard).unwrap();
		for byte in &mut bad[5 * CHUNK_SIZE..] {
			*byte ^= 0x5a;
		}
		roots[1] = shard_root(&bad);
		let mut writer = ShardWriter::create(dir.path(), bad.len() as u64).unwrap();
		writer.write(&bad).unwrap();
		shards[1] = Some(writer.finish().unwrap());

		let (position, proof) = find_inconsistency(&layout, &shards).unwrap().unwrap();
		assert_eq!(position, 5, "the first column that differs");
		assert_eq!(proof.len(), 4);
		for (shard, chunk, path) in &proof {
			assert_eq!(
				verify_chunk(&layout, &roots[*shard as usize], position, chunk, path),
				Ok(())
			);
		}
		// Rebuilding data shard 0 with the bad shard 1 gives bytes that are not the committed
		// ones: with only 1 and 3 at hand it fails; with 2 as well, the subsets (1, 2) and
		// (1, 3) are tried and refused, then (2, 3) gives the committed shard.
		let original_0 = shards[0].take().unwrap();
		let shard_2 = shards[2].take();
		assert!(matches!(
			rebuild(&layout, &roots, &shards, &[0], dir.path()),
			Err(Error::Erasure(erasure::ErasureError::Inconsistent))
		));
		shards[2] = shard_2;
		let rebuilt = rebuild(&layout, &roots, &shards, &[0], dir.path()).unwrap();
		assert_eq!(rebuilt[0].root, original_0.root);
		assert_eq!(
			std::fs::read(&rebuilt[0].shard).unwrap(),
			std::fs::read(&original_0.shard).unwrap()
		);
	}

	#[test]
	fn subsets_are_enumerated_in_order() {
		let mut chosen = vec![0, 1];
		let mut seen = vec![chosen.clone()];
		while next_combination(&mut chosen, 4) {
			seen.push(chosen.clone());
		}
		assert_eq!(
			seen,
			vec![vec![0, 1], vec![0, 2], vec![0, 3], vec![1, 2], vec![1, 3], vec![2, 3]]
		);
	}
}
