//! # Offchain duties of a 0G node
//!
//! A provider runs its worker (`gpu-worker/`) beside its node. The pallets' offchain workers find
//! the duties addressed to the provider keys in the node's keystore (answer a storage challenge,
//! confirm a shard, and later attest a DA blob or report a compute job), ask the local worker
//! for what they need over HTTP, and submit the answer as a transaction signed by that key.
//! This crate is the machinery they share:
//!
//! - [`crypto`]: the provider key type (`zgsp`, sr25519). A provider inserts its account key
//!   under this type (`author_insertKey`), and registers that account on chain.
//! - [`worker`]: the local worker's URL (offchain local storage, [`worker::URL_KEY`]; default
//!   [`worker::DEFAULT_URL`]) and HTTP GETs to it with a deadline.
//! - [`Dedup`]: a per-duty marker in offchain local storage so that a duty is submitted once,
//!   and retried only after [`RETRY_AFTER`] blocks if its transaction did not land.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use codec::{Decode, Encode};
use sp_runtime::offchain::storage::{StorageRetrievalError, StorageValueRef};

/// Blocks after which a submitted duty whose transaction did not change the chain is tried
/// again.
pub const RETRY_AFTER: u32 = 5;

/// Provider keys: sr25519 keys of type `zgsp` in the node's keystore.
pub mod crypto {
	use sp_core::crypto::KeyTypeId;
	use sp_runtime::{MultiSignature, MultiSigner};

	/// The key type of provider keys.
	pub const KEY_TYPE: KeyTypeId = KeyTypeId(*b"zgsp");

	mod app {
		use sp_application_crypto::{app_crypto, sr25519};
		app_crypto!(sr25519, super::KEY_TYPE);
	}

	/// The application public key of a provider.
	pub type ProviderPublic = app::Public;

	/// Signs offchain transactions with a provider key, for `MultiSigner` / `MultiSignature`
	/// runtimes.
	pub struct ProviderAuthId;

	impl frame_system::offchain::AppCrypto<MultiSigner, MultiSignature> for ProviderAuthId {
		type RuntimeAppPublic = app::Public;
		type GenericSignature = sp_core::sr25519::Signature;
		type GenericPublic = sp_core::sr25519::Public;
	}
}

/// The local worker.
pub mod worker {
	use alloc::{string::String, vec::Vec};
	use sp_core::offchain::StorageKind;
	use sp_runtime::offchain::{http, Duration};

	/// Where the worker's URL is kept in the node's persistent offchain storage, as plain UTF-8.
	/// Set it with the `offchain_localStorageSet` RPC: kind `PERSISTENT`, key
	/// `0x7a673a3a776f726b65722d75726c` (`zg::worker-url`), value the hex of the URL.
	pub const URL_KEY: &[u8] = b"zg::worker-url";

	/// The worker's URL when none is set.
	pub const DEFAULT_URL: &str = "http://127.0.0.1:8700";

	/// How long one request may take, body included.
	pub const TIMEOUT_MS: u64 = 4_000;

	/// The largest answer read from the worker (a proof is about 2 KiB, a list of held shards
	/// 36 bytes an entry).
	pub const MAX_RESPONSE: usize = 1 << 20;

	/// The worker's base URL, without a trailing slash.
	pub fn base_url() -> String {
		let stored = sp_io::offchain::local_storage_get(StorageKind::PERSISTENT, URL_KEY)
			.and_then(|raw: Vec<u8>| String::from_utf8(raw).ok())
			.filter(|url| !url.is_empty());
		let mut url = stored.unwrap_or_else(|| String::from(DEFAULT_URL));
		while url.ends_with('/') {
			url.pop();
		}
		url
	}

	/// Why a request to the worker failed.
	#[derive(Debug, PartialEq, Eq)]
	pub enum Error {
		/// The request could not be sent or timed out.
		Unreachable,
		/// The worker answered with this HTTP status.
		Status(u16),
	}

	/// How long a job run may take (`POST /compute/run`), body included.
	pub const RUN_TIMEOUT_MS: u64 = 30_000;

	/// GETs `path` (starting with `/`) from the worker and returns the body.
	pub fn get(path: &str) -> Result<Vec<u8>, Error> {
		let url = alloc::format!("{}{}", base_url(), path);
		fetch(http::Request::get(&url), TIMEOUT_MS)
	}

	/// POSTs `body` to `path` (starting with `/`) on the worker, waiting at most `timeout_ms`,
	/// and returns the answer's body.
	pub fn post(path: &str, body: Vec<u8>, timeout_ms: u64) -> Result<Vec<u8>, Error> {
		let url = alloc::format!("{}{}", base_url(), path);
		let request = http::Request::post(&url, alloc::vec![body])
			.add_header("content-type", "application/octet-stream");
		fetch(request, timeout_ms)
	}

	fn fetch<T: Default + IntoIterator<Item = I>, I: AsRef<[u8]>>(
		request: http::Request<'_, T>,
		timeout_ms: u64,
	) -> Result<Vec<u8>, Error> {
		let deadline = sp_io::offchain::timestamp().add(Duration::from_millis(timeout_ms));
		let pending = request.deadline(deadline).send().map_err(|_| Error::Unreachable)?;
		let response = pending
			.try_wait(deadline)
			.map_err(|_| Error::Unreachable)?
			.map_err(|_| Error::Unreachable)?;
		if response.code != 200 {
			return Err(Error::Status(response.code));
		}
		let mut body = response.body();
		body.deadline(deadline);
		let bytes: Vec<u8> = body.by_ref().take(MAX_RESPONSE).collect();
		if body.error().is_some() || bytes.len() == MAX_RESPONSE {
			return Err(Error::Unreachable);
		}
		Ok(bytes)
	}
}

/// Marks duties as submitted in the node's persistent offchain storage, so that each is sent
/// once, and again only if it is still pending [`RETRY_AFTER`] blocks later.
pub struct Dedup;

impl Dedup {
	fn key(duty: &impl Encode) -> Vec<u8> {
		let mut key = b"zg::duty::".to_vec();
		key.extend_from_slice(&sp_io::hashing::blake2_128(&duty.encode()));
		key
	}

	/// Claims `duty` at block `now`: true if it was never claimed or its last claim is at least
	/// [`RETRY_AFTER`] blocks old. Atomic, so two overlapping workers never both claim it.
	pub fn claim(duty: &impl Encode, now: u32) -> bool {
		let key = Self::key(duty);
		let value = StorageValueRef::persistent(&key);
		let result = value.mutate(|last: Result<Option<u32>, StorageRetrievalError>| match last {
			Ok(Some(at)) if now < at.saturating_add(RETRY_AFTER) => Err(()),
			_ => Ok(now),
		});
		matches!(result, Ok(_))
	}

	/// Forgets a claim (when the transaction could not even be submitted).
	pub fn release(duty: &impl Encode) {
		StorageValueRef::persistent(&Self::key(duty)).clear();
	}

	fn sent_key(account: &impl Encode) -> Vec<u8> {
		let mut key = b"zg::sent::".to_vec();
		key.extend_from_slice(&sp_io::hashing::blake2_128(&account.encode()));
		key
	}

	/// Whether `account` may send a transaction at block `now`: false while its last
	/// transaction, sent at the same on-chain `nonce`, is younger than [`RETRY_AFTER`] blocks
	/// (it is still in the pool: a new one would replace it).
	pub fn may_send(account: &impl Encode, nonce: &impl Encode, now: u32) -> bool {
		let last = StorageValueRef::persistent(&Self::sent_key(account)).get::<(Vec<u8>, u32)>();
		!matches!(last, Ok(Some((n, at))) if n == nonce.encode() && now < at.saturating_add(RETRY_AFTER))
	}

	/// Records that `account` sent a transaction at `nonce` in block `now`.
	pub fn note_sent(account: &impl Encode, nonce: &impl Encode, now: u32) {
		StorageValueRef::persistent(&Self::sent_key(account)).set(&(nonce.encode(), now));
	}
}

/// Runs one round of a pallet's duties: for every provider key of type `A` in the keystore whose
/// last transaction has landed ([`Dedup::may_send`]), `next_duty` picks the first duty of that
/// account not yet claimed (claiming it, see [`Dedup::claim`]) and the call that fulfils it;
/// the call is submitted signed by that key. A duty whose transaction cannot even be submitted
/// is released, so the next block tries it again. One transaction per key and block.
pub fn send_duties<T, A, C, D>(now: u32, mut next_duty: impl FnMut(&T::AccountId) -> Option<(D, C)>)
where
	T: frame_system::Config + frame_system::offchain::CreateSignedTransaction<C>,
	A: frame_system::offchain::AppCrypto<T::Public, T::Signature>,
	C: Clone,
	D: Encode,
{
	use frame_system::offchain::{Account, SendSignedTransaction, Signer};
	let accounts: Vec<Account<T>> = Signer::<T, A>::keystore_accounts().collect();
	for account in accounts {
		// A transaction sent at this nonce that has not landed yet would be replaced by a new
		// one: wait for it (or for RETRY_AFTER blocks).
		let nonce = frame_system::Pallet::<T>::account_nonce(&account.id);
		if !Dedup::may_send(&account.id, &nonce, now) {
			continue;
		}
		let Some((duty, call)) = next_duty(&account.id) else { continue };
		let signer =
			Signer::<T, A>::all_accounts().with_filter(alloc::vec![account.public.clone()]);
		let sent = signer.send_signed_transaction(|_| call.clone());
		if sent.iter().all(|(_, result)| result.is_err()) {
			log::warn!(target: "runtime::zg-offchain", "could not submit a duty of {:?}", account.id);
			Dedup::release(&duty);
		} else {
			Dedup::note_sent(&account.id, &nonce, now);
		}
	}
}

/// A decoded answer from the worker: SCALE bytes of `T`.
pub fn decode<T: Decode>(bytes: &[u8]) -> Option<T> {
	T::decode(&mut &bytes[..]).ok()
}
