//! The DA signers' side of an input: real blobs behind the structured calls' submissions, and
//! the committee's members among the endowed accounts that attest the blobs of their
//! committee with real signatures and answer their availability challenges with real cell
//! proofs, as a signer's worker and offchain worker do (`worker/da`,
//! `pallets/da/src/offchain.rs`), so that available blobs, their challenges and the signers'
//! pay are reached. Every third account is lazy ([`crate::providers`]): it neither attests nor
//! answers, so missed challenges and their slashes are reached too.

use pallet_zg_da::{Attestation, Blobs, CellAnswer, ChallengeId, Challenges, Committees};
use sp_core::{Pair, H256};
use sp_keyring::Sr25519Keyring;
use zg_primitives::da::{extend, BlobLayout, Extended};
use zg_runtime::{AccountId, Runtime, RuntimeCall, Signature, System};

/// Blobs the structured calls submit.
pub const BLOBS: u8 = 6;

/// A blob the signers hold: its commitment and its extended square.
pub struct HeldBlob {
	pub root: H256,
	pub layout: BlobLayout,
	extended: Extended,
}

impl HeldBlob {
	/// Blob `b`: 1 000 bytes, 64 KiB or 1 MiB drawn from `b`, extended as dispersers do.
	fn new(b: u8) -> Self {
		let size = [1_000usize, 65_536, 1 << 20][usize::from(b % 3)];
		let data: Vec<u8> = (0..size)
			.map(|i| (i as u8).wrapping_mul(13).wrapping_add(b.wrapping_mul(101)))
			.collect();
		let extended = extend(&data).expect("a blob within the maximum extends");
		HeldBlob { root: extended.data_root(), layout: extended.layout.clone(), extended }
	}

	/// The call that submits this blob, whatever its fee.
	pub fn submit(&self) -> RuntimeCall {
		RuntimeCall::Da(pallet_zg_da::Call::submit_blob {
			root: self.root,
			layout: self.layout.clone(),
			max_fee: u128::MAX,
		})
	}

	/// The answer to a challenge of chunk `pos` of `line`.
	fn answer(&self, line: zg_primitives::da::Line, pos: u32) -> Option<CellAnswer> {
		CellAnswer::try_from(self.extended.cell_proof(line, pos)).ok()
	}
}

/// The [`BLOBS`] blobs, built once per process.
pub fn blobs() -> &'static [HeldBlob] {
	static HELD: std::sync::OnceLock<Vec<HeldBlob>> = std::sync::OnceLock::new();
	HELD.get_or_init(|| (0..BLOBS).map(HeldBlob::new).collect())
}

/// The held blob of `root` under `layout`. A blob is held only under its own layout: a
/// submission may pair a held root with another layout, whose lines are not the held blob's.
fn held(root: &H256, layout: &BlobLayout) -> Option<&'static HeldBlob> {
	blobs().iter().find(|b| &b.root == root && &b.layout == layout)
}

/// `key`'s signature of `payload`, the same every time: sr25519 signing draws a random nonce,
/// and a signature that changes between runs of one input would make AFL++'s coverage of its
/// verification unstable.
fn sign(key: Sr25519Keyring, payload: Vec<u8>) -> Signature {
	use std::collections::HashMap;
	thread_local! {
		static SIGNED: std::cell::RefCell<HashMap<(Sr25519Keyring, Vec<u8>), Signature>> =
			Default::default();
	}
	SIGNED.with(|signed| {
		signed
			.borrow_mut()
			.entry((key, payload))
			.or_insert_with_key(|(key, payload)| Signature::Sr25519(key.pair().sign(payload)))
			.clone()
	})
}

/// The transactions the honest DA signers among `accounts` send in the current block: the
/// answers to their open challenges, and an attestation of each blob of their committee they
/// have not attested while attestations are accepted.
pub(crate) fn duties(accounts: &[AccountId]) -> Vec<(AccountId, RuntimeCall)> {
	use pallet_zg_da::Call as Da;
	let now = System::block_number();
	let mut calls = Vec::new();
	for (index, who) in accounts.iter().enumerate() {
		if !crate::providers::honest(index) {
			continue;
		}
		// Only the dev keyring's accounts can sign.
		let Some(key) = Sr25519Keyring::from_account_id(who) else { continue };
		let answers: Vec<(ChallengeId, CellAnswer)> = Challenges::<Runtime>::iter()
			.filter(|(_, c)| &c.signer == who && now < c.due)
			.filter_map(|(id, c)| Some((id, held(&c.root, &c.layout)?.answer(c.line, c.pos)?)))
			.take(pallet_zg_da::MAX_ANSWERS as usize)
			.collect();
		if !answers.is_empty() {
			let answers = answers.try_into().expect("at most MAX_ANSWERS");
			calls.push((who.clone(), RuntimeCall::Da(Da::answer_challenges { answers })));
		}
		for blob in blobs() {
			let Some(info) = Blobs::<Runtime>::get(blob.root) else { continue };
			if now > info.attest_by || info.layout != blob.layout {
				continue;
			}
			let Some(committee) = Committees::<Runtime>::get(info.epoch) else { continue };
			let Some(member) = committee.member_index(who) else { continue };
			if info.attesters.contains(&member) {
				continue;
			}
			let payload = pallet_zg_da::Pallet::<Runtime>::attestation_payload(&blob.root, &info);
			let signature = sign(key, payload);
			let attestation = Attestation { signer: who.clone(), epoch: info.epoch, signature };
			calls.push((
				who.clone(),
				RuntimeCall::Da(Da::attest {
					root: blob.root,
					attestations: vec![attestation].try_into().expect("one attestation"),
				}),
			));
		}
	}
	calls
}
