//! The 0G Compute Network: what the compute pallet, the provider's offchain worker, the GPU
//! worker and clients must agree on.
//!
//! - [`ServiceKind`]: what a service sells, and how its fee is computed ([`usage_fee`]).
//! - [`RunRequest`] / [`RunResult`]: the SCALE-encoded messages between a node's offchain
//!   worker and its local worker (`POST /compute/run`), used both to answer a job and, as a
//!   verifier in a dispute, to re-run somebody else's job.
//! - [`output_hash`]: the commitment to a job's output that results and dispute votes carry.
//!   Deterministic mode (greedy decoding, fixed seed, fixed reduction order) makes it the same
//!   on every worker that runs the same model on the same backend.
//! - [`SpendingCapability`]: what a user signs to let one provider charge its API use, up to a
//!   cap, and the API key that carries it ([`encode_api_key`]).
//! - [`JobOutcome`] / [`Refusal`]: an output or a deterministic refusal, as results and votes
//!   carry them; [`input_token_bound`]: the most input tokens an input can make.

use alloc::vec::Vec;
use blake2b_simd::Params;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::H256;

/// Personalization of output hashes.
const OUTPUT_PERSONAL: &[u8] = b"zg-compute-out";

/// What a compute service sells.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
	serde::Serialize,
	serde::Deserialize,
)]
pub enum ServiceKind {
	/// Text generation (and embeddings): priced per input token and per output token.
	Inference,
	/// Fine-tuning runs: priced per job (the service's input price), whatever the tokens.
	FineTuning,
	/// Agents (tool-using generation): priced per token like inference.
	Agent,
}

/// The fee of one job: `input_tokens × input_price + output_tokens × output_price` for
/// inference and agents, `input_price` for a fine-tuning job, capped by `max_fee` and never
/// overflowing (saturating).
pub fn usage_fee(
	kind: ServiceKind,
	input_price: u128,
	output_price: u128,
	input_tokens: u32,
	output_tokens: u32,
	max_fee: u128,
) -> u128 {
	let fee = match kind {
		ServiceKind::FineTuning => input_price,
		ServiceKind::Inference | ServiceKind::Agent => (input_tokens as u128)
			.saturating_mul(input_price)
			.saturating_add((output_tokens as u128).saturating_mul(output_price)),
	};
	fee.min(max_fee)
}

/// Tokens a tokenizer may add to an input beside one per byte (a start and an end token).
pub const INPUT_TOKEN_SLACK: u32 = 2;

/// The most input tokens `len` bytes of input can make: no tokenizer makes more tokens than
/// bytes, beside [`INPUT_TOKEN_SLACK`]. The chain refuses results that report more, and counts
/// this bound in the smallest `max_fee` a job may offer, so a provider cannot inflate input
/// counts to drain a job's max fee.
pub fn input_token_bound(len: u64) -> u32 {
	u32::try_from(len).unwrap_or(u32::MAX).saturating_add(INPUT_TOKEN_SLACK)
}

/// The input of a job.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug)]
pub enum RunInput {
	/// The prompt itself (UTF-8).
	Inline(Vec<u8>),
	/// A file in 0G Storage, by its root: the worker downloads it.
	Stored(H256),
}

/// Why an engine refuses a job. A refusal depends only on the job and the model, so every
/// worker that runs the same model refuses the same job the same way: verifiers reproduce it,
/// and a provider that refuses a job it could run loses the dispute as a wrong output does.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
	serde::Serialize,
	serde::Deserialize,
)]
pub enum Refusal {
	/// The stored input is not a stored file (any more).
	InputMissing,
	/// The input is larger than the engine takes.
	InputTooLarge,
	/// The model does not do what the service's kind asks (an embedding model asked to
	/// generate, say).
	WrongKind,
	/// The input is longer than the model's context.
	ContextTooLong,
}

/// What running a job gave: an output, or a deterministic refusal.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub enum JobOutcome {
	/// The job ran: [`output_hash`] of the output and the tokens used.
	Output {
		/// [`output_hash`] of the output bytes.
		output_hash: H256,
		/// Tokens in the input, as the model's tokenizer counts them.
		input_tokens: u32,
		/// Tokens generated.
		output_tokens: u32,
	},
	/// The engine refused the job.
	Refused(Refusal),
}

/// `POST /compute/run` body: run one job on the local worker.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct RunRequest {
	/// The job's id on chain.
	pub job: u64,
	/// The kind of service the job was submitted to.
	pub kind: ServiceKind,
	/// The model identifier of the service (as registered, e.g. `zg-tiny-gpt`).
	pub model: Vec<u8>,
	/// The content root of the model's weights, as registered: the worker refuses to run a
	/// model whose weights have another hash.
	pub model_root: H256,
	/// The job's input.
	pub input: RunInput,
	/// The largest number of output tokens to generate.
	pub max_tokens: u32,
	/// `true` when a verifier re-runs the job in a dispute: the worker must not apply any
	/// provider-side fault injection and must run deterministically.
	pub verify: bool,
}

/// `POST /compute/run` answer (status 200). A job still running is answered with 202 and no
/// body (ask again later); a job the worker cannot run now (engine or upstream down, input
/// unreadable, wrong model loaded) with 503: the node then submits nothing, and a verifier
/// abstains.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct RunResult {
	/// The output's commitment and usage, or the refusal.
	pub outcome: JobOutcome,
	/// The root of the output in 0G Storage, when the worker stored it.
	pub output_root: Option<H256>,
}

/// The commitment to a job's output: `BLAKE2b-256[zg-compute-out](output)`.
pub fn output_hash(output: &[u8]) -> H256 {
	let hash = Params::new().hash_length(32).personal(OUTPUT_PERSONAL).hash(output);
	H256::from_slice(hash.as_bytes())
}

/// A user's consent to be charged by one provider for API use: signed by the user, handed to
/// the provider's worker as its API key, and checked on chain by every settlement.
///
/// The chain settles at most `cap` in total under one capability (identified by user,
/// provider and nonce), only before `expires_at`, only on the chain whose genesis hash is
/// `genesis`, and only from the user's allocation to `provider`. What remains to trust is the
/// provider's metering up to the cap the user chose.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct SpendingCapability<AccountId, BlockNumber> {
	/// The user who pays (the signer).
	pub user: AccountId,
	/// The only provider that may settle under it.
	pub provider: AccountId,
	/// The most that may be settled under it, in total.
	pub cap: u128,
	/// The first block in which it can no longer be settled.
	pub expires_at: BlockNumber,
	/// The genesis hash of the chain it is valid on.
	pub genesis: H256,
	/// Tells apart the capabilities of one user for one provider.
	pub nonce: u64,
}

impl<AccountId: Encode, BlockNumber: Encode> SpendingCapability<AccountId, BlockNumber> {
	/// The bytes the user signs: `"zg-compute-capability" ‖ SCALE(capability)`.
	pub fn signing_payload(&self) -> Vec<u8> {
		let mut payload = CAPABILITY_DOMAIN.to_vec();
		self.encode_to(&mut payload);
		payload
	}
}

/// Domain separation of capability signatures.
pub const CAPABILITY_DOMAIN: &[u8] = b"zg-compute-capability";

/// How an API key starts: `zgcap_` followed by the hex of `SCALE((capability, signature))`.
pub const API_KEY_PREFIX: &str = "zgcap_";

/// The API key that carries a signed capability: what a user passes as `apiKey` to an
/// OpenAI SDK (it is sent as `Authorization: Bearer <key>`).
pub fn encode_api_key<C: Encode, S: Encode>(
	capability: &C,
	signature: &S,
) -> alloc::string::String {
	let bytes = (capability, signature).encode();
	let mut key = alloc::string::String::from(API_KEY_PREFIX);
	for byte in bytes {
		key.push(char::from(b"0123456789abcdef"[(byte >> 4) as usize]));
		key.push(char::from(b"0123456789abcdef"[(byte & 15) as usize]));
	}
	key
}

/// The capability and signature in an API key made by [`encode_api_key`], or `None` if the
/// key is not one.
pub fn decode_api_key<C: Decode, S: Decode>(key: &str) -> Option<(C, S)> {
	let hex = key.trim().strip_prefix(API_KEY_PREFIX)?.as_bytes();
	if hex.len() % 2 != 0 || hex.len() > 1024 {
		return None;
	}
	let nibble = |c: u8| match c {
		b'0'..=b'9' => Some(c - b'0'),
		b'a'..=b'f' => Some(c - b'a' + 10),
		b'A'..=b'F' => Some(c - b'A' + 10),
		_ => None,
	};
	let bytes: Option<Vec<u8>> =
		hex.chunks(2).map(|pair| Some(nibble(pair[0])? << 4 | nibble(pair[1])?)).collect();
	let bytes = bytes?;
	let mut input = &bytes[..];
	let decoded = <(C, S)>::decode(&mut input).ok()?;
	input.is_empty().then_some(decoded)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn fee_is_usage_capped_by_max() {
		assert_eq!(usage_fee(ServiceKind::Inference, 2, 5, 10, 20, 1_000), 120);
		assert_eq!(usage_fee(ServiceKind::Inference, 2, 5, 10, 20, 100), 100);
		assert_eq!(usage_fee(ServiceKind::FineTuning, 700, 5, 10, 20, 1_000), 700);
		assert_eq!(usage_fee(ServiceKind::Agent, u128::MAX, 5, 10, 20, 9), 9);
	}

	#[test]
	fn output_hash_is_personalized() {
		let plain = Params::new().hash_length(32).hash(b"hello");
		assert_ne!(output_hash(b"hello").as_bytes(), plain.as_bytes());
		assert_eq!(output_hash(b"hello"), output_hash(b"hello"));
	}

	#[test]
	fn api_keys_round_trip_and_refuse_garbage() {
		let cap = SpendingCapability {
			user: [1u8; 32],
			provider: [2u8; 32],
			cap: 5,
			expires_at: 100u32,
			genesis: H256::repeat_byte(3),
			nonce: 9,
		};
		let signature = [7u8; 64];
		let key = encode_api_key(&cap, &signature);
		assert!(key.starts_with(API_KEY_PREFIX));
		let (back, sig): (SpendingCapability<[u8; 32], u32>, [u8; 64]) =
			decode_api_key(&key).unwrap();
		assert_eq!((back, sig), (cap.clone(), signature));
		assert!(decode_api_key::<SpendingCapability<[u8; 32], u32>, [u8; 64]>("sk-123").is_none());
		assert!(decode_api_key::<SpendingCapability<[u8; 32], u32>, [u8; 64]>(
			&key[..key.len() - 2]
		)
		.is_none());
		assert!(decode_api_key::<SpendingCapability<[u8; 32], u32>, [u8; 64]>(&format!("{key}00"))
			.is_none());
		assert!(cap.signing_payload().starts_with(CAPABILITY_DOMAIN));
	}

	#[test]
	fn input_token_bound_counts_bytes_and_slack() {
		assert_eq!(input_token_bound(0), 2);
		assert_eq!(input_token_bound(100), 102);
		assert_eq!(input_token_bound(u64::MAX), u32::MAX);
	}
}
