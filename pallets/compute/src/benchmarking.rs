//! Benchmarks of `pallet-zg-compute` (frame-benchmarking v2): every call and each kind of
//! deadline in their worst case within the configured bounds.

use super::*;
use frame_benchmarking::v2::*;
use frame_support::traits::Hooks;
use frame_system::RawOrigin;
use zg_primitives::currency::ZG;

const SEED: u32 = 0;
const MODEL_ROOT: H256 = H256::repeat_byte(0x42);

fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, SEED);
	T::Currency::set_balance(&who, 1_000_000_000 * ZG);
	who
}

fn max_text<T: Config>() -> Vec<u8> {
	alloc::vec![b'x'; T::MaxUrlLen::get() as usize]
}

/// An eligible provider `index` with one service of [`MODEL_ROOT`] (the longest strings, the
/// most concurrency). Returns the provider and the service.
fn provider<T: Config>(index: u32) -> (T::AccountId, ServiceId) {
	let who: T::AccountId = account("provider", index, SEED);
	T::Staking::bench_make_eligible(&who, Role::ComputeProvider).expect("staking makes providers");
	let id = NextServiceId::<T>::get();
	Pallet::<T>::register_service(
		RawOrigin::Signed(who.clone()).into(),
		ServiceKind::Inference,
		alloc::vec![b'm'; T::MaxModelLen::get() as usize],
		MODEL_ROOT,
		1,
		1,
		max_text::<T>(),
		max_text::<T>(),
		T::MaxConcurrency::get(),
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

/// Fills the deadline queue of block `at` with dummy ids up to one place short of full.
fn crowd_deadlines<T: Config>(at: BlockNumberFor<T>) {
	let fill: Vec<JobId> = (0..T::MaxDeadlinesPerBlock::get().saturating_sub(1))
		.map(|i| u64::MAX - i as u64)
		.collect();
	Deadlines::<T>::insert(at, BoundedVec::truncate_from(fill));
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
		1_000_000 * ZG,
	)
	.unwrap();
	id
}

fn answer<T: Config>(provider: &T::AccountId, job: JobId) {
	Pallet::<T>::submit_result(
		RawOrigin::Signed(provider.clone()).into(),
		job,
		H256::repeat_byte(1),
		Some(H256::repeat_byte(2)),
		1_000,
		T::MaxTokens::get(),
	)
	.unwrap();
}

/// A job answered by provider 0 and challenged, with `verifiers` other providers of the model.
fn disputed<T: Config>(verifiers: u32) -> (JobId, T::AccountId, Vec<T::AccountId>) {
	let (p, s) = provider::<T>(0);
	for i in 1..=verifiers {
		provider::<T>(i);
	}
	let u = user::<T>(1_000_000 * ZG);
	let job = submit::<T>(&u, s);
	answer::<T>(&p, job);
	let challenger = funded::<T>("challenger", 0);
	Pallet::<T>::challenge(RawOrigin::Signed(challenger).into(), job).unwrap();
	let drawn = Disputes::<T>::get(job).unwrap().verifiers.into_inner();
	(job, p, drawn)
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
		let same = (1..T::MaxServicesPerModel::get()).map(|i| 2_000_000 + i as u64);
		ModelServices::<T>::insert(MODEL_ROOT, BoundedVec::truncate_from(same.collect::<Vec<_>>()));
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
		);
		assert_eq!(ProviderServices::<T>::get(&who).len() as u32, T::MaxServicesPerProvider::get());
	}

	#[benchmark]
	fn update_service() {
		let (who, id) = provider::<T>(0);
		#[extrinsic_call]
		_(RawOrigin::Signed(who), id, 7, 9, max_text::<T>(), max_text::<T>(), 1);
		assert_eq!(Services::<T>::get(id).unwrap().input_price, 7);
	}

	#[benchmark]
	fn remove_service() {
		let (who, id) = provider::<T>(0);
		let mine = (1..T::MaxServicesPerProvider::get()).map(|i| 1_000_000 + i as u64);
		let mut ids = ProviderServices::<T>::get(&who).into_inner();
		ids.extend(mine);
		ProviderServices::<T>::insert(&who, BoundedVec::truncate_from(ids));
		let same = (1..T::MaxServicesPerModel::get()).map(|i| 2_000_000 + i as u64);
		let mut ids = ModelServices::<T>::get(MODEL_ROOT).into_inner();
		ids.extend(same);
		ModelServices::<T>::insert(MODEL_ROOT, BoundedVec::truncate_from(ids));
		#[extrinsic_call]
		_(RawOrigin::Signed(who), id);
		assert!(Services::<T>::get(id).is_none());
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

	#[benchmark]
	fn settle_usage() {
		let (p, _) = provider::<T>(0);
		let who = user::<T>(10 * ZG);
		Pallet::<T>::allocate(RawOrigin::Signed(who.clone()).into(), p.clone(), 4 * ZG).unwrap();
		Pallet::<T>::request_refund(RawOrigin::Signed(who.clone()).into(), Some(p.clone()), 2 * ZG)
			.unwrap();
		// Empties the allocation and takes part of the refund: both paths.
		#[extrinsic_call]
		_(RawOrigin::Signed(p.clone()), who.clone(), 3 * ZG);
		assert_eq!(Refunds::<T>::get(&who).unwrap().amount, ZG);
	}

	#[benchmark]
	fn submit_job(i: Linear<0, { T::MaxInputLen::get() }>) {
		let (_, s) = provider::<T>(0);
		let who = user::<T>(1_000_000 * ZG);
		let now = frame_system::Pallet::<T>::block_number();
		crowd_deadlines::<T>(now.saturating_add(T::JobTimeout::get()));
		let input = JobInput::Inline(BoundedVec::truncate_from(alloc::vec![b'p'; i as usize]));
		#[extrinsic_call]
		_(RawOrigin::Signed(who), s, input, T::MaxTokens::get(), 1_000_000 * ZG);
		assert!(Jobs::<T>::get(0).is_some());
	}

	#[benchmark]
	fn submit_result() {
		let (p, s) = provider::<T>(0);
		let who = user::<T>(1_000_000 * ZG);
		let job = submit::<T>(&who, s);
		let now = frame_system::Pallet::<T>::block_number();
		crowd_deadlines::<T>(now.saturating_add(T::ChallengeWindow::get()));
		#[extrinsic_call]
		_(
			RawOrigin::Signed(p),
			job,
			H256::repeat_byte(1),
			Some(H256::repeat_byte(2)),
			1_000,
			T::MaxTokens::get(),
		);
		assert_eq!(Jobs::<T>::get(job).unwrap().status, JobStatus::Answered);
	}

	#[benchmark]
	fn challenge(p: Linear<1, { T::MaxServicesPerModel::get().saturating_sub(1) }>) {
		let (provider0, s) = provider::<T>(0);
		for i in 1..=p {
			provider::<T>(i);
		}
		let who = user::<T>(1_000_000 * ZG);
		let job = submit::<T>(&who, s);
		answer::<T>(&provider0, job);
		let now = frame_system::Pallet::<T>::block_number();
		crowd_deadlines::<T>(now.saturating_add(T::DisputePeriod::get()));
		let challenger = funded::<T>("challenger", 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(challenger), job);
		assert!(Disputes::<T>::get(job).is_some());
	}

	#[benchmark]
	fn vote() {
		let (job, _, drawn) = disputed::<T>(T::VerifiersPerDispute::get());
		let (last, others) = drawn.split_last().unwrap();
		for v in others {
			Pallet::<T>::vote(RawOrigin::Signed(v.clone()).into(), job, H256::repeat_byte(9), 1, 1)
				.unwrap();
		}
		// The last vote decides against the provider: slash, refund, deposit back.
		#[extrinsic_call]
		_(RawOrigin::Signed(last.clone()), job, H256::repeat_byte(9), 1, 1);
		assert!(Jobs::<T>::get(job).is_none());
	}

	#[benchmark]
	fn on_deadline_empty() {
		let n = frame_system::Pallet::<T>::block_number().saturating_add(1u32.into());
		#[block]
		{
			Pallet::<T>::on_initialize(n);
		}
	}

	#[benchmark]
	fn on_deadline_expire() {
		let (_, s) = provider::<T>(0);
		let who = user::<T>(1_000_000 * ZG);
		let job = submit::<T>(&who, s);
		let due = Jobs::<T>::get(job).unwrap().due;
		#[block]
		{
			Pallet::<T>::on_initialize(due);
		}
		assert!(Jobs::<T>::get(job).is_none());
	}

	#[benchmark]
	fn on_deadline_settle() {
		let (p, s) = provider::<T>(0);
		let who = user::<T>(1_000_000 * ZG);
		let job = submit::<T>(&who, s);
		answer::<T>(&p, job);
		let due = Jobs::<T>::get(job).unwrap().due;
		#[block]
		{
			Pallet::<T>::on_initialize(due);
		}
		assert!(Jobs::<T>::get(job).is_none());
	}

	#[benchmark]
	fn on_deadline_resolve() {
		let (job, _, drawn) = disputed::<T>(T::VerifiersPerDispute::get());
		// All but one vote against the provider; the last never votes.
		if let Some((_, voters)) = drawn.split_last() {
			for v in voters {
				Pallet::<T>::vote(
					RawOrigin::Signed(v.clone()).into(),
					job,
					H256::repeat_byte(9),
					1,
					1,
				)
				.unwrap();
			}
		}
		let due = Jobs::<T>::get(job).unwrap().due;
		#[block]
		{
			Pallet::<T>::on_initialize(due);
		}
		assert!(Jobs::<T>::get(job).is_none());
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
