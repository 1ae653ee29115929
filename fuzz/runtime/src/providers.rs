//! The storage providers' side of an input: real files behind the structured calls'
//! submissions, and providers among the endowed accounts that confirm the shards assigned to
//! them and answer their challenges with real chunk proofs, as a node's offchain worker does
//! (`pallets/storage/src/offchain.rs`), so that confirmations, payments on proofs and
//! finalized files are reached. Every third account is lazy: it never confirms nor answers,
//! so handovers, missed challenges and slashes are reached too.

use pallet_zg_storage::{
	Answer, ChallengeId, Challenges, ChunkProof, Confirmation, Files, ProviderChallenges,
	ShardState,
};
use sp_core::H256;
use zg_primitives::storage::{FileLayout, MerkleTree, CHUNK_SIZE};
use zg_runtime::{AccountId, Runtime, RuntimeCall, System};

/// Files the structured calls submit, so that a renewal or a second submission can name a
/// file submitted earlier in the input.
pub const FILES: u8 = 6;

/// A file the providers hold: its layout, root, shards and their trees.
pub struct HeldFile {
	pub root: H256,
	pub layout: FileLayout,
	pub shard_roots: Vec<H256>,
	shards: Vec<Vec<u8>>,
	trees: Vec<MerkleTree>,
}

impl HeldFile {
	/// File `f`: `(1 + f) × 64 KiB` of bytes drawn from `f`, `k = 2 + f mod 2` data shards and
	/// one parity shard (the runtime's minimums: few providers can hold all of a file's
	/// shards), erasure coded as uploaders do.
	fn new(f: u8) -> Self {
		let (k, m) = (2 + u16::from(f % 2), 1);
		let size = u64::from(1 + f) << 16;
		let data: Vec<u8> = (0..size)
			.map(|i| (i as u8).wrapping_mul(31).wrapping_add(f.wrapping_mul(97)))
			.collect();
		let layout = FileLayout::new(size, k, m).expect("a valid layout");
		let shards = zg_primitives::erasure::encode(&layout, &data).expect("the file encodes");
		let trees: Vec<MerkleTree> = shards.iter().map(|s| MerkleTree::from_shard(s)).collect();
		let shard_roots: Vec<H256> = trees.iter().map(MerkleTree::root).collect();
		let root = zg_primitives::storage::file_root(&layout, &shard_roots);
		HeldFile { root, layout, shard_roots, shards, trees }
	}

	/// The call that submits this file for `lifetime` blocks, whatever its fee.
	pub fn submit(&self, lifetime: u32) -> RuntimeCall {
		RuntimeCall::Storage(pallet_zg_storage::Call::submit {
			root: self.root,
			size: self.layout.size,
			data_shards: self.layout.data_shards,
			parity_shards: self.layout.parity_shards,
			shard_roots: self.shard_roots.clone(),
			lifetime,
			max_fee: u128::MAX,
		})
	}

	/// The proof of chunk `chunk` of shard `shard` (its last chunk zero-padded).
	fn proof(&self, shard: u32, chunk: u32) -> Option<ChunkProof> {
		let bytes = self.shards.get(shard as usize)?;
		let path = self.trees.get(shard as usize)?.proof(chunk)?;
		let start = (chunk as usize).checked_mul(CHUNK_SIZE)?;
		let mut chunk = bytes.get(start..)?.iter().take(CHUNK_SIZE).copied().collect::<Vec<_>>();
		chunk.resize(CHUNK_SIZE, 0);
		Some(ChunkProof { chunk: chunk.try_into().ok()?, path: path.try_into().ok()? })
	}
}

/// The [`FILES`] files, built once per process.
pub fn files() -> &'static [HeldFile] {
	static FILES_HELD: std::sync::OnceLock<Vec<HeldFile>> = std::sync::OnceLock::new();
	FILES_HELD.get_or_init(|| (0..FILES).map(HeldFile::new).collect())
}

fn held(root: &H256) -> Option<&'static HeldFile> {
	files().iter().find(|f| &f.root == root)
}

/// Whether the account at `index` of the endowed accounts does its duties.
pub(crate) fn honest(index: usize) -> bool {
	index % 3 != 2
}

/// The transactions the honest providers among `accounts` send in the current block, one
/// each at most, the most urgent first as the offchain worker does: the answers to their open
/// challenges, otherwise the confirmations of their assigned shards whose chunk can be drawn.
pub(crate) fn duties(accounts: &[AccountId]) -> Vec<(AccountId, RuntimeCall)> {
	use pallet_zg_storage::Call as Storage;
	let now = System::block_number();
	let mut calls = Vec::new();
	for (index, who) in accounts.iter().enumerate() {
		if !honest(index) || !pallet_zg_storage::Providers::<Runtime>::contains_key(who) {
			continue;
		}
		let answers: Vec<Answer> = ProviderChallenges::<Runtime>::iter_key_prefix(who)
			.filter_map(|id: ChallengeId| {
				let c = Challenges::<Runtime>::get(id)?;
				(now < c.due).then_some(())?;
				Some(Answer { challenge: id, proof: held(&c.root)?.proof(c.shard, c.chunk)? })
			})
			.take(max_batch())
			.collect();
		if !answers.is_empty() {
			let answers = answers.try_into().expect("at most MaxBatch");
			calls.push((who.clone(), RuntimeCall::Storage(Storage::answer_challenges { answers })));
			continue;
		}
		let confirmations: Vec<Confirmation> = files()
			.iter()
			.filter_map(|f| Some((f, Files::<Runtime>::get(f.root)?)))
			.flat_map(|(f, info)| {
				let chunks = info.layout.chunks_per_shard();
				info.shards
					.iter()
					.enumerate()
					.filter_map(|(shard, s)| {
						let ShardState::Assigned { at, confirm_by } = s.state else { return None };
						// The deadline task runs at the start of block `confirm_by`.
						(s.provider.as_ref() == Some(who) && now < confirm_by).then_some(())?;
						let shard = shard as u32;
						let chunk = pallet_zg_storage::Pallet::<Runtime>::confirm_chunk(
							f.root, shard, at, chunks,
						)?;
						Some(Confirmation { root: f.root, shard, proof: f.proof(shard, chunk)? })
					})
					.collect::<Vec<_>>()
			})
			.take(max_batch())
			.collect();
		if !confirmations.is_empty() {
			let confirmations = confirmations.try_into().expect("at most MaxBatch");
			calls.push((
				who.clone(),
				RuntimeCall::Storage(Storage::confirm_shards { confirmations }),
			));
		}
	}
	calls
}

fn max_batch() -> usize {
	use frame_support::traits::Get;
	<<Runtime as pallet_zg_storage::Config>::MaxBatch as Get<u32>>::get() as usize
}
