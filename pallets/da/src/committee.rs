//! Signers and committees: the candidates fixed before an epoch, the seats drawn at its start.

use super::*;
use zg_primitives::randomness::weighted_index;

impl<T: Config> Pallet<T> {
	/// Fixes the next epoch's candidates [`Config::SnapshotLead`] blocks before it, and draws
	/// its committee at its first block.
	pub(crate) fn epoch_hook(n: BlockNumberFor<T>) -> Weight {
		let length = T::EpochLength::get();
		let phase = n % length;
		if phase == length.saturating_sub(T::SnapshotLead::get()) {
			let signers = SignerList::<T>::decode_len().unwrap_or(0) as u32;
			Self::snapshot(n, Self::epoch_of(n).saturating_add(1));
			T::WeightInfo::epoch_snapshot(signers)
		} else if phase.is_zero() {
			let candidates = NextCandidates::<T>::get().map_or(0, |s| s.candidates.len() as u32);
			Self::draw_committee(Self::epoch_of(n));
			T::WeightInfo::epoch_draw(candidates, Params::<T>::get().seats)
		} else {
			T::DbWeight::get().reads(0)
		}
	}

	/// Fixes the candidates of `epoch`: every registered signer that is eligible, with its
	/// `DaSigner` stake. Signers that are no longer eligible are pruned.
	pub(crate) fn snapshot(n: BlockNumberFor<T>, epoch: Epoch) {
		let mut candidates = BoundedVec::<(T::AccountId, Balance), T::MaxSigners>::new();
		for who in SignerList::<T>::get() {
			if T::Staking::is_eligible(&who, Role::DaSigner) {
				let stake = T::Staking::role_stake(&who, Role::DaSigner);
				// The list and the snapshot have the same bound.
				let _ = candidates.try_push((who, stake));
			} else {
				Self::remove_signer(&who);
				Self::deposit_event(Event::SignerPruned { who });
			}
		}
		let count = candidates.len() as u32;
		NextCandidates::<T>::put(Snapshot { epoch, at: n, candidates });
		Self::deposit_event(Event::CandidatesFixed { epoch, candidates: count });
	}

	/// Draws `epoch`'s committee from its snapshot and the seed after it, and makes it current.
	/// The candidates are taken as fixed: one that leaves once the seed is known cannot change
	/// the draw (it keeps its seats, and its bond answers for what it attests).
	pub(crate) fn draw_committee(epoch: Epoch) {
		CurrentEpoch::<T>::put(epoch);
		Self::release_committee(epoch.saturating_sub(1));
		let snapshot = NextCandidates::<T>::take().filter(|s| s.epoch == epoch);
		let seed = snapshot
			.as_ref()
			.and_then(|s| T::Beacon::seed_after(&(b"zg-da-committee", epoch).encode(), s.at));
		let committee = match (snapshot, seed) {
			(Some(snapshot), Some(seed)) => {
				Self::select(&seed, &snapshot.candidates, Params::<T>::get().seats)
			},
			_ => None,
		};
		match committee {
			Some(committee) => {
				let seats = committee.seat_count();
				let members = committee.members.clone().into_inner();
				Committees::<T>::insert(epoch, committee);
				Self::deposit_event(Event::CommitteeSelected { epoch, members, seats });
			},
			None => Self::deposit_event(Event::NoCommittee { epoch }),
		}
	}

	/// Draws epoch 0's committee at genesis from the signers registered there, with a seed
	/// everyone knows (`blake2_256("zg-da-genesis-committee")`): the genesis's authors choose
	/// its signers anyway, and every later committee is drawn from the beacon as usual.
	pub(crate) fn draw_genesis_committee() {
		Self::snapshot(Zero::zero(), 0);
		let snapshot = NextCandidates::<T>::take();
		let seed = H256(sp_io::hashing::blake2_256(b"zg-da-genesis-committee"));
		let committee =
			snapshot.and_then(|s| Self::select(&seed, &s.candidates, Params::<T>::get().seats));
		match committee {
			Some(committee) => Committees::<T>::insert(0, committee),
			None => log::warn!(
				target: "runtime::zg-da",
				"too few genesis signers for a committee: DA starts at the first epoch drawn"
			),
		}
	}

	/// Deals `seats` seats among `candidates`: each seat to a candidate drawn with probability
	/// proportional to its stake among those below the cap of [`Config::MaxSeatShare`] of the
	/// seats (at least one). Fewer seats are dealt when every candidate is at the cap. `None`
	/// when fewer candidates have stake than it takes to fill the seats under the cap
	/// ([`Pallet::min_candidates`]): a committee of fewer would give one signer more than its
	/// share.
	pub fn select(
		seed: &H256,
		candidates: &[(T::AccountId, Balance)],
		seats: u32,
	) -> Option<Committee<T>> {
		let seats = seats.min(T::MaxSeats::get());
		let cap = Self::seat_cap(seats);
		let staked = candidates.iter().filter(|(_, stake)| !stake.is_zero()).count() as u32;
		if staked < Self::min_candidates() {
			return None;
		}
		let mut taken = alloc::vec![0u32; candidates.len()];
		let mut committee =
			Committee::<T> { members: BoundedVec::new(), seats: BoundedVec::new(), cap, blobs: 0 };
		let mut member_of = alloc::vec![None::<u32>; candidates.len()];
		for nonce in 0..seats {
			let weights: Vec<u128> = candidates
				.iter()
				.zip(&taken)
				.map(|((_, stake), t)| if *t < cap { *stake } else { 0 })
				.collect();
			let Some(i) = weighted_index(seed, nonce, &weights) else { break };
			taken[i] = taken[i].saturating_add(1);
			let member = match member_of[i] {
				Some(m) => m,
				None => {
					let m = committee.members.len() as u32;
					committee.members.try_push((candidates[i].0.clone(), 0)).ok()?;
					member_of[i] = Some(m);
					m
				},
			};
			committee.seats.try_push(member).ok()?;
			if let Some((_, n)) = committee.members.get_mut(member as usize) {
				*n = n.saturating_add(1);
			}
		}
		(!committee.seats.is_empty()).then_some(committee)
	}

	/// The most seats one signer may hold in a committee of `seats`.
	pub fn seat_cap(seats: u32) -> u32 {
		(T::MaxSeatShare::get() * seats).max(1)
	}

	/// The fewest candidates with stake a committee is drawn from: `⌈1 / MaxSeatShare⌉`.
	pub fn min_candidates() -> u32 {
		let parts = T::MaxSeatShare::get().deconstruct().max(1);
		1_000_000_000u32.div_ceil(parts)
	}

	/// Removes `epoch`'s committee if it is not current and no blob needs it.
	pub(crate) fn release_committee(epoch: Epoch) {
		if epoch == CurrentEpoch::<T>::get() {
			return;
		}
		if Committees::<T>::get(epoch).is_some_and(|c| c.blobs == 0) {
			Committees::<T>::remove(epoch);
		}
	}

	/// Removes `who` from the signer list.
	pub(crate) fn remove_signer(who: &T::AccountId) {
		Signers::<T>::remove(who);
		SignerList::<T>::mutate(|list| list.retain(|s| s != who));
	}

	/// Removes every signer that is no longer eligible.
	pub(crate) fn prune_signers() {
		for who in SignerList::<T>::get() {
			if !T::Staking::is_eligible(&who, Role::DaSigner) {
				Self::remove_signer(&who);
				Self::deposit_event(Event::SignerPruned { who });
			}
		}
	}
}
