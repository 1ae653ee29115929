//! Blobs: submission, attestation and quorum, failure, and payment at the end of retention.

use super::*;
use sp_runtime::helpers_128bit::multiply_by_rational_with_rounding;
use sp_runtime::Rounding;
use zg_primitives::da::{attestation_payload, quorum};

impl<T: Config> Pallet<T> {
	/// [`Pallet::submit_blob`].
	pub(crate) fn do_submit(
		who: T::AccountId,
		root: H256,
		layout: BlobLayout,
		max_fee: Balance,
	) -> DispatchResult {
		ensure!(
			layout.check().is_ok() && layout.size <= T::MaxBlobSize::get(),
			Error::<T>::BadLayout
		);
		ensure!(!Blobs::<T>::contains_key(root), Error::<T>::BlobExists);
		ensure!(!Invalid::<T>::contains_key(root), Error::<T>::RecentlyInvalid);
		let epoch = CurrentEpoch::<T>::get();
		let mut committee = Committees::<T>::get(epoch).ok_or(Error::<T>::NoCommittee)?;
		let fee = Self::fee(&layout)?;
		ensure!(fee <= max_fee, Error::<T>::FeeAboveMaximum);
		let submission_fee = T::SubmissionFee::get();
		if !submission_fee.is_zero() {
			T::Currency::transfer(
				&who,
				&T::Treasury::get(),
				submission_fee,
				Preservation::Preserve,
			)?;
		}
		let deposit = T::DisperserDeposit::get();
		Self::hold(&who, fee.checked_add(deposit).ok_or(Error::<T>::Overflow)?)?;
		let now = frame_system::Pallet::<T>::block_number();
		let attest_by = now.saturating_add(T::AttestationPeriod::get());
		committee.blobs = committee.blobs.saturating_add(1);
		Committees::<T>::insert(epoch, committee);
		Blobs::<T>::insert(
			root,
			BlobInfo {
				disperser: who.clone(),
				layout,
				epoch,
				submitted_at: now,
				attest_by,
				status: BlobStatus::Pending,
				fee,
				deposit,
				attesters: BoundedVec::new(),
				attested_seats: 0,
				forfeited: BoundedVec::new(),
				index: None,
			},
		);
		Queue::<T>::schedule(now, attest_by.saturating_add(One::one()), Task::AttestBy(root));
		Self::deposit_event(Event::BlobSubmitted {
			root,
			disperser: who,
			size: layout.size,
			epoch,
			fee,
			deposit,
			submission_fee,
			attest_by,
		});
		Ok(())
	}

	/// The payload members sign for the submission `blob` of `root`, bound to this chain by
	/// its genesis hash.
	pub fn attestation_payload(root: &H256, blob: &BlobInfo<T>) -> Vec<u8> {
		let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
		attestation_payload(&genesis, root, blob.epoch, &blob.disperser, &blob.submitted_at)
	}

	/// [`Pallet::attest`]: checks every attestation before it changes anything.
	pub(crate) fn do_attest(
		root: H256,
		attestations: Vec<Attestation<T::AccountId, T::AttestationSignature>>,
	) -> DispatchResult {
		ensure!(!attestations.is_empty(), Error::<T>::EmptyBatch);
		let mut blob = Blobs::<T>::get(root).ok_or(Error::<T>::BlobNotFound)?;
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(now <= blob.attest_by, Error::<T>::TooLate);
		let committee = Committees::<T>::get(blob.epoch).ok_or(Error::<T>::NoCommittee)?;
		let payload = Self::attestation_payload(&root, &blob);
		let mut new: Vec<u32> = Vec::with_capacity(attestations.len());
		for a in &attestations {
			ensure!(a.epoch == blob.epoch, Error::<T>::WrongEpoch);
			let member = committee.member_index(&a.signer).ok_or(Error::<T>::NotMember)?;
			ensure!(!blob.attesters.contains(&member), Error::<T>::AlreadyAttested);
			ensure!(!new.contains(&member), Error::<T>::Duplicate);
			ensure!(a.signature.verify(&payload[..], &a.signer), Error::<T>::BadSignature);
			new.push(member);
		}
		let was_available = matches!(blob.status, BlobStatus::Available { .. });
		for member in &new {
			// Members are distinct and at most `MaxSeats`: the attesters fit.
			blob.attesters.try_push(*member).map_err(|_| Error::<T>::Duplicate)?;
			if let Some((who, seats)) = committee.members.get(*member as usize) {
				blob.attested_seats = blob.attested_seats.saturating_add(*seats);
				Self::add_duty(who);
			}
		}
		let seats = committee.seat_count();
		Self::deposit_event(Event::BlobAttested {
			root,
			signers: attestations.into_iter().map(|a| a.signer).collect(),
			attested_seats: blob.attested_seats,
			seats,
		});
		if !was_available && blob.attested_seats >= quorum(seats) {
			let until = now.saturating_add(T::Retention::get());
			blob.status = BlobStatus::Available { since: now, until };
			let index = AvailableCount::<T>::get();
			AvailableIndex::<T>::insert(index, root);
			AvailableCount::<T>::put(index.saturating_add(1));
			blob.index = Some(index);
			Queue::<T>::schedule(now, until, Task::Expire(root));
			Self::deposit_event(Event::BlobAvailable {
				root,
				attested_seats: blob.attested_seats,
				seats,
				until,
			});
		}
		Blobs::<T>::insert(root, blob);
		Ok(())
	}

	/// A pending blob at its attestation deadline: refunds its fee and deposit.
	pub(crate) fn fail_blob(root: H256, blob: BlobInfo<T>) {
		let refunded = Self::pay_out(&blob.disperser, blob.fee.saturating_add(blob.deposit));
		Self::remove_blob(root, &blob);
		Self::deposit_event(Event::BlobFailed { root, refunded });
	}

	/// An available blob at the end of its retention: pays its attesters in proportion to
	/// their seats (nothing to those that missed a challenge on it), the rest to the treasury,
	/// and returns the deposit.
	pub(crate) fn expire_blob(root: H256, blob: BlobInfo<T>) {
		let committee = Committees::<T>::get(blob.epoch);
		let mut paid: Balance = 0;
		if let Some(committee) = &committee {
			for member in &blob.attesters {
				if blob.forfeited.contains(member) {
					continue;
				}
				let Some((who, seats)) = committee.members.get(*member as usize) else { continue };
				let share = multiply_by_rational_with_rounding(
					blob.fee,
					*seats as u128,
					blob.attested_seats.max(1) as u128,
					Rounding::Down,
				)
				.unwrap_or(0);
				paid = paid.saturating_add(Self::pay_out(who, share));
			}
		}
		let forfeited = Self::pay_out(&T::Treasury::get(), blob.fee.saturating_sub(paid));
		Self::pay_out(&blob.disperser, blob.deposit);
		Self::remove_blob(root, &blob);
		Self::deposit_event(Event::BlobExpired { root, paid, forfeited });
	}

	/// Removes `blob` and what refers to it: its place in the index of available blobs, its
	/// attesters' duties, its committee's count. Its money must have been paid out.
	pub(crate) fn remove_blob(root: H256, blob: &BlobInfo<T>) {
		Self::unlist_blob(root, blob);
		Self::release_attesters(blob.epoch, &blob.attesters);
	}

	/// Takes `blob` off the chain's lists: the blobs, the index of available ones, its
	/// deadlines.
	pub(crate) fn unlist_blob(root: H256, blob: &BlobInfo<T>) {
		Blobs::<T>::remove(root);
		Queue::<T>::cancel(blob.attest_by.saturating_add(One::one()), Task::AttestBy(root));
		if let BlobStatus::Available { until, .. } = blob.status {
			Queue::<T>::cancel(until, Task::Expire(root));
		}
		if let Some(index) = blob.index {
			let last = AvailableCount::<T>::get().saturating_sub(1);
			if index != last {
				if let Some(moved) = AvailableIndex::<T>::get(last) {
					AvailableIndex::<T>::insert(index, moved);
					Blobs::<T>::mutate(moved, |b| {
						if let Some(b) = b {
							b.index = Some(index);
						}
					});
				}
			}
			AvailableIndex::<T>::remove(last);
			AvailableCount::<T>::put(last);
		}
	}

	/// Ends the duties of `attesters` (members of `epoch`'s committee) for a blob that leaves,
	/// and the committee's count of it.
	pub(crate) fn release_attesters(epoch: Epoch, attesters: &[u32]) {
		let Some(mut committee) = Committees::<T>::get(epoch) else { return };
		for member in attesters {
			if let Some((who, _)) = committee.members.get(*member as usize) {
				Self::end_duty(who);
			}
		}
		committee.blobs = committee.blobs.saturating_sub(1);
		Committees::<T>::insert(epoch, committee);
		Self::release_committee(epoch);
	}
}
