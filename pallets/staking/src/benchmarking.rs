//! Benchmarks of `pallet-zg-staking` (frame-benchmarking v2). Every call and every era
//! transition is measured in its worst case within the configured bounds.

use super::*;
use frame_benchmarking::v2::*;
use frame_support::traits::fungible::Mutate;
use frame_support::traits::EnsureOrigin;
use frame_system::RawOrigin;
use zg_primitives::currency::ZG;

const SEED: u32 = 0;

fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, SEED);
	T::Currency::set_balance(&who, 10_000_000 * ZG);
	who
}

/// Sets the minimums and removes the chain's own validator candidates (a dev chain has one), so
/// that each benchmark counts only what it sets up.
fn set_minimums<T: Config>() {
	let _ = Validators::<T>::clear(u32::MAX, None);
	MinValidatorBond::<T>::put(100 * ZG);
	MinDelegatorBond::<T>::put(10 * ZG);
	ValidatorCount::<T>::put(T::MaxValidators::get());
	for role in Role::ALL {
		MinRoleBond::<T>::insert(role, 100 * ZG);
	}
}

fn validator<T: Config>(index: u32) -> T::AccountId {
	let who = funded::<T>("validator", index);
	Pallet::<T>::bond(RawOrigin::Signed(who.clone()).into(), 1_000 * ZG).unwrap();
	Pallet::<T>::validate(RawOrigin::Signed(who.clone()).into(), Perbill::from_percent(5)).unwrap();
	who
}

/// Fills the backers of `v` up to `room` below the maximum, with dummy shares of 1 000 0G.
fn fill_backers_but<T: Config>(v: &T::AccountId, room: u32) {
	Backers::<T>::mutate(v, |b| {
		let mut i = b.backers.len() as u32;
		while (b.backers.len() as u32) + room < T::MaxBackersPerValidator::get() {
			let _ = b.backers.try_push((account("filler", i, SEED), 1_000 * ZG));
			b.total = b.total.saturating_add(1_000 * ZG);
			i += 1;
		}
	});
}

/// Fills the backers of `v` up to one below the maximum.
fn fill_backers<T: Config>(v: &T::AccountId) {
	fill_backers_but::<T>(v, 1);
}

/// `count` delegators of group `group`, each bonded `MaxDelegationTargets × 100` 0G and backing
/// the group's `MaxDelegationTargets` validators with 100 0G each: slashing one re-splits its
/// bond over that many full backer lists (the worst case of a slashed backer). Groups share no
/// account, so that nothing is cached from one slash to the next.
fn spread_delegators<T: Config>(group: u32, count: u32) -> Vec<T::AccountId> {
	let n = T::MaxDelegationTargets::get();
	let targets: Vec<_> = (0..n).map(|i| validator::<T>(10_000 + group * n + i)).collect();
	let targets: BoundedVec<_, T::MaxDelegationTargets> = BoundedVec::truncate_from(targets);
	let mut delegators = Vec::new();
	for j in 0..count {
		let who = funded::<T>("spread", group * count + j);
		Pallet::<T>::bond(RawOrigin::Signed(who.clone()).into(), 100 * ZG * n as u128).unwrap();
		Delegations::<T>::insert(&who, &targets);
		delegators.push(who);
	}
	for target in targets.iter() {
		Backers::<T>::mutate(target, |b| {
			for who in &delegators {
				if b.backers.try_push((who.clone(), 100 * ZG)).is_ok() {
					b.total = b.total.saturating_add(100 * ZG);
				}
			}
		});
	}
	delegators
}

/// A delegator backing `n` validators, each with (almost) full backer lists.
fn delegator<T: Config>(n: u32) -> T::AccountId {
	let targets: Vec<_> = (0..n).map(|i| validator::<T>(1_000 + i)).collect();
	for t in &targets {
		fill_backers::<T>(t);
	}
	let who = funded::<T>("delegator", 0);
	Pallet::<T>::bond(RawOrigin::Signed(who.clone()).into(), 1_000 * ZG).unwrap();
	Pallet::<T>::delegate(RawOrigin::Signed(who.clone()).into(), targets).unwrap();
	who
}

fn set_active_era<T: Config>(index: EraIndex) {
	ActiveEra::<T>::put(ActiveEraInfo { index, start: Some(0) });
	CurrentEra::<T>::put(index);
}

/// Puts an elected `validator` with `backers` bonded backers into era `era`'s exposure.
fn expose<T: Config>(era: EraIndex, validator: &T::AccountId, backers: u32, bonded: bool) {
	let backers: Vec<T::AccountId> = (0..backers)
		.map(|i| {
			if bonded {
				let who = funded::<T>("backer", i);
				if !Ledger::<T>::contains_key(&who) {
					Pallet::<T>::bond(RawOrigin::Signed(who.clone()).into(), 100 * ZG).unwrap();
				}
				who
			} else {
				account("backer", i, SEED)
			}
		})
		.collect();
	expose_backers::<T>(era, validator, &backers);
}

/// Puts an elected `validator` backed by `backers` (100 0G each) into era `era`'s exposure.
fn expose_backers<T: Config>(era: EraIndex, validator: &T::AccountId, backers: &[T::AccountId]) {
	let page_size = T::MaxExposurePageSize::get() as usize;
	let pages: Vec<Vec<(T::AccountId, Balance)>> = backers
		.chunks(page_size)
		.map(|chunk| chunk.iter().map(|who| (who.clone(), 100 * ZG)).collect())
		.collect();
	let backers = backers.len() as u32;
	let page_count = (pages.len() as u32).max(1);
	for (p, page) in pages.into_iter().enumerate() {
		let page: BoundedVec<_, T::MaxExposurePageSize> = BoundedVec::truncate_from(page);
		ErasStakersPaged::<T>::insert((era, validator, p as u32), page);
	}
	ErasStakersOverview::<T>::insert(
		era,
		validator,
		ExposureOverview {
			total: 1_000 * ZG + 100 * ZG * backers as u128,
			own: 1_000 * ZG,
			backer_count: backers,
			page_count,
			commission: Perbill::from_percent(5),
		},
	);
}

/// Queues a slash of `validator` for `offence_era`, due at `apply_era`.
fn queue_slash<T: Config>(validator: &T::AccountId, offence_era: EraIndex, apply_era: EraIndex) {
	let fraction = Perbill::from_percent(10);
	UnappliedSlashes::<T>::insert(
		apply_era,
		(validator, offence_era),
		UnappliedSlash { fraction, reporter: Some(account("reporter", 0, SEED)) },
	);
	OffenceSeen::<T>::insert(offence_era, validator, OffenceRecord { fraction, apply_era });
}

/// Queues `s` slashes due at `apply_era` of validators exposed in `offence_era` with the
/// most backers, each backer spread over the most validators (each offender's own).
fn queue_spread_slashes<T: Config>(s: u32, offence_era: EraIndex, apply_era: EraIndex) {
	for i in 0..s {
		let backers = spread_delegators::<T>(i, T::MaxBackersPerValidator::get());
		let v = validator::<T>(i);
		expose_backers::<T>(offence_era, &v, &backers);
		queue_slash::<T>(&v, offence_era, apply_era);
	}
	T::Currency::set_balance(&T::Treasury::get(), 1_000 * ZG);
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn bond() {
		set_minimums::<T>();
		let who = funded::<T>("staker", 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), 1_000 * ZG);
		assert_eq!(Ledger::<T>::get(&who).unwrap().total, 1_000 * ZG);
	}

	#[benchmark]
	fn bond_extra() {
		set_minimums::<T>();
		let who = delegator::<T>(T::MaxDelegationTargets::get());
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), 1_000 * ZG);
		assert_eq!(Ledger::<T>::get(&who).unwrap().active, 2_000 * ZG);
	}

	#[benchmark]
	fn unbond() {
		set_minimums::<T>();
		let who = delegator::<T>(T::MaxDelegationTargets::get());
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), 500 * ZG);
		assert_eq!(Ledger::<T>::get(&who).unwrap().active, 500 * ZG);
	}

	#[benchmark]
	fn withdraw_unbonded() {
		set_minimums::<T>();
		let who = delegator::<T>(T::MaxDelegationTargets::get());
		Pallet::<T>::unbond(RawOrigin::Signed(who.clone()).into(), 500 * ZG).unwrap();
		for role in Role::ALL {
			Pallet::<T>::register_role(RawOrigin::Signed(who.clone()).into(), role, 100 * ZG)
				.unwrap();
			Pallet::<T>::unregister_role(RawOrigin::Signed(who.clone()).into(), role).unwrap();
		}
		set_active_era::<T>(T::BondingDuration::get());
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));
		assert_eq!(Ledger::<T>::get(&who).unwrap().total, 500 * ZG);
		assert_eq!(TotalRoleBonded::<T>::get(), 0);
	}

	#[benchmark]
	fn rebond() {
		set_minimums::<T>();
		let who = delegator::<T>(T::MaxDelegationTargets::get());
		Pallet::<T>::unbond(RawOrigin::Signed(who.clone()).into(), 500 * ZG).unwrap();
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), 500 * ZG);
		assert_eq!(Ledger::<T>::get(&who).unwrap().active, 1_000 * ZG);
	}

	#[benchmark]
	fn validate() {
		set_minimums::<T>();
		let who = funded::<T>("staker", 0);
		Pallet::<T>::bond(RawOrigin::Signed(who.clone()).into(), 1_000 * ZG).unwrap();
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), Perbill::from_percent(10));
		assert!(Validators::<T>::contains_key(&who));
	}

	#[benchmark]
	fn chill() {
		set_minimums::<T>();
		let who = delegator::<T>(T::MaxDelegationTargets::get());
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));
		assert!(!Delegations::<T>::contains_key(&who));
	}

	/// Delegating to `n` full validators, each of whose smallest backer is evicted and
	/// re-split over the most other full validators.
	#[benchmark]
	fn delegate(n: Linear<1, { T::MaxDelegationTargets::get() }>) {
		set_minimums::<T>();
		// Already delegating to the maximum: the old backing is removed first.
		let who = delegator::<T>(T::MaxDelegationTargets::get());
		let max = T::MaxDelegationTargets::get();
		let others: Vec<_> = (1..max).map(|i| validator::<T>(3_000 + i)).collect();
		for o in &others {
			fill_backers_but::<T>(o, max);
		}
		let mut evictees = Vec::new();
		let targets: Vec<_> = (0..n)
			.map(|i| {
				let target = validator::<T>(i);
				fill_backers::<T>(&target);
				// The smallest backer: the minimum share on each of the most targets.
				let evictee = funded::<T>("evictee", i);
				let mut its_targets = alloc::vec![target.clone()];
				its_targets.extend(others.iter().cloned());
				let amount = 10 * ZG * its_targets.len() as u128;
				Pallet::<T>::bond(RawOrigin::Signed(evictee.clone()).into(), amount).unwrap();
				Pallet::<T>::delegate(RawOrigin::Signed(evictee.clone()).into(), its_targets)
					.unwrap();
				evictees.push(evictee);
				target
			})
			.collect();
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), targets);
		assert_eq!(Delegations::<T>::get(&who).unwrap().len() as u32, n);
		for evictee in evictees {
			assert_eq!(Delegations::<T>::get(&evictee).unwrap().len() as u32, max - 1);
		}
	}

	#[benchmark]
	fn register_role() {
		set_minimums::<T>();
		let who = funded::<T>("provider", 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), Role::StorageProvider, 100 * ZG);
		assert!(Pallet::<T>::is_eligible(&who, Role::StorageProvider));
	}

	#[benchmark]
	fn unregister_role() {
		set_minimums::<T>();
		let who = funded::<T>("provider", 0);
		Pallet::<T>::register_role(
			RawOrigin::Signed(who.clone()).into(),
			Role::StorageProvider,
			100 * ZG,
		)
		.unwrap();
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), Role::StorageProvider);
		assert!(!Pallet::<T>::is_eligible(&who, Role::StorageProvider));
	}

	#[benchmark]
	fn payout_stakers(n: Linear<0, { T::MaxExposurePageSize::get() }>) {
		set_minimums::<T>();
		let v = validator::<T>(0);
		expose::<T>(0, &v, n, true);
		ErasValidatorReward::<T>::insert(0, 1_000 * ZG);
		ErasRewardPoints::<T>::insert(0, &v, 20);
		ErasTotalPoints::<T>::insert(0, 20);
		UnclaimedRewards::<T>::put(1_000 * ZG);
		T::Currency::set_balance(&Pallet::<T>::reward_pot(), 2_000 * ZG);
		set_active_era::<T>(1);
		let caller = funded::<T>("caller", 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(caller), v.clone(), 0, 0);
		assert_eq!(ClaimedPages::<T>::get(0, &v), 1);
	}

	#[benchmark]
	fn set_config() -> Result<(), BenchmarkError> {
		let count = T::MaxValidators::get();
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, count, 1_000 * ZG, 10 * ZG);
		assert_eq!(ValidatorCount::<T>::get(), count);
		Ok(())
	}

	#[benchmark]
	fn set_min_role_bond() -> Result<(), BenchmarkError> {
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, Role::ComputeProvider, 1_000 * ZG);
		assert_eq!(MinRoleBond::<T>::get(Role::ComputeProvider), 1_000 * ZG);
		Ok(())
	}

	#[benchmark]
	fn cancel_deferred_slash() -> Result<(), BenchmarkError> {
		let v: T::AccountId = account("validator", 0, SEED);
		queue_slash::<T>(&v, 0, 3);
		let origin = T::SlashCancelOrigin::try_successful_origin()
			.map_err(|_| BenchmarkError::Weightless)?;
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, v.clone(), 0);
		assert_eq!(UnappliedSlashes::<T>::iter().count(), 0);
		Ok(())
	}

	/// Electing among `c` candidates with `b` backers each (all are elected, up to
	/// `MaxValidators`).
	#[benchmark]
	fn plan_era(
		c: Linear<1, { T::MaxCandidates::get() }>,
		b: Linear<0, { T::MaxBackersPerValidator::get() }>,
	) {
		set_minimums::<T>();
		for i in 0..c {
			let v: T::AccountId = account("validator", i, SEED);
			Ledger::<T>::insert(
				&v,
				StakingLedger::<T> {
					total: 1_000 * ZG,
					active: 1_000 * ZG,
					unlocking: Default::default(),
				},
			);
			Validators::<T>::insert(&v, ValidatorPrefs::default());
			Backers::<T>::mutate(&v, |backing| {
				for j in 0..b {
					let _ = backing.backers.try_push((account("backer", j, SEED), ZG));
					backing.total = backing.total.saturating_add(ZG);
				}
			});
		}
		set_active_era::<T>(0);
		let elected;
		#[block]
		{
			elected = Pallet::<T>::plan_era(1, T::SessionsPerEra::get());
		}
		assert_eq!(elected.map(|e| e.len() as u32), Some(c.min(T::MaxValidators::get())));
	}

	/// Ending an era whose `v` elected validators all authored nothing (a third are chilled).
	#[benchmark]
	fn end_era(v: Linear<1, { T::MaxValidators::get() }>) {
		set_minimums::<T>();
		let elected: Vec<_> = (0..v).map(|i| validator::<T>(i)).collect();
		let elected: BoundedVec<_, T::MaxValidators> = BoundedVec::truncate_from(elected);
		ErasElected::<T>::insert(0, elected);
		ErasTotalPoints::<T>::insert(0, 20);
		set_active_era::<T>(0);
		#[block]
		{
			Pallet::<T>::end_era(0, Some(0));
		}
		assert_eq!(Validators::<T>::count(), v - v / 3);
		assert!(ErasValidatorReward::<T>::get(0).is_some());
	}

	/// Starting an era at which `s` slashes fall due and are applied, each of a validator
	/// with the most backers, each backer a delegator spread over the most validators; and
	/// forgetting a full old era.
	#[benchmark]
	fn start_era(s: Linear<0, { T::MaxSlashesPerBlock::get() }>) {
		set_minimums::<T>();
		let era = T::HistoryDepth::get() + 1;
		set_active_era::<T>(era - 1);
		queue_spread_slashes::<T>(s, era - 1, era);
		for i in 0..T::MaxValidators::get() {
			let v: T::AccountId = account("old", i, SEED);
			expose::<T>(0, &v, T::MaxBackersPerValidator::get(), false);
		}
		ErasValidatorReward::<T>::insert(0, 1_000 * ZG);
		#[block]
		{
			Pallet::<T>::start_era(era);
		}
		assert_eq!(Pallet::<T>::active_era(), era);
		assert!(ErasValidatorReward::<T>::get(0).is_none());
		assert_eq!(UnappliedSlashes::<T>::iter().count(), 0);
	}

	/// Applying `s` due slashes in a block (as `start_era`'s).
	#[benchmark]
	fn apply_slashes(s: Linear<0, { T::MaxSlashesPerBlock::get() }>) {
		set_minimums::<T>();
		let era = T::BondingDuration::get();
		set_active_era::<T>(era);
		queue_spread_slashes::<T>(s, era - 1, era);
		SlashesDue::<T>::put(era);
		let applied;
		#[block]
		{
			applied = Pallet::<T>::apply_due_slashes(T::MaxSlashesPerBlock::get());
		}
		assert_eq!(applied, s);
		assert!(!SlashesDue::<T>::exists());
	}

	/// Reporting `o` offenders of the active era (each chilled, disabled, its slash queued).
	#[benchmark]
	fn on_offence(o: Linear<1, { T::MaxValidators::get() }>) {
		set_minimums::<T>();
		set_active_era::<T>(1);
		ErasStartSessionIndex::<T>::insert(1, 3);
		let offenders: Vec<_> = (0..o)
			.map(|i| {
				let v = validator::<T>(i);
				expose::<T>(1, &v, 0, false);
				OffenceDetails {
					offender: (v, ()),
					reporters: alloc::vec![account::<T::AccountId>("reporter", i, SEED)],
				}
			})
			.collect();
		#[block]
		{
			let _ = <Pallet<T> as sp_staking::offence::OnOffenceHandler<
				T::AccountId,
				(T::AccountId, ()),
				Weight,
			>>::on_offence(&offenders, &[], 4);
		}
		assert_eq!(Validators::<T>::count(), 0);
		assert_eq!(UnappliedSlashes::<T>::iter().count() as u32, o);
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::ExtBuilder::bare().build(), crate::mock::Test);
}
