//! `zg-worker`: the provider's worker.
//!
//! ```text
//! zg-worker --listen 127.0.0.1:8700 --store ./shards --node ws://127.0.0.1:9944 \
//!           --provider 0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d
//! ```
//!
//! Without `--provider` it is a gateway: it encodes uploads, pushes their shards to the
//! assigned providers and serves downloads, but stores no shard for itself.

use anyhow::Context;
use clap::Parser;
use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};
use zg_gpu_worker::{chain, encoder, server, store::ShardStore};

#[derive(Parser)]
#[command(version, about = "0G provider worker: shard store, upload/download API, storage proofs")]
struct Args {
	/// Address to serve the HTTP API on.
	#[arg(long, default_value = "127.0.0.1:8700")]
	listen: SocketAddr,
	/// Directory of the shard store.
	#[arg(long, default_value = "./zg-shards")]
	store: PathBuf,
	/// WebSocket RPC of the node.
	#[arg(long, default_value = "ws://127.0.0.1:9944")]
	node: String,
	/// The provider account this worker stores shards for (hex or SS58).
	#[arg(long)]
	provider: Option<String>,
	/// The largest upload accepted, in MiB.
	#[arg(long, default_value_t = 4096)]
	max_upload_mib: u64,
	/// Seconds between maintenance passes (confirmations, rebuilding reassigned shards).
	#[arg(long, default_value_t = 6)]
	maintain_every: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
	env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
	let args = Args::parse();
	let provider = args.provider.as_deref().map(chain::parse_account).transpose()?;
	let store = ShardStore::open(&args.store).context("cannot open the shard store")?;
	let chain = chain::Chain::connect(&args.node).await?;
	let backend = encoder::detect();
	log::info!(
		"zg-worker on http://{} (store {}, node {}, erasure backend {}, provider {})",
		args.listen,
		args.store.display(),
		args.node,
		backend.name(),
		provider
			.map(|p| format!("0x{}", hex::encode(p)))
			.unwrap_or_else(|| "none (gateway)".into()),
	);
	let state =
		Arc::new(server::State::new(store, chain, provider, backend, args.max_upload_mib << 20));
	tokio::spawn(server::maintain(state.clone(), Duration::from_secs(args.maintain_every.max(1))));
	let listener = tokio::net::TcpListener::bind(args.listen)
		.await
		.with_context(|| format!("cannot listen on {}", args.listen))?;
	server::serve(state, listener).await
}
