//! The storage duties of a provider's node, run by the offchain worker after each block.
//!
//! For every provider key (`zgsp`) in the node's keystore, the worker sends at most one
//! transaction per block, the most urgent first:
//!
//! 1. the answers to that provider's open challenges ([`ProviderChallenges`]), in one
//!    [`Call::answer_challenges`] of up to [`Config::MaxBatch`]: each chunk and its Merkle path
//!    come from the local worker (`GET /v1/proofs/<root>/<shard>/<chunk>`, SCALE
//!    `(Vec<u8>, Vec<H256>)`);
//! 2. otherwise, a proof that a file is inconsistent, when the local worker found one while
//!    rebuilding a shard handed to its provider (`GET /v1/fraud`), as
//!    [`Call::report_inconsistent`];
//! 3. otherwise, the confirmations of the shards the local worker holds (`GET /v1/held`, SCALE
//!    `Vec<(H256, u32)>`) that are assigned to that provider and whose confirmation chunk can be
//!    drawn ([`Pallet::confirm_chunk`]), in one [`Call::confirm_shards`].
//!
//! A key whose last transaction (at the current on-chain nonce) has not landed yet sends
//! nothing, so no answer is ever replaced in the pool by a later duty with the same nonce.
//! Every duty is claimed in offchain storage first ([`zg_offchain::Dedup`]), so that it is
//! submitted once and retried only if it is still pending a few blocks later.

use super::*;
use alloc::format;
use sp_runtime::traits::SaturatedConversion;
use zg_offchain::{worker, Dedup};
use zg_primitives::worker_api::{self, Inconsistency};

/// The scope of this pallet's duties in offchain storage.
const SCOPE: &[u8] = b"zg-storage";

/// A duty, as claimed in offchain storage.
#[derive(Encode)]
enum Duty {
	Answer { challenge: ChallengeId },
	Confirm { root: H256, shard: u32, at: u32 },
	Report { root: H256 },
}

fn hex(root: &H256) -> alloc::string::String {
	let mut out = alloc::string::String::from("0x");
	for byte in root.as_bytes() {
		out.push_str(&format!("{byte:02x}"));
	}
	out
}

/// The proof of `chunk` of shard `shard` of `root`, from the local worker.
fn fetch_proof(root: &H256, shard: u32, chunk: u32) -> Option<ChunkProof> {
	let proof = worker::get(&worker_api::proof_route(root, shard, chunk))
		.ok()
		.and_then(|bytes| zg_offchain::decode::<worker_api::ProofReply>(&bytes))
		.and_then(|(chunk, path)| {
			Some(ChunkProof { chunk: chunk.try_into().ok()?, path: path.try_into().ok()? })
		});
	if proof.is_none() {
		log::warn!(
			target: "runtime::zg-storage",
			"the local worker has no proof of chunk {chunk} of shard {shard} of {}", hex(root)
		);
	}
	proof
}

impl<T: Config> Pallet<T> {
	/// Runs the duties of every provider key in the keystore.
	pub(crate) fn offchain_duties(n: BlockNumberFor<T>) {
		let now: u32 = n.saturated_into();
		let mut held: Option<worker_api::HeldReply> = None;
		let mut fraud: Option<Vec<Inconsistency>> = None;
		zg_offchain::send_duties::<T, T::AuthorityId, _, _>(SCOPE, now, |who| {
			Self::answers_due(who, now)
				.or_else(|| Self::reports_due(now, &mut fraud))
				.or_else(|| Self::confirmations_due(who, now, &mut held))
		});
	}

	/// A report of a file the local worker found inconsistent (it could not rebuild a shard
	/// handed to its provider), if that file is still on chain.
	fn reports_due(
		now: u32,
		fraud: &mut Option<Vec<Inconsistency>>,
	) -> Option<(Vec<Duty>, Call<T>)> {
		let found = fraud.get_or_insert_with(|| {
			worker::get(worker_api::FRAUD)
				.ok()
				.and_then(|bytes| zg_offchain::decode::<worker_api::FraudReply>(&bytes))
				.unwrap_or_default()
		});
		for (root, chunk, chunks) in found.iter() {
			if !Files::<T>::contains_key(root) {
				continue;
			}
			let duty = Duty::Report { root: *root };
			if !Dedup::claim(SCOPE, &duty, now) {
				continue;
			}
			let proofs: Option<Vec<(u32, ChunkProof)>> = chunks
				.iter()
				.map(|(shard, bytes, path)| {
					Some((
						*shard,
						ChunkProof {
							chunk: bytes.clone().try_into().ok()?,
							path: path.clone().try_into().ok()?,
						},
					))
				})
				.collect();
			match proofs.and_then(|p| BoundedVec::try_from(p).ok()) {
				Some(proofs) => {
					let call = Call::report_inconsistent { root: *root, chunk: *chunk, proofs };
					return Some((alloc::vec![duty], call));
				},
				None => Dedup::release(SCOPE, &duty),
			}
		}
		None
	}

	/// Answers to the open challenges of `who` that are not claimed yet and can still land in
	/// time (a transaction sent now is included in the next block at the earliest, and the
	/// deadline task runs at the start of the block of the deadline).
	fn answers_due(who: &T::AccountId, now: u32) -> Option<(Vec<Duty>, Call<T>)> {
		let block = frame_system::Pallet::<T>::block_number();
		let mut duties = Vec::new();
		let mut answers = Vec::new();
		for id in ProviderChallenges::<T>::iter_key_prefix(who) {
			if answers.len() as u32 >= T::MaxBatch::get() {
				break;
			}
			let Some(c) = Challenges::<T>::get(id) else { continue };
			if c.due <= block.saturating_add(1u32.into()) {
				continue;
			}
			let duty = Duty::Answer { challenge: id };
			if !Dedup::claim(SCOPE, &duty, now) {
				continue;
			}
			match fetch_proof(&c.root, c.shard, c.chunk) {
				Some(proof) => {
					answers.push(Answer { challenge: id, proof });
					duties.push(duty);
				},
				None => Dedup::release(SCOPE, &duty),
			}
		}
		let answers = BoundedVec::truncate_from(answers);
		(!duties.is_empty()).then(|| (duties, Call::answer_challenges { answers }))
	}

	/// Confirmations of the shards the local worker holds that are assigned to `who`.
	fn confirmations_due(
		who: &T::AccountId,
		now: u32,
		held: &mut Option<worker_api::HeldReply>,
	) -> Option<(Vec<Duty>, Call<T>)> {
		let held = held.get_or_insert_with(|| {
			worker::get(worker_api::HELD)
				.ok()
				.and_then(|bytes| zg_offchain::decode::<worker_api::HeldReply>(&bytes))
				.unwrap_or_default()
		});
		let block = frame_system::Pallet::<T>::block_number();
		let mut duties = Vec::new();
		let mut confirmations = Vec::new();
		for (root, shard) in held.iter() {
			if confirmations.len() as u32 >= T::MaxBatch::get() {
				break;
			}
			let Some(file) = Files::<T>::get(root) else { continue };
			let Some(info) = file.shards.get(*shard as usize) else { continue };
			let ShardState::Assigned { at, confirm_by } = info.state else { continue };
			if info.provider.as_ref() != Some(who)
				|| confirm_by <= block.saturating_add(1u32.into())
			{
				continue;
			}
			let Some(chunk) =
				Self::confirm_chunk(*root, *shard, at, file.layout.chunks_per_shard())
			else {
				continue;
			};
			let duty = Duty::Confirm { root: *root, shard: *shard, at: at.saturated_into() };
			if !Dedup::claim(SCOPE, &duty, now) {
				continue;
			}
			match fetch_proof(root, *shard, chunk) {
				Some(proof) => {
					confirmations.push(Confirmation { root: *root, shard: *shard, proof });
					duties.push(duty);
				},
				None => Dedup::release(SCOPE, &duty),
			}
		}
		let confirmations = BoundedVec::truncate_from(confirmations);
		(!duties.is_empty()).then(|| (duties, Call::confirm_shards { confirmations }))
	}
}
