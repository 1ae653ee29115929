//! Blocks as BABE's authors make them: the slot's authority, its VRF signature over the
//! epoch's transcript, the timestamp inherent, the hooks.

use codec::Encode;
use sp_consensus_babe::{
	digests::{PreDigest, PrimaryPreDigest, SecondaryPlainPreDigest, SecondaryVRFPreDigest},
	BABE_ENGINE_ID,
};
use sp_runtime::{generic, traits::Header as _, Digest, DigestItem};
use zg_runtime::{Babe, Executive, Header, Runtime, RuntimeCall, System, TxExtension};

use crate::{checks, trace, Counts, COUNTS};

/// The author of `slot`: the slot's authority in turn, or the next one that is not disabled
/// (BABE refuses a block of a disabled authority).
fn author(slot: u64) -> u32 {
	let authorities = Babe::authorities().len().max(1) as u64;
	let disabled = pallet_session::DisabledValidators::<Runtime>::get();
	(0..authorities)
		.map(|i| ((slot + i) % authorities) as u32)
		.find(|index| !disabled.iter().any(|(d, _)| d == index))
		.unwrap_or((slot % authorities) as u32)
}

/// Gives the block's BABE pre-digest, as `on_finalize` reads it, the VRF signature its author
/// makes over the epoch's transcript (after the epoch change the block's hooks may have
/// enacted, as the author signs for the slot's epoch): a primary claim every third slot, a
/// secondary VRF one otherwise, as `PrimaryAndSecondaryVRFSlots` allows. The randomness the
/// beacon, storage assignments and challenges draw on then comes from VRF outputs, as on the
/// network. An authority whose key is not a dev key (session keys set by a call of the input)
/// keeps the plain pre-digest.
fn sign_vrf(authority_index: u32, slot: u64) {
	use sp_core::crypto::VrfSecret;
	let Some((authority, _)) = Babe::authorities().get(authority_index as usize).cloned() else {
		return;
	};
	let Some(key) = sp_keyring::Sr25519Keyring::iter()
		.find(|k| sp_consensus_babe::AuthorityId::from(k.public()) == authority)
	else {
		return;
	};
	let transcript = sp_consensus_babe::make_vrf_transcript(
		&pallet_babe::Randomness::<Runtime>::get(),
		pallet_babe::CurrentSlot::<Runtime>::get(),
		pallet_babe::EpochIndex::<Runtime>::get(),
	);
	let vrf_signature = key.pair().vrf_sign(&transcript.into_sign_data());
	let pre = if slot % 3 == 0 {
		PreDigest::Primary(PrimaryPreDigest { authority_index, slot: slot.into(), vrf_signature })
	} else {
		PreDigest::SecondaryVRF(SecondaryVRFPreDigest {
			authority_index,
			slot: slot.into(),
			vrf_signature,
		})
	};
	pallet_babe::Initialized::<Runtime>::put(Some(pre));
	Counts::add(&COUNTS.vrf, 1);
}

/// Starts block `number` at `slot`, authored by the slot's authority, with its timestamp.
pub(crate) fn start(number: u32, slot: u64, parent: sp_core::H256) {
	checks::before_block();
	let authority_index = author(slot);
	let pre =
		PreDigest::SecondaryPlain(SecondaryPlainPreDigest { slot: slot.into(), authority_index });
	let digest = Digest { logs: vec![DigestItem::PreRuntime(BABE_ENGINE_ID, pre.encode())] };
	Executive::initialize_block(&Header::new(
		number,
		Default::default(),
		Default::default(),
		parent,
		digest,
	));
	sign_vrf(authority_index, slot);
	let now = slot * zg_runtime::time::SLOT_DURATION;
	let inherent = generic::UncheckedExtrinsic::<
		zg_runtime::Address,
		RuntimeCall,
		zg_runtime::Signature,
		TxExtension,
	>::new_bare(RuntimeCall::Timestamp(pallet_timestamp::Call::set { now }));
	Executive::apply_extrinsic(inherent.into())
		.expect("the timestamp inherent is valid")
		.expect("the timestamp inherent succeeds");
	Executive::inherents_applied();
	if trace() {
		println!("block {number} at slot {slot} after its inherents: {:?}", System::block_weight());
	}
}

/// Ends the current block and checks the invariants; returns its hash.
pub(crate) fn end(number: u32) -> sp_core::H256 {
	if trace() {
		println!("block {number} before finalize: {:?}", System::block_weight());
	}
	let header = Executive::finalize_block();
	checks::after_block(number);
	header.hash()
}
