//! # The 0G provider worker
//!
//! The program a provider runs beside its node. Its storage core (erasure coding, streaming
//! ingest, the shard store with stored Merkle trees, rebuilds and reads) is the
//! `zg-storage-node` crate, re-exported here; this crate adds:
//!
//! - [`server`]: the HTTP API (upload, push, shard exchange, download, proofs) and the
//!   provider's maintenance loop (rebuilds, garbage collection); [`streaming`]: bodies between
//!   the network and the disk; [`chain`]: the chain seen through subxt and the runtime
//!   metadata.
//! - [`compute`]: the inference engines and the OpenAI-compatible API.
//!
//! Binaries: `zg-worker` (the worker) and `zg-storage` (the CLI: upload, download, status).

pub mod chain;
pub mod compute;
pub mod server;
pub mod streaming;

pub use zg_storage_node::{encoder, ingest, read, root_hex, shard, store, Error};
