//! The life of a job: submission (its checks and its escrow), the provider's answer, and its
//! end by settlement or expiry.

use super::*;
use zg_primitives::{
	compute::{input_token_bound, usage_fee},
	staking::SlashReason,
};

impl<T: Config> Pallet<T> {
	/// The last block a stored input of a job submitted now must still be stored in: past its
	/// answer, its challenge window, a verifier draw and a dispute, so that the provider and the
	/// verifiers read the same input (a file that expired in between would make honest
	/// verifiers refuse what the provider ran).
	pub(crate) fn input_needed_until(now: BlockNumberFor<T>) -> BlockNumberFor<T> {
		now.saturating_add(T::JobTimeout::get())
			.saturating_add(T::ChallengeWindow::get())
			.saturating_add(T::Beacon::ready_at(Zero::zero()))
			.saturating_add(T::DisputePeriod::get())
			.saturating_add(1u32.into())
	}

	/// The most input tokens `input` can make, checking that a stored input is stored long
	/// enough and small enough.
	fn input_bound(input: &JobInput<T>) -> Result<u32, Error<T>> {
		match input {
			JobInput::Inline(bytes) => Ok(input_token_bound(bytes.len() as u64)),
			JobInput::Stored(root) => {
				let (size, expires_at) =
					T::Files::stored(root).ok_or(Error::<T>::InputNotStored)?;
				let now = frame_system::Pallet::<T>::block_number();
				ensure!(expires_at > Self::input_needed_until(now), Error::<T>::InputNotStored);
				ensure!(size <= T::MaxStoredInput::get(), Error::<T>::InputTooLarge);
				Ok(input_token_bound(size))
			},
		}
	}

	pub(crate) fn do_submit_job(
		who: T::AccountId,
		service: ServiceId,
		input: JobInput<T>,
		max_tokens: u32,
		max_fee: Balance,
	) -> DispatchResult {
		let mut s = Services::<T>::get(service).ok_or(Error::<T>::UnknownService)?;
		ensure!(
			T::Staking::is_eligible(&s.provider, Role::ComputeProvider),
			Error::<T>::ProviderNotEligible
		);
		ensure!(max_tokens > 0 && max_tokens <= s.max_tokens, Error::<T>::BadMaxTokens);
		let input_bound = Self::input_bound(&input)?;
		let least =
			usage_fee(s.kind, s.input_price, s.output_price, input_bound, max_tokens, Balance::MAX);
		ensure!(max_fee >= least, Error::<T>::FeeBelowUsage);
		ensure!(s.active_jobs < s.max_concurrency, Error::<T>::ServiceBusy);
		let provider = s.provider.clone();
		ensure!(
			OpenJobs::<T>::get(&provider) < T::MaxOpenJobsPerProvider::get(),
			Error::<T>::ProviderBusy
		);
		let submission_fee = T::JobSubmissionFee::get();
		T::Currency::transfer(&who, &T::Treasury::get(), submission_fee, Preservation::Preserve)?;
		Self::take_from_ledger(&who, max_fee)?;
		let now = frame_system::Pallet::<T>::block_number();
		let id = NextJobId::<T>::get();
		NextJobId::<T>::put(id.saturating_add(1));
		let due = Self::schedule(now.saturating_add(T::JobTimeout::get()), Task::AnswerBy(id));
		s.active_jobs = s.active_jobs.saturating_add(1);
		Jobs::<T>::insert(
			id,
			Job {
				service,
				user: who.clone(),
				provider: provider.clone(),
				kind: s.kind,
				model: s.model.clone(),
				model_root: s.model_root,
				input_price: s.input_price,
				output_price: s.output_price,
				verifiable: s.verifiable,
				input,
				input_bound,
				max_tokens,
				max_fee,
				held: max_fee,
				submitted_at: now,
				due,
				status: JobStatus::Pending,
				result: None,
			},
		);
		Services::<T>::insert(service, s);
		ProviderJobs::<T>::insert(&provider, id, ());
		OpenJobs::<T>::mutate(&provider, |n| *n = n.saturating_add(1));
		Self::note_outstanding(&provider, true);
		Self::deposit_event(Event::JobSubmitted {
			job: id,
			service,
			user: who,
			provider,
			max_fee,
			submission_fee,
		});
		Ok(())
	}

	/// The fee of `outcome` for job `j`, or why the outcome is refused.
	fn fee_of(j: &Job<T>, outcome: &JobOutcome) -> Result<Balance, Error<T>> {
		match *outcome {
			JobOutcome::Output { input_tokens, output_tokens, .. } => {
				ensure!(output_tokens <= j.max_tokens, Error::<T>::TooManyTokens);
				ensure!(input_tokens <= j.input_bound, Error::<T>::TooManyInputTokens);
				Ok(usage_fee(
					j.kind,
					j.input_price,
					j.output_price,
					input_tokens,
					output_tokens,
					j.max_fee,
				))
			},
			JobOutcome::Refused(_) => Ok(T::RefusalFee::get().min(j.max_fee)),
		}
	}

	/// One report of [`Pallet::submit_results`].
	pub(crate) fn answer(who: &T::AccountId, report: JobReport) -> DispatchResult {
		let JobReport { job, outcome, output_root } = report;
		let mut j = Jobs::<T>::get(job).ok_or(Error::<T>::UnknownJob)?;
		ensure!(&j.provider == who, Error::<T>::NotJobProvider);
		ensure!(j.status == JobStatus::Pending, Error::<T>::AlreadyAnswered);
		let now = frame_system::Pallet::<T>::block_number();
		// The deadline task runs at the start of block `due`: answer before it.
		ensure!(now < j.due, Error::<T>::TooLate);
		let fee = Self::fee_of(&j, &outcome)?;
		Self::unschedule(j.due, Task::AnswerBy(job));
		let due = Self::schedule(now.saturating_add(T::ChallengeWindow::get()), Task::Settle(job));
		let refunded = j.held.saturating_sub(fee);
		Self::credit_ledger(&j.user, refunded);
		j.held = fee;
		j.due = due;
		j.status = JobStatus::Answered;
		j.result = Some(JobResult { outcome, output_root, fee });
		Self::release_slot(&j);
		ProviderJobs::<T>::remove(who, job);
		Jobs::<T>::insert(job, j);
		Self::deposit_event(Event::JobAnswered { job, outcome, fee, refunded });
		Ok(())
	}

	/// A job leaves the provider's pending jobs.
	fn release_slot(j: &Job<T>) {
		Services::<T>::mutate(j.service, |s| {
			if let Some(s) = s {
				s.active_jobs = s.active_jobs.saturating_sub(1);
			}
		});
		OpenJobs::<T>::mutate_exists(&j.provider, |n| {
			let left = n.unwrap_or(0).saturating_sub(1);
			*n = (left > 0).then_some(left);
		});
	}

	/// [`Task::AnswerBy`]: the job was not answered in time.
	pub(crate) fn expire(job: JobId, j: Job<T>) {
		Self::credit_ledger(&j.user, j.held);
		Self::release_slot(&j);
		ProviderJobs::<T>::remove(&j.provider, job);
		Jobs::<T>::remove(job);
		Self::note_outstanding(&j.provider, false);
		Stats::<T>::mutate(&j.provider, |s| s.missed = s.missed.saturating_add(1));
		let slashed = T::Staking::slash_role(
			&j.provider,
			Role::ComputeProvider,
			T::MissedJobSlash::get(),
			SlashReason::MissedDeadline,
			None,
		);
		Self::deposit_event(Event::JobExpired {
			job,
			provider: j.provider,
			refunded: j.held,
			slashed,
		});
	}

	/// [`Task::Settle`]: the challenge window passed.
	pub(crate) fn settle(job: JobId, j: Job<T>) {
		Self::pay_out(&j.provider, j.held);
		Jobs::<T>::remove(job);
		Self::note_outstanding(&j.provider, false);
		Stats::<T>::mutate(&j.provider, |s| s.completed = s.completed.saturating_add(1));
		Self::deposit_event(Event::JobSettled { job, provider: j.provider, fee: j.held });
	}
}
