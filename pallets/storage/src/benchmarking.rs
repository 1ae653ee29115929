//! Benchmarks of `pallet-zg-storage` (frame-benchmarking v2): every call and both hooks in
//! their worst case within the configured bounds.

use super::*;
use frame_benchmarking::v2::*;
use frame_system::RawOrigin;
use zg_primitives::{
	currency::ZG,
	storage::{leaf_hash, node_hash},
};

const SEED: u32 = 0;

fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, SEED);
	T::Currency::set_balance(&who, 1_000_000_000 * ZG);
	who
}

/// A registered, eligible provider with the longest endpoint.
fn provider<T: Config>(index: u32) -> T::AccountId {
	let who: T::AccountId = account("provider", index, SEED);
	T::Staking::bench_make_eligible(&who, Role::StorageProvider).expect("staking makes providers");
	let endpoint = alloc::vec![b'x'; T::MaxEndpointLen::get() as usize];
	Pallet::<T>::register_provider(RawOrigin::Signed(who.clone()).into(), endpoint).unwrap();
	who
}

/// Fills the provider pool up to `n` providers (removing any from the chain spec first).
fn providers<T: Config>(n: u32) -> Vec<T::AccountId> {
	let _ = Providers::<T>::clear(u32::MAX, None);
	ProviderList::<T>::kill();
	(0..n).map(provider::<T>).collect()
}

fn max_shards<T: Config>() -> u32 {
	MaxShardsOf::<T>::get()
}

/// The largest coding: `k` data shards and the most parity shards for `s` shards in all.
fn coding<T: Config>(s: u32) -> (u16, u16) {
	let m = T::MaxParityShards::get().min(s.saturating_sub(1)).max(T::MinParityShards::get());
	((s - m) as u16, m as u16)
}

/// Roots of `s` distinct dummy shards, the layout and the file root.
fn dummy_file<T: Config>(s: u32, salt: u32) -> (H256, FileLayout, Vec<H256>) {
	let (k, m) = coding::<T>(s);
	let layout = FileLayout::new(T::MaxFileSize::get(), k, m).unwrap();
	let roots: Vec<H256> = (0..s).map(|i| leaf_hash(&(salt, i).encode())).collect();
	(file_root(&layout, &roots), layout, roots)
}

/// Submits a file of `s` shards and confirms its first `confirmed` shards.
fn submitted_file<T: Config>(owner: &T::AccountId, s: u32, salt: u32, confirmed: u32) -> H256 {
	let (root, layout, roots) = dummy_file::<T>(s, salt);
	Pallet::<T>::submit(
		RawOrigin::Signed(owner.clone()).into(),
		root,
		layout.size,
		layout.data_shards,
		layout.parity_shards,
		roots,
		T::MinLifetime::get(),
		Balance::MAX,
	)
	.unwrap();
	let file = Files::<T>::get(root).unwrap();
	for (i, shard) in file.shards.iter().enumerate().take(confirmed as usize) {
		Pallet::<T>::confirm_shard(
			RawOrigin::Signed(shard.provider.clone()).into(),
			root,
			i as u32,
		)
		.unwrap();
	}
	root
}

/// A finalized, indexed file of `s` shards.
fn finalized_file<T: Config>(owner: &T::AccountId, s: u32, salt: u32) -> H256 {
	submitted_file::<T>(owner, s, salt, s)
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register_provider() {
		providers::<T>(T::MaxProviders::get() - 1);
		let who: T::AccountId = account("provider", T::MaxProviders::get(), SEED);
		T::Staking::bench_make_eligible(&who, Role::StorageProvider).unwrap();
		let endpoint = alloc::vec![b'x'; T::MaxEndpointLen::get() as usize];
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), endpoint);
		assert!(Providers::<T>::contains_key(&who));
	}

	#[benchmark]
	fn deregister_provider() {
		let all = providers::<T>(T::MaxProviders::get());
		let who = all.last().unwrap().clone();
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));
		assert!(!Providers::<T>::contains_key(&who));
	}

	/// `p` providers in the pool, `s` shards.
	#[benchmark]
	fn submit(p: Linear<2, { T::MaxProviders::get() }>, s: Linear<2, { max_shards::<T>() }>) {
		providers::<T>(p.max(s));
		Price::<T>::put(1);
		let owner = funded::<T>("owner", 0);
		let (root, layout, roots) = dummy_file::<T>(s, 0);
		// The deadline queues of the target blocks are almost full.
		let now = frame_system::Pallet::<T>::block_number();
		for at in [now + T::ConfirmationPeriod::get(), now + T::MaxLifetime::get()] {
			Deadlines::<T>::mutate(at, |q| {
				while q.len() as u32 + 1 < T::MaxDeadlinesPerBlock::get() {
					let _ = q.try_push(H256::repeat_byte(q.len() as u8));
				}
			});
		}
		#[extrinsic_call]
		_(
			RawOrigin::Signed(owner),
			root,
			layout.size,
			layout.data_shards,
			layout.parity_shards,
			roots,
			T::MaxLifetime::get(),
			Balance::MAX,
		);
		assert!(Files::<T>::contains_key(root));
	}

	/// The last confirmation, which finalizes and indexes the file.
	#[benchmark]
	fn confirm_shard() {
		let s = max_shards::<T>();
		providers::<T>(s);
		Price::<T>::put(1);
		let owner = funded::<T>("owner", 0);
		let root = submitted_file::<T>(&owner, s, 0, s - 1);
		let file = Files::<T>::get(root).unwrap();
		let last = file.shards.last().unwrap().provider.clone();
		frame_system::Pallet::<T>::set_block_number(
			frame_system::Pallet::<T>::block_number() + 1u32.into(),
		);
		#[extrinsic_call]
		_(RawOrigin::Signed(last), root, s - 1);
		assert_eq!(Files::<T>::get(root).unwrap().status, FileStatus::Finalized);
	}

	/// A proof of `d` levels: a shard of 2^d chunks, chunk 0.
	#[benchmark]
	fn answer_challenge(d: Linear<0, 31>) {
		let s = max_shards::<T>();
		let all = providers::<T>(s);
		let who = all[0].clone();
		let owner = funded::<T>("owner", 0);
		T::Currency::set_balance(&Pallet::<T>::escrow_account(), 1_000 * ZG);
		EscrowTotal::<T>::put(1_000 * ZG - T::Currency::minimum_balance());
		// A shard of 2^d chunks with one data shard: its root from chunk 0 and dummy siblings.
		let chunk = alloc::vec![7u8; CHUNK_SIZE];
		let path: Vec<H256> = (0..d).map(|i| H256::repeat_byte(i as u8)).collect();
		let shard_root = path.iter().fold(leaf_hash(&chunk), |h, sibling| node_hash(&h, sibling));
		let layout = FileLayout::new((CHUNK_SIZE as u64) << d, 1, 1).unwrap();
		let now = frame_system::Pallet::<T>::block_number();
		let shard = |root, provider| ShardInfo {
			root,
			provider,
			confirmed: true,
			escrow: 100 * ZG,
			paid_until: now,
		};
		let shards: BoundedVec<_, MaxShardsOf<T>> =
			alloc::vec![shard(shard_root, who.clone()), shard(H256::zero(), all[1].clone())]
				.try_into()
				.unwrap();
		let root = H256::repeat_byte(1);
		Files::<T>::insert(
			root,
			FileInfo::<T> {
				owner,
				layout,
				shards,
				status: FileStatus::Finalized,
				submitted_at: now,
				confirm_by: now,
				expires_at: now + 1_000u32.into(),
				refund: 1_000 * ZG - T::Currency::minimum_balance() - 200 * ZG,
				index: Some(0),
			},
		);
		FileIndex::<T>::insert(0, root);
		FinalizedCount::<T>::put(1);
		let mut challenges = BoundedVec::new();
		challenges
			.try_push(Challenge {
				root,
				shard: 0,
				chunk: 0,
				provider: who.clone(),
				answered: false,
			})
			.unwrap();
		CurrentRound::<T>::put(ChallengeRound {
			number: 1,
			started_at: now,
			deadline: now + T::ChallengePeriod::get(),
			challenges,
		});
		frame_system::Pallet::<T>::set_block_number(now + 10u32.into());
		#[extrinsic_call]
		_(RawOrigin::Signed(who), 1, 0, chunk.try_into().unwrap(), path.try_into().unwrap());
		assert!(CurrentRound::<T>::get().challenges[0].answered);
	}

	#[benchmark]
	fn renew() {
		let s = max_shards::<T>();
		providers::<T>(s);
		Price::<T>::put(1);
		let owner = funded::<T>("owner", 0);
		let root = finalized_file::<T>(&owner, s, 0);
		let file = Files::<T>::get(root).unwrap();
		let extra = T::MaxLifetime::get() - T::MinLifetime::get();
		Deadlines::<T>::mutate(file.expires_at + extra, |q| {
			while q.len() as u32 + 1 < T::MaxDeadlinesPerBlock::get() {
				let _ = q.try_push(H256::repeat_byte(q.len() as u8));
			}
		});
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), root, extra, Balance::MAX);
		assert_eq!(Files::<T>::get(root).unwrap().expires_at, file.expires_at + extra);
	}

	#[benchmark]
	fn set_price() {
		#[extrinsic_call]
		_(RawOrigin::Root, 42);
		assert_eq!(Price::<T>::get(), 42);
	}

	/// `n` finalized files of the most shards expire in one block (each shard paid, the owner
	/// refunded).
	#[benchmark]
	fn on_deadlines(n: Linear<0, { T::MaxDeadlinesPerBlock::get() }>) {
		let s = max_shards::<T>();
		providers::<T>(s);
		Price::<T>::put(1);
		let owner = funded::<T>("owner", 0);
		let roots: Vec<H256> = (0..n).map(|i| finalized_file::<T>(&owner, s, i)).collect();
		let at = frame_system::Pallet::<T>::block_number() + T::MinLifetime::get();
		// Each file also forfeited a little, so that its owner is refunded.
		for root in &roots {
			Files::<T>::mutate(root, |f| {
				let f = f.as_mut().unwrap();
				f.shards[0].escrow -= 1;
				f.refund += 1;
			});
		}
		let queue: Vec<H256> =
			Deadlines::<T>::get(at).into_iter().filter(|r| roots.contains(r)).collect();
		assert_eq!(queue.len() as u32, n);
		#[block]
		{
			Pallet::<T>::process_deadlines(at);
		}
		assert_eq!(Files::<T>::iter().count(), 0);
	}

	/// A new round after a round of `m` missed challenges (each slashed and reassigned), with
	/// a full draw of new challenges.
	#[benchmark]
	fn on_new_round(m: Linear<0, { T::ChallengesPerPeriod::get() }>) {
		let s = max_shards::<T>();
		providers::<T>(s + REASSIGN_TRIES);
		Price::<T>::put(1);
		let owner = funded::<T>("owner", 0);
		let files = T::ChallengesPerPeriod::get().max(1);
		let roots: Vec<H256> = (0..files).map(|i| finalized_file::<T>(&owner, s, i)).collect();
		let mut challenges = BoundedVec::new();
		for i in 0..m {
			let root = roots[i as usize % roots.len()];
			let shard = i / roots.len() as u32;
			let provider = Files::<T>::get(root).unwrap().shards[shard as usize].provider.clone();
			challenges
				.try_push(Challenge { root, shard, chunk: 0, provider, answered: false })
				.unwrap();
		}
		let now = frame_system::Pallet::<T>::block_number();
		CurrentRound::<T>::put(ChallengeRound {
			number: 1,
			started_at: now,
			deadline: now + T::ChallengePeriod::get(),
			challenges,
		});
		let at = now + T::ChallengePeriod::get();
		frame_system::Pallet::<T>::set_block_number(at);
		#[block]
		{
			Pallet::<T>::new_round(at);
		}
		assert_eq!(CurrentRound::<T>::get().number, 2);
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
