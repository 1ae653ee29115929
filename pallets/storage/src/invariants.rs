//! The pallet's invariants, checked by `try_state` (and after every block of the unit tests).

use super::*;

impl<T: Config> Pallet<T> {
	/// Checks that money is conserved (the escrow is exactly the unreleased fees and the escrow
	/// account holds it), that every file's status agrees with its shards, that the indexes
	/// (providers' shards, confirmed shards, challenges, regions, deadlines) agree with the
	/// files, and that every provider that holds shards still has a role bond at stake.
	#[cfg(any(feature = "try-runtime", feature = "std", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let mut sum: Balance = 0;
		let mut confirmed = 0u32;
		let mut regions = 0u64;
		for (root, file) in Files::<T>::iter() {
			sum = sum.saturating_add(file.escrow());
			ensure!(
				file.shards.len() as u32 == file.layout.total_shards(),
				"a file has the wrong number of shards"
			);
			regions = regions.saturating_add(
				Self::regions_of(&file.layout).saturating_mul(file.confirmed() as u64),
			);
			let all_confirmed = file.shards.iter().all(|s| s.is_confirmed());
			match file.status {
				FileStatus::Assigning => ensure!(
					file.shards.iter().all(|s| s.provider.is_none()),
					"an assigning file has providers"
				),
				FileStatus::Pending => ensure!(
					Deadlines::<T>::contains_key(file.confirm_by, Task::ConfirmFile(root)),
					"a pending file has no confirmation deadline"
				),
				FileStatus::Finalized => {
					ensure!(all_confirmed, "a finalized file has unconfirmed shards")
				},
				FileStatus::Degraded => {
					ensure!(!all_confirmed, "a degraded file has every shard confirmed")
				},
			}
			ensure!(
				Deadlines::<T>::contains_key(file.expires_at, Task::Expire(root)),
				"a file has no expiry"
			);
			for (i, shard) in file.shards.iter().enumerate() {
				let key = (root, i as u32);
				match (&shard.provider, shard.state) {
					(None, ShardState::Unassigned { .. }) => {},
					(Some(p), ShardState::Assigned { .. }) => ensure!(
						ProviderShards::<T>::contains_key(p, key),
						"an assigned shard is not indexed by its provider"
					),
					(Some(p), ShardState::Confirmed { index }) => {
						confirmed += 1;
						ensure!(
							ProviderShards::<T>::contains_key(p, key),
							"a confirmed shard is not indexed by its provider"
						);
						ensure!(
							ShardIndex::<T>::get(index) == Some(key),
							"a confirmed shard is not at its index position"
						);
					},
					_ => return Err("a shard's provider and state disagree".into()),
				}
			}
		}
		ensure!(sum == EscrowTotal::<T>::get(), "EscrowTotal differs from the files' escrow");
		let held = T::Currency::balance(&Self::escrow_account())
			.saturating_sub(T::Currency::minimum_balance());
		ensure!(held >= sum, "the escrow account holds less than the files' escrow");
		ensure!(confirmed == ShardCount::<T>::get(), "ShardCount is wrong");
		ensure!(
			ShardIndex::<T>::iter().count() as u32 == confirmed,
			"ShardIndex has stale entries"
		);
		ensure!(
			regions == Regions::<T>::get(),
			"Regions differs from the confirmed shards' regions"
		);
		for (provider, (root, index), ()) in ProviderShards::<T>::iter() {
			let holds = Files::<T>::get(root)
				.and_then(|f| f.shards.get(index as usize).cloned())
				.is_some_and(|s| s.provider.as_ref() == Some(&provider));
			ensure!(holds, "ProviderShards lists a shard the provider does not hold");
			ensure!(
				!T::Staking::role_stake(&provider, Role::StorageProvider).is_zero(),
				"a provider holds shards without a role bond"
			);
		}
		for (id, c) in Challenges::<T>::iter() {
			ensure!(
				ProviderChallenges::<T>::contains_key(&c.provider, id),
				"a challenge is not indexed by its provider"
			);
			ensure!(
				Deadlines::<T>::contains_key(c.due, Task::Challenge(id)),
				"an open challenge has no deadline"
			);
		}
		ensure!(
			ProviderChallenges::<T>::iter_keys().all(|(_, id)| Challenges::<T>::contains_key(id)),
			"ProviderChallenges has stale entries"
		);
		let list = ProviderList::<T>::get();
		ensure!(
			list.len() == Providers::<T>::iter().count()
				&& list.iter().all(|p| Providers::<T>::contains_key(p)),
			"ProviderList and Providers disagree"
		);
		ensure!(
			Leaving::<T>::iter_keys().all(|p| !Providers::<T>::contains_key(&p)),
			"a departing provider is still registered"
		);
		Ok(())
	}
}
