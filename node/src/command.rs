//! Dispatches the command line to the node or to a subcommand.

use crate::{
	chain_spec,
	cli::{Cli, Subcommand},
	service,
};
use sc_cli::SubstrateCli;
use sc_service::PartialComponents;

impl SubstrateCli for Cli {
	fn impl_name() -> String {
		"0G Chain Node".into()
	}

	fn impl_version() -> String {
		env!("SUBSTRATE_CLI_IMPL_VERSION").into()
	}

	fn description() -> String {
		env!("CARGO_PKG_DESCRIPTION").into()
	}

	fn author() -> String {
		env!("CARGO_PKG_AUTHORS").into()
	}

	fn support_url() -> String {
		"https://github.com/0g-chain/zg-chain/issues".into()
	}

	fn copyright_start_year() -> i32 {
		2026
	}

	fn load_spec(&self, id: &str) -> Result<Box<dyn sc_service::ChainSpec>, String> {
		chain_spec::load(id)
	}
}

/// The transaction pool the node runs unless `--pool-type` is given: the single-state pool, not
/// polkadot-sdk's default (the fork-aware pool).
///
/// Under a burst from a few accounts (12 000 transfers from 8 accounts, well below `--pool-limit`)
/// the fork-aware pool silently lost transactions it had accepted (a third of them in 1 run of 3:
/// each account's transactions from one nonce on), while the single-state pool included every one
/// in every run. Measurements and the cause: docs/performance.md.
pub const DEFAULT_POOL_TYPE: &str = "single-state";

/// The command line, with our default for `--pool-type` (which `--help` shows).
pub fn command() -> clap::Command {
	use clap::CommandFactory;
	let cmd = Cli::setup_command(Cli::command());
	if cmd.get_arguments().any(|arg| arg.get_id() == "pool_type") {
		cmd.mut_arg("pool_type", |arg| arg.default_value(DEFAULT_POOL_TYPE))
	} else {
		cmd
	}
}

/// Parses the command line as [`SubstrateCli::from_args`] does, with [`command`]'s defaults.
fn parse() -> Cli {
	use clap::FromArgMatches;
	let matches = command().get_matches();
	Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

/// Parses the command line and runs the node or the subcommand.
pub fn run() -> sc_cli::Result<()> {
	let cli = parse();

	match &cli.subcommand {
		Some(Subcommand::Key(cmd)) => cmd.run(&cli),
		Some(Subcommand::BuildSpec(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run(config.chain_spec, config.network))
		},
		Some(Subcommand::NewNetwork(cmd)) => cmd.run(),
		Some(Subcommand::ExportChainSpec(cmd)) => {
			let spec = cli.load_spec(&cmd.chain)?;
			cmd.run(spec)
		},
		Some(Subcommand::CheckBlock(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, import_queue, .. } =
					service::new_partial(&config)?;
				Ok((cmd.run(client, import_queue), task_manager))
			})
		},
		Some(Subcommand::ExportBlocks(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, .. } = service::new_partial(&config)?;
				Ok((cmd.run(client, config.database), task_manager))
			})
		},
		Some(Subcommand::ExportState(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, .. } = service::new_partial(&config)?;
				Ok((cmd.run(client, config.chain_spec), task_manager))
			})
		},
		Some(Subcommand::ImportBlocks(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, import_queue, .. } =
					service::new_partial(&config)?;
				Ok((cmd.run(client, import_queue), task_manager))
			})
		},
		Some(Subcommand::PurgeChain(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run(config.database))
		},
		Some(Subcommand::Revert(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, backend, .. } =
					service::new_partial(&config)?;
				let aux_revert =
					Box::new(|client: std::sync::Arc<service::FullClient>, backend, blocks| {
						sc_consensus_babe::revert(client.clone(), backend, blocks)?;
						sc_consensus_grandpa::revert(client, blocks)?;
						Ok(())
					});
				Ok((cmd.run(client, backend, Some(aux_revert)), task_manager))
			})
		},
		Some(Subcommand::ChainInfo(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run::<zg_primitives::OpaqueBlock>(&config))
		},
		#[cfg(feature = "runtime-benchmarks")]
		Some(Subcommand::Benchmark(cmd)) => {
			use frame_benchmarking_cli::BenchmarkCmd;
			use sp_runtime::traits::HashingFor;

			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| match cmd {
				BenchmarkCmd::Pallet(cmd) => cmd
					.run_with_spec::<HashingFor<zg_primitives::OpaqueBlock>, service::HostFunctions>(
						Some(config.chain_spec),
					),
				BenchmarkCmd::Block(cmd) => {
					let PartialComponents { client, .. } = service::new_partial(&config)?;
					cmd.run(client)
				},
				BenchmarkCmd::Storage(cmd) => {
					let PartialComponents { client, backend, .. } = service::new_partial(&config)?;
					let db = backend.expose_db();
					let storage = backend.expose_storage();
					let shared_cache = backend.expose_shared_trie_cache();
					cmd.run(config, client, db, storage, shared_cache)
				},
				BenchmarkCmd::Machine(cmd) => {
					cmd.run(&config, frame_benchmarking_cli::SUBSTRATE_REFERENCE_HARDWARE.clone())
				},
				// The base weights: an empty block and one `system.remark` (the extrinsic base).
				BenchmarkCmd::Overhead(cmd) => cmd
					.run_with_default_builder_and_spec::<zg_primitives::OpaqueBlock, service::HostFunctions>(
						Some(config.chain_spec),
					),
				_ => Err("This benchmark is not available in zg-node: use `pallet`, `overhead`, \
					 `block`, `storage` or `machine`."
					.into()),
			})
		},
		None => {
			let runner = cli.create_runner(&cli.run)?;
			runner.run_node_until_exit(|config| async move {
				match config.network.network_backend {
					sc_network::config::NetworkBackendType::Libp2p => {
						service::new_full::<sc_network::NetworkWorker<_, _>>(config)
					},
					sc_network::config::NetworkBackendType::Litep2p => {
						service::new_full::<sc_network::Litep2pNetworkBackend>(config)
					},
				}
				.map_err(sc_cli::Error::Service)
			})
		},
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use clap::FromArgMatches;
	use sc_cli::TransactionPoolType;

	fn pool_type(args: &[&str]) -> TransactionPoolType {
		let matches = command().try_get_matches_from(args).expect("valid arguments");
		Cli::from_arg_matches(&matches).expect("valid arguments").run.pool_config.pool_type
	}

	#[test]
	fn the_single_state_pool_is_the_default_and_the_fork_aware_one_can_be_chosen() {
		assert!(matches!(pool_type(&["zg-node", "--dev"]), TransactionPoolType::SingleState));
		assert!(matches!(
			pool_type(&["zg-node", "--dev", "--pool-type", "fork-aware"]),
			TransactionPoolType::ForkAware
		));
		assert!(matches!(
			pool_type(&["zg-node", "--pool-type", "single-state"]),
			TransactionPoolType::SingleState
		));
		let help = command().render_long_help().to_string();
		assert!(help.contains("[default: single-state]"), "{help}");
	}
}
