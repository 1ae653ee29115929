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

/// The node's allocator on Linux: jemalloc, which returns freed memory to the system, where
/// glibc's malloc lets its arenas fragment under a steady load of transactions (the node's
/// memory then grows for hours; see docs/performance.md).
#[cfg(target_os = "linux")]
#[global_allocator]
static ALLOC: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> sc_cli::Result<()> {
	command::run()
}
