//! The pallet's invariants, checked by `try_state` and after every unit test.

use super::*;

impl<T: Config> Pallet<T> {
	/// Checks the pallet's invariants.
	#[cfg(any(test, feature = "try-runtime"))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use sp_runtime::TryRuntimeError;
		let mut sum: Balance = 0;
		for (who, ledger) in Ledger::<T>::iter() {
			let chunks = ledger.unlocking.iter().fold(0u128, |s, c| s.saturating_add(c.value));
			if ledger.total != ledger.active.saturating_add(chunks) {
				return Err(TryRuntimeError::Other("ledger total != active + unlocking"));
			}
			if <T::Currency as fungible::InspectHold<T::AccountId>>::balance_on_hold(
				&HoldReason::Staking.into(),
				&who,
			) != ledger.total
			{
				return Err(TryRuntimeError::Other("staking hold != ledger total"));
			}
			sum = sum.saturating_add(ledger.total);
		}
		if sum != TotalBonded::<T>::get() {
			return Err(TryRuntimeError::Other("TotalBonded != sum of ledgers"));
		}
		let mut role_sum: Balance = 0;
		let mut per_account: alloc::collections::BTreeMap<T::AccountId, Balance> =
			Default::default();
		for (who, _, bond) in RoleBonds::<T>::iter() {
			role_sum = role_sum.saturating_add(bond.amount);
			let e = per_account.entry(who).or_default();
			*e = e.saturating_add(bond.amount);
		}
		if role_sum != TotalRoleBonded::<T>::get() {
			return Err(TryRuntimeError::Other("TotalRoleBonded != sum of role bonds"));
		}
		for (who, amount) in per_account {
			if <T::Currency as fungible::InspectHold<T::AccountId>>::balance_on_hold(
				&HoldReason::RoleBond.into(),
				&who,
			) != amount
			{
				return Err(TryRuntimeError::Other("role hold != role bonds"));
			}
		}
		for (validator, backing) in Backers::<T>::iter() {
			let s = backing.backers.iter().fold(0u128, |s, (_, b)| s.saturating_add(*b));
			if s != backing.total {
				return Err(TryRuntimeError::Other("backing total != sum of shares"));
			}
			for (delegator, _) in backing.backers.iter() {
				if !Delegations::<T>::get(delegator).is_some_and(|t| t.contains(&validator)) {
					return Err(TryRuntimeError::Other(
						"a backer does not delegate to its validator",
					));
				}
			}
		}
		for (delegator, targets) in Delegations::<T>::iter() {
			let active = Ledger::<T>::get(&delegator).map(|l| l.active).unwrap_or_default();
			for (target, share) in targets.iter().zip(Self::shares(active, targets.len())) {
				let backed = Backers::<T>::get(target)
					.backers
					.iter()
					.any(|(d, b)| d == &delegator && *b == share);
				if !backed {
					return Err(TryRuntimeError::Other("a delegation is not its share in Backers"));
				}
			}
		}
		let active = Self::active_era();
		let due = SlashesDue::<T>::get();
		for (apply_era, (validator, offence_era), _) in UnappliedSlashes::<T>::iter() {
			if apply_era <= active && due.is_none_or(|d| apply_era < d) {
				return Err(TryRuntimeError::Other("a due slash is not being applied"));
			}
			if apply_era > offence_era.saturating_add(T::BondingDuration::get()) {
				return Err(TryRuntimeError::Other("a slash is due after the funds unlock"));
			}
			let recorded = OffenceSeen::<T>::get(offence_era, &validator)
				.is_some_and(|r| r.apply_era == apply_era);
			if !recorded {
				return Err(TryRuntimeError::Other("a queued slash has no offence record"));
			}
		}
		if due.is_some_and(|d| d > active) {
			return Err(TryRuntimeError::Other("slashes are due for an era not started"));
		}
		if T::Currency::balance(&Self::reward_pot()) < UnclaimedRewards::<T>::get() {
			return Err(TryRuntimeError::Other("reward pot holds less than the unclaimed rewards"));
		}
		Ok(())
	}
}
