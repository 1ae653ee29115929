//! The compute providers' side of an input: providers among the endowed accounts that answer
//! the jobs sent to their services and, when drawn as verifiers of a disputed job, vote what
//! re-running it gives, as a node's offchain worker does (`pallets/compute/src/offchain.rs`),
//! so that answered jobs, settlements, disputes and their decisions are reached. A job's true
//! outcome here is a function of the job alone ([`true_outcome`]), the same for every honest
//! party. Every third account (the lazy storage providers of [`crate::providers`]) lies: it
//! answers with a wrong output hash and never votes, so that a challenge of its answers
//! overturns them and its missed votes are slashed.

use codec::Encode;
use frame_support::traits::Get;
use pallet_zg_compute::{Job, JobReport, Jobs, ProviderJobs, VerifierDuties};
use sp_core::H256;
use zg_primitives::compute::JobOutcome;
use zg_runtime::{AccountId, Runtime, RuntimeCall, System};

/// What running `job` gives: an output hash drawn from its id, and a usage within the job's
/// bounds.
pub fn true_outcome(id: u64, job: &Job<Runtime>) -> JobOutcome {
	JobOutcome::Output {
		output_hash: H256(sp_io::hashing::blake2_256(&(b"zg-fuzz output", id).encode())),
		input_tokens: job.input_bound.min(1 + (id % 7) as u32),
		output_tokens: job.max_tokens.min((id % 5) as u32),
	}
}

/// A liar's answer: the true usage with another output hash.
fn false_outcome(id: u64, job: &Job<Runtime>) -> JobOutcome {
	match true_outcome(id, job) {
		JobOutcome::Output { input_tokens, output_tokens, .. } => JobOutcome::Output {
			output_hash: H256(sp_io::hashing::blake2_256(&(b"zg-fuzz lie", id).encode())),
			input_tokens,
			output_tokens,
		},
		refused => refused,
	}
}

/// The transactions the compute providers among `accounts` send in the current block: each
/// answers its pending jobs before their deadline (truly, or falsely if it is a liar), and an
/// honest one votes the true outcome of the disputes it was drawn for.
pub(crate) fn duties(accounts: &[AccountId]) -> Vec<(AccountId, RuntimeCall)> {
	use pallet_zg_compute::Call as Compute;
	let now = System::block_number();
	let max = <<Runtime as pallet_zg_compute::Config>::MaxBatch as Get<u32>>::get() as usize;
	let mut calls = Vec::new();
	for (index, who) in accounts.iter().enumerate() {
		let liar = !crate::providers::honest(index);
		let reports: Vec<JobReport> = ProviderJobs::<Runtime>::iter_key_prefix(who)
			.filter_map(|id| {
				let job = Jobs::<Runtime>::get(id)?;
				// The deadline task runs at the start of block `due`.
				(now < job.due).then_some(())?;
				let outcome = if liar { false_outcome(id, &job) } else { true_outcome(id, &job) };
				Some(JobReport { job: id, outcome, output_root: None })
			})
			.take(max)
			.collect();
		if !reports.is_empty() {
			let results = reports.try_into().expect("at most MaxBatch");
			calls.push((who.clone(), RuntimeCall::Compute(Compute::submit_results { results })));
		}
		if liar {
			continue;
		}
		let votes: Vec<(u64, JobOutcome)> = VerifierDuties::<Runtime>::iter_key_prefix(who)
			.filter_map(|id| {
				let job = Jobs::<Runtime>::get(id)?;
				(now < job.due).then_some(())?;
				Some((id, true_outcome(id, &job)))
			})
			.take(max)
			.collect();
		if !votes.is_empty() {
			let votes = votes.try_into().expect("at most MaxBatch");
			calls.push((who.clone(), RuntimeCall::Compute(Compute::submit_votes { votes })));
		}
	}
	calls
}
