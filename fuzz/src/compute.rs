//! 0G Compute: API keys carrying signed spending capabilities, as any HTTP client sends them.

use crate::Input;
use codec::Encode;
use sp_core::{sr25519, Pair, H256};
use sp_runtime::{traits::Verify, MultiSignature};
use zg_primitives::{
	compute::{decode_api_key, encode_api_key, SpendingCapability},
	AccountId,
};

type Capability = SpendingCapability<AccountId, u32>;

/// API keys: any text decodes to a capability or to nothing, without a panic; a key made by
/// [`encode_api_key`] decodes to what it carries; a signature verifies only over the exact
/// capability that was signed.
pub fn api_key(data: &[u8]) {
	// Arbitrary text, as it comes in an `Authorization` header.
	let text = String::from_utf8_lossy(data);
	if let Some((capability, signature)) = decode_api_key::<Capability, MultiSignature>(&text) {
		// What decodes re-encodes to a key that decodes the same.
		let again = encode_api_key(&capability, &signature);
		assert_eq!(
			decode_api_key::<Capability, MultiSignature>(&again),
			Some((capability, signature))
		);
	}
	let _ = decode_api_key::<Capability, MultiSignature>(&format!("zgcap_{}", hex(data)));

	// A signed capability from the input's values.
	let mut input = Input::new(data);
	let pair = sr25519::Pair::from_seed(&input.array());
	let capability = Capability {
		user: pair.public().into(),
		provider: AccountId::new(input.array()),
		cap: u128::from(input.u64()) << 32 | u128::from(input.u32()),
		expires_at: input.u32(),
		genesis: H256(input.array()),
		nonce: input.u64(),
	};
	let signature = MultiSignature::from(pair.sign(&capability.signing_payload()));
	let key = encode_api_key(&capability, &signature);
	let Some((decoded, sig)) = decode_api_key::<Capability, MultiSignature>(&key) else {
		panic!("a key we made decodes")
	};
	assert_eq!(decoded, capability);
	assert!(sig.verify(&decoded.signing_payload()[..], &decoded.user));
	// Any change to the capability breaks the signature.
	let mut changed = decoded.clone();
	match input.u8() % 4 {
		0 => changed.cap = changed.cap.wrapping_add(1 + u128::from(input.u8())),
		1 => changed.expires_at = changed.expires_at.wrapping_add(1 + u32::from(input.u8())),
		2 => changed.nonce = changed.nonce.wrapping_add(1 + u64::from(input.u8())),
		_ => changed.genesis.0[input.below(32) as usize] ^= 1 | input.u8(),
	}
	assert!(!sig.verify(&changed.signing_payload()[..], &changed.user));
	assert_ne!(changed.encode(), decoded.encode());
}

fn hex(bytes: &[u8]) -> String {
	bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// OpenAI requests as any HTTP client sends them (`/v1/chat/completions`, `/v1/completions`,
/// `/v1/embeddings`): the first byte picks the route and the provider's token cap, the rest is
/// the body. Any body is read or refused without a panic, a refusal's message stays short,
/// and what is read keeps the limits the worker promises: `max_tokens` within 1 and the cap,
/// a finite temperature within 0 and 2 (greedy exactly at 0), at most 4 stop sequences of 1 to
/// 256 bytes, a non-empty chat that the plain template renders, 1 to 2048 embedding inputs.
pub fn openai_request(data: &[u8]) {
	use zg_compute_engine::request::{self, Flavor, Prompt, RequestError};
	let (&pick, body) = data.split_first().unwrap_or((&0, &[]));
	let cap = 1 + u32::from(pick >> 2) * 67;
	let short = |e: &RequestError| {
		assert!(!e.message.is_empty());
		assert!(e.message.chars().count() <= request::MAX_ERROR_CHARS + 1, "{}", e.message.len());
	};
	if pick % 3 == 2 {
		match request::embeddings(body) {
			Ok(e) => assert!((1..=request::MAX_EMBEDDING_INPUTS).contains(&e.inputs.len())),
			Err(e) => short(&e),
		}
		return;
	}
	let flavor = if pick % 3 == 0 { Flavor::Chat } else { Flavor::Text };
	let completion = match request::completion(body, flavor, cap, 5) {
		Ok(completion) => completion,
		Err(e) => return short(&e),
	};
	let params = &completion.params;
	assert!((1..=cap).contains(&params.max_tokens), "max_tokens {} of {cap}", params.max_tokens);
	assert!(params.temperature.is_finite() && (0.0..=2.0).contains(&params.temperature));
	assert_eq!(params.deterministic, params.temperature == 0.0);
	assert!(params.stop.len() <= request::MAX_STOP);
	assert!(params.stop.iter().all(|s| (1..=request::MAX_STOP_BYTES).contains(&s.len())));
	let prompt = match (&completion.prompt, flavor) {
		(Prompt::Chat(messages), Flavor::Chat) => {
			assert!(!messages.is_empty());
			let prompt = zg_compute_engine::plain_chat_prompt(messages);
			let said: usize = messages.iter().map(|m| m.content.len()).sum();
			assert!(prompt.len() > said);
			prompt
		},
		(Prompt::Text(prompt), Flavor::Text) => prompt.clone(),
		(prompt, flavor) => panic!("a {flavor:?} request read as {prompt:?}"),
	};
	// What the worker bounds the request's cost with.
	let _ = zg_primitives::compute::input_token_bound(prompt.len() as u64);
}
