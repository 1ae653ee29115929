//! Tests of the DA pallet against the real staking and beacon pallets. Each attack on the money
//! rules is a test that shows it fails: a forged or foreign attestation, a disperser that
//! encodes badly, a signer that withholds, a challenger without stake.

use crate::{mock::*, *};
use frame_support::{assert_noop, assert_ok};
use pallet_zg_staking::RoleBonds;
use sp_runtime::testing::TestSignature;
use zg_primitives::{da::quorum, staking::RoleObligations};

/// `who` answers challenge `id` with `a`.
fn answer(who: AccountId, id: ChallengeId, a: CellAnswer) -> DispatchResult {
	Da::answer_challenges(RuntimeOrigin::signed(who), vec![(id, a)].try_into().unwrap())
}

fn bond(who: AccountId) -> Balance {
	RoleBonds::<Test>::get(who, Role::DaSigner).map_or(0, |b| b.amount)
}

/// The members of `committee` in the order that reaches its quorum with the fewest members
/// last: (member, seats).
fn members(committee: &Committee<Test>) -> Vec<(AccountId, u32)> {
	committee.members.clone().into_inner()
}

/// Submits a blob of `size` bytes from ALICE in epoch 1 and has every member attest it.
fn available_blob(size: usize) -> (Extended, Committee<Test>) {
	let committee = first_committee();
	let sq = square(size);
	assert_ok!(submit(ALICE, &sq));
	let all: Vec<AccountId> = members(&committee).iter().map(|(m, _)| *m).collect();
	assert_ok!(attest(sq.data_root(), &all));
	assert!(Da::is_available(sq.data_root()));
	(sq, committee)
}

use zg_primitives::da::Extended;

#[test]
fn committees_are_drawn_from_the_snapshot_with_later_randomness() {
	execute(|| {
		// Epoch 0 has no committee: nothing can be submitted.
		assert_noop!(submit(ALICE, &square(5_000)), Error::<Test>::NoCommittee);
		// A fifth signer bonds and registers after the snapshot of epoch 1 (block 6).
		run_to(6);
		assert_eq!(NextCandidates::<Test>::get().unwrap().candidates.len(), 4);
		assert_ok!(Staking::register_role(RuntimeOrigin::signed(5), Role::DaSigner, SIGNER_BOND));
		assert_ok!(Da::register_signer(RuntimeOrigin::signed(5), b"http://s5".to_vec()));
		// Signer 4 leaves after the snapshot: it keeps its place in this draw.
		assert_ok!(Da::deregister_signer(RuntimeOrigin::signed(4)));
		let committee = first_committee();
		let ids: Vec<AccountId> = members(&committee).iter().map(|(m, _)| *m).collect();
		assert!(!ids.contains(&5) && ids.contains(&4), "{ids:?}");
		assert_eq!(committee.seat_count(), SEATS);
		assert_eq!(CurrentEpoch::<Test>::get(), 1);
		// The next committee has 5 as a candidate, and not 4.
		run_to(2 * EPOCH);
		let ids: Vec<AccountId> =
			members(&Committees::<Test>::get(2).unwrap()).iter().map(|(m, _)| *m).collect();
		assert!(ids.contains(&5) && !ids.contains(&4), "{ids:?}");
		// Epoch 1's committee had no blobs: it is gone.
		assert!(Committees::<Test>::get(1).is_none());
	});
}

#[test]
fn selection_is_deterministic_proportional_and_capped() {
	execute(|| {
		let candidates: Vec<(AccountId, Balance)> =
			vec![(1, 100 * ZG), (2, 100 * ZG), (3, 200 * ZG), (4, 400 * ZG)];
		let seed = H256::repeat_byte(7);
		let a = Da::select(&seed, &candidates, 16).unwrap();
		assert_eq!(a, Da::select(&seed, &candidates, 16).unwrap());
		assert_ne!(a, Da::select(&H256::repeat_byte(8), &candidates, 16).unwrap());
		// Over many seeds the seats follow the stake: 1/8, 1/8, 1/4, 1/2 (cap 50 % of 16 = 8).
		let mut seats = [0u32; 5];
		for n in 0..400u32 {
			let c = Da::select(&H256::from_low_u64_be(n as u64), &candidates, 16).unwrap();
			assert_eq!(c.seat_count(), 16);
			for (who, s) in c.members.iter() {
				assert!(*s <= 8);
				seats[*who as usize] += s;
			}
		}
		let total = 400.0 * 16.0;
		let share = |w: usize| seats[w] as f64 / total;
		assert!((share(1) - 0.125).abs() < 0.02, "{seats:?}");
		assert!((share(3) - 0.25).abs() < 0.03, "{seats:?}");
		// Signer 4 would take half of the seats and sometimes more: the cap holds it at 8.
		assert!(share(4) > 0.4 && share(4) <= 0.5, "{seats:?}");
		// A cap of a quarter: one whale among small signers takes 3 of 12 seats, no more.
		MaxSeatShare::set(Perbill::from_percent(25));
		let whale = vec![(1, 10_000 * ZG), (2, ZG), (3, ZG), (4, ZG), (5, ZG)];
		let c = Da::select(&seed, &whale, 12).unwrap();
		assert_eq!(c.members.iter().find(|(w, _)| *w == 1).unwrap().1, 3);
		assert_eq!(c.seat_count(), 12);
		// Fewer candidates than a quarter's cap needs to fill the seats: no committee.
		assert!(Da::select(&seed, &[(1, ZG), (2, ZG), (3, ZG)], 12).is_none());
		// Every candidate at the cap (a cap of 2 of 10 seats, 4 candidates): 8 seats dealt.
		let c = Da::select(&seed, &[(1, ZG), (2, ZG), (3, ZG), (4, ZG)], 10).unwrap();
		assert_eq!((c.cap, c.seat_count()), (2, 8));
		// No stake: no committee.
		assert!(Da::select(&seed, &[(1, 0)], 12).is_none());
	});
}

#[test]
fn quorum_is_two_thirds_of_the_seats() {
	execute(|| {
		let committee = first_committee();
		let sq = square(20_000);
		let root = sq.data_root();
		assert_ok!(submit(ALICE, &sq));
		let need = quorum(committee.seat_count());
		assert_eq!(need, 8);
		// Attest member by member: available exactly when the attested seats reach 8.
		let mut attested = 0;
		for (who, seats) in members(&committee) {
			assert_ok!(attest(root, &[who]));
			attested += seats;
			assert_eq!(Da::is_available(root), attested >= need, "{attested} seats");
			assert_eq!(Blobs::<Test>::get(root).unwrap().attested_seats, attested);
		}
		assert!(da_events().iter().any(|e| matches!(e, Event::BlobAvailable { .. })));
		let view = Da::blob_view(root).unwrap();
		assert_eq!((view.attested_seats, view.seats), (SEATS, SEATS));
	});
}

#[test]
fn a_blob_without_quorum_fails_and_is_refunded_but_for_the_submission_fee() {
	execute(|| {
		let committee = first_committee();
		let sq = square(10_000);
		let before = free(ALICE);
		assert_ok!(submit(ALICE, &sq));
		let fee = Da::fee(&sq.layout).unwrap();
		assert_eq!(fee, sq.layout.extended_bytes() as u128 * PRICE);
		assert_eq!(free(ALICE), before - SUBMISSION_FEE - fee - DEPOSIT);
		// One member attests: not enough.
		let (first, _) = members(&committee)[0];
		assert_ok!(attest(sq.data_root(), &[first]));
		assert_eq!(Duties::<Test>::get(first), 1);
		run_to(EPOCH + ATTEST_PERIOD + 1);
		assert!(Blobs::<Test>::get(sq.data_root()).is_none());
		assert_eq!(free(ALICE), before - SUBMISSION_FEE);
		assert_eq!(Duties::<Test>::get(first), 0);
		assert!(da_events()
			.contains(&Event::BlobFailed { root: sq.data_root(), refunded: fee + DEPOSIT }));
		// Late attestations are refused.
		assert_noop!(attest(sq.data_root(), &[first]), Error::<Test>::BlobNotFound);
	});
}

#[test]
fn attesters_are_paid_by_seats_at_the_end_of_retention() {
	execute(|| {
		let (sq, committee) = available_blob(30_000);
		let fee = Da::fee(&sq.layout).unwrap();
		let members = members(&committee);
		let before: Vec<Balance> = members.iter().map(|(m, _)| free(*m)).collect();
		let alice = free(ALICE);
		// Their bonds are collateral for the blob meanwhile.
		assert!(<Da as RoleObligations<AccountId>>::has_obligations(&members[0].0, Role::DaSigner));
		run_to(EPOCH + RETENTION);
		assert!(Blobs::<Test>::get(sq.data_root()).is_none());
		for ((who, seats), was) in members.iter().zip(before) {
			assert_eq!(free(*who) - was, fee * *seats as u128 / SEATS as u128);
			assert!(!<Da as RoleObligations<AccountId>>::has_obligations(who, Role::DaSigner));
		}
		assert_eq!(free(ALICE), alice + DEPOSIT);
		assert_eq!(EscrowTotal::<Test>::get(), 0);
	});
}

#[test]
fn bad_attestations_are_refused_and_change_nothing() {
	execute(|| {
		let committee = first_committee();
		let sq = square(10_000);
		let root = sq.data_root();
		assert_ok!(submit(ALICE, &sq));
		let ids: Vec<AccountId> = members(&committee).iter().map(|(m, _)| *m).collect();
		let (a, b) = (ids[0], ids[1]);
		let call = |batch: Vec<Attestation<AccountId, TestSignature>>| {
			Da::attest(RuntimeOrigin::signed(ALICE), root, batch.try_into().unwrap())
		};
		// A forged signature: another signer's, or another payload.
		let mut forged = attestation(a, root, 1);
		forged.signature = TestSignature(b, forged.signature.1.clone());
		assert_noop!(call(vec![forged]), Error::<Test>::BadSignature);
		let mut other = attestation(a, root, 1);
		let blob = Blobs::<Test>::get(root).unwrap();
		other.signature = TestSignature(a, Da::attestation_payload(&H256::repeat_byte(1), &blob));
		assert_noop!(call(vec![other]), Error::<Test>::BadSignature);
		// A non-member (a bonded storage provider), another epoch, a duplicate.
		assert_noop!(call(vec![attestation(CHALLENGER, root, 1)]), Error::<Test>::NotMember);
		assert_noop!(call(vec![attestation(a, root, 2)]), Error::<Test>::WrongEpoch);
		assert_noop!(
			call(vec![attestation(a, root, 1), attestation(a, root, 1)]),
			Error::<Test>::Duplicate
		);
		// One bad signature among good ones refuses the whole batch.
		let mut bad = attestation(b, root, 1);
		bad.signature.1.push(0);
		assert_noop!(call(vec![attestation(a, root, 1), bad]), Error::<Test>::BadSignature);
		assert_noop!(call(vec![]), Error::<Test>::EmptyBatch);
		assert_noop!(
			Da::attest(
				RuntimeOrigin::signed(ALICE),
				H256::repeat_byte(3),
				vec![attestation(a, root, 1)].try_into().unwrap()
			),
			Error::<Test>::BlobNotFound
		);
		// A member attests once.
		assert_ok!(call(vec![attestation(a, root, 1)]));
		assert_noop!(call(vec![attestation(a, root, 1)]), Error::<Test>::AlreadyAttested);
	});
}

#[test]
fn bad_submissions_are_refused() {
	execute(|| {
		first_committee();
		let sq = square(5_000);
		let bad = |layout: BlobLayout| {
			Da::submit_blob(RuntimeOrigin::signed(ALICE), sq.data_root(), layout, Balance::MAX)
		};
		assert_noop!(bad(BlobLayout { size: 0, side: 1 }), Error::<Test>::BadLayout);
		assert_noop!(
			bad(BlobLayout { size: zg_primitives::da::MAX_BLOB_SIZE + 1, side: 182 }),
			Error::<Test>::BadLayout
		);
		assert_noop!(bad(BlobLayout { size: 5_000, side: 4 }), Error::<Test>::BadLayout);
		let fee = Da::fee(&sq.layout).unwrap();
		assert_noop!(
			Da::submit_blob(RuntimeOrigin::signed(ALICE), sq.data_root(), sq.layout, fee - 1),
			Error::<Test>::FeeAboveMaximum
		);
		assert_ok!(submit(ALICE, &sq));
		assert_noop!(submit(ALICE, &sq), Error::<Test>::BlobExists);
		// Too poor for the fee of the largest blob at a thousandth of a 0G per byte.
		assert_ok!(Da::set_params(
			RuntimeOrigin::root(),
			DaParams { seats: SEATS, price: ZG / 1000 }
		));
		let big = BlobLayout::new(zg_primitives::da::MAX_BLOB_SIZE).unwrap();
		assert!(Da::fee(&big).unwrap() > 10_000 * ZG);
		assert!(Da::submit_blob(
			RuntimeOrigin::signed(ALICE),
			H256::repeat_byte(5),
			big,
			Balance::MAX
		)
		.is_err());
	});
}

#[test]
fn an_answered_challenge_pays_the_member_the_deposit() {
	execute(|| {
		let (sq, committee) = available_blob(20_000);
		let root = sq.data_root();
		let signer = members(&committee)[0].0;
		let before = (free(CHALLENGER), free(signer));
		assert_ok!(Da::challenge(RuntimeOrigin::signed(CHALLENGER), root, signer));
		let c = Challenges::<Test>::get(0).unwrap();
		assert_eq!(c.signer, signer);
		// The challenged line is one of the member's.
		let turn = zg_primitives::da::rotation(&root, committee.seat_count(), sq.layout.width());
		let member = committee.member_index(&signer).unwrap();
		assert!(committee.member_holds(member, sq.layout.width(), turn, c.line.index()));
		// A wrong chunk, another cell, someone else: refused, nothing changes.
		let mut wrong = answer_of(&sq, 0);
		wrong.chunk[0] ^= 1;
		assert_noop!(answer(signer, 0, wrong), Error::<Test>::InvalidProof);
		let mut other = answer_of(&sq, 0);
		other.pos = (other.pos + 1) % sq.layout.width();
		assert_noop!(answer(signer, 0, other), Error::<Test>::WrongCell);
		assert_noop!(answer(ALICE, 0, answer_of(&sq, 0)), Error::<Test>::NotChallenged);
		assert_ok!(answer(signer, 0, answer_of(&sq, 0)));
		assert_eq!(free(CHALLENGER), before.0 - CHALLENGE_DEPOSIT);
		assert_eq!(free(signer), before.1 + CHALLENGE_DEPOSIT);
		assert_eq!(bond(signer), SIGNER_BOND);
		run_to(System::block_number() + WINDOW + 1);
		assert_eq!(bond(signer), SIGNER_BOND);
	});
}

#[test]
fn a_withholding_signer_is_slashed_and_not_paid() {
	execute(|| {
		let (sq, committee) = available_blob(20_000);
		let root = sq.data_root();
		let fee = Da::fee(&sq.layout).unwrap();
		let (signer, seats) = members(&committee)[0];
		let challenger = free(CHALLENGER);
		assert_ok!(Da::challenge(RuntimeOrigin::signed(CHALLENGER), root, signer));
		let due = Challenges::<Test>::get(0).unwrap().due;
		let late = answer_of(&sq, 0);
		run_to(due);
		assert!(Challenges::<Test>::get(0).is_none());
		assert_eq!(bond(signer), SIGNER_BOND - SIGNER_BOND / 10);
		assert_eq!(free(CHALLENGER), challenger);
		assert!(da_events().iter().any(|e| matches!(
			e,
			Event::ChallengeMissed { id: 0, signer: s, .. } if *s == signer
		)));
		// Too late to answer now.
		assert_noop!(answer(signer, 0, late), Error::<Test>::ChallengeNotFound);
		// At expiry the withholder's share goes to the treasury.
		let (signer_before, treasury) = (free(signer), free(TREASURY));
		run_to(EPOCH + RETENTION);
		assert_eq!(free(signer), signer_before);
		assert!(free(TREASURY) - treasury >= fee * seats as u128 / SEATS as u128);
	});
}

#[test]
fn challenges_need_stake_an_attester_and_time() {
	execute(|| {
		let committee = first_committee();
		let sq = square(20_000);
		let root = sq.data_root();
		assert_ok!(submit(ALICE, &sq));
		let ids: Vec<AccountId> = members(&committee).iter().map(|(m, _)| *m).collect();
		// A pending blob cannot be challenged.
		assert_ok!(attest(root, &ids[..1]));
		if !Da::is_available(root) {
			assert_noop!(
				Da::challenge(RuntimeOrigin::signed(CHALLENGER), root, ids[0]),
				Error::<Test>::NotAvailable
			);
		}
		assert_ok!(attest(root, &ids[1..]));
		// No stake, itself, a non-attester, an unknown blob.
		assert_noop!(
			Da::challenge(RuntimeOrigin::signed(ALICE), root, ids[0]),
			Error::<Test>::NotBonded
		);
		assert_noop!(
			Da::challenge(RuntimeOrigin::signed(ids[1]), root, ids[1]),
			Error::<Test>::SelfChallenge
		);
		assert_noop!(
			Da::challenge(RuntimeOrigin::signed(ids[1]), root, CHALLENGER),
			Error::<Test>::NotAttester
		);
		assert_noop!(
			Da::challenge(RuntimeOrigin::signed(CHALLENGER), H256::repeat_byte(1), ids[0]),
			Error::<Test>::BlobNotFound
		);
		// Near the end of retention no challenge can be answered in time.
		run_to(EPOCH + RETENTION - WINDOW);
		assert_noop!(
			Da::challenge(RuntimeOrigin::signed(CHALLENGER), root, ids[0]),
			Error::<Test>::RetentionEnding
		);
	});
}

#[test]
fn the_chain_draws_challenges_among_attesters() {
	execute(|| {
		RandomChallenges::set(1);
		let (sq, committee) = available_blob(20_000);
		run_to(System::block_number() + 1);
		let c = Challenges::<Test>::get(0).expect("a drawn challenge");
		assert_eq!(c.root, sq.data_root());
		assert!(c.challenger.is_none());
		assert!(committee.member_index(&c.signer).is_some());
		assert_ok!(answer(c.signer, 0, answer_of(&sq, 0)));
	});
}

#[test]
fn a_bad_encoding_costs_the_disperser_its_deposit_and_fee() {
	execute(|| {
		let committee = first_committee();
		// The disperser changes one chunk and commits to the changed square.
		let mut sq = square(20_000);
		let (row, column) = (1u32, 2u32);
		let at = (row as usize * sq.layout.width() as usize + column as usize) * 1024;
		sq.cells[at] ^= 0x5a;
		sq.recommit();
		let root = sq.data_root();
		assert_ok!(submit(ALICE, &sq));
		let ids: Vec<AccountId> = members(&committee).iter().map(|(m, _)| *m).collect();
		assert_ok!(attest(root, &ids));
		let k = sq.layout.k();
		let positions: Vec<u32> = (0..k).collect();
		let proof = encoding_proof(&sq, Line::Row(row), &positions);
		let rows: BoundedVec<_, _> = sq.row_roots.clone().try_into().unwrap();
		let columns: BoundedVec<_, _> = sq.column_roots.clone().try_into().unwrap();
		// A proof of a sound line, or with roots that are not the blob's: refused.
		let sound = encoding_proof(&sq, Line::Row(row + 1), &positions);
		assert_noop!(
			Da::report_bad_encoding(
				RuntimeOrigin::signed(CHALLENGER),
				root,
				rows.clone(),
				columns.clone(),
				sound
			),
			Error::<Test>::EncodingSound
		);
		let mut swapped = sq.row_roots.clone();
		swapped.swap(0, 1);
		let swapped: BoundedVec<_, _> = swapped.try_into().unwrap();
		assert_noop!(
			Da::report_bad_encoding(
				RuntimeOrigin::signed(CHALLENGER),
				root,
				swapped,
				columns.clone(),
				proof.clone()
			),
			Error::<Test>::WrongAxisRoots
		);
		let mut tampered = proof.clone();
		tampered.chunks[0].chunk[0] ^= 1;
		assert_noop!(
			Da::report_bad_encoding(
				RuntimeOrigin::signed(CHALLENGER),
				root,
				rows.clone(),
				columns.clone(),
				tampered
			),
			Error::<Test>::InvalidProof
		);
		let (reporter, treasury) = (free(CHALLENGER), free(TREASURY));
		let fee = Da::fee(&sq.layout).unwrap();
		assert_ok!(Da::report_bad_encoding(
			RuntimeOrigin::signed(CHALLENGER),
			root,
			rows,
			columns,
			proof
		));
		assert!(Blobs::<Test>::get(root).is_none());
		assert_eq!(free(CHALLENGER), reporter + DEPOSIT / 2);
		assert!(free(TREASURY) >= treasury + fee + DEPOSIT / 2);
		// The disperser pays; the attesters, who could not see rows and columns disagree from
		// the lines they hold, lose their pay and nothing else.
		for who in &ids {
			assert_eq!(bond(*who), SIGNER_BOND, "signer {who}");
		}
		assert_eq!(EscrowTotal::<Test>::get(), 0);
		// The root is kept as invalid for the retention period, with its attesters' bonds at
		// stake: it cannot be submitted again meanwhile.
		assert_noop!(submit(ALICE, &sq), Error::<Test>::RecentlyInvalid);
		assert!(Duties::<Test>::get(ids[0]) > 0);
		run_to(System::block_number() + RETENTION);
		assert!(Invalid::<Test>::get(root).is_none());
		assert!(ids.iter().all(|who| Duties::<Test>::get(who) == 0));
		assert_ok!(submit(ALICE, &sq));
	});
}

#[test]
fn params_are_governed_by_root_within_bounds() {
	execute(|| {
		let params = DaParams { seats: 16, price: 7 };
		assert_noop!(
			Da::set_params(RuntimeOrigin::signed(ALICE), params),
			sp_runtime::DispatchError::BadOrigin
		);
		assert_noop!(
			Da::set_params(RuntimeOrigin::root(), DaParams { seats: 17, price: 7 }),
			Error::<Test>::BadSeats
		);
		assert_noop!(
			Da::set_params(RuntimeOrigin::root(), DaParams { seats: 0, price: 7 }),
			Error::<Test>::BadSeats
		);
		assert_noop!(
			Da::set_params(RuntimeOrigin::root(), DaParams { seats: 16, price: 0 }),
			Error::<Test>::ZeroPrice
		);
		assert_ok!(Da::set_params(RuntimeOrigin::root(), params));
		// The next committee has the new seats (4 signers at a cap of half: 16 dealt).
		assert_eq!(first_committee().seat_count(), 16);
		assert_eq!(Da::fee(&BlobLayout::new(1).unwrap()).unwrap(), 4 * 1024 * 7);
	});
}

#[test]
fn signers_need_a_bond_and_a_valid_endpoint() {
	execute(|| {
		assert_noop!(
			Da::register_signer(RuntimeOrigin::signed(ALICE), b"http://a".to_vec()),
			Error::<Test>::NotEligible
		);
		assert_noop!(
			Da::register_signer(RuntimeOrigin::signed(1), Vec::new()),
			Error::<Test>::BadEndpoint
		);
		assert_noop!(
			Da::register_signer(RuntimeOrigin::signed(1), vec![b'x'; 65]),
			Error::<Test>::BadEndpoint
		);
		assert_noop!(Da::deregister_signer(RuntimeOrigin::signed(ALICE)), Error::<Test>::NotSigner);
		// A signer that unbonds is pruned at the next snapshot.
		assert_ok!(Staking::unregister_role(RuntimeOrigin::signed(2), Role::DaSigner));
		run_to(6);
		assert!(Signers::<Test>::get(2).is_none());
		assert_eq!(NextCandidates::<Test>::get().unwrap().candidates.len(), 3);
	});
}

/// Finding 2 of the review: signatures over a root were replayed on the same root submitted
/// again, so that a blob whose data nobody holds became available. A signature attests one
/// submission.
#[test]
fn attestations_cannot_be_replayed_on_a_resubmission() {
	execute(|| {
		let committee = first_committee();
		let sq = square(10_000);
		let root = sq.data_root();
		assert_ok!(submit(ALICE, &sq));
		let ids: Vec<AccountId> = members(&committee).iter().map(|(m, _)| *m).collect();
		let old: Vec<_> = ids.iter().map(|s| attestation(*s, root, 1)).collect();
		// Attested below the quorum, then failed.
		assert_ok!(attest(root, &ids[..1]));
		run_to(System::block_number() + ATTEST_PERIOD + 1);
		assert!(Blobs::<Test>::get(root).is_none());
		// Submitted again in the same epoch: the old signatures do not verify.
		assert_ok!(submit(ALICE, &sq));
		assert_noop!(
			Da::attest(RuntimeOrigin::signed(ALICE), root, old.try_into().unwrap()),
			Error::<Test>::BadSignature
		);
	});
}

/// Finding 2 of the review: unlimited challenges of one member on one blob each slashed it.
/// One open challenge at a time, and none once the member lost its pay for the blob.
#[test]
fn a_member_is_slashed_at_most_once_per_blob() {
	execute(|| {
		let (sq, committee) = available_blob(20_000);
		let root = sq.data_root();
		let signer = members(&committee)[0].0;
		assert_ok!(Da::challenge(RuntimeOrigin::signed(CHALLENGER), root, signer));
		assert_noop!(
			Da::challenge(RuntimeOrigin::signed(CHALLENGER), root, signer),
			Error::<Test>::AlreadyChallenged
		);
		run_to(Challenges::<Test>::get(0).unwrap().due);
		assert_eq!(bond(signer), SIGNER_BOND - SIGNER_BOND / 10);
		assert_noop!(
			Da::challenge(RuntimeOrigin::signed(CHALLENGER), root, signer),
			Error::<Test>::AlreadyChallenged
		);
	});
}

/// Finding 3 of the review: a candidate that left after the seed was known changed the draw.
/// The committee is drawn from the snapshot as fixed.
#[test]
fn leaving_after_the_snapshot_does_not_change_the_draw() {
	let draw = |leave: bool| {
		let mut ext = new_test_ext();
		ext.execute_with(|| {
			run_to(EPOCH - 1);
			if leave {
				assert_ok!(Da::deregister_signer(RuntimeOrigin::signed(4)));
			}
			first_committee()
		})
	};
	assert_eq!(draw(false), draw(true));
}

/// Finding 5 of the review: with fewer candidates than it takes to fill the seats under the
/// cap, one signer held every seat. No committee is drawn then, and the cap is the one of the
/// seats asked for.
#[test]
fn too_few_candidates_draw_no_committee() {
	ext_with(&[(1, SIGNER_BOND)]).execute_with(|| {
		assert_eq!(Da::min_candidates(), 2);
		run_to(EPOCH);
		assert!(Committees::<Test>::get(1).is_none());
		assert!(da_events().contains(&Event::NoCommittee { epoch: 1 }));
		assert_noop!(submit(ALICE, &square(100)), Error::<Test>::NoCommittee);
	});
	ext_with(&[(1, SIGNER_BOND), (2, SIGNER_BOND)]).execute_with(|| {
		let committee = first_committee();
		assert_eq!(committee.cap, SEATS / 2);
		assert!(committee.members.iter().all(|(_, s)| *s == SEATS / 2));
		Da::do_try_state().unwrap();
	});
}

/// A disperser commits a row that is no codeword under its own root and the members attest
/// anyway: `k + 1` chunks of the row prove it, the blob is invalid, and exactly the attesters
/// that held the row (and so signed it unchecked) are slashed. A codeword row is refused.
#[test]
fn attesters_of_a_line_that_is_no_codeword_are_slashed() {
	execute(|| {
		let committee = first_committee();
		let mut sq = square(20_000);
		let (row, column) = (1u32, 2u32);
		let width = sq.layout.width();
		let at = (row as usize * width as usize + column as usize) * 1024;
		sq.cells[at] ^= 0x5a;
		sq.recommit();
		let root = sq.data_root();
		assert_ok!(submit(ALICE, &sq));
		let ids: Vec<AccountId> = members(&committee).iter().map(|(m, _)| *m).collect();
		assert_ok!(attest(root, &ids));
		let k = sq.layout.k();
		let proof_of = |line: Line| {
			let chunks: Vec<ProofChunk> = (0..=k)
				.map(|p| {
					let c = sq.cell_proof(line, p);
					ProofChunk {
						pos: p,
						chunk: c.chunk.try_into().unwrap(),
						path: c.path.try_into().unwrap(),
					}
				})
				.collect();
			let c = sq.cell_proof(line, 0);
			LineProof {
				line,
				line_root: c.line_root,
				axis_path: c.axis_path.try_into().unwrap(),
				chunks: chunks.try_into().unwrap(),
			}
		};
		assert_noop!(
			Da::report_bad_line(RuntimeOrigin::signed(CHALLENGER), root, proof_of(Line::Row(3))),
			Error::<Test>::EncodingSound
		);
		let mut tampered = proof_of(Line::Row(row));
		tampered.chunks[0].chunk[0] ^= 1;
		assert_noop!(
			Da::report_bad_line(RuntimeOrigin::signed(CHALLENGER), root, tampered),
			Error::<Test>::InvalidProof
		);
		let turn = zg_primitives::da::rotation(&root, committee.seat_count(), width);
		let holders: Vec<AccountId> = ids
			.iter()
			.filter(|who| {
				committee.member_holds(committee.member_index(who).unwrap(), width, turn, row)
			})
			.copied()
			.collect();
		assert!(!holders.is_empty() && holders.len() < ids.len());
		let reporter = free(CHALLENGER);
		assert_ok!(Da::report_bad_line(
			RuntimeOrigin::signed(CHALLENGER),
			root,
			proof_of(Line::Row(row))
		));
		assert!(Blobs::<Test>::get(root).is_none());
		assert_eq!(free(CHALLENGER), reporter + DEPOSIT / 2);
		for who in &ids {
			let expected = if holders.contains(who) { SIGNER_BOND * 4 / 5 } else { SIGNER_BOND };
			assert_eq!(bond(*who), expected, "signer {who}");
		}
	});
}

/// Second review, finding 1: the attesters of a bad row invalidated their own blob with the
/// cross-line proof before an honest reporter could prove the row bad, and so escaped the
/// slash. The invalid blob is kept, and the row's proof still slashes them. Challenges of the
/// invalidated blob are closed with their deposits back (second review, finding 3).
#[test]
fn invalidating_first_does_not_save_the_holders_of_a_bad_line() {
	execute(|| {
		let committee = first_committee();
		let mut sq = square(20_000);
		let (row, column) = (1u32, 2u32);
		let width = sq.layout.width();
		let at = (row as usize * width as usize + column as usize) * 1024;
		sq.cells[at] ^= 0x5a;
		sq.recommit();
		let root = sq.data_root();
		assert_ok!(submit(ALICE, &sq));
		let ids: Vec<AccountId> = members(&committee).iter().map(|(m, _)| *m).collect();
		assert_ok!(attest(root, &ids));
		// A challenge is open when the blob is invalidated.
		let challenger = free(CHALLENGER);
		assert_ok!(Da::challenge(RuntimeOrigin::signed(CHALLENGER), root, ids[0]));
		// The disperser invalidates its own blob with the cross-line proof.
		let k = sq.layout.k();
		let cross = encoding_proof(&sq, Line::Row(row), &(0..k).collect::<Vec<_>>());
		assert_ok!(Da::report_bad_encoding(
			RuntimeOrigin::signed(ALICE),
			root,
			sq.row_roots.clone().try_into().unwrap(),
			sq.column_roots.clone().try_into().unwrap(),
			cross
		));
		assert!(Challenges::<Test>::get(0).is_none());
		assert_eq!(free(CHALLENGER), challenger);
		// The row's own proof still reaches its attesting holders, once.
		let proof = {
			let chunks: Vec<ProofChunk> = (0..=k)
				.map(|p| {
					let c = sq.cell_proof(Line::Row(row), p);
					ProofChunk {
						pos: p,
						chunk: c.chunk.try_into().unwrap(),
						path: c.path.try_into().unwrap(),
					}
				})
				.collect();
			let c = sq.cell_proof(Line::Row(row), 0);
			LineProof {
				line: Line::Row(row),
				line_root: c.line_root,
				axis_path: c.axis_path.try_into().unwrap(),
				chunks: chunks.try_into().unwrap(),
			}
		};
		assert_ok!(Da::report_bad_line(RuntimeOrigin::signed(CHALLENGER), root, proof.clone()));
		let turn = zg_primitives::da::rotation(&root, committee.seat_count(), width);
		for who in &ids {
			let m = committee.member_index(who).unwrap();
			let holds = committee.member_holds(m, width, turn, row);
			let expected = if holds { SIGNER_BOND * 4 / 5 } else { SIGNER_BOND };
			assert_eq!(bond(*who), expected, "signer {who}");
		}
		// Again: nobody is slashed twice.
		assert_ok!(Da::report_bad_line(RuntimeOrigin::signed(CHALLENGER), root, proof));
		for who in &ids {
			assert!(bond(*who) >= SIGNER_BOND * 4 / 5);
		}
	});
}

mod offchain_worker {
	use super::*;
	use codec::{Decode, Encode};
	use sp_core::offchain::{
		testing::{PendingRequest, TestOffchainExt, TestTransactionPoolExt},
		OffchainDbExt, OffchainWorkerExt, TransactionPoolExt,
	};
	use sp_runtime::traits::Dispatchable;
	use zg_primitives::worker_api::da_cell_route;

	type OffchainState =
		std::sync::Arc<parking_lot::RwLock<sp_core::offchain::testing::OffchainState>>;
	type PoolState = std::sync::Arc<parking_lot::RwLock<sp_core::offchain::testing::PoolState>>;

	fn with_offchain(test: impl FnOnce(OffchainState, PoolState)) {
		let mut ext = new_test_ext();
		let (offchain, state) = TestOffchainExt::new();
		let (pool, pool_state) = TestTransactionPoolExt::new();
		ext.register_extension(OffchainDbExt::new(offchain.clone()));
		ext.register_extension(OffchainWorkerExt::new(offchain));
		ext.register_extension(TransactionPoolExt::new(pool));
		ext.execute_with(|| test(state, pool_state));
	}

	/// Runs the offchain worker as a node does: on the block's state, changes discarded.
	fn run_ocw() {
		let n = System::block_number();
		frame_support::storage::with_transaction(|| {
			Da::offchain_worker(n);
			frame_support::storage::TransactionOutcome::Rollback(Ok::<(), DispatchError>(()))
		})
		.unwrap();
	}

	fn submitted(pool: &PoolState) -> Vec<Extrinsic> {
		pool.read().transactions.iter().map(|tx| Extrinsic::decode(&mut &tx[..]).unwrap()).collect()
	}

	#[test]
	fn answers_its_challenges_with_the_workers_proofs_once() {
		with_offchain(|state, pool| {
			let (sq, committee) = available_blob(20_000);
			let root = sq.data_root();
			let signer = members(&committee)[0].0;
			assert_ok!(Da::challenge(RuntimeOrigin::signed(CHALLENGER), root, signer));
			let c = Challenges::<Test>::get(0).unwrap();
			// A key that is no challenged signer sends nothing.
			ProviderKey::set_all_keys(vec![CHALLENGER]);
			run_ocw();
			assert!(submitted(&pool).is_empty());
			// The challenged signer's key: the worker's proof, answered in one transaction.
			ProviderKey::set_all_keys(vec![signer]);
			state.write().expect_request(PendingRequest {
				method: "GET".into(),
				uri: format!("http://127.0.0.1:8800{}", da_cell_route(&root, c.line, c.pos)),
				response: Some(sq.cell_proof(c.line, c.pos).encode()),
				sent: true,
				..Default::default()
			});
			run_ocw();
			let txs = submitted(&pool);
			assert_eq!(txs.len(), 1);
			let expected = RuntimeCall::Da(Call::answer_challenges {
				answers: vec![(0, answer_of(&sq, 0))].try_into().unwrap(),
			});
			assert_eq!(txs[0].function, expected);
			// Claimed: the next block sends nothing more (and asks the worker nothing).
			run_ocw();
			assert_eq!(submitted(&pool).len(), 1);
			// The answer lands and pays the member the deposit.
			let before = free(signer);
			assert_ok!(txs[0].function.clone().dispatch(RuntimeOrigin::signed(signer)));
			assert_eq!(free(signer), before + CHALLENGE_DEPOSIT);
			assert!(Challenges::<Test>::get(0).is_none());
		});
	}

	/// A burst of challenges on one signer (one per blob it attested) is answered in one
	/// transaction, not one a block: a challenger cannot outrun the answers to force slashes.
	#[test]
	fn a_burst_of_challenges_is_answered_in_one_transaction() {
		with_offchain(|state, pool| {
			let committee = first_committee();
			let all: Vec<AccountId> = members(&committee).iter().map(|(m, _)| *m).collect();
			let signer = all[0];
			let squares: Vec<Extended> = (0..6).map(|n| square(3_000 + n * 100)).collect();
			for sq in &squares {
				assert_ok!(submit(ALICE, sq));
				assert_ok!(attest(sq.data_root(), &all));
				assert_ok!(Da::challenge(
					RuntimeOrigin::signed(CHALLENGER),
					sq.data_root(),
					signer
				));
			}
			ProviderKey::set_all_keys(vec![signer]);
			let mut expected = Vec::new();
			for (id, sq) in squares.iter().enumerate() {
				let c = Challenges::<Test>::get(id as u64).unwrap();
				state.write().expect_request(PendingRequest {
					method: "GET".into(),
					uri: format!("http://127.0.0.1:8800{}", da_cell_route(&c.root, c.line, c.pos)),
					response: Some(sq.cell_proof(c.line, c.pos).encode()),
					sent: true,
					..Default::default()
				});
				expected.push((id as u64, answer_of(sq, id as u64)));
			}
			run_ocw();
			let txs = submitted(&pool);
			assert_eq!(txs.len(), 1);
			let call =
				RuntimeCall::Da(Call::answer_challenges { answers: expected.try_into().unwrap() });
			assert_eq!(txs[0].function, call);
			let before = free(signer);
			assert_ok!(call.dispatch(RuntimeOrigin::signed(signer)));
			assert_eq!(free(signer), before + 6 * CHALLENGE_DEPOSIT);
			assert_eq!(Challenges::<Test>::iter().count(), 0);
		});
	}
}

#[test]
fn a_batch_of_answers_is_checked_whole_and_skips_closed_challenges() {
	execute(|| {
		let committee = first_committee();
		let all: Vec<AccountId> = members(&committee).iter().map(|(m, _)| *m).collect();
		let signer = all[0];
		let (a, b) = (square(3_000), square(4_000));
		for sq in [&a, &b] {
			assert_ok!(submit(ALICE, sq));
			assert_ok!(attest(sq.data_root(), &all));
			assert_ok!(Da::challenge(RuntimeOrigin::signed(CHALLENGER), sq.data_root(), signer));
		}
		let (ans0, ans1) = (answer_of(&a, 0), answer_of(&b, 1));
		let batch = |answers: Vec<(ChallengeId, CellAnswer)>| {
			Da::answer_challenges(RuntimeOrigin::signed(signer), answers.try_into().unwrap())
		};
		// One bad proof, a duplicate, an empty batch: refused whole, nothing changes.
		let mut wrong = ans1.clone();
		wrong.chunk[3] ^= 1;
		assert_noop!(batch(vec![(0, ans0.clone()), (1, wrong)]), Error::<Test>::InvalidProof);
		assert_noop!(batch(vec![(0, ans0.clone()), (0, ans0.clone())]), Error::<Test>::Duplicate);
		assert_noop!(batch(vec![]), Error::<Test>::EmptyBatch);
		// Challenge 0 answered; a batch with it again and challenge 1 answers 1 only.
		assert_ok!(batch(vec![(0, ans0.clone())]));
		assert_ok!(batch(vec![(0, ans0.clone()), (1, ans1.clone())]));
		let answered = da_events()
			.into_iter()
			.filter(|e| matches!(e, Event::ChallengeAnswered { .. }))
			.count();
		assert_eq!(answered, 2);
		// Nothing left open: refused.
		assert_noop!(batch(vec![(1, ans1)]), Error::<Test>::ChallengeNotFound);
	});
}

#[test]
fn genesis_signers_make_a_committee_from_the_first_block() {
	use sp_runtime::BuildStorage;
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: (1..=100).map(|a| (a, 10_000 * ZG)).collect(),
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_zg_staking::GenesisConfig::<Test> {
		validator_count: 1,
		min_role_bonds: vec![(Role::DaSigner, 100 * ZG)],
		role_bonds: (1..=5).map(|a| (a, Role::DaSigner, SIGNER_BOND)).collect(),
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	crate::GenesisConfig::<Test> {
		params: DaParams { seats: SEATS, price: PRICE },
		signers: (1..=5).map(|a| (a, format!("http://s{a}").into_bytes())).collect(),
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	sp_io::TestExternalities::new(storage).execute_with(|| {
		System::set_block_number(1);
		assert_eq!(SignerList::<Test>::get().into_inner(), vec![1, 2, 3, 4, 5]);
		let committee = Committees::<Test>::get(0).expect("epoch 0's committee at genesis");
		assert_eq!(committee.seat_count(), SEATS);
		assert!(committee
			.members
			.iter()
			.all(|(m, seats)| (1..=5).contains(m) && *seats <= committee.cap));
		// A blob is taken and attested in epoch 0.
		let sq = square(5_000);
		assert_ok!(submit(ALICE, &sq));
		let all: Vec<AccountId> = committee.members.iter().map(|(m, _)| *m).collect();
		assert_ok!(attest(sq.data_root(), &all));
		assert!(Da::is_available(sq.data_root()));
		Da::do_try_state().unwrap();
	});
}
