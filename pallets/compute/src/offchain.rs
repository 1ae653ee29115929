//! The compute duties of a provider's node, run by the offchain worker after each block.
//!
//! For every provider key (`zgsp`) in the node's keystore, the worker sends at most one
//! transaction per block, votes first (their deadline is the shortest and a missed vote is
//! slashed), new work second:
//!
//! 1. the votes of the disputes that drew it as a verifier ([`VerifierDuties`]), in one
//!    [`Call::submit_votes`]: each job re-run on the local worker in verification mode
//!    (`verify: true`), under the model id of the verifier's own service of that model root;
//! 2. otherwise, the results of that provider's pending jobs ([`ProviderJobs`]), in one
//!    [`Call::submit_results`].
//!
//! A job is sent to the local worker with `POST /compute/run` (SCALE [`RunRequest`]). The
//! worker answers 200 with a SCALE [`RunResult`] (an output or a refusal) once the job has run,
//! 202 while it is still running (the node asks again next block: long jobs never block the
//! offchain worker), and 503 when it cannot run the job now (engine or upstream down, input
//! unreadable, another model loaded): then nothing is submitted, and a verifier abstains.
//!
//! As in the storage pallet, each duty is claimed in offchain storage ([`zg_offchain::Dedup`])
//! once it is in a transaction, and a key with a transaction still pending at its nonce sends
//! nothing.

use super::*;
use sp_runtime::traits::SaturatedConversion;
use zg_offchain::{worker, Dedup};
use zg_primitives::compute::{RunInput, RunRequest, RunResult};

/// The scope of this pallet's duties in offchain storage.
const SCOPE: &[u8] = b"zg-compute";

/// A duty, as claimed in offchain storage.
#[derive(Encode)]
enum Duty {
	Answer { job: JobId },
	Vote { job: JobId },
}

/// How long the offchain worker waits for `/compute/run` to answer (202 or a result).
const RUN_POLL_MS: u64 = 2_000;

impl<T: Config> Pallet<T> {
	/// Runs the duties of every provider key in the keystore.
	pub(crate) fn offchain_duties(n: BlockNumberFor<T>) {
		let now: u32 = n.saturated_into();
		zg_offchain::send_duties::<T, T::AuthorityId, _, _>(SCOPE, now, |who| {
			Self::votes_due(who, now).or_else(|| Self::results_due(who, now))
		});
	}

	/// Whether a transaction sent now (included in the next block at the earliest) can still
	/// meet `due` (the deadline task runs at the start of that block).
	fn in_time(due: BlockNumberFor<T>) -> bool {
		due > frame_system::Pallet::<T>::block_number().saturating_add(1u32.into())
	}

	/// Votes of `who` whose re-runs are done.
	fn votes_due(who: &T::AccountId, now: u32) -> Option<(Vec<Duty>, Call<T>)> {
		let mut duties = Vec::new();
		let mut votes = Vec::new();
		for job in VerifierDuties::<T>::iter_key_prefix(who) {
			if votes.len() as u32 >= T::MaxBatch::get() {
				break;
			}
			let Some(j) = Jobs::<T>::get(job).filter(|j| Self::in_time(j.due)) else { continue };
			let duty = Duty::Vote { job };
			if !Dedup::claim(SCOPE, &duty, now) {
				continue;
			}
			match Self::run(job, &j, Some(who)) {
				Some(result) => {
					votes.push((job, result.outcome));
					duties.push(duty);
				},
				None => Dedup::release(SCOPE, &duty),
			}
		}
		let votes = BoundedVec::truncate_from(votes);
		(!duties.is_empty()).then(|| (duties, Call::submit_votes { votes }))
	}

	/// Results of the pending jobs of `who` that have run.
	fn results_due(who: &T::AccountId, now: u32) -> Option<(Vec<Duty>, Call<T>)> {
		let mut duties = Vec::new();
		let mut results = Vec::new();
		for job in ProviderJobs::<T>::iter_key_prefix(who) {
			if results.len() as u32 >= T::MaxBatch::get() {
				break;
			}
			let Some(j) = Jobs::<T>::get(job).filter(|j| Self::in_time(j.due)) else { continue };
			let duty = Duty::Answer { job };
			if !Dedup::claim(SCOPE, &duty, now) {
				continue;
			}
			match Self::run(job, &j, None) {
				Some(r) => {
					results.push(JobReport { job, outcome: r.outcome, output_root: r.output_root });
					duties.push(duty);
				},
				None => Dedup::release(SCOPE, &duty),
			}
		}
		let results = BoundedVec::truncate_from(results);
		(!duties.is_empty()).then(|| (duties, Call::submit_results { results }))
	}

	/// Asks the local worker for the result of `job`: as its provider (`verifier` = `None`),
	/// with the job's model id; or as `verifier`, with the model id of the verifier's own
	/// service of the same model root (what its worker serves). `None` while the job runs or
	/// when the worker cannot run it.
	fn run(job: JobId, j: &Job<T>, verifier: Option<&T::AccountId>) -> Option<RunResult> {
		let model = match verifier {
			None => j.model.clone().into_inner(),
			Some(who) => ProviderModels::<T>::get(who, j.model_root)
				.and_then(Services::<T>::get)
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
		match worker::post(zg_primitives::worker_api::COMPUTE_RUN, request.encode(), RUN_POLL_MS) {
			Ok(bytes) => zg_offchain::decode::<RunResult>(&bytes),
			Err(worker::Error::Status(202)) => None,
			Err(e) => {
				log::warn!(target: "runtime::zg-compute", "the local worker cannot run job {job} now: {e:?}");
				None
			},
		}
	}
}
