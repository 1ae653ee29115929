//! The storage duties of a provider's node, run by the offchain worker after each block.
//!
//! For every provider key (`zgsp`) in the node's keystore, the worker:
//!
//! 1. answers the challenges of the current round addressed to that key: it fetches the chunk
//!    and its Merkle path from the local worker (`GET /v1/proofs/<root>/<shard>/<chunk>`, SCALE
//!    `(Vec<u8>, Vec<H256>)`) and submits [`Call::answer_challenge`];
//! 2. confirms the shards the local worker holds that are assigned to that key and not yet
//!    confirmed (`GET /v1/held`, SCALE `Vec<(H256, u32)>`), with [`Call::confirm_shard`].
//!
//! Each key has at most one transaction in flight: a key whose last transaction (at the current
//! on-chain nonce) has not landed yet sends nothing, so no answer is ever replaced in the pool by
//! a later duty with the same nonce. Every duty is claimed in offchain storage first
//! ([`zg_offchain::Dedup`]), so that it is submitted once and retried only if it is still
//! pending a few blocks later.

use super::*;
use alloc::format;
use sp_runtime::traits::SaturatedConversion;
use zg_offchain::{worker, Dedup};

/// A duty, as claimed in offchain storage.
#[derive(Encode)]
enum Duty {
	Answer { round: u32, index: u32 },
	Confirm { root: H256, shard: u32 },
}

fn hex(root: &H256) -> alloc::string::String {
	let mut out = alloc::string::String::from("0x");
	for byte in root.as_bytes() {
		out.push_str(&format!("{byte:02x}"));
	}
	out
}

impl<T: Config> Pallet<T> {
	/// Runs the duties of every provider key in the keystore.
	pub(crate) fn offchain_duties(n: BlockNumberFor<T>) {
		let now: u32 = n.saturated_into();
		let mut held: Option<Vec<(H256, u32)>> = None;
		zg_offchain::send_duties::<T, T::AuthorityId, _, _>(now, |who| {
			Self::next_duty(who, now, &mut held)
		});
	}

	/// The first duty of `who` that is not already claimed, with the call that fulfils it.
	fn next_duty(
		who: &T::AccountId,
		now: u32,
		held: &mut Option<Vec<(H256, u32)>>,
	) -> Option<(Duty, Call<T>)> {
		let round = CurrentRound::<T>::get();
		for (index, c) in round.challenges.iter().enumerate() {
			if &c.provider != who || c.answered {
				continue;
			}
			let duty = Duty::Answer { round: round.number, index: index as u32 };
			if !Dedup::claim(&duty, now) {
				continue;
			}
			let path = format!("/v1/proofs/{}/{}/{}", hex(&c.root), c.shard, c.chunk);
			let answer = worker::get(&path)
				.ok()
				.and_then(|bytes| zg_offchain::decode::<(Vec<u8>, Vec<H256>)>(&bytes))
				.and_then(|(chunk, path)| Some((chunk.try_into().ok()?, path.try_into().ok()?)));
			match answer {
				Some((chunk, path)) => {
					let call = Call::answer_challenge {
						round: round.number,
						index: index as u32,
						chunk,
						path,
					};
					return Some((duty, call));
				},
				None => {
					log::warn!(
						target: "runtime::zg-storage",
						"the local worker has no proof for shard {} of {}", c.shard, hex(&c.root)
					);
					Dedup::release(&duty);
				},
			}
		}
		let held = held.get_or_insert_with(|| {
			worker::get("/v1/held")
				.ok()
				.and_then(|bytes| zg_offchain::decode::<Vec<(H256, u32)>>(&bytes))
				.unwrap_or_default()
		});
		for (root, shard) in held.iter() {
			let Some(file) = Files::<T>::get(root) else { continue };
			let Some(info) = file.shards.get(*shard as usize) else { continue };
			if &info.provider != who || info.confirmed {
				continue;
			}
			let duty = Duty::Confirm { root: *root, shard: *shard };
			if Dedup::claim(&duty, now) {
				return Some((duty, Call::confirm_shard { root: *root, shard: *shard }));
			}
		}
		None
	}
}
