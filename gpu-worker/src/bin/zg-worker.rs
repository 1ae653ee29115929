//! `zg-worker`: the provider's worker.
//!
//! ```text
//! zg-worker --listen 127.0.0.1:8700 --store ./shards --node ws://127.0.0.1:9944 \
//!           --provider 0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d
//! ```
//!
//! With `--gateway` it takes uploads from anyone: it encodes them, pushes their shards to the
//! assigned providers and serves downloads. With `--provider` it takes the shards assigned to
//! that provider on chain (and nothing else) from peers and answers its challenges; a worker
//! may be both. `--capacity-gib` bounds the disk it uses; files that leave the chain are
//! removed after `--gc-grace-secs`.
//!
//! With `--model`, `--embedding-model` or `--forward` it also serves the compute role (see
//! `zg_gpu_worker::compute::api`): the OpenAI-compatible API, whose API keys are spending
//! capabilities signed by the users, metered against what they allow and settled on chain with
//! the provider key, and `/compute/run` for the node:
//!
//! ```text
//! zg-worker --provider-suri //Alice --model zg-tiny-gpt=./tiny.safetensors \
//!           --forward llama=http://127.0.0.1:8080#qwen2.5-0.5b --input-price 1000 --output-price 3000
//! ```

use anyhow::{anyhow, bail, Context};
use clap::Parser;
use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};
use zg_gpu_worker::{
	chain,
	compute::{
		api::{ComputeConfig, ComputeState},
		bert::BertModel,
		engine::Engine,
		forward::Forward,
		gpt::GptModel,
		meter::{BudgetFn, Grant, Meter, Prices, SettleFn},
	},
	encoder, server,
	store::ShardStore,
};

#[derive(Parser)]
#[command(
	version,
	about = "0G provider worker: shard store, upload/download API, storage proofs, compute API"
)]
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
	/// Take uploads from anyone (`POST /v1/files`): a gateway that encodes files and pushes
	/// their shards to the providers. Without it, only shards assigned on chain to this
	/// worker's provider are taken, from peers.
	#[arg(long)]
	gateway: bool,
	/// The largest upload accepted, in MiB (the chain's `MaxFileSize` at most, which is the
	/// default).
	#[arg(long)]
	max_upload_mib: Option<u64>,
	/// The disk space this worker may use for shards and their trees, in GiB (default: no
	/// limit). Shards and uploads that would not fit are refused (507).
	#[arg(long)]
	capacity_gib: Option<u64>,
	/// Seconds a file that is not on chain (never submitted, expired, dropped), or a shard not
	/// assigned to this worker's provider, is kept before it is removed.
	#[arg(long, default_value_t = 3600)]
	gc_grace_secs: u64,
	/// Seconds between maintenance passes (confirmations, rebuilding reassigned shards).
	#[arg(long, default_value_t = 6)]
	maintain_every: u64,
	/// Serve a built-in model: `ID=PATH.safetensors` (repeatable).
	#[arg(long = "model", value_name = "ID=PATH")]
	models: Vec<String>,
	/// Serve a BERT sentence-embedding model (e.g. all-MiniLM-L6-v2) from a Hugging Face
	/// directory (config.json, vocab.txt, model.safetensors): `ID=DIR` (repeatable).
	#[arg(long = "embedding-model", value_name = "ID=DIR")]
	embedding_models: Vec<String>,
	/// Serve a model of an OpenAI-compatible server: `ID=http://host:port[#UPSTREAM_NAME]`
	/// (repeatable).
	#[arg(long = "forward", value_name = "ID=URL")]
	forwards: Vec<String>,
	/// The compute provider's key (sr25519 secret URI, e.g. `//Alice`): its account owns the
	/// services, is what users sign to, and signs the usage settlements.
	#[arg(long)]
	provider_suri: Option<String>,
	/// Price per input token, in plancks, of models without a service on chain (the prices of
	/// this provider's inference services in `Compute.Services` apply to their models).
	#[arg(long, default_value_t = 0)]
	input_price: u128,
	/// Price per output token, in plancks, of models without a service on chain.
	#[arg(long, default_value_t = 0)]
	output_price: u128,
	/// The largest `max_tokens` a request may ask for.
	#[arg(long, default_value_t = 1024)]
	max_tokens_cap: u32,
	/// Seconds between usage settlements on chain (and refreshes of the services' prices).
	#[arg(long, default_value_t = 30)]
	settle_every: u64,
	/// Test only: corrupt the outputs of jobs that are not verifications (a dishonest
	/// provider, for dispute tests).
	#[arg(long)]
	fault_outputs: bool,
	/// Test only: corrupt the outputs of verifications (a dishonest verifier, for dispute
	/// tests).
	#[arg(long)]
	fault_votes: bool,
	/// Serve the compute API without authentication or metering (local use only).
	#[arg(long)]
	open_api: bool,
	/// Test only: delete shards once they are confirmed on chain (a provider that confirms and
	/// throws the data away; it is caught by the challenges and slashed).
	#[arg(long)]
	fault_discard_confirmed: bool,
}

/// Splits `ID=VALUE`.
fn id_value<'a>(spec: &'a str, flag: &str) -> anyhow::Result<(&'a str, &'a str)> {
	spec.split_once('=')
		.filter(|(id, value)| !id.is_empty() && !value.is_empty())
		.ok_or_else(|| anyhow!("--{flag} takes ID=VALUE, not {spec}"))
}

/// The compute role, if any model is served.
fn compute(
	args: &Args,
	chain: &chain::Chain,
	provider: Option<chain::Account>,
) -> anyhow::Result<Option<Arc<ComputeState>>> {
	if args.models.is_empty() && args.embedding_models.is_empty() && args.forwards.is_empty() {
		return Ok(None);
	}
	let mut engines: Vec<Arc<dyn Engine>> = Vec::new();
	for spec in &args.models {
		let (id, path) = id_value(spec, "model")?;
		let model = GptModel::load(path)?.with_model_id(id);
		log::info!("model {id}: {path} ({:?})", model.config());
		engines.push(Arc::new(model));
	}
	for spec in &args.embedding_models {
		let (id, dir) = id_value(spec, "embedding-model")?;
		let model = BertModel::load(dir, id)?;
		log::info!("embedding model {id}: {dir} ({:?})", model.config());
		engines.push(Arc::new(model));
	}
	for spec in &args.forwards {
		let (id, url) = id_value(spec, "forward")?;
		engines.push(Arc::new(Forward::new(id, url)?));
		log::info!("model {id}: forwarded to {url}");
	}
	let mut ids: Vec<String> = engines.iter().map(|e| e.model_id().to_string()).collect();
	ids.sort_unstable();
	if ids.windows(2).any(|w| w[0] == w[1]) {
		bail!("a model id is given twice");
	}
	let key = args.provider_suri.as_deref().map(chain::keypair).transpose()?;
	let account = match (&key, provider) {
		(Some(key), Some(provider)) if key.public_key().0 != provider => {
			bail!("--provider-suri and --provider name different accounts")
		},
		(Some(key), _) => key.public_key().0,
		(None, Some(provider)) if args.open_api => provider,
		(None, None) if args.open_api => [0; 32],
		(None, _) => bail!("serving models needs --provider-suri (or --open-api for local use)"),
	};
	let config = ComputeConfig {
		provider: account,
		max_tokens_cap: args.max_tokens_cap,
		prices: Prices { input: args.input_price, output: args.output_price },
		fault_outputs: args.fault_outputs,
		fault_votes: args.fault_votes,
		genesis: chain.genesis_hash(),
	};
	let meter = match key {
		Some(key) if !args.open_api => {
			// What the chain still allows under a capability: its cap less what was settled
			// under it, at most the user's allocation to this provider.
			let reader = chain.clone();
			let budget: BudgetFn = Arc::new(move |grant: Grant| {
				let chain = reader.clone();
				Box::pin(async move {
					let c = &grant.capability;
					let allocation = chain.compute_allocation(&c.user, &account).await?;
					let settled = chain
						.capability_use(&c.user, &account, c.nonce)
						.await?
						.map_or(0, |u| u.settled);
					Ok(c.cap.saturating_sub(settled).min(allocation))
				})
			});
			let writer = chain.clone();
			let key = Arc::new(key);
			let settle: SettleFn = Arc::new(move |grant: Grant, amount| {
				let (chain, key) = (writer.clone(), key.clone());
				Box::pin(async move {
					let c = &grant.capability;
					let capability = chain::ChainCapability {
						user: c.user,
						provider: c.provider,
						cap: c.cap,
						expires_at: c.expires_at,
						genesis: c.genesis.0,
						nonce: c.nonce,
					};
					let signature = chain::ChainSignature::Sr25519(grant.signature);
					chain.settle_usage(&key, &capability, &signature, amount).await
				})
			});
			let meter = Arc::new(Meter::new(budget));
			let period = Duration::from_secs(args.settle_every.max(1));
			tokio::spawn(meter.clone().settle_every(settle, period));
			Some(meter)
		},
		_ => None,
	};
	let metered = meter.is_some();
	let compute = Arc::new(ComputeState::new(config, engines, meter));
	tokio::spawn(refresh_prices(compute.clone(), chain.clone(), Duration::from_secs(5)));
	log::info!(
		"compute role: provider 0x{}, models {}, {}",
		hex::encode(account),
		ids.join(", "),
		if metered { "metered" } else { "OPEN API: no authentication, no metering" },
	);
	if args.fault_outputs {
		log::warn!("--fault-outputs: job outputs are corrupted unless verified (tests only)");
	}
	if args.fault_votes {
		log::warn!("--fault-votes: verification outputs are corrupted (tests only)");
	}
	Ok(Some(compute))
}

/// Keeps the models' prices those of this provider's inference services on chain, and the
/// best block (for API keys' expiry), every `period`.
async fn refresh_prices(compute: Arc<ComputeState>, chain: chain::Chain, period: Duration) {
	loop {
		if let Ok(best) = chain.best_number().await {
			compute.set_best_block(best as u32);
		}
		match chain.compute_services(&compute.provider()).await {
			Ok(services) => {
				for service in services {
					if service.kind == chain::ChainServiceKind::FineTuning {
						continue;
					}
					let model = String::from_utf8_lossy(&service.model);
					let prices =
						Prices { input: service.input_price, output: service.output_price };
					if compute.models().any(|m| m == model) && compute.prices(&model) != prices {
						log::info!("model {model}: {prices:?} from its service on chain");
						compute.set_prices(&model, prices);
					}
				}
			},
			Err(e) => log::debug!("cannot read the compute services: {e:#}"),
		}
		tokio::time::sleep(period).await;
	}
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
	env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
	let args = Args::parse();
	let provider = args.provider.as_deref().map(chain::parse_account).transpose()?;
	let mut store = ShardStore::open(&args.store).context("cannot open the shard store")?;
	if let Some(gib) = args.capacity_gib {
		store = store.with_capacity(gib.saturating_mul(1 << 30));
	}
	let chain = chain::Chain::connect(&args.node).await?;
	let limits = chain.storage_limits().await.context("cannot read the storage limits")?;
	let max_upload = args
		.max_upload_mib
		.map_or(limits.max_file_size, |mib| (mib << 20).min(limits.max_file_size));
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
	let compute = compute(&args, &chain, provider)?;
	if let Some(compute) = &compute {
		compute.set_best_block(chain.best_number().await? as u32);
	}
	let mut state = server::State::new(store, chain, limits, provider, backend, max_upload);
	state.gateway = args.gateway;
	state.gc_grace = Duration::from_secs(args.gc_grace_secs);
	log::info!(
		"uploads: {}; capacity {}; files not on chain kept {} s",
		if args.gateway {
			format!(
				"open (gateway), at most {max_upload} bytes, k {}..={}, m {}..={}",
				limits.min_data_shards,
				limits.max_data_shards,
				limits.min_parity_shards,
				limits.max_parity_shards
			)
		} else {
			"refused (no --gateway)".to_string()
		},
		args.capacity_gib.map_or("unlimited".into(), |g| format!("{g} GiB")),
		args.gc_grace_secs,
	);
	if let Some(compute) = compute {
		state = state.with_compute(compute);
	}
	if args.fault_discard_confirmed {
		log::warn!("--fault-discard-confirmed: confirmed shards are deleted (tests only)");
		state.discard_confirmed = true;
	}
	let state = Arc::new(state);
	tokio::spawn(server::maintain(state.clone(), Duration::from_secs(args.maintain_every.max(1))));
	let listener = tokio::net::TcpListener::bind(args.listen)
		.await
		.with_context(|| format!("cannot listen on {}", args.listen))?;
	server::serve(state, listener).await
}
