//! The DA duties of a signer's node, run by the offchain worker after each block.
//!
//! For every provider key (`zgsp`) in the node's keystore that is a DA signer, the worker
//! answers that signer's open availability challenges ([`Challenges`]), up to
//! [`MAX_ANSWERS`] of them, the first due first, in one [`Call::answer_challenges`]: each
//! chunk and its proof against the blob's
//! commitment come from the local worker, which holds the signer's lines
//! (`GET /v1/da/<root>/cells/<row|column>/<index>/<pos>`, SCALE
//! [`zg_primitives::da::CellProof`]). It is the storage pallet's machinery
//! ([`zg_offchain::send_duties`]): a duty is claimed once in offchain storage and tried again
//! only if it is still open a few blocks later, and the pallets sharing a key take turns.

use super::*;
use sp_runtime::traits::SaturatedConversion;
use zg_offchain::{worker, Dedup};
use zg_primitives::{da::CellProof, worker_api};

/// The scope of this pallet's duties in offchain storage.
const SCOPE: &[u8] = b"zg-da";

/// A duty, as claimed in offchain storage.
#[derive(Encode)]
enum Duty {
	Answer { challenge: ChallengeId },
}

/// The answer to `challenge` from the local worker, if it holds the chunk and its proof has
/// the bounds of a call.
fn fetch_answer<A, B>(challenge: &Challenge<A, B>) -> Option<CellAnswer> {
	let route = worker_api::da_cell_route(&challenge.root, challenge.line, challenge.pos);
	let proof = worker::get(&route).ok().and_then(|b| zg_offchain::decode::<CellProof>(&b));
	let answer = proof.and_then(|p| CellAnswer::try_from(p).ok());
	if answer.is_none() {
		log::warn!(target: "runtime::zg-da", "the local worker has no proof for {route}");
	}
	answer
}

impl<T: Config> Pallet<T> {
	/// Runs the duties of every provider key in the keystore.
	pub(crate) fn offchain_duties(n: BlockNumberFor<T>) {
		let now: u32 = n.saturated_into();
		zg_offchain::send_duties::<T, T::AuthorityId, _, _>(SCOPE, now, |who| {
			Self::answer_due(who, now)
		});
	}

	/// The answers to the open challenges of `who` not claimed yet that can still land in
	/// time (a transaction sent now is in the next block at the earliest, and the deadline task
	/// runs at the start of the block of the deadline), the first due first, at most
	/// [`MAX_ANSWERS`] in one call.
	fn answer_due(who: &T::AccountId, now: u32) -> Option<(Vec<Duty>, Call<T>)> {
		if !Duties::<T>::contains_key(who) {
			return None;
		}
		let block = frame_system::Pallet::<T>::block_number();
		let mut open: Vec<(ChallengeId, Challenge<T::AccountId, BlockNumberFor<T>>)> =
			Challenges::<T>::iter()
				.filter(|(_, c)| c.signer == *who && c.due > block.saturating_add(One::one()))
				.collect();
		open.sort_by_key(|(id, c)| (c.due, *id));
		let mut duties = Vec::new();
		let mut answers = Vec::new();
		for (id, challenge) in open {
			if answers.len() as u32 >= MAX_ANSWERS {
				break;
			}
			let duty = Duty::Answer { challenge: id };
			if !Dedup::claim(SCOPE, &duty, now) {
				continue;
			}
			match fetch_answer(&challenge) {
				Some(answer) => {
					answers.push((id, answer));
					duties.push(duty);
				},
				None => Dedup::release(SCOPE, &duty),
			}
		}
		let answers = BoundedVec::truncate_from(answers);
		(!duties.is_empty()).then(|| (duties, Call::answer_challenges { answers }))
	}
}
