//! The runtime API of DA: what a rollup, a contract's off-chain helper or a client asks about a
//! blob and a committee.

use crate::{BlobStatus, Epoch};
use alloc::vec::Vec;
use codec::Codec;
use zg_primitives::da::BlobLayout;

/// A blob as the runtime API returns it.
#[derive(codec::Encode, codec::Decode, scale_info::TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct BlobView<AccountId, BlockNumber> {
	/// Pending, or available (since and until when).
	pub status: BlobStatus<BlockNumber>,
	/// Its size and square.
	pub layout: BlobLayout,
	/// Who submitted it.
	pub disperser: AccountId,
	/// The epoch of its committee.
	pub epoch: Epoch,
	/// The seats of the members that attested it.
	pub attested_seats: u32,
	/// The seats of its committee.
	pub seats: u32,
	/// The last block in which attestations are accepted.
	pub attest_by: BlockNumber,
}

/// A committee member as the runtime API returns it.
#[derive(codec::Encode, codec::Decode, scale_info::TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct MemberView<AccountId> {
	/// The member.
	pub who: AccountId,
	/// Its seats, in seat order.
	pub seats: Vec<u32>,
	/// Its worker's endpoint (empty if it has left the signer list).
	pub endpoint: Vec<u8>,
}

sp_api::decl_runtime_apis! {
	/// Queries DA blobs and committees.
	pub trait DaApi<AccountId, BlockNumber> where AccountId: Codec, BlockNumber: Codec {
		/// The blob committed by `root`, while it is on chain (pending, or available until its
		/// retention ends); `None` for a blob never submitted, failed, invalid or expired.
		fn blob(root: sp_core::H256) -> Option<BlobView<AccountId, BlockNumber>>;
		/// Whether the blob committed by `root` is available now.
		fn is_available(root: sp_core::H256) -> bool;
		/// The committee of `epoch` (the current one when `None`), if it is kept.
		fn committee(epoch: Option<Epoch>) -> Option<(Epoch, Vec<MemberView<AccountId>>)>;
	}
}

impl<T: crate::Config> crate::Pallet<T> {
	/// [`DaApi::blob`].
	pub fn blob_view(
		root: sp_core::H256,
	) -> Option<BlobView<T::AccountId, frame_system::pallet_prelude::BlockNumberFor<T>>> {
		let blob = crate::Blobs::<T>::get(root)?;
		let seats = crate::Committees::<T>::get(blob.epoch).map_or(0, |c| c.seat_count());
		Some(BlobView {
			status: blob.status,
			layout: blob.layout,
			disperser: blob.disperser,
			epoch: blob.epoch,
			attested_seats: blob.attested_seats,
			seats,
			attest_by: blob.attest_by,
		})
	}

	/// [`DaApi::is_available`].
	pub fn is_available(root: sp_core::H256) -> bool {
		crate::Blobs::<T>::get(root)
			.is_some_and(|b| matches!(b.status, BlobStatus::Available { .. }))
	}

	/// [`DaApi::committee`].
	pub fn committee_view(epoch: Option<Epoch>) -> Option<(Epoch, Vec<MemberView<T::AccountId>>)> {
		let epoch = epoch.unwrap_or_else(crate::CurrentEpoch::<T>::get);
		let committee = crate::Committees::<T>::get(epoch)?;
		let members = committee
			.members
			.iter()
			.enumerate()
			.map(|(i, (who, _))| MemberView {
				who: who.clone(),
				seats: committee.seats_of(i as u32).collect(),
				endpoint: crate::Signers::<T>::get(who)
					.map(|s| s.endpoint.into_inner())
					.unwrap_or_default(),
			})
			.collect();
		Some((epoch, members))
	}
}
