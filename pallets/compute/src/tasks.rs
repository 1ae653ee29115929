//! The pallet's deadlines: what is due in a block, and the hook that works it off.
//!
//! Every deadline is a [`Task`] in the deadline queue ([`Deadlines`], see
//! [`zg_pallet_support::deadlines`]), worked off in `on_initialize` within
//! [`Config::DeadlineWeight`], each task charged at its benchmarked worst case; what does not
//! fit waits for the next block. A task acts only if the job still expects it (its status and
//! `due` block match), and the calls compare with the recorded deadline, so a task processed
//! late never lets a late answer or vote in.

use super::*;
use frame_support::weights::WeightMeter;

/// Something due at a block.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub enum Task<AccountId> {
	/// The job's answer deadline: refunded and its provider slashed unless answered.
	AnswerBy(JobId),
	/// The end of the job's challenge window: the provider is paid.
	Settle(JobId),
	/// Draw the verifiers of the job's dispute (the seed after the challenge is ready).
	Draw(JobId),
	/// The verifiers' deadline: the dispute is decided by the votes cast.
	Decide(JobId),
	/// A spending capability expired: its record is no longer needed.
	ForgetCapability(AccountId, AccountId, u64),
}

impl<T: Config> Pallet<T> {
	/// The worst-case weight of `task`.
	pub(crate) fn task_weight(task: &Task<T::AccountId>) -> Weight {
		match task {
			Task::AnswerBy(_) => T::WeightInfo::task_expire(),
			Task::Settle(_) => T::WeightInfo::task_settle(),
			Task::Draw(_) => T::WeightInfo::task_draw(),
			Task::Decide(_) => T::WeightInfo::task_decide(),
			Task::ForgetCapability(..) => T::WeightInfo::task_forget_capability(),
		}
	}

	/// The heaviest task: `DeadlineWeight` must fit it.
	pub(crate) fn max_task_weight() -> Weight {
		[Task::AnswerBy(0), Task::Settle(0), Task::Draw(0), Task::Decide(0)]
			.iter()
			.map(Self::task_weight)
			.fold(T::WeightInfo::task_forget_capability(), |a, b| a.max(b))
	}

	/// Works off the tasks due up to `n` within [`Config::DeadlineWeight`].
	pub(crate) fn process_deadlines(n: BlockNumberFor<T>) -> Weight {
		let mut meter = WeightMeter::with_limit(T::DeadlineWeight::get());
		Queue::<T>::service(
			n,
			&mut meter,
			T::DbWeight::get().reads_writes(1, 1),
			Self::task_weight,
			|due, task| Self::run_task(n, due, task),
		);
		T::WeightInfo::on_initialize_base().saturating_add(meter.consumed())
	}

	/// Runs `task`, due at `due`, in block `now`. Returns the weight it used: its worst case
	/// when it acted, one read when its reason was gone.
	pub(crate) fn run_task(
		now: BlockNumberFor<T>,
		due: BlockNumberFor<T>,
		task: Task<T::AccountId>,
	) -> Weight {
		let worst = Self::task_weight(&task);
		let job_due = |job: JobId, status: JobStatus| {
			Jobs::<T>::get(job).filter(|j| j.status == status && j.due == due)
		};
		let acted = match task {
			Task::AnswerBy(job) => job_due(job, JobStatus::Pending).map(|j| Self::expire(job, j)),
			Task::Settle(job) => job_due(job, JobStatus::Answered).map(|j| Self::settle(job, j)),
			Task::Draw(job) => job_due(job, JobStatus::Disputed).map(|j| Self::draw(job, j, now)),
			Task::Decide(job) => {
				job_due(job, JobStatus::Disputed).map(|j| match Disputes::<T>::get(job) {
					Some(dispute) => Self::resolve(job, j, dispute),
					None => {
						frame_support::defensive!("a disputed job has no dispute");
						Self::settle(job, j);
					},
				})
			},
			Task::ForgetCapability(user, provider, nonce) => {
				Capabilities::<T>::take((user, provider), nonce).map(|_| ())
			},
		};
		if acted.is_some() {
			worst
		} else {
			T::DbWeight::get().reads(1)
		}
	}
}
