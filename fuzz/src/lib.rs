//! Fuzz targets for the decoders and verifiers of the 0G chain that take outside bytes.
//!
//! Each target is a function of arbitrary bytes that must never panic, hang or allocate without
//! bound, and that asserts the properties its verifier promises (an honest proof verifies, a
//! tampered one does not; any `k` shards give the file back). [`TARGETS`] lists them by name.
//!
//! - AFL++ runs them through the `zg-fuzz` binary (`scripts/fuzz.sh`, feature `afl`);
//! - `cargo test` replays every input kept under `fuzz/corpus/<target>/` (the seeds and what the
//!   fuzzer found that reached new code) and `fuzz/regressions/<target>/` (every crash found,
//!   kept as a test once fixed).

pub mod compute;
pub mod da;
mod input;
pub mod seeds;
pub mod storage;
pub mod worker;

pub use input::Input;

/// A fuzz target: arbitrary bytes in, a panic on a broken property.
pub type Target = fn(&[u8]);

/// Every target, by the name `zg-fuzz` and the corpus folders use.
pub const TARGETS: &[(&str, Target)] = &[
	("storage_proof", storage::proof),
	("file_layout", storage::layout),
	("erasure_decode", storage::erasure_decode),
	("da_cell_proof", da::cell_proof),
	("da_fraud_proofs", da::fraud_proofs),
	("da_decode_line", da::decode_line),
	("api_key", compute::api_key),
	("openai_request", compute::openai_request),
	("worker_replies", worker::replies),
	("root_text", worker::root_text),
];

/// The target called `name`.
pub fn target(name: &str) -> Option<Target> {
	TARGETS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}
