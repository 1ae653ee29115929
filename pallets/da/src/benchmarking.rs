//! Benchmarks of every call and hook at its worst case: the largest committee, the largest
//! square, the most candidates.

use super::*;
use frame_benchmarking::v2::*;
use frame_support::traits::EnsureOrigin;
use frame_support::traits::Hooks;
use frame_system::RawOrigin;
use zg_primitives::{
	da::{data_root, quorum},
	storage::{leaf_hash, MerkleTree},
};

/// Signs attestations in benchmarks with keys the runtime can reach.
pub trait BenchmarkHelper<AccountId, Signature> {
	/// The `i`-th benchmark signer.
	fn signer(i: u32) -> AccountId;
	/// `signer`'s signature of `payload`.
	fn sign(signer: &AccountId, payload: &[u8]) -> Signature;
}

fn funded<T: Config>(name: &'static str, i: u32) -> T::AccountId {
	let who: T::AccountId = account(name, i, 0);
	let _ = T::Currency::mint_into(&who, 1_000_000 * zg_primitives::currency::ZG);
	who
}

/// A committee of `members` bonded members with one seat each, for the current epoch; the
/// members' accounts are the helper's signers.
fn committee<T: Config>(members: u32) -> Vec<T::AccountId> {
	let accounts: Vec<T::AccountId> = (0..members).map(|i| T::BenchmarkHelper::signer(i)).collect();
	for who in &accounts {
		T::Staking::bench_make_eligible(who, Role::DaSigner).expect("a DaSigner bond");
	}
	let committee = Committee::<T> {
		members: accounts.iter().map(|a| (a.clone(), 1)).collect::<Vec<_>>().try_into().unwrap(),
		seats: (0..members).collect::<Vec<_>>().try_into().unwrap(),
		cap: 1,
		blobs: 0,
	};
	Committees::<T>::insert(CurrentEpoch::<T>::get(), committee);
	Params::<T>::put(DaParams { seats: members, price: 1 });
	accounts
}

/// A blob of `layout` committed by `root`, escrowed, in the current epoch, attested by the
/// members `attesters`, with `status`.
fn put_blob<T: Config>(
	root: H256,
	layout: BlobLayout,
	attesters: &[u32],
	status: BlobStatus<BlockNumberFor<T>>,
) {
	let disperser = funded::<T>("disperser", 0);
	let fee = Pallet::<T>::fee(&layout).unwrap();
	let deposit = T::DisperserDeposit::get();
	Pallet::<T>::hold(&disperser, fee + deposit).unwrap();
	let epoch = CurrentEpoch::<T>::get();
	let mut committee = Committees::<T>::get(epoch).unwrap();
	committee.blobs += 1;
	let now = frame_system::Pallet::<T>::block_number();
	let attest_by = now + T::AttestationPeriod::get();
	let index = match status {
		BlobStatus::Available { until, .. } => {
			let i = AvailableCount::<T>::get();
			AvailableIndex::<T>::insert(i, root);
			AvailableCount::<T>::put(i + 1);
			Queue::<T>::schedule(now, until, Task::Expire(root));
			Some(i)
		},
		BlobStatus::Pending => None,
	};
	Queue::<T>::schedule(now, attest_by + One::one(), Task::AttestBy(root));
	for m in attesters {
		Pallet::<T>::add_duty(&committee.members[*m as usize].0);
	}
	Committees::<T>::insert(epoch, committee);
	Blobs::<T>::insert(
		root,
		BlobInfo {
			disperser,
			layout,
			epoch,
			submitted_at: now,
			attest_by,
			status,
			fee,
			deposit,
			attesters: attesters.to_vec().try_into().unwrap(),
			attested_seats: attesters.len() as u32,
			forfeited: BoundedVec::new(),
			index,
		},
	);
}

fn available<T: Config>() -> BlobStatus<BlockNumberFor<T>> {
	let now = frame_system::Pallet::<T>::block_number();
	BlobStatus::Available { since: now, until: now + T::Retention::get() }
}

/// The largest square, committed with a real row 0 (chunks `i as u8`) whose every chunk has a
/// path, and arbitrary other roots: enough for proofs of row 0, which is all the pallet
/// checks.
struct Square {
	layout: BlobLayout,
	rows: Vec<H256>,
	columns: Vec<H256>,
	row0: MerkleTree,
	root: H256,
}

fn largest_square() -> Square {
	largest_square_variant(0)
}

/// The largest square with the column roots of variant `v`: another commitment, the same row 0.
fn largest_square_variant(v: u32) -> Square {
	let layout = BlobLayout::new(zg_primitives::da::MAX_BLOB_SIZE).unwrap();
	let width = layout.width();
	let row0 = MerkleTree::new((0..width).map(|i| leaf_hash(&[i as u8; CHUNK_SIZE])).collect());
	let mut rows: Vec<H256> = (0..width).map(|i| H256::repeat_byte(i as u8 | 1)).collect();
	rows[0] = row0.root();
	let mut columns: Vec<H256> = (0..width).map(|i| H256::repeat_byte(i as u8 | 2)).collect();
	columns[0] = H256::from_low_u64_be(u64::from(v) + 2);
	let root = data_root(&layout, &rows, &columns);
	Square { layout, rows, columns, row0, root }
}

fn axis_path(square: &Square, line: Line) -> Vec<H256> {
	let mut axis = square.rows.clone();
	axis.extend_from_slice(&square.columns);
	MerkleTree::new(axis).proof(line.axis_leaf(&square.layout)).unwrap()
}

/// Moves to the middle of an epoch, with the beacon's seeds filled.
/// Empties the signer list (the worst cases fill it themselves).
fn no_signers<T: Config>() {
	for who in SignerList::<T>::take() {
		Signers::<T>::remove(who);
	}
}

fn mid_epoch<T: Config>() {
	let n = T::EpochLength::get() * 10u32.into() + One::one();
	frame_system::Pallet::<T>::set_block_number(n);
	CurrentEpoch::<T>::put(Pallet::<T>::epoch_of(n));
	DeadlineCursor::<T>::put(n);
	T::Beacon::bench_fill();
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// The list is full of signers that lost their bond: all are pruned first.
	#[benchmark]
	fn register_signer() {
		no_signers::<T>();
		for i in 0..T::MaxSigners::get() {
			let who: T::AccountId = account("gone", i, 0);
			SignerList::<T>::try_append(who.clone()).unwrap();
			Signers::<T>::insert(
				&who,
				SignerInfo { endpoint: BoundedVec::new(), registered_at: Zero::zero() },
			);
		}
		let who = funded::<T>("signer", 0);
		T::Staking::bench_make_eligible(&who, Role::DaSigner).unwrap();
		let endpoint = alloc::vec![b'x'; T::MaxEndpointLen::get() as usize];
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), endpoint);
		assert!(Signers::<T>::contains_key(&who));
	}

	/// The last of a full list leaves.
	#[benchmark]
	fn deregister_signer() {
		no_signers::<T>();
		let mut last = None;
		for i in 0..T::MaxSigners::get() {
			let who: T::AccountId = account("signer", i, 0);
			SignerList::<T>::try_append(who.clone()).unwrap();
			Signers::<T>::insert(
				&who,
				SignerInfo { endpoint: BoundedVec::new(), registered_at: Zero::zero() },
			);
			last = Some(who);
		}
		let who = last.unwrap();
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));
		assert!(!Signers::<T>::contains_key(&who));
	}

	#[benchmark]
	fn submit_blob() {
		mid_epoch::<T>();
		committee::<T>(T::MaxSeats::get());
		let who = funded::<T>("disperser", 1);
		let square = largest_square();
		#[extrinsic_call]
		_(RawOrigin::Signed(who), square.root, square.layout, Balance::MAX);
		assert!(Blobs::<T>::contains_key(square.root));
	}

	/// `n` members attest a pending blob at once; the last brings the quorum.
	#[benchmark]
	fn attest(n: Linear<1, { T::MaxSeats::get() }>) {
		mid_epoch::<T>();
		let members = committee::<T>(T::MaxSeats::get());
		// Members before the `n` new ones have attested already, just short of the quorum.
		let quorum = quorum(T::MaxSeats::get());
		let before: Vec<u32> = (0..quorum.saturating_sub(n)).collect();
		let square = largest_square();
		put_blob::<T>(square.root, square.layout, &before, BlobStatus::Pending);
		let epoch = CurrentEpoch::<T>::get();
		let blob = Blobs::<T>::get(square.root).unwrap();
		let payload = Pallet::<T>::attestation_payload(&square.root, &blob);
		let start = before.len() as u32;
		let batch: Vec<_> = (start..start + n)
			.map(|i| {
				let signer = members[i as usize].clone();
				let signature = T::BenchmarkHelper::sign(&signer, &payload);
				Attestation { signer, epoch, signature }
			})
			.collect();
		let caller = funded::<T>("caller", 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(caller), square.root, batch.try_into().unwrap());
		assert!(Pallet::<T>::is_available(square.root));
	}

	/// A challenge of a member that holds the most lines of the largest square.
	#[benchmark]
	fn challenge() {
		mid_epoch::<T>();
		committee::<T>(T::MaxSeats::get());
		let square = largest_square();
		let all: Vec<u32> = (0..T::MaxSeats::get()).collect();
		put_blob::<T>(square.root, square.layout, &all, available::<T>());
		let challenger = funded::<T>("challenger", 0);
		T::Staking::bench_make_eligible(&challenger, Role::StorageProvider).unwrap();
		let signer = T::BenchmarkHelper::signer(0);
		#[extrinsic_call]
		_(RawOrigin::Signed(challenger), square.root, signer);
		assert!(Challenges::<T>::contains_key(0));
	}

	/// `n` answers in one call, each a challenge of the same member on another blob of the
	/// largest square, answered with a chunk of row 0 and paid a challenger's deposit.
	#[benchmark]
	fn answer_challenges(n: Linear<1, MAX_ANSWERS>) {
		mid_epoch::<T>();
		let members = committee::<T>(T::MaxSeats::get());
		let all: Vec<u32> = (0..T::MaxSeats::get()).collect();
		let challenger = funded::<T>("challenger", 0);
		let now = frame_system::Pallet::<T>::block_number();
		let due = now + T::ChallengeWindow::get();
		let mut answers = Vec::new();
		for id in 0..n {
			let square = largest_square_variant(id);
			put_blob::<T>(square.root, square.layout, &all, available::<T>());
			Pallet::<T>::hold(&challenger, T::ChallengeDeposit::get()).unwrap();
			let pos = square.layout.width() - 1 - id;
			Challenges::<T>::insert(
				id as ChallengeId,
				Challenge {
					root: square.root,
					layout: square.layout,
					submitted_at: now,
					signer: members[0].clone(),
					line: Line::Row(0),
					pos,
					challenger: Some((challenger.clone(), T::ChallengeDeposit::get())),
					due,
				},
			);
			OpenChallenges::<T>::insert(square.root, &members[0], id as ChallengeId);
			Queue::<T>::schedule(now, due, Task::Challenge(id as ChallengeId));
			Pallet::<T>::add_duty(&members[0]);
			answers.push((
				id as ChallengeId,
				CellAnswer {
					line: Line::Row(0),
					pos,
					chunk: alloc::vec![pos as u8; CHUNK_SIZE].try_into().unwrap(),
					path: square.row0.proof(pos).unwrap().try_into().unwrap(),
					line_root: square.rows[0],
					axis_path: axis_path(&square, Line::Row(0)).try_into().unwrap(),
				},
			));
		}
		let answers: BoundedVec<_, ConstU32<MAX_ANSWERS>> = answers.try_into().unwrap();
		#[extrinsic_call]
		_(RawOrigin::Signed(members[0].clone()), answers);
		assert_eq!(Challenges::<T>::iter().count(), 0);
	}

	/// A proof of bad encoding of row 0 of a square of side `k`: `k` chunks decoded, each
	/// proven in its column; every member attested.
	#[benchmark]
	fn report_bad_encoding(k: Linear<1, { MAX_SIDE as u32 }>) {
		mid_epoch::<T>();
		committee::<T>(T::MaxSeats::get());
		// The smallest blob of side `k`.
		let layout = BlobLayout::new((k as u64 - 1).pow(2) * CHUNK_SIZE as u64 + 1).unwrap();
		assert_eq!(layout.k(), k);
		let width = layout.width();
		// Every column the same: chunk `(i, j)` is `[i; 1 KiB]`; row 0 is then all zeros,
		// which decodes to zeros, and its committed root is not theirs.
		let column =
			MerkleTree::new((0..width).map(|i| leaf_hash(&[i as u8; CHUNK_SIZE])).collect());
		let columns: Vec<H256> = (0..width).map(|_| column.root()).collect();
		let rows: Vec<H256> = (0..width).map(|i| H256::repeat_byte(i as u8 | 1)).collect();
		let root = data_root(&layout, &rows, &columns);
		let attesters: Vec<u32> = (0..T::MaxSeats::get()).collect();
		put_blob::<T>(root, layout, &attesters, available::<T>());
		let path = column.proof(0).unwrap();
		// The parity half, so that decoding runs the Reed-Solomon decoder.
		let chunks: Vec<ProofChunk> = (k..2 * k)
			.map(|pos| ProofChunk {
				pos,
				chunk: alloc::vec![0u8; CHUNK_SIZE].try_into().unwrap(),
				path: path.clone().try_into().unwrap(),
			})
			.collect();
		let proof = EncodingProof { line: Line::Row(0), chunks: chunks.try_into().unwrap() };
		let reporter = funded::<T>("reporter", 0);
		#[extrinsic_call]
		_(
			RawOrigin::Signed(reporter),
			root,
			rows.try_into().unwrap(),
			columns.try_into().unwrap(),
			proof,
		);
		assert!(!Blobs::<T>::contains_key(root));
	}

	/// A proof that row 0 of a square of side `k` is no codeword: `k` zero chunks and a
	/// non-zero one, all under the row's committed root. Every member attested except those
	/// holding row 0 (their slashing is [`slash_attesters`]).
	#[benchmark]
	fn report_bad_line(k: Linear<1, { MAX_SIDE as u32 }>) {
		mid_epoch::<T>();
		committee::<T>(T::MaxSeats::get());
		let layout = BlobLayout::new((k as u64 - 1).pow(2) * CHUNK_SIZE as u64 + 1).unwrap();
		let width = layout.width();
		let chunk = |p: u32| if p == k { [1u8; CHUNK_SIZE] } else { [0u8; CHUNK_SIZE] };
		let row0 = MerkleTree::new((0..width).map(|p| leaf_hash(&chunk(p))).collect());
		let mut rows: Vec<H256> = (0..width).map(|i| H256::repeat_byte(i as u8 | 1)).collect();
		rows[0] = row0.root();
		let columns: Vec<H256> = (0..width).map(|i| H256::repeat_byte(i as u8 | 2)).collect();
		let root = data_root(&layout, &rows, &columns);
		let seats = T::MaxSeats::get();
		let turn = zg_primitives::da::rotation(&root, seats, width);
		let attesters: Vec<u32> =
			(0..seats).filter(|s| !zg_primitives::da::holds(*s, seats, width, turn, 0)).collect();
		put_blob::<T>(root, layout, &attesters, available::<T>());
		let mut axis = rows.clone();
		axis.extend_from_slice(&columns);
		// The parity half (through the non-zero chunk at `k`) decodes, chunk 0 disagrees.
		let chunks: Vec<ProofChunk> = (k..2 * k)
			.chain(core::iter::once(0))
			.map(|p| ProofChunk {
				pos: p,
				chunk: chunk(p).to_vec().try_into().unwrap(),
				path: row0.proof(p).unwrap().try_into().unwrap(),
			})
			.collect();
		let proof = LineProof {
			line: Line::Row(0),
			line_root: rows[0],
			axis_path: MerkleTree::new(axis).proof(0).unwrap().try_into().unwrap(),
			chunks: chunks.try_into().unwrap(),
		};
		let reporter = funded::<T>("reporter", 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(reporter), root, proof);
		assert!(!Blobs::<T>::contains_key(root));
	}

	/// `m` attesters of the smallest square (where half the seats hold each line) slashed.
	#[benchmark]
	fn slash_attesters(m: Linear<1, { T::MaxSeats::get().div_ceil(2) }>) {
		mid_epoch::<T>();
		committee::<T>(T::MaxSeats::get());
		let layout = BlobLayout::new(1).unwrap();
		let root = H256::repeat_byte(7);
		let seats = T::MaxSeats::get();
		let turn = zg_primitives::da::rotation(&root, seats, layout.width());
		let holds = |s: &u32| zg_primitives::da::holds(*s, seats, layout.width(), turn, 0);
		let mut attesters: Vec<u32> = (0..seats).filter(|s| !holds(s)).collect();
		attesters.extend((0..seats).filter(holds).take(m as usize));
		let invalid = InvalidBlob::<T> {
			layout,
			epoch: CurrentEpoch::<T>::get(),
			attesters: attesters.try_into().unwrap(),
			slashed: BoundedVec::new(),
			until: frame_system::Pallet::<T>::block_number(),
		};
		let reporter = funded::<T>("reporter", 0);
		let slashed;
		#[block]
		{
			slashed = Pallet::<T>::slash_line_holders(root, &invalid, 0, &reporter);
		}
		assert_eq!(slashed.len() as u32, m);
	}

	#[benchmark]
	fn set_params() -> Result<(), BenchmarkError> {
		let params = DaParams { seats: T::MaxSeats::get(), price: 7 };
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, params);
		assert_eq!(Params::<T>::get(), params);
		Ok(())
	}

	/// `on_initialize` with no epoch work, nothing due and no available blob.
	#[benchmark]
	fn on_initialize_base() {
		mid_epoch::<T>();
		let n = frame_system::Pallet::<T>::block_number() + One::one();
		frame_system::Pallet::<T>::set_block_number(n);
		#[block]
		{
			Pallet::<T>::on_initialize(n);
		}
	}

	/// The candidates of the next epoch fixed among `s` registered, eligible signers.
	#[benchmark]
	fn epoch_snapshot(s: Linear<1, { T::MaxSigners::get() }>) {
		no_signers::<T>();
		for i in 0..s {
			let who: T::AccountId = account("signer", i, 0);
			T::Staking::bench_make_eligible(&who, Role::DaSigner).unwrap();
			SignerList::<T>::try_append(who.clone()).unwrap();
			Signers::<T>::insert(
				&who,
				SignerInfo { endpoint: BoundedVec::new(), registered_at: Zero::zero() },
			);
		}
		let n = frame_system::Pallet::<T>::block_number();
		#[block]
		{
			Pallet::<T>::snapshot(n, 1);
		}
		assert_eq!(NextCandidates::<T>::get().unwrap().candidates.len() as u32, s);
	}

	/// The committee of `s` seats drawn among `c` candidates.
	#[benchmark]
	fn epoch_draw(c: Linear<1, { T::MaxSigners::get() }>, s: Linear<1, { T::MaxSeats::get() }>) {
		no_signers::<T>();
		mid_epoch::<T>();
		// Fewer candidates draw no committee.
		let c = c.max(Pallet::<T>::min_candidates());
		let mut candidates = Vec::new();
		for i in 0..c {
			let who: T::AccountId = account("signer", i, 0);
			T::Staking::bench_make_eligible(&who, Role::DaSigner).unwrap();
			SignerList::<T>::try_append(who.clone()).unwrap();
			Signers::<T>::insert(
				&who,
				SignerInfo { endpoint: BoundedVec::new(), registered_at: Zero::zero() },
			);
			candidates.push((who.clone(), T::Staking::role_stake(&who, Role::DaSigner)));
		}
		Params::<T>::put(DaParams { seats: s, price: 1 });
		let epoch = CurrentEpoch::<T>::get() + 1;
		let at = frame_system::Pallet::<T>::block_number() - T::SnapshotLead::get();
		NextCandidates::<T>::put(Snapshot {
			epoch,
			at,
			candidates: candidates.try_into().unwrap(),
		});
		#[block]
		{
			Pallet::<T>::draw_committee(epoch);
		}
		assert!(Committees::<T>::contains_key(epoch));
	}

	/// A pending blob attested by `m` members fails: refund and `m` duties.
	#[benchmark]
	fn task_fail(m: Linear<1, { T::MaxSeats::get() }>) {
		mid_epoch::<T>();
		committee::<T>(T::MaxSeats::get());
		let square = largest_square();
		let attesters: Vec<u32> = (0..m).collect();
		put_blob::<T>(square.root, square.layout, &attesters, BlobStatus::Pending);
		let due = Blobs::<T>::get(square.root).unwrap().attest_by + One::one();
		#[block]
		{
			Pallet::<T>::run_task(due, Task::AttestBy(square.root));
		}
		assert!(!Blobs::<T>::contains_key(square.root));
	}

	/// An available blob attested by `m` members expires: `m` payments.
	#[benchmark]
	fn task_expire(m: Linear<1, { T::MaxSeats::get() }>) {
		mid_epoch::<T>();
		committee::<T>(T::MaxSeats::get());
		let square = largest_square();
		let attesters: Vec<u32> = (0..m).collect();
		let status = available::<T>();
		put_blob::<T>(square.root, square.layout, &attesters, status);
		let BlobStatus::Available { until, .. } = status else { unreachable!() };
		#[block]
		{
			Pallet::<T>::run_task(until, Task::Expire(square.root));
		}
		assert!(!Blobs::<T>::contains_key(square.root));
	}

	/// An invalid blob attested by `m` members is forgotten: `m` duties end.
	#[benchmark]
	fn task_forget(m: Linear<1, { T::MaxSeats::get() }>) {
		mid_epoch::<T>();
		let members = committee::<T>(T::MaxSeats::get());
		let root = H256::repeat_byte(9);
		let epoch = CurrentEpoch::<T>::get();
		Committees::<T>::mutate(epoch, |c| c.as_mut().unwrap().blobs += 1);
		for who in members.iter().take(m as usize) {
			Pallet::<T>::add_duty(who);
		}
		let now = frame_system::Pallet::<T>::block_number();
		let until = Queue::<T>::schedule(now, now + One::one(), Task::Forget(root));
		Invalid::<T>::insert(
			root,
			InvalidBlob::<T> {
				layout: BlobLayout::new(1).unwrap(),
				epoch,
				attesters: (0..m).collect::<Vec<_>>().try_into().unwrap(),
				slashed: BoundedVec::new(),
				until,
			},
		);
		#[block]
		{
			Pallet::<T>::run_task(until, Task::Forget(root));
		}
		assert!(!Invalid::<T>::contains_key(root));
	}

	/// A raised challenge goes unanswered: the member is slashed, the challenger repaid.
	#[benchmark]
	fn task_challenge() {
		mid_epoch::<T>();
		let members = committee::<T>(T::MaxSeats::get());
		let square = largest_square();
		let all: Vec<u32> = (0..T::MaxSeats::get()).collect();
		put_blob::<T>(square.root, square.layout, &all, available::<T>());
		let challenger = funded::<T>("challenger", 0);
		T::Staking::bench_make_eligible(&challenger, Role::StorageProvider).unwrap();
		Pallet::<T>::do_challenge(challenger, square.root, members[0].clone()).unwrap();
		let due = Challenges::<T>::get(0).unwrap().due;
		#[block]
		{
			Pallet::<T>::run_task(due, Task::Challenge(0));
		}
		assert!(!Challenges::<T>::contains_key(0));
	}

	/// `r` challenges drawn among the attesters of the largest square.
	#[benchmark]
	fn random_challenges(r: Linear<1, 8>) {
		mid_epoch::<T>();
		committee::<T>(T::MaxSeats::get());
		let square = largest_square();
		let all: Vec<u32> = (0..T::MaxSeats::get()).collect();
		put_blob::<T>(square.root, square.layout, &all, available::<T>());
		let n = frame_system::Pallet::<T>::block_number();
		#[block]
		{
			Pallet::<T>::draw_random_challenges(n, r);
		}
		// Draws that hit a member already challenged on the blob are skipped.
		assert!(NextChallengeId::<T>::get() >= 1);
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
