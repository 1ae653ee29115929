//! Benchmarks of `pallet-zg-compute` (frame-benchmarking v2): every call and every kind of
//! deadline task in their worst case within the configured bounds.

use super::*;
use frame_benchmarking::v2::*;
use frame_support::traits::Hooks;
use frame_system::RawOrigin;
use zg_primitives::{compute::output_hash, currency::ZG};

const SEED: u32 = 0;
const MODEL_ROOT: H256 = H256::repeat_byte(0x42);

/// What the benchmarks need from the runtime: an account whose key signs capabilities.
pub trait BenchmarkHelper<AccountId, Signature> {
	/// The account of a key the benchmarks can sign with.
	fn signer() -> AccountId;
	/// Signs `payload` with that key.
	fn sign(payload: &[u8]) -> Signature;
}

fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, SEED);
	T::Currency::set_balance(&who, 1_000_000_000 * ZG);
	who
}

fn max_text<T: Config>() -> Vec<u8> {
	alloc::vec![b'x'; T::MaxUrlLen::get() as usize]
}

fn now<T: Config>() -> BlockNumberFor<T> {
	frame_system::Pallet::<T>::block_number()
}

/// An eligible provider `index` with a verifiable service of [`MODEL_ROOT`] (the longest
/// strings, the most concurrency and tokens). Returns the provider and the service.
fn provider<T: Config>(index: u32) -> (T::AccountId, ServiceId) {
	provider_of::<T>(index, MODEL_ROOT)
}

/// An eligible provider `index` with a verifiable service of `root`.
fn provider_of<T: Config>(index: u32, root: H256) -> (T::AccountId, ServiceId) {
	let who: T::AccountId = account("provider", index, SEED);
	T::Staking::bench_make_eligible(&who, Role::ComputeProvider).expect("staking makes providers");
	let id = NextServiceId::<T>::get();
	Pallet::<T>::register_service(
		RawOrigin::Signed(who.clone()).into(),
		ServiceKind::Inference,
		alloc::vec![b'm'; T::MaxModelLen::get() as usize],
		root,
		1,
		1,
		max_text::<T>(),
		max_text::<T>(),
		T::MaxConcurrency::get(),
		T::MaxTokens::get(),
		true,
	)
	.unwrap();
	(who, id)
}

/// A user with `amount` in its ledger.
fn user<T: Config>(amount: Balance) -> T::AccountId {
	let who = funded::<T>("user", 0);
	Pallet::<T>::deposit(RawOrigin::Signed(who.clone()).into(), amount).unwrap();
	who
}

/// A job of the largest inline input submitted by `user` to `service`.
fn submit<T: Config>(user: &T::AccountId, service: ServiceId) -> JobId {
	let id = NextJobId::<T>::get();
	let input = BoundedVec::truncate_from(alloc::vec![b'p'; T::MaxInputLen::get() as usize]);
	Pallet::<T>::submit_job(
		RawOrigin::Signed(user.clone()).into(),
		service,
		JobInput::Inline(input),
		T::MaxTokens::get(),
		ZG,
	)
	.unwrap();
	id
}

fn claimed() -> JobOutcome {
	JobOutcome::Output { output_hash: output_hash(b"claimed"), input_tokens: 10, output_tokens: 10 }
}

fn truth() -> JobOutcome {
	JobOutcome::Output { output_hash: output_hash(b"truth"), input_tokens: 10, output_tokens: 10 }
}

fn answer<T: Config>(provider: &T::AccountId, job: JobId) {
	let report = JobReport { job, outcome: claimed(), output_root: Some(H256::repeat_byte(2)) };
	Pallet::<T>::submit_results(
		RawOrigin::Signed(provider.clone()).into(),
		BoundedVec::truncate_from(alloc::vec![report]),
	)
	.unwrap();
}

/// Providers 0..=`others` of a model of their own: provider 0's job, answered and challenged, its
/// verifiers drawn. Returns the job, provider 0 and the verifiers.
fn disputed<T: Config>(salt: u32, others: u32) -> (JobId, T::AccountId, Vec<T::AccountId>) {
	let root = H256::from_low_u64_be(0x4200 + salt as u64);
	let (p, s) = provider_of::<T>(salt * 1_000, root);
	for i in 1..=others {
		provider_of::<T>(salt * 1_000 + i, root);
	}
	let u = user::<T>(1_000_000 * ZG);
	let job = submit::<T>(&u, s);
	answer::<T>(&p, job);
	let challenger = funded::<T>("challenger", salt);
	Pallet::<T>::challenge(RawOrigin::Signed(challenger).into(), job).unwrap();
	let draw_at = Jobs::<T>::get(job).unwrap().due;
	frame_system::Pallet::<T>::set_block_number(draw_at);
	T::Beacon::bench_fill();
	Pallet::<T>::run_task(draw_at, draw_at, Task::Draw(job));
	let drawn = Disputes::<T>::get(job).unwrap().verifiers.into_inner();
	assert_eq!(drawn.len() as u32, T::VerifiersPerDispute::get().min(others));
	(job, p, drawn)
}

/// Votes of all but the last verifier of each dispute against the provider, so that the last
/// vote decides.
fn all_but_last_vote<T: Config>(job: JobId, verifiers: &[T::AccountId]) {
	for v in &verifiers[..verifiers.len() - 1] {
		Pallet::<T>::submit_votes(
			RawOrigin::Signed(v.clone()).into(),
			BoundedVec::truncate_from(alloc::vec![(job, truth())]),
		)
		.unwrap();
	}
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register_service() {
		let who: T::AccountId = account("provider", 0, SEED);
		T::Staking::bench_make_eligible(&who, Role::ComputeProvider).unwrap();
		let mine = (1..T::MaxServicesPerProvider::get()).map(|i| 1_000_000 + i as u64);
		ProviderServices::<T>::insert(&who, BoundedVec::truncate_from(mine.collect::<Vec<_>>()));
		#[extrinsic_call]
		_(
			RawOrigin::Signed(who.clone()),
			ServiceKind::Inference,
			alloc::vec![b'm'; T::MaxModelLen::get() as usize],
			MODEL_ROOT,
			1,
			1,
			max_text::<T>(),
			max_text::<T>(),
			T::MaxConcurrency::get(),
			T::MaxTokens::get(),
			true,
		);
		assert_eq!(ProviderServices::<T>::get(&who).len() as u32, T::MaxServicesPerProvider::get());
	}

	#[benchmark]
	fn update_service() {
		let (who, id) = provider::<T>(0);
		#[extrinsic_call]
		_(RawOrigin::Signed(who), id, 7, 9, max_text::<T>(), max_text::<T>(), 1, 1);
		assert_eq!(Services::<T>::get(id).unwrap().input_price, 7);
	}

	/// Removing the first service of a pool: the last one moves into its place.
	#[benchmark]
	fn remove_service() {
		let (who, id) = provider::<T>(0);
		provider::<T>(1);
		let mine = (1..T::MaxServicesPerProvider::get()).map(|i| 1_000_000 + i as u64);
		let mut ids = ProviderServices::<T>::get(&who).into_inner();
		ids.extend(mine);
		ProviderServices::<T>::insert(&who, BoundedVec::truncate_from(ids));
		#[extrinsic_call]
		_(RawOrigin::Signed(who), id);
		assert!(Services::<T>::get(id).is_none());
		assert_eq!(VerifierPoolSize::<T>::get(MODEL_ROOT), 1);
	}

	#[benchmark]
	fn deposit() {
		let who = funded::<T>("user", 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), 10 * ZG);
		assert_eq!(Ledgers::<T>::get(&who).unwrap().free, 10 * ZG);
	}

	#[benchmark]
	fn allocate() {
		let (p, _) = provider::<T>(0);
		let who = user::<T>(10 * ZG);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), p.clone(), ZG);
		assert_eq!(Allocations::<T>::get(&who, &p), ZG);
	}

	#[benchmark]
	fn request_refund() {
		let (p, _) = provider::<T>(0);
		let who = user::<T>(10 * ZG);
		Pallet::<T>::allocate(RawOrigin::Signed(who.clone()).into(), p.clone(), 4 * ZG).unwrap();
		Pallet::<T>::request_refund(RawOrigin::Signed(who.clone()).into(), Some(p.clone()), ZG)
			.unwrap();
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), Some(p), ZG);
		assert_eq!(Refunds::<T>::get(&who).unwrap().amount, 2 * ZG);
	}

	#[benchmark]
	fn withdraw() {
		let who = user::<T>(10 * ZG);
		Pallet::<T>::request_refund(RawOrigin::Signed(who.clone()).into(), None, 10 * ZG).unwrap();
		let unlock = Refunds::<T>::get(&who).unwrap().unlock_at;
		frame_system::Pallet::<T>::set_block_number(unlock);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));
		assert!(Refunds::<T>::get(&who).is_none());
	}

	/// The first settlement under a capability (its record created, its end scheduled),
	/// emptying the allocation and taking part of its refund: every path.
	#[benchmark]
	fn settle_usage() {
		let (p, _) = provider::<T>(0);
		let who = T::BenchmarkHelper::signer();
		T::Currency::set_balance(&who, 1_000 * ZG);
		Pallet::<T>::deposit(RawOrigin::Signed(who.clone()).into(), 10 * ZG).unwrap();
		Pallet::<T>::allocate(RawOrigin::Signed(who.clone()).into(), p.clone(), 4 * ZG).unwrap();
		Pallet::<T>::request_refund(RawOrigin::Signed(who.clone()).into(), Some(p.clone()), 2 * ZG)
			.unwrap();
		let capability = SpendingCapability {
			user: who.clone(),
			provider: p.clone(),
			cap: 10 * ZG,
			expires_at: now::<T>() + T::MaxCapabilityLifetime::get(),
			genesis: {
				let g = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
				H256::from_slice(g.as_ref())
			},
			nonce: 1,
		};
		let signature = T::BenchmarkHelper::sign(&capability.signing_payload());
		#[extrinsic_call]
		_(RawOrigin::Signed(p.clone()), capability, signature, 3 * ZG);
		assert_eq!(Refunds::<T>::get(&who).unwrap().amount, ZG);
		assert_eq!(Capabilities::<T>::get((who, p), 1).unwrap().settled, 3 * ZG);
	}

	/// The largest inline input (`n` bytes).
	#[benchmark]
	fn submit_job(n: Linear<0, { T::MaxInputLen::get() }>) {
		let (_, s) = provider::<T>(0);
		let u = user::<T>(1_000_000 * ZG);
		let input = JobInput::Inline(BoundedVec::truncate_from(alloc::vec![b'p'; n as usize]));
		#[extrinsic_call]
		submit_job(RawOrigin::Signed(u), s, input, T::MaxTokens::get(), 1_000_000 * ZG);
		assert!(Jobs::<T>::contains_key(0));
	}

	/// A stored input: the file is looked up in 0G Storage.
	#[benchmark]
	fn submit_job_stored() {
		let (_, s) = provider::<T>(0);
		let u = user::<T>(1_000_000 * ZG);
		let root = H256::repeat_byte(9);
		T::Files::bench_store(root, T::MaxStoredInput::get());
		#[extrinsic_call]
		submit_job(
			RawOrigin::Signed(u),
			s,
			JobInput::Stored(root),
			T::MaxTokens::get(),
			1_000_000 * ZG,
		);
		assert!(Jobs::<T>::contains_key(0));
	}

	/// `n` results of jobs of different services.
	#[benchmark]
	fn submit_results(n: Linear<1, { T::MaxBatch::get() }>) {
		let (p, s) = provider::<T>(0);
		let u = user::<T>(1_000_000 * ZG);
		let jobs: Vec<JobId> = (0..n)
			.map(|i| {
				if i > 0 && i % T::MaxConcurrency::get() == 0 {
					// Another service of the provider, so that its concurrency allows more jobs.
					Pallet::<T>::register_service(
						RawOrigin::Signed(p.clone()).into(),
						ServiceKind::Inference,
						b"m".to_vec(),
						H256::from_low_u64_be(i as u64),
						1,
						1,
						max_text::<T>(),
						max_text::<T>(),
						T::MaxConcurrency::get(),
						T::MaxTokens::get(),
						true,
					)
					.unwrap();
				}
				let service = ProviderServices::<T>::get(&p).last().copied().unwrap_or(s);
				submit::<T>(&u, service)
			})
			.collect();
		let results: Vec<JobReport> = jobs
			.iter()
			.map(|job| JobReport { job: *job, outcome: claimed(), output_root: Some(H256::zero()) })
			.collect();
		#[extrinsic_call]
		_(RawOrigin::Signed(p), BoundedVec::truncate_from(results));
		assert!(jobs.iter().all(|j| Jobs::<T>::get(j).unwrap().status == JobStatus::Answered));
	}

	#[benchmark]
	fn challenge() {
		let (p, s) = provider::<T>(0);
		for i in 1..=T::VerifiersPerDispute::get() {
			provider::<T>(i);
		}
		let u = user::<T>(1_000_000 * ZG);
		let job = submit::<T>(&u, s);
		answer::<T>(&p, job);
		let challenger = funded::<T>("challenger", 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(challenger), job);
		assert!(Disputes::<T>::contains_key(job));
	}

	/// `n` votes, each the last of its dispute: each decides it (overturned, the provider
	/// slashed, the verifiers paid).
	#[benchmark]
	fn submit_votes(n: Linear<1, { T::MaxBatch::get() }>) {
		let others = T::VerifiersPerDispute::get() + 2;
		let mut jobs = Vec::new();
		let mut voter = None;
		for d in 0..n {
			let (job, _, verifiers) = disputed::<T>(d, others);
			all_but_last_vote::<T>(job, &verifiers);
			jobs.push(job);
			voter = verifiers.last().cloned();
		}
		// One verifier casts the deciding vote of every dispute: it takes the last seat of
		// each draw. Every dispute's deadline is moved to after the last draw.
		let voter = voter.unwrap();
		let vote_by = now::<T>() + T::DisputePeriod::get();
		for job in &jobs {
			Jobs::<T>::mutate(job, |j| {
				let j = j.as_mut().unwrap();
				Pallet::<T>::unschedule(j.due, Task::Decide(*job));
				j.due = Pallet::<T>::schedule(vote_by, Task::Decide(*job));
			});
			Disputes::<T>::mutate(job, |dispute| {
				let dispute = dispute.as_mut().unwrap();
				let last = dispute.verifiers.len() - 1;
				let old = core::mem::replace(&mut dispute.verifiers[last], voter.clone());
				if old != voter {
					VerifierDuties::<T>::remove(&old, job);
					Pallet::<T>::note_outstanding(&old, false);
					VerifierDuties::<T>::insert(&voter, job, ());
					Pallet::<T>::note_outstanding(&voter, true);
				}
			});
		}
		let votes: Vec<(JobId, JobOutcome)> = jobs.iter().map(|j| (*j, truth())).collect();
		#[extrinsic_call]
		_(RawOrigin::Signed(voter), BoundedVec::truncate_from(votes));
		assert_eq!(Disputes::<T>::iter().count(), 0);
	}

	/// `on_initialize` with nothing due.
	#[benchmark]
	fn on_initialize_base() {
		let n = now::<T>();
		DeadlineCursor::<T>::put(n);
		#[block]
		{
			Pallet::<T>::on_initialize(n);
		}
	}

	/// A job not answered in time: refund and slash.
	#[benchmark]
	fn task_expire() {
		let (_, s) = provider::<T>(0);
		let u = user::<T>(1_000_000 * ZG);
		let job = submit::<T>(&u, s);
		let due = Jobs::<T>::get(job).unwrap().due;
		#[block]
		{
			Pallet::<T>::run_task(due, due, Task::AnswerBy(job));
		}
		assert!(!Jobs::<T>::contains_key(job));
	}

	#[benchmark]
	fn task_settle() {
		let (p, s) = provider::<T>(0);
		let u = user::<T>(1_000_000 * ZG);
		let job = submit::<T>(&u, s);
		answer::<T>(&p, job);
		let due = Jobs::<T>::get(job).unwrap().due;
		#[block]
		{
			Pallet::<T>::run_task(due, due, Task::Settle(job));
		}
		assert!(!Jobs::<T>::contains_key(job));
	}

	/// The verifier draw from a pool larger than its probes, with one probe per pool member
	/// refused (the provider, the user, the challenger are excluded).
	#[benchmark]
	fn task_draw() {
		let probes = T::VerifiersPerDispute::get() * 4 + 8;
		let (p, s) = provider::<T>(0);
		for i in 1..=probes {
			provider::<T>(i);
		}
		let u = user::<T>(1_000_000 * ZG);
		let job = submit::<T>(&u, s);
		answer::<T>(&p, job);
		let challenger = funded::<T>("challenger", 0);
		Pallet::<T>::challenge(RawOrigin::Signed(challenger).into(), job).unwrap();
		let due = Jobs::<T>::get(job).unwrap().due;
		frame_system::Pallet::<T>::set_block_number(due);
		T::Beacon::bench_fill();
		#[block]
		{
			Pallet::<T>::run_task(due, due, Task::Draw(job));
		}
		assert!(!Disputes::<T>::get(job).unwrap().verifiers.is_empty());
	}

	/// A dispute of a full draw of verifiers decided at its deadline: two thirds voted against
	/// the provider (slashed, the majority paid from the reporter share), the rest did not vote
	/// (slashed).
	#[benchmark]
	fn task_decide() {
		let (job, _, verifiers) = disputed::<T>(0, T::VerifiersPerDispute::get());
		// Two thirds against, but one verifier never votes (so the deadline decides).
		let n = verifiers.len() as u32;
		let against = (n * 2).div_ceil(3).min(n - 1) as usize;
		for verifier in &verifiers[..against] {
			Pallet::<T>::submit_votes(
				RawOrigin::Signed(verifier.clone()).into(),
				BoundedVec::truncate_from(alloc::vec![(job, truth())]),
			)
			.unwrap();
		}
		let due = Jobs::<T>::get(job).map(|j| j.due).unwrap_or_else(now::<T>);
		#[block]
		{
			Pallet::<T>::run_task(due, due, Task::Decide(job));
		}
		assert!(!Disputes::<T>::contains_key(job));
	}

	#[benchmark]
	fn task_forget_capability() {
		let who: T::AccountId = account("user", 0, SEED);
		let p: T::AccountId = account("provider", 0, SEED);
		Capabilities::<T>::insert(
			(who.clone(), p.clone()),
			1,
			CapabilityUse { cap: 1, settled: 1, expires_at: now::<T>() },
		);
		let n = now::<T>();
		#[block]
		{
			Pallet::<T>::run_task(n, n, Task::ForgetCapability(who.clone(), p.clone(), 1));
		}
		assert!(Capabilities::<T>::get((who, p), 1).is_none());
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
