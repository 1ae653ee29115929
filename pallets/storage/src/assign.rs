//! Who stores what: the provider pool, drawing providers for shards, and handing shards over
//! when their provider fails or leaves.
//!
//! A shard without a provider (a new file's shards, a shard whose provider failed, left or was
//! pruned) is `Unassigned { since }`. Its provider is drawn by the [`Task::Assign`] of its file
//! once the beacon's seed after `since` exists, so neither the uploader nor a failing provider
//! knew the randomness when it acted. The draw is uniform among the eligible providers of the
//! pool that hold no other shard of the file.

use super::*;
use zg_pallet_support::stream;
use zg_primitives::randomness;

impl<T: Config> Pallet<T> {
	/// The eligible providers of the pool. Those no longer eligible (role bond unregistered or
	/// slashed below the minimum) are pruned: removed from the pool, their shards handed over.
	pub(crate) fn eligible_pool() -> Vec<T::AccountId> {
		let list = ProviderList::<T>::get();
		let (eligible, gone): (Vec<_>, Vec<_>) =
			list.into_iter().partition(|p| T::Staking::is_eligible(p, Role::StorageProvider));
		if !gone.is_empty() {
			ProviderList::<T>::put(BoundedVec::truncate_from(eligible.clone()));
			for who in gone {
				Providers::<T>::remove(&who);
				Self::start_handover(&who);
				Self::deposit_event(Event::ProviderPruned { who });
			}
		}
		eligible
	}

	/// Starts handing over the shards of `who`, which left the pool.
	pub(crate) fn start_handover(who: &T::AccountId) {
		if ProviderShards::<T>::iter_prefix(who).next().is_some() {
			let now = frame_system::Pallet::<T>::block_number();
			Leaving::<T>::insert(who, now);
			Self::schedule(now.saturating_add(1u32.into()), Task::Handover(who.clone()));
		}
	}

	/// Hands over the next [`Config::HandoverPage`] shards of the departing `who`.
	pub(crate) fn handover_page(who: &T::AccountId, now: BlockNumberFor<T>) {
		let page: Vec<(H256, u32)> = ProviderShards::<T>::iter_key_prefix(who)
			.take(T::HandoverPage::get() as usize)
			.collect();
		for (root, index) in page {
			match Files::<T>::get(root) {
				Some(mut file)
					if file
						.shards
						.get(index as usize)
						.is_some_and(|s| s.provider.as_ref() == Some(who)) =>
				{
					Self::release_shard(root, &mut file, index, now);
					Files::<T>::insert(root, file);
				},
				_ => ProviderShards::<T>::remove(who, (root, index)),
			}
		}
		if ProviderShards::<T>::iter_prefix(who).next().is_some() {
			Self::schedule(now.saturating_add(1u32.into()), Task::Handover(who.clone()));
		} else {
			Leaving::<T>::remove(who);
			Self::deposit_event(Event::HandoverCompleted { who: who.clone() });
		}
	}

	/// Takes shard `index` of `file` from its provider (if any): the time since its last proof
	/// is not paid (it becomes the shard's repair bounty if the shard was confirmed, and goes
	/// back to the owner if it was not), a finalized file becomes degraded, and a new provider
	/// is drawn from the seed after `now`. The caller stores `file`.
	pub(crate) fn release_shard(
		root: H256,
		file: &mut FileInfo<T>,
		index: u32,
		now: BlockNumberFor<T>,
	) {
		let expires_at = file.expires_at;
		let Some(shard) = file.shards.get_mut(index as usize) else { return };
		let from = shard.provider.take();
		if let Some(old) = &from {
			ProviderShards::<T>::remove(old, (root, index));
		}
		let accrued = stream::accrued(shard.escrow, shard.paid_until, now, expires_at);
		shard.escrow = shard.escrow.saturating_sub(accrued);
		shard.paid_until = now;
		let was_confirmed = match shard.state {
			ShardState::Confirmed { index: position } => {
				shard.bounty = shard.bounty.saturating_add(accrued);
				Some(position)
			},
			_ => {
				file.refund = file.refund.saturating_add(accrued);
				None
			},
		};
		shard.state = ShardState::Unassigned { since: now };
		if let Some(position) = was_confirmed {
			Self::unindex_shard(position, root, file);
			if matches!(file.status, FileStatus::Finalized | FileStatus::Degraded) {
				file.status = FileStatus::Degraded;
				Self::deposit_event(Event::FileDegraded { root, confirmed: file.confirmed() });
			}
		}
		Self::deposit_event(Event::ShardReleased { root, shard: index, from });
		Self::schedule(T::Beacon::ready_at(now), Task::Assign(root));
	}

	/// [`Task::Assign`]: draws a provider for every shard of `root` that is unassigned and
	/// whose seed exists. A new file that cannot get `k + m` distinct providers is dropped and
	/// its storage fee refunded; a shard of a stored file that finds none is tried again
	/// [`Config::HandoverPeriod`] blocks later. Returns whether there was anything to draw.
	pub(crate) fn assign(root: H256, now: BlockNumberFor<T>) -> bool {
		let Some(mut file) = Files::<T>::get(root) else { return false };
		let waiting: Vec<(u32, BlockNumberFor<T>)> = file
			.shards
			.iter()
			.enumerate()
			.filter_map(|(i, s)| match s.state {
				ShardState::Unassigned { since } => Some((i as u32, since)),
				_ => None,
			})
			.collect();
		if waiting.is_empty() {
			return false;
		}
		// Each shard's seed: the beacon's after `since` (or, if that one is no longer kept, the
		// newest: `since` was long ago, and the newest seed did not exist then either).
		let seeds: Vec<(u32, Option<H256>)> = waiting
			.iter()
			.map(|&(index, since)| {
				let subject = (b"zg-storage/assign", root, index).encode();
				let seed = if T::Beacon::ready_at(since) > now {
					None
				} else {
					T::Beacon::seed_after(&subject, since)
						.or_else(|| T::Beacon::seed_after(&subject, T::Beacon::latest()))
				};
				(index, seed)
			})
			.collect();
		let new_file = file.status == FileStatus::Assigning;
		if new_file && seeds.iter().any(|(_, seed)| seed.is_none()) {
			// A new file's shards are drawn together, once every seed exists.
			Self::schedule(now.saturating_add(1u32.into()), Task::Assign(root));
			return true;
		}
		if new_file {
			file.confirm_by = now.saturating_add(T::ConfirmationPeriod::get());
		}
		let pool = Self::eligible_pool();
		let mut holders: Vec<T::AccountId> =
			file.shards.iter().filter_map(|s| s.provider.clone()).collect();
		let mut later: Option<BlockNumberFor<T>> = None;
		let mut unserved = false;
		for (index, seed) in seeds {
			let Some(seed) = seed else {
				let since = waiting.iter().find(|(i, _)| *i == index).map_or(now, |(_, s)| *s);
				let ready = T::Beacon::ready_at(since).max(now.saturating_add(1u32.into()));
				later = Some(later.map_or(ready, |l| l.min(ready)));
				continue;
			};
			let candidates: Vec<&T::AccountId> =
				pool.iter().filter(|p| !holders.contains(p)).collect();
			if candidates.is_empty() {
				unserved = true;
				continue;
			}
			let chosen =
				candidates[randomness::index(&seed, 0, candidates.len() as u32) as usize].clone();
			holders.push(chosen.clone());
			let confirm_by = if matches!(file.status, FileStatus::Assigning | FileStatus::Pending) {
				file.confirm_by
			} else {
				let by = now.saturating_add(T::HandoverPeriod::get());
				Self::schedule(by, Task::ConfirmShard(root, index));
				by
			};
			if let Some(shard) = file.shards.get_mut(index as usize) {
				shard.provider = Some(chosen.clone());
				shard.state = ShardState::Assigned { at: now, confirm_by };
			}
			ProviderShards::<T>::insert(&chosen, (root, index), ());
			Self::deposit_event(Event::ShardAssigned {
				root,
				shard: index,
				provider: chosen,
				confirm_by,
			});
		}
		if new_file {
			if unserved {
				Self::drop_file(root, file);
				return true;
			}
			file.status = FileStatus::Pending;
			Self::schedule(file.confirm_by, Task::ConfirmFile(root));
		} else if unserved {
			let retry = now.saturating_add(T::HandoverPeriod::get());
			later = Some(later.map_or(retry, |l| l.min(retry)));
		}
		if let Some(at) = later {
			Self::schedule(at, Task::Assign(root));
		}
		Files::<T>::insert(root, file);
		true
	}
}
