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
//! - [`api_auth_message`]: what a user signs to call a provider's OpenAI-compatible HTTP API
//!   with its chain account.

use alloc::vec::Vec;
use blake2b_simd::Params;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::H256;

/// Personalization of output hashes.
const OUTPUT_PERSONAL: &[u8] = b"zg-compute-out";
/// Domain separation of API request signatures.
const API_AUTH_DOMAIN: &[u8] = b"zg-compute-api";

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

/// The input of a job.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug)]
pub enum RunInput {
	/// The prompt itself (UTF-8).
	Inline(Vec<u8>),
	/// A file in 0G Storage, by its root: the worker downloads it.
	Stored(H256),
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
	/// The content root of the model's weights, as registered.
	pub model_root: H256,
	/// The job's input.
	pub input: RunInput,
	/// The largest number of output tokens to generate.
	pub max_tokens: u32,
	/// `true` when a verifier re-runs the job in a dispute: the worker must not apply any
	/// provider-side fault injection and must run deterministically.
	pub verify: bool,
}

/// `POST /compute/run` answer.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct RunResult {
	/// [`output_hash`] of the output bytes.
	pub output_hash: H256,
	/// The root of the output in 0G Storage, when the worker stored it.
	pub output_root: Option<H256>,
	/// Tokens in the input, as the model's tokenizer counts them.
	pub input_tokens: u32,
	/// Tokens generated.
	pub output_tokens: u32,
}

/// The commitment to a job's output: `BLAKE2b-256[zg-compute-out](output)`.
pub fn output_hash(output: &[u8]) -> H256 {
	let hash = Params::new().hash_length(32).personal(OUTPUT_PERSONAL).hash(output);
	H256::from_slice(hash.as_bytes())
}

/// The bytes a user signs (sr25519, with its chain account) to call a provider's HTTP API:
/// `"zg-compute-api" ‖ SCALE(provider, nonce, BLAKE2b-256(body))`. `nonce` must grow from one
/// request to the next (a timestamp in milliseconds will do): the worker refuses a nonce it
/// has already seen for the account, so a signed request cannot be replayed.
pub fn api_auth_message(provider: &[u8; 32], nonce: u64, body: &[u8]) -> Vec<u8> {
	let body_hash = Params::new().hash_length(32).hash(body);
	let mut message = API_AUTH_DOMAIN.to_vec();
	(provider, nonce, H256::from_slice(body_hash.as_bytes())).encode_to(&mut message);
	message
}

/// Header that carries the signature: `ZG-Sr25519 <account hex>:<nonce>:<signature hex>`.
pub const API_AUTH_HEADER: &str = "authorization";
/// Scheme of the authorization header.
pub const API_AUTH_SCHEME: &str = "ZG-Sr25519";

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
	fn auth_message_binds_provider_nonce_and_body() {
		let a = api_auth_message(&[1; 32], 7, b"{}");
		assert!(a.starts_with(API_AUTH_DOMAIN));
		assert_ne!(a, api_auth_message(&[2; 32], 7, b"{}"));
		assert_ne!(a, api_auth_message(&[1; 32], 8, b"{}"));
		assert_ne!(a, api_auth_message(&[1; 32], 7, b"{ }"));
	}
}
