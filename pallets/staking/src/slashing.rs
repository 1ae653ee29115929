//! Validator offences: queueing, applying and cancelling slashes.

use super::*;

impl<T: Config> Pallet<T> {
	pub(crate) fn apply_slash(slash: &UnappliedSlash<T::AccountId>) {
		let era = slash.offence_era;
		let Some(overview) = ErasStakersOverview::<T>::get(era, &slash.validator) else {
			return;
		};
		Self::slash_staker(&slash.validator, slash.fraction * overview.own);
		for page in 0..overview.page_count {
			for (backer, stake) in
				ErasStakersPaged::<T>::get((era, &slash.validator, page)).unwrap_or_default()
			{
				Self::slash_staker(&backer, slash.fraction * stake);
			}
		}
	}

	/// Moves up to `amount` of the staking bond of `who` (active first, then the newest
	/// unlocking chunks) to the treasury. Returns what was moved.
	pub(crate) fn slash_staker(who: &T::AccountId, amount: Balance) -> Balance {
		let Some(mut ledger) = Ledger::<T>::get(who) else { return 0 };
		let amount = amount.min(ledger.total);
		if amount.is_zero() {
			return 0;
		}
		let moved = T::Currency::transfer_on_hold(
			&HoldReason::Staking.into(),
			who,
			&T::Treasury::get(),
			amount,
			Precision::BestEffort,
			Restriction::Free,
			Fortitude::Force,
		)
		.unwrap_or(0);
		let from_active = moved.min(ledger.active);
		ledger.active = ledger.active.saturating_sub(from_active);
		ledger.take_unlocking(moved.saturating_sub(from_active));
		ledger.total = ledger.total.saturating_sub(moved);
		TotalBonded::<T>::mutate(|t| *t = t.saturating_sub(moved));
		Self::update_ledger(who, ledger);
		if !moved.is_zero() {
			Self::deposit_event(Event::Slashed { stash: who.clone(), amount: moved });
		}
		moved
	}

	/// The era in which `session` lies, among the kept eras.
	pub(crate) fn era_of_session(session: SessionIndex) -> Option<EraIndex> {
		let active = ActiveEra::<T>::get()?.index;
		let oldest = active.saturating_sub(T::HistoryDepth::get());
		(oldest..=active)
			.rev()
			.find(|e| ErasStartSessionIndex::<T>::get(e).is_some_and(|s| s <= session))
	}
}

impl<T: Config, FullIdentification>
	sp_staking::offence::OnOffenceHandler<T::AccountId, (T::AccountId, FullIdentification), Weight>
	for Pallet<T>
{
	fn on_offence(
		offenders: &[OffenceDetails<T::AccountId, (T::AccountId, FullIdentification)>],
		slash_fraction: &[Perbill],
		session: SessionIndex,
	) -> Weight {
		let mut weight = T::WeightInfo::on_offence(offenders.len() as u32);
		let Some(era) = Self::era_of_session(session) else { return weight };
		let too_old = era.saturating_add(T::BondingDuration::get()) <= Self::active_era();
		for (i, details) in offenders.iter().enumerate() {
			let validator = &details.offender.0;
			if !ErasStakersOverview::<T>::contains_key(era, validator) {
				continue;
			}
			if too_old {
				Self::deposit_event(Event::OffenceTooOld {
					validator: validator.clone(),
					offence_era: era,
				});
				continue;
			}
			let reported = slash_fraction.get(i).copied().unwrap_or_default();
			let fraction = reported.max(T::OffenceSlashFraction::get());
			let previous = OffenceSeen::<T>::get(era, validator);
			let slashed = previous.map(|r| r.fraction).unwrap_or_default();
			if previous.is_some() && fraction <= slashed {
				continue;
			}
			if previous.is_none() && Validators::<T>::contains_key(validator) {
				Self::do_chill(validator, ChillReason::Offence);
			}
			// Only an offender of the active era's set is in the session's validators.
			if era == Self::active_era() {
				T::SessionInterface::report_offence(validator.clone(), OffenceSeverity(fraction));
			}
			let top_up = fraction.saturating_sub(slashed);
			// A re-report whose slash is still queued raises it in place.
			let slash =
				UnappliedSlash { validator: validator.clone(), offence_era: era, fraction: top_up };
			let queued = previous
				.filter(|r| Self::raise_queued(r.apply_era, validator, era, top_up))
				.map(|r| r.apply_era)
				.or_else(|| Self::queue_slash(&slash));
			match queued {
				Some(apply_era) => {
					OffenceSeen::<T>::insert(era, validator, OffenceRecord { fraction, apply_era });
					let fraction = UnappliedSlashes::<T>::get(apply_era)
						.iter()
						.find(|s| &s.validator == validator && s.offence_era == era)
						.map(|s| s.fraction)
						.unwrap_or(top_up);
					Self::deposit_event(Event::SlashReported {
						validator: validator.clone(),
						offence_era: era,
						apply_era,
						fraction,
					});
				},
				None => {
					// No queue had room (or slashes are not deferred): applied now, and weighed.
					let now = Self::active_era();
					OffenceSeen::<T>::insert(
						era,
						validator,
						OffenceRecord { fraction, apply_era: now },
					);
					Self::apply_slash(&slash);
					weight.saturating_accrue(T::WeightInfo::start_era(1));
					if !T::SlashDeferDuration::get().is_zero() {
						Self::deposit_event(Event::SlashAppliedAtOnce {
							validator: validator.clone(),
							offence_era: era,
						});
					}
				},
			}
		}
		weight
	}
}

impl<T: Config> Pallet<T> {
	/// Adds `top_up` to the slash of `validator` for `offence_era` queued at `apply_era`, if
	/// it is still there. Returns whether it was.
	pub(crate) fn raise_queued(
		apply_era: EraIndex,
		validator: &T::AccountId,
		offence_era: EraIndex,
		top_up: Perbill,
	) -> bool {
		if apply_era <= Self::active_era() {
			return false;
		}
		UnappliedSlashes::<T>::mutate(apply_era, |slashes| {
			slashes
				.iter_mut()
				.find(|s| &s.validator == validator && s.offence_era == offence_era)
				.map(|s| s.fraction = s.fraction.saturating_add(top_up))
				.is_some()
		})
	}

	/// Queues `slash` at the first era with room from [`Config::SlashDeferDuration`] eras after
	/// its offence (and after the active era) to the era in which the offence era's unbonded
	/// funds unlock, whose slashes are applied before any withdrawal. Returns that era, or
	/// `None` when none had room or slashes are not deferred (the caller applies it at once).
	pub(crate) fn queue_slash(slash: &UnappliedSlash<T::AccountId>) -> Option<EraIndex> {
		let defer = T::SlashDeferDuration::get();
		if defer.is_zero() {
			return None;
		}
		let first =
			slash.offence_era.saturating_add(defer).max(Self::active_era().saturating_add(1));
		let last = slash.offence_era.saturating_add(T::BondingDuration::get());
		(first..=last).find(|apply_era| {
			UnappliedSlashes::<T>::try_mutate(apply_era, |s| s.try_push(slash.clone())).is_ok()
		})
	}
}
