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

fn main() -> sc_cli::Result<()> {
	command::run()
}
