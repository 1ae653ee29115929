//! The compute duties of a provider's node, run by the offchain worker after each block.
//!
//! For every provider key (`zgsp`) in the node's keystore, the worker:
//!
//! 1. answers the pending jobs of that provider ([`ProviderJobs`]): it sends each to the local
//!    worker (`POST /compute/run`, SCALE [`RunRequest`] in, [`RunResult`] out) and submits
//!    [`Call::submit_result`];
//! 2. votes in the disputes that drew it as a verifier ([`VerifierDuties`]): it re-runs the job
//!    on the local worker in verification mode (`verify: true`, deterministic) and submits
//!    [`Call::vote`] with the output hash it got.
//!
//! As in the storage pallet, each duty is claimed in offchain storage ([`zg_offchain::Dedup`])
//! and a key with a transaction still pending at its nonce sends nothing.

use super::*;
use sp_runtime::traits::SaturatedConversion;
use zg_offchain::{worker, Dedup};
use zg_primitives::compute::{RunInput, RunRequest, RunResult};

/// A duty, as claimed in offchain storage.
#[derive(Encode)]
enum Duty {
	Answer { job: JobId },
	Vote { job: JobId },
}

impl<T: Config> Pallet<T> {
	/// Runs the duties of every provider key in the keystore.
	pub(crate) fn offchain_duties(n: BlockNumberFor<T>) {
		let now: u32 = n.saturated_into();
		zg_offchain::send_duties::<T, T::AuthorityId, _, _>(now, |who| Self::next_duty(who, now));
	}

	/// The first unclaimed duty of `who` that the local worker could run, with its call.
	fn next_duty(who: &T::AccountId, now: u32) -> Option<(Duty, Call<T>)> {
		for job in ProviderJobs::<T>::iter_key_prefix(who) {
			let duty = Duty::Answer { job };
			if !Dedup::claim(&duty, now) {
				continue;
			}
			match Jobs::<T>::get(job).and_then(|j| Self::run(job, &j, None)) {
				Some(r) => {
					let call = Call::submit_result {
						job,
						output_hash: r.output_hash,
						output_root: r.output_root,
						input_tokens: r.input_tokens,
						output_tokens: r.output_tokens,
					};
					return Some((duty, call));
				},
				None => Dedup::release(&duty),
			}
		}
		for job in VerifierDuties::<T>::iter_key_prefix(who) {
			let duty = Duty::Vote { job };
			if !Dedup::claim(&duty, now) {
				continue;
			}
			match Jobs::<T>::get(job).and_then(|j| Self::run(job, &j, Some(who))) {
				Some(r) => {
					let call = Call::vote {
						job,
						output_hash: r.output_hash,
						input_tokens: r.input_tokens,
						output_tokens: r.output_tokens,
					};
					return Some((duty, call));
				},
				None => Dedup::release(&duty),
			}
		}
		None
	}

	/// Runs `job` on the local worker: as its provider (`verifier` = `None`), with the job's
	/// model id; or as `verifier`, with the model id of the verifier's own service of the same
	/// model root (what its worker serves; the provider's id could name nothing there).
	fn run(job: JobId, j: &Job<T>, verifier: Option<&T::AccountId>) -> Option<RunResult> {
		let model = match verifier {
			None => j.model.clone().into_inner(),
			Some(who) => ModelServices::<T>::get(j.model_root)
				.into_iter()
				.filter_map(Services::<T>::get)
				.find(|s| &s.provider == who)
				.map_or_else(|| j.model.clone().into_inner(), |s| s.model.into_inner()),
		};
		let input = match &j.input {
			JobInput::Inline(bytes) => RunInput::Inline(bytes.clone().into_inner()),
			JobInput::Stored(root) => RunInput::Stored(*root),
		};
		let request = RunRequest {
			job,
			kind: j.kind,
			model,
			model_root: j.model_root,
			input,
			max_tokens: j.max_tokens,
			verify: verifier.is_some(),
		};
		match worker::post("/compute/run", request.encode(), worker::RUN_TIMEOUT_MS) {
			Ok(bytes) => zg_offchain::decode::<RunResult>(&bytes),
			Err(e) => {
				log::warn!(target: "runtime::zg-compute", "the local worker could not run job {job}: {e:?}");
				None
			},
		}
	}
}
