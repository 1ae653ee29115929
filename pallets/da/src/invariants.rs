//! `try_state`: the escrow holds exactly what blobs and challenges are owed, committees are
//! consistent, and every blob and challenge has its deadline.

use super::*;

impl<T: Config> Pallet<T> {
	/// Checks the pallet's invariants.
	#[cfg(any(feature = "try-runtime", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use zg_primitives::da::quorum;
		let mut owed: Balance = 0;
		let mut per_epoch: alloc::collections::BTreeMap<Epoch, u32> = Default::default();
		let mut duties: alloc::collections::BTreeMap<T::AccountId, u32> = Default::default();
		let mut available = 0u32;
		for (root, blob) in Blobs::<T>::iter() {
			owed = owed.saturating_add(blob.fee).saturating_add(blob.deposit);
			*per_epoch.entry(blob.epoch).or_default() += 1;
			let committee = Committees::<T>::get(blob.epoch).ok_or("a blob's committee is gone")?;
			let mut seats = 0u32;
			for member in &blob.attesters {
				let (who, s) =
					committee.members.get(*member as usize).ok_or("an attester is no member")?;
				seats = seats.saturating_add(*s);
				*duties.entry(who.clone()).or_default() += 1;
			}
			ensure!(seats == blob.attested_seats, "a blob's attested seats are miscounted");
			ensure!(
				blob.forfeited.iter().all(|m| blob.attesters.contains(m)),
				"a blob's forfeited member did not attest"
			);
			match blob.status {
				BlobStatus::Pending => {
					ensure!(blob.index.is_none(), "a pending blob is indexed as available");
					ensure!(
						Deadlines::<T>::contains_key(
							blob.attest_by.saturating_add(One::one()),
							Task::AttestBy(root)
						),
						"a pending blob has no attestation deadline"
					);
				},
				BlobStatus::Available { until, .. } => {
					available += 1;
					ensure!(
						blob.attested_seats >= quorum(committee.seat_count()),
						"an available blob has no quorum"
					);
					let index = blob.index.ok_or("an available blob is not indexed")?;
					ensure!(
						AvailableIndex::<T>::get(index) == Some(root),
						"an available blob's index is wrong"
					);
					ensure!(
						Deadlines::<T>::contains_key(until, Task::Expire(root)),
						"an available blob has no expiry"
					);
				},
			}
		}
		ensure!(AvailableCount::<T>::get() == available, "the available count is wrong");
		for (root, invalid) in Invalid::<T>::iter() {
			ensure!(!Blobs::<T>::contains_key(root), "an invalid blob is still on chain");
			*per_epoch.entry(invalid.epoch).or_default() += 1;
			let committee =
				Committees::<T>::get(invalid.epoch).ok_or("an invalid blob's committee is gone")?;
			for member in &invalid.attesters {
				let (who, _) =
					committee.members.get(*member as usize).ok_or("an attester is no member")?;
				*duties.entry(who.clone()).or_default() += 1;
			}
			ensure!(
				invalid.slashed.iter().all(|m| invalid.attesters.contains(m)),
				"a slashed member did not attest"
			);
			ensure!(
				Deadlines::<T>::contains_key(invalid.until, Task::Forget(root)),
				"an invalid blob is never forgotten"
			);
		}
		for (id, challenge) in Challenges::<T>::iter() {
			if let Some((_, deposit)) = challenge.challenger {
				owed = owed.saturating_add(deposit);
			}
			*duties.entry(challenge.signer.clone()).or_default() += 1;
			ensure!(
				OpenChallenges::<T>::get(challenge.root, &challenge.signer) == Some(id),
				"a challenge is not the open one of its member and blob"
			);
			ensure!(
				Deadlines::<T>::contains_key(challenge.due, Task::Challenge(id)),
				"a challenge has no deadline"
			);
		}
		ensure!(
			OpenChallenges::<T>::iter().all(|(_, _, id)| Challenges::<T>::contains_key(id)),
			"an open challenge is gone"
		);
		ensure!(EscrowTotal::<T>::get() == owed, "the escrow total is not what is owed");
		let held = T::Currency::balance(&Self::escrow_account())
			.saturating_sub(T::Currency::minimum_balance());
		ensure!(held == owed, "the escrow account does not hold what is owed");
		for (who, count) in Duties::<T>::iter() {
			ensure!(duties.remove(&who) == Some(count), "a signer's duties are miscounted");
		}
		ensure!(duties.is_empty(), "a signer's duties are not counted");
		let current = CurrentEpoch::<T>::get();
		for (epoch, committee) in Committees::<T>::iter() {
			ensure!(
				committee.blobs == per_epoch.remove(&epoch).unwrap_or(0),
				"a committee's blob count is wrong"
			);
			ensure!(
				epoch == current || committee.blobs > 0,
				"a past committee without blobs is kept"
			);
			let seats = committee.seat_count();
			ensure!(seats >= 1, "a committee has no seats");
			for (i, (_, count)) in committee.members.iter().enumerate() {
				ensure!(
					committee.seats.iter().filter(|m| **m as usize == i).count() as u32 == *count,
					"a member's seats are miscounted"
				);
				ensure!(*count >= 1 && *count <= committee.cap, "a member has too many seats");
			}
			ensure!(
				committee.seats.iter().all(|m| (*m as usize) < committee.members.len()),
				"a seat has no member"
			);
		}
		ensure!(per_epoch.is_empty(), "a blob's epoch has no committee");
		let list = SignerList::<T>::get();
		ensure!(
			list.len() == Signers::<T>::iter().count()
				&& list.iter().all(Signers::<T>::contains_key),
			"the signer list and the signers differ"
		);
		Ok(())
	}
}
