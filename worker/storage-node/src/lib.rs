//! # The 0G provider's storage core
//!
//! Everything a provider's worker does with shards, without HTTP and without a chain client
//! (the worker's HTTP layer and chain view call in):
//!
//! - [`encoder`]: erasure coding behind one trait, [`encoder::ErasureBackend`].
//! - [`ingest`]: a file's bytes to its shards, trees, shard roots and file root, as
//!   `zg_primitives::storage` defines them: streamed ([`ingest::Ingest`], memory bounded
//!   whatever the file's size) and in memory ([`ingest::ingest`], the reference).
//! - [`tree`] and [`shard`]: a shard written as it arrives, its Merkle tree kept on disk so
//!   that a proof reads one 16 KiB group and one node per level.
//! - [`store`]: the shards on disk, their proofs, garbage collection and capacity.
//! - [`read`]: a file given back from any `k` shards, rebuilt stripe by stripe and checked
//!   against the committed roots before a byte is served, read by range.
//!
//! Memory stays bounded by the stripe size times the shard count, never by the file size.

pub mod encoder;
pub mod ingest;
pub mod read;
pub mod room;
pub mod shard;
pub mod store;
pub mod tree;

/// Errors of the storage core.
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
	/// More bytes than allowed.
	#[error("more than {limit} bytes")]
	TooLarge { limit: u64 },
	/// Fewer bytes than announced.
	#[error("the body ended after {got} of {expected} bytes")]
	Short { expected: u64, got: u64 },
	/// Storing this would pass the declared capacity.
	#[error("no room: {needed} bytes needed, {free} free of the declared capacity")]
	NoRoom { needed: u64, free: u64 },
	/// A disk error.
	#[error("i/o: {0}")]
	Io(#[from] std::io::Error),
	/// Stored data could not be read.
	#[error("corrupt: {0}")]
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

/// A root from its hex (with or without `0x`).
pub fn parse_root(text: &str) -> Option<zg_primitives::Hash> {
	let hex = text.strip_prefix("0x").unwrap_or(text);
	let bytes: [u8; 32] = hex::decode(hex).ok()?.try_into().ok()?;
	Some(zg_primitives::Hash::from(bytes))
}
