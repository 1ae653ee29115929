//! A file's confirmations, its end (dropped or expired), the index of confirmed shards that
//! the challenge sweep walks, and the escrow account.

use super::*;
use frame_support::traits::tokens::{Fortitude, Precision};
use zg_pallet_support::stream;
use zg_primitives::{randomness, storage::verify_chunk};

impl<T: Config> Pallet<T> {
	/// The chunk that a confirmation of shard `shard` of `root`, assigned in block `at`, must
	/// prove: drawn from the beacon's seed after `at`, so the provider learns it only after it
	/// was assigned the shard. `None` until that seed exists (or once it is no longer kept).
	pub fn confirm_chunk(
		root: H256,
		shard: u32,
		at: BlockNumberFor<T>,
		chunks: u32,
	) -> Option<u32> {
		let seed = T::Beacon::seed_after(&(b"zg-storage/confirm", root, shard).encode(), at)?;
		Some(randomness::index(&seed, 0, chunks))
	}

	/// Checks a chunk proof against a shard root.
	pub(crate) fn verify(
		layout: &FileLayout,
		shard_root: &H256,
		chunk: u32,
		proof: &ChunkProof,
	) -> Result<(), Error<T>> {
		verify_chunk(layout, shard_root, chunk, &proof.chunk, &proof.path).map_err(|e| match e {
			zg_primitives::storage::ProofError::WrongChunkSize => Error::<T>::WrongChunkSize,
			_ => Error::<T>::InvalidProof,
		})
	}

	/// One confirmation of [`Pallet::confirm_shards`].
	pub(crate) fn confirm(who: &T::AccountId, c: Confirmation) -> DispatchResult {
		let Confirmation { root, shard: index, proof } = c;
		let mut file = Files::<T>::get(root).ok_or(Error::<T>::FileNotFound)?;
		let now = frame_system::Pallet::<T>::block_number();
		let (layout, expires_at) = (file.layout, file.expires_at);
		let shard = file.shards.get_mut(index as usize).ok_or(Error::<T>::ShardNotFound)?;
		ensure!(shard.provider.as_ref() == Some(who), Error::<T>::NotAssigned);
		let ShardState::Assigned { at, confirm_by } = shard.state else {
			return Err(Error::<T>::NotAwaitingConfirmation.into());
		};
		// The deadline task runs at the start of block `confirm_by`: confirm before it.
		ensure!(now < confirm_by, Error::<T>::TooLate);
		let chunk = Self::confirm_chunk(root, index, at, layout.chunks_per_shard())
			.ok_or(Error::<T>::TooEarly)?;
		Self::verify(&layout, &shard.root, chunk, &proof)?;

		// The time nobody held the shard confirmed is not paid: it goes back to the owner.
		let forfeited = stream::accrued(shard.escrow, shard.paid_until, now, expires_at);
		shard.escrow = shard.escrow.saturating_sub(forfeited);
		shard.paid_until = now;
		let bounty = core::mem::take(&mut shard.bounty);
		let position = Self::index_shard(root, index, &layout);
		shard.state = ShardState::Confirmed { index: position };
		file.refund = file.refund.saturating_add(forfeited);
		let paid = Self::pay_out(who, bounty);
		Self::deposit_event(Event::ShardConfirmed {
			root,
			shard: index,
			provider: who.clone(),
			bounty: paid,
		});
		if file.shards.iter().all(|s| s.is_confirmed()) {
			match file.status {
				FileStatus::Pending => {
					Self::start_earning(&mut file, now);
					file.status = FileStatus::Finalized;
					Self::unschedule(file.confirm_by, Task::ConfirmFile(root));
					Self::deposit_event(Event::FileFinalized { root });
				},
				FileStatus::Degraded => {
					file.status = FileStatus::Finalized;
					Self::deposit_event(Event::FileRepaired { root });
				},
				_ => {},
			}
		}
		Self::unschedule(confirm_by, Task::ConfirmShard(root, index));
		Files::<T>::insert(root, file);
		Ok(())
	}

	/// A new file starts earning (it is finalized, or extended at its confirmation deadline):
	/// the time its shards waited for the others goes back to the owner, as a dropped file's
	/// would, so that providers are paid only from here on.
	pub(crate) fn start_earning(file: &mut FileInfo<T>, now: BlockNumberFor<T>) {
		let expires_at = file.expires_at;
		let mut waited_total: Balance = 0;
		for s in file.shards.iter_mut() {
			let waited = stream::accrued(s.escrow, s.paid_until, now, expires_at);
			s.escrow = s.escrow.saturating_sub(waited);
			s.paid_until = now;
			waited_total = waited_total.saturating_add(waited);
		}
		file.refund = file.refund.saturating_add(waited_total);
	}

	/// Ends a file: removes its state (shards from their providers and the index, its tasks)
	/// and returns what it still holds in escrow, for the caller to pay out.
	pub(crate) fn close_file(root: H256, mut file: FileInfo<T>) -> Balance {
		for i in 0..file.shards.len() {
			if let Some(provider) = &file.shards[i].provider {
				ProviderShards::<T>::remove(provider, (root, i as u32));
			}
			// Read the state afresh: unindexing a shard may have moved another of this file.
			if let ShardState::Confirmed { index } = file.shards[i].state {
				Self::unindex_shard(index, root, &mut file);
			}
		}
		Self::unschedule(file.expires_at, Task::Expire(root));
		Self::unschedule(Self::closing_block(file.expires_at), Task::Close(root));
		Self::unschedule(file.confirm_by, Task::ConfirmFile(root));
		Files::<T>::remove(root);
		file.escrow()
	}

	/// Drops a file that was not finalized in time (or could not get providers): its whole
	/// storage fee goes back to the owner.
	pub(crate) fn drop_file(root: H256, file: FileInfo<T>) {
		let owner = file.owner.clone();
		let refunded = Self::pay_out(&owner, Self::close_file(root, file));
		Self::deposit_event(Event::FileDropped { root, refunded });
	}

	/// Expires a file: what was not paid for proofs goes back to the owner.
	pub(crate) fn expire_file(root: H256, file: FileInfo<T>) {
		let owner = file.owner.clone();
		let refunded = Self::pay_out(&owner, Self::close_file(root, file));
		Self::deposit_event(Event::FileExpired { root, refunded });
	}

	/// Challenge regions of each shard of `layout`.
	pub(crate) fn regions_of(layout: &FileLayout) -> u64 {
		(layout.chunks_per_shard() as u64).div_ceil(T::ChallengeRegion::get().max(1) as u64)
	}

	/// The most regions the network can check: `MaxChallengesPerBlock × SweepPeriod`.
	pub(crate) fn region_capacity() -> u64 {
		let period: u64 = T::SweepPeriod::get().try_into().unwrap_or(u64::MAX);
		(T::MaxChallengesPerBlock::get() as u64).saturating_mul(period)
	}

	/// Adds a confirmed shard to [`ShardIndex`] and its regions to [`Regions`]; returns its
	/// position.
	pub(crate) fn index_shard(root: H256, shard: u32, layout: &FileLayout) -> u32 {
		Regions::<T>::mutate(|r| *r = r.saturating_add(Self::regions_of(layout)));
		let position = ShardCount::<T>::get();
		ShardIndex::<T>::insert(position, (root, shard));
		ShardCount::<T>::put(position.saturating_add(1));
		position
	}

	/// Removes position `position` from [`ShardIndex`] (moving the last shard into it) and the
	/// shard's regions from [`Regions`]. `file` is the caller's copy of the file `root` that the
	/// shard belongs to: if the moved shard is one of its own, the copy is updated (the caller
	/// stores it), otherwise the stored file of the moved shard is.
	pub(crate) fn unindex_shard(position: u32, root: H256, file: &mut FileInfo<T>) {
		Regions::<T>::mutate(|r| *r = r.saturating_sub(Self::regions_of(&file.layout)));
		let last = ShardCount::<T>::get().saturating_sub(1);
		if position != last {
			if let Some((moved_root, moved)) = ShardIndex::<T>::get(last) {
				ShardIndex::<T>::insert(position, (moved_root, moved));
				let set = |f: &mut FileInfo<T>| {
					if let Some(s) = f.shards.get_mut(moved as usize) {
						s.state = ShardState::Confirmed { index: position };
					}
				};
				if moved_root == root {
					set(file);
				} else {
					Files::<T>::mutate(moved_root, |f| f.as_mut().map(set));
				}
			}
		}
		ShardIndex::<T>::remove(last);
		ShardCount::<T>::put(last);
	}

	/// Gives the escrow account its existential deposit, so that any fee can move in and the
	/// whole of [`EscrowTotal`] can move out.
	pub(crate) fn endow_escrow() {
		let account = Self::escrow_account();
		let ed = T::Currency::minimum_balance();
		if T::Currency::balance(&account) < ed && T::Currency::mint_into(&account, ed).is_err() {
			frame_support::defensive!("cannot endow the storage escrow account");
		}
	}

	/// Pays `amount` from escrow to `who`. Returns what was paid. An amount that `who` cannot
	/// receive (below the existential deposit of an account that does not exist) is burned,
	/// so the escrow never keeps funds that no file accounts for.
	pub(crate) fn pay_out(who: &T::AccountId, amount: Balance) -> Balance {
		if amount.is_zero() {
			return 0;
		}
		let escrow = Self::escrow_account();
		EscrowTotal::<T>::mutate(|t| *t = t.saturating_sub(amount));
		match T::Currency::transfer(&escrow, who, amount, Preservation::Preserve) {
			Ok(_) => amount,
			Err(e) => {
				log::warn!(target: "runtime::zg-storage", "burning {amount} that {who:?} cannot receive: {e:?}");
				let burned = T::Currency::burn_from(
					&escrow,
					amount,
					Preservation::Preserve,
					Precision::BestEffort,
					Fortitude::Force,
				);
				if burned != Ok(amount) {
					frame_support::defensive!(
						"the escrow account holds less than the files' escrow"
					);
				}
				0
			},
		}
	}
}
