//! Unit tests of the compute pallet: services, ledgers, allocations and refunds, jobs, fees,
//! settlement, expiry and disputes, with exact amounts, and every bad input.

use crate::{mock::*, *};
use frame_support::{assert_noop, assert_ok};
use zg_primitives::compute::output_hash;

fn escrow_balance() -> Balance {
	free(Compute::escrow_account()) - ExistentialDeposit::get()
}

fn answer(job: JobId, text: &str, input_tokens: u32, output_tokens: u32) -> DispatchResult {
	let provider = Jobs::<Test>::get(job).unwrap().provider;
	Compute::submit_result(
		RuntimeOrigin::signed(provider),
		job,
		output_hash(text.as_bytes()),
		None,
		input_tokens,
		output_tokens,
	)
}

mod services {
	use super::*;

	#[test]
	fn register_lists_and_indexes_a_service() {
		execute(|| {
			let id = service(1);
			let s = Services::<Test>::get(id).unwrap();
			assert_eq!(s.provider, 1);
			assert_eq!(s.model.as_slice(), b"zg-tiny-gpt");
			assert_eq!((s.input_price, s.output_price, s.max_concurrency), (2, 5, 2));
			assert_eq!(ProviderServices::<Test>::get(1).into_inner(), vec![id]);
			assert_eq!(ModelServices::<Test>::get(MODEL).into_inner(), vec![id]);
			assert_eq!(
				compute_events(),
				vec![Event::ServiceRegistered { id, provider: 1, model: b"zg-tiny-gpt".to_vec() }]
			);
		});
	}

	#[test]
	fn register_refuses_bad_input() {
		execute(|| {
			let reg = |who, model: &[u8], endpoint: Vec<u8>, concurrency| {
				Compute::register_service(
					RuntimeOrigin::signed(who),
					ServiceKind::Inference,
					model.to_vec(),
					MODEL,
					1,
					1,
					endpoint,
					vec![],
					concurrency,
				)
			};
			assert_noop!(reg(ALICE, b"m", vec![], 1), Error::<Test>::NotEligible);
			assert_noop!(reg(1, b"", vec![], 1), Error::<Test>::BadModel);
			assert_noop!(reg(1, &[b'm'; 33], vec![], 1), Error::<Test>::BadModel);
			assert_noop!(reg(1, b"m", vec![b'u'; 65], 1), Error::<Test>::TooLong);
			assert_noop!(reg(1, b"m", vec![], 0), Error::<Test>::BadConcurrency);
			assert_noop!(reg(1, b"m", vec![], 5), Error::<Test>::BadConcurrency);
			assert_ok!(reg(1, b"m", vec![], 1));
			assert_ok!(reg(1, b"m", vec![], 1));
			assert_noop!(reg(1, b"m", vec![], 1), Error::<Test>::TooManyServices);
		});
	}

	#[test]
	fn update_and_remove_belong_to_the_owner() {
		execute(|| {
			let id = service(1);
			let update = |who, id| {
				Compute::update_service(
					RuntimeOrigin::signed(who),
					id,
					3,
					7,
					b"http://new".to_vec(),
					b"h100".to_vec(),
					4,
				)
			};
			assert_noop!(update(2, id), Error::<Test>::NotServiceOwner);
			assert_noop!(update(1, 99), Error::<Test>::UnknownService);
			assert_ok!(update(1, id));
			let s = Services::<Test>::get(id).unwrap();
			assert_eq!((s.input_price, s.output_price, s.max_concurrency), (3, 7, 4));
			assert_eq!(s.endpoint.as_slice(), b"http://new");

			let job = job(ALICE, id);
			assert_noop!(
				Compute::remove_service(RuntimeOrigin::signed(2), id),
				Error::<Test>::NotServiceOwner
			);
			assert_noop!(
				Compute::remove_service(RuntimeOrigin::signed(1), id),
				Error::<Test>::ServiceHasJobs
			);
			assert_ok!(answer(job, "out", 1, 1));
			assert_ok!(Compute::remove_service(RuntimeOrigin::signed(1), id));
			assert!(Services::<Test>::get(id).is_none());
			assert!(ProviderServices::<Test>::get(1).is_empty());
			assert!(ModelServices::<Test>::get(MODEL).is_empty());
			// The answered job still settles with the prices it was submitted at.
			run_to(1 + 10);
			assert_eq!(free(1), INITIAL - PROVIDER_BOND + 3 + 7);
		});
	}

	#[test]
	fn discovery_filters_by_model_and_price() {
		execute(|| {
			let a = service_with(1, MODEL, ServiceKind::Inference, 2, 5, 1);
			let b = service_with(2, MODEL, ServiceKind::Inference, 1, 9, 1);
			let _c = service_with(3, H256::repeat_byte(1), ServiceKind::Agent, 1, 1, 1);
			let ids = |model: Option<&[u8]>, i, o, limit| {
				Compute::services_view(model.map(|m| m.to_vec()), i, o, limit)
					.into_iter()
					.map(|v| v.id)
					.collect::<Vec<_>>()
			};
			assert_eq!(ids(None, None, None, 10), vec![0, 1, 2]);
			assert_eq!(ids(Some(b"zg-tiny-gpt"), Some(1), None, 10), vec![b, 2]);
			assert_eq!(ids(None, None, Some(5), 10), vec![a, 2]);
			assert_eq!(ids(Some(b"other"), None, None, 10), Vec::<u64>::new());
			assert_eq!(ids(None, None, None, 2), vec![0, 1]);
		});
	}
}

mod ledgers {
	use super::*;

	#[test]
	fn deposit_allocate_refund_and_withdraw() {
		execute(|| {
			service(1);
			assert_noop!(
				Compute::deposit(RuntimeOrigin::signed(ALICE), 0),
				Error::<Test>::ZeroAmount
			);
			assert_ok!(Compute::deposit(RuntimeOrigin::signed(ALICE), 10 * ZG));
			assert_eq!(free(ALICE), INITIAL - 10 * ZG);
			assert_eq!(ledger(ALICE), 10 * ZG);
			assert_eq!(escrow_balance(), 10 * ZG);

			assert_noop!(
				Compute::allocate(RuntimeOrigin::signed(ALICE), 2, ZG),
				Error::<Test>::NotAProvider
			);
			assert_noop!(
				Compute::allocate(RuntimeOrigin::signed(ALICE), 1, 11 * ZG),
				Error::<Test>::LedgerTooLow
			);
			assert_ok!(Compute::allocate(RuntimeOrigin::signed(ALICE), 1, 4 * ZG));
			assert_eq!((ledger(ALICE), Allocations::<Test>::get(ALICE, 1)), (6 * ZG, 4 * ZG));

			// Free ledger funds: locked for RefundLock (20) blocks.
			assert_ok!(Compute::request_refund(RuntimeOrigin::signed(ALICE), None, 6 * ZG));
			assert!(Ledgers::<Test>::get(ALICE).is_none());
			assert_noop!(
				Compute::request_refund(RuntimeOrigin::signed(ALICE), Some(1), ZG),
				Error::<Test>::RefundPending
			);
			run_to(20);
			assert_noop!(
				Compute::withdraw(RuntimeOrigin::signed(ALICE)),
				Error::<Test>::RefundLocked
			);
			run_to(21);
			assert_ok!(Compute::withdraw(RuntimeOrigin::signed(ALICE)));
			assert_eq!(free(ALICE), INITIAL - 4 * ZG);
			assert_noop!(Compute::withdraw(RuntimeOrigin::signed(ALICE)), Error::<Test>::NoRefund);
			assert_noop!(
				Compute::request_refund(RuntimeOrigin::signed(ALICE), None, 1),
				Error::<Test>::LedgerTooLow
			);
			assert_noop!(
				Compute::request_refund(RuntimeOrigin::signed(ALICE), Some(1), 5 * ZG),
				Error::<Test>::AllocationTooLow
			);
			assert_eq!(escrow_balance(), 4 * ZG);
		});
	}

	#[test]
	fn providers_settle_usage_from_the_allocation_and_a_locked_refund() {
		execute(|| {
			service(1);
			service(2);
			assert_ok!(Compute::deposit(RuntimeOrigin::signed(ALICE), 1_000));
			assert_ok!(Compute::allocate(RuntimeOrigin::signed(ALICE), 1, 600));
			assert_ok!(Compute::settle_usage(RuntimeOrigin::signed(1), ALICE, 100));
			assert_eq!(free(1), INITIAL - PROVIDER_BOND + 100);
			assert_eq!(Allocations::<Test>::get(ALICE, 1), 500);
			// Another provider has no allocation from Alice.
			assert_noop!(
				Compute::settle_usage(RuntimeOrigin::signed(2), ALICE, 1),
				Error::<Test>::AllocationTooLow
			);
			// Alice takes 300 of it back; during the lock the provider may still claim it.
			assert_ok!(Compute::request_refund(RuntimeOrigin::signed(ALICE), Some(1), 300));
			assert_eq!(Allocations::<Test>::get(ALICE, 1), 200);
			assert_noop!(
				Compute::settle_usage(RuntimeOrigin::signed(1), ALICE, 501),
				Error::<Test>::AllocationTooLow
			);
			assert_ok!(Compute::settle_usage(RuntimeOrigin::signed(1), ALICE, 250));
			assert_eq!(free(1), INITIAL - PROVIDER_BOND + 350);
			assert!(!Allocations::<Test>::contains_key(ALICE, 1));
			assert_eq!(Refunds::<Test>::get(ALICE).unwrap().amount, 250);
			run_to(21);
			assert_ok!(Compute::withdraw(RuntimeOrigin::signed(ALICE)));
			assert_eq!(free(ALICE), INITIAL - 1_000 + 250);
			assert_eq!(ledger(ALICE), 400);
			assert_eq!(escrow_balance(), 400);
			assert_noop!(
				Compute::settle_usage(RuntimeOrigin::signed(1), ALICE, 0),
				Error::<Test>::ZeroAmount
			);
		});
	}
}

mod jobs {
	use super::*;

	#[test]
	fn a_job_is_escrowed_answered_refunded_and_settled() {
		execute(|| {
			let s = service(1);
			let j = job(ALICE, s);
			assert_eq!(ledger(ALICE), 0);
			let info = Jobs::<Test>::get(j).unwrap();
			assert_eq!((info.held, info.status, info.due), (1_000, JobStatus::Pending, 1 + 5));
			assert!(ProviderJobs::<Test>::contains_key(1, j));
			assert_eq!(Services::<Test>::get(s).unwrap().active_jobs, 1);

			// 10 input tokens × 2 + 20 output tokens × 5 = 120; 880 back to the ledger.
			run_to(3);
			assert_ok!(answer(j, "the output", 10, 20));
			assert_eq!(ledger(ALICE), 880);
			let info = Jobs::<Test>::get(j).unwrap();
			assert_eq!((info.held, info.status, info.due), (120, JobStatus::Answered, 3 + 10));
			assert_eq!(info.result.unwrap().output_hash, output_hash(b"the output"));
			assert!(!ProviderJobs::<Test>::contains_key(1, j));
			assert_eq!(Services::<Test>::get(s).unwrap().active_jobs, 0);

			run_to(12);
			assert_eq!(free(1), INITIAL - PROVIDER_BOND);
			run_to(13);
			assert_eq!(free(1), INITIAL - PROVIDER_BOND + 120);
			assert!(Jobs::<Test>::get(j).is_none());
			assert_eq!(Stats::<Test>::get(1).completed, 1);
			assert_eq!(escrow_balance(), 880);
			assert_eq!(EscrowTotal::<Test>::get(), 880);
			assert!(compute_events().contains(&Event::JobSettled {
				job: j,
				provider: 1,
				fee: 120
			}));
		});
	}

	#[test]
	fn the_fee_is_capped_by_the_max_fee() {
		execute(|| {
			let s = service(1);
			assert_ok!(Compute::deposit(RuntimeOrigin::signed(ALICE), 600));
			assert_ok!(Compute::submit_job(RuntimeOrigin::signed(ALICE), s, prompt("p"), 100, 600));
			// 100 × 2 + 100 × 5 = 700 > 600.
			assert_ok!(answer(0, "o", 100, 100));
			assert_eq!(Jobs::<Test>::get(0).unwrap().result.unwrap().fee, 600);
			assert_eq!(ledger(ALICE), 0);
			run_to(11);
			assert_eq!(free(1), INITIAL - PROVIDER_BOND + 600);
		});
	}

	#[test]
	fn fine_tuning_costs_its_job_price() {
		execute(|| {
			let s = service_with(1, MODEL, ServiceKind::FineTuning, 400, 0, 1);
			assert_ok!(Compute::deposit(RuntimeOrigin::signed(ALICE), 1_000));
			assert_noop!(
				Compute::submit_job(RuntimeOrigin::signed(ALICE), s, prompt("d"), 1, 399),
				Error::<Test>::FeeBelowUsage
			);
			assert_ok!(Compute::submit_job(RuntimeOrigin::signed(ALICE), s, prompt("d"), 1, 1_000));
			assert_ok!(answer(0, "weights", 50_000, 1));
			assert_eq!(ledger(ALICE), 600);
		});
	}

	#[test]
	fn submit_refuses_bad_input() {
		execute(|| {
			let s = service(1);
			assert_ok!(Compute::deposit(RuntimeOrigin::signed(ALICE), 2_000));
			let submit = |service, tokens, fee| {
				Compute::submit_job(RuntimeOrigin::signed(ALICE), service, prompt("p"), tokens, fee)
			};
			assert_noop!(submit(9, 100, 1_000), Error::<Test>::UnknownService);
			assert_noop!(submit(s, 0, 1_000), Error::<Test>::BadMaxTokens);
			assert_noop!(submit(s, 1_001, 10_000), Error::<Test>::BadMaxTokens);
			// 100 output tokens at 5 need at least 500.
			assert_noop!(submit(s, 100, 499), Error::<Test>::FeeBelowUsage);
			assert_noop!(submit(s, 100, 2_001), Error::<Test>::LedgerTooLow);
			assert_ok!(submit(s, 100, 500));
			assert_ok!(submit(s, 100, 500));
			// Concurrency 2.
			assert_noop!(submit(s, 100, 500), Error::<Test>::ServiceBusy);
			// An input over MaxInputLen does not even decode into a call.
			let long: Result<BoundedVec<u8, <Test as Config>::MaxInputLen>, _> =
				vec![0u8; 257].try_into();
			assert!(long.is_err());
		});
	}

	#[test]
	fn a_provider_without_a_bond_gets_no_jobs() {
		execute(|| {
			let s = service(1);
			assert_ok!(Compute::deposit(RuntimeOrigin::signed(ALICE), 1_000));
			assert_ok!(Staking::unregister_role(RuntimeOrigin::signed(1), Role::ComputeProvider));
			assert_noop!(
				Compute::submit_job(RuntimeOrigin::signed(ALICE), s, prompt("p"), 100, 1_000),
				Error::<Test>::ProviderNotEligible
			);
		});
	}

	#[test]
	fn submit_result_refuses_bad_input() {
		execute(|| {
			let s = service(1);
			let j = job(ALICE, s);
			let result = |who, job, out| {
				Compute::submit_result(RuntimeOrigin::signed(who), job, H256::zero(), None, 1, out)
			};
			assert_noop!(result(1, 7, 1), Error::<Test>::UnknownJob);
			assert_noop!(result(2, j, 1), Error::<Test>::NotJobProvider);
			assert_noop!(result(ALICE, j, 1), Error::<Test>::NotJobProvider);
			assert_noop!(result(1, j, 101), Error::<Test>::TooManyTokens);
			assert_ok!(result(1, j, 100));
			assert_noop!(result(1, j, 1), Error::<Test>::AlreadyAnswered);
		});
	}

	#[test]
	fn prices_are_fixed_when_the_job_is_submitted() {
		execute(|| {
			let s = service(1);
			let j = job(ALICE, s);
			assert_ok!(Compute::update_service(
				RuntimeOrigin::signed(1),
				s,
				1_000,
				1_000,
				vec![],
				vec![],
				2
			));
			assert_ok!(answer(j, "o", 10, 20));
			assert_eq!(Jobs::<Test>::get(j).unwrap().result.unwrap().fee, 120);
		});
	}

	#[test]
	fn an_unanswered_job_is_refunded_and_slashes_the_provider() {
		execute(|| {
			let s = service(1);
			let j = job(ALICE, s);
			run_to(5);
			assert!(Jobs::<Test>::get(j).is_some());
			run_to(6);
			assert!(Jobs::<Test>::get(j).is_none());
			assert_eq!(ledger(ALICE), 1_000);
			assert_eq!(Stats::<Test>::get(1).missed, 1);
			// 1 % of 1 000 0G.
			assert_eq!(bond(1), PROVIDER_BOND - 10 * ZG);
			assert_eq!(free(TREASURY), ExistentialDeposit::get() + 10 * ZG);
			assert_eq!(Services::<Test>::get(s).unwrap().active_jobs, 0);
			assert!(!ProviderJobs::<Test>::contains_key(1, j));
			assert!(compute_events().contains(&Event::JobExpired {
				job: j,
				provider: 1,
				refunded: 1_000,
				slashed: 10 * ZG
			}));
			assert_noop!(answer_as(1, j), Error::<Test>::UnknownJob);
		});
	}

	fn answer_as(who: AccountId, job: JobId) -> DispatchResult {
		Compute::submit_result(RuntimeOrigin::signed(who), job, H256::zero(), None, 1, 1)
	}

	#[test]
	fn full_deadline_queues_spill_over_to_later_blocks() {
		execute(|| {
			let services: Vec<_> = (1..=3).map(service).collect();
			assert_ok!(Compute::deposit(RuntimeOrigin::signed(ALICE), 10_000));
			for i in 0..6 {
				assert_ok!(Compute::submit_job(
					RuntimeOrigin::signed(ALICE),
					services[i % 3],
					prompt("p"),
					1,
					10
				));
			}
			assert_eq!(Deadlines::<Test>::get(6).len(), 4);
			assert_eq!(Deadlines::<Test>::get(7).len(), 2);
			run_to(7);
			assert_eq!(Jobs::<Test>::iter().count(), 0);
			assert_eq!(ledger(ALICE), 10_000);
		});
	}
}

mod disputes {
	use super::*;

	/// Providers 1..=4 serve MODEL; Alice's job runs on provider 1 and is answered with "A".
	fn answered_job() -> JobId {
		let s = service(1);
		for p in 2..=4 {
			service(p);
		}
		let j = job(ALICE, s);
		assert_ok!(answer(j, "A", 10, 20));
		j
	}

	fn verifiers(job: JobId) -> Vec<AccountId> {
		Disputes::<Test>::get(job).unwrap().verifiers.into_inner()
	}

	#[test]
	fn a_challenge_draws_other_providers_of_the_model() {
		execute(|| {
			let j = answered_job();
			assert_ok!(Compute::challenge(RuntimeOrigin::signed(BOB), j));
			let mut v = verifiers(j);
			v.sort();
			assert_eq!(v, vec![2, 3, 4]);
			for p in 2..=4 {
				assert!(VerifierDuties::<Test>::contains_key(p, j));
			}
			assert_eq!(free(BOB), INITIAL - DEPOSIT);
			assert_eq!(Jobs::<Test>::get(j).unwrap().status, JobStatus::Disputed);
		});
	}

	#[test]
	fn challenges_refuse_bad_input() {
		execute(|| {
			let s = service(1);
			service(2);
			let pending = job(ALICE, s);
			assert_noop!(
				Compute::challenge(RuntimeOrigin::signed(BOB), 9),
				Error::<Test>::UnknownJob
			);
			assert_noop!(
				Compute::challenge(RuntimeOrigin::signed(BOB), pending),
				Error::<Test>::NotAnswered
			);
			assert_ok!(answer(pending, "A", 1, 1));
			assert_noop!(
				Compute::challenge(RuntimeOrigin::signed(1), pending),
				Error::<Test>::OwnResult
			);
			// The only other provider of the model is the challenger itself: nobody can verify.
			assert_noop!(
				Compute::challenge(RuntimeOrigin::signed(2), pending),
				Error::<Test>::NoVerifiers
			);
			assert_ok!(Compute::challenge(RuntimeOrigin::signed(BOB), pending));
			assert_noop!(
				Compute::challenge(RuntimeOrigin::signed(ALICE), pending),
				Error::<Test>::AlreadyDisputed
			);
		});
	}

	#[test]
	fn a_challenge_after_the_window_fails() {
		execute(|| {
			let j = answered_job();
			run_to(10);
			// The window ends in block 11, when the job is settled.
			run_to(11);
			assert_noop!(
				Compute::challenge(RuntimeOrigin::signed(BOB), j),
				Error::<Test>::UnknownJob
			);
		});
	}

	#[test]
	fn a_wrong_result_is_overturned_and_slashed() {
		execute(|| {
			let j = answered_job();
			assert_eq!(ledger(ALICE), 880);
			assert_ok!(Compute::challenge(RuntimeOrigin::signed(BOB), j));
			let wrong = output_hash(b"B");
			for v in verifiers(j) {
				assert_ok!(Compute::vote(RuntimeOrigin::signed(v), j, wrong, 10, 20));
			}
			// Decided by the last vote: 10 % of the bond slashed, 10 % of that to Bob.
			assert!(Jobs::<Test>::get(j).is_none());
			assert_eq!(bond(1), PROVIDER_BOND - 100 * ZG);
			assert_eq!(free(BOB), INITIAL + 10 * ZG);
			assert_eq!(free(TREASURY), ExistentialDeposit::get() + 90 * ZG);
			assert_eq!(ledger(ALICE), 1_000);
			assert_eq!(free(1), INITIAL - PROVIDER_BOND);
			assert_eq!(Stats::<Test>::get(1).disputes_lost, 1);
			assert_eq!(escrow_balance(), 1_000);
			assert!(compute_events().contains(&Event::DisputeResolved {
				job: j,
				verdict: Verdict::Overturned,
				votes_for: 0,
				votes_against: 3,
				slashed: 100 * ZG,
			}));
			// Nothing left to settle later.
			run_to(30);
			assert_eq!(free(1), INITIAL - PROVIDER_BOND);
		});
	}

	#[test]
	fn a_right_result_is_upheld_and_the_challenger_pays() {
		execute(|| {
			let j = answered_job();
			assert_ok!(Compute::challenge(RuntimeOrigin::signed(BOB), j));
			let v = verifiers(j);
			assert_ok!(Compute::vote(RuntimeOrigin::signed(v[0]), j, output_hash(b"A"), 10, 20));
			assert_ok!(Compute::vote(RuntimeOrigin::signed(v[1]), j, output_hash(b"B"), 10, 20));
			// The third never votes: decided at the dispute deadline (1 + 6) by a 1–1 tie, which
			// leaves the result standing.
			run_to(7);
			assert!(Jobs::<Test>::get(j).is_none());
			assert_eq!(free(1), INITIAL - PROVIDER_BOND + 120 + DEPOSIT);
			assert_eq!(free(BOB), INITIAL - DEPOSIT);
			assert_eq!(bond(1), PROVIDER_BOND);
			assert_eq!(Stats::<Test>::get(1).disputes_won, 1);
			assert!(!VerifierDuties::<Test>::contains_key(v[2], j));
			assert!(compute_events().iter().any(|e| matches!(
				e,
				Event::DisputeResolved {
					verdict: Verdict::Upheld,
					votes_for: 1,
					votes_against: 1,
					..
				}
			)));
		});
	}

	#[test]
	fn over_reported_tokens_lose_the_dispute() {
		execute(|| {
			let j = answered_job();
			assert_ok!(Compute::challenge(RuntimeOrigin::signed(BOB), j));
			// The verifiers get the same output, but from 4 input tokens, not 10.
			for v in verifiers(j) {
				assert_ok!(Compute::vote(RuntimeOrigin::signed(v), j, output_hash(b"A"), 4, 20));
			}
			assert_eq!(bond(1), PROVIDER_BOND - 100 * ZG);
			assert_eq!(ledger(ALICE), 1_000);
		});
	}

	#[test]
	fn the_user_is_never_a_verifier() {
		execute(|| {
			let s = service(1);
			for p in 2..=4 {
				service(p);
			}
			// Provider 4 is also the user of the job.
			assert_ok!(Compute::deposit(RuntimeOrigin::signed(4), 1_000));
			assert_ok!(Compute::submit_job(RuntimeOrigin::signed(4), s, prompt("p"), 100, 1_000));
			assert_ok!(answer(0, "A", 1, 1));
			assert_ok!(Compute::challenge(RuntimeOrigin::signed(BOB), 0));
			let mut v = verifiers(0);
			v.sort();
			assert_eq!(v, vec![2, 3]);
		});
	}

	#[test]
	fn no_votes_leave_the_result_and_return_the_deposit() {
		execute(|| {
			let j = answered_job();
			assert_ok!(Compute::challenge(RuntimeOrigin::signed(BOB), j));
			run_to(7);
			assert_eq!(free(1), INITIAL - PROVIDER_BOND + 120);
			assert_eq!(free(BOB), INITIAL);
			assert_eq!(escrow_balance(), 880);
		});
	}

	#[test]
	fn votes_refuse_bad_input() {
		execute(|| {
			let j = answered_job();
			assert_noop!(
				Compute::vote(RuntimeOrigin::signed(2), j, H256::zero(), 1, 1),
				Error::<Test>::NoDispute
			);
			assert_ok!(Compute::challenge(RuntimeOrigin::signed(BOB), j));
			assert_noop!(
				Compute::vote(RuntimeOrigin::signed(1), j, H256::zero(), 1, 1),
				Error::<Test>::NotVerifier
			);
			assert_noop!(
				Compute::vote(RuntimeOrigin::signed(5), j, H256::zero(), 1, 1),
				Error::<Test>::NotVerifier
			);
			let v = verifiers(j)[0];
			assert_ok!(Compute::vote(RuntimeOrigin::signed(v), j, H256::zero(), 1, 1));
			assert_noop!(
				Compute::vote(RuntimeOrigin::signed(v), j, H256::zero(), 1, 1),
				Error::<Test>::AlreadyVoted
			);
		});
	}

	#[test]
	fn the_draw_depends_on_randomness_and_is_capped() {
		execute(|| {
			let s = service(1);
			for p in 2..=5 {
				service(p);
			}
			let mut draws = std::collections::BTreeSet::new();
			for seed in 0..8 {
				RandomSeed::set(seed);
				let v = Compute::draw_verifiers(0, MODEL, &[&1, &BOB]);
				assert_eq!(v.len(), 3);
				assert!(!v.contains(&1));
				draws.insert(v.into_inner());
			}
			assert!(draws.len() > 1, "the draw never changed");
			let _ = s;
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

	fn expect_run(state: &State, request: RunRequest, result: RunResult) {
		state.write().expect_request(PendingRequest {
			method: "POST".into(),
			uri: "http://127.0.0.1:8700/compute/run".into(),
			headers: vec![("content-type".into(), "application/octet-stream".into())],
			body: request.encode(),
			response: Some(result.encode()),
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

	fn run_ocw(n: u64) {
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
	fn answers_its_jobs_with_the_workers_result_once() {
		with_offchain(|state, pool| {
			let s = service(1);
			let j = job(ALICE, s);
			ProviderKey::set_all_keys(vec![1u64]);
			let result = RunResult {
				output_hash: output_hash(b"out"),
				output_root: None,
				input_tokens: 3,
				output_tokens: 7,
			};
			expect_run(&state, request(j, false), result.clone());
			run_ocw(1);
			let txs = submitted(&pool);
			assert_eq!(txs.len(), 1);
			let expected = RuntimeCall::Compute(Call::submit_result {
				job: j,
				output_hash: result.output_hash,
				output_root: None,
				input_tokens: 3,
				output_tokens: 7,
			});
			assert_eq!(txs[0].function, expected);
			// Pending at the same nonce: nothing more.
			run_ocw(2);
			assert_eq!(submitted(&pool).len(), 1);
			assert_ok!(expected.dispatch(RuntimeOrigin::signed(1)));
			assert_eq!(ledger(ALICE), 1_000 - (3 * 2 + 7 * 5));
		});
	}

	#[test]
	fn verifiers_rerun_the_job_and_vote() {
		with_offchain(|state, pool| {
			// Provider 1 lists the model under another id than the verifier's worker knows: the
			// verifier runs it under its own service's id for the same model root.
			let s = NextServiceId::<Test>::get();
			assert_ok!(Compute::register_service(
				RuntimeOrigin::signed(1),
				ServiceKind::Inference,
				b"alias".to_vec(),
				MODEL,
				2,
				5,
				vec![],
				vec![],
				2,
			));
			service(2);
			let j = job(ALICE, s);
			assert_ok!(answer(j, "A", 1, 1));
			assert_ok!(Compute::challenge(RuntimeOrigin::signed(BOB), j));
			ProviderKey::set_all_keys(vec![2u64]);
			let result = RunResult {
				output_hash: output_hash(b"B"),
				output_root: None,
				input_tokens: 1,
				output_tokens: 1,
			};
			expect_run(&state, request(j, true), result);
			run_ocw(2);
			let txs = submitted(&pool);
			assert_eq!(txs.len(), 1);
			let expected = RuntimeCall::Compute(Call::vote {
				job: j,
				output_hash: output_hash(b"B"),
				input_tokens: 1,
				output_tokens: 1,
			});
			assert_eq!(txs[0].function, expected);
			assert_ok!(expected.dispatch(RuntimeOrigin::signed(2)));
			assert!(Jobs::<Test>::get(j).is_none());
			assert_eq!(bond(1), PROVIDER_BOND - 100 * ZG);
		});
	}

	#[test]
	fn a_worker_that_cannot_run_the_job_sends_nothing() {
		with_offchain(|state, pool| {
			let s = service(1);
			let j = job(ALICE, s);
			ProviderKey::set_all_keys(vec![1u64]);
			state.write().expect_request(PendingRequest {
				method: "POST".into(),
				uri: "http://127.0.0.1:8700/compute/run".into(),
				headers: vec![("content-type".into(), "application/octet-stream".into())],
				body: request(j, false).encode(),
				response: Some(b"no such model".to_vec()),
				response_headers: vec![],
				sent: true,
				..Default::default()
			});
			run_ocw(1);
			assert!(pool.read().transactions.is_empty());
		});
	}
}
