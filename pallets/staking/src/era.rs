//! Eras: the election, the era transitions driven by pallet-session, and era points.

use super::*;

impl<T: Config> Pallet<T> {
	/// The candidates with the most backing, best first: (validator, own stake, total stake,
	/// commission, backers).
	pub fn elect() -> Vec<Elected<T>> {
		Self::candidates().0
	}

	/// The qualifying candidates with the most backing, best first, and the candidates whose
	/// own bond is below [`MinValidatorBond`].
	fn candidates() -> (Vec<Elected<T>>, Vec<T::AccountId>) {
		let min = MinValidatorBond::<T>::get();
		let mut below = Vec::new();
		let mut candidates: Vec<_> = Validators::<T>::iter()
			.filter_map(|(v, prefs)| {
				let own = Ledger::<T>::get(&v).map(|l| l.active).unwrap_or_default();
				if own < min || own.is_zero() {
					below.push(v);
					return None;
				}
				Some(Self::standing(v, own, prefs.commission))
			})
			.collect();
		candidates.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
		candidates.truncate(ValidatorCount::<T>::get().min(T::MaxValidators::get()) as usize);
		(candidates, below)
	}

	/// `validator` with its own stake, its total stake, its commission and its backers.
	fn standing(validator: T::AccountId, own: Balance, commission: Perbill) -> Elected<T> {
		let backing = Backers::<T>::get(&validator);
		let total = own.saturating_add(backing.total);
		(validator, own, total, commission, backing)
	}

	/// Tops `elected` up to `minimum` with the validators of the set in place (best backed
	/// first) that are not in it and still have an active bond: an era must start even when
	/// too few candidates qualify, or rewards, unbonding and slashes would wait with it.
	fn top_up(era: EraIndex, elected: &mut Vec<Elected<T>>, minimum: u32) {
		let Some(in_place) = era.checked_sub(1) else { return };
		for validator in ErasElected::<T>::get(in_place) {
			if elected.len() as u32 >= minimum {
				return;
			}
			if elected.iter().any(|e| e.0 == validator) {
				continue;
			}
			let own = Ledger::<T>::get(&validator).map(|l| l.active).unwrap_or_default();
			if own.is_zero() {
				continue;
			}
			let commission = Validators::<T>::get(&validator)
				.map(|p| p.commission)
				.or_else(|| {
					ErasStakersOverview::<T>::get(in_place, &validator).map(|o| o.commission)
				})
				.unwrap_or_default();
			elected.push(Self::standing(validator, own, commission));
		}
	}

	/// The fewest validators that can be elected for `era`: two thirds (rounded up) of the
	/// target [`ValidatorCount`], or of the set in place when it is smaller (so that a small set
	/// can grow), and never below [`Config::MinimumValidatorCount`]. An outage or a wave of
	/// chills shrinks the set by at most a third per era.
	pub fn minimum_validator_count(era: EraIndex) -> u32 {
		let in_place =
			era.checked_sub(1).and_then(ErasElected::<T>::decode_len).unwrap_or(0) as u32;
		let basis = ValidatorCount::<T>::get().min(in_place);
		basis.saturating_mul(2).div_ceil(3).max(T::MinimumValidatorCount::get())
	}

	/// Elects the validators of `era`, starting at session `start_session`, and snapshots
	/// their exposure. `None` (and nothing planned) when too few candidates qualify.
	pub(crate) fn plan_era(
		era: EraIndex,
		start_session: SessionIndex,
	) -> Option<Vec<T::AccountId>> {
		Self::charge_hook_weight(T::WeightInfo::plan_era(
			Validators::<T>::count(),
			T::MaxBackersPerValidator::get(),
		));
		let (mut elected, below) = Self::candidates();
		// A candidate that no longer qualifies gives its place back (so that raising the
		// minimum clears the list of squatters).
		for validator in below {
			Self::do_chill(&validator, ChillReason::BelowMinimum);
		}
		let minimum = Self::minimum_validator_count(era);
		if (elected.len() as u32) < minimum {
			Self::top_up(era, &mut elected, minimum);
		}
		if elected.is_empty() || (elected.len() as u32) < minimum {
			log::warn!(
				target: "runtime::zg-staking",
				"only {} validators for era {era} (at least {minimum} needed); keeping the \
				 current set",
				elected.len()
			);
			return None;
		}
		let page_size = T::MaxExposurePageSize::get() as usize;
		let mut validators = Vec::with_capacity(elected.len());
		for (validator, own, total, commission, backing) in elected {
			let backers: Vec<_> =
				backing.backers.into_iter().filter(|(_, share)| !share.is_zero()).collect();
			let page_count = backers.len().div_ceil(page_size).max(1) as u32;
			for (page, chunk) in backers.chunks(page_size).enumerate() {
				let page_backers: BoundedVec<_, T::MaxExposurePageSize> =
					BoundedVec::truncate_from(chunk.to_vec());
				ErasStakersPaged::<T>::insert((era, &validator, page as u32), page_backers);
			}
			ErasStakersOverview::<T>::insert(
				era,
				&validator,
				ExposureOverview {
					total,
					own,
					backer_count: backers.len() as u32,
					page_count,
					commission,
				},
			);
			validators.push(validator);
		}
		let elected: BoundedVec<T::AccountId, T::MaxValidators> =
			BoundedVec::truncate_from(validators.clone());
		ErasElected::<T>::insert(era, elected);
		ErasStartSessionIndex::<T>::insert(era, start_session);
		CurrentEra::<T>::put(era);
		Self::deposit_event(Event::EraPlanned {
			era,
			start_session,
			validators: validators.len() as u32,
		});
		Some(validators)
	}

	/// Ends `era`: computes and records its reward, chills its idle validators (at most a
	/// third of the set, the least backed first: more idle than that is an outage, which
	/// chilling would turn into a collapse of the set).
	pub(crate) fn end_era(era: EraIndex, start: Option<u64>) {
		let elected = ErasElected::<T>::get(era);
		Self::charge_hook_weight(T::WeightInfo::end_era(elected.len() as u32));
		let mut chills_left = elected.len() / 3;
		// The elected are stored best backed first.
		for validator in elected.iter().rev() {
			if chills_left == 0 {
				break;
			}
			if ErasRewardPoints::<T>::get(era, validator).is_zero()
				&& Validators::<T>::contains_key(validator)
			{
				Self::do_chill(validator, ChillReason::Idle);
				chills_left = chills_left.saturating_sub(1);
			}
		}
		if ErasTotalPoints::<T>::get(era).is_zero() {
			return;
		}
		let pot = Self::reward_pot();
		let now = T::UnixTime::now().as_millis().saturated_into::<u64>();
		let duration = start.map(|s| now.saturating_sub(s)).unwrap_or(0).min(MILLISECONDS_PER_YEAR);
		let yearly = T::YearlyInflation::get() * T::Currency::total_issuance();
		let inflation = mul_div(yearly, duration as u128, MILLISECONDS_PER_YEAR as u128);
		let inflation = if inflation.is_zero() || T::Currency::mint_into(&pot, inflation).is_err() {
			0
		} else {
			inflation
		};
		let unclaimed = UnclaimedRewards::<T>::get();
		let fees = T::Currency::balance(&pot)
			.saturating_sub(T::Currency::minimum_balance())
			.saturating_sub(unclaimed)
			.saturating_sub(inflation);
		let reward = inflation.saturating_add(fees);
		ErasValidatorReward::<T>::insert(era, reward);
		UnclaimedRewards::<T>::put(unclaimed.saturating_add(reward));
		Self::deposit_event(Event::EraPaid { era, reward, inflation, fees });
	}

	/// Starts `era`: its slashes fall due (the first are applied), the era that fell out of
	/// history is forgotten, and so are the historical sessions of the eras whose offences are
	/// now refused.
	pub(crate) fn start_era(era: EraIndex) {
		ActiveEra::<T>::put(ActiveEraInfo { index: era, start: None });
		let applied = Self::slashes_fall_due(era);
		if let Some(old) = era.checked_sub(T::HistoryDepth::get().saturating_add(1)) {
			Self::clear_era(old);
		}
		let pruned = Self::prune_history(era);
		Self::charge_hook_weight(
			T::WeightInfo::start_era(applied)
				.saturating_add(T::DbWeight::get().reads_writes(pruned.into(), pruned.into())),
		);
		Self::deposit_event(Event::EraStarted { era });
	}

	/// Most historical sessions pruned at one era start: two eras' worth, so that a backlog
	/// (after an upgrade) is caught up without an unbounded era start.
	pub(crate) fn max_sessions_pruned() -> u32 {
		T::SessionsPerEra::get().saturating_mul(2)
	}

	/// From the start of `era`, offences of `era - BondingDuration` and earlier are refused:
	/// prunes the validator sets of their sessions, against which their reports would be
	/// checked, at most [`Self::max_sessions_pruned`] of them. Returns how many sessions it
	/// may have pruned.
	fn prune_history(era: EraIndex) -> u32 {
		let Some(first_kept) =
			era.checked_sub(T::BondingDuration::get()).map(|e| e.saturating_add(1))
		else {
			return 0;
		};
		let Some(target) = ErasStartSessionIndex::<T>::get(first_kept) else { return 0 };
		let done = HistoryPrunedUpTo::<T>::get();
		let up_to = target.min(done.saturating_add(Self::max_sessions_pruned()));
		if up_to <= done {
			return 0;
		}
		T::SessionInterface::prune_up_to(up_to);
		HistoryPrunedUpTo::<T>::put(up_to);
		up_to.saturating_sub(done)
	}

	pub(crate) fn clear_era(era: EraIndex) {
		let limit = T::MaxValidators::get().saturating_mul(Self::max_pages());
		let _ = ErasStakersPaged::<T>::clear_prefix((era,), limit, None);
		let _ = ErasStakersOverview::<T>::clear_prefix(era, T::MaxValidators::get(), None);
		let _ = ErasRewardPoints::<T>::clear_prefix(era, T::MaxValidators::get(), None);
		let _ = ClaimedPages::<T>::clear_prefix(era, T::MaxValidators::get(), None);
		let _ = OffenceSeen::<T>::clear_prefix(era, T::MaxValidators::get(), None);
		ErasElected::<T>::remove(era);
		ErasTotalPoints::<T>::remove(era);
		ErasStartSessionIndex::<T>::remove(era);
		// What was not claimed goes back to the pot's free part: the next era's reward.
		let reward = ErasValidatorReward::<T>::take(era).unwrap_or(0);
		let paid = ErasRewardPaid::<T>::take(era);
		UnclaimedRewards::<T>::mutate(|u| *u = u.saturating_sub(reward.saturating_sub(paid)));
	}
}

impl<T: Config> pallet_session::SessionManager<T::AccountId> for Pallet<T> {
	fn new_session(new_index: SessionIndex) -> Option<Vec<T::AccountId>> {
		let active = ActiveEra::<T>::get()?;
		let current = CurrentEra::<T>::get().unwrap_or(0);
		// An elected era that has not started yet: wait for it.
		if current > active.index {
			return None;
		}
		let start = ErasStartSessionIndex::<T>::get(current).unwrap_or(0);
		if new_index.saturating_sub(start) < T::SessionsPerEra::get() {
			return None;
		}
		Self::plan_era(current.saturating_add(1), new_index)
	}

	fn new_session_genesis(new_index: SessionIndex) -> Option<Vec<T::AccountId>> {
		if new_index == 0 {
			Self::plan_era(0, 0)
		} else {
			None
		}
	}

	fn end_session(_end_index: SessionIndex) {}

	fn start_session(start_index: SessionIndex) {
		let active = ActiveEra::<T>::get();
		let next = active.map(|a| a.index.saturating_add(1)).unwrap_or(0);
		if CurrentEra::<T>::get().is_some_and(|c| c >= next)
			&& ErasStartSessionIndex::<T>::get(next) == Some(start_index)
		{
			if let Some(a) = active {
				Self::end_era(a.index, a.start);
			}
			Self::start_era(next);
		}
	}
}

impl<T: Config> pallet_session::historical::SessionManager<T::AccountId, ()> for Pallet<T> {
	fn new_session(new_index: SessionIndex) -> Option<Vec<(T::AccountId, ())>> {
		<Self as pallet_session::SessionManager<_>>::new_session(new_index)
			.map(|v| v.into_iter().map(|a| (a, ())).collect())
	}

	fn new_session_genesis(new_index: SessionIndex) -> Option<Vec<(T::AccountId, ())>> {
		<Self as pallet_session::SessionManager<_>>::new_session_genesis(new_index)
			.map(|v| v.into_iter().map(|a| (a, ())).collect())
	}

	fn end_session(end_index: SessionIndex) {
		<Self as pallet_session::SessionManager<_>>::end_session(end_index)
	}

	fn start_session(start_index: SessionIndex) {
		<Self as pallet_session::SessionManager<_>>::start_session(start_index)
	}
}

impl<T: Config>
	pallet_authorship::EventHandler<T::AccountId, frame_system::pallet_prelude::BlockNumberFor<T>>
	for Pallet<T>
{
	fn note_author(author: T::AccountId) {
		let Some(active) = ActiveEra::<T>::get() else { return };
		ErasRewardPoints::<T>::mutate(active.index, &author, |p| {
			*p = p.saturating_add(POINTS_PER_BLOCK)
		});
		ErasTotalPoints::<T>::mutate(active.index, |p| *p = p.saturating_add(POINTS_PER_BLOCK));
	}
}
