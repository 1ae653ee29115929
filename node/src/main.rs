//! `zg-node`: the node of the 0G chain.
//!
//! It hosts the runtime: BABE produces blocks, GRANDPA finalizes them, offchain workers run on
//! validators, and JSON-RPC serves clients (polkadot.js, the GPU worker, eth-rpc).

#![warn(missing_docs)]

mod chain_spec;
mod cli;
mod command;
mod new_network;
mod rpc;
mod service;
mod trie_cache;

/// The node's allocator on Linux: jemalloc, as polkadot's node has, which returns freed memory
/// to the system; under a steady load of transactions the node holds far less memory than with
/// glibc's malloc (docs/performance.md). Built without the `jemalloc` feature, the node uses
/// the system's allocator, which heap profilers (heaptrack) can follow.
#[cfg(all(target_os = "linux", feature = "jemalloc"))]
#[global_allocator]
static ALLOC: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> sc_cli::Result<()> {
	command::run()
}
