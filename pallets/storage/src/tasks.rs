//! The pallet's deadlines: what is due in a block, and the hook that works it off.
//!
//! Every deadline is a [`Task`] in the deadline queue ([`Deadlines`], see
//! [`zg_pallet_support::deadlines`]). `on_initialize` works off what is due within
//! [`Config::DeadlineWeight`], each task charged at its benchmarked worst case; what does not
//! fit waits for the next block. A task acts only if the state it refers to still expects it
//! (a file confirmed in time is not dropped, a challenge answered is not punished), so tasks
//! never need to be removed when their reason goes away, although most are.

use super::*;
use frame_support::weights::WeightMeter;
use zg_primitives::staking::SlashReason;

/// Something due at a block.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub enum Task<AccountId> {
	/// Draw providers for the file's unassigned shards (its seed is ready).
	Assign(H256),
	/// The file's confirmation deadline: dropped unless `k` shards are confirmed (the others
	/// are drawn again).
	ConfirmFile(H256),
	/// A handed-over shard's confirmation deadline: its provider is slashed unless it
	/// confirmed.
	ConfirmShard(H256, u32),
	/// The file's expiry.
	Expire(H256),
	/// The file's closing challenges (see [`Pallet::closing_block`]).
	Close(H256),
	/// A challenge's deadline: its provider is slashed unless it answered.
	Challenge(ChallengeId),
	/// Hand over the next page of a departing provider's shards.
	Handover(AccountId),
}

impl<T: Config> Pallet<T> {
	/// The worst-case weight of `task`.
	pub(crate) fn task_weight(task: &Task<T::AccountId>) -> Weight {
		let shards = MaxShardsOf::<T>::get();
		match task {
			Task::Assign(_) => T::WeightInfo::task_assign(T::MaxProviders::get(), shards),
			Task::ConfirmFile(_) => T::WeightInfo::task_confirm_file(shards)
				.max(T::WeightInfo::task_extend_file(shards)),
			Task::ConfirmShard(..) => T::WeightInfo::task_confirm_shard(),
			Task::Expire(_) => T::WeightInfo::task_expire(shards),
			Task::Close(_) => T::WeightInfo::task_close(shards),
			Task::Challenge(_) => T::WeightInfo::task_challenge(),
			Task::Handover(_) => T::WeightInfo::task_handover(T::HandoverPage::get()),
		}
	}

	/// The heaviest task: `DeadlineWeight` must fit it.
	pub(crate) fn max_task_weight() -> Weight {
		[
			Task::Assign(H256::zero()),
			Task::ConfirmFile(H256::zero()),
			Task::ConfirmShard(H256::zero(), 0),
			Task::Expire(H256::zero()),
			Task::Close(H256::zero()),
			Task::Challenge(0),
		]
		.iter()
		.map(Self::task_weight)
		.fold(T::WeightInfo::task_handover(T::HandoverPage::get()), |a, b| a.max(b))
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
		let acted = match task {
			Task::Assign(root) => Self::assign(root, now),
			Task::ConfirmFile(root) => match Files::<T>::get(root) {
				Some(file) if file.status == FileStatus::Pending && file.confirm_by <= due => {
					Self::confirmation_deadline(root, file, now);
					true
				},
				_ => false,
			},
			Task::ConfirmShard(root, shard) => Self::handover_deadline(root, shard, due, now),
			Task::Expire(root) => match Files::<T>::get(root) {
				Some(file) if file.expires_at <= due => {
					Self::expire_file(root, file);
					true
				},
				_ => false,
			},
			Task::Close(root) => Self::closing_challenges(root, now),
			Task::Challenge(id) => Self::challenge_deadline(id, now),
			Task::Handover(who) => {
				Self::handover_page(&who, now);
				true
			},
		};
		if acted {
			worst
		} else {
			T::DbWeight::get().reads(1)
		}
	}

	/// A shard handed over and not confirmed by `due`: its provider is slashed (if the file
	/// could be rebuilt: at least `k + 1` other shards confirmed, so that a provider unable to
	/// rebuild a consistent shard can prove the codeword inconsistent instead) and another is
	/// drawn. Returns whether it applied.
	fn handover_deadline(
		root: H256,
		index: u32,
		due: BlockNumberFor<T>,
		now: BlockNumberFor<T>,
	) -> bool {
		let Some(mut file) = Files::<T>::get(root) else { return false };
		let Some(shard) = file.shards.get(index as usize) else { return false };
		let (ShardState::Assigned { confirm_by, .. }, Some(provider)) =
			(shard.state, shard.provider.clone())
		else {
			return false;
		};
		if confirm_by > due {
			return false;
		}
		let rebuildable = file.confirmed() > file.layout.data_shards as u32;
		let slashed = if rebuildable {
			T::Staking::slash_role(
				&provider,
				Role::StorageProvider,
				T::FaultSlash::get(),
				SlashReason::MissedHandover,
				None,
			)
		} else {
			0
		};
		Self::deposit_event(Event::HandoverMissed { root, shard: index, provider, slashed });
		Self::release_shard(root, &mut file, index, now);
		Files::<T>::insert(root, file);
		true
	}

	/// A new file's confirmation deadline: with at least `k` shards confirmed the file can be
	/// rebuilt, so the shards not confirmed are drawn again (their providers are not slashed:
	/// the uploader may never have sent them their shards) and the file goes on, degraded;
	/// with fewer it is dropped and its storage fee refunded.
	fn confirmation_deadline(root: H256, mut file: FileInfo<T>, now: BlockNumberFor<T>) {
		let confirmed = file.confirmed();
		if confirmed < file.layout.data_shards as u32 {
			Self::drop_file(root, file);
			return;
		}
		Self::start_earning(&mut file, now);
		file.status = FileStatus::Degraded;
		for index in 0..file.shards.len() as u32 {
			if !file.shards[index as usize].is_confirmed() {
				Self::release_shard(root, &mut file, index, now);
			}
		}
		Self::deposit_event(Event::FileExtended { root, confirmed });
		Files::<T>::insert(root, file);
	}
}
