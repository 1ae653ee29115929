//! Unit tests of the storage pallet: fees, assignment from later randomness, confirmation with
//! proofs, the challenge sweep, payment only for proven time, faults, handover and repair,
//! departure, expiry and renewal, with exact amounts, every bad input, and the attacks of the
//! incentives review (the tests named `finding_N_…`; numbers as in the issue).

use crate::{mock::*, *};
use frame_support::{assert_noop, assert_ok, traits::Hooks};
use sp_runtime::DispatchError;
use zg_pallet_support::stream::accrued;
use zg_primitives::staking::RoleObligations;

/// 10 000 bytes in 2 data and 1 parity shard: 5 chunks of 1 KiB per shard, 2 challenge
/// regions each.
fn small_file() -> TestFile {
	TestFile::new(10_000, 2, 1)
}

/// The lifetime most tests use.
const LIFE: u64 = 100;

/// The storage fee of `file` for `lifetime` blocks.
fn fee_of(file: &TestFile, lifetime: u64) -> Balance {
	file.layout.charged_bytes(MIN_SHARD) as Balance * PRICE * lifetime as Balance
}

fn escrow_balance() -> Balance {
	free(Storage::escrow_account()) - ExistentialDeposit::get()
}

fn role_bond(who: AccountId) -> Balance {
	<Staking as RoleStaking<AccountId, Balance>>::role_stake(&who, Role::StorageProvider)
}

fn confirmations(list: Vec<Confirmation>) -> BoundedVec<Confirmation, ConstU32<8>> {
	list.try_into().unwrap()
}

fn answers(list: Vec<Answer>) -> BoundedVec<Answer, ConstU32<8>> {
	list.try_into().unwrap()
}

/// Runs block by block up to `n`; after each block every open challenge on one of `files`
/// whose provider is not `silent` is answered with a valid proof.
fn run_answering(n: BlockNumber, files: &[&TestFile], silent: &[AccountId]) {
	while System::block_number() < n {
		run_to(System::block_number() + 1);
		let open: Vec<(ChallengeId, Challenge<AccountId, BlockNumber>)> =
			Challenges::<Test>::iter().collect();
		for (id, c) in open {
			if silent.contains(&c.provider) {
				continue;
			}
			if let Some(file) = files.iter().find(|f| f.root == c.root) {
				assert_ok!(answer(file, id));
			}
		}
	}
}

/// Submits every file in one block, then confirms them all in one block, so that none is
/// challenged before all are stored.
fn store_all(files: &[&TestFile]) {
	for f in files {
		assert_ok!(f.submit(ALICE, 1_000));
	}
	run_to(Beacon::ready_at(System::block_number()));
	for f in files {
		f.confirm_all();
		assert_eq!(f.info().status, FileStatus::Finalized);
	}
}

/// The block in which shard `shard` of `file` was assigned.
fn assigned_at(file: &TestFile, shard: u32) -> BlockNumber {
	match file.info().shards[shard as usize].state {
		ShardState::Assigned { at, .. } => at,
		other => panic!("shard {shard} is {other:?}"),
	}
}

#[test]
fn submit_charges_every_stored_byte_and_a_submission_fee() {
	execute(|| {
		let file = small_file();
		let (alice, treasury) = (free(ALICE), free(TREASURY));
		assert_ok!(file.submit(ALICE, LIFE));
		// Three shards of 5 chunks (5 120 bytes, above the 4 KiB minimum): 15 360 bytes.
		assert_eq!(file.layout.charged_bytes(MIN_SHARD), 15_360);
		let fee = 15_360 * PRICE * LIFE as Balance;
		assert_eq!(fee_of(&file, LIFE), fee);
		assert_eq!(free(ALICE), alice - fee - SUBMISSION_FEE);
		assert_eq!(free(TREASURY), treasury + SUBMISSION_FEE);
		assert_eq!(escrow_balance(), fee);
		assert_eq!(EscrowTotal::<Test>::get(), fee);

		let info = file.info();
		assert_eq!(info.status, FileStatus::Assigning);
		assert_eq!((info.submitted_at, info.expires_at), (1, 1 + LIFE));
		assert!(info.shards.iter().all(|s| s.provider.is_none()));
		let escrows: Vec<Balance> = info.shards.iter().map(|s| s.escrow).collect();
		assert_eq!(escrows, vec![fee / 3; 3]);
		assert!(storage_events().contains(&Event::FileSubmitted {
			root: file.root,
			owner: ALICE,
			size: 10_000,
			data_shards: 2,
			parity_shards: 1,
			fee,
			submission_fee: SUBMISSION_FEE,
			expires_at: 1 + LIFE,
		}));
	});
}

/// Finding 6: the fee follows the bytes the providers store (every shard, padded, at least
/// the minimum shard size), and one data shard is refused.
#[test]
fn finding_6_the_fee_counts_redundancy_and_padding_and_k_is_at_least_two() {
	execute(|| {
		let three = small_file();
		let six = TestFile::new(10_000, 2, 4);
		assert_eq!(fee_of(&six, LIFE), 2 * fee_of(&three, LIFE), "twice the shards, twice the fee");
		let before = free(ALICE);
		assert_ok!(six.submit(ALICE, LIFE));
		assert_eq!(before - free(ALICE), fee_of(&six, LIFE) + SUBMISSION_FEE);
		// One byte still occupies three shards of at least 4 KiB.
		let tiny = TestFile::new(1, 2, 1);
		let before = free(ALICE);
		assert_ok!(tiny.submit(ALICE, LIFE));
		assert_eq!(before - free(ALICE), 3 * 4096 * PRICE * LIFE as Balance + SUBMISSION_FEE);
		// With k = 1 every parity shard is a multiple of the data: refused.
		let single = TestFile::new(5_000, 1, 2);
		assert_noop!(single.submit(ALICE, LIFE), Error::<Test>::DataShardsOutOfBounds);
	});
}

#[test]
fn providers_are_drawn_from_randomness_that_did_not_exist_at_submission() {
	// Submitted in block 1: the draw uses the beacon outputs of blocks 2 and 3. `noise`
	// changes the source's seed while blocks up to `until` are recorded.
	let draw = |noise: u64, until: BlockNumber| {
		let mut out = vec![];
		new_test_ext().execute_with(|| {
			let file = small_file();
			assert_ok!(file.submit(ALICE, LIFE));
			RandomSeed::set(noise);
			run_to(until);
			RandomSeed::set(0);
			run_to(Beacon::ready_at(1));
			out = file.providers();
			Storage::do_try_state().unwrap();
		});
		out
	};
	let plain = draw(0, 1);
	assert_eq!(plain.len(), 3);
	let mut distinct = plain.clone();
	distinct.sort();
	distinct.dedup();
	assert_eq!(distinct.len(), 3, "every shard has its own provider");
	// Randomness recorded up to the submission block (block 1's output, recorded in block 2)
	// does not matter: nobody can grind it at submission.
	for noise in 1..6 {
		assert_eq!(draw(noise, 2), plain);
	}
	// Randomness of the later blocks decides the draw.
	assert!((1..12).any(|noise| draw(noise, 4) != plain));
}

/// Finding 1: a confirmation proves a chunk that was unknown when the shard was assigned.
#[test]
fn finding_1_confirming_needs_a_proof_of_a_chunk_drawn_after_the_assignment() {
	execute(|| {
		let file = small_file();
		file.submit_and_assign(ALICE, LIFE);
		let p = file.providers();
		let at = assigned_at(&file, 0);
		assert_eq!(at, 4);
		let chunks = file.layout.chunks_per_shard();
		// When the shard is assigned, the chunk does not exist yet.
		assert_eq!(Storage::confirm_chunk(file.root, 0, at, chunks), None);
		let guess = Confirmation { root: file.root, shard: 0, proof: file.proof(0, 0) };
		assert_noop!(
			Storage::confirm_shards(RuntimeOrigin::signed(p[0]), confirmations(vec![guess])),
			Error::<Test>::TooEarly
		);
		run_to(Beacon::ready_at(at));
		let chunk = Storage::confirm_chunk(file.root, 0, at, chunks).unwrap();
		// The proof of another chunk does not confirm.
		let wrong =
			Confirmation { root: file.root, shard: 0, proof: file.proof(0, (chunk + 1) % chunks) };
		assert_noop!(
			Storage::confirm_shards(RuntimeOrigin::signed(p[0]), confirmations(vec![wrong])),
			Error::<Test>::InvalidProof
		);
		// Nor does another shard's chunk (a provider holding only the data of shard 1).
		let other = Confirmation { root: file.root, shard: 0, proof: file.proof(1, chunk) };
		assert_noop!(
			Storage::confirm_shards(RuntimeOrigin::signed(p[0]), confirmations(vec![other])),
			Error::<Test>::InvalidProof
		);
		// Nor can another provider confirm it.
		let right = file.confirmation(0);
		assert_noop!(
			Storage::confirm_shards(
				RuntimeOrigin::signed(p[1]),
				confirmations(vec![right.clone()])
			),
			Error::<Test>::NotAssigned
		);
		assert_ok!(Storage::confirm_shards(
			RuntimeOrigin::signed(p[0]),
			confirmations(vec![right.clone()])
		));
		assert!(storage_events().contains(&Event::ShardConfirmed {
			root: file.root,
			shard: 0,
			provider: p[0],
			bounty: 0
		}));
		assert_noop!(
			Storage::confirm_shards(RuntimeOrigin::signed(p[0]), confirmations(vec![right])),
			Error::<Test>::NotAwaitingConfirmation
		);
	});
}

#[test]
fn the_last_confirmation_finalizes_and_a_late_file_is_dropped() {
	execute(|| {
		let file = small_file();
		file.store(ALICE, LIFE);
		assert!(storage_events().contains(&Event::FileFinalized { root: file.root }));
		assert_eq!(ShardCount::<Test>::get(), 3);
		assert_eq!(Regions::<Test>::get(), 6);
		let info = file.info();
		assert!(!Deadlines::<Test>::contains_key(info.confirm_by, Task::ConfirmFile(file.root)));

		// Another file: one provider never confirms; at the deadline the whole storage fee
		// goes back (the submission fee does not).
		let late = TestFile::new(20_000, 2, 1);
		let before = free(ALICE);
		late.submit_and_assign(ALICE, LIFE);
		late.confirm(0).unwrap();
		let confirm_by = late.info().confirm_by;
		// Fewer than k = 2 shards confirmed: the file cannot be rebuilt, it is dropped.
		run_answering(confirm_by, &[&file, &late], &[]);
		assert!(Files::<Test>::get(late.root).is_none());
		assert!(storage_events()
			.contains(&Event::FileDropped { root: late.root, refunded: fee_of(&late, LIFE) }));
		assert_eq!(before - free(ALICE), SUBMISSION_FEE);
		// Nothing of it is left: no deadline, no index entry, no provider shard.
		assert!(Deadlines::<Test>::iter_keys().all(|(_, task)| !matches!(
			task,
			Task::Expire(r) | Task::ConfirmFile(r) | Task::Assign(r) if r == late.root
		)));
		assert!(ShardIndex::<Test>::iter_values().all(|(root, _)| root != late.root));
		assert!(ProviderShards::<Test>::iter_keys().all(|(_, (root, _))| root != late.root));
	});
}

/// Finding 6 (the veto): a provider drawn for a new file that never confirms cannot make the
/// file fail when `k` shards are confirmed: its shard is drawn again (it is not slashed: the
/// uploader may never have sent it), and the file goes on, degraded, until repaired.
#[test]
fn a_file_with_k_confirmed_shards_goes_on_at_its_deadline() {
	execute(|| {
		let file = TestFile::new(10_000, 2, 2);
		file.submit_and_assign(ALICE, LIFE);
		let vetoer = file.providers()[3];
		let bond = role_bond(vetoer);
		for i in 0..3 {
			file.confirm(i).unwrap();
		}
		let confirm_by = file.info().confirm_by;
		run_answering(confirm_by, &[&file], &[]);
		let info = file.info();
		assert_eq!(info.status, FileStatus::Degraded);
		assert!(storage_events().contains(&Event::FileExtended { root: file.root, confirmed: 3 }));
		assert_eq!(role_bond(vetoer), bond, "not slashed: the uploader may not have sent it");
		assert!(matches!(info.shards[3].state, ShardState::Unassigned { .. }));
		// Drawn again, confirmed, repaired.
		run_answering(Beacon::ready_at(System::block_number()), &[&file], &[]);
		file.confirm(3).unwrap();
		assert_eq!(file.info().status, FileStatus::Finalized);
		assert!(storage_events().contains(&Event::FileRepaired { root: file.root }));
	});
}

/// Finding 1: the last stretch of a file can be proven: before expiry every confirmed shard is
/// challenged once more, and a provider that answers is paid up to its answer.
#[test]
fn closing_challenges_let_providers_prove_the_last_stretch() {
	execute(|| {
		let file = small_file();
		file.store(ALICE, LIFE);
		let expires = file.info().expires_at;
		let close = Storage::closing_block(expires);
		run_answering(close - 1, &[&file], &[]);
		System::reset_events();
		run_to(close);
		assert!(storage_events().contains(&Event::ClosingChallenges { root: file.root, count: 3 }));
		// A sweep challenge issued in the same block shares the due block; all are answered.
		let open: Vec<(ChallengeId, Challenge<AccountId, BlockNumber>)> =
			Challenges::<Test>::iter().filter(|(_, c)| c.due == expires - 1).collect();
		assert!(open.len() >= 3, "{} challenges due at expiry", open.len());
		// Answered in the last block that takes an answer, the proofs pay up to two blocks
		// before expiry; only those two blocks go back to the owner.
		run_to(expires - 2);
		for (id, _) in &open {
			assert_ok!(answer(&file, *id));
		}
		let left = file.info().escrow() - file.info().refund;
		let fee = fee_of(&file, LIFE);
		assert!(left <= 2 * fee / LIFE as Balance + 3, "{left} left of {fee}");
	});
}

/// Finding 7: an uploader that commits shards that are not one codeword (every shard matches
/// its own root, but honest providers handed a shard could never rebuild it) is caught by a
/// proof of one column of k + 1 chunks: the file is ended, the reporter paid, the rest of its
/// escrow forfeited to the treasury, and nobody is slashed for the file's open challenges,
/// not even when the same root is submitted again before they lapse.
#[test]
fn finding_7_an_inconsistent_file_is_proven_and_ended() {
	execute(|| {
		let file = TestFile::with_bad_shard(10_000, 2, 2, 3);
		file.store(ALICE, LIFE);
		let chunk = 1u32;
		let proofs = |shards: &[u32]| -> BoundedVec<(u32, ChunkProof), MaxShardsOf<Test>> {
			shards
				.iter()
				.map(|&i| (i, file.proof(i, chunk)))
				.collect::<Vec<_>>()
				.try_into()
				.unwrap()
		};
		let reporter = 70;
		// Consistent chunks prove nothing; too few, a duplicate, a wrong path are refused.
		assert_noop!(
			Storage::report_inconsistent(
				RuntimeOrigin::signed(reporter),
				file.root,
				chunk,
				proofs(&[0, 1, 2])
			),
			Error::<Test>::Consistent
		);
		assert_noop!(
			Storage::report_inconsistent(
				RuntimeOrigin::signed(reporter),
				file.root,
				chunk,
				proofs(&[0, 3])
			),
			Error::<Test>::NotEnoughChunks
		);
		assert_noop!(
			Storage::report_inconsistent(
				RuntimeOrigin::signed(reporter),
				file.root,
				chunk,
				proofs(&[0, 0, 3])
			),
			Error::<Test>::Duplicate
		);
		let mut forged = proofs(&[0, 1, 3]);
		forged[2].1 = file.proof(2, chunk);
		assert_noop!(
			Storage::report_inconsistent(RuntimeOrigin::signed(reporter), file.root, chunk, forged),
			Error::<Test>::InvalidProof
		);
		// Wait for a challenge to be open, then prove the file inconsistent.
		while Challenges::<Test>::iter().next().is_none() {
			run_to(System::block_number() + 1);
		}
		let held = file.info().escrow();
		let (before, treasury) = (free(reporter), free(TREASURY));
		assert_ok!(Storage::report_inconsistent(
			RuntimeOrigin::signed(reporter),
			file.root,
			chunk,
			proofs(&[0, 1, 3])
		));
		let reward = held / 10;
		assert_eq!(free(reporter) - before, reward);
		assert_eq!(free(TREASURY) - treasury, held - reward);
		assert!(storage_events().contains(&Event::FileInconsistent {
			root: file.root,
			reporter,
			reward,
			forfeited: held - reward
		}));
		assert!(Files::<Test>::get(file.root).is_none());
		assert!(ProviderShards::<Test>::iter_keys().all(|(_, (r, _))| r != file.root));
		// The challenge on the ended file lapses without a slash, even though the uploader
		// submits the same root again at once (its providers may have thrown the shards away).
		assert_ok!(file.submit(ALICE, LIFE));
		let bonds: Vec<Balance> = (1..=PROVIDERS).map(role_bond).collect();
		run_to(System::block_number() + 10);
		assert_eq!((1..=PROVIDERS).map(role_bond).collect::<Vec<_>>(), bonds);
		assert!(!storage_events().iter().any(|e| matches!(e, Event::ChallengeMissed { .. })));
	});
}

/// Finding 1: a proof pays exactly what the shard earned since its last proof, and time that
/// no proof followed is never paid.
#[test]
fn finding_1_a_shard_is_paid_only_up_to_its_last_proof() {
	execute(|| {
		let file = small_file();
		file.store(ALICE, LIFE);
		let info = file.info();
		let expires = info.expires_at;
		// Wait for the first challenge and answer it a block later.
		while Challenges::<Test>::iter().next().is_none() {
			run_to(System::block_number() + 1);
		}
		let (id, c) = Challenges::<Test>::iter().next().unwrap();
		run_to(System::block_number() + 1);
		let now = System::block_number();
		let shard = file.info().shards[c.shard as usize].clone();
		let expected = accrued(shard.escrow, shard.paid_until, now, expires);
		assert!(expected > 0);
		let before = free(c.provider);
		assert_ok!(answer(&file, id));
		assert_eq!(free(c.provider) - before, expected);
		assert!(storage_events().contains(&Event::ChallengeAnswered {
			id,
			provider: c.provider,
			paid: expected
		}));
		let after = file.info().shards[c.shard as usize].clone();
		assert_eq!((after.paid_until, after.escrow), (now, shard.escrow - expected));

		// Until expiry every challenge is answered; each payment stops at its proof, and what
		// accrued after the last proof of each shard goes back to the owner.
		let providers = file.providers();
		let paid_before: Vec<Balance> = providers.iter().map(|p| free(*p)).collect();
		let last_total = file.info().escrow();
		let owner_before = free(ALICE);
		run_answering(expires - 1, &[&file], &[]);
		let unproven: Balance = file.info().escrow();
		run_to(expires);
		assert!(Files::<Test>::get(file.root).is_none());
		assert!(
			storage_events().contains(&Event::FileExpired { root: file.root, refunded: unproven })
		);
		assert_eq!(free(ALICE) - owner_before, unproven);
		assert!(unproven > 0, "the time after the last proofs is not paid");
		let earned: Balance = providers.iter().zip(&paid_before).map(|(p, b)| free(*p) - b).sum();
		assert_eq!(earned + unproven, last_total, "what was held was paid for proofs or refunded");
		assert_eq!(EscrowTotal::<Test>::get(), 0);
	});
}

/// Finding 1: whatever the number of files, every region of every confirmed shard is
/// challenged within a sweep: tiny files do not dilute the checks on a large one.
#[test]
fn finding_1_every_region_of_every_shard_is_challenged_each_sweep() {
	execute(|| {
		// 16 chunks a shard: 4 regions each, 12 for the file.
		let big = TestFile::new(32 * 1024, 2, 1);
		let tiny: Vec<TestFile> = (1..=10).map(|i| TestFile::new(i, 2, 1)).collect();
		let mut all: Vec<&TestFile> = tiny.iter().collect();
		all.push(&big);
		store_all(&all);
		assert_eq!(Regions::<Test>::get(), 12 + 10 * 3);
		System::reset_events();
		let start = System::block_number();
		run_answering(start + SWEEP, &all, &[]);
		let mut seen = std::collections::BTreeSet::new();
		for e in storage_events() {
			if let Event::ChallengeIssued { root, shard, chunk, .. } = e {
				seen.insert((root, shard, chunk / REGION));
			}
		}
		for f in &all {
			let regions = f.layout.chunks_per_shard().div_ceil(REGION);
			for shard in 0..3 {
				for region in 0..regions {
					assert!(
						seen.contains(&(f.root, shard, region)),
						"region {region} of shard {shard} of a file"
					);
				}
			}
		}
		// ⌈42 / 20⌉ = 3 challenges a block.
		let issued =
			storage_events().iter().filter(|e| matches!(e, Event::ChallengeIssued { .. })).count()
				as u64;
		assert_eq!(issued, 3 * SWEEP);
	});
}

/// Findings 1 and 5: a provider that stops proving is slashed at its first missed challenge,
/// loses the shard and earns nothing more.
#[test]
fn finding_1_a_provider_that_stops_proving_is_slashed_and_earns_nothing() {
	execute(|| {
		let file = small_file();
		file.store(ALICE, LIFE);
		let silent = file.providers()[0];
		let before = free(silent);
		let bond = role_bond(silent);
		// Run until its challenge was missed.
		while !storage_events()
			.iter()
			.any(|e| matches!(e, Event::ChallengeMissed { provider, .. } if *provider == silent))
		{
			run_answering(System::block_number() + 1, &[&file], &[silent]);
		}
		assert_eq!(role_bond(silent), bond - bond / 10);
		assert_eq!(free(silent), before, "not a planck for the unproven time");
		assert!(!file.info().shards.iter().any(|s| s.provider == Some(silent)));
		assert_eq!(file.info().status, FileStatus::Degraded);
		run_answering(1 + LIFE + 1, &[&file], &[silent]);
		assert_eq!(free(silent), before);
	});
}

/// Finding 5: an answer whose proof does not verify is a fault, slashed like a miss.
#[test]
fn finding_5_a_wrong_proof_is_slashed_and_the_shard_handed_over() {
	execute(|| {
		let file = small_file();
		file.store(ALICE, LIFE);
		while Challenges::<Test>::iter().next().is_none() {
			run_to(System::block_number() + 1);
		}
		let (id, c) = Challenges::<Test>::iter().next().unwrap();
		let bond = role_bond(c.provider);
		let wrong = file.proof(c.shard, (c.chunk + 1) % c.chunks);
		assert_ok!(Storage::answer_challenges(
			RuntimeOrigin::signed(c.provider),
			answers(vec![Answer { challenge: id, proof: wrong }])
		));
		let events = storage_events();
		assert!(events.contains(&Event::ChallengeFailed {
			id,
			provider: c.provider,
			slashed: bond / 10
		}));
		assert!(events.contains(&Event::ShardReleased {
			root: file.root,
			shard: c.shard,
			from: Some(c.provider)
		}));
		assert!(events.contains(&Event::FileDegraded { root: file.root, confirmed: 2 }));
		assert_eq!(role_bond(c.provider), bond - bond / 10);
		assert!(Challenges::<Test>::get(id).is_none());
		// A new provider is drawn from later randomness; it holds no other shard of the file.
		run_to(Beacon::ready_at(System::block_number()));
		let mut providers = file.providers();
		assert!(providers.iter().all(|p| *p != 0));
		providers.sort();
		providers.dedup();
		assert_eq!(providers.len(), 3);
	});
}

/// Finding 4: a handed-over shard has a deadline; the degraded file is visible until it is
/// repaired; a missed handover is slashed and the shard drawn again; the repairer is paid the
/// failed provider's unproven time.
#[test]
fn finding_4_a_handed_over_shard_must_be_confirmed_in_time() {
	execute(|| {
		// Two parity shards: with one shard lost, k + 1 others remain, so the new provider
		// can rebuild the shard (or prove the file inconsistent) and is accountable.
		let file = TestFile::new(10_000, 2, 2);
		file.store(ALICE, LIFE);
		let silent = file.providers()[0];
		while file.info().shards[0].provider == Some(silent) {
			run_answering(System::block_number() + 1, &[&file], &[silent]);
		}
		let info = file.info();
		assert_eq!(info.status, FileStatus::Degraded);
		assert!(storage_events().contains(&Event::FileDegraded { root: file.root, confirmed: 3 }));
		let bounty = info.shards[0].bounty;
		assert!(bounty > 0, "the time the failed provider had not proven");
		// The new provider is drawn, and does not confirm in time.
		run_answering(Beacon::ready_at(System::block_number()), &[&file], &[silent]);
		let ShardState::Assigned { confirm_by, .. } = file.info().shards[0].state else {
			panic!("assigned")
		};
		let lazy = file.info().shards[0].provider.unwrap();
		let lazy_bond = role_bond(lazy);
		run_answering(confirm_by + 1, &[&file], &[silent, lazy]);
		assert!(storage_events().contains(&Event::HandoverMissed {
			root: file.root,
			shard: 0,
			provider: lazy,
			slashed: lazy_bond / 10
		}));
		// Drawn again; this one repairs it and is paid the bounty.
		run_answering(Beacon::ready_at(System::block_number()), &[&file], &[silent, lazy]);
		let repairer = file.info().shards[0].provider.unwrap();
		let bounty = file.info().shards[0].bounty;
		let before = free(repairer);
		file.confirm(0).unwrap();
		assert_eq!(free(repairer) - before, bounty);
		let events = storage_events();
		assert!(events.contains(&Event::ShardConfirmed {
			root: file.root,
			shard: 0,
			provider: repairer,
			bounty
		}));
		assert!(events.contains(&Event::FileRepaired { root: file.root }));
		assert_eq!(file.info().status, FileStatus::Finalized);
	});
}

/// Finding 2: a provider that leaves hands every shard over, is not paid for the time since
/// its last proofs, and cannot take its role bond back while it owes anything.
#[test]
fn finding_2_a_departing_provider_hands_its_shards_over_and_keeps_its_bond_at_stake() {
	execute(|| {
		let files: Vec<TestFile> = (0..4).map(|i| TestFile::new(9_000 + i, 2, 1)).collect();
		store_all(&files.iter().collect::<Vec<_>>());
		// The provider with the most shards leaves.
		let count = |p: AccountId| ProviderShards::<Test>::iter_prefix(p).count();
		let leaver = (1..=PROVIDERS).max_by_key(|p| count(*p)).unwrap();
		let shards = count(leaver);
		assert!(shards >= 3);
		let before = free(leaver);
		assert_ok!(Staking::unregister_role(RuntimeOrigin::signed(leaver), Role::StorageProvider));
		assert_ok!(Storage::deregister_provider(RuntimeOrigin::signed(leaver)));
		assert!(Leaving::<Test>::contains_key(leaver));
		assert!(!ProviderList::<Test>::get().contains(&leaver));
		assert!(<Storage as RoleObligations<AccountId>>::has_obligations(
			&leaver,
			Role::StorageProvider
		));
		// Long after its bonding duration, the bond is still held.
		pallet_zg_staking::ActiveEra::<Test>::put(pallet_zg_staking::ActiveEraInfo {
			index: 100,
			start: None,
		});
		assert_noop!(
			Staking::withdraw_unbonded(RuntimeOrigin::signed(leaver)),
			pallet_zg_staking::Error::<Test>::RoleHasObligations
		);
		// Two shards a block are handed over; it keeps answering what it owes.
		let all: Vec<&TestFile> = files.iter().collect();
		run_answering(System::block_number() + (shards as u64).div_ceil(2) + 1, &all, &[]);
		assert_eq!(count(leaver), 0);
		assert!(storage_events().contains(&Event::HandoverCompleted { who: leaver }));
		// Its shards went to other providers, which must confirm them.
		for f in &files {
			assert!(!f.info().shards.iter().any(|s| s.provider == Some(leaver)));
		}
		run_answering(System::block_number() + 6, &all, &[]);
		assert!(ProviderChallenges::<Test>::iter_prefix(leaver).next().is_none());
		assert_eq!(free(leaver) >= before, true);
		let unpaid_before = free(leaver);
		assert_ok!(Staking::withdraw_unbonded(RuntimeOrigin::signed(leaver)));
		assert_eq!(free(leaver) - unpaid_before, PROVIDER_BOND);
		// The shards it left are repaired by their new providers.
		for f in &files {
			f.confirm_all();
			assert_eq!(f.info().status, FileStatus::Finalized);
		}
	});
}

/// Finding 3: a flood of submissions that never confirm costs the spammer its submission
/// fees, never makes an honest submission fail, and leaves nothing behind.
#[test]
fn finding_3_spam_costs_its_fees_and_never_blocks_an_honest_submission() {
	execute(|| {
		let spammer = 60;
		let before = free(spammer);
		let spam: Vec<TestFile> = (1..=60).map(|i| TestFile::new(i, 2, 1)).collect();
		for f in &spam {
			assert_ok!(f.submit(spammer, 40));
		}
		let honest = small_file();
		assert_ok!(honest.submit(ALICE, LIFE));
		run_to(Beacon::ready_at(1));
		honest.confirm_all();
		run_answering(15, &[&honest], &[]);
		assert_eq!(before - free(spammer), 60 * SUBMISSION_FEE);
		assert!(spam.iter().all(|f| Files::<Test>::get(f.root).is_none()));
		assert_eq!(Files::<Test>::iter().count(), 1);
		// Only the honest file's expiry is left.
		// Nothing of the spam is left in the deadline queue.
		assert!(Deadlines::<Test>::iter_keys().all(|(_, t)| match t {
			Task::Expire(r)
			| Task::Close(r)
			| Task::ConfirmFile(r)
			| Task::Assign(r)
			| Task::ConfirmShard(r, _) => r == honest.root,
			Task::Challenge(_) | Task::Handover(_) => true,
		}));
	});
}

/// Deadlines beyond a block's budget are carried over to later blocks, never dropped, and a
/// late answer is refused even if its deadline has not been processed yet.
#[test]
fn deadlines_beyond_the_budget_are_carried_over() {
	execute(|| {
		let spam: Vec<TestFile> = (1..=12).map(|i| TestFile::new(i, 2, 1)).collect();
		for f in &spam {
			assert_ok!(f.submit(ALICE, 40));
		}
		// Room for the base and two assignments a block.
		let step = <<Test as frame_system::Config>::DbWeight as Get<
			frame_support::weights::RuntimeDbWeight,
		>>::get()
		.reads_writes(1, 1);
		let assign = Storage::task_weight(&Task::Assign(H256::zero()));
		DeadlineWeight::set((step + assign) * 2 + step * 3);
		let assigned = || spam.iter().filter(|f| f.info().status == FileStatus::Pending).count();
		run_to(Beacon::ready_at(1));
		assert_eq!(assigned(), 2);
		run_to(Beacon::ready_at(1) + 5);
		assert_eq!(assigned(), 12, "carried over, two a block");
		DeadlineWeight::set(Weight::from_parts(u64::MAX / 4, u64::MAX / 4));
	});
}

/// Finding 5: providers that are no longer eligible leave the pool, so bonded-then-unbonded
/// accounts cannot hold its slots.
#[test]
fn finding_5_ineligible_providers_are_pruned_from_the_pool() {
	execute(|| {
		for p in 6..=8 {
			assert_ok!(Staking::register_role(
				RuntimeOrigin::signed(p),
				Role::StorageProvider,
				100 * ZG
			));
			assert_ok!(Storage::register_provider(RuntimeOrigin::signed(p), b"http://s".to_vec()));
		}
		assert_ok!(Staking::register_role(
			RuntimeOrigin::signed(9),
			Role::StorageProvider,
			100 * ZG
		));
		assert_noop!(
			Storage::register_provider(RuntimeOrigin::signed(9), b"http://n".to_vec()),
			Error::<Test>::TooManyProviders
		);
		// Two of the sybils unbond: the next registration prunes them and gets a slot.
		for p in [6, 7] {
			assert_ok!(Staking::unregister_role(RuntimeOrigin::signed(p), Role::StorageProvider));
		}
		assert_ok!(Storage::register_provider(RuntimeOrigin::signed(9), b"http://n".to_vec()));
		let list = ProviderList::<Test>::get();
		assert!(!list.contains(&6) && !list.contains(&7) && list.contains(&9));
		let events = storage_events();
		assert!(events.contains(&Event::ProviderPruned { who: 6 }));
		assert!(events.contains(&Event::ProviderPruned { who: 7 }));
		// A draw prunes too: 8 unbonds and is never drawn.
		assert_ok!(Staking::unregister_role(RuntimeOrigin::signed(8), Role::StorageProvider));
		let file = TestFile::new(4_000, 2, 4);
		file.submit_and_assign(ALICE, LIFE);
		assert!(!file.providers().contains(&8));
		assert!(!ProviderList::<Test>::get().contains(&8));
		assert!(storage_events().contains(&Event::ProviderPruned { who: 8 }));
	});
}

#[test]
fn a_file_without_enough_providers_is_dropped_with_its_fee() {
	execute(|| {
		let file = TestFile::new(4_000, 2, 4);
		for p in 1..=2 {
			assert_ok!(Storage::deregister_provider(RuntimeOrigin::signed(p)));
		}
		let before = free(ALICE);
		assert_ok!(file.submit(ALICE, LIFE));
		run_to(Beacon::ready_at(1));
		assert!(Files::<Test>::get(file.root).is_none());
		assert_eq!(before - free(ALICE), SUBMISSION_FEE);
	});
}

#[test]
fn batched_confirmations_are_all_or_nothing() {
	execute(|| {
		// Two files whose shards share a provider.
		let a = small_file();
		let b = TestFile::new(11_000, 2, 1);
		a.submit_and_assign(ALICE, LIFE);
		b.submit(ALICE, LIFE).unwrap();
		run_to(Beacon::ready_at(System::block_number()));
		let (pa, pb) = (a.providers(), b.providers());
		let (i, j) = (0..3)
			.flat_map(|i| (0..3).map(move |j| (i, j)))
			.find(|(i, j)| pa[*i] == pb[*j])
			.expect("3 of 5 providers twice share one");
		let who = pa[i];
		let (ca, cb) = (a.confirmation(i as u32), b.confirmation(j as u32));
		let mut bad = cb.clone();
		bad.proof = b.proof(j as u32, (bad_chunk(&b, j as u32) + 1) % b.layout.chunks_per_shard());
		assert_noop!(
			Storage::confirm_shards(
				RuntimeOrigin::signed(who),
				confirmations(vec![ca.clone(), bad])
			),
			Error::<Test>::InvalidProof
		);
		assert_noop!(
			Storage::confirm_shards(
				RuntimeOrigin::signed(who),
				confirmations(vec![ca.clone(), ca.clone()])
			),
			Error::<Test>::Duplicate
		);
		assert_noop!(
			Storage::confirm_shards(RuntimeOrigin::signed(who), confirmations(vec![])),
			Error::<Test>::EmptyBatch
		);
		assert!(BoundedVec::<Confirmation, ConstU32<8>>::try_from(vec![ca.clone(); 9]).is_err());
		assert_ok!(Storage::confirm_shards(
			RuntimeOrigin::signed(who),
			confirmations(vec![ca, cb])
		));
		assert!(a.info().shards[i].is_confirmed() && b.info().shards[j].is_confirmed());
	});
}

/// The chunk a confirmation of `shard` of `file` must prove.
fn bad_chunk(file: &TestFile, shard: u32) -> u32 {
	let at = assigned_at(file, shard);
	Storage::confirm_chunk(file.root, shard, at, file.layout.chunks_per_shard()).unwrap()
}

#[test]
fn batched_answers_refuse_malformed_elements_and_slash_wrong_proofs() {
	execute(|| {
		let file = small_file();
		file.store(ALICE, LIFE);
		// Wait until one provider has two open challenges.
		let two = loop {
			run_to(System::block_number() + 1);
			if let Some(p) = (1..=PROVIDERS).find(|p| challenges_of(*p).len() >= 2) {
				break p;
			}
		};
		let open = challenges_of(two);
		let ((id1, c1), (id2, c2)) = (open[0].clone(), open[1].clone());
		let good = |id, c: &Challenge<AccountId, BlockNumber>| Answer {
			challenge: id,
			proof: file.proof(c.shard, c.chunk),
		};
		let unknown = Answer { challenge: 999, proof: file.proof(0, 0) };
		let short = Answer {
			challenge: id2,
			proof: ChunkProof {
				chunk: vec![0u8; 10].try_into().unwrap(),
				path: Default::default(),
			},
		};
		let origin = || RuntimeOrigin::signed(two);
		assert_noop!(
			Storage::answer_challenges(origin(), answers(vec![good(id1, &c1), unknown])),
			Error::<Test>::ChallengeNotFound
		);
		assert_noop!(
			Storage::answer_challenges(origin(), answers(vec![good(id1, &c1), short])),
			Error::<Test>::WrongChunkSize
		);
		assert_noop!(
			Storage::answer_challenges(origin(), answers(vec![good(id1, &c1), good(id1, &c1)])),
			Error::<Test>::Duplicate
		);
		let other = (1..=PROVIDERS).find(|p| *p != two).unwrap();
		assert_noop!(
			Storage::answer_challenges(RuntimeOrigin::signed(other), answers(vec![good(id1, &c1)])),
			Error::<Test>::NotAssigned
		);
		// Well formed: the valid answer pays, the wrong proof is slashed.
		let wrong =
			Answer { challenge: id2, proof: file.proof(c2.shard, (c2.chunk + 1) % c2.chunks) };
		let bond = role_bond(two);
		assert_ok!(Storage::answer_challenges(origin(), answers(vec![good(id1, &c1), wrong])));
		let events = storage_events();
		assert!(events
			.iter()
			.any(|e| matches!(e, Event::ChallengeAnswered { id, .. } if *id == id1)));
		assert!(events.contains(&Event::ChallengeFailed {
			id: id2,
			provider: two,
			slashed: bond / 10
		}));
		// Past its deadline an answer is refused, even before the deadline is processed.
		let next = loop {
			run_to(System::block_number() + 1);
			if let Some(x) = Challenges::<Test>::iter().next() {
				break x;
			}
		};
		DeadlineWeight::set(Weight::zero());
		run_to(next.1.due + 1);
		assert_noop!(answer(&file, next.0), Error::<Test>::TooLate);
		DeadlineWeight::set(Weight::from_parts(u64::MAX / 4, u64::MAX / 4));
	});
}

#[test]
fn bad_submissions_change_nothing() {
	execute(|| {
		let file = small_file();
		let submit = |root: H256, size: u64, k: u16, m: u16, roots: Vec<H256>, life: u64, max| {
			Storage::submit(RuntimeOrigin::signed(ALICE), root, size, k, m, roots, life, max)
		};
		let roots = file.shard_roots.clone();
		let mut wrong_root = file.root;
		wrong_root.0[0] ^= 1;
		assert_noop!(
			submit(wrong_root, 10_000, 2, 1, roots.clone(), LIFE, u128::MAX),
			Error::<Test>::RootMismatch
		);
		assert_noop!(
			submit(file.root, 10_001, 2, 1, roots.clone(), LIFE, u128::MAX),
			Error::<Test>::RootMismatch
		);
		assert_noop!(
			submit(file.root, 0, 2, 1, roots.clone(), LIFE, u128::MAX),
			Error::<Test>::EmptyFile
		);
		assert_noop!(
			submit(file.root, (1 << 30) + 1, 2, 1, roots.clone(), LIFE, u128::MAX),
			Error::<Test>::FileTooLarge
		);
		assert_noop!(
			submit(file.root, 10_000, 9, 1, roots.clone(), LIFE, u128::MAX),
			Error::<Test>::DataShardsOutOfBounds
		);
		assert_noop!(
			submit(file.root, 10_000, 2, 0, roots.clone(), LIFE, u128::MAX),
			Error::<Test>::ParityShardsOutOfBounds
		);
		assert_noop!(
			submit(file.root, 10_000, 2, 5, roots.clone(), LIFE, u128::MAX),
			Error::<Test>::ParityShardsOutOfBounds
		);
		assert_noop!(
			submit(file.root, 10_000, 2, 1, roots[..2].to_vec(), LIFE, u128::MAX),
			Error::<Test>::WrongShardCount
		);
		assert_noop!(
			submit(file.root, 10_000, 2, 1, roots.clone(), 39, u128::MAX),
			Error::<Test>::LifetimeOutOfBounds
		);
		assert_noop!(
			submit(file.root, 10_000, 2, 1, roots.clone(), 10_001, u128::MAX),
			Error::<Test>::LifetimeOutOfBounds
		);
		assert_noop!(
			submit(file.root, 10_000, 2, 1, roots.clone(), LIFE, fee_of(&file, LIFE) - 1),
			Error::<Test>::FeeAboveMaximum
		);
		// Too much data for the network's challenge rate: 80 regions in the mock.
		let huge = TestFile::new(300 * 1024, 2, 4);
		assert_noop!(huge.submit(ALICE, LIFE), Error::<Test>::NetworkFull);
		// Without funds for the fee.
		assert_noop!(file.submit(200, LIFE), sp_runtime::TokenError::FundsUnavailable);
		assert_ok!(file.submit(ALICE, LIFE));
		assert_noop!(file.submit(ALICE, LIFE), Error::<Test>::FileExists);
	});
}

#[test]
fn renewal_extends_the_lifetime_and_moves_the_expiry() {
	execute(|| {
		let file = small_file();
		file.store(ALICE, LIFE);
		let old = file.info().expires_at;
		let before = file.info().escrow();
		assert_ok!(Storage::renew(RuntimeOrigin::signed(70), file.root, 50, u128::MAX));
		let info = file.info();
		assert_eq!(info.expires_at, old + 50);
		assert_eq!(info.escrow(), before + fee_of(&file, 50));
		assert!(!Deadlines::<Test>::contains_key(old, Task::Expire(file.root)));
		assert!(Deadlines::<Test>::contains_key(old + 50, Task::Expire(file.root)));
		assert_noop!(
			Storage::renew(RuntimeOrigin::signed(70), file.root, 0, u128::MAX),
			Error::<Test>::ZeroExtension
		);
		assert_noop!(
			Storage::renew(RuntimeOrigin::signed(70), file.root, 10_000, u128::MAX),
			Error::<Test>::LifetimeTooLong
		);
		assert_noop!(
			Storage::renew(RuntimeOrigin::signed(70), file.root, 5, fee_of(&file, 5) - 1),
			Error::<Test>::FeeAboveMaximum
		);
		assert_noop!(
			Storage::renew(RuntimeOrigin::signed(70), H256::zero(), 5, u128::MAX),
			Error::<Test>::FileNotFound
		);
	});
}

#[test]
fn provider_registration() {
	execute(|| {
		assert_noop!(
			Storage::register_provider(RuntimeOrigin::signed(40), b"http://x".to_vec()),
			Error::<Test>::NotEligible
		);
		assert_noop!(
			Storage::register_provider(RuntimeOrigin::signed(1), vec![]),
			Error::<Test>::BadEndpoint
		);
		assert_noop!(
			Storage::register_provider(RuntimeOrigin::signed(1), vec![b'x'; 65]),
			Error::<Test>::BadEndpoint
		);
		assert_ok!(Storage::register_provider(RuntimeOrigin::signed(1), b"http://new".to_vec()));
		assert_eq!(Providers::<Test>::get(1).unwrap().endpoint.to_vec(), b"http://new".to_vec());
		assert_eq!(ProviderList::<Test>::get().len(), 5);
		assert_noop!(
			Storage::deregister_provider(RuntimeOrigin::signed(40)),
			Error::<Test>::NotProvider
		);
		// A provider handing shards over cannot come back until it is done.
		let file = small_file();
		file.store(ALICE, LIFE);
		let p = file.providers()[0];
		assert_ok!(Storage::deregister_provider(RuntimeOrigin::signed(p)));
		assert_noop!(
			Storage::register_provider(RuntimeOrigin::signed(p), b"http://x".to_vec()),
			Error::<Test>::StillLeaving
		);
		run_to(System::block_number() + 2);
		assert_ok!(Storage::register_provider(RuntimeOrigin::signed(p), b"http://x".to_vec()));
	});
}

#[test]
fn only_root_sets_the_price_and_never_zero() {
	execute(|| {
		assert_noop!(Storage::set_price(RuntimeOrigin::signed(1), 5), DispatchError::BadOrigin);
		assert_noop!(Storage::set_price(RuntimeOrigin::root(), 0), Error::<Test>::ZeroPrice);
		assert_ok!(Storage::set_price(RuntimeOrigin::root(), 5));
		assert_eq!(Price::<Test>::get(), 5);
	});
}

#[test]
fn stored_size_is_known_only_for_stored_files() {
	use zg_primitives::storage::FileRegistry;
	execute(|| {
		let file = small_file();
		file.submit_and_assign(ALICE, LIFE);
		assert_eq!(Storage::stored(&file.root), None);
		file.confirm_all();
		assert_eq!(Storage::stored(&file.root), Some((10_000, 1 + LIFE)));
		assert_eq!(Storage::stored(&H256::zero()), None);
	});
}

/// Money is conserved and a shard is never paid beyond its last proof, over random sequences
/// of submissions, confirmations, answers, misses, departures, renewals and expiries.
mod economy {
	use super::*;
	use proptest::prelude::*;

	#[derive(Clone, Debug)]
	enum Op {
		Submit { size: usize, m: u16, lifetime: u64 },
		ConfirmAll,
		Advance { blocks: u64, silent: Option<AccountId> },
		Deregister(AccountId),
		Renew { file: usize, extra: u64 },
	}

	fn op() -> impl Strategy<Value = Op> {
		prop_oneof![
			(1usize..20_000, 1u16..3, 40u64..120).prop_map(|(size, m, lifetime)| Op::Submit {
				size,
				m,
				lifetime
			}),
			Just(Op::ConfirmAll),
			(1u64..15, proptest::option::of(1u64..=PROVIDERS))
				.prop_map(|(blocks, silent)| Op::Advance { blocks, silent }),
			(1u64..=PROVIDERS).prop_map(Op::Deregister),
			(0usize..8, 1u64..30).prop_map(|(file, extra)| Op::Renew { file, extra }),
		]
	}

	proptest! {
		#![proptest_config(ProptestConfig::with_cases(24))]
		#[test]
		fn money_is_conserved_and_only_proven_time_is_paid(ops in proptest::collection::vec(op(), 1..25)) {
			new_test_ext().execute_with(|| {
				let escrow = Storage::escrow_account();
				let mut files: Vec<TestFile> = Vec::new();
				let (mut fees_in, mut paid_out, mut to_providers) = (0u128, 0u128, 0u128);
				let balances_before: Vec<Balance> = (1..=PROVIDERS).map(free).collect();
				for (i, op) in ops.into_iter().enumerate() {
					System::reset_events();
					match op {
						Op::Submit { size, m, lifetime } => {
							let file = TestFile::new(size + i, 2, m);
							if file.submit(ALICE, lifetime).is_ok() {
								fees_in += fee_of(&file, lifetime);
								files.push(file);
							}
						},
						Op::ConfirmAll => {
							// Every shard whose chunk can be drawn now is confirmed.
							for f in &files {
								let Some(info) = Files::<Test>::get(f.root) else { continue };
								for (s, shard) in info.shards.iter().enumerate() {
									let (ShardState::Assigned { at, .. }, Some(p)) = (shard.state, shard.provider) else { continue };
									let chunks = f.layout.chunks_per_shard();
									let Some(chunk) = Storage::confirm_chunk(f.root, s as u32, at, chunks) else { continue };
									let c = Confirmation { root: f.root, shard: s as u32, proof: f.proof(s as u32, chunk) };
									let _ = Storage::confirm_shards(RuntimeOrigin::signed(p), confirmations(vec![c]));
								}
							}
						},
						Op::Advance { blocks, silent } => {
							let live: Vec<&TestFile> = files.iter().collect();
							let silent: Vec<AccountId> = silent.into_iter().collect();
							run_answering(System::block_number() + blocks, &live, &silent);
						},
						Op::Deregister(p) => {
							let _ = Storage::deregister_provider(RuntimeOrigin::signed(p));
						},
						Op::Renew { file, extra } => {
							if let Some(f) = files.get(file) {
								if Storage::renew(RuntimeOrigin::signed(ALICE), f.root, extra, u128::MAX).is_ok() {
									fees_in += fee_of(f, extra);
								}
							}
						},
					}
					// Every payment to a provider is a proof's earnings or a repair bounty,
					// and each is exactly what accrued up to that proof.
					for e in storage_events() {
						match e {
							Event::ChallengeAnswered { paid, .. } => {
								paid_out += paid;
								to_providers += paid;
							},
							Event::ShardConfirmed { bounty, .. } => {
								paid_out += bounty;
								to_providers += bounty;
							},
							Event::FileDropped { refunded, .. } | Event::FileExpired { refunded, .. } => paid_out += refunded,
							_ => {},
						}
					}
					prop_assert_eq!(EscrowTotal::<Test>::get(), fees_in - paid_out);
					prop_assert_eq!(free(escrow) - ExistentialDeposit::get(), fees_in - paid_out);
					Storage::do_try_state().unwrap();
				}
				// Providers earn only through proofs and bounties: their balances grew by
				// exactly what those events paid them (slashes hit their held bonds).
				let earned: Balance = (1..=PROVIDERS).map(|p| free(p) - balances_before[p as usize - 1]).sum();
				prop_assert_eq!(earned, to_providers);
				Ok(())
			})?;
		}
	}
}

mod offchain_worker {
	use super::*;
	use codec::Decode;
	use sp_core::offchain::{
		testing::{PendingRequest, TestOffchainExt, TestTransactionPoolExt},
		OffchainDbExt, OffchainWorkerExt, TransactionPoolExt,
	};
	use sp_runtime::traits::Dispatchable;

	type OffchainState =
		std::sync::Arc<parking_lot::RwLock<sp_core::offchain::testing::OffchainState>>;
	type PoolState = std::sync::Arc<parking_lot::RwLock<sp_core::offchain::testing::PoolState>>;

	fn hex(root: &H256) -> String {
		format!("0x{}", root.as_bytes().iter().map(|b| format!("{b:02x}")).collect::<String>())
	}

	fn expect_get(state: &OffchainState, path: &str, body: Vec<u8>) {
		state.write().expect_request(PendingRequest {
			method: "GET".into(),
			uri: format!("http://127.0.0.1:8800{path}"),
			response: Some(body),
			sent: true,
			..Default::default()
		});
	}

	fn expect_proof(state: &OffchainState, file: &TestFile, shard: u32, chunk: u32) {
		let proof = file.proof(shard, chunk);
		expect_get(
			state,
			&format!("/v1/proofs/{}/{}/{}", hex(&file.root), shard, chunk),
			(proof.chunk.to_vec(), proof.path.to_vec()).encode(),
		);
	}

	/// Runs `test` with offchain and transaction-pool extensions.
	fn with_offchain(test: impl FnOnce(OffchainState, PoolState)) {
		let mut ext = new_test_ext();
		let (offchain, state) = TestOffchainExt::new();
		let (pool, pool_state) = TestTransactionPoolExt::new();
		ext.register_extension(OffchainDbExt::new(offchain.clone()));
		ext.register_extension(OffchainWorkerExt::new(offchain));
		ext.register_extension(TransactionPoolExt::new(pool));
		ext.execute_with(|| test(state, pool_state));
	}

	/// Runs the offchain worker as a node does: on the block's state, whose changes (such as
	/// the nonce the signer bumps) are discarded afterwards.
	fn run_ocw() {
		let n = System::block_number();
		frame_support::storage::with_transaction(|| {
			Storage::offchain_worker(n);
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
			let file = small_file();
			file.store(ALICE, LIFE);
			while Challenges::<Test>::iter().next().is_none() {
				run_to(System::block_number() + 1);
			}
			let (id, c) = Challenges::<Test>::iter().next().unwrap();
			ProviderKey::set_all_keys(vec![c.provider]);
			expect_proof(&state, &file, c.shard, c.chunk);
			run_ocw();
			let txs = submitted(&pool);
			assert_eq!(txs.len(), 1);
			let expected = RuntimeCall::Storage(Call::answer_challenges {
				answers: vec![Answer { challenge: id, proof: file.proof(c.shard, c.chunk) }]
					.try_into()
					.unwrap(),
			});
			assert_eq!(txs[0].function, expected);
			assert!(
				matches!(txs[0].preamble, sp_runtime::generic::Preamble::Signed(who, ..) if who == c.provider)
			);
			// Nothing more is sent while that transaction is pending (same on-chain nonce).
			run_ocw();
			assert_eq!(submitted(&pool).len(), 1);
			// Once its nonce moved on, the claimed duty is not sent again; the worker is asked
			// for held shards instead.
			frame_system::Pallet::<Test>::inc_account_nonce(c.provider);
			expect_get(&state, "/v1/fraud", Vec::<u8>::new().encode());
			expect_get(&state, "/v1/held", Vec::<(H256, u32)>::new().encode());
			run_ocw();
			assert_eq!(submitted(&pool).len(), 1);
			assert_ok!(expected.dispatch(RuntimeOrigin::signed(c.provider)));
			assert!(Challenges::<Test>::get(id).is_none());
		});
	}

	#[test]
	fn confirms_the_shards_its_worker_holds_with_the_drawn_chunk() {
		with_offchain(|state, pool| {
			let file = small_file();
			file.submit_and_assign(ALICE, LIFE);
			let at = assigned_at(&file, 1);
			run_to(Beacon::ready_at(at));
			let p = file.providers();
			ProviderKey::set_all_keys(vec![p[1]]);
			// The worker holds shards 0 and 1; only shard 1 is this key's.
			expect_get(&state, "/v1/fraud", Vec::<u8>::new().encode());
			expect_get(&state, "/v1/held", vec![(file.root, 0u32), (file.root, 1u32)].encode());
			let chunk = bad_chunk(&file, 1);
			expect_proof(&state, &file, 1, chunk);
			run_ocw();
			let txs = submitted(&pool);
			assert_eq!(txs.len(), 1);
			let expected = RuntimeCall::Storage(Call::confirm_shards {
				confirmations: vec![Confirmation {
					root: file.root,
					shard: 1,
					proof: file.proof(1, chunk),
				}]
				.try_into()
				.unwrap(),
			});
			assert_eq!(txs[0].function, expected);
			assert_ok!(expected.dispatch(RuntimeOrigin::signed(p[1])));
			assert!(file.info().shards[1].is_confirmed());
		});
	}

	#[test]
	fn a_node_without_provider_keys_does_nothing() {
		with_offchain(|_state, pool| {
			let file = small_file();
			file.submit_and_assign(ALICE, LIFE);
			ProviderKey::set_all_keys(Vec::<u64>::new());
			run_ocw();
			assert!(pool.read().transactions.is_empty());
		});
	}
}
