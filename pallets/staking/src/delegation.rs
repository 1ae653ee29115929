//! How a delegator's active bond backs its validators.
//!
//! The bond is split evenly among the targets ([`Delegations`]); each validator keeps its
//! backers and their shares ([`Backers`]). A validator has room for
//! [`Config::MaxBackersPerValidator`] backers: when it is full, a newcomer with a larger share
//! evicts the smallest one, whose bond is re-split among its remaining targets.

use super::*;

impl<T: Config> Pallet<T> {
	/// Splits `active` evenly among `count` targets (the first takes the remainder).
	pub(crate) fn shares(active: Balance, count: usize) -> impl Iterator<Item = Balance> {
		let each = Self::smallest_share(active, count);
		let first = each.saturating_add(active % (count as u128).max(1));
		core::iter::once(first).chain(core::iter::repeat(each))
	}

	/// The smallest share `active` gives each of `count` targets.
	pub(crate) fn smallest_share(active: Balance, count: usize) -> Balance {
		active / (count as u128).max(1)
	}

	/// Adds `delegator` with its shares of `active` to the backers of `targets`. A full target
	/// evicts its smallest backer when the new share is larger, else the call fails with
	/// [`Error::TooManyBackers`]. Returns whether anyone was evicted.
	pub(crate) fn join_backers(
		delegator: &T::AccountId,
		targets: &[T::AccountId],
		active: Balance,
	) -> Result<bool, Error<T>> {
		let mut evicted_any = false;
		for (target, share) in targets.iter().zip(Self::shares(active, targets.len())) {
			let evicted = Backers::<T>::try_mutate(target, |b| {
				let mut evicted = None;
				if b.backers.is_full() {
					let (i, smallest) = b
						.backers
						.iter()
						.enumerate()
						.min_by_key(|(_, (_, s))| *s)
						.map(|(i, (_, s))| (i, *s))
						.ok_or(Error::<T>::TooManyBackers)?;
					frame_support::ensure!(share > smallest, Error::<T>::TooManyBackers);
					let (who, _) = b.backers.swap_remove(i);
					b.total = b.total.saturating_sub(smallest);
					evicted = Some(who);
				}
				b.backers
					.try_push((delegator.clone(), share))
					.map_err(|_| Error::<T>::TooManyBackers)?;
				b.total = b.total.saturating_add(share);
				Ok::<_, Error<T>>(evicted)
			})?;
			if let Some(evicted) = evicted {
				Self::evicted(&evicted, target);
				evicted_any = true;
			}
		}
		Ok(evicted_any)
	}

	/// `delegator` lost its place among the backers of `validator`: it stops delegating to it
	/// and its bond is re-split among its other targets (a delegator left with none is
	/// chilled).
	fn evicted(delegator: &T::AccountId, validator: &T::AccountId) {
		Self::deposit_event(Event::DelegationEvicted {
			delegator: delegator.clone(),
			validator: validator.clone(),
		});
		let Some(mut targets) = Delegations::<T>::get(delegator) else { return };
		targets.retain(|t| t != validator);
		if targets.is_empty() {
			Delegations::<T>::remove(delegator);
			Self::deposit_event(Event::Chilled {
				stash: delegator.clone(),
				reason: ChillReason::Evicted,
			});
			return;
		}
		let active = Ledger::<T>::get(delegator).map(|l| l.active).unwrap_or_default();
		Self::resplit(delegator, &targets, active);
		Delegations::<T>::insert(delegator, targets);
	}

	/// Splits `active` anew among the `targets` that `delegator` already backs.
	pub(crate) fn resplit(delegator: &T::AccountId, targets: &[T::AccountId], active: Balance) {
		Self::remove_backing(delegator, targets);
		Self::add_backing(delegator, targets, active);
	}

	/// Adds `delegator` with its shares of `active` to the backers of `targets`, which it has
	/// just left: there is room.
	pub(crate) fn add_backing(delegator: &T::AccountId, targets: &[T::AccountId], active: Balance) {
		for (target, share) in targets.iter().zip(Self::shares(active, targets.len())) {
			Backers::<T>::mutate(target, |b| {
				if b.backers.try_push((delegator.clone(), share)).is_ok() {
					b.total = b.total.saturating_add(share);
				} else {
					frame_support::defensive!("a delegator re-joining its targets found no room");
				}
			});
		}
	}

	/// Removes `delegator` from the backers of `targets`.
	pub(crate) fn remove_backing(delegator: &T::AccountId, targets: &[T::AccountId]) {
		for target in targets {
			Backers::<T>::mutate(target, |b| {
				if let Some(i) = b.backers.iter().position(|(d, _)| d == delegator) {
					let (_, share) = b.backers.swap_remove(i);
					b.total = b.total.saturating_sub(share);
				}
			});
		}
	}
}
