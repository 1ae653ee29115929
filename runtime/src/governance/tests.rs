//! Governance as the runtime wires it: referenda on each track, the committee, the treasury and
//! the fee split, including the bad inputs (votes beyond the balance, calls that fail, origins
//! that may not act, spends beyond the treasury).

use super::{
	fees::DealWithFees, origins, origins::Origin, tracks, tracks::ids, TREASURY_FEE_SHARE,
};
use crate::{tests::ext_from_preset, *};
use frame_support::dispatch::GetDispatchInfo;
use frame_support::{
	assert_noop, assert_ok,
	traits::{
		fungible::{Balanced, Inspect, InspectHold},
		schedule::DispatchTime,
		Hooks, OnUnbalanced, StorePreimage,
	},
};
use pallet_conviction_voting::{AccountVote, Conviction, Vote};
use pallet_referenda::{ReferendumInfo, TracksInfo as _};
use sp_genesis_builder::{DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET};
use sp_keyring::Sr25519Keyring::{self, Alice, Bob, Charlie, Dave, Eve};
use sp_runtime::{
	traits::{Dispatchable, Hash},
	DispatchError,
};

fn account(k: Sr25519Keyring) -> AccountId {
	k.to_account_id()
}

fn signed(k: Sr25519Keyring) -> RuntimeOrigin {
	RuntimeOrigin::signed(account(k))
}

/// Runs `n` blocks of the scheduler, which is what moves referenda (their alarms) and enacts
/// them.
fn run_blocks(n: BlockNumber) {
	for _ in 0..n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Scheduler::on_initialize(next);
	}
}

/// Every aye voter locks this much with conviction 1×: 1 M 0G each.
const VOTE: Balance = genesis_config_presets::ENDOWMENT;

/// Submits `call` for `origin`'s track, places the decision deposit, has `voters` vote aye with
/// [`VOTE`] each, and runs until the call would have been enacted. Returns the index.
fn referendum(origin: OriginCaller, call: RuntimeCall, voters: &[Sr25519Keyring]) -> u32 {
	let track = tracks::TracksInfo::track_for(&origin).expect("a track admits the origin");
	let info = tracks::TracksInfo::info(track).expect("the track exists");
	let index = pallet_referenda::ReferendumCount::<Runtime>::get();
	assert_ok!(Referenda::submit(
		signed(Alice),
		Box::new(origin),
		Preimage::bound(call).expect("the call is bounded"),
		DispatchTime::After(0),
	));
	assert_ok!(Referenda::place_decision_deposit(signed(Alice), index));
	for voter in voters {
		assert_ok!(ConvictionVoting::vote(
			signed(*voter),
			index,
			AccountVote::Standard {
				vote: Vote { aye: true, conviction: Conviction::Locked1x },
				balance: VOTE,
			},
		));
	}
	run_blocks(info.prepare_period + info.confirm_period + info.min_enactment_period + 5);
	index
}

fn approved(index: u32) -> bool {
	matches!(
		pallet_referenda::ReferendumInfoFor::<Runtime>::get(index),
		Some(ReferendumInfo::Approved(..))
	)
}

/// The result of the last call the scheduler dispatched.
fn last_dispatch() -> Option<sp_runtime::DispatchResult> {
	System::events().into_iter().rev().find_map(|record| match record.event {
		RuntimeEvent::Scheduler(pallet_scheduler::Event::Dispatched { result, .. }) => Some(result),
		_ => None,
	})
}

#[test]
fn local_testnet_is_governed_from_genesis_by_its_validators() {
	ext_from_preset(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		assert_eq!(pallet_sudo::Key::<Runtime>::get(), None);
		let mut members = pallet_collective::Members::<Runtime, super::TechnicalCollective>::get();
		members.sort();
		let mut validators: Vec<_> = [Alice, Bob, Charlie, Dave].map(account).to_vec();
		validators.sort();
		assert_eq!(members, validators);
		// The treasury's account is the one slashes are paid into, and exists from genesis.
		assert_eq!(Treasury::account_id(), TreasuryAccount::get());
		// As docs/governance.md gives it.
		assert_eq!(
			sp_core::crypto::Ss58Codec::to_ss58check(&TreasuryAccount::get()),
			"5EYCAe5kj7hc8izuWrzKNNNpJrSVFkBrTUtRZZBQSxfTuZo8"
		);
		assert!(System::account_exists(&TreasuryAccount::get()));
	});
}

#[test]
fn development_keeps_sudo() {
	ext_from_preset(DEV_RUNTIME_PRESET).execute_with(|| {
		assert_eq!(pallet_sudo::Key::<Runtime>::get(), Some(account(Alice)));
	});
}

#[test]
fn the_tracks_are_sorted_and_consistent() {
	assert_ok!(tracks::TracksInfo::check_integrity());
	let tracks: Vec<_> = tracks::TracksInfo::tracks().collect();
	assert_eq!(
		tracks.iter().map(|t| t.id).collect::<Vec<_>>(),
		vec![
			ids::ROOT,
			ids::WHITELISTED_CALLER,
			ids::STAKING_ADMIN,
			ids::PARAMS_ADMIN,
			ids::TREASURER,
			ids::REFERENDUM_CANCELLER,
			ids::REFERENDUM_KILLER,
		]
	);
	for track in tracks {
		// A decision can be confirmed before its period ends.
		assert!(track.info.confirm_period < track.info.decision_period);
		// Only one root referendum at a time.
		if track.id == ids::ROOT {
			assert_eq!(track.info.max_deciding, 1);
		}
	}
}

/// Token holders change the storage price on the `params_admin` track: no key is involved.
#[test]
fn a_params_admin_referendum_sets_the_storage_price() {
	ext_from_preset(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		let before = pallet_zg_storage::Price::<Runtime>::get();
		let call = RuntimeCall::Storage(pallet_zg_storage::Call::set_price { price: 2 * before });
		let index = referendum(Origin::ParamsAdmin.into(), call, &[Alice, Bob, Charlie]);
		assert!(approved(index));
		assert_eq!(last_dispatch(), Some(Ok(())));
		assert_eq!(pallet_zg_storage::Price::<Runtime>::get(), 2 * before);
	});
}

/// Bonded 0G votes: a validator's held bond counts towards its vote, under the same lock.
#[test]
fn bonded_zg_votes_and_a_vote_beyond_the_balance_is_refused() {
	ext_from_preset(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		let alice = account(Alice);
		let held = Balances::total_balance_on_hold(&alice);
		assert!(held > 0, "Alice's validator bond is held");
		let total = Balances::total_balance(&alice);
		let call = RuntimeCall::Storage(pallet_zg_storage::Call::set_price { price: 1 });
		assert_ok!(Referenda::submit(
			signed(Bob),
			Box::new(Origin::ParamsAdmin.into()),
			Preimage::bound(call).unwrap(),
			DispatchTime::After(0),
		));
		let vote = |balance| AccountVote::Standard {
			vote: Vote { aye: true, conviction: Conviction::Locked6x },
			balance,
		};
		// More than the balance: refused, nothing locked.
		assert_noop!(
			ConvictionVoting::vote(signed(Alice), 0, vote(total + 1)),
			pallet_conviction_voting::Error::<Runtime>::InsufficientFunds
		);
		// Everything, held bond included.
		assert_ok!(ConvictionVoting::vote(signed(Alice), 0, vote(total)));
		let locked = pallet_balances::Locks::<Runtime>::get(&alice)
			.iter()
			.map(|l| l.amount)
			.max()
			.unwrap_or(0);
		assert_eq!(locked, total);
		// The bond stays held, and still counts as Alice's stake.
		assert_eq!(Balances::total_balance_on_hold(&alice), held);
	});
}

/// A referendum whose call fails when enacted changes nothing, and says why.
#[test]
fn a_referendum_on_a_failing_call_changes_nothing() {
	ext_from_preset(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		let before = pallet_zg_da::Params::<Runtime>::get();
		let call = RuntimeCall::Da(pallet_zg_da::Call::set_params {
			params: pallet_zg_da::DaParams { seats: 0, price: 1 },
		});
		let index = referendum(Origin::ParamsAdmin.into(), call, &[Alice, Bob, Charlie]);
		assert!(approved(index));
		assert_eq!(last_dispatch(), Some(Err(pallet_zg_da::Error::<Runtime>::BadSeats.into())));
		assert_eq!(pallet_zg_da::Params::<Runtime>::get(), before);
	});
}

/// Each track's origin may do only what it was made for.
#[test]
fn a_track_origin_cannot_act_outside_its_track() {
	ext_from_preset(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		let count = pallet_zg_staking::ValidatorCount::<Runtime>::get();
		let set_config = RuntimeCall::Staking(pallet_zg_staking::Call::set_config {
			validator_count: 1,
			min_validator_bond: ZG,
			min_delegator_bond: ZG,
		});
		for origin in [Origin::ParamsAdmin, Origin::Treasurer, Origin::WhitelistedCaller] {
			assert_eq!(
				set_config.clone().dispatch(origin.into()).map_err(|e| e.error),
				Err(DispatchError::BadOrigin)
			);
		}
		assert_eq!(
			set_config.clone().dispatch(signed(Alice)).map_err(|e| e.error),
			Err(DispatchError::BadOrigin)
		);
		assert_eq!(pallet_zg_staking::ValidatorCount::<Runtime>::get(), count);
		assert_ok!(set_config.dispatch(Origin::StakingAdmin.into()));
		assert_eq!(pallet_zg_staking::ValidatorCount::<Runtime>::get(), 1);
	});
}

/// Queues a slash of Bob for an equivocation in era 0.
fn queue_slash_of_bob() {
	use sp_staking::offence::{OffenceDetails, OnOffenceHandler};
	let details = [OffenceDetails { offender: (account(Bob), ()), reporters: vec![] }];
	let _ = <Staking as OnOffenceHandler<AccountId, (AccountId, ()), Weight>>::on_offence(
		&details,
		&[Perbill::zero()],
		0,
	);
	assert_eq!(pallet_zg_staking::UnappliedSlashes::<Runtime>::iter().count(), 1);
}

/// The technical committee cancels a waiting slash with a majority; one member alone, or
/// anyone outside it, cannot.
#[test]
fn the_committee_cancels_a_waiting_slash_and_outsiders_cannot() {
	ext_from_preset(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		queue_slash_of_bob();
		let cancel = RuntimeCall::Staking(pallet_zg_staking::Call::cancel_deferred_slash {
			validator: account(Bob),
			offence_era: 0,
		});
		let len = codec::Encode::encoded_size(&cancel) as u32;
		// Not a member: refused by the committee and by staking.
		assert_noop!(
			TechnicalCommittee::propose(signed(Eve), 3, Box::new(cancel.clone()), len),
			pallet_collective::Error::<Runtime, super::TechnicalCollective>::NotMember
		);
		assert_eq!(
			cancel.clone().dispatch(signed(Eve)).map_err(|e| e.error),
			Err(DispatchError::BadOrigin)
		);
		// One member alone (a motion of threshold 1 executes at once, as 1 of 4): refused.
		assert_ok!(TechnicalCommittee::propose(signed(Alice), 1, Box::new(cancel.clone()), len));
		assert_eq!(pallet_zg_staking::UnappliedSlashes::<Runtime>::iter().count(), 1);
		// Three of four: cancelled.
		let index = pallet_collective::ProposalCount::<Runtime, super::TechnicalCollective>::get();
		let hash = <Runtime as frame_system::Config>::Hashing::hash_of(&cancel);
		assert_ok!(TechnicalCommittee::propose(signed(Alice), 3, Box::new(cancel.clone()), len));
		assert_ok!(TechnicalCommittee::vote(signed(Alice), hash, index, true));
		assert_ok!(TechnicalCommittee::vote(signed(Bob), hash, index, true));
		assert_ok!(TechnicalCommittee::vote(signed(Charlie), hash, index, true));
		assert_ok!(TechnicalCommittee::close(
			signed(Charlie),
			hash,
			index,
			Weight::from_parts(10_000_000_000, 1_000_000),
			len
		));
		assert_eq!(pallet_zg_staking::UnappliedSlashes::<Runtime>::iter().count(), 0);
		assert!(System::events().iter().any(|r| matches!(
			r.event,
			RuntimeEvent::Staking(pallet_zg_staking::Event::SlashCancelled { .. })
		)));
	});
}

/// Funds `amount` into the treasury from Ferdie.
fn fund_treasury(amount: Balance) {
	assert_ok!(Balances::transfer_keep_alive(
		signed(Sr25519Keyring::Ferdie),
		TreasuryAccount::get().into(),
		amount
	));
}

/// A `treasurer` referendum spends; the spend is paid on claim. A spend beyond the track's
/// limit is refused, and one beyond the treasury's funds is not paid and changes nothing.
#[test]
fn the_treasury_spends_by_referendum_within_its_limits() {
	ext_from_preset(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		fund_treasury(1_000 * ZG);
		let eve = account(Eve);
		let before = Balances::total_balance(&eve);
		let spend = |amount| {
			RuntimeCall::Treasury(pallet_treasury::Call::spend {
				asset_kind: Box::new(()),
				amount,
				beneficiary: Box::new(eve.clone()),
				valid_from: None,
			})
		};
		let index = referendum(Origin::Treasurer.into(), spend(100 * ZG), &[Alice, Bob, Charlie]);
		assert!(approved(index));
		assert_eq!(last_dispatch(), Some(Ok(())));
		assert_ok!(Treasury::payout(signed(Dave), 0));
		assert_eq!(Balances::total_balance(&eve), before + 100 * ZG);

		// Beyond what a `treasurer` referendum may spend.
		assert_eq!(
			spend(origins::MaxTreasurerSpend::get() + 1)
				.dispatch(Origin::Treasurer.into())
				.map_err(|e| e.error),
			Err(pallet_treasury::Error::<Runtime>::InsufficientPermission.into())
		);
		// Beyond what the treasury holds, or all of it (the account is kept alive, so that it
		// can always take slashes and fee shares): approved, but the payout fails and pays
		// nothing.
		let treasury = Balances::total_balance(&TreasuryAccount::get());
		assert_ok!(spend(treasury + 1).dispatch(Origin::Treasurer.into()));
		assert_ok!(spend(treasury).dispatch(Origin::Treasurer.into()));
		for index in [1, 2] {
			assert_noop!(
				Treasury::payout(signed(Dave), index),
				pallet_treasury::Error::<Runtime>::PayoutError
			);
		}
		assert_eq!(Balances::total_balance(&TreasuryAccount::get()), treasury);
		// A `treasurer` referendum cannot void what was approved: only root can.
		assert_eq!(
			RuntimeCall::Treasury(pallet_treasury::Call::void_spend { index: 1 })
				.dispatch(Origin::Treasurer.into())
				.map_err(|e| e.error),
			Err(DispatchError::BadOrigin)
		);
	});
}

/// A call the committee whitelists is dispatched as root by a `whitelisted_caller` referendum,
/// which needs less support and time than the `root` track.
#[test]
fn a_whitelisted_call_passes_on_the_fast_track() {
	ext_from_preset(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		let members = RuntimeCall::TechnicalMembership(pallet_membership::Call::add_member {
			who: account(Eve).into(),
		});
		let hash = <Runtime as frame_system::Config>::Hashing::hash_of(&members);
		// The committee whitelists the call (three of four members).
		let whitelist =
			RuntimeCall::Whitelist(pallet_whitelist::Call::whitelist_call { call_hash: hash });
		let len = codec::Encode::encoded_size(&whitelist) as u32;
		let index = pallet_collective::ProposalCount::<Runtime, super::TechnicalCollective>::get();
		let motion = <Runtime as frame_system::Config>::Hashing::hash_of(&whitelist);
		assert_ok!(TechnicalCommittee::propose(signed(Alice), 3, Box::new(whitelist), len));
		assert_ok!(TechnicalCommittee::vote(signed(Alice), motion, index, true));
		assert_ok!(TechnicalCommittee::vote(signed(Bob), motion, index, true));
		assert_ok!(TechnicalCommittee::vote(signed(Charlie), motion, index, true));
		assert_ok!(TechnicalCommittee::close(
			signed(Charlie),
			motion,
			index,
			Weight::from_parts(10_000_000_000, 1_000_000),
			len
		));
		assert!(pallet_whitelist::WhitelistedCall::<Runtime>::contains_key(hash));
		// Its preimage is noted, and a referendum dispatches it.
		assert_ok!(Preimage::note_preimage(signed(Alice), codec::Encode::encode(&members)));
		let weight = members.get_dispatch_info().call_weight;
		let dispatch = RuntimeCall::Whitelist(pallet_whitelist::Call::dispatch_whitelisted_call {
			call_hash: hash,
			call_encoded_len: codec::Encode::encoded_size(&members) as u32,
			call_weight_witness: weight,
		});
		// As much support as the root track asks (25 % at first): five of the dev accounts.
		let index = referendum(
			Origin::WhitelistedCaller.into(),
			dispatch,
			&[Alice, Bob, Charlie, Dave, Sr25519Keyring::Ferdie],
		);
		assert!(approved(index));
		assert!(pallet_collective::Members::<Runtime, super::TechnicalCollective>::get()
			.contains(&account(Eve)));
	});
}

/// Junk that holds the `root` track's only deciding place (for its decision deposit) is
/// cancelled on the `referendum_canceller` track, and the next root referendum is decided.
#[test]
fn the_canceller_track_frees_a_track_held_by_junk() {
	ext_from_preset(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		let junk = RuntimeCall::System(frame_system::Call::remark { remark: vec![0xde, 0xad] });
		assert_ok!(Referenda::submit(
			signed(Eve),
			Box::new(frame_system::RawOrigin::Root.into()),
			Preimage::bound(junk).unwrap(),
			DispatchTime::After(0),
		));
		assert_ok!(Referenda::place_decision_deposit(signed(Eve), 0));
		let good = RuntimeCall::System(frame_system::Call::remark { remark: vec![1] });
		assert_ok!(Referenda::submit(
			signed(Dave),
			Box::new(frame_system::RawOrigin::Root.into()),
			Preimage::bound(good).unwrap(),
			DispatchTime::After(0),
		));
		assert_ok!(Referenda::place_decision_deposit(signed(Dave), 1));
		let root = tracks::TracksInfo::info(ids::ROOT).unwrap();
		run_blocks(root.prepare_period + 2);
		let deciding = |i| match pallet_referenda::ReferendumInfoFor::<Runtime>::get(i) {
			Some(ReferendumInfo::Ongoing(status)) => status.deciding.is_some(),
			_ => false,
		};
		assert!(deciding(0) && !deciding(1), "the junk holds the root track's only place");
		let cancel = RuntimeCall::Referenda(pallet_referenda::Call::cancel { index: 0 });
		let index = referendum(Origin::ReferendumCanceller.into(), cancel, &[Alice, Bob, Charlie]);
		assert!(approved(index));
		assert!(matches!(
			pallet_referenda::ReferendumInfoFor::<Runtime>::get(0),
			Some(ReferendumInfo::Cancelled(..))
		));
		run_blocks(2);
		assert!(deciding(1), "the next root referendum is decided");
	});
}

/// 20 % of a fee goes to the treasury, the rest and the whole tip to the reward pot.
#[test]
fn fees_are_shared_with_the_treasury() {
	ext_from_preset(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		let treasury = Balances::total_balance(&TreasuryAccount::get());
		let pot = Balances::total_balance(&Staking::reward_pot());
		let issuance = Balances::total_issuance();
		let (fee, tip) = (1_000 * MICRO_ZG, 7 * MICRO_ZG);
		DealWithFees::on_unbalanceds([Balances::issue(fee), Balances::issue(tip)].into_iter());
		let to_treasury = fee * TREASURY_FEE_SHARE as Balance / 100;
		assert_eq!(Balances::total_balance(&TreasuryAccount::get()), treasury + to_treasury);
		assert_eq!(Balances::total_balance(&Staking::reward_pot()), pot + fee - to_treasury + tip);
		// Nothing burnt or minted on the way.
		assert_eq!(Balances::total_issuance(), issuance + fee + tip);
	});
}

mod params {
	use super::*;
	use crate::governance::params::{
		dynamic_params::{compute, da, staking, storage},
		pallet_bounded_params::{Bounds, Error},
		ZgBounds,
	};
	use frame_support::traits::Get;

	fn storage_fee(v: Balance) -> RuntimeParameters {
		RuntimeParameters::Storage(storage::Parameters::SubmissionFee(
			storage::SubmissionFee,
			Some(v),
		))
	}

	/// Every default value, as a parameter set to it.
	fn defaults() -> Vec<RuntimeParameters> {
		use RuntimeParameters as P;
		vec![
			P::Staking(staking::Parameters::YearlyInflation(
				staking::YearlyInflation,
				Some(staking::YearlyInflation::get()),
			)),
			P::Staking(staking::Parameters::OffenceSlashFraction(
				staking::OffenceSlashFraction,
				Some(staking::OffenceSlashFraction::get()),
			)),
			P::Staking(staking::Parameters::ReporterShare(
				staking::ReporterShare,
				Some(staking::ReporterShare::get()),
			)),
			storage_fee(storage::SubmissionFee::get()),
			P::Storage(storage::Parameters::FaultSlash(
				storage::FaultSlash,
				Some(storage::FaultSlash::get()),
			)),
			P::Compute(compute::Parameters::JobSubmissionFee(
				compute::JobSubmissionFee,
				Some(compute::JobSubmissionFee::get()),
			)),
			P::Compute(compute::Parameters::JobTimeout(
				compute::JobTimeout,
				Some(compute::JobTimeout::get()),
			)),
			P::Compute(compute::Parameters::MinDisputeDeposit(
				compute::MinDisputeDeposit,
				Some(compute::MinDisputeDeposit::get()),
			)),
			P::Compute(compute::Parameters::MissedJobSlash(
				compute::MissedJobSlash,
				Some(compute::MissedJobSlash::get()),
			)),
			P::Compute(compute::Parameters::WrongResultSlash(
				compute::WrongResultSlash,
				Some(compute::WrongResultSlash::get()),
			)),
			P::Compute(compute::Parameters::VerifierSlash(
				compute::VerifierSlash,
				Some(compute::VerifierSlash::get()),
			)),
			P::Da(da::Parameters::SubmissionFee(da::SubmissionFee, Some(da::SubmissionFee::get()))),
			P::Da(da::Parameters::ChallengeWindow(
				da::ChallengeWindow,
				Some(da::ChallengeWindow::get()),
			)),
			P::Da(da::Parameters::WithholdingSlash(
				da::WithholdingSlash,
				Some(da::WithholdingSlash::get()),
			)),
			P::Da(da::Parameters::BadLineSlash(da::BadLineSlash, Some(da::BadLineSlash::get()))),
		]
	}

	/// The defaults are the values the runtime had as constants, and are within their bounds.
	#[test]
	fn every_default_is_within_its_bounds() {
		sp_io::TestExternalities::default().execute_with(|| {
			let all = defaults();
			assert_eq!(all.len(), 15);
			for parameter in all {
				assert_eq!(ZgBounds::check(&parameter), Ok(()), "{parameter:?}");
			}
			assert_eq!(
				<Runtime as pallet_zg_storage::Config>::SubmissionFee::get(),
				storage_params::SUBMISSION_FEE
			);
			assert_eq!(
				<Runtime as pallet_zg_compute::Config>::JobTimeout::get(),
				compute_params::JOB_TIMEOUT
			);
		});
	}

	/// A `params_admin` referendum changes a fee, and the pallet charges the new one.
	#[test]
	fn a_referendum_sets_a_parameter_and_the_pallet_uses_it() {
		ext_from_preset(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
			let call =
				RuntimeCall::Params(crate::governance::params::pallet_bounded_params::Call::set {
					key_value: storage_fee(2 * storage_params::SUBMISSION_FEE),
				});
			let index = referendum(Origin::ParamsAdmin.into(), call, &[Alice, Bob, Charlie]);
			assert!(approved(index));
			assert_eq!(last_dispatch(), Some(Ok(())));
			assert_eq!(
				<Runtime as pallet_zg_storage::Config>::SubmissionFee::get(),
				2 * storage_params::SUBMISSION_FEE
			);
			// `None` restores the default.
			assert_ok!(Params::set(
				Origin::ParamsAdmin.into(),
				RuntimeParameters::Storage(storage::Parameters::SubmissionFee(
					storage::SubmissionFee,
					None
				))
			));
			assert_eq!(
				<Runtime as pallet_zg_storage::Config>::SubmissionFee::get(),
				storage_params::SUBMISSION_FEE
			);
		});
	}

	/// Out of bounds: refused by name, nothing changed, whoever asks (root included).
	#[test]
	fn a_value_out_of_bounds_is_refused_and_changes_nothing() {
		ext_from_preset(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
			let slash = |v| {
				RuntimeParameters::Storage(storage::Parameters::FaultSlash(
					storage::FaultSlash,
					Some(v),
				))
			};
			let window = |v| {
				RuntimeParameters::Da(da::Parameters::ChallengeWindow(da::ChallengeWindow, Some(v)))
			};
			for origin in [Origin::ParamsAdmin.into(), RuntimeOrigin::root()] {
				assert_noop!(
					Params::set(origin.clone(), slash(Perbill::zero())),
					Error::<Runtime>::BelowMinimum
				);
				assert_noop!(
					Params::set(origin.clone(), window(da_params::RETENTION)),
					Error::<Runtime>::AboveMaximum
				);
				assert_noop!(
					Params::set(origin, storage_fee(10 * ZG + 1)),
					Error::<Runtime>::AboveMaximum
				);
			}
			assert_eq!(
				<Runtime as pallet_zg_storage::Config>::FaultSlash::get(),
				Perbill::from_percent(10)
			);
		});
	}

	/// Inflation needs root (stakers cannot vote it up on their own track), staking's other
	/// parameters the `staking_admin` track, the others `params_admin`; nobody but root writes
	/// to pallet-parameters directly.
	#[test]
	fn each_parameter_needs_its_tracks_origin() {
		ext_from_preset(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
			let inflation = RuntimeParameters::Staking(staking::Parameters::YearlyInflation(
				staking::YearlyInflation,
				Some(Perbill::from_percent(3)),
			));
			for origin in [Origin::ParamsAdmin, Origin::StakingAdmin] {
				assert_noop!(
					Params::set(origin.into(), inflation.clone()),
					DispatchError::BadOrigin
				);
			}
			let reporter = RuntimeParameters::Staking(staking::Parameters::ReporterShare(
				staking::ReporterShare,
				Some(Perbill::from_percent(5)),
			));
			assert_noop!(
				Params::set(Origin::ParamsAdmin.into(), reporter.clone()),
				DispatchError::BadOrigin
			);
			assert_ok!(Params::set(Origin::StakingAdmin.into(), reporter));
			assert_noop!(
				Params::set(Origin::StakingAdmin.into(), storage_fee(1)),
				DispatchError::BadOrigin
			);
			assert_noop!(Params::set(signed(Alice), storage_fee(1)), DispatchError::BadOrigin);
			assert_noop!(
				Parameters::set_parameter(Origin::ParamsAdmin.into(), storage_fee(1)),
				DispatchError::BadOrigin
			);
			assert_ok!(Params::set(RuntimeOrigin::root(), inflation));
			assert_eq!(
				<Runtime as pallet_zg_staking::Config>::YearlyInflation::get(),
				Perbill::from_percent(3)
			);
		});
	}
}
