//! Benchmarks of `pallet-zg-storage` (frame-benchmarking v2): every call, every deadline task
//! and the challenge sweep in their worst case within the configured bounds.
//!
//! Files are mostly written straight into storage (with the escrow they account for), so that
//! each benchmark measures one call or task in a state where it does the most work: the
//! largest files (every shard of the most data and parity shards, the deepest proofs), full
//! provider pools, full batches and handover pages.

use super::*;
use frame_benchmarking::v2::*;
use frame_support::traits::EnsureOrigin;
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

/// An eligible provider (not registered).
fn eligible<T: Config>(index: u32) -> T::AccountId {
	let who: T::AccountId = account("provider", index, SEED);
	T::Staking::bench_make_eligible(&who, Role::StorageProvider).expect("staking makes providers");
	who
}

/// A registered, eligible provider with the longest endpoint.
fn provider<T: Config>(index: u32) -> T::AccountId {
	let who = eligible::<T>(index);
	let endpoint = alloc::vec![b'x'; T::MaxEndpointLen::get() as usize];
	Pallet::<T>::register_provider(RawOrigin::Signed(who.clone()).into(), endpoint).unwrap();
	who
}

/// Fills the provider pool with `n` providers (removing any from the chain spec first).
fn providers<T: Config>(n: u32) -> Vec<T::AccountId> {
	let _ = Providers::<T>::clear(u32::MAX, None);
	ProviderList::<T>::kill();
	(0..n).map(provider::<T>).collect()
}

/// A full pool for the largest file: a provider per shard, as far as the pool allows.
fn pool<T: Config>() -> Vec<T::AccountId> {
	providers::<T>(max_shards::<T>().min(T::MaxProviders::get()))
}

fn max_shards<T: Config>() -> u32 {
	MaxShardsOf::<T>::get()
}

fn now<T: Config>() -> BlockNumberFor<T> {
	frame_system::Pallet::<T>::block_number()
}

/// Moves to a block where the beacon has seeds, and fills them.
fn with_seeds<T: Config>() {
	let start = T::Beacon::ready_at(1u32.into()).max(now::<T>() + 1u32.into());
	frame_system::Pallet::<T>::set_block_number(start);
	T::Beacon::bench_fill();
}

/// The largest coding with `s` shards: the fewest data shards, the most parity shards.
fn coding<T: Config>(s: u32) -> (u16, u16) {
	let m = T::MaxParityShards::get().min(s.saturating_sub(T::MinDataShards::get()));
	((s - m) as u16, m as u16)
}

/// The layout of the largest file with `s` shards.
fn layout<T: Config>(s: u32) -> FileLayout {
	let (k, m) = coding::<T>(s);
	FileLayout::new(T::MaxFileSize::get(), k, m).unwrap()
}

/// The root of a shard of `chunks` chunks whose chunk `index` is `leaf` with dummy siblings,
/// and the proof of that chunk.
fn shard_with_chunk(chunks: u32, index: u32, salt: u32) -> (H256, ChunkProof) {
	let chunk = alloc::vec![salt as u8; CHUNK_SIZE];
	let (mut hash, mut i, mut count) = (leaf_hash(&chunk), index, chunks);
	let mut path = Vec::new();
	while count > 1 {
		let promoted = i == count - 1 && count % 2 == 1;
		if !promoted {
			let sibling = H256::from_low_u64_be(((salt as u64) << 32) | path.len() as u64);
			hash = if i % 2 == 0 { node_hash(&hash, &sibling) } else { node_hash(&sibling, &hash) };
			path.push(sibling);
		}
		i /= 2;
		count = count.div_ceil(2);
	}
	(hash, ChunkProof { chunk: chunk.try_into().unwrap(), path: path.try_into().unwrap() })
}

/// Puts `amount` in escrow, as a file's fee would be.
fn escrow<T: Config>(amount: Balance) {
	let account = Pallet::<T>::escrow_account();
	let balance = T::Currency::balance(&account);
	T::Currency::set_balance(&account, balance + amount);
	EscrowTotal::<T>::mutate(|t| *t += amount);
}

/// Writes a file of `s` largest shards with the given status and shards (provider and state
/// for each), its escrow and its indexes. Each shard holds 100 0G of escrow.
fn put_file<T: Config>(
	salt: u32,
	s: u32,
	status: FileStatus,
	shard: impl Fn(u32) -> (Option<T::AccountId>, ShardState<BlockNumberFor<T>>, H256),
) -> H256 {
	let root = H256::from_low_u64_be(0x5eed_0000_0000 + salt as u64);
	let layout = layout::<T>(s);
	let now = now::<T>();
	let owner = funded::<T>("owner", salt);
	let mut shards = Vec::new();
	for i in 0..s {
		let (provider, state, shard_root) = shard(i);
		if let Some(p) = &provider {
			ProviderShards::<T>::insert(p, (root, i), ());
		}
		let state = match state {
			ShardState::Confirmed { .. } => {
				ShardState::Confirmed { index: Pallet::<T>::index_shard(root, i, &layout) }
			},
			other => other,
		};
		shards.push(ShardInfo {
			root: shard_root,
			provider,
			state,
			escrow: 100 * ZG,
			paid_until: now,
			bounty: 0,
		});
	}
	escrow::<T>(100 * ZG * s as Balance);
	let expires_at = now + T::MaxLifetime::get() / 2u32.into();
	Files::<T>::insert(
		root,
		FileInfo::<T> {
			owner,
			layout,
			shards: shards.try_into().unwrap(),
			status,
			submitted_at: now,
			confirm_by: now + T::ConfirmationPeriod::get(),
			expires_at,
			refund: 0,
		},
	);
	Pallet::<T>::schedule(expires_at, Task::Expire(root));
	if status == FileStatus::Pending {
		Pallet::<T>::schedule(now + T::ConfirmationPeriod::get(), Task::ConfirmFile(root));
	}
	root
}

/// A pending file of `s` largest shards whose first `confirmed` shards are confirmed and the
/// rest assigned but not confirmed.
fn pending_at_deadline<T: Config>(s: u32, confirmed: u32) -> H256 {
	let all = pool::<T>();
	let n = now::<T>();
	put_file::<T>(0, s, FileStatus::Pending, |i| {
		let state = if i < confirmed {
			ShardState::Confirmed { index: 0 }
		} else {
			ShardState::Assigned { at: n, confirm_by: n }
		};
		(Some(all[i as usize % all.len()].clone()), state, H256::from_low_u64_be(i as u64))
	})
}

/// A finalized file of `s` shards, all confirmed, held by `providers` in turn.
fn finalized<T: Config>(salt: u32, s: u32, providers: &[T::AccountId]) -> H256 {
	put_file::<T>(salt, s, FileStatus::Finalized, |i| {
		(
			Some(providers[i as usize % providers.len()].clone()),
			ShardState::Confirmed { index: 0 },
			H256::from_low_u64_be(i as u64),
		)
	})
}

/// An open challenge of `provider` on shard 0 of a finalized file; its proof.
fn challenged<T: Config>(
	salt: u32,
	provider: &T::AccountId,
	others: &[T::AccountId],
) -> (ChallengeId, ChunkProof) {
	let s = max_shards::<T>();
	let chunks = layout::<T>(s).chunks_per_shard();
	// Chunk 0 is never promoted: its path is the deepest.
	let index = 0;
	let (shard_root, proof) = shard_with_chunk(chunks, index, salt);
	let root = put_file::<T>(salt, s, FileStatus::Finalized, |i| {
		let p = if i == 0 { provider.clone() } else { others[i as usize % others.len()].clone() };
		let r = if i == 0 { shard_root } else { H256::from_low_u64_be(i as u64) };
		(Some(p), ShardState::Confirmed { index: 0 }, r)
	});
	let id = NextChallengeId::<T>::get();
	NextChallengeId::<T>::put(id + 1);
	let due = now::<T>() + T::ChallengeWindow::get();
	Challenges::<T>::insert(
		id,
		Challenge {
			root,
			shard: 0,
			shard_root,
			chunk: index,
			chunks,
			provider: provider.clone(),
			// After the file's submission, as every real challenge is.
			issued: now::<T>() + 1u32.into(),
			due,
		},
	);
	ProviderChallenges::<T>::insert(provider, id, ());
	Pallet::<T>::schedule(due, Task::Challenge(id));
	(id, proof)
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// Registration into a full pool of providers that are no longer eligible: every one is
	/// looked at and pruned.
	#[benchmark]
	fn register_provider() {
		providers::<T>(0);
		for i in 0..T::MaxProviders::get() {
			let gone: T::AccountId = account("gone", i, SEED);
			ProviderList::<T>::mutate(|l| l.try_push(gone.clone()).unwrap());
			Providers::<T>::insert(
				&gone,
				ProviderInfo::<T> { endpoint: Default::default(), registered_at: now::<T>() },
			);
		}
		let who = eligible::<T>(T::MaxProviders::get() + 1);
		let endpoint = alloc::vec![b'x'; T::MaxEndpointLen::get() as usize];
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), endpoint);
		assert_eq!(ProviderList::<T>::get().into_inner(), alloc::vec![who]);
	}

	#[benchmark]
	fn deregister_provider() {
		let all = providers::<T>(T::MaxProviders::get());
		let who = all.last().unwrap().clone();
		finalized::<T>(0, max_shards::<T>(), &[who.clone()]);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));
		assert!(Leaving::<T>::contains_key(&who));
	}

	/// `s` shards.
	#[benchmark]
	fn submit(s: Linear<3, { max_shards::<T>() }>) {
		Price::<T>::put(1);
		let owner = funded::<T>("owner", 0);
		// One chunk a shard: the size changes nothing but the regions it takes.
		let (k, m) = coding::<T>(s);
		let layout = FileLayout::new(k as u64 * CHUNK_SIZE as u64, k, m).unwrap();
		let roots: Vec<H256> = (0..s).map(|i| H256::from_low_u64_be(i as u64)).collect();
		let root = file_root(&layout, &roots);
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
		assert_eq!(Files::<T>::get(root).unwrap().status, FileStatus::Assigning);
	}

	/// `n` confirmations, each of the last unconfirmed shard of a file of the most shards with
	/// the deepest proof: each finalizes its file.
	#[benchmark]
	fn confirm_shards(n: Linear<1, { T::MaxBatch::get() }>) {
		let all = pool::<T>();
		let who = all[0].clone();
		with_seeds::<T>();
		let s = max_shards::<T>();
		let chunks = layout::<T>(s).chunks_per_shard();
		let at = T::Beacon::latest();
		let mut confirmations = Vec::new();
		for f in 0..n {
			let probe = H256::from_low_u64_be(0x5eed_0000_0000 + f as u64);
			let chunk = Pallet::<T>::confirm_chunk(probe, s - 1, at, chunks).unwrap();
			let (shard_root, proof) = shard_with_chunk(chunks, chunk, f);
			let root = put_file::<T>(f, s, FileStatus::Pending, |i| {
				if i == s - 1 {
					(
						Some(who.clone()),
						ShardState::Assigned { at, confirm_by: now::<T>() + 100u32.into() },
						shard_root,
					)
				} else {
					(
						Some(all[i as usize % all.len()].clone()),
						ShardState::Confirmed { index: 0 },
						H256::from_low_u64_be(i as u64),
					)
				}
			});
			assert_eq!(root, probe);
			confirmations.push(Confirmation { root, shard: s - 1, proof });
		}
		let confirmations: BoundedVec<_, T::MaxBatch> = confirmations.try_into().unwrap();
		#[extrinsic_call]
		_(RawOrigin::Signed(who), confirmations);
		assert_eq!(
			Files::<T>::get(H256::from_low_u64_be(0x5eed_0000_0000)).unwrap().status,
			FileStatus::Finalized
		);
	}

	/// `n` valid answers with the deepest proofs, each paying its shard.
	#[benchmark]
	fn answer_challenges(n: Linear<1, { T::MaxBatch::get() }>) {
		let all = pool::<T>();
		let who = all[0].clone();
		let answers: Vec<Answer> = (0..n)
			.map(|f| {
				let (challenge, proof) = challenged::<T>(f, &who, &all[1..]);
				Answer { challenge, proof }
			})
			.collect();
		frame_system::Pallet::<T>::set_block_number(now::<T>() + 1u32.into());
		#[extrinsic_call]
		answer_challenges(RawOrigin::Signed(who.clone()), answers.try_into().unwrap());
		assert!(ProviderChallenges::<T>::iter_prefix(&who).next().is_none());
	}

	/// `n` answers whose proofs do not verify: each slashes and hands the shard over.
	#[benchmark]
	fn answer_challenges_failing(n: Linear<1, { T::MaxBatch::get() }>) {
		let all = pool::<T>();
		let who = all[0].clone();
		let answers: Vec<Answer> = (0..n)
			.map(|f| {
				let (challenge, mut proof) = challenged::<T>(f, &who, &all[1..]);
				let mut chunk = proof.chunk.into_inner();
				chunk[0] ^= 1;
				proof.chunk = chunk.try_into().unwrap();
				Answer { challenge, proof }
			})
			.collect();
		#[extrinsic_call]
		answer_challenges(RawOrigin::Signed(who.clone()), answers.try_into().unwrap());
		assert!(ProviderShards::<T>::iter_prefix(&who).next().is_none());
	}

	#[benchmark]
	fn renew() {
		Price::<T>::put(1);
		let all = pool::<T>();
		let root = finalized::<T>(0, max_shards::<T>(), &all);
		let owner = funded::<T>("renewer", 0);
		let extra = T::MaxLifetime::get() / 2u32.into();
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), root, extra, Balance::MAX);
		assert!(Files::<T>::get(root).unwrap().escrow() > 100 * ZG * max_shards::<T>() as Balance);
	}

	#[benchmark]
	fn set_price() -> Result<(), BenchmarkError> {
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, 42);
		assert_eq!(Price::<T>::get(), 42);
		Ok(())
	}

	/// `on_initialize` with nothing due and nothing to challenge.
	#[benchmark]
	fn on_initialize_base() {
		let n = now::<T>();
		DeadlineCursor::<T>::put(n);
		#[block]
		{
			Pallet::<T>::on_initialize(n);
		}
	}

	/// The sweep issues `c` challenges (the regions call for `c` a block).
	#[benchmark]
	fn sweep(c: Linear<0, { T::MaxChallengesPerBlock::get() }>) {
		let all = pool::<T>();
		with_seeds::<T>();
		let s = max_shards::<T>();
		for f in 0..c.div_ceil(s) {
			finalized::<T>(f, s, &all);
		}
		let period: u64 = T::SweepPeriod::get().try_into().unwrap_or(u64::MAX);
		Regions::<T>::put(c as u64 * period);
		let n = now::<T>();
		#[block]
		{
			Pallet::<T>::sweep(n);
		}
		assert_eq!(NextChallengeId::<T>::get(), c as u64);
	}

	/// Drawing `s` shards' providers from a pool of `p`.
	#[benchmark]
	fn task_assign(
		p: Linear<{ max_shards::<T>().min(T::MaxProviders::get()) }, { T::MaxProviders::get() }>,
		s: Linear<3, { max_shards::<T>().min(T::MaxProviders::get()) }>,
	) {
		providers::<T>(p);
		let since = now::<T>();
		let root = put_file::<T>(0, s, FileStatus::Assigning, |i| {
			(None, ShardState::Unassigned { since }, H256::from_low_u64_be(i as u64))
		});
		frame_system::Pallet::<T>::set_block_number(T::Beacon::ready_at(since));
		T::Beacon::bench_fill();
		let n = now::<T>();
		#[block]
		{
			Pallet::<T>::assign(root, n);
		}
		assert_eq!(Files::<T>::get(root).unwrap().status, FileStatus::Pending);
	}

	/// A pending file of `s` shards with one shard too few confirmed (`k - 1`) is dropped at
	/// its deadline: every shard removed, the confirmed ones unindexed, the fee refunded.
	#[benchmark]
	fn task_confirm_file(s: Linear<3, { max_shards::<T>() }>) {
		let root = pending_at_deadline::<T>(s, coding::<T>(s).0 as u32 - 1);
		let due = Files::<T>::get(root).unwrap().confirm_by;
		frame_system::Pallet::<T>::set_block_number(due);
		#[block]
		{
			Pallet::<T>::run_task(due, due, Task::ConfirmFile(root));
		}
		assert!(!Files::<T>::contains_key(root));
	}

	/// A pending file of `s` shards with exactly `k` confirmed at its deadline: it is kept,
	/// degraded, and every other shard (`m` of them) released to be drawn again.
	#[benchmark]
	fn task_extend_file(s: Linear<3, { max_shards::<T>() }>) {
		let root = pending_at_deadline::<T>(s, coding::<T>(s).0 as u32);
		let due = Files::<T>::get(root).unwrap().confirm_by;
		frame_system::Pallet::<T>::set_block_number(due);
		#[block]
		{
			Pallet::<T>::run_task(due, due, Task::ConfirmFile(root));
		}
		assert_eq!(Files::<T>::get(root).unwrap().status, FileStatus::Degraded);
	}

	/// A handed-over shard not confirmed in time: slash and release.
	#[benchmark]
	fn task_confirm_shard() {
		let all = pool::<T>();
		let n = now::<T>();
		let s = max_shards::<T>();
		let root = put_file::<T>(0, s, FileStatus::Degraded, |i| {
			let state = if i == 0 {
				ShardState::Assigned { at: n, confirm_by: n }
			} else {
				ShardState::Confirmed { index: 0 }
			};
			(Some(all[i as usize % all.len()].clone()), state, H256::from_low_u64_be(i as u64))
		});
		#[block]
		{
			Pallet::<T>::run_task(n, n, Task::ConfirmShard(root, 0));
		}
		assert!(Files::<T>::get(root).unwrap().shards[0].provider.is_none());
	}

	/// A finalized file of `s` shards expires.
	#[benchmark]
	fn task_expire(s: Linear<3, { max_shards::<T>() }>) {
		let all = pool::<T>();
		let root = finalized::<T>(0, s, &all);
		let due = Files::<T>::get(root).unwrap().expires_at;
		frame_system::Pallet::<T>::set_block_number(due);
		#[block]
		{
			Pallet::<T>::run_task(due, due, Task::Expire(root));
		}
		assert!(!Files::<T>::contains_key(root));
	}

	/// Closing challenges for a finalized file of `s` shards, every one confirmed.
	#[benchmark]
	fn task_close(s: Linear<3, { max_shards::<T>() }>) {
		let all = pool::<T>();
		let root = finalized::<T>(0, s, &all);
		let close = Pallet::<T>::closing_block(Files::<T>::get(root).unwrap().expires_at);
		frame_system::Pallet::<T>::set_block_number(close);
		T::Beacon::bench_fill();
		#[block]
		{
			Pallet::<T>::run_task(close, close, Task::Close(root));
		}
		assert_eq!(NextChallengeId::<T>::get(), s as u64);
	}

	/// A fraud proof of `n` chunks (the deepest proofs) of the largest file, which no decoding
	/// reconciles: the file is ended and its escrow paid out.
	#[benchmark]
	fn report_inconsistent(
		n: Linear<{ coding::<T>(max_shards::<T>()).0 as u32 + 1 }, { max_shards::<T>() }>,
	) {
		let all = pool::<T>();
		let s = max_shards::<T>();
		let chunks = layout::<T>(s).chunks_per_shard();
		// Chunk 0 of every shard filled with the shard's index: not one codeword.
		let column: Vec<(H256, ChunkProof)> =
			(0..s).map(|i| shard_with_chunk(chunks, 0, i + 1)).collect();
		let root = put_file::<T>(0, s, FileStatus::Finalized, |i| {
			(
				Some(all[i as usize % all.len()].clone()),
				ShardState::Confirmed { index: 0 },
				column[i as usize].0,
			)
		});
		let proofs: Vec<(u32, ChunkProof)> =
			(0..n).map(|i| (i, column[i as usize].1.clone())).collect();
		let reporter = funded::<T>("reporter", 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(reporter), root, 0, proofs.try_into().unwrap());
		assert!(!Files::<T>::contains_key(root));
	}

	/// A missed challenge: slash and release.
	#[benchmark]
	fn task_challenge() {
		let all = pool::<T>();
		let (id, _) = challenged::<T>(0, &all[0], &all[1..]);
		let Challenge { due, root, .. } = Challenges::<T>::get(id).unwrap();
		frame_system::Pallet::<T>::set_block_number(due);
		#[block]
		{
			Pallet::<T>::run_task(due, due, Task::Challenge(id));
		}
		assert!(!Challenges::<T>::contains_key(id));
		// The missed challenge was a fault: the shard was taken from its provider.
		assert_ne!(Files::<T>::get(root).unwrap().shards[0].provider, Some(all[0].clone()));
	}

	/// A page of `n` shards of a departing provider is handed over (the last page).
	#[benchmark]
	fn task_handover(n: Linear<1, { T::HandoverPage::get() }>) {
		let all = pool::<T>();
		let who = all[0].clone();
		for f in 0..n {
			put_file::<T>(f, max_shards::<T>(), FileStatus::Finalized, |i| {
				let p = if i == 0 {
					who.clone()
				} else {
					all[1 + i as usize % (all.len() - 1)].clone()
				};
				(Some(p), ShardState::Confirmed { index: 0 }, H256::from_low_u64_be(i as u64))
			});
		}
		Leaving::<T>::insert(&who, now::<T>());
		let at = now::<T>();
		#[block]
		{
			Pallet::<T>::run_task(at, at, Task::Handover(who.clone()));
		}
		assert!(ProviderShards::<T>::iter_prefix(&who).next().is_none());
		assert!(!Leaving::<T>::contains_key(&who));
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
