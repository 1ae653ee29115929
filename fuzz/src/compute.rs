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
