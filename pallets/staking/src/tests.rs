//! Unit tests on the mock runtime.

use crate::{mock::*, *};
use codec::{Decode, Encode};
use frame_support::{
	assert_noop, assert_ok,
	traits::{fungible::Balanced, OnUnbalanced},
};
use sp_runtime::TokenError;
use sp_staking::offence::{OffenceDetails, OnOffenceHandler};

fn origin(who: AccountId) -> RuntimeOrigin {
	RuntimeOrigin::signed(who)
}

/// Puts `amount` of fees into the reward pot, as the transaction-payment adapter does.
fn pay_fees(amount: Balance) {
	FeesToRewardPot::<Test>::on_unbalanced(Balances::issue(amount));
}

/// Reports an offence of `validator` in `session` with a fraction below the pallet's minimum
/// ([`Config::OffenceSlashFraction`], 10 % in the mock), which therefore applies.
fn report_offence(validator: AccountId, session: SessionIndex) {
	report_offences(&[validator], session, Perbill::zero());
}

/// Reports one offence of each of `validators` in `session`, as pallet-offences does, with
/// `fraction` for each.
fn report_offences(validators: &[AccountId], session: SessionIndex, fraction: Perbill) {
	report(validators, session, fraction, vec![]);
}

/// Reports one offence of each of `validators` in `session` with `fraction`, by `reporters`.
fn report(
	validators: &[AccountId],
	session: SessionIndex,
	fraction: Perbill,
	reporters: Vec<AccountId>,
) {
	let details: Vec<_> = validators
		.iter()
		.map(|v| OffenceDetails::<AccountId, (AccountId, ())> {
			offender: (*v, ()),
			reporters: reporters.clone(),
		})
		.collect();
	let _ = <Staking as OnOffenceHandler<AccountId, (AccountId, ()), Weight>>::on_offence(
		&details,
		&vec![fraction; validators.len()],
		session,
	);
}

/// Reports an offence of `validator` in `session` (10 %), with `reporter`.
fn report_offence_by(validator: AccountId, session: SessionIndex, reporter: AccountId) {
	report(&[validator], session, Perbill::zero(), vec![reporter]);
}

/// The offenders, chilled by their offence, stand again (so that the next eras are elected).
fn revalidate(validators: &[AccountId]) {
	for v in validators {
		assert_ok!(Staking::validate(origin(*v), Perbill::zero()));
	}
}

/// The fraction of the slash of `validator` for `offence_era` waiting at `apply_era`.
fn queued(apply_era: EraIndex, validator: AccountId, offence_era: EraIndex) -> Option<Perbill> {
	UnappliedSlashes::<Test>::get(apply_era, (validator, offence_era)).map(|s| s.fraction)
}

#[test]
fn genesis_elects_the_most_backed_validators_in_order() {
	ExtBuilder::default().build_and_execute(|| {
		// 20 (2000) and 10 (1000) beat 30 (500).
		assert_eq!(Session::validators(), vec![20, 10]);
		assert_eq!(ErasElected::<Test>::get(0).into_inner(), vec![20, 10]);
		assert_eq!(Staking::active_era(), 0);
		assert_eq!(TotalBonded::<Test>::get(), 3_500 * ZG);
		assert_eq!(held(10, HoldReason::Staking), 1_000 * ZG);
		assert_eq!(free(10), 9_000 * ZG);
	});
}

#[test]
fn every_candidate_is_elected_when_the_count_allows() {
	ExtBuilder::default().validator_count(3).build_and_execute(|| {
		assert_eq!(Session::validators(), vec![20, 10, 30]);
	});
}

#[test]
fn without_stakers_no_era_is_planned() {
	ExtBuilder::bare().build_and_execute(|| {
		assert_eq!(CurrentEra::<Test>::get(), None);
		assert!(ActiveEra::<Test>::get().is_none());
		for _ in 0..4 {
			Session::rotate();
		}
		assert!(Session::validators().is_empty());
		assert_eq!(CurrentEra::<Test>::get(), None);
	});
}

#[test]
fn delegation_changes_the_next_election() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Staking::bond(origin(40), 3_000 * ZG));
		assert_ok!(Staking::delegate(origin(40), vec![30, 10]));
		// 3000 split evenly: 30 has 500 + 1500 = 2000, 10 has 1000 + 1500 = 2500.
		assert_eq!(Backers::<Test>::get(30).total, 1_500 * ZG);
		assert_eq!(
			Staking::elect().iter().map(|e| (e.0, e.2)).collect::<Vec<_>>(),
			vec![(10, 2_500 * ZG), (20, 2_000 * ZG)]
		);
		start_era(1);
		// Elected at session 3, active from then on; ties break by account.
		assert_eq!(Session::validators(), vec![10, 20]);
		let overview = ErasStakersOverview::<Test>::get(1, 10).unwrap();
		assert_eq!(overview.own, 1_000 * ZG);
		assert_eq!(overview.total, 2_500 * ZG);
		assert_eq!(overview.backer_count, 1);
		assert_eq!(overview.commission, Perbill::from_percent(10));
		// A bigger delegation to 30 pushes 20 out.
		assert_ok!(Staking::delegate(origin(40), vec![30]));
		start_era(2);
		assert_eq!(Session::validators(), vec![30, 20]);
	});
}

#[test]
fn exact_rewards_with_commission_and_delegators() {
	ExtBuilder::default()
		.staker(40, 1_000 * ZG, StakerStatus::Delegator(vec![10]))
		.build_and_execute(|| {
			YearlyInflation::set(Perbill::zero());
			// Era 0: 10 (2000 backing: own 1000, 40's 1000) and 20 (2000 own).
			assert_eq!(Session::validators(), vec![10, 20]);
			pay_fees(800 * ZG);
			// 10 authors three times as many blocks as 20: 60 and 20 points.
			for _ in 0..3 {
				<Staking as pallet_authorship::EventHandler<AccountId, u64>>::note_author(10);
			}
			<Staking as pallet_authorship::EventHandler<AccountId, u64>>::note_author(20);
			start_era_silently(1);
			assert_eq!(ErasValidatorReward::<Test>::get(0), Some(800 * ZG));
			assert!(staking_events().contains(&Event::EraPaid {
				era: 0,
				reward: 800 * ZG,
				inflation: 0,
				fees: 800 * ZG
			}));
			assert_eq!(UnclaimedRewards::<Test>::get(), 800 * ZG);

			let (f10, f20, f40) = (free(10), free(20), free(40));
			assert_ok!(Staking::payout_stakers(origin(1), 10, 0, 0));
			assert_ok!(Staking::payout_stakers(origin(1), 20, 0, 0));
			// 10 earns 600: 60 commission, then 540 split 1:1 with 40.
			assert_eq!(free(10) - f10, 330 * ZG);
			assert_eq!(free(40) - f40, 270 * ZG);
			// 20 earns 200, all its own.
			assert_eq!(free(20) - f20, 200 * ZG);
			assert_eq!(UnclaimedRewards::<Test>::get(), 0);
			assert_eq!(ErasRewardPaid::<Test>::get(0), 800 * ZG);
			assert_noop!(
				Staking::payout_stakers(origin(1), 10, 0, 0),
				Error::<Test>::AlreadyClaimed
			);
			// Era 1 has not ended; 30 was not elected in era 0.
			assert_noop!(Staking::payout_stakers(origin(1), 10, 1, 0), Error::<Test>::InvalidEra);
			assert_noop!(Staking::payout_stakers(origin(1), 30, 0, 0), Error::<Test>::NotElected);
		});
}

#[test]
fn inflation_is_paid_pro_rata_of_the_era_duration() {
	ExtBuilder::default().build_and_execute(|| {
		let issuance = Balances::total_issuance();
		author_blocks(1);
		start_era_silently(1);
		// From the first block (t = 1 ms) to the block that starts session 3 (t = 120 001 ms):
		// rotations happen before the block's timestamp is set.
		let duration: u128 = 2 * SESSION_MS as u128;
		let expected = Perbill::from_percent(10) * issuance * duration / 31_557_600_000u128;
		assert_eq!(ErasValidatorReward::<Test>::get(0), Some(expected));
		assert_eq!(Balances::total_issuance(), issuance + expected);
		// Both validators authored the same number of blocks: half each.
		let f20 = free(20);
		assert_ok!(Staking::payout_stakers(origin(1), 20, 0, 0));
		assert_eq!(free(20) - f20, expected / 2);
	});
}

#[test]
fn payouts_are_paged() {
	let mut builder = ExtBuilder::default();
	for d in 41..=45 {
		builder = builder.staker(d, 100 * ZG, StakerStatus::Delegator(vec![10]));
	}
	builder.build_and_execute(|| {
		YearlyInflation::set(Perbill::zero());
		let overview = ErasStakersOverview::<Test>::get(0, 10).unwrap();
		// Five backers, two per page.
		assert_eq!((overview.backer_count, overview.page_count), (5, 3));
		pay_fees(1_000 * ZG);
		author_blocks(1);
		start_era(1);
		assert_noop!(Staking::payout_stakers(origin(1), 10, 0, 3), Error::<Test>::InvalidPage);
		let before: Vec<_> = (41..=45).map(free).collect();
		for page in [2, 0, 1] {
			assert_ok!(Staking::payout_stakers(origin(1), 10, 0, page));
		}
		assert_noop!(Staking::payout_stakers(origin(1), 10, 0, 1), Error::<Test>::AlreadyClaimed);
		// 10 earns 500 (half the points): 50 commission, 450 over a stake of 1500.
		for (i, d) in (41..=45).enumerate() {
			assert_eq!(free(d) - before[i], 30 * ZG, "delegator {d}");
		}
	});
}

#[test]
fn unbond_withdraw_and_rebond() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Staking::bond(origin(40), 1_000 * ZG));
		assert_ok!(Staking::unbond(origin(40), 300 * ZG));
		assert_ok!(Staking::unbond(origin(40), 200 * ZG));
		let ledger = Ledger::<Test>::get(40).unwrap();
		assert_eq!((ledger.total, ledger.active), (1_000 * ZG, 500 * ZG));
		// Both unbond in era 0: one chunk, unlocking at era 2.
		assert_eq!(ledger.unlocking.into_inner(), vec![UnlockChunk { value: 500 * ZG, era: 2 }]);
		assert_ok!(Staking::rebond(origin(40), 100 * ZG));
		assert_eq!(Ledger::<Test>::get(40).unwrap().active, 600 * ZG);
		start_era(1);
		assert_noop!(Staking::withdraw_unbonded(origin(40)), Error::<Test>::NothingToWithdraw);
		start_era(2);
		let f = free(40);
		assert_ok!(Staking::withdraw_unbonded(origin(40)));
		assert_eq!(free(40) - f, 400 * ZG);
		assert_eq!(held(40, HoldReason::Staking), 600 * ZG);
		assert_eq!(TotalBonded::<Test>::get(), 3_500 * ZG + 600 * ZG);
		// Unbonding everything and withdrawing removes the ledger.
		assert_ok!(Staking::unbond(origin(40), 600 * ZG));
		start_era(4);
		assert_ok!(Staking::withdraw_unbonded(origin(40)));
		assert!(Ledger::<Test>::get(40).is_none());
		assert_eq!(free(40), 10_000 * ZG);
	});
}

#[test]
fn bad_input_fails_and_changes_nothing() {
	ExtBuilder::default().build_and_execute(|| {
		// Bonding more than the free balance (which must keep the existential deposit).
		assert_noop!(Staking::bond(origin(40), 10_000 * ZG), Error::<Test>::InsufficientBalance);
		assert_noop!(Staking::bond(origin(40), ZG), Error::<Test>::BondTooSmall);
		assert_ok!(Staking::bond(origin(40), 1_000 * ZG));
		assert_noop!(Staking::bond(origin(40), 1_000 * ZG), Error::<Test>::AlreadyBonded);
		assert_noop!(
			Staking::bond_extra(origin(40), 9_000 * ZG),
			Error::<Test>::InsufficientBalance
		);
		// Unbonding more than bonded.
		assert_noop!(Staking::unbond(origin(40), 1_001 * ZG), Error::<Test>::NotEnoughBonded);
		assert_noop!(Staking::unbond(origin(41), ZG), Error::<Test>::NotBonded);
		// Too many targets, a duplicate, a target that is not a validator.
		assert_noop!(
			Staking::delegate(origin(40), vec![10, 20, 30, 10]),
			Error::<Test>::TooManyTargets
		);
		assert_noop!(Staking::delegate(origin(40), vec![10, 10]), Error::<Test>::DuplicateTarget);
		assert_noop!(Staking::delegate(origin(40), vec![10, 50]), Error::<Test>::NotValidator);
		assert_noop!(Staking::delegate(origin(40), vec![]), Error::<Test>::EmptyTargets);
		assert_noop!(Staking::delegate(origin(10), vec![20]), Error::<Test>::IsValidator);
		// Withdrawing before the unbonding period.
		assert_ok!(Staking::unbond(origin(40), 100 * ZG));
		assert_noop!(Staking::withdraw_unbonded(origin(40)), Error::<Test>::NothingToWithdraw);
		// A validator keeps its minimum; a delegator cannot validate.
		assert_noop!(Staking::unbond(origin(30), 401 * ZG), Error::<Test>::InsufficientBond);
		assert_ok!(Staking::delegate(origin(40), vec![10]));
		assert_noop!(Staking::validate(origin(40), Perbill::zero()), Error::<Test>::IsDelegator);
		assert_noop!(Staking::chill(origin(41)), Error::<Test>::NothingToChill);
		// Registering a role twice.
		assert_ok!(Staking::register_role(origin(50), Role::StorageProvider, 100 * ZG));
		assert_noop!(
			Staking::register_role(origin(50), Role::StorageProvider, 100 * ZG),
			Error::<Test>::RoleAlreadyRegistered
		);
		assert_noop!(
			Staking::register_role(origin(50), Role::ComputeProvider, 199 * ZG),
			Error::<Test>::BondTooSmall
		);
		assert_noop!(
			Staking::set_config(RuntimeOrigin::root(), 9, ZG, ZG),
			Error::<Test>::ValidatorCountTooHigh
		);
		assert_noop!(
			Staking::set_config(origin(1), 1, ZG, ZG),
			sp_runtime::DispatchError::BadOrigin
		);
		// Floors: no fewer validators than the minimum count, no minimum bond below 1 0G.
		MinimumValidatorCount::set(2);
		assert_noop!(
			Staking::set_config(RuntimeOrigin::root(), 1, ZG, ZG),
			Error::<Test>::ValidatorCountTooLow
		);
		assert_noop!(
			Staking::set_config(RuntimeOrigin::root(), 2, ZG - 1, ZG),
			Error::<Test>::MinimumBondTooLow
		);
		assert_noop!(
			Staking::set_config(RuntimeOrigin::root(), 2, ZG, 0),
			Error::<Test>::MinimumBondTooLow
		);
		assert_noop!(
			Staking::set_min_role_bond(RuntimeOrigin::root(), Role::StorageProvider, 0),
			Error::<Test>::MinimumBondTooLow
		);
		assert_ok!(Staking::set_config(RuntimeOrigin::root(), 2, ZG, ZG));
	});
}

#[test]
fn a_commission_above_100_percent_cannot_be_submitted() {
	// `validate` is call 5; its argument is a `Perbill`, a little-endian u32 of parts per
	// billion. 150 % does not decode, so such a transaction never reaches the runtime.
	let call = Call::<Test>::validate { commission: Perbill::one() };
	let mut bytes = call.encode();
	assert_eq!(bytes[0], 5);
	bytes.truncate(1);
	bytes.extend_from_slice(&1_500_000_000u32.to_le_bytes());
	assert!(Call::<Test>::decode(&mut &bytes[..]).is_err());
	bytes.truncate(1);
	bytes.extend_from_slice(&1_000_000_000u32.to_le_bytes());
	assert_eq!(Call::<Test>::decode(&mut &bytes[..]).unwrap(), call);
}

#[test]
fn an_idle_validator_is_chilled() {
	ExtBuilder::default()
		.validator_count(3)
		.staker(40, 400 * ZG, StakerStatus::Validator(Perbill::zero()))
		.build_and_execute(|| {
			assert_eq!(Session::validators(), vec![20, 10, 30]);
			// Only 20 and 10 author in era 0.
			<Staking as pallet_authorship::EventHandler<AccountId, u64>>::note_author(20);
			<Staking as pallet_authorship::EventHandler<AccountId, u64>>::note_author(10);
			start_era_silently(1);
			assert!(!Validators::<Test>::contains_key(30));
			assert!(Validators::<Test>::contains_key(10));
			assert!(
				staking_events().contains(&Event::Chilled { stash: 30, reason: ChillReason::Idle })
			);
			// The next election (for era 2) takes 40 instead.
			start_era(2);
			assert_eq!(Session::validators(), vec![20, 10, 40]);
		});
}

#[test]
fn equivocation_is_slashed_after_the_deferral() {
	ExtBuilder::default()
		.staker(40, 1_000 * ZG, StakerStatus::Delegator(vec![10]))
		.build_and_execute(|| {
			author_blocks(1);
			start_era(1);
			let treasury = free(TREASURY);
			// An equivocation of 10 in session 3 (era 1): due at era 1 + SlashDeferDuration.
			report_offence(10, 3);
			assert!(!Validators::<Test>::contains_key(10));
			assert_eq!(UnappliedSlashes::<Test>::iter_prefix(2).count(), 1);
			// Reported twice: still one slash.
			report_offence(10, 3);
			assert_eq!(UnappliedSlashes::<Test>::iter_prefix(2).count(), 1);
			assert_eq!(held(10, HoldReason::Staking), 1_000 * ZG);
			author_blocks(1);
			start_era(2);
			// 10 % of the era-1 exposure: 100 of 10's own 1000, 100 of 40's 1000.
			assert_eq!(held(10, HoldReason::Staking), 900 * ZG);
			assert_eq!(held(40, HoldReason::Staking), 900 * ZG);
			assert_eq!(Ledger::<Test>::get(40).unwrap().active, 900 * ZG);
			assert_eq!(free(TREASURY) - treasury, 200 * ZG);
			assert_eq!(TotalBonded::<Test>::get(), 4_300 * ZG);
			assert!(staking_events().contains(&Event::Slashed { stash: 40, amount: 100 * ZG }));
		});
}

/// A cancelled slash stays cancelled: a later, larger report of the same era slashes only
/// the excess.
#[test]
fn root_cancels_a_deferred_slash() {
	ExtBuilder::default().build_and_execute(|| {
		author_blocks(1);
		start_era(1);
		report_offence(20, 4);
		assert_noop!(
			Staking::cancel_deferred_slash(RuntimeOrigin::root(), 20, 0),
			Error::<Test>::NoSuchSlash
		);
		assert_noop!(
			Staking::cancel_deferred_slash(RuntimeOrigin::root(), 10, 1),
			Error::<Test>::NoSuchSlash
		);
		assert_noop!(
			Staking::cancel_deferred_slash(origin(1), 20, 1),
			sp_runtime::DispatchError::BadOrigin
		);
		assert_ok!(Staking::cancel_deferred_slash(RuntimeOrigin::root(), 20, 1));
		assert_eq!(UnappliedSlashes::<Test>::iter().count(), 0);
		assert!(staking_events().contains(&Event::SlashCancelled {
			validator: 20,
			offence_era: 1,
			fraction: Perbill::from_percent(10),
		}));
		assert_noop!(
			Staking::cancel_deferred_slash(RuntimeOrigin::root(), 20, 1),
			Error::<Test>::NoSuchSlash
		);
		report_offences(&[20], 4, Perbill::from_percent(10));
		assert_eq!(UnappliedSlashes::<Test>::iter().count(), 0);
		report_offences(&[20], 4, Perbill::from_percent(30));
		assert_eq!(queued(2, 20, 1), Some(Perbill::from_percent(20)));
		revalidate(&[20]);
		author_blocks(1);
		start_era(2);
		assert_eq!(held(20, HoldReason::Staking), 1_600 * ZG);
	});
}

#[test]
fn slashed_unbonding_funds_cannot_escape() {
	ExtBuilder::default()
		.staker(40, 1_000 * ZG, StakerStatus::Delegator(vec![10]))
		.build_and_execute(|| {
			author_blocks(1);
			start_era(1);
			report_offence(10, 3);
			// 40 unbonds everything at once; the slash still reaches the unlocking chunk.
			assert_ok!(Staking::chill(origin(40)));
			assert_ok!(Staking::unbond(origin(40), 1_000 * ZG));
			author_blocks(1);
			start_era(2);
			let ledger = Ledger::<Test>::get(40).unwrap();
			assert_eq!(ledger.total, 900 * ZG);
			assert_eq!(ledger.unlocking[0].value, 900 * ZG);
		});
}

#[test]
fn roles_register_unregister_and_withdraw() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Staking::register_role(origin(50), Role::StorageProvider, 150 * ZG));
		assert_ok!(Staking::register_role(origin(50), Role::ComputeProvider, 200 * ZG));
		assert!(Staking::is_eligible(&50, Role::StorageProvider));
		assert!(!Staking::is_eligible(&50, Role::DaSigner));
		assert_eq!(Staking::role_stake(&50, Role::StorageProvider), 150 * ZG);
		assert_eq!(held(50, HoldReason::RoleBond), 350 * ZG);
		assert_eq!(TotalRoleBonded::<Test>::get(), 350 * ZG);
		// Raising the minimum makes the bond ineligible.
		assert_ok!(Staking::set_min_role_bond(
			RuntimeOrigin::root(),
			Role::StorageProvider,
			151 * ZG
		));
		assert!(!Staking::is_eligible(&50, Role::StorageProvider));
		assert_ok!(Staking::set_min_role_bond(
			RuntimeOrigin::root(),
			Role::StorageProvider,
			100 * ZG
		));

		assert_ok!(Staking::unregister_role(origin(50), Role::StorageProvider));
		assert!(!Staking::is_eligible(&50, Role::StorageProvider));
		assert_noop!(
			Staking::unregister_role(origin(50), Role::StorageProvider),
			Error::<Test>::RoleUnbonding
		);
		assert_noop!(
			Staking::unregister_role(origin(50), Role::DaSigner),
			Error::<Test>::RoleNotRegistered
		);
		assert_noop!(Staking::withdraw_unbonded(origin(50)), Error::<Test>::NothingToWithdraw);
		start_era(2);
		let f = free(50);
		assert_ok!(Staking::withdraw_unbonded(origin(50)));
		assert_eq!(free(50) - f, 150 * ZG);
		assert_eq!(held(50, HoldReason::RoleBond), 200 * ZG);
		assert!(RoleBonds::<Test>::get(50, Role::StorageProvider).is_none());
		assert!(Staking::is_eligible(&50, Role::ComputeProvider));
	});
}

/// Finding 2 (the staking half): a provider that unregisters its role while it still holds
/// shards or open jobs cannot take its bond back after the bonding duration; the bond stays
/// on hold and slashable until its service reports no obligation.
#[test]
fn finding_2_a_role_bond_with_obligations_cannot_be_withdrawn() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Staking::register_role(origin(50), Role::StorageProvider, 150 * ZG));
		assert_ok!(Staking::unregister_role(origin(50), Role::StorageProvider));
		OpenObligations::set(vec![(50, Role::StorageProvider)]);
		start_era(2);
		assert_noop!(Staking::withdraw_unbonded(origin(50)), Error::<Test>::RoleHasObligations);
		assert_eq!(held(50, HoldReason::RoleBond), 150 * ZG);
		// Still at stake for the work it owes.
		let slashed = <Staking as RoleStaking<AccountId, Balance>>::slash_role(
			&50,
			Role::StorageProvider,
			Perbill::from_percent(10),
			SlashReason::MissedChallenge,
			None,
		);
		assert_eq!(slashed, 15 * ZG);
		// Obligations of another role do not hold this one back.
		OpenObligations::set(vec![(50, Role::ComputeProvider)]);
		let f = free(50);
		assert_ok!(Staking::withdraw_unbonded(origin(50)));
		assert_eq!(free(50) - f, 135 * ZG);
		assert!(RoleBonds::<Test>::get(50, Role::StorageProvider).is_none());
		OpenObligations::set(vec![]);
	});
}

#[test]
fn role_bonds_are_slashed_through_the_trait() {
	ExtBuilder::default().role_bond(60, Role::StorageProvider, 1_000 * ZG).build_and_execute(
		|| {
			let (treasury, reporter) = (free(TREASURY), free(2));
			let slashed = <Staking as RoleStaking<AccountId, Balance>>::slash_role(
				&60,
				Role::StorageProvider,
				Perbill::from_percent(10),
				SlashReason::MissedChallenge,
				Some(&2),
			);
			// 100 slashed: 20 % to the reporter, the rest to the treasury.
			assert_eq!(slashed, 100 * ZG);
			assert_eq!(free(2) - reporter, 20 * ZG);
			assert_eq!(free(TREASURY) - treasury, 80 * ZG);
			assert_eq!(Staking::role_stake(&60, Role::StorageProvider), 900 * ZG);
			assert_eq!(held(60, HoldReason::RoleBond), 900 * ZG);
			assert!(staking_events().contains(&Event::RoleSlashed {
				who: 60,
				role: Role::StorageProvider,
				reason: SlashReason::MissedChallenge,
				amount: 100 * ZG,
				reporter_reward: 20 * ZG,
			}));
			// No reporter: all to the treasury. No bond: nothing happens.
			let slashed = Staking::slash_role(
				&60,
				Role::StorageProvider,
				Perbill::from_percent(100),
				SlashReason::InvalidProof,
				None,
			);
			assert_eq!(slashed, 900 * ZG);
			assert!(RoleBonds::<Test>::get(60, Role::StorageProvider).is_none());
			assert_eq!(
				Staking::slash_role(
					&60,
					Role::DaSigner,
					Perbill::one(),
					SlashReason::UnavailableData,
					None
				),
				0
			);
		},
	);
}

#[test]
fn too_few_candidates_keep_the_current_set() {
	ExtBuilder::default().build_and_execute(|| {
		MinimumValidatorCount::set(3);
		author_blocks(1);
		// Session 3 would start era 1, but only 2 of the 3 required validators are elected.
		for _ in 0..4 {
			Session::rotate();
		}
		assert_eq!(Staking::active_era(), 0);
		assert_eq!(Session::validators(), vec![20, 10]);
		MinimumValidatorCount::set(1);
	});
}

#[test]
fn old_eras_are_forgotten_and_unclaimed_rewards_return_to_the_pot() {
	ExtBuilder::default().build_and_execute(|| {
		YearlyInflation::set(Perbill::zero());
		pay_fees(100 * ZG);
		author_blocks(1);
		start_era(1);
		assert_eq!(UnclaimedRewards::<Test>::get(), 100 * ZG);
		// HistoryDepth is 8: era 0 is dropped when era 9 starts (after era 8 ended).
		start_era(9);
		assert!(ErasValidatorReward::<Test>::get(0).is_none());
		assert!(ErasStakersOverview::<Test>::get(0, 10).is_none());
		assert_eq!(ErasValidatorReward::<Test>::get(8), Some(0));
		assert_eq!(UnclaimedRewards::<Test>::get(), 0);
		// The unclaimed 100 is part of the next era's reward.
		start_era(10);
		assert_eq!(ErasValidatorReward::<Test>::get(9), Some(100 * ZG));
		assert_noop!(Staking::payout_stakers(origin(1), 10, 0, 0), Error::<Test>::InvalidEra);
	});
}

#[test]
fn chill_keeps_the_bond_and_drops_the_backing() {
	ExtBuilder::default()
		.staker(40, 1_000 * ZG, StakerStatus::Delegator(vec![10, 20]))
		.build_and_execute(|| {
			assert_eq!(Backers::<Test>::get(10).total, 500 * ZG);
			assert_ok!(Staking::bond_extra(origin(40), 1_000 * ZG));
			assert_eq!(Backers::<Test>::get(20).total, 1_000 * ZG);
			assert_ok!(Staking::chill(origin(40)));
			assert_eq!(Backers::<Test>::get(10).total, 0);
			assert_eq!(Ledger::<Test>::get(40).unwrap().active, 2_000 * ZG);
			assert_ok!(Staking::chill(origin(10)));
			assert!(!Validators::<Test>::contains_key(10));
		});
}

#[test]
fn token_errors_do_not_leak() {
	// Holds never take the last existential deposit.
	ExtBuilder::default().build_and_execute(|| {
		let all = free(40);
		assert_noop!(Staking::bond(origin(40), all), Error::<Test>::InsufficientBalance);
		assert_ok!(Staking::bond(origin(40), all - ExistentialDeposit::get()));
		let _ = TokenError::FundsUnavailable;
	});
}

/// A genesis staker that `bond` rejects (here: more than its balance) is left out and
/// reported; genesis does not panic. (`defensive!` panics only in debug builds.)
#[cfg(not(debug_assertions))]
#[test]
fn a_rejected_genesis_staker_is_left_out() {
	ExtBuilder::default()
		.staker(40, 20_000 * ZG, StakerStatus::Validator(Perbill::zero()))
		.role_bond(41, Role::DaSigner, ZG)
		.build_and_execute(|| {
			assert!(Ledger::<Test>::get(40).is_none());
			assert!(RoleBonds::<Test>::get(41, Role::DaSigner).is_none());
			assert_eq!(Session::validators(), vec![20, 10]);
		});
}

/// Validator security 1: the slash is the larger of pallet-offences' fraction (which grows with
/// the number of offenders) and the minimum; a re-report with a larger fraction raises the
/// queued slash, or tops up one already applied. Today's code slashed the minimum whatever the
/// report said, once.
#[test]
fn validator_security_1_the_reported_fraction_counts_and_a_larger_report_tops_up() {
	ExtBuilder::default()
		.staker(40, 1_000 * ZG, StakerStatus::Delegator(vec![10]))
		.build_and_execute(|| {
			author_blocks(1);
			start_era(1);
			report_offences(&[10], 3, Perbill::from_percent(30));
			assert_eq!(queued(2, 10, 1), Some(Perbill::from_percent(30)));
			// A smaller or equal report changes nothing; a larger one raises the queued slash.
			report_offences(&[10], 3, Perbill::from_percent(20));
			report_offences(&[10], 3, Perbill::from_percent(50));
			assert_eq!(UnappliedSlashes::<Test>::iter().count(), 1);
			assert_eq!(queued(2, 10, 1), Some(Perbill::from_percent(50)));
			author_blocks(1);
			start_era(2);
			assert_eq!(held(10, HoldReason::Staking), 500 * ZG);
			assert_eq!(held(40, HoldReason::Staking), 500 * ZG);
			// Reported again at 60 % once applied: the 10 % top-up of the era-1 exposure is
			// queued (at the last era before the offence era's unbonded funds unlock).
			report_offences(&[10], 3, Perbill::from_percent(60));
			assert_eq!(queued(3, 10, 1), Some(Perbill::from_percent(10)));
			author_blocks(1);
			start_era(3);
			assert_eq!(held(10, HoldReason::Staking), 400 * ZG);
			assert_eq!(held(40, HoldReason::Staking), 400 * ZG);
			assert_eq!(
				OffenceSeen::<Test>::get(1, 10),
				Some(OffenceRecord { fraction: Perbill::from_percent(60), apply_era: 3 })
			);
		});
}

/// Validator security 2: the slash is due from the offence's era, and a report that comes
/// when the offence era's unbonded funds may already be withdrawn is refused, its sessions'
/// history pruned. Today's code queued a late report from the report's era, past the unlock,
/// and accepted offences up to HistoryDepth eras old.
#[test]
fn validator_security_2_late_reports_cannot_outwait_the_unbonding() {
	ExtBuilder::default()
		.staker(40, 1_000 * ZG, StakerStatus::Delegator(vec![10]))
		.build_and_execute(|| {
			<Staking as frame_support::traits::Hooks<u64>>::integrity_test();
			author_blocks(1);
			start_era(1);
			// 40 unbonds everything in era 1 (unlocks at era 3), 10 equivocates in era 1.
			assert_ok!(Staking::chill(origin(40)));
			assert_ok!(Staking::unbond(origin(40), 1_000 * ZG));
			author_blocks(1);
			start_era(2);
			// Reported in era 2: due at era 3, applied before 40 can withdraw.
			report_offence(10, 3);
			assert_eq!(queued(3, 10, 1), Some(Perbill::from_percent(10)));
			author_blocks(1);
			start_era(3);
			let f = free(40);
			assert_ok!(Staking::withdraw_unbonded(origin(40)));
			assert_eq!(free(40) - f, 900 * ZG);
			// An offence of era 1 reported in era 3 is too late: refused, nothing queued.
			report_offence(20, 4);
			assert!(
				staking_events().contains(&Event::OffenceTooOld { validator: 20, offence_era: 1 })
			);
			assert!(OffenceSeen::<Test>::get(1, 20).is_none());
			assert_eq!(UnappliedSlashes::<Test>::iter().count(), 0);
			assert_eq!(held(20, HoldReason::Staking), 2_000 * ZG);
			// And the sessions of era 1 are pruned from the history reports are checked against.
			assert_eq!(PrunedUpTo::get(), ErasStartSessionIndex::<Test>::get(2).unwrap());
		});
}

/// Validator security 3: an equivocating validator of the current set is disabled (through
/// pallet-session's disabling) until the set changes. Today's code only chilled it, so it kept
/// authoring until the era ended. An offence of a past era disables nobody.
#[test]
fn validator_security_3_an_offender_is_disabled_for_the_rest_of_the_session() {
	ExtBuilder::default().build_and_execute(|| {
		author_blocks(1);
		start_era(1);
		assert!(Session::validators().contains(&10));
		report_offences(&[10], 3, Perbill::from_percent(20));
		assert_eq!(DisabledValidators::get(), vec![(10, Perbill::from_percent(20))]);
		// A validator outside the current set is not disabled.
		report_offence(30, 3);
		assert_eq!(DisabledValidators::get().len(), 1);
		Session::rotate();
		assert!(DisabledValidators::get().is_empty());
		author_blocks(1);
		start_era(2);
		report_offence(20, 4);
		assert!(DisabledValidators::get().is_empty());
	});
}

/// Stake unbonded in an era's last session, after the next era was planned with it exposed,
/// unlocks from the planned era: a slash of that era, even reported late, is applied first.
/// Today's code counted from the active era, so the stake unlocked one era too early.
#[test]
fn stake_unbonded_after_the_next_election_unlocks_from_the_planned_era() {
	ExtBuilder::default()
		.staker(40, 1_000 * ZG, StakerStatus::Delegator(vec![10]))
		.build_and_execute(|| {
			author_blocks(1);
			start_era(1);
			// Sessions 3, 4, 5 make era 1; starting session 5 plans era 2 with 40 behind 10.
			Session::author_and_rotate();
			Session::author_and_rotate();
			assert_eq!(CurrentEra::<Test>::get(), Some(2));
			assert!(ErasStakersOverview::<Test>::get(2, 10).is_some());
			assert_ok!(Staking::chill(origin(40)));
			assert_ok!(Staking::unbond(origin(40), 1_000 * ZG));
			assert_eq!(Ledger::<Test>::get(40).unwrap().unlocking[0].era, 4);
			author_blocks(1);
			start_era(3);
			// 10's offence in era 2 (session 6), reported late in era 3.
			report_offence(10, 6);
			assert_noop!(Staking::withdraw_unbonded(origin(40)), Error::<Test>::NothingToWithdraw);
			author_blocks(1);
			start_era(4);
			let f = free(40);
			assert_ok!(Staking::withdraw_unbonded(origin(40)));
			assert_eq!(free(40) - f, 900 * ZG);
		});
}

/// Validator security 4: no queue is full and no slash is applied at once. Slashes are kept
/// one per offence (bounded by the elected validators and the bonding duration); those due at
/// an era start are applied a few per block, and no unbonded funds are withdrawn until all
/// are. Today's code applied a slash at once, unweighed and uncancellable, when the era's
/// queue was full.
#[test]
fn validator_security_4_a_burst_of_slashes_is_applied_over_blocks_never_at_once() {
	let mut builder = ExtBuilder::default().validator_count(5);
	for v in [50, 60] {
		builder = builder.staker(v, 800 * ZG, StakerStatus::Validator(Perbill::zero()));
	}
	builder.staker(40, 1_000 * ZG, StakerStatus::Delegator(vec![10])).build_and_execute(|| {
		author_blocks(1);
		start_era(1);
		assert_ok!(Staking::chill(origin(40)));
		assert_ok!(Staking::unbond(origin(40), 1_000 * ZG));
		// All five elected validators equivocate in era 1: more than a block applies
		// (MaxSlashesPerBlock is 2). Nothing is slashed at once; each stays cancellable.
		report_offences(&[10, 20, 30, 50, 60], 3, Perbill::zero());
		revalidate(&[10, 20, 30, 50, 60]);
		assert_eq!(UnappliedSlashes::<Test>::iter_prefix(2).count(), 5);
		assert_eq!(held(10, HoldReason::Staking), 1_000 * ZG);
		assert_ok!(Staking::cancel_deferred_slash(RuntimeOrigin::root(), 60, 1));
		author_blocks(1);
		start_era(2);
		// Era 2's start applied two (MaxSlashesPerBlock), the next block the other two.
		assert_eq!(UnappliedSlashes::<Test>::iter().count(), 2);
		assert_eq!(SlashesDue::<Test>::get(), Some(2));
		Session::next_block();
		assert_eq!(UnappliedSlashes::<Test>::iter().count(), 0);
		assert!(!SlashesDue::<Test>::exists());
		for (v, own) in [(10, 1_000), (20, 2_000), (30, 500), (50, 800)] {
			assert_eq!(held(v, HoldReason::Staking), own * ZG * 9 / 10);
		}
		assert_eq!(held(60, HoldReason::Staking), 800 * ZG);
		assert_eq!(held(40, HoldReason::Staking), 900 * ZG);
	});
}

/// While due slashes wait for the next block, unbonded funds stay where the slashes reach them.
#[test]
fn withdrawals_wait_for_the_due_slashes() {
	let mut builder = ExtBuilder::default().validator_count(5);
	for v in [50, 60] {
		builder = builder.staker(v, 800 * ZG, StakerStatus::Validator(Perbill::zero()));
	}
	builder.build_and_execute(|| {
		author_blocks(1);
		start_era(1);
		assert_ok!(Staking::unbond(origin(20), 100 * ZG));
		report_offences(&[10, 20, 30, 50, 60], 3, Perbill::zero());
		revalidate(&[10, 20, 30, 50, 60]);
		author_blocks(1);
		start_era(2);
		// Five slashes of era 1 fell due at era 2 and two are applied, two per block after.
		assert_eq!(UnappliedSlashes::<Test>::iter().count(), 3);
		assert_eq!(SlashesDue::<Test>::get(), Some(2));
		assert_noop!(Staking::withdraw_unbonded(origin(20)), Error::<Test>::SlashesPending);
		Session::next_block();
		assert_eq!(UnappliedSlashes::<Test>::iter().count(), 1);
		assert_noop!(Staking::withdraw_unbonded(origin(20)), Error::<Test>::SlashesPending);
		Session::next_block();
		assert!(!SlashesDue::<Test>::exists());
		assert_eq!(UnappliedSlashes::<Test>::iter().count(), 0);
		// Nothing has finished unbonding yet: the usual refusal.
		assert_noop!(Staking::withdraw_unbonded(origin(20)), Error::<Test>::NothingToWithdraw);
	});
}

/// The multi-block migration raises the minimums below the floor, resuming across steps.
#[test]
fn minimum_bonds_below_the_floor_are_raised_by_the_multi_block_migration() {
	use crate::migrations::raise_minimum_bonds::RaiseMinimumBonds;
	use frame_support::{
		migrations::{SteppedMigration, SteppedMigrationError},
		weights::{Weight, WeightMeter},
	};
	ExtBuilder::default().build_and_execute(|| {
		// Version 2 allowed zero minimums.
		MinValidatorBond::<Test>::put(0);
		MinRoleBond::<Test>::insert(Role::DaSigner, 5);
		let unit = <Test as frame_system::Config>::DbWeight::get().reads_writes(1, 1);
		// Too little weight for any progress: an error, nothing changed.
		let mut meter = WeightMeter::with_limit(unit.saturating_sub(Weight::from_parts(1, 0)));
		assert_eq!(
			RaiseMinimumBonds::<Test>::step(None, &mut meter),
			Err(SteppedMigrationError::InsufficientWeight { required: unit })
		);
		assert_eq!(MinValidatorBond::<Test>::get(), 0);
		// Two units per block: the validator's and the delegator's minimums, then two roles,
		// then the last role.
		let mut cursor = None;
		let mut steps = 0;
		loop {
			let mut meter = WeightMeter::with_limit(unit.saturating_mul(2));
			steps += 1;
			match RaiseMinimumBonds::<Test>::step(cursor, &mut meter).unwrap() {
				None => break,
				Some(next) => cursor = Some(next),
			}
			if steps == 1 {
				assert_eq!(cursor, Some(2));
				assert_eq!(MinValidatorBond::<Test>::get(), ZG);
				assert_eq!(MinRoleBond::<Test>::get(Role::DaSigner), 5);
			}
		}
		assert_eq!(steps, 3);
		assert_eq!(MinValidatorBond::<Test>::get(), ZG);
		assert_eq!(MinRoleBond::<Test>::get(Role::DaSigner), ZG);
		// Minimums above the floor are kept.
		assert_eq!(MinDelegatorBond::<Test>::get(), 10 * ZG);
		assert_eq!(MinRoleBond::<Test>::get(Role::ComputeProvider), 200 * ZG);
		// Run again, it changes nothing.
		let mut meter = WeightMeter::with_limit(Weight::MAX);
		assert_eq!(RaiseMinimumBonds::<Test>::step(None, &mut meter), Ok(None));
		assert_eq!(MinRoleBond::<Test>::get(Role::DaSigner), ZG);
	});
}

/// The storage migrations to version 2. Version 0 records get the fraction the old code
/// slashed (version 1); the per-era queue of versions 0 and 1 moves to one entry per offence,
/// never due after the offence era's unbonded funds unlock, and pruning resumes where version 1
/// left it (version 2); a larger report then raises or tops the slashes up.
#[test]
fn offence_records_and_queue_of_versions_0_and_1_are_migrated() {
	use crate::migrations::{
		v1::MigrateToV1,
		v2::{old, MigrateToV2},
	};
	use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
	ExtBuilder::default().build_and_execute(|| {
		author_blocks(1);
		start_era(1);
		author_blocks(1);
		start_era(2);
		StorageVersion::new(0).put::<Staking>();
		HistoryPrunedUpTo::<Test>::kill();
		for v in [10, 20] {
			frame_support::storage::unhashed::put_raw(
				&OffenceSeen::<Test>::hashed_key_for(1, v),
				&[],
			);
		}
		// 10's slash was queued by the old code at era 5, after era 1's funds unlock (era 3).
		old::UnappliedSlashes::<Test>::insert(
			5,
			vec![old::UnappliedSlash {
				validator: 10,
				offence_era: 1,
				fraction: Perbill::from_percent(10),
			}],
		);
		MigrateToV1::<Test>::on_runtime_upgrade();
		assert_eq!(Staking::on_chain_storage_version(), 1);
		MigrateToV2::<Test>::on_runtime_upgrade();
		assert_eq!(Staking::on_chain_storage_version(), 2);
		assert_eq!(queued(3, 10, 1), Some(Perbill::from_percent(10)));
		assert_eq!(UnappliedSlashes::<Test>::iter().count(), 1);
		let record = |apply_era| OffenceRecord { fraction: Perbill::from_percent(10), apply_era };
		assert_eq!(OffenceSeen::<Test>::get(1, 10), Some(record(3)));
		assert_eq!(OffenceSeen::<Test>::get(1, 20), Some(record(1)));
		// Version 1 pruned up to era 1's first session at era 2's start.
		assert_eq!(
			HistoryPrunedUpTo::<Test>::get(),
			ErasStartSessionIndex::<Test>::get(1).unwrap()
		);
		// Each runs once only.
		MigrateToV1::<Test>::on_runtime_upgrade();
		MigrateToV2::<Test>::on_runtime_upgrade();
		assert_eq!(OffenceSeen::<Test>::iter().count(), 2);
		assert_eq!(UnappliedSlashes::<Test>::iter().count(), 1);
		Staking::do_try_state().unwrap();
		// 10's queued slash is raised; 20's (applied) is topped up.
		report_offences(&[10, 20], 3, Perbill::from_percent(30));
		assert_eq!(queued(3, 10, 1), Some(Perbill::from_percent(30)));
		assert_eq!(queued(3, 20, 1), Some(Perbill::from_percent(20)));
	});
}

/// Validator security 5a: the minimum delegation holds for each share, not for the total
/// split over up to `MaxDelegationTargets` validators. Today's code accepted a 10 0G bond
/// spread over 16 validators.
#[test]
fn validator_security_5_the_minimum_delegation_is_per_share() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Staking::bond(origin(50), 25 * ZG));
		// 25 over three validators: shares of 8.3 < 10.
		assert_noop!(Staking::delegate(origin(50), vec![10, 20, 30]), Error::<Test>::ShareTooSmall);
		assert_ok!(Staking::delegate(origin(50), vec![10, 20]));
		// Keeping 19: shares of 9.5.
		assert_noop!(Staking::unbond(origin(50), 6 * ZG), Error::<Test>::InsufficientBond);
		assert_ok!(Staking::unbond(origin(50), 5 * ZG));
		assert_eq!(Backers::<Test>::get(10).total, 10 * ZG);
	});
}

/// Validator security 5b: a full backer list no longer refuses every newcomer: a larger share
/// evicts the smallest, whose bond is re-split among its other validators (or which is
/// chilled when it has none left); the evictor's stake stays until it has been in an election.
/// Today's code let eight minimal delegations block a validator's backing for good.
#[test]
fn validator_security_5_a_larger_share_evicts_the_smallest_backer() {
	ExtBuilder::default().build_and_execute(|| {
		// 41 backs 10 and 20 with 15 each; 42..=48 back 10 with 20 each: 10 is full (8).
		assert_ok!(Staking::bond(origin(41), 30 * ZG));
		assert_ok!(Staking::delegate(origin(41), vec![10, 20]));
		for d in 42..=48 {
			assert_ok!(Staking::bond(origin(d), 20 * ZG));
			assert_ok!(Staking::delegate(origin(d), vec![10]));
		}
		assert_eq!(Backers::<Test>::get(10).backers.len(), 8);
		// A share no larger than the smallest is refused.
		assert_ok!(Staking::bond(origin(49), 15 * ZG));
		assert_noop!(Staking::delegate(origin(49), vec![10]), Error::<Test>::TooManyBackers);
		// A larger one evicts 41, which keeps backing 20 with all of its 30.
		assert_ok!(Staking::bond_extra(origin(49), 85 * ZG));
		assert_ok!(Staking::delegate(origin(49), vec![10]));
		assert!(
			staking_events().contains(&Event::DelegationEvicted { delegator: 41, validator: 10 })
		);
		assert_eq!(Delegations::<Test>::get(41).unwrap().into_inner(), vec![20]);
		assert_eq!(Backers::<Test>::get(20).total, 30 * ZG);
		// The next evicts one of the 20s, which had no other validator: it is chilled.
		assert_ok!(Staking::bond(origin(50), 100 * ZG));
		assert_ok!(Staking::delegate(origin(50), vec![10]));
		let evicted = (42..=48).find(|d| !Delegations::<Test>::contains_key(d)).unwrap();
		assert!(staking_events()
			.contains(&Event::Chilled { stash: evicted, reason: ChillReason::Evicted }));
		assert_eq!(Ledger::<Test>::get(evicted).unwrap().active, 20 * ZG);
		assert_eq!(Backers::<Test>::get(10).backers.len(), 8);
		// An evictor cannot take its stake away before it has been in an election (era 1's):
		// evicting costs stake at work, not only fees.
		assert_eq!(EvictorLockedUntil::<Test>::get(50), Some(1));
		assert_noop!(Staking::chill(origin(50)), Error::<Test>::DelegationLocked);
		assert_noop!(Staking::delegate(origin(50), vec![20]), Error::<Test>::DelegationLocked);
		assert_noop!(Staking::unbond(origin(50), 10 * ZG), Error::<Test>::DelegationLocked);
		start_era(1);
		assert!(ErasStakersPaged::<Test>::iter_prefix_values((1, 10))
			.flatten()
			.any(|(d, _)| d == 50));
		assert_ok!(Staking::chill(origin(50)));
		assert!(!EvictorLockedUntil::<Test>::contains_key(50));
	});
}

/// Validator security 5c: the candidate list has its own cap, above the elected count, so
/// that filling it does not take the places of the elected. Today's code used one cap for
/// both.
#[test]
fn validator_security_5_candidates_have_their_own_cap() {
	ExtBuilder::default().build_and_execute(|| {
		// Three candidates at genesis; MaxValidators is 8, MaxCandidates 16.
		for v in 51..=63 {
			assert_ok!(Staking::bond(origin(v), 100 * ZG));
			assert_ok!(Staking::validate(origin(v), Perbill::zero()));
		}
		assert_eq!(Validators::<Test>::count(), 16);
		assert_ok!(Staking::bond(origin(64), 100 * ZG));
		assert_noop!(
			Staking::validate(origin(64), Perbill::zero()),
			Error::<Test>::TooManyValidators
		);
		assert_ok!(Staking::set_config(RuntimeOrigin::root(), 8, 100 * ZG, 10 * ZG));
		start_era(1);
		assert_eq!(Session::validators().len(), 8);
	});
}

/// Validator security 6: an outage cannot shrink the set to one. At most a third of the set is
/// chilled as idle per era, and an election needs two thirds of the target (or of the set in
/// place, so that a small set still grows); with fewer candidates, the set in place tops it up
/// and the era still starts. Today's code chilled every idle validator and elected down to
/// `MinimumValidatorCount` (1).
#[test]
fn validator_security_6_an_outage_shrinks_the_set_by_a_third_at_most() {
	let mut builder = ExtBuilder::default().validator_count(6);
	for v in [40, 50, 60] {
		builder = builder.staker(v, 400 * ZG, StakerStatus::Validator(Perbill::zero()));
	}
	builder.build_and_execute(|| {
		assert_eq!(Session::validators().len(), 6);
		// An outage: only 20 authors in era 0. Two of the five idle are chilled.
		<Staking as pallet_authorship::EventHandler<AccountId, u64>>::note_author(20);
		start_era_silently(1);
		let idle_chills = staking_events()
			.iter()
			.filter(|e| matches!(e, Event::Chilled { reason: ChillReason::Idle, .. }))
			.count();
		assert_eq!(idle_chills, 2);
		assert_eq!(Validators::<Test>::count(), 4);
		// Two more leave: 2 candidates < 4 (two thirds of 6): the best backed of the set in
		// place make up the rest, and era 2 starts.
		assert_ok!(Staking::chill(origin(10)));
		assert_ok!(Staking::chill(origin(30)));
		assert_eq!(Staking::minimum_validator_count(2), 4);
		author_blocks(1);
		start_era(2);
		assert_eq!(Session::validators(), vec![20, 40, 10, 30]);
		// A small set grows: with 2 in place and 6 wanted, 3 candidates are enough.
		ValidatorCount::<Test>::put(6);
		ErasElected::<Test>::insert(2, BoundedVec::truncate_from(vec![20, 40]));
		assert_eq!(Staking::minimum_validator_count(3), 2);
	});
}

/// Validator security 7: whoever reports a validator offence is paid `ReporterShare` of the
/// offender's own slash, from the treasury that received it; the offender reporting itself gets
/// nothing, and a self-report through another account loses more than it earns.
/// Today's code paid reporters of role offences only.
#[test]
fn validator_security_7_the_reporter_of_an_equivocation_is_paid() {
	ExtBuilder::default()
		.staker(40, 1_000 * ZG, StakerStatus::Delegator(vec![10]))
		.build_and_execute(|| {
			author_blocks(1);
			start_era(1);
			report_offence_by(10, 3, 77);
			report_offence_by(20, 3, 20);
			revalidate(&[10, 20]);
			let (f77, f20) = (free(77), free(20));
			author_blocks(1);
			start_era(2);
			// 10 % of 10's exposure (its own 1 000 and 40's 1 000): 20 % of 10's own 100 goes
			// to 77, nothing of 40's part (or 10 would profit from reporting itself).
			assert_eq!(free(77) - f77, 20 * ZG);
			assert_eq!(free(20), f20);
			assert!(staking_events().contains(&Event::ReporterRewarded {
				reporter: 77,
				validator: 10,
				offence_era: 1,
				amount: 20 * ZG,
			}));
		});
}
