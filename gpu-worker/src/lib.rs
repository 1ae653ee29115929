//! # The 0G provider worker
//!
//! The program a provider runs beside its node. This crate holds its storage data plane:
//!
//! - [`encoder`]: erasure coding behind one trait, [`encoder::ErasureBackend`]. The CPU backend
//!   (reed-solomon-simd, spread over all cores) is the reference; a CUDA backend must produce
//!   the same bytes.
//! - [`ingest`]: a file's bytes in, its shards, Merkle trees, shard roots and file root out,
//!   exactly as `zg_primitives::storage` defines them and the chain checks them.
//! - [`store`]: shards on disk, read back for downloads and challenge proofs.
//! - [`server`]: the HTTP API (upload, push, shard exchange, download, proofs) and the
//!   provider's maintenance loop; [`chain`]: the chain seen through subxt and the runtime
//!   metadata.
//!
//! Binaries: `zg-worker` (the worker) and `zg-storage` (the CLI: upload, download, status).

pub mod chain;
pub mod compute;
pub mod encoder;
pub mod ingest;
pub mod server;
pub mod store;

/// Errors of the worker's data plane.
#[derive(Debug, thiserror::Error)]
pub enum Error {
	/// The layout is not usable (empty file, no data shards, too many shards).
	#[error("bad layout: {0:?}")]
	Layout(zg_primitives::storage::LayoutError),
	/// Erasure coding failed.
	#[error("erasure coding failed: {0:?}")]
	Erasure(zg_primitives::erasure::ErasureError),
	/// A shard does not match the root it should have.
	#[error("shard {index} of {root} does not match its committed root")]
	ShardMismatch { root: String, index: u32 },
	/// Fewer than `k` valid shards could be found.
	#[error("not enough shards: {have} of the {need} needed")]
	NotEnoughShards { have: usize, need: usize },
	/// The store has no such file or shard.
	#[error("not found: {0}")]
	NotFound(String),
	/// A disk error.
	#[error("i/o: {0}")]
	Io(#[from] std::io::Error),
	/// Stored metadata could not be read.
	#[error("corrupt metadata: {0}")]
	Corrupt(String),
}

impl From<zg_primitives::storage::LayoutError> for Error {
	fn from(e: zg_primitives::storage::LayoutError) -> Self {
		Error::Layout(e)
	}
}

impl From<zg_primitives::erasure::ErasureError> for Error {
	fn from(e: zg_primitives::erasure::ErasureError) -> Self {
		Error::Erasure(e)
	}
}

/// Hex (with `0x`) of a root, as the chain's RPC and the CLI print it.
pub fn root_hex(root: &zg_primitives::Hash) -> String {
	format!("0x{}", hex::encode(root.as_bytes()))
}
