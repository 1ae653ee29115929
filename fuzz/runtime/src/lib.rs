//! Random sequences of extrinsics over many blocks, in the spirit of srlabs'
//! substrate-runtime-fuzzer: calls of any pallet, signed by the local testnet's endowed
//! accounts and applied through the runtime's transaction extensions (nonces, fees,
//! `CheckWeight`; no signature is made), in blocks made with the hooks (a BABE pre-digest of the
//! slot's authority with its VRF signature, the timestamp inherent, `on_initialize` …
//! `on_finalize`), the slot jumping so that sessions and eras pass. After every block
//! ([`checks`]):
//!
//! - every pallet's `try_state`, under a guard that fails if it writes, and every stored value
//!   decodable;
//! - the total issuance equals the sum of every account's free and reserved balance (the
//!   pallets' escrows are accounts; their own `try_state` compares them with what the pallet
//!   owes), and its change over the block is what the block's events say was minted and
//!   burned: no $0G appears or vanishes unannounced;
//! - new $0G goes only where the runtime may mint it: inflation to the staking reward pot when
//!   an era ends (at most the era's duration's worth, and what its payout announces), a new
//!   contract's existential deposit;
//! - each account's holds and named reserves within its reserved balance;
//! - each dispatch class's weight within its limit, and the transactions' (normal and
//!   operational) within the block's maximum.
//!
//! An input is a byte string read as `(lapse: u8, origin: u8, call: RuntimeCall)` items
//! ([`run_input`]), SCALE with a depth limit: `lapse` slots pass before the call when non-zero
//! (a new block), `origin` picks the signer. At the start of each block the honest storage
//! providers among the accounts confirm their shards and answer their challenges with real
//! proofs ([`providers`]), the compute providers answer their jobs and vote in disputes
//! ([`services`]), and the DA signers attest the blobs of their committee and answer their
//! challenges ([`signers`]). Two drivers feed it: the seeded generator of
//! [`generate`] (`tests/random_sequences.rs`, run by CI) and AFL++ (`zg-runtime-fuzz`, built
//! and run by `scripts/fuzz.sh SECONDS runtime`). What it does not do yet is listed in
//! docs/fuzzing.md.
#![cfg(feature = "try-runtime")]

mod apply;
mod block;
pub mod checks;
pub mod generate;
pub mod providers;
pub mod services;
pub mod signers;

pub use apply::{run_input, Tally};

use std::sync::atomic::{AtomicU32, Ordering};

/// Items of one input at most, as the substrate-runtime-fuzzer bounds them.
pub const MAX_ITEMS: usize = 64;

/// What the blocks run so far did, over all inputs (for the report of a run).
#[derive(Default)]
pub struct Counts {
	/// Storage files dropped with their fees refunded (no providers to serve them, or not
	/// confirmed by their deadline).
	pub dropped: AtomicU32,
	/// Storage shards assigned to providers.
	pub assigned: AtomicU32,
	/// Blocks that minted $0G, and blocks that burned some (their issuance change checked).
	pub minting: AtomicU32,
	pub burning: AtomicU32,
	/// Blocks whose pre-digest carried their author's VRF signature.
	pub vrf: AtomicU32,
}

/// The counters of this process.
pub static COUNTS: Counts = Counts {
	dropped: AtomicU32::new(0),
	assigned: AtomicU32::new(0),
	minting: AtomicU32::new(0),
	burning: AtomicU32::new(0),
	vrf: AtomicU32::new(0),
};

impl Counts {
	/// One counter's value.
	pub fn get(counter: &AtomicU32) -> u32 {
		counter.load(Ordering::Relaxed)
	}

	fn add(counter: &AtomicU32, n: u32) {
		counter.fetch_add(n, Ordering::Relaxed);
	}
}

/// The local testnet's genesis state, which every input starts from.
pub fn genesis() -> sp_core::storage::Storage {
	use sp_runtime::BuildStorage;
	let name = sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET;
	zg_runtime::genesis_config_presets::preset_config(&name.into())
		.expect("the runtime has a local testnet preset")
		.build_storage()
		.expect("the local testnet's genesis builds")
}

/// Whether `ZG_SEQ_TRACE` asks for each call and block weight to be printed (read once).
fn trace() -> bool {
	static TRACE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
	*TRACE.get_or_init(|| std::env::var("ZG_SEQ_TRACE").is_ok())
}
