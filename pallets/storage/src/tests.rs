//! Unit tests of the storage pallet: fees, assignment, confirmation, challenges, slashing,
//! reassignment, renewal and expiry, with exact amounts, and every bad input.

use crate::{mock::*, *};
use frame_support::{assert_noop, assert_ok};
use sp_runtime::DispatchError;

/// 10 000 bytes in 2 data and 1 parity shard: 5 chunks of 1 KiB per shard.
fn small_file() -> TestFile {
	TestFile::new(10_000, 2, 1)
}

/// The fee of `small_file()` for `lifetime` blocks.
fn fee(lifetime: u64) -> Balance {
	10_000 * PRICE * lifetime as Balance
}

fn escrow_balance() -> Balance {
	free(Storage::escrow_account()) - ExistentialDeposit::get()
}

fn role_bond(who: AccountId) -> Balance {
	<Staking as RoleStaking<AccountId, Balance>>::role_stake(&who, Role::StorageProvider)
}

#[test]
fn submit_escrows_the_fee_and_assigns_distinct_providers() {
	execute(|| {
		let file = small_file();
		let before = free(ALICE);
		assert_ok!(file.submit(ALICE, 100));
		// fee = size × price × lifetime = 10 000 × 1 000 × 100.
		assert_eq!(fee(100), 1_000_000_000);
		assert_eq!(free(ALICE), before - fee(100));
		assert_eq!(escrow_balance(), fee(100));
		assert_eq!(EscrowTotal::<Test>::get(), fee(100));

		let info = Files::<Test>::get(file.root).unwrap();
		assert_eq!(info.status, FileStatus::Pending);
		assert_eq!((info.submitted_at, info.confirm_by, info.expires_at), (1, 11, 101));
		// Split three ways, the first shard takes the remainder.
		let escrows: Vec<Balance> = info.shards.iter().map(|s| s.escrow).collect();
		assert_eq!(escrows, vec![333_333_334, 333_333_333, 333_333_333]);
		let mut providers = file.providers();
		assert!(providers.iter().all(|p| (1..=PROVIDERS).contains(p)));
		providers.sort();
		providers.dedup();
		assert_eq!(providers.len(), 3, "every shard has its own provider");

		let events = storage_events();
		assert!(events.contains(&Event::FileSubmitted {
			root: file.root,
			owner: ALICE,
			size: 10_000,
			data_shards: 2,
			parity_shards: 1,
			fee: fee(100),
			expires_at: 101,
		}));
		for (i, p) in file.providers().into_iter().enumerate() {
			assert!(events.contains(&Event::ShardAssigned {
				root: file.root,
				shard: i as u32,
				provider: p
			}));
		}
	});
}

#[test]
fn assignment_depends_on_randomness_and_root() {
	let draw = |seed: u64, size: usize| {
		RandomSeed::set(seed);
		let mut result = vec![];
		new_test_ext().execute_with(|| {
			let file = TestFile::new(size, 2, 2);
			file.submit(ALICE, 100).unwrap();
			result = file.providers();
		});
		result
	};
	let draws: Vec<Vec<AccountId>> = (0..8).map(|s| draw(s, 5000)).collect();
	assert!(draws.iter().any(|d| d != &draws[0]), "the seed changes the assignment");
	RandomSeed::set(0);
	let by_root: Vec<Vec<AccountId>> = (0..8).map(|i| draw(0, 5000 + i)).collect();
	assert!(by_root.iter().any(|d| d != &by_root[0]), "the root changes the assignment");
	RandomSeed::set(0);
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
			submit(wrong_root, 10_000, 2, 1, roots.clone(), 100, u128::MAX),
			Error::<Test>::RootMismatch
		);
		// The right root for other parameters.
		assert_noop!(
			submit(file.root, 10_001, 2, 1, roots.clone(), 100, u128::MAX),
			Error::<Test>::RootMismatch
		);
		let mut tampered = roots.clone();
		tampered[2].0[5] ^= 1;
		assert_noop!(
			submit(file.root, 10_000, 2, 1, tampered, 100, u128::MAX),
			Error::<Test>::RootMismatch
		);
		assert_noop!(
			submit(file.root, 0, 2, 1, roots.clone(), 100, u128::MAX),
			Error::<Test>::EmptyFile
		);
		assert_noop!(
			submit(file.root, (1 << 30) + 1, 2, 1, roots.clone(), 100, u128::MAX),
			Error::<Test>::FileTooLarge
		);
		for k in [0, 9] {
			assert_noop!(
				submit(file.root, 10_000, k, 1, roots.clone(), 100, u128::MAX),
				Error::<Test>::DataShardsOutOfBounds
			);
		}
		for m in [0, 5] {
			assert_noop!(
				submit(file.root, 10_000, 2, m, roots.clone(), 100, u128::MAX),
				Error::<Test>::ParityShardsOutOfBounds
			);
		}
		assert_noop!(
			submit(file.root, 10_000, 2, 1, roots[..2].to_vec(), 100, u128::MAX),
			Error::<Test>::WrongShardCount
		);
		for life in [19, 10_001] {
			assert_noop!(
				submit(file.root, 10_000, 2, 1, roots.clone(), life, u128::MAX),
				Error::<Test>::LifetimeOutOfBounds
			);
		}
		assert_noop!(
			submit(file.root, 10_000, 2, 1, roots.clone(), 100, fee(100) - 1),
			Error::<Test>::FeeAboveMaximum
		);
		// Six shards but five providers.
		let wide = TestFile::new(10_000, 5, 1);
		assert_noop!(wide.submit(ALICE, 100), Error::<Test>::NotEnoughProviders);
		// Cannot pay: account 200 has nothing.
		assert!(file.submit(200, 100).is_err());
		assert!(!Files::<Test>::contains_key(file.root));

		assert_ok!(submit(file.root, 10_000, 2, 1, roots.clone(), 100, fee(100)));
		assert_noop!(
			submit(file.root, 10_000, 2, 1, roots, 100, u128::MAX),
			Error::<Test>::FileExists
		);
	});
}

#[test]
fn confirmations_finalize_the_file() {
	execute(|| {
		let file = small_file();
		assert_ok!(file.submit(ALICE, 100));
		let providers = file.providers();
		let outsider = (1..=PROVIDERS).find(|p| !providers.contains(p)).unwrap();
		assert_noop!(
			Storage::confirm_shard(RuntimeOrigin::signed(outsider), file.root, 0),
			Error::<Test>::NotAssigned
		);
		assert_noop!(
			Storage::confirm_shard(RuntimeOrigin::signed(providers[0]), file.root, 3),
			Error::<Test>::ShardNotFound
		);
		assert_noop!(
			Storage::confirm_shard(RuntimeOrigin::signed(providers[0]), H256::zero(), 0),
			Error::<Test>::FileNotFound
		);
		// Shard 0 confirms at once; the others two blocks later, forfeiting 2 of the 100 blocks.
		assert_ok!(Storage::confirm_shard(RuntimeOrigin::signed(providers[0]), file.root, 0));
		assert_noop!(
			Storage::confirm_shard(RuntimeOrigin::signed(providers[0]), file.root, 0),
			Error::<Test>::AlreadyConfirmed
		);
		run_to(3);
		assert_ok!(Storage::confirm_shard(RuntimeOrigin::signed(providers[1]), file.root, 1));
		assert_eq!(Files::<Test>::get(file.root).unwrap().status, FileStatus::Pending);
		assert!(!storage_events().contains(&Event::FileFinalized { root: file.root }));
		assert_ok!(Storage::confirm_shard(RuntimeOrigin::signed(providers[2]), file.root, 2));

		let info = Files::<Test>::get(file.root).unwrap();
		assert_eq!(info.status, FileStatus::Finalized);
		assert_eq!(info.index, Some(0));
		assert_eq!(FileIndex::<Test>::get(0), Some(file.root));
		assert_eq!(FinalizedCount::<Test>::get(), 1);
		assert_eq!(info.refund, 2 * 6_666_666);
		assert_eq!(info.shards[1].escrow, 333_333_333 - 6_666_666);
		assert_eq!(info.shards[0].escrow, 333_333_334);
		assert!(storage_events().contains(&Event::FileFinalized { root: file.root }));
	});
}

#[test]
fn an_unconfirmed_file_is_dropped_with_a_full_refund() {
	execute(|| {
		let file = small_file();
		let before = free(ALICE);
		assert_ok!(file.submit(ALICE, 100));
		let p = file.providers();
		assert_ok!(Storage::confirm_shard(RuntimeOrigin::signed(p[0]), file.root, 0));
		run_to(10);
		assert!(Files::<Test>::contains_key(file.root));
		run_to(11);
		assert!(!Files::<Test>::contains_key(file.root));
		assert_eq!(free(ALICE), before);
		assert_eq!(escrow_balance(), 0);
		assert!(
			storage_events().contains(&Event::FileDropped { root: file.root, refunded: fee(100) })
		);
		// The stale expiry entry at block 101 is skipped.
		run_to(101);
		assert!(!storage_events().iter().any(|e| matches!(e, Event::FileExpired { .. })));
	});
}

#[test]
fn answered_challenges_pay_linearly() {
	execute(|| {
		let file = small_file();
		assert_ok!(file.submit(ALICE, 100));
		file.confirm_all();
		run_to(10);
		let round = CurrentRound::<Test>::get();
		assert_eq!((round.number, round.started_at, round.deadline), (1, 10, 20));
		assert!(!round.challenges.is_empty());
		assert!(storage_events().contains(&Event::ChallengesIssued {
			round: 1,
			count: round.challenges.len() as u32,
			deadline: 20
		}));
		for (i, c) in round.challenges.iter().enumerate() {
			assert_eq!(c.root, file.root);
			assert!(c.chunk < 5);
			let provider = c.provider;
			let before = free(provider);
			let escrow = Files::<Test>::get(file.root).unwrap().shards[c.shard as usize].escrow;
			assert_ok!(answer(&file, i as u32));
			// 9 of the 100 blocks since confirmation (block 1) have passed.
			let due = escrow * 9 / 100;
			assert_eq!(free(provider), before + due);
			assert!(storage_events().contains(&Event::ChallengeAnswered {
				root: file.root,
				shard: c.shard,
				chunk: c.chunk,
				provider,
				paid: due
			}));
			let shard = &Files::<Test>::get(file.root).unwrap().shards[c.shard as usize];
			assert_eq!((shard.escrow, shard.paid_until), (escrow - due, 10));
		}
		// Next round, block 25: 15 more blocks of the remaining 91, paid from what is left.
		run_to(20);
		run_to(25);
		let c = CurrentRound::<Test>::get().challenges[0].clone();
		let escrow = Files::<Test>::get(file.root).unwrap().shards[c.shard as usize].escrow;
		let before = free(c.provider);
		assert_ok!(answer(&file, 0));
		assert_eq!(free(c.provider), before + escrow * 15 / 91);
		// Nobody was slashed.
		assert!((1..=PROVIDERS).all(|p| role_bond(p) == PROVIDER_BOND));
	});
}

#[test]
fn bad_answers_change_nothing() {
	execute(|| {
		let file = small_file();
		assert_ok!(file.submit(ALICE, 100));
		file.confirm_all();
		run_to(10);
		let round = CurrentRound::<Test>::get();
		let c = round.challenges[0].clone();
		let (chunk, path) = file.proof(c.shard, c.chunk);
		let call = |who, round, index, chunk: Vec<u8>, path: Vec<H256>| {
			Storage::answer_challenge(
				RuntimeOrigin::signed(who),
				round,
				index,
				chunk.try_into().unwrap(),
				path.try_into().unwrap(),
			)
		};
		// A proof of another chunk of the same shard.
		let other = (c.chunk + 1) % 5;
		let (other_chunk, other_path) = file.proof(c.shard, other);
		assert_noop!(
			call(c.provider, 1, 0, other_chunk.clone(), other_path),
			Error::<Test>::InvalidProof
		);
		// The right path with another chunk's bytes, a flipped bit, a short chunk.
		assert_noop!(
			call(c.provider, 1, 0, other_chunk, path.clone()),
			Error::<Test>::InvalidProof
		);
		let mut flipped = chunk.clone();
		flipped[100] ^= 1;
		assert_noop!(call(c.provider, 1, 0, flipped, path.clone()), Error::<Test>::InvalidProof);
		assert_noop!(
			call(c.provider, 1, 0, chunk[..1023].to_vec(), path.clone()),
			Error::<Test>::WrongChunkSize
		);
		let mut bad_path = path.clone();
		bad_path[0].0[0] ^= 1;
		assert_noop!(call(c.provider, 1, 0, chunk.clone(), bad_path), Error::<Test>::InvalidProof);
		let outsider = (1..=PROVIDERS).find(|p| *p != c.provider).unwrap();
		assert_noop!(call(outsider, 1, 0, chunk.clone(), path.clone()), Error::<Test>::NotAssigned);
		assert_noop!(
			call(c.provider, 2, 0, chunk.clone(), path.clone()),
			Error::<Test>::WrongRound
		);
		assert_noop!(
			call(c.provider, 1, 9, chunk.clone(), path.clone()),
			Error::<Test>::ChallengeNotFound
		);
		assert_ok!(call(c.provider, 1, 0, chunk.clone(), path.clone()));
		// A replayed answer.
		assert_noop!(
			call(c.provider, 1, 0, chunk.clone(), path.clone()),
			Error::<Test>::AlreadyAnswered
		);
		// The same answer in the next round.
		run_to(20);
		assert_noop!(call(c.provider, 1, 0, chunk, path), Error::<Test>::WrongRound);
	});
}

#[test]
fn a_missed_challenge_slashes_and_reassigns() {
	execute(|| {
		let file = small_file();
		assert_ok!(file.submit(ALICE, 100));
		file.confirm_all();
		run_to(10);
		let round = CurrentRound::<Test>::get();
		// Everyone answers but the provider of challenge 0.
		for i in 1..round.challenges.len() {
			assert_ok!(answer(&file, i as u32));
		}
		let missed = round.challenges[0].clone();
		let escrow = Files::<Test>::get(file.root).unwrap().shards[missed.shard as usize].escrow;
		let treasury = free(TREASURY);
		run_to(20);

		// 10 % of the 1 000 0G bond goes to the treasury.
		assert_eq!(role_bond(missed.provider), PROVIDER_BOND - 100 * ZG);
		assert_eq!(free(TREASURY), treasury + 100 * ZG);
		assert!(storage_events().contains(&Event::ChallengeMissed {
			root: file.root,
			shard: missed.shard,
			provider: missed.provider,
			slashed: 100 * ZG
		}));
		for c in &round.challenges[1..] {
			assert_eq!(role_bond(c.provider), PROVIDER_BOND);
		}
		// The 19 blocks since confirmation are forfeited to the owner.
		let info = Files::<Test>::get(file.root).unwrap();
		let shard = &info.shards[missed.shard as usize];
		assert_eq!(info.refund, escrow * 19 / 100);
		assert_eq!(
			(shard.escrow, shard.paid_until, shard.confirmed),
			(escrow - escrow * 19 / 100, 20, false)
		);
		// Reassigned to a provider that holds no other shard of the file.
		let to = shard.provider;
		assert_ne!(to, missed.provider);
		assert!(!info
			.shards
			.iter()
			.enumerate()
			.any(|(i, s)| i != missed.shard as usize && s.provider == to));
		assert!(storage_events().contains(&Event::ShardReassigned {
			root: file.root,
			shard: missed.shard,
			from: missed.provider,
			to
		}));
		// The file stays finalized; the unconfirmed shard is not challenged.
		assert_eq!(info.status, FileStatus::Finalized);
		assert!(CurrentRound::<Test>::get().challenges.iter().all(|c| c.shard != missed.shard));
		assert_noop!(
			Storage::confirm_shard(RuntimeOrigin::signed(missed.provider), file.root, missed.shard),
			Error::<Test>::NotAssigned
		);
		assert_ok!(Storage::confirm_shard(RuntimeOrigin::signed(to), file.root, missed.shard));
		assert!(Files::<Test>::get(file.root).unwrap().shards[missed.shard as usize].confirmed);
	});
}

#[test]
fn expiry_pays_the_rest_refunds_the_forfeit_and_frees_state() {
	execute(|| {
		let file = small_file();
		let alice = free(ALICE);
		assert_ok!(file.submit(ALICE, 20));
		let p = file.providers();
		let before: Vec<Balance> = p.iter().map(|p| free(*p)).collect();
		// Shards 0 and 1 confirm at block 1, shard 2 at block 5 (forfeiting 4 of 20 blocks).
		assert_ok!(Storage::confirm_shard(RuntimeOrigin::signed(p[0]), file.root, 0));
		assert_ok!(Storage::confirm_shard(RuntimeOrigin::signed(p[1]), file.root, 1));
		run_to(5);
		assert_ok!(Storage::confirm_shard(RuntimeOrigin::signed(p[2]), file.root, 2));
		let forfeit = 66_666_666 * 4 / 20;
		assert_eq!(fee(20), 200_000_000);
		// Round 1 at block 10: every challenge is answered, so nobody is slashed at block 20.
		run_to(10);
		for i in 0..CurrentRound::<Test>::get().challenges.len() {
			assert_ok!(answer(&file, i as u32));
		}
		run_to(20);
		assert!(Files::<Test>::contains_key(file.root));
		assert!(!storage_events().iter().any(|e| matches!(e, Event::ChallengeMissed { .. })));
		// Expiry at block 21: every confirmed shard is paid what it still holds, so over the
		// file's life each provider receives exactly its share less what it forfeited.
		run_to(21);
		assert!(!Files::<Test>::contains_key(file.root));
		let paid: Vec<Balance> = p.iter().zip(&before).map(|(p, b)| free(*p) - b).collect();
		assert_eq!(paid, vec![66_666_668, 66_666_666, 66_666_666 - forfeit]);
		assert_eq!(free(ALICE), alice - fee(20) + forfeit);
		let answered: Balance = storage_events()
			.iter()
			.filter_map(|e| match e {
				Event::ChallengeAnswered { paid, .. } => Some(*paid),
				_ => None,
			})
			.sum();
		assert!(answered > 0);
		assert!(storage_events().contains(&Event::FileExpired {
			root: file.root,
			paid: 200_000_000 - forfeit - answered,
			refunded: forfeit
		}));
		assert_eq!(escrow_balance(), 0);
		assert_eq!(EscrowTotal::<Test>::get(), 0);
		assert_eq!(FinalizedCount::<Test>::get(), 0);
		assert_eq!(FileIndex::<Test>::iter().count(), 0);
		assert_eq!(Deadlines::<Test>::iter().count(), 0);
	});
}

#[test]
fn the_missed_challenge_of_round_one_is_slashed_at_round_two_even_across_files() {
	execute(|| {
		// Two finalized files; the index stays consistent when the first one expires.
		let a = small_file();
		let b = TestFile::new(4096, 1, 1);
		assert_ok!(a.submit(ALICE, 20));
		assert_ok!(b.submit(ALICE, 100));
		a.confirm_all();
		b.confirm_all();
		assert_eq!(FinalizedCount::<Test>::get(), 2);
		run_to(21);
		assert!(!Files::<Test>::contains_key(a.root));
		assert_eq!(FinalizedCount::<Test>::get(), 1);
		assert_eq!(FileIndex::<Test>::get(0), Some(b.root));
		assert_eq!(Files::<Test>::get(b.root).unwrap().index, Some(0));
		// Round 2 (block 20) slashed whoever missed round 1.
		let missed =
			storage_events().iter().filter(|e| matches!(e, Event::ChallengeMissed { .. })).count();
		assert!(missed > 0);
	});
}

#[test]
fn renewal_extends_the_lifetime() {
	execute(|| {
		let file = small_file();
		assert_ok!(file.submit(ALICE, 20));
		file.confirm_all();
		let bob = 60;
		let before = free(bob);
		assert_noop!(
			Storage::renew(RuntimeOrigin::signed(bob), file.root, 0, u128::MAX),
			Error::<Test>::ZeroExtension
		);
		assert_noop!(
			Storage::renew(RuntimeOrigin::signed(bob), H256::zero(), 10, u128::MAX),
			Error::<Test>::FileNotFound
		);
		assert_noop!(
			Storage::renew(RuntimeOrigin::signed(bob), file.root, 10_000, u128::MAX),
			Error::<Test>::LifetimeTooLong
		);
		assert_noop!(
			Storage::renew(RuntimeOrigin::signed(bob), file.root, 30, fee(30) - 1),
			Error::<Test>::FeeAboveMaximum
		);
		assert_ok!(Storage::renew(RuntimeOrigin::signed(bob), file.root, 30, fee(30)));
		assert_eq!(free(bob), before - fee(30));
		let info = Files::<Test>::get(file.root).unwrap();
		assert_eq!(info.expires_at, 51);
		assert_eq!(info.escrow(), fee(20) + fee(30));
		assert!(storage_events().contains(&Event::FileRenewed {
			root: file.root,
			by: bob,
			fee: fee(30),
			expires_at: 51
		}));
		// The old expiry passes without effect.
		run_to(21);
		assert!(Files::<Test>::contains_key(file.root));
		run_to(51);
		assert!(!Files::<Test>::contains_key(file.root));
	});
}

#[test]
fn finalization_and_renewal_leave_no_stale_deadlines() {
	execute(|| {
		let file = small_file();
		assert_ok!(file.submit(ALICE, 20));
		assert_eq!(Deadlines::<Test>::get(11).to_vec(), vec![file.root]);
		assert_eq!(Deadlines::<Test>::get(21).to_vec(), vec![file.root]);
		file.confirm_all();
		assert!(Deadlines::<Test>::get(11).is_empty(), "the confirmation deadline is freed");
		assert_ok!(Storage::renew(RuntimeOrigin::signed(60), file.root, 30, u128::MAX));
		assert!(Deadlines::<Test>::get(21).is_empty(), "the old expiry is freed");
		assert_eq!(Deadlines::<Test>::get(51).to_vec(), vec![file.root]);
	});
}

#[test]
fn files_expiring_before_a_round_ends_are_not_challenged() {
	execute(|| {
		// Expires at 21: challenged in the round of block 10 (answers due at 20), not in the
		// round of block 20 (answers due at 30, after expiry).
		let file = small_file();
		assert_ok!(file.submit(ALICE, 20));
		file.confirm_all();
		run_to(10);
		assert!(!CurrentRound::<Test>::get().challenges.is_empty());
		for i in 0..CurrentRound::<Test>::get().challenges.len() {
			assert_ok!(answer(&file, i as u32));
		}
		run_to(20);
		assert!(CurrentRound::<Test>::get().challenges.is_empty());
	});
}

#[test]
fn only_confirmed_shards_answer_challenges() {
	execute(|| {
		let file = small_file();
		assert_ok!(file.submit(ALICE, 100));
		file.confirm_all();
		run_to(10);
		let c = CurrentRound::<Test>::get().challenges[0].clone();
		Files::<Test>::mutate(file.root, |f| {
			f.as_mut().unwrap().shards[c.shard as usize].confirmed = false
		});
		assert_noop!(answer(&file, 0), Error::<Test>::ShardNotConfirmed);
	});
}

#[test]
fn full_deadline_queues_spill_into_the_next_block() {
	execute(|| {
		// Four deadlines per block: the fifth file's deadlines move one block later.
		let files: Vec<TestFile> = (0..5).map(|i| TestFile::new(3000 + i, 1, 1)).collect();
		for f in &files {
			assert_ok!(f.submit(ALICE, 50));
		}
		assert_eq!(Deadlines::<Test>::get(11).len(), 4);
		assert_eq!(Deadlines::<Test>::get(12).to_vec(), vec![files[4].root]);
		let last = Files::<Test>::get(files[4].root).unwrap();
		assert_eq!((last.confirm_by, last.expires_at), (12, 52));
		run_to(12);
		assert_eq!(Files::<Test>::iter().count(), 0);
	});
}

#[test]
fn provider_registration() {
	execute(|| {
		// Account 60 has no role bond.
		assert_noop!(
			Storage::register_provider(RuntimeOrigin::signed(60), b"http://x".to_vec()),
			Error::<Test>::NotEligible
		);
		assert_noop!(
			Storage::register_provider(RuntimeOrigin::signed(1), vec![]),
			Error::<Test>::BadEndpoint
		);
		assert_noop!(
			Storage::register_provider(RuntimeOrigin::signed(1), vec![b'a'; 65]),
			Error::<Test>::BadEndpoint
		);
		assert_noop!(
			Storage::deregister_provider(RuntimeOrigin::signed(60)),
			Error::<Test>::NotProvider
		);
		// Changing the endpoint keeps the place in the pool.
		assert_ok!(Storage::register_provider(RuntimeOrigin::signed(1), b"http://new".to_vec()));
		assert_eq!(ProviderList::<Test>::get().to_vec(), vec![1, 2, 3, 4, 5]);
		assert_eq!(Providers::<Test>::get(1).unwrap().endpoint.to_vec(), b"http://new".to_vec());
		// Deregistered providers and providers whose bond is gone are never drawn.
		assert_ok!(Storage::deregister_provider(RuntimeOrigin::signed(1)));
		assert_ok!(pallet_zg_staking::Pallet::<Test>::unregister_role(
			RuntimeOrigin::signed(2),
			Role::StorageProvider
		));
		assert_eq!(ProviderList::<Test>::get().to_vec(), vec![2, 3, 4, 5]);
		assert!(storage_events().contains(&Event::ProviderDeregistered { who: 1 }));
		let file = small_file();
		assert_ok!(file.submit(ALICE, 100));
		let mut p = file.providers();
		p.sort();
		assert_eq!(p, vec![3, 4, 5]);
		assert_noop!(
			TestFile::new(9000, 3, 1).submit(ALICE, 100),
			Error::<Test>::NotEnoughProviders
		);
		// A newly bonded account joins.
		assert_ok!(pallet_zg_staking::Pallet::<Test>::register_role(
			RuntimeOrigin::signed(6),
			Role::StorageProvider,
			200 * ZG
		));
		assert_ok!(Storage::register_provider(RuntimeOrigin::signed(6), b"http://p6".to_vec()));
		assert_ok!(TestFile::new(9000, 3, 1).submit(ALICE, 100));
	});
}

#[test]
fn only_root_sets_the_price() {
	execute(|| {
		assert_noop!(Storage::set_price(RuntimeOrigin::signed(1), 5), DispatchError::BadOrigin);
		assert_ok!(Storage::set_price(RuntimeOrigin::root(), 5));
		assert_eq!(Price::<Test>::get(), 5);
		assert!(storage_events().contains(&Event::PriceSet { price: 5 }));
		let file = small_file();
		let before = free(ALICE);
		assert_ok!(file.submit(ALICE, 100));
		assert_eq!(before - free(ALICE), 10_000 * 5 * 100);
	});
}

#[test]
fn the_committed_file_reads_back_from_any_k_shards() {
	execute(|| {
		let file = TestFile::new(50_000, 3, 2);
		assert_ok!(file.submit(ALICE, 100));
		file.confirm_all();
		// Any 3 shards verify against the committed roots and rebuild the bytes.
		let info = Files::<Test>::get(file.root).unwrap();
		let mut slots: Vec<Option<Vec<u8>>> = file.shards.iter().cloned().map(Some).collect();
		slots[0] = None;
		slots[3] = None;
		for (i, s) in slots.iter().enumerate() {
			if let Some(s) = s {
				assert_eq!(zg_primitives::storage::shard_root(s), info.shards[i].root);
			}
		}
		assert_eq!(zg_primitives::erasure::decode(&info.layout, slots).unwrap(), file.data);
	});
}

mod offchain_worker {
	use super::*;
	use codec::Decode;
	use sp_core::offchain::{
		testing::{PendingRequest, TestOffchainExt, TestTransactionPoolExt},
		OffchainDbExt, OffchainWorkerExt, TransactionPoolExt,
	};
	use sp_runtime::traits::Dispatchable;

	fn hex(root: &H256) -> String {
		format!("0x{}", root.as_bytes().iter().map(|b| format!("{b:02x}")).collect::<String>())
	}

	fn expect_get(
		state: &std::sync::Arc<parking_lot::RwLock<sp_core::offchain::testing::OffchainState>>,
		path: &str,
		body: Vec<u8>,
	) {
		state.write().expect_request(PendingRequest {
			method: "GET".into(),
			uri: format!("http://127.0.0.1:8700{path}"),
			response: Some(body),
			sent: true,
			..Default::default()
		});
	}

	/// Runs `test` with offchain and transaction-pool extensions.
	fn with_offchain(
		test: impl FnOnce(
			std::sync::Arc<parking_lot::RwLock<sp_core::offchain::testing::OffchainState>>,
			std::sync::Arc<parking_lot::RwLock<sp_core::offchain::testing::PoolState>>,
		),
	) {
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
	fn run_ocw(n: u64) {
		frame_support::storage::with_transaction(|| {
			Storage::offchain_worker(n);
			frame_support::storage::TransactionOutcome::Rollback(Ok::<(), DispatchError>(()))
		})
		.unwrap();
	}

	fn submitted(
		pool: &std::sync::Arc<parking_lot::RwLock<sp_core::offchain::testing::PoolState>>,
	) -> Vec<Extrinsic> {
		pool.read().transactions.iter().map(|tx| Extrinsic::decode(&mut &tx[..]).unwrap()).collect()
	}

	#[test]
	fn answers_its_challenges_with_the_workers_proof_once() {
		with_offchain(|state, pool| {
			let file = small_file();
			assert_ok!(file.submit(ALICE, 100));
			file.confirm_all();
			run_to(10);
			let c = CurrentRound::<Test>::get().challenges[0].clone();
			ProviderKey::set_all_keys(vec![c.provider]);
			let (chunk, path) = file.proof(c.shard, c.chunk);
			expect_get(
				&state,
				&format!("/v1/proofs/{}/{}/{}", hex(&c.root), c.shard, c.chunk),
				(chunk.clone(), path.clone()).encode(),
			);
			run_ocw(10);
			let txs = submitted(&pool);
			assert_eq!(txs.len(), 1);
			let expected = RuntimeCall::Storage(Call::answer_challenge {
				round: 1,
				index: 0,
				chunk: chunk.try_into().unwrap(),
				path: path.try_into().unwrap(),
			});
			assert_eq!(txs[0].function, expected);
			assert!(
				matches!(txs[0].preamble, sp_runtime::generic::Preamble::Signed(who, ..) if who == c.provider)
			);

			// Nothing more is sent while that transaction is pending (same on-chain nonce): no
			// request to the worker, no second transaction.
			run_ocw(10);
			assert_eq!(submitted(&pool).len(), 1);
			// Once its nonce moved on, the claimed duty is still not sent again; the worker is
			// asked for held shards instead.
			frame_system::Pallet::<Test>::inc_account_nonce(c.provider);
			expect_get(&state, "/v1/held", Vec::<(H256, u32)>::new().encode());
			run_ocw(10);
			assert_eq!(submitted(&pool).len(), 1);

			// The submitted answer is valid.
			assert_ok!(expected.dispatch(RuntimeOrigin::signed(c.provider)));
			assert!(CurrentRound::<Test>::get().challenges[0].answered);
		});
	}

	#[test]
	fn confirms_the_shards_its_worker_holds() {
		with_offchain(|state, pool| {
			let file = small_file();
			assert_ok!(file.submit(ALICE, 100));
			let p = file.providers();
			ProviderKey::set_all_keys(vec![p[1]]);
			// The worker holds shards 0 and 1; only shard 1 is this key's.
			expect_get(&state, "/v1/held", vec![(file.root, 0u32), (file.root, 1u32)].encode());
			run_ocw(1);
			let txs = submitted(&pool);
			assert_eq!(txs.len(), 1);
			assert_eq!(
				txs[0].function,
				RuntimeCall::Storage(Call::confirm_shard { root: file.root, shard: 1 })
			);
			assert_ok!(txs[0].function.clone().dispatch(RuntimeOrigin::signed(p[1])));
		});
	}

	#[test]
	fn a_node_without_provider_keys_does_nothing() {
		with_offchain(|_state, pool| {
			let file = small_file();
			assert_ok!(file.submit(ALICE, 100));
			ProviderKey::set_all_keys(Vec::<u64>::new());
			run_ocw(1);
			assert!(pool.read().transactions.is_empty());
		});
	}
}
