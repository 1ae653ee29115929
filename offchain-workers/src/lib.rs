//! # Offchain duties of a 0G node
//!
//! A provider runs its worker (`worker/`) beside its node. The pallets' offchain workers find
//! the duties addressed to the provider keys in the node's keystore (answer a storage challenge,
//! confirm a shard, and later attest a DA blob or report a compute job), ask the local worker
//! for what they need over HTTP, and submit the answer as a transaction signed by that key.
//! This crate is the machinery they share:
//!
//! - [`crypto`]: the provider key type (`zgsp`, sr25519). A provider inserts its account key
//!   under this type (`author_insertKey`), and registers that account on chain.
//! - [`worker`]: the local worker's private API (its URL in offchain local storage,
//!   [`worker::URL_KEY`], default [`worker::DEFAULT_URL`]; its secret, if any, at
//!   [`worker::SECRET_KEY`]) and HTTP requests to it with a deadline.
//! - [`Dedup`]: a per-duty marker in offchain local storage so that a duty is submitted once,
//!   and retried only after [`RETRY_AFTER`] blocks if its transaction did not land.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use codec::{Decode, Encode};
use sp_runtime::offchain::storage::{StorageRetrievalError, StorageValueRef};

/// Blocks after which a submitted duty whose transaction did not change the chain is tried
/// again. A transaction is normally included in the next block or the one after; one lost
/// (dropped by the pool, or in a block that a reorg retracted) is sent again 3 blocks later,
/// so that a duty gets three tries within the fast runtime's 10-block challenge windows.
pub const RETRY_AFTER: u32 = 3;

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

	/// Where the URL of the worker's private API (its `--private-listen`) is kept in the
	/// node's persistent offchain storage, as plain UTF-8. Set it with the
	/// `offchain_localStorageSet` RPC: kind `PERSISTENT`, key `0x7a673a3a776f726b65722d75726c`
	/// (`zg::worker-url`), value the hex of the URL.
	pub const URL_KEY: &[u8] = b"zg::worker-url";

	/// Where the worker's secret (its `--node-secret`) is kept, the same way: key
	/// `0x7a673a3a776f726b65722d736563726574` (`zg::worker-secret`). When set, every request
	/// carries `Authorization: Bearer <secret>`.
	pub const SECRET_KEY: &[u8] = b"zg::worker-secret";

	/// The worker's private URL when none is set (the worker's default `--private-listen`).
	pub const DEFAULT_URL: &str = "http://127.0.0.1:8800";

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

	/// `Bearer <secret>`, when a secret is set.
	fn authorization() -> Option<String> {
		sp_io::offchain::local_storage_get(StorageKind::PERSISTENT, SECRET_KEY)
			.and_then(|raw: Vec<u8>| String::from_utf8(raw).ok())
			.filter(|secret| !secret.is_empty())
			.map(|secret| alloc::format!("Bearer {secret}"))
	}

	/// GETs `path` (starting with `/`) from the worker and returns the body.
	pub fn get(path: &str) -> Result<Vec<u8>, Error> {
		let url = alloc::format!("{}{}", base_url(), path);
		let auth = authorization();
		let mut request = http::Request::get(&url);
		if let Some(auth) = &auth {
			request = request.add_header("authorization", auth);
		}
		fetch(request, TIMEOUT_MS)
	}

	/// POSTs `body` to `path` (starting with `/`) on the worker, waiting at most `timeout_ms`,
	/// and returns the answer's body.
	pub fn post(path: &str, body: Vec<u8>, timeout_ms: u64) -> Result<Vec<u8>, Error> {
		let url = alloc::format!("{}{}", base_url(), path);
		let auth = authorization();
		let mut request = http::Request::post(&url, alloc::vec![body])
			.add_header("content-type", "application/octet-stream");
		if let Some(auth) = &auth {
			request = request.add_header("authorization", auth);
		}
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
/// once, and again only if it is still pending [`RETRY_AFTER`] blocks later. Duties are keyed by
/// a scope (the pallet) and the duty itself.
pub struct Dedup;

impl Dedup {
	fn key(scope: &[u8], duty: &impl Encode) -> Vec<u8> {
		let mut key = b"zg::duty::".to_vec();
		key.extend_from_slice(&sp_io::hashing::blake2_128(&(scope, duty).encode()));
		key
	}

	/// Claims `duty` of `scope` at block `now`: true if it was never claimed or its last claim
	/// is at least [`RETRY_AFTER`] blocks old. Atomic, so two overlapping workers never both
	/// claim it.
	pub fn claim(scope: &[u8], duty: &impl Encode, now: u32) -> bool {
		let key = Self::key(scope, duty);
		let value = StorageValueRef::persistent(&key);
		let result = value.mutate(|last: Result<Option<u32>, StorageRetrievalError>| match last {
			Ok(Some(at)) if now < at.saturating_add(RETRY_AFTER) => Err(()),
			_ => Ok(now),
		});
		result.is_ok()
	}

	/// Forgets a claim (when the transaction could not even be submitted).
	pub fn release(scope: &[u8], duty: &impl Encode) {
		StorageValueRef::persistent(&Self::key(scope, duty)).clear();
	}

	fn account_key(what: &[u8], account: &impl Encode) -> Vec<u8> {
		let mut key = b"zg::".to_vec();
		key.extend_from_slice(what);
		key.extend_from_slice(&sp_io::hashing::blake2_128(&account.encode()));
		key
	}

	/// Whether `account` may send a transaction at block `now`: false while its last
	/// transaction, sent at the same on-chain `nonce`, is younger than [`RETRY_AFTER`] blocks
	/// (it is still in the pool: a new one would replace it).
	pub fn may_send(account: &impl Encode, nonce: &impl Encode, now: u32) -> bool {
		let last = StorageValueRef::persistent(&Self::account_key(b"sent::", account))
			.get::<(Vec<u8>, u32)>();
		!matches!(last, Ok(Some((n, at))) if n == nonce.encode() && now < at.saturating_add(RETRY_AFTER))
	}

	/// Records that `account` sent a transaction of `scope` at `nonce` in block `now`.
	pub fn note_sent(scope: &[u8], account: &impl Encode, nonce: &impl Encode, now: u32) {
		StorageValueRef::persistent(&Self::account_key(b"sent::", account))
			.set(&(nonce.encode(), now));
		StorageValueRef::persistent(&Self::account_key(b"last::", account)).set(&scope.to_vec());
	}

	/// Records that `scope` had duties for `account` in block `now` but could not send them.
	pub fn note_waiting(scope: &[u8], account: &impl Encode, now: u32) {
		StorageValueRef::persistent(&Self::account_key(b"waiting::", account))
			.set(&(scope.to_vec(), now));
	}

	/// Whether `scope` should let another scope send for `account` in block `now`: it sent
	/// the last transaction, and another scope waited for its turn in the previous block. One
	/// account has one nonce, so the pallets that share a key take turns.
	pub fn should_yield(scope: &[u8], account: &impl Encode, now: u32) -> bool {
		let last =
			StorageValueRef::persistent(&Self::account_key(b"last::", account)).get::<Vec<u8>>();
		let waiting = StorageValueRef::persistent(&Self::account_key(b"waiting::", account))
			.get::<(Vec<u8>, u32)>();
		matches!(last, Ok(Some(l)) if l == scope)
			&& matches!(waiting, Ok(Some((w, at))) if w != scope && at.saturating_add(1) >= now)
	}
}

/// Runs one round of a pallet's duties (`scope` names the pallet): for every provider key of
/// type `A` in the keystore whose last transaction has landed ([`Dedup::may_send`]),
/// `next_duties` picks the duties of that account not yet claimed (claiming them, see
/// [`Dedup::claim`]) and the one call that fulfils them all (a batch); the call is submitted
/// signed by that key. Duties whose transaction cannot even be submitted are released, so the
/// next block tries them again. One transaction per key and block: when the pallets sharing a
/// key all have duties, they take turns ([`Dedup::should_yield`]).
pub fn send_duties<T, A, C, D>(
	scope: &[u8],
	now: u32,
	mut next_duties: impl FnMut(&T::AccountId) -> Option<(Vec<D>, C)>,
) where
	T: frame_system::Config + frame_system::offchain::CreateSignedTransaction<C>,
	A: frame_system::offchain::AppCrypto<T::Public, T::Signature>,
	C: Clone,
	D: Encode,
{
	use frame_system::offchain::{Account, SendSignedTransaction, Signer};
	let accounts: Vec<Account<T>> = Signer::<T, A>::keystore_accounts().collect();
	for account in accounts {
		let nonce = frame_system::Pallet::<T>::account_nonce(&account.id);
		if Dedup::should_yield(scope, &account.id, now) {
			continue;
		}
		// A transaction sent at this nonce that has not landed yet would be replaced by a new
		// one: wait for it (or for RETRY_AFTER blocks).
		if !Dedup::may_send(&account.id, &nonce, now) {
			Dedup::note_waiting(scope, &account.id, now);
			continue;
		}
		let Some((duties, call)) = next_duties(&account.id) else { continue };
		let signer =
			Signer::<T, A>::all_accounts().with_filter(alloc::vec![account.public.clone()]);
		let sent = signer.send_signed_transaction(|_| call.clone());
		if sent.iter().all(|(_, result)| result.is_err()) {
			log::warn!(target: "runtime::zg-offchain", "could not submit the duties of {:?}", account.id);
			for duty in &duties {
				Dedup::release(scope, duty);
			}
		} else {
			Dedup::note_sent(scope, &account.id, &nonce, now);
		}
	}
}

/// A decoded answer from the worker: SCALE bytes of `T`.
pub fn decode<T: Decode>(bytes: &[u8]) -> Option<T> {
	T::decode(&mut &bytes[..]).ok()
}
