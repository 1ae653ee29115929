//! Unit tests of the compute pallet: services and their indexes, ledgers, capabilities and
//! settlement, jobs and refusals, fees, expiry, disputes and their verifiers, with exact
//! amounts, every bad input, and the attacks of the incentives review (the tests named
//! `finding_N_…`; numbers as in the issue).

use crate::{mock::*, *};
use frame_support::{assert_noop, assert_ok, traits::Hooks};
use sp_runtime::testing::TestSignature;

fn escrow_balance() -> Balance {
	free(Compute::escrow_account()) - ExistentialDeposit::get()
}

/// A dispute on job `j` raised by BOB, with its verifiers drawn. Returns them.
fn disputed(j: JobId) -> Vec<AccountId> {
	assert_ok!(Compute::challenge(RuntimeOrigin::signed(BOB), j));
	let draw_at = Jobs::<Test>::get(j).unwrap().due;
	run_to(draw_at);
	Disputes::<Test>::get(j).unwrap().verifiers.into_inner()
}

/// Provider 1's service, four more providers' services of the same model, and ALICE's job on
/// provider 1's service answered with `claimed` (fee 41 for an output of 3 + 7 tokens).
fn answered_job(claimed: JobOutcome) -> JobId {
	let s = service(1);
	for p in 2..=PROVIDERS {
		service(p);
	}
	let j = job(ALICE, s);
	assert_ok!(report(j, claimed));
	j
}

mod services {
	use super::*;

	/// A service is listed and indexed; finding 12: a provider lists one service per model
	/// root (so four accounts cannot squat a model's slots) and a bounded number in all.
	#[test]
	fn finding_12_one_service_per_provider_and_model_root() {
		execute(|| {
			let id = service(1);
			let s = Services::<Test>::get(id).unwrap();
			assert_eq!(s.provider, 1);
			assert_eq!(s.model.as_slice(), b"zg-tiny-gpt");
			assert_eq!(
				(s.input_price, s.output_price, s.max_concurrency, s.max_tokens),
				(2, 5, 2, 100)
			);
			assert!(s.verifiable);
			assert_eq!(ProviderServices::<Test>::get(1).into_inner(), vec![id]);
			assert_eq!(ProviderModels::<Test>::get(1, MODEL), Some(id));
			assert_eq!(VerifierPoolSize::<Test>::get(MODEL), 1);
			assert_eq!(VerifierPool::<Test>::get(MODEL, 0), Some(id));
			assert_eq!(
				compute_events(),
				vec![Event::ServiceRegistered { id, provider: 1, model: b"zg-tiny-gpt".to_vec() }]
			);
			// A forwarded service is listed, but verifies nothing.
			let f = forwarded_service(2, MODEL);
			assert_eq!(Services::<Test>::get(f).unwrap().pool_index, None);
			assert_eq!(VerifierPoolSize::<Test>::get(MODEL), 1);
		});
	}

	#[test]
	fn register_refuses_bad_input() {
		execute(|| {
			let reg = |who, model: &[u8], root: H256, endpoint: Vec<u8>, concurrency, tokens| {
				Compute::register_service(
					RuntimeOrigin::signed(who),
					ServiceKind::Inference,
					model.to_vec(),
					root,
					1,
					1,
					endpoint,
					vec![],
					concurrency,
					tokens,
					true,
				)
			};
			let r = |b| H256::repeat_byte(b);
			assert_noop!(reg(ALICE, b"m", r(1), vec![], 1, 10), Error::<Test>::NotEligible);
			assert_noop!(reg(1, b"", r(1), vec![], 1, 10), Error::<Test>::BadModel);
			assert_noop!(reg(1, &[b'm'; 33], r(1), vec![], 1, 10), Error::<Test>::BadModel);
			assert_noop!(reg(1, b"m", r(1), vec![b'u'; 65], 1, 10), Error::<Test>::TooLong);
			assert_noop!(reg(1, b"m", r(1), vec![], 0, 10), Error::<Test>::BadConcurrency);
			assert_noop!(reg(1, b"m", r(1), vec![], 5, 10), Error::<Test>::BadConcurrency);
			assert_noop!(reg(1, b"m", r(1), vec![], 1, 0), Error::<Test>::BadMaxTokens);
			assert_noop!(reg(1, b"m", r(1), vec![], 1, 1001), Error::<Test>::BadMaxTokens);
			assert_ok!(reg(1, b"m", r(1), vec![], 1, 10));
			assert_noop!(reg(1, b"m", r(1), vec![], 1, 10), Error::<Test>::DuplicateService);
			assert_ok!(reg(1, b"m", r(2), vec![], 1, 10));
			assert_noop!(reg(1, b"m", r(3), vec![], 1, 10), Error::<Test>::TooManyServices);
		});
	}

	#[test]
	fn update_and_remove_belong_to_the_owner() {
		execute(|| {
			let id = service(1);
			let other = service(2);
			let update = |who, id| {
				Compute::update_service(
					RuntimeOrigin::signed(who),
					id,
					3,
					7,
					b"http://new".to_vec(),
					b"h100".to_vec(),
					4,
					50,
				)
			};
			assert_noop!(update(2, id), Error::<Test>::NotServiceOwner);
			assert_noop!(update(1, 99), Error::<Test>::UnknownService);
			assert_ok!(update(1, id));
			let s = Services::<Test>::get(id).unwrap();
			assert_eq!(
				(s.input_price, s.output_price, s.max_concurrency, s.max_tokens),
				(3, 7, 4, 50)
			);
			assert_eq!(s.endpoint.as_slice(), b"http://new");

			assert_ok!(Compute::deposit(RuntimeOrigin::signed(ALICE), 1_000));
			assert_ok!(Compute::submit_job(
				RuntimeOrigin::signed(ALICE),
				id,
				prompt("hi"),
				50,
				1_000
			));
			let j = 0;
			assert_noop!(
				Compute::remove_service(RuntimeOrigin::signed(2), id),
				Error::<Test>::NotServiceOwner
			);
			assert_noop!(
				Compute::remove_service(RuntimeOrigin::signed(1), id),
				Error::<Test>::ServiceHasJobs
			);
			assert_ok!(report(j, output("out", 1, 1)));
			assert_ok!(Compute::remove_service(RuntimeOrigin::signed(1), id));
			assert!(Services::<Test>::get(id).is_none());
			assert!(ProviderServices::<Test>::get(1).is_empty());
			assert!(ProviderModels::<Test>::get(1, MODEL).is_none());
			// The pool keeps the other service, moved to the freed position.
			assert_eq!(VerifierPoolSize::<Test>::get(MODEL), 1);
			assert_eq!(VerifierPool::<Test>::get(MODEL, 0), Some(other));
			assert_eq!(Services::<Test>::get(other).unwrap().pool_index, Some(0));
			// The answered job still settles with the prices it was submitted at.
			let before = free(1);
			run_to(1 + 10);
			assert_eq!(free(1) - before, 3 + 7);
		});
	}

	/// Finding 12: discovery goes through an index by model and comes in pages; a model's
	/// slots cannot be squatted (one service per provider and root, and no limit per model).
	#[test]
	fn finding_12_discovery_is_indexed_by_model_and_paged() {
		execute(|| {
			for p in 1..=PROVIDERS {
				service(p);
			}
			let other = service_with(1, H256::repeat_byte(1), ServiceKind::Agent, 1, 1, 1);
			let page = |model: Option<&[u8]>, start, limit| {
				Compute::services_view(model.map(|m| m.to_vec()), None, None, start, limit)
			};
			let first = page(Some(b"zg-tiny-gpt"), None, 2);
			assert_eq!(first.services.len(), 2);
			let second = page(Some(b"zg-tiny-gpt"), first.next, 2);
			let third = page(Some(b"zg-tiny-gpt"), second.next, 2);
			let mut all: Vec<u64> = first
				.services
				.iter()
				.chain(&second.services)
				.chain(&third.services)
				.map(|s| s.id)
				.collect();
			assert_eq!(third.next, None);
			all.sort();
			// `other` has the same model id (another root): it is in the same index.
			assert_eq!(all, vec![0, 1, 2, 3, 4, other]);
			assert_eq!(page(Some(b"zg-tiny-gpt"), None, 100).services.len(), 6);
			assert!(page(Some(b"none"), None, 100).services.is_empty());
			assert_eq!(page(None, None, 100).services.len(), 6);
			let cheap = Compute::services_view(None, Some(1), None, None, 100);
			assert_eq!(cheap.services.iter().map(|s| s.id).collect::<Vec<_>>(), vec![other]);
			// The verifier pool of a root grows with its providers, without a cap.
			assert_eq!(VerifierPoolSize::<Test>::get(MODEL), 5);
		});
	}
}

mod ledgers {
	use super::*;

	#[test]
	fn deposit_allocate_refund_and_withdraw() {
		execute(|| {
			service(1);
			assert_ok!(Compute::deposit(RuntimeOrigin::signed(ALICE), 1_000));
			assert_eq!((ledger(ALICE), escrow_balance()), (1_000, 1_000));
			assert_ok!(Compute::allocate(RuntimeOrigin::signed(ALICE), 1, 600));
			assert_eq!((ledger(ALICE), Allocations::<Test>::get(ALICE, 1)), (400, 600));
			assert_noop!(
				Compute::allocate(RuntimeOrigin::signed(ALICE), 2, 1),
				Error::<Test>::NotAProvider
			);
			assert_noop!(
				Compute::allocate(RuntimeOrigin::signed(ALICE), 1, 401),
				Error::<Test>::LedgerTooLow
			);
			assert_ok!(Compute::request_refund(RuntimeOrigin::signed(ALICE), Some(1), 100));
			assert_noop!(
				Compute::request_refund(RuntimeOrigin::signed(ALICE), None, 100),
				Error::<Test>::RefundPending
			);
			assert_noop!(
				Compute::withdraw(RuntimeOrigin::signed(ALICE)),
				Error::<Test>::RefundLocked
			);
			run_to(21);
			let before = free(ALICE);
			assert_ok!(Compute::withdraw(RuntimeOrigin::signed(ALICE)));
			assert_eq!(free(ALICE) - before, 100);
			assert_noop!(Compute::withdraw(RuntimeOrigin::signed(ALICE)), Error::<Test>::NoRefund);
			assert_noop!(
				Compute::deposit(RuntimeOrigin::signed(ALICE), 0),
				Error::<Test>::ZeroAmount
			);
		});
	}

	/// Finding 8: a provider settles only what the user signed, never beyond the cap, and from
	/// a refund only while its lock runs.
	#[test]
	fn finding_8_usage_is_settled_only_under_a_signed_capability() {
		execute(|| {
			service(1);
			service(2);
			assert_ok!(Compute::deposit(RuntimeOrigin::signed(ALICE), 10_000));
			assert_ok!(Compute::allocate(RuntimeOrigin::signed(ALICE), 1, 10_000));
			let settle =
				|who, c: &SpendingCapability<AccountId, BlockNumber>, s: &TestSignature, amount| {
					Compute::settle_usage(RuntimeOrigin::signed(who), c.clone(), s.clone(), amount)
				};
			let (cap, sig) = capability(ALICE, 1, 300, 100, 1);
			// The allocation is 10 000, but the user consented to 300.
			assert_ok!(settle(1, &cap, &sig, 200));
			assert_noop!(settle(1, &cap, &sig, 101), Error::<Test>::CapExceeded);
			assert_ok!(settle(1, &cap, &sig, 100));
			assert_eq!(Capabilities::<Test>::get((ALICE, 1), 1).unwrap().settled, 300);
			assert!(compute_events().contains(&Event::UsageSettled {
				user: ALICE,
				provider: 1,
				nonce: 1,
				amount: 100,
				settled: 300
			}));
			// Forged: signed by someone else, or the terms changed after signing.
			let (other, _) = capability(ALICE, 1, 300, 100, 2);
			let forged = TestSignature(BOB, other.signing_payload());
			assert_noop!(settle(1, &other, &forged, 1), Error::<Test>::BadSignature);
			let mut raised = other.clone();
			let (_, good) = capability(ALICE, 1, 300, 100, 2);
			raised.cap = 10_000;
			assert_noop!(settle(1, &raised, &good, 1), Error::<Test>::BadSignature);
			// Another provider's capability, another chain's, an expired one, one too long.
			assert_noop!(settle(2, &other, &good, 1), Error::<Test>::NotCapabilityProvider);
			let mut wrong_chain = other.clone();
			wrong_chain.genesis = H256::repeat_byte(9);
			let sig_wrong_chain = TestSignature(ALICE, wrong_chain.signing_payload());
			assert_noop!(settle(1, &wrong_chain, &sig_wrong_chain, 1), Error::<Test>::WrongChain);
			let (long, long_sig) = capability(ALICE, 1, 300, 5_000, 3);
			assert_noop!(settle(1, &long, &long_sig, 1), Error::<Test>::CapabilityTooLong);
			// The same nonce with other terms.
			let (again, again_sig) = capability(ALICE, 1, 900, 100, 1);
			assert_noop!(settle(1, &again, &again_sig, 1), Error::<Test>::NonceReused);
			assert_noop!(settle(1, &cap, &sig, 0), Error::<Test>::ZeroAmount);
			run_to(100);
			assert_noop!(settle(1, &other, &good, 1), Error::<Test>::CapabilityExpired);
			// The record is dropped at expiry: it cannot be settled any more anyway.
			assert!(Capabilities::<Test>::get((ALICE, 1), 1).is_none());
			assert_eq!(Allocations::<Test>::get(ALICE, 1), 10_000 - 300);
		});
	}

	/// Finding 8: settlement may take from a refunded allocation only while its lock runs.
	#[test]
	fn finding_8_a_refund_is_settled_from_only_during_its_lock() {
		execute(|| {
			service(1);
			assert_ok!(Compute::deposit(RuntimeOrigin::signed(ALICE), 1_000));
			assert_ok!(Compute::allocate(RuntimeOrigin::signed(ALICE), 1, 1_000));
			assert_ok!(Compute::request_refund(RuntimeOrigin::signed(ALICE), Some(1), 1_000));
			let (cap, sig) = capability(ALICE, 1, 1_000, 500, 1);
			assert_ok!(Compute::settle_usage(
				RuntimeOrigin::signed(1),
				cap.clone(),
				sig.clone(),
				100
			));
			assert_eq!(Refunds::<Test>::get(ALICE).unwrap().amount, 900);
			run_to(21);
			assert_noop!(
				Compute::settle_usage(RuntimeOrigin::signed(1), cap, sig, 100),
				Error::<Test>::AllocationTooLow
			);
			let before = free(ALICE);
			assert_ok!(Compute::withdraw(RuntimeOrigin::signed(ALICE)));
			assert_eq!(free(ALICE) - before, 900);
		});
	}
}

mod jobs {
	use super::*;

	#[test]
	fn a_job_escrows_its_max_fee_and_pays_a_submission_fee() {
		execute(|| {
			let s = service(1);
			let treasury = free(TREASURY);
			let before = free(ALICE);
			let j = job(ALICE, s);
			assert_eq!(before - free(ALICE), 1_000 + JOB_FEE);
			assert_eq!(free(TREASURY) - treasury, JOB_FEE);
			assert_eq!((ledger(ALICE), escrow_balance()), (0, 1_000));
			let job = Jobs::<Test>::get(j).unwrap();
			assert_eq!((job.input_bound, job.held, job.due), (4, 1_000, 6));
			assert!(compute_events().contains(&Event::JobSubmitted {
				job: j,
				service: s,
				user: ALICE,
				provider: 1,
				max_fee: 1_000,
				submission_fee: JOB_FEE
			}));
			// Answered: usage × prices, the rest back to the ledger; paid after the window.
			assert_ok!(report(j, output("out", 3, 7)));
			assert_eq!(ledger(ALICE), 1_000 - 41);
			let provider = free(1);
			run_to(1 + 10);
			assert_eq!(free(1) - provider, 41);
			assert!(Jobs::<Test>::get(j).is_none());
			assert_eq!(Stats::<Test>::get(1).completed, 1);
		});
	}

	/// Finding 10: input tokens are bounded by the input's bytes, and the smallest max fee
	/// counts that bound.
	#[test]
	fn finding_10_input_tokens_are_bounded_and_priced_into_the_max_fee() {
		execute(|| {
			let s = service(1);
			assert_ok!(Compute::deposit(RuntimeOrigin::signed(ALICE), 10_000));
			// 100 output tokens × 5 + (10 bytes + 2) × 2 = 524.
			let text = prompt("0123456789");
			assert_noop!(
				Compute::submit_job(RuntimeOrigin::signed(ALICE), s, text.clone(), 100, 523),
				Error::<Test>::FeeBelowUsage
			);
			assert_ok!(Compute::submit_job(RuntimeOrigin::signed(ALICE), s, text, 100, 5_000));
			// A provider cannot claim more input tokens than the bytes allow.
			assert_noop!(report(0, output("x", 13, 1)), Error::<Test>::TooManyInputTokens);
			assert_noop!(report(0, output("x", 12, 101)), Error::<Test>::TooManyTokens);
			assert_ok!(report(0, output("x", 12, 100)));
			assert_eq!(Jobs::<Test>::get(0).unwrap().held, 524);
		});
	}

	/// Finding 9: a stored input must be stored and small enough at submission; a refusal is
	/// paid the refusal fee and slashes nobody; a job can ask only what the service answers.
	#[test]
	fn finding_9_inputs_are_checked_and_refusals_slash_nobody() {
		execute(|| {
			let s = service(1);
			assert_ok!(Compute::deposit(RuntimeOrigin::signed(ALICE), 100_000));
			let submit = |input, tokens, fee| {
				Compute::submit_job(RuntimeOrigin::signed(ALICE), s, input, tokens, fee)
			};
			let missing = H256::repeat_byte(1);
			assert_noop!(
				submit(JobInput::Stored(missing), 10, 100_000),
				Error::<Test>::InputNotStored
			);
			// A file that would expire before the job's result could be disputed and decided is
			// refused: verifiers would find it gone and refuse what the provider ran.
			let short = H256::repeat_byte(3);
			let needed = Compute::input_needed_until(1);
			StoredFiles::set(vec![
				(missing, 20_000, 1_000),
				(H256::repeat_byte(2), 1_000, needed + 1),
				(short, 1_000, needed),
			]);
			assert_noop!(
				submit(JobInput::Stored(short), 10, 100_000),
				Error::<Test>::InputNotStored
			);
			assert_noop!(
				submit(JobInput::Stored(missing), 10, 100_000),
				Error::<Test>::InputTooLarge
			);
			assert_noop!(submit(prompt("hi"), 101, 100_000), Error::<Test>::BadMaxTokens);
			assert_ok!(submit(JobInput::Stored(H256::repeat_byte(2)), 10, 100_000));
			assert_eq!(Jobs::<Test>::get(0).unwrap().input_bound, 1_002);
			// The engine refuses the job: the refusal fee is paid, nothing is slashed.
			assert_ok!(report(0, JobOutcome::Refused(Refusal::ContextTooLong)));
			assert_eq!(ledger(ALICE), 100_000 - REFUSAL_FEE);
			let before = free(1);
			run_to(1 + 10);
			assert_eq!(free(1) - before, REFUSAL_FEE);
			assert_eq!(bond(1), PROVIDER_BOND);
			StoredFiles::set(vec![]);
		});
	}

	/// Finding 12: one provider cannot take more jobs than it can answer in time, over all its
	/// services.
	#[test]
	fn finding_12_a_provider_holds_a_bounded_number_of_open_jobs() {
		execute(|| {
			let a = service_with(1, MODEL, ServiceKind::Inference, 2, 5, 4);
			let b = service_with(1, H256::repeat_byte(1), ServiceKind::Inference, 2, 5, 4);
			assert_ok!(Compute::deposit(RuntimeOrigin::signed(ALICE), 100_000));
			let submit =
				|s| Compute::submit_job(RuntimeOrigin::signed(ALICE), s, prompt("hi"), 10, 1_000);
			for _ in 0..4 {
				assert_ok!(submit(a));
			}
			assert_noop!(submit(a), Error::<Test>::ServiceBusy);
			assert_ok!(submit(b));
			assert_ok!(submit(b));
			assert_noop!(submit(b), Error::<Test>::ProviderBusy);
			assert_eq!(OpenJobs::<Test>::get(1), 6);
		});
	}

	#[test]
	fn an_unanswered_job_is_refunded_and_slashed() {
		execute(|| {
			let s = service(1);
			let j = job(ALICE, s);
			run_to(6);
			assert!(Jobs::<Test>::get(j).is_none());
			assert_eq!(ledger(ALICE), 1_000);
			assert_eq!(bond(1), PROVIDER_BOND - PROVIDER_BOND / 100);
			assert!(compute_events().contains(&Event::JobExpired {
				job: j,
				provider: 1,
				refunded: 1_000,
				slashed: PROVIDER_BOND / 100
			}));
			assert_eq!(Stats::<Test>::get(1).missed, 1);
		});
	}

	#[test]
	fn batched_results_are_all_or_nothing() {
		execute(|| {
			let s = service(1);
			let (a, b) = (job(ALICE, s), job(ALICE, s));
			let batch = |list: Vec<JobReport>| {
				Compute::submit_results(RuntimeOrigin::signed(1), list.try_into().unwrap())
			};
			let ok = |job| JobReport { job, outcome: output("o", 1, 1), output_root: None };
			let bad = JobReport { job: b, outcome: output("o", 1, 101), output_root: None };
			assert_noop!(batch(vec![ok(a), bad]), Error::<Test>::TooManyTokens);
			assert_noop!(batch(vec![ok(a), ok(a)]), Error::<Test>::Duplicate);
			assert_noop!(batch(vec![ok(a), ok(99)]), Error::<Test>::UnknownJob);
			assert_noop!(batch(vec![]), Error::<Test>::EmptyBatch);
			assert_noop!(
				Compute::submit_results(RuntimeOrigin::signed(2), vec![ok(a)].try_into().unwrap()),
				Error::<Test>::NotJobProvider
			);
			assert_ok!(batch(vec![ok(a), ok(b)]));
			assert_noop!(batch(vec![ok(a)]), Error::<Test>::AlreadyAnswered);
			// Past the deadline, even before the deadline is processed.
			let c = job(ALICE, s);
			DeadlineWeight::set(Weight::zero());
			run_to(System::block_number() + 6);
			assert_noop!(batch(vec![ok(c)]), Error::<Test>::TooLate);
			DeadlineWeight::set(Weight::from_parts(u64::MAX / 4, u64::MAX / 4));
		});
	}

	/// A provider with jobs to answer or settle cannot take its role bond back.
	#[test]
	fn open_jobs_hold_the_role_bond() {
		execute(|| {
			let s = service(1);
			let j = job(ALICE, s);
			assert_ok!(Staking::unregister_role(RuntimeOrigin::signed(1), Role::ComputeProvider));
			pallet_zg_staking::ActiveEra::<Test>::put(pallet_zg_staking::ActiveEraInfo {
				index: 100,
				start: None,
			});
			assert_noop!(
				Staking::withdraw_unbonded(RuntimeOrigin::signed(1)),
				pallet_zg_staking::Error::<Test>::RoleHasObligations
			);
			assert_ok!(report(j, output("o", 1, 1)));
			assert_noop!(
				Staking::withdraw_unbonded(RuntimeOrigin::signed(1)),
				pallet_zg_staking::Error::<Test>::RoleHasObligations
			);
			run_to(1 + 10);
			assert_ok!(Staking::withdraw_unbonded(RuntimeOrigin::signed(1)));
		});
	}
}

mod disputes {
	use super::*;

	/// Finding 10: the verifiers are drawn from randomness of blocks after the challenge, so
	/// the challenger cannot time its challenge to pick them.
	#[test]
	fn finding_10_verifiers_are_drawn_from_randomness_after_the_challenge() {
		let draw = |noise: u64, until: BlockNumber| {
			let mut out = vec![];
			new_test_ext().execute_with(|| {
				let j = answered_job(output("out", 3, 7));
				assert_ok!(Compute::challenge(RuntimeOrigin::signed(BOB), j));
				assert!(Disputes::<Test>::get(j).unwrap().verifiers.is_empty());
				RandomSeed::set(noise);
				run_to(until);
				RandomSeed::set(0);
				// Challenged in block 1: drawn in block 4 from the outputs of blocks 2 and 3.
				run_to(4);
				out = Disputes::<Test>::get(j).unwrap().verifiers.into_inner();
			});
			out
		};
		let plain = draw(0, 1);
		assert_eq!(plain.len(), 3);
		assert!(plain.iter().all(|v| (2..=PROVIDERS).contains(v)));
		// What was recorded up to the challenge block does not matter...
		for noise in 1..6 {
			assert_eq!(draw(noise, 2), plain);
		}
		// ...the blocks after it decide.
		assert!((1..12).any(|noise| draw(noise, 4) != plain));
	}

	/// Finding 10: one dishonest verifier of three cannot overturn an honest result; it is
	/// slashed, the honest ones are paid from the challenger's deposit.
	#[test]
	fn finding_10_one_dishonest_verifier_of_three_cannot_overturn() {
		execute(|| {
			let honest = output("out", 3, 7);
			let j = answered_job(honest);
			let challenger = free(BOB);
			let verifiers = disputed(j);
			assert_eq!(challenger - free(BOB), MIN_DEPOSIT);
			let provider = free(1);
			let [a, b, liar] = [verifiers[0], verifiers[1], verifiers[2]];
			let (fa, fb) = (free(a), free(b));
			assert_ok!(vote(a, j, honest));
			assert_ok!(vote(liar, j, output("other", 3, 7)));
			assert_ok!(vote(b, j, honest));
			let events = compute_events();
			assert!(events.contains(&Event::DisputeResolved {
				job: j,
				verdict: Verdict::Upheld,
				votes_for: 2,
				votes_against: 1,
				slashed: 0
			}));
			// Half the deposit pays the two honest verifiers, the rest and the fee the provider.
			let share = MIN_DEPOSIT / 2 / 2;
			assert_eq!((free(a) - fa, free(b) - fb), (share, share));
			assert_eq!(free(1) - provider, 41 + MIN_DEPOSIT - 2 * share);
			assert_eq!(bond(liar), PROVIDER_BOND - PROVIDER_BOND / 100);
			assert_eq!(bond(1), PROVIDER_BOND);
			assert!(events.contains(&Event::VerifierPenalized {
				job: j,
				verifier: liar,
				slashed: PROVIDER_BOND / 100
			}));
		});
	}

	/// Finding 10: one vote against and abstentions cannot overturn; the absent verifiers are
	/// slashed and the challenger gets its deposit back.
	#[test]
	fn finding_10_one_vote_against_and_abstentions_do_not_overturn() {
		execute(|| {
			let j = answered_job(output("out", 3, 7));
			let before = free(BOB);
			let verifiers = disputed(j);
			assert_ok!(vote(verifiers[0], j, output("other", 3, 7)));
			let vote_by = Jobs::<Test>::get(j).unwrap().due;
			let provider = free(1);
			run_to(vote_by);
			assert!(compute_events().contains(&Event::DisputeResolved {
				job: j,
				verdict: Verdict::Inconclusive,
				votes_for: 0,
				votes_against: 1,
				slashed: 0
			}));
			assert_eq!(free(BOB), before);
			assert_eq!(free(1) - provider, 41);
			assert_eq!(bond(verifiers[0]), PROVIDER_BOND);
			for v in &verifiers[1..] {
				assert_eq!(bond(*v), PROVIDER_BOND - PROVIDER_BOND / 100);
			}
		});
	}

	/// Review of the fix: a user cannot get an honest answer overturned by ending its stored
	/// input early (say, by proving its own file inconsistent) so that the verifiers find it
	/// gone. Votes that the input is missing decide nothing; nobody is slashed.
	#[test]
	fn a_stored_input_that_vanished_does_not_overturn() {
		execute(|| {
			let s = service(1);
			for p in 2..=PROVIDERS {
				service(p);
			}
			let root = H256::repeat_byte(2);
			StoredFiles::set(vec![(root, 1_000, Compute::input_needed_until(1) + 1)]);
			assert_ok!(Compute::deposit(RuntimeOrigin::signed(ALICE), 100_000));
			let j = NextJobId::<Test>::get();
			assert_ok!(Compute::submit_job(
				RuntimeOrigin::signed(ALICE),
				s,
				JobInput::Stored(root),
				10,
				100_000
			));
			assert_ok!(report(j, output("out", 3, 7)));
			let held = Jobs::<Test>::get(j).unwrap().held;
			let (provider, challenger) = (free(1), free(BOB));
			let verifiers = disputed(j);
			StoredFiles::set(vec![]);
			for v in &verifiers {
				assert_ok!(vote(*v, j, JobOutcome::Refused(Refusal::InputMissing)));
			}
			assert!(compute_events().contains(&Event::DisputeResolved {
				job: j,
				verdict: Verdict::Inconclusive,
				votes_for: 0,
				votes_against: 3,
				slashed: 0
			}));
			assert_eq!(bond(1), PROVIDER_BOND);
			assert_eq!(free(1) - provider, held);
			assert_eq!(free(BOB), challenger);
			for v in &verifiers {
				assert_eq!(bond(*v), PROVIDER_BOND);
			}
		});
	}

	/// Two thirds against the provider overturn its result: it is slashed, the user refunded,
	/// and the reporter share pays the challenger and the majority.
	#[test]
	fn two_thirds_against_overturn() {
		execute(|| {
			let j = answered_job(output("wrong", 3, 7));
			let before = free(BOB);
			let verifiers = disputed(j);
			let truth = output("out", 3, 7);
			let fv: Vec<Balance> = verifiers.iter().map(|v| free(*v)).collect();
			assert_ok!(vote(verifiers[0], j, truth));
			assert_ok!(vote(verifiers[1], j, truth));
			assert_ok!(vote(verifiers[2], j, output("wrong", 3, 7)));
			let slash = PROVIDER_BOND / 10;
			assert!(compute_events().contains(&Event::DisputeResolved {
				job: j,
				verdict: Verdict::Overturned,
				votes_for: 1,
				votes_against: 2,
				slashed: slash
			}));
			assert_eq!(bond(1), PROVIDER_BOND - slash);
			// The reporter's 10 % of the slash: half to the two majority verifiers.
			let pot = slash / 10;
			assert_eq!(free(verifiers[0]) - fv[0], pot / 4);
			assert_eq!(free(verifiers[1]) - fv[1], pot / 4);
			assert_eq!(free(BOB) - before, pot - 2 * (pot / 4));
			assert_eq!(bond(verifiers[2]), PROVIDER_BOND - PROVIDER_BOND / 100);
			assert_eq!(ledger(ALICE), 1_000);
			assert_eq!(Stats::<Test>::get(1).disputes_lost, 1);
		});
	}

	/// A refusal is verified like an output: a provider that refuses a job it could run loses.
	#[test]
	fn a_false_refusal_is_overturned() {
		execute(|| {
			let j = answered_job(JobOutcome::Refused(Refusal::ContextTooLong));
			let verifiers = disputed(j);
			for v in &verifiers[..2] {
				assert_ok!(vote(*v, j, output("out", 3, 7)));
			}
			assert_ok!(vote(verifiers[2], j, JobOutcome::Refused(Refusal::ContextTooLong)));
			assert!(compute_events()
				.iter()
				.any(|e| matches!(e, Event::DisputeResolved { verdict: Verdict::Overturned, .. })));
		});
	}

	/// Finding 10 and 11: the deposit scales with the fee; forwarded services cannot be
	/// challenged; bad challenges change nothing.
	#[test]
	fn finding_11_forwarded_results_cannot_be_challenged() {
		execute(|| {
			assert_eq!(Compute::dispute_deposit(41), MIN_DEPOSIT);
			assert_eq!(Compute::dispute_deposit(ZG), 10 * ZG);
			let s = service(1);
			let f = forwarded_service(2, MODEL);
			let lone = job(ALICE, s);
			assert_noop!(
				Compute::challenge(RuntimeOrigin::signed(BOB), lone),
				Error::<Test>::NotAnswered
			);
			assert_ok!(report(lone, output("o", 1, 1)));
			// Findings 10 and 12: with fewer other verifiable providers than verifiers per
			// dispute, a dispute could be decided by a provider's own sybil: refused.
			service(3);
			service(4);
			assert_noop!(
				Compute::challenge(RuntimeOrigin::signed(BOB), lone),
				Error::<Test>::NoVerifiers
			);
			service(5);
			assert_noop!(
				Compute::challenge(RuntimeOrigin::signed(1), lone),
				Error::<Test>::OwnResult
			);
			assert_noop!(
				Compute::challenge(RuntimeOrigin::signed(BOB), 99),
				Error::<Test>::UnknownJob
			);
			let forwarded = job(ALICE, f);
			assert_ok!(report(forwarded, output("o", 1, 1)));
			assert_noop!(
				Compute::challenge(RuntimeOrigin::signed(BOB), forwarded),
				Error::<Test>::NotVerifiable
			);
			assert_ok!(Compute::challenge(RuntimeOrigin::signed(BOB), lone));
			assert_noop!(
				Compute::challenge(RuntimeOrigin::signed(ALICE), lone),
				Error::<Test>::AlreadyDisputed
			);
			let late = job(ALICE, s);
			assert_ok!(report(late, output("o", 1, 1)));
			// Closed at the end of the window, even before the settlement is processed.
			DeadlineWeight::set(Weight::zero());
			run_to(System::block_number() + 10);
			assert_noop!(
				Compute::challenge(RuntimeOrigin::signed(BOB), late),
				Error::<Test>::WindowClosed
			);
			DeadlineWeight::set(Weight::from_parts(u64::MAX / 4, u64::MAX / 4));
		});
	}

	#[test]
	fn votes_are_checked_and_all_or_nothing() {
		execute(|| {
			let j = answered_job(output("out", 3, 7));
			assert_ok!(Compute::challenge(RuntimeOrigin::signed(BOB), j));
			assert_noop!(vote(2, j, output("out", 3, 7)), Error::<Test>::NoDispute);
			let draw_at = Jobs::<Test>::get(j).unwrap().due;
			run_to(draw_at);
			let verifiers = Disputes::<Test>::get(j).unwrap().verifiers;
			let outsider = (2..=PROVIDERS).find(|p| !verifiers.contains(p)).unwrap();
			assert_noop!(vote(outsider, j, output("out", 3, 7)), Error::<Test>::NotVerifier);
			assert_noop!(vote(verifiers[0], 99, output("out", 3, 7)), Error::<Test>::NoDispute);
			let v = verifiers[0];
			assert_noop!(
				Compute::submit_votes(
					RuntimeOrigin::signed(v),
					vec![(j, output("out", 3, 7)), (99, output("out", 3, 7))].try_into().unwrap()
				),
				Error::<Test>::NoDispute
			);
			assert_noop!(
				Compute::submit_votes(
					RuntimeOrigin::signed(v),
					vec![(j, output("out", 3, 7)), (j, output("out", 3, 7))].try_into().unwrap()
				),
				Error::<Test>::Duplicate
			);
			assert_ok!(vote(v, j, output("out", 3, 7)));
			assert_noop!(vote(v, j, output("out", 3, 7)), Error::<Test>::AlreadyVoted);
		});
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
	use zg_primitives::compute::{RunInput, RunRequest, RunResult};

	type State = std::sync::Arc<parking_lot::RwLock<sp_core::offchain::testing::OffchainState>>;
	type Pool = std::sync::Arc<parking_lot::RwLock<sp_core::offchain::testing::PoolState>>;

	/// The worker answers `request` with `response` (status 200: the test extension cannot
	/// answer 202 or 503, so a body that is not a `RunResult` stands for "not ready").
	fn expect_run(state: &State, request: RunRequest, response: Vec<u8>) {
		state.write().expect_request(PendingRequest {
			method: "POST".into(),
			uri: "http://127.0.0.1:8800/compute/run".into(),
			headers: vec![("content-type".into(), "application/octet-stream".into())],
			body: request.encode(),
			response: Some(response),
			sent: true,
			..Default::default()
		});
	}

	fn with_offchain(test: impl FnOnce(State, Pool)) {
		let mut ext = new_test_ext();
		let (offchain, state) = TestOffchainExt::new();
		let (pool, pool_state) = TestTransactionPoolExt::new();
		ext.register_extension(OffchainDbExt::new(offchain.clone()));
		ext.register_extension(OffchainWorkerExt::new(offchain));
		ext.register_extension(TransactionPoolExt::new(pool));
		ext.execute_with(|| test(state, pool_state));
	}

	fn run_ocw() {
		let n = System::block_number();
		frame_support::storage::with_transaction(|| {
			Compute::offchain_worker(n);
			frame_support::storage::TransactionOutcome::Rollback(Ok::<(), DispatchError>(()))
		})
		.unwrap();
	}

	fn submitted(pool: &Pool) -> Vec<Extrinsic> {
		pool.read().transactions.iter().map(|tx| Extrinsic::decode(&mut &tx[..]).unwrap()).collect()
	}

	fn request(job: JobId, verify: bool) -> RunRequest {
		RunRequest {
			job,
			kind: ServiceKind::Inference,
			model: b"zg-tiny-gpt".to_vec(),
			model_root: MODEL,
			input: RunInput::Inline(b"hi".to_vec()),
			max_tokens: 100,
			verify,
		}
	}

	#[test]
	fn answers_its_jobs_once_they_have_run() {
		with_offchain(|state, pool| {
			let s = service(1);
			let j = job(ALICE, s);
			ProviderKey::set_all_keys(vec![1u64]);
			// No result yet: nothing is submitted, and the job is asked for again next time.
			expect_run(&state, request(j, false), vec![]);
			run_ocw();
			assert!(submitted(&pool).is_empty());
			let result = RunResult { outcome: output("out", 3, 7), output_root: None };
			expect_run(&state, request(j, false), result.encode());
			run_ocw();
			let txs = submitted(&pool);
			assert_eq!(txs.len(), 1);
			let expected = RuntimeCall::Compute(Call::submit_results {
				results: vec![JobReport { job: j, outcome: result.outcome, output_root: None }]
					.try_into()
					.unwrap(),
			});
			assert_eq!(txs[0].function, expected);
			assert_ok!(expected.dispatch(RuntimeOrigin::signed(1)));
		});
	}

	#[test]
	fn votes_come_before_new_work() {
		with_offchain(|state, pool| {
			let j = answered_job(output("out", 3, 7));
			let verifiers = disputed(j);
			let v = verifiers[0];
			// The verifier also has a job of its own to answer.
			let own = job(ALICE, ProviderModels::<Test>::get(v, MODEL).unwrap());
			ProviderKey::set_all_keys(vec![v]);
			let result = RunResult { outcome: output("out", 3, 7), output_root: None };
			expect_run(&state, request(j, true), result.encode());
			run_ocw();
			let txs = submitted(&pool);
			assert_eq!(txs.len(), 1);
			let expected = RuntimeCall::Compute(Call::submit_votes {
				votes: vec![(j, result.outcome)].try_into().unwrap(),
			});
			assert_eq!(txs[0].function, expected);
			assert_ok!(expected.dispatch(RuntimeOrigin::signed(v)));
			let _ = own;
		});
	}
}
