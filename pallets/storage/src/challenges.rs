//! Challenges: the sweep that issues them, answers, and the punishment of misses.
//!
//! Every block, the sweep issues `⌈regions / SweepPeriod⌉` challenges (at most
//! [`Config::MaxChallengesPerBlock`]), where `regions` counts the challenge regions of every
//! committed shard: a shard of `c` chunks has `⌈c / ChallengeRegion⌉`. A cursor walks the
//! confirmed shards ([`ShardIndex`]) region by region, so every region of every confirmed shard
//! is challenged once per sweep, whatever the number or size of the other files: tiny files
//! cannot dilute the checks on large ones, and the number of challenges grows with the bytes
//! stored. The chunk within a region is drawn from the beacon's newest seed. (Shards that move
//! in the index while a sweep is under way may be visited once more or once less in that
//! sweep.)

use super::*;
use zg_pallet_support::stream;
use zg_primitives::{
	randomness,
	staking::SlashReason,
	storage::{leaf_hash, verify_merkle_path},
};

impl<T: Config> Pallet<T> {
	/// Issues this block's challenges.
	pub(crate) fn sweep(n: BlockNumberFor<T>) -> Weight {
		let count = ShardCount::<T>::get();
		let regions = Regions::<T>::get();
		if count == 0 || regions == 0 {
			return T::WeightInfo::sweep(0);
		}
		let period: u64 = T::SweepPeriod::get().try_into().unwrap_or(u64::MAX).max(1);
		let quota = regions.div_ceil(period).min(T::MaxChallengesPerBlock::get() as u64) as u32;
		let Some(seed) = T::Beacon::seed_after(b"zg-storage/sweep", T::Beacon::latest()) else {
			return T::WeightInfo::sweep(0);
		};
		let due = n.saturating_add(T::ChallengeWindow::get());
		let region_size = T::ChallengeRegion::get().max(1);
		let mut cursor = SweepCursor::<T>::get();
		let (mut issued, mut visited) = (0u32, 0u32);
		while issued < quota && visited < quota.saturating_mul(2) {
			visited += 1;
			if cursor.position >= count {
				cursor = Sweep::default();
			}
			let here = cursor;
			let Some((root, index)) = ShardIndex::<T>::get(here.position) else {
				cursor = Sweep { position: here.position.saturating_add(1), region: 0 };
				continue;
			};
			let Some(file) = Files::<T>::get(root) else {
				cursor = Sweep { position: here.position.saturating_add(1), region: 0 };
				continue;
			};
			let chunks = file.layout.chunks_per_shard();
			let shard_regions = chunks.div_ceil(region_size);
			cursor = if here.region.saturating_add(1) >= shard_regions {
				Sweep { position: here.position.saturating_add(1), region: 0 }
			} else {
				Sweep { position: here.position, region: here.region.saturating_add(1) }
			};
			let Some(shard) = file.shards.get(index as usize) else { continue };
			let (true, Some(provider)) = (shard.is_confirmed(), shard.provider.clone()) else {
				continue;
			};
			// A file that expires before the answer is due is settled at expiry; a file not yet
			// finalized is not paid for (if it is dropped, its fee goes back in full).
			if file.expires_at <= due || file.status == FileStatus::Pending {
				continue;
			}
			let start = here.region.saturating_mul(region_size).min(chunks.saturating_sub(1));
			let span = region_size.min(chunks.saturating_sub(start)).max(1);
			Self::issue_challenge(
				root,
				index,
				shard.root,
				chunks,
				(start, span),
				provider,
				&seed,
				due,
			);
			issued += 1;
		}
		SweepCursor::<T>::put(cursor);
		T::WeightInfo::sweep(visited)
	}

	/// Issues a challenge to `provider` on a random chunk of `range` (first chunk, number of
	/// chunks) of shard `index` of `root`, to be answered before `due`.
	#[allow(clippy::too_many_arguments)]
	fn issue_challenge(
		root: H256,
		index: u32,
		shard_root: H256,
		chunks: u32,
		(start, span): (u32, u32),
		provider: T::AccountId,
		seed: &H256,
		due: BlockNumberFor<T>,
	) {
		let id = NextChallengeId::<T>::get();
		NextChallengeId::<T>::put(id.saturating_add(1));
		let chunk = start.saturating_add(randomness::index(
			&randomness::derive(seed, &id.encode()),
			0,
			span.max(1),
		));
		Challenges::<T>::insert(
			id,
			Challenge {
				root,
				shard: index,
				shard_root,
				chunk,
				chunks,
				provider: provider.clone(),
				issued: frame_system::Pallet::<T>::block_number(),
				due,
			},
		);
		ProviderChallenges::<T>::insert(&provider, id, ());
		Self::schedule(due, Task::Challenge(id));
		Self::deposit_event(Event::ChallengeIssued {
			id,
			root,
			shard: index,
			chunk,
			provider,
			due,
		});
	}

	/// [`Task::Close`]: every confirmed shard of `root` is challenged on a random chunk, to be
	/// answered before the block of expiry, so that its provider can prove, and be paid for,
	/// the file's last stretch. Returns whether the file was there.
	pub(crate) fn closing_challenges(root: H256, now: BlockNumberFor<T>) -> bool {
		let Some(file) = Files::<T>::get(root) else { return false };
		let Some(seed) =
			T::Beacon::seed_after(&(b"zg-storage/close", root).encode(), T::Beacon::latest())
		else {
			return false;
		};
		let due = file.expires_at.saturating_sub(1u32.into());
		if due <= now {
			return false;
		}
		let chunks = file.layout.chunks_per_shard();
		let mut count = 0u32;
		for (index, shard) in file.shards.iter().enumerate() {
			let (true, Some(provider)) = (shard.is_confirmed(), shard.provider.clone()) else {
				continue;
			};
			Self::issue_challenge(
				root,
				index as u32,
				shard.root,
				chunks,
				(0, chunks),
				provider,
				&seed,
				due,
			);
			count += 1;
		}
		Self::deposit_event(Event::ClosingChallenges { root, count });
		true
	}

	/// Settles one well-formed answer of [`Pallet::answer_challenges`]: pays the shard's
	/// earnings since its last proof for a valid proof, punishes a proof that does not verify.
	pub(crate) fn answer(answer: Answer, c: Challenge<T::AccountId, BlockNumberFor<T>>) {
		let id = answer.challenge;
		Self::close_challenge(id, &c);
		let now = frame_system::Pallet::<T>::block_number();
		let valid = verify_merkle_path(
			&c.shard_root,
			leaf_hash(&answer.proof.chunk),
			c.chunk,
			c.chunks,
			&answer.proof.path,
		);
		if !valid {
			let slashed = Self::fault(&c, SlashReason::InvalidProof, now);
			Self::deposit_event(Event::ChallengeFailed { id, provider: c.provider, slashed });
			return;
		}
		let mut paid = 0;
		if let Some(mut file) = Files::<T>::get(c.root) {
			let expires_at = file.expires_at;
			if let Some(shard) = file.shards.get_mut(c.shard as usize) {
				if shard.is_confirmed() && shard.provider.as_ref() == Some(&c.provider) {
					let due = stream::accrued(shard.escrow, shard.paid_until, now, expires_at);
					shard.escrow = shard.escrow.saturating_sub(due);
					shard.paid_until = now.min(expires_at);
					paid = Self::pay_out(&c.provider, due);
					Files::<T>::insert(c.root, file);
				}
			}
		}
		Self::deposit_event(Event::ChallengeAnswered { id, provider: c.provider, paid });
	}

	/// [`Task::Challenge`]: a challenge still open at its deadline is a fault, unless its file
	/// has ended meanwhile (even if the same root was submitted again since: its provider may
	/// have thrown the shard away). Returns whether it was open.
	pub(crate) fn challenge_deadline(id: ChallengeId, now: BlockNumberFor<T>) -> bool {
		let Some(c) = Challenges::<T>::get(id) else { return false };
		Self::close_challenge(id, &c);
		if !Files::<T>::get(c.root).is_some_and(|f| f.submitted_at < c.issued) {
			return true;
		}
		let slashed = Self::fault(&c, SlashReason::MissedChallenge, now);
		Self::deposit_event(Event::ChallengeMissed { id, provider: c.provider, slashed });
		true
	}

	fn close_challenge(id: ChallengeId, c: &Challenge<T::AccountId, BlockNumberFor<T>>) {
		Challenges::<T>::remove(id);
		ProviderChallenges::<T>::remove(&c.provider, id);
		Self::unschedule(c.due, Task::Challenge(id));
	}

	/// Slashes the provider of challenge `c` for `reason` and, if it still holds the shard,
	/// hands the shard over. Returns the amount slashed.
	fn fault(
		c: &Challenge<T::AccountId, BlockNumberFor<T>>,
		reason: SlashReason,
		now: BlockNumberFor<T>,
	) -> Balance {
		let slashed = T::Staking::slash_role(
			&c.provider,
			Role::StorageProvider,
			T::FaultSlash::get(),
			reason,
			None,
		);
		if let Some(mut file) = Files::<T>::get(c.root) {
			let holds = file.shards.get(c.shard as usize).is_some_and(|s| {
				s.is_confirmed()
					&& s.provider.as_ref() == Some(&c.provider)
					&& s.root == c.shard_root
			});
			if holds {
				Self::release_shard(c.root, &mut file, c.shard, now);
				Files::<T>::insert(c.root, file);
			}
		}
		slashed
	}
}
