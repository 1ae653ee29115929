//! The pallet's deadlines: what is due in a block, and the hook that works it off.
//!
//! Every deadline is a [`Task`] in the deadline queue ([`Deadlines`], see
//! [`zg_pallet_support::deadlines`]). `on_initialize` works off what is due within
//! [`Config::DeadlineWeight`], each task charged at its benchmarked worst case; what does not
//! fit waits for the next block. A task acts only if the state it refers to still expects it
//! (a blob that reached its quorum does not fail, an answered challenge is not punished).

use super::*;
use frame_support::weights::WeightMeter;

/// Something due at a block.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub enum Task {
	/// The blob's attestation deadline has passed: it fails unless it is available.
	AttestBy(H256),
	/// The blob's retention ends: its attesters are paid.
	Expire(H256),
	/// A challenge's deadline: its member is slashed unless it answered.
	Challenge(ChallengeId),
	/// A blob proven badly encoded is forgotten.
	Forget(H256),
}

impl<T: Config> Pallet<T> {
	/// The worst-case weight of `task`.
	pub(crate) fn task_weight(task: &Task) -> Weight {
		let members = T::MaxSeats::get();
		match task {
			Task::AttestBy(_) => T::WeightInfo::task_fail(members),
			Task::Expire(_) => T::WeightInfo::task_expire(members),
			Task::Challenge(_) => T::WeightInfo::task_challenge(),
			Task::Forget(_) => T::WeightInfo::task_forget(members),
		}
	}

	/// The heaviest task: `DeadlineWeight` must fit it.
	pub(crate) fn max_task_weight() -> Weight {
		[
			Task::AttestBy(H256::zero()),
			Task::Expire(H256::zero()),
			Task::Challenge(0),
			Task::Forget(H256::zero()),
		]
		.iter()
		.map(Self::task_weight)
		.fold(Weight::zero(), |a, b| a.max(b))
	}

	/// Works off the tasks due up to `n` within [`Config::DeadlineWeight`].
	pub(crate) fn process_deadlines(n: BlockNumberFor<T>) -> Weight {
		let mut meter = WeightMeter::with_limit(T::DeadlineWeight::get());
		Queue::<T>::service(
			n,
			&mut meter,
			T::DbWeight::get().reads_writes(1, 1),
			Self::task_weight,
			|due, task| Self::run_task(due, task),
		);
		T::WeightInfo::on_initialize_base().saturating_add(meter.consumed())
	}

	/// Runs `task`, due at `due`. Returns the weight it used: its worst case when it acted,
	/// one read when its reason was gone.
	pub(crate) fn run_task(due: BlockNumberFor<T>, task: Task) -> Weight {
		let worst = Self::task_weight(&task);
		let acted = match task {
			Task::AttestBy(root) => match Blobs::<T>::get(root) {
				Some(blob) if blob.status == BlobStatus::Pending && blob.attest_by < due => {
					Self::fail_blob(root, blob);
					true
				},
				_ => false,
			},
			Task::Expire(root) => match Blobs::<T>::get(root) {
				Some(blob) if matches!(blob.status, BlobStatus::Available { until, .. } if until <= due) =>
				{
					Self::expire_blob(root, blob);
					true
				},
				_ => false,
			},
			Task::Challenge(id) => Self::challenge_deadline(id),
			Task::Forget(root) => match Invalid::<T>::get(root) {
				Some(invalid) if invalid.until <= due => {
					Invalid::<T>::remove(root);
					Self::release_attesters(invalid.epoch, &invalid.attesters);
					Self::deposit_event(Event::InvalidForgotten { root });
					true
				},
				_ => false,
			},
		};
		if acted {
			worst
		} else {
			T::DbWeight::get().reads(1)
		}
	}
}
