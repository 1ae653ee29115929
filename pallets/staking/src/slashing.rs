//! Validator offences: queueing, applying and cancelling their slashes.
//!
//! pallet-offences reports an equivocation with the fraction to slash. The slash waits in
//! [`UnappliedSlashes`] under the era at whose start it is due: [`Config::SlashDeferDuration`]
//! eras after the offence (or the next era, for a late report), never later than the era in
//! which the offence era's unbonded funds unlock. An offence is recorded once per era and
//! validator in [`OffenceSeen`]; a later report with a larger fraction raises the waiting slash
//! or queues the difference (also after a cancellation, which cancels only what was reported).
//! Offences at least [`Config::BondingDuration`] eras old are refused, so the queue holds at most `MaxValidators × BondingDuration` slashes and never overflows.
//!
//! When an era starts, its slashes become due ([`SlashesDue`]): up to
//! [`Config::MaxSlashesPerBlock`] are applied at once, the rest in the next blocks'
//! `on_initialize`. Until every due slash is applied, no unbonded funds are withdrawn.

use super::*;

impl<T: Config> Pallet<T> {
	/// Queues (or raises) the slash of `validator` for an offence in `era` reported with
	/// `reported`, unless the offence is already slashed (or cancelled) that much, or too old.
	fn report(
		validator: &T::AccountId,
		era: EraIndex,
		reported: Perbill,
		reporters: &[T::AccountId],
	) {
		let active = Self::active_era();
		if era.saturating_add(T::BondingDuration::get()) <= active {
			Self::deposit_event(Event::OffenceTooOld {
				validator: validator.clone(),
				offence_era: era,
			});
			return;
		}
		let fraction = reported.max(T::OffenceSlashFraction::get());
		let previous = OffenceSeen::<T>::get(era, validator);
		if previous.is_some_and(|r| fraction <= r.fraction) {
			return;
		}
		if Validators::<T>::contains_key(validator) {
			Self::do_chill(validator, ChillReason::Offence);
		}
		// Only an offender of the active era's set is among the session's validators.
		if era == active {
			T::SessionInterface::report_offence(validator.clone(), OffenceSeverity(fraction));
		}
		let top_up = fraction.saturating_sub(previous.map(|r| r.fraction).unwrap_or_default());
		let key = (validator.clone(), era);
		// A slash still waiting is raised in place; otherwise the top-up waits on its own.
		let waiting = previous
			.map(|r| r.apply_era)
			.filter(|apply_era| UnappliedSlashes::<T>::contains_key(apply_era, &key));
		let apply_era = waiting.unwrap_or_else(|| {
			era.saturating_add(T::SlashDeferDuration::get()).max(active.saturating_add(1))
		});
		let reporter = reporters.iter().find(|r| *r != validator).cloned();
		let slash = Self::add_to_slash(apply_era, &key, top_up, reporter);
		OffenceSeen::<T>::insert(era, validator, OffenceRecord { fraction, apply_era });
		Self::deposit_event(Event::SlashReported {
			validator: validator.clone(),
			offence_era: era,
			apply_era,
			fraction: slash.fraction,
		});
	}

	/// Adds `fraction` to the slash of `key` (offender, offence era) due at `apply_era`,
	/// queueing it with `reporter` if none waits there. Returns the slash as it now waits.
	pub(crate) fn add_to_slash(
		apply_era: EraIndex,
		key: &(T::AccountId, EraIndex),
		fraction: Perbill,
		reporter: Option<T::AccountId>,
	) -> UnappliedSlash<T::AccountId> {
		UnappliedSlashes::<T>::mutate(apply_era, key, |slash| {
			let slash = slash.get_or_insert(UnappliedSlash { fraction: Perbill::zero(), reporter });
			slash.fraction = slash.fraction.saturating_add(fraction);
			slash.clone()
		})
	}

	/// Makes the slashes of `era` due (it has just started) and applies the first of them.
	/// Returns how many were applied.
	pub(crate) fn slashes_fall_due(era: EraIndex) -> u32 {
		SlashesDue::<T>::mutate(|due| *due = Some(due.map_or(era, |d| d.min(era))));
		Self::apply_due_slashes(T::MaxSlashesPerBlock::get())
	}

	/// Applies up to `max` due slashes, oldest era first. Returns how many were applied.
	pub(crate) fn apply_due_slashes(max: u32) -> u32 {
		let Some(mut era) = SlashesDue::<T>::get() else { return 0 };
		let active = Self::active_era();
		let mut applied = 0u32;
		loop {
			let room = max.saturating_sub(applied) as usize;
			// One more than there is room for: whether some are left.
			let mut batch: Vec<_> =
				UnappliedSlashes::<T>::iter_prefix(era).take(room.saturating_add(1)).collect();
			let more = batch.len() > room;
			batch.truncate(room);
			for ((validator, offence_era), slash) in batch {
				UnappliedSlashes::<T>::remove(era, (&validator, offence_era));
				Self::apply_slash(&validator, offence_era, &slash);
				applied = applied.saturating_add(1);
			}
			if more {
				SlashesDue::<T>::put(era);
				return applied;
			}
			if era >= active {
				SlashesDue::<T>::kill();
				return applied;
			}
			era = era.saturating_add(1);
		}
	}

	/// Slashes `fraction` of every stake exposed behind `validator` in `offence_era`, and pays
	/// the reporter its share of what the offender's own stake lost. Returns the total
	/// slashed.
	pub(crate) fn apply_slash(
		validator: &T::AccountId,
		offence_era: EraIndex,
		slash: &UnappliedSlash<T::AccountId>,
	) -> Balance {
		let Some(overview) = ErasStakersOverview::<T>::get(offence_era, validator) else {
			return 0;
		};
		let fraction = slash.fraction;
		let own = Self::slash_staker(validator, fraction * overview.own);
		let mut total = own;
		for page in 0..overview.page_count {
			for (backer, stake) in
				ErasStakersPaged::<T>::get((offence_era, validator, page)).unwrap_or_default()
			{
				total = total.saturating_add(Self::slash_staker(&backer, fraction * stake));
			}
		}
		if let Some(reporter) = &slash.reporter {
			let reward = T::ReporterShare::get() * own;
			if !reward.is_zero()
				&& T::Currency::transfer(
					&T::Treasury::get(),
					reporter,
					reward,
					Preservation::Preserve,
				)
				.is_ok()
			{
				Self::deposit_event(Event::ReporterRewarded {
					reporter: reporter.clone(),
					validator: validator.clone(),
					offence_era,
					amount: reward,
				});
			}
		}
		total
	}

	/// Cancels the waiting slash of `validator` for `offence_era`. Its record keeps the
	/// fraction reported, so that a later report slashes only what exceeds it.
	pub(crate) fn do_cancel_slash(
		validator: &T::AccountId,
		offence_era: EraIndex,
	) -> Result<Perbill, Error<T>> {
		let record =
			OffenceSeen::<T>::get(offence_era, validator).ok_or(Error::<T>::NoSuchSlash)?;
		let slash = UnappliedSlashes::<T>::take(record.apply_era, (validator, offence_era))
			.ok_or(Error::<T>::NoSuchSlash)?;
		Ok(slash.fraction)
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
		let weight = T::WeightInfo::on_offence(offenders.len() as u32);
		let Some(era) = Self::era_of_session(session) else { return weight };
		for (i, details) in offenders.iter().enumerate() {
			let validator = &details.offender.0;
			// Only an elected validator of the era has an exposure to slash.
			if !ErasStakersOverview::<T>::contains_key(era, validator) {
				continue;
			}
			let reported = slash_fraction.get(i).copied().unwrap_or_default();
			Self::report(validator, era, reported, &details.reporters);
		}
		weight
	}
}
