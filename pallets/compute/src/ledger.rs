//! Users' money with the pallet: ledgers, allocations, refunds in lock, and the settlement of
//! metered API use under signed spending capabilities.

use super::*;

impl<T: Config> Pallet<T> {
	pub(crate) fn do_deposit(who: T::AccountId, amount: Balance) -> DispatchResult {
		ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
		T::Currency::transfer(&who, &Self::escrow_account(), amount, Preservation::Preserve)?;
		Self::credit_ledger(&who, amount);
		EscrowTotal::<T>::mutate(|t| *t = t.saturating_add(amount));
		Self::deposit_event(Event::Deposited { who, amount });
		Ok(())
	}

	pub(crate) fn do_allocate(
		who: T::AccountId,
		provider: T::AccountId,
		amount: Balance,
	) -> DispatchResult {
		ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
		ensure!(!ProviderServices::<T>::get(&provider).is_empty(), Error::<T>::NotAProvider);
		Self::take_from_ledger(&who, amount)?;
		Allocations::<T>::mutate(&who, &provider, |a| *a = a.saturating_add(amount));
		Self::deposit_event(Event::Allocated { who, provider, amount });
		Ok(())
	}

	pub(crate) fn do_request_refund(
		who: T::AccountId,
		provider: Option<T::AccountId>,
		amount: Balance,
	) -> DispatchResult {
		ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
		let pending = Refunds::<T>::get(&who);
		if let Some(p) = &pending {
			ensure!(p.from == provider, Error::<T>::RefundPending);
		}
		match &provider {
			None => Self::take_from_ledger(&who, amount)?,
			Some(p) => {
				let left = Allocations::<T>::get(&who, p)
					.checked_sub(amount)
					.ok_or(Error::<T>::AllocationTooLow)?;
				if left.is_zero() {
					Allocations::<T>::remove(&who, p);
				} else {
					Allocations::<T>::insert(&who, p, left);
				}
			},
		}
		let unlock_at =
			frame_system::Pallet::<T>::block_number().saturating_add(T::RefundLock::get());
		let total = pending.map_or(amount, |p| p.amount.saturating_add(amount));
		Refunds::<T>::insert(
			&who,
			PendingRefund { amount: total, from: provider.clone(), unlock_at },
		);
		Self::deposit_event(Event::RefundRequested { who, from: provider, amount, unlock_at });
		Ok(())
	}

	pub(crate) fn do_withdraw(who: T::AccountId) -> DispatchResult {
		let refund = Refunds::<T>::get(&who).ok_or(Error::<T>::NoRefund)?;
		ensure!(
			frame_system::Pallet::<T>::block_number() >= refund.unlock_at,
			Error::<T>::RefundLocked
		);
		T::Currency::transfer(
			&Self::escrow_account(),
			&who,
			refund.amount,
			Preservation::Preserve,
		)?;
		Refunds::<T>::remove(&who);
		EscrowTotal::<T>::mutate(|t| *t = t.saturating_sub(refund.amount));
		Self::deposit_event(Event::Withdrawn { who, amount: refund.amount });
		Ok(())
	}

	/// Checks `capability` and its `signature` for a settlement by `provider` now.
	fn check_capability(
		provider: &T::AccountId,
		capability: &SpendingCapability<T::AccountId, BlockNumberFor<T>>,
		signature: &T::CapabilitySignature,
	) -> DispatchResult {
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(&capability.provider == provider, Error::<T>::NotCapabilityProvider);
		let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
		ensure!(capability.genesis.as_ref() == genesis.as_ref(), Error::<T>::WrongChain);
		ensure!(now < capability.expires_at, Error::<T>::CapabilityExpired);
		ensure!(
			capability.expires_at <= now.saturating_add(T::MaxCapabilityLifetime::get()),
			Error::<T>::CapabilityTooLong
		);
		ensure!(
			signature.verify(&capability.signing_payload()[..], &capability.user),
			Error::<T>::BadSignature
		);
		Ok(())
	}

	pub(crate) fn do_settle_usage(
		provider: T::AccountId,
		capability: SpendingCapability<T::AccountId, BlockNumberFor<T>>,
		signature: T::CapabilitySignature,
		amount: Balance,
	) -> DispatchResult {
		ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
		Self::check_capability(&provider, &capability, &signature)?;
		let user = capability.user.clone();
		let key = (user.clone(), provider.clone());
		let nonce = capability.nonce;
		let first = !Capabilities::<T>::contains_key(&key, nonce);
		let mut record = Capabilities::<T>::get(&key, nonce).unwrap_or(CapabilityUse {
			cap: capability.cap,
			settled: 0,
			expires_at: capability.expires_at,
		});
		ensure!(
			record.cap == capability.cap && record.expires_at == capability.expires_at,
			Error::<T>::NonceReused
		);
		record.settled = record.settled.checked_add(amount).ok_or(Error::<T>::Overflow)?;
		ensure!(record.settled <= record.cap, Error::<T>::CapExceeded);

		// From the allocation, then from a refund of it while its lock runs.
		let now = frame_system::Pallet::<T>::block_number();
		let allocated = Allocations::<T>::get(&user, &provider);
		let refund = Refunds::<T>::get(&user)
			.filter(|r| r.from.as_ref() == Some(&provider) && now < r.unlock_at);
		let refunding = refund.as_ref().map_or(0, |r| r.amount);
		ensure!(allocated.saturating_add(refunding) >= amount, Error::<T>::AllocationTooLow);
		T::Currency::transfer(&Self::escrow_account(), &provider, amount, Preservation::Preserve)?;
		let from_allocation = allocated.min(amount);
		let from_refund = amount.saturating_sub(from_allocation);
		if allocated == from_allocation {
			Allocations::<T>::remove(&user, &provider);
		} else {
			Allocations::<T>::insert(&user, &provider, allocated.saturating_sub(from_allocation));
		}
		if let Some(mut r) = refund.filter(|_| from_refund > 0) {
			r.amount = r.amount.saturating_sub(from_refund);
			if r.amount.is_zero() {
				Refunds::<T>::remove(&user);
			} else {
				Refunds::<T>::insert(&user, r);
			}
		}
		EscrowTotal::<T>::mutate(|t| *t = t.saturating_sub(amount));
		let settled = record.settled;
		Capabilities::<T>::insert(&key, nonce, record);
		if first {
			Self::schedule(
				capability.expires_at,
				Task::ForgetCapability(user.clone(), provider.clone(), nonce),
			);
		}
		Self::deposit_event(Event::UsageSettled { user, provider, nonce, amount, settled });
		Ok(())
	}

	pub(crate) fn take_from_ledger(who: &T::AccountId, amount: Balance) -> DispatchResult {
		Ledgers::<T>::try_mutate_exists(who, |l| -> DispatchResult {
			let ledger = l.as_mut().ok_or(Error::<T>::LedgerTooLow)?;
			ledger.free = ledger.free.checked_sub(amount).ok_or(Error::<T>::LedgerTooLow)?;
			if ledger.free.is_zero() {
				*l = None;
			}
			Ok(())
		})
	}

	pub(crate) fn credit_ledger(who: &T::AccountId, amount: Balance) {
		if amount.is_zero() {
			return;
		}
		Ledgers::<T>::mutate(who, |l| {
			let l = l.get_or_insert_with(Ledger::default);
			l.free = l.free.saturating_add(amount);
		});
	}

	/// Gives the escrow account its existential deposit, so that it never dies when it pays
	/// out everything it holds.
	pub(crate) fn endow_escrow() {
		let account = Self::escrow_account();
		let ed = T::Currency::minimum_balance();
		if T::Currency::balance(&account) < ed && T::Currency::mint_into(&account, ed).is_err() {
			frame_support::defensive!("cannot endow the compute escrow account");
		}
	}

	/// Pays `amount` out of escrow to `who`. Escrow always covers it (see `try_state`); should
	/// the transfer still fail (the recipient's account cannot receive it), the amount is
	/// credited to `who`'s ledger instead, from where it can be withdrawn.
	pub(crate) fn pay_out(who: &T::AccountId, amount: Balance) {
		if amount.is_zero() {
			return;
		}
		match T::Currency::transfer(&Self::escrow_account(), who, amount, Preservation::Preserve) {
			Ok(_) => EscrowTotal::<T>::mutate(|t| *t = t.saturating_sub(amount)),
			Err(e) => {
				log::warn!(target: "runtime::zg-compute", "paying {amount} failed ({e:?}); credited to the ledger");
				Self::credit_ledger(who, amount);
			},
		}
	}
}
