//! The chain's calls, storage entries and constants, generated at compile time from the runtime
//! metadata checked in under `worker/chain/metadata` (kept equal to the runtime's by the
//! runtime's test `worker_metadata_is_the_runtimes`).

#[subxt::subxt(runtime_metadata_path = "metadata/zg-runtime.scale")]
pub mod zg {}
