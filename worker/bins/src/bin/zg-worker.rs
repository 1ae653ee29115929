//! `zg-worker`: the provider's worker.
//!
//! ```text
//! zg-worker --listen 0.0.0.0:8700 --private-listen 127.0.0.1:8800 --store ./shards \
//!           --node ws://127.0.0.1:9944 --provider 5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY
//! ```
//!
//! It serves two APIs (`zg_worker_http`): the public one on `--listen` (the storage API for
//! users and other providers' workers, the OpenAI-compatible API), and the private one on
//! `--private-listen` for its node (proofs, held shards, jobs, `/metrics`), loopback only
//! unless `--node-secret` is set, which the node then sends (see the README).
//!
//! With `--gateway` it takes uploads from anyone: it encodes them, pushes their shards to the
//! assigned providers and serves downloads. With `--provider` it takes the shards assigned to
//! that provider on chain (and nothing else) from peers and answers its challenges; a worker
//! may be both. `--capacity-gib` bounds the disk it uses; files that leave the chain are
//! removed after `--gc-grace-secs`.
//!
//! With `--da-suri` it is also a DA signer (`zg_da_service::signer`): it takes the lines a
//! disperser delivers for a blob of its committee, checks them against the chain's commitment
//! before it stores or signs anything, signs the attestation with that key, and serves rows
//! and chunks with their proofs (its node's offchain worker answers the availability
//! challenges with them). Its lines are kept under `<store>/da`.
//!
//! With `--da-disperser-suri` and `--da-disperse-token` it disperses blobs for clients
//! (`POST /v1/dispersals`, `zg_da_service::dispersal`): a client with the token hands it a
//! blob, and it does what `zg-da submit` does, paying with that key.
//!
//! With `--model`, `--embedding-model` or `--forward` it also serves the compute role: the
//! OpenAI-compatible API, whose API keys are spending capabilities signed by the users,
//! metered against what they allow and settled on chain with the provider key, and the
//! node's jobs:
//!
//! ```text
//! zg-worker --provider-suri //Alice --model zg-tiny-gpt=./tiny.safetensors \
//!           --forward llama=http://127.0.0.1:8080#qwen2.5-0.5b --input-price 1000 --output-price 3000
//! ```
//!
//! Every option can also come from the environment (`ZG_LISTEN`, `ZG_NODE_SECRET`, … as
//! `--help` lists) or from a TOML file given with `--config worker.toml`, whose keys are the
//! options' long names (`listen = "0.0.0.0:8700"`, `model = ["a=./a.safetensors"]`,
//! `gateway = true`); options on the command line win over the file.

use anyhow::{anyhow, bail, Context};
use clap::Parser;
use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};
use zg_compute_engine::Engine;
use zg_compute_market::{
	Budget, BudgetFn, ComputeConfig, ComputeState, FetchError, FetchFn, Grant, Meter, Prices,
	SettleFn, Unsettled,
};
use zg_da_service::{dispersal::Disperser, signer::DaSigner};
use zg_engine_bert::BertModel;
use zg_engine_det::{GptModel, LlamaModel};
use zg_engine_forward::Forward;
use zg_storage_node::{encoder, store::ShardStore};
use zg_storage_service::StorageService;
use zg_worker_chain as chain;
use zg_worker_http::Worker;

#[derive(Parser)]
#[command(
	version,
	about = "0G provider worker: shard store, upload/download API, storage proofs, compute API"
)]
struct Args {
	/// A TOML file of options (keys are the long names of the options).
	#[arg(long, value_name = "FILE")]
	config: Option<PathBuf>,
	/// Address of the public API (storage, OpenAI-compatible API): what the provider registers
	/// on chain as its endpoint.
	#[arg(long, env = "ZG_LISTEN", default_value = "127.0.0.1:8700")]
	listen: SocketAddr,
	/// Address of the private API for the node (proofs, held shards, jobs, metrics). Must be
	/// a loopback address unless `--node-secret` is set.
	#[arg(long, env = "ZG_PRIVATE_LISTEN", default_value = "127.0.0.1:8800")]
	private_listen: SocketAddr,
	/// A secret the node must send to the private API (`Authorization: Bearer <secret>`); set
	/// the same in the node's offchain storage (`zg::worker-secret`).
	#[arg(long, env = "ZG_NODE_SECRET", hide_env_values = true)]
	node_secret: Option<String>,
	/// Directory of the shard store.
	#[arg(long, env = "ZG_STORE", default_value = "./zg-shards")]
	store: PathBuf,
	/// WebSocket RPC of the node.
	#[arg(long, env = "ZG_NODE", default_value = "ws://127.0.0.1:9944")]
	node: String,
	/// The provider account this worker stores shards for (SS58 or hex).
	#[arg(long, env = "ZG_PROVIDER")]
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
	/// Serve a model in the built-in deterministic engine: `ID=PATH` (repeatable), a
	/// `zg-tiny-gpt` safetensors file or a Llama-architecture GGUF file (SmolLM2, TinyLlama,
	/// … with F32, F16, Q4_0, Q4_1 or Q8_0 weights).
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
	#[arg(long, env = "ZG_PROVIDER_SURI", hide_env_values = true)]
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
	/// API requests that may run in the engines at once; more get 429 until one ends.
	#[arg(long, default_value_t = 8)]
	max_inflight: usize,
	/// Of those, the most one user's API keys may hold at once (default: a quarter of
	/// `--max-inflight`, at least 1), so that one user cannot take every place.
	#[arg(long)]
	max_inflight_per_user: Option<usize>,
	/// Where the API's spend not yet settled on chain is kept across restarts (default:
	/// `metering.json` in the store).
	#[arg(long, value_name = "FILE", conflicts_with = "shared_meter")]
	meter_journal: Option<PathBuf>,
	/// For several workers of one provider: a directory they all share (on one machine, or a
	/// file system whose locks work across machines), where each keeps its journal as
	/// `<worker-name>.json` and reads the others', so that together they serve no more than
	/// a key's cap and a user's allocation. Give each worker its own `--worker-name`.
	#[arg(long, value_name = "DIR")]
	shared_meter: Option<PathBuf>,
	/// This worker's name in `--shared-meter` (letters, digits, '-' and '_').
	#[arg(long, default_value = "worker", requires = "shared_meter")]
	worker_name: String,
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
	/// The DA signer's key (sr25519 secret URI, e.g. `//Alice`): its account must hold a
	/// `DaSigner` role bond and be registered with `Da.register_signer` at this worker's
	/// public URL. It signs the attestations of the blobs whose lines this worker checked.
	#[arg(long, env = "ZG_DA_SURI", hide_env_values = true)]
	da_suri: Option<String>,
	/// Test only: sign DA deliveries, then throw the lines away, and serve none (a
	/// withholding signer, for challenge tests).
	#[arg(long, requires = "da_suri")]
	fault_da_withhold: bool,
	/// The key that pays for the blobs clients hand this worker to disperse
	/// (`POST /v1/dispersals`): each costs it the blob's fee, the submission fee and a deposit
	/// (refunded at the blob's expiry). Needs `--da-disperse-token`.
	#[arg(
		long,
		env = "ZG_DA_DISPERSER_SURI",
		hide_env_values = true,
		requires = "da_disperse_token"
	)]
	da_disperser_suri: Option<String>,
	/// The token a client must send (`Authorization: Bearer <token>`) to have a blob
	/// dispersed by this worker.
	#[arg(
		long,
		env = "ZG_DA_DISPERSE_TOKEN",
		hide_env_values = true,
		requires = "da_disperser_suri"
	)]
	da_disperse_token: Option<String>,
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
async fn compute(
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
		if LlamaModel::is_gguf(path)? {
			let model = LlamaModel::load(path)?.with_model_id(id);
			tracing::info!("model {id}: {path} ({:?})", model.config());
			engines.push(Arc::new(model));
		} else {
			let model = GptModel::load(path)?.with_model_id(id);
			tracing::info!("model {id}: {path} ({:?})", model.config());
			engines.push(Arc::new(model));
		}
	}
	for spec in &args.embedding_models {
		let (id, dir) = id_value(spec, "embedding-model")?;
		let model = BertModel::load(dir, id)?;
		tracing::info!("embedding model {id}: {dir} ({:?})", model.config());
		engines.push(Arc::new(model));
	}
	for spec in &args.forwards {
		let (id, url) = id_value(spec, "forward")?;
		engines.push(Arc::new(Forward::new(id, url)?));
		tracing::info!("model {id}: forwarded to {url}");
	}
	let mut ids: Vec<String> = engines.iter().map(|e| e.model_id().to_string()).collect();
	// Model ids appear in URLs, JSON and metric labels: keep them plain.
	if let Some(bad) =
		ids.iter().find(|id| !id.chars().all(|c| c.is_ascii_alphanumeric() || "._:/-".contains(c)))
	{
		bail!("model id {bad:?}: use letters, digits and . _ : / - only");
	}
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
	let (block_time, max_key_lifetime) = chain.compute_terms().await?;
	let settle_every = Duration::from_secs(args.settle_every.max(1));
	let expiry_margin = zg_compute_market::expiry_margin(
		zg_worker_http::openai::ANSWER_DEADLINE,
		settle_every,
		block_time,
	);
	let config = ComputeConfig {
		provider: account,
		max_tokens_cap: args.max_tokens_cap,
		prices: Prices { input: args.input_price, output: args.output_price },
		fault_outputs: args.fault_outputs,
		fault_votes: args.fault_votes,
		genesis: chain.genesis_hash(),
		max_inflight: args.max_inflight,
		max_inflight_per_user: args
			.max_inflight_per_user
			.unwrap_or(args.max_inflight / 4)
			.clamp(1, args.max_inflight.max(1)),
		answer_deadline: zg_worker_http::openai::ANSWER_DEADLINE,
		expiry_margin,
		max_key_lifetime,
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
					let (allocation, used, at) =
						chain.compute_budget(&c.user, &account, c.nonce).await?;
					Ok(Budget {
						cap_left: c.cap.saturating_sub(used.map_or(0, |u| u.settled)),
						allocation,
						recorded: used.map(|u| (u.cap, u.expires_at)),
						at,
					})
				})
			});
			let writer = chain.clone();
			let key = Arc::new(key);
			let settle: SettleFn = Arc::new(move |grant: Grant, amount| {
				let (chain, key) = (writer.clone(), key.clone());
				Box::pin(async move {
					let c = &grant.capability;
					// Too late for any block to settle it: dropped, not sent (a refused
					// transaction still costs the provider its fee).
					let best = chain.finalized_number().await.map_err(Unsettled::Failed)?;
					if best.saturating_add(1) >= u64::from(c.expires_at) {
						return Err(Unsettled::Expired(c.expires_at));
					}
					let capability = chain::ChainCapability {
						user: c.user,
						provider: c.provider,
						cap: c.cap,
						expires_at: c.expires_at,
						genesis: c.genesis.0,
						nonce: c.nonce,
					};
					let signature = chain::ChainSignature::Sr25519(grant.signature);
					chain.settle_usage(&key, &capability, &signature, amount).await.map_err(|e| {
						match e {
							chain::TxError::NoEffect(e) => Unsettled::Failed(e),
							chain::TxError::Unknown(e) => Unsettled::Unknown(e),
						}
					})
				})
			});
			let meter = Arc::new(match &args.shared_meter {
				Some(dir) => Meter::shared(budget, dir, &args.worker_name)?,
				None => Meter::persisted(
					budget,
					args.meter_journal.clone().unwrap_or_else(|| args.store.join("metering.json")),
				)?,
			});
			tokio::spawn(meter.clone().settle_every(settle, settle_every));
			Some(meter)
		},
		_ => None,
	};
	let metered = meter.is_some();
	let compute = Arc::new(ComputeState::new(config, engines, meter));
	tokio::spawn(refresh_prices(compute.clone(), chain.clone(), Duration::from_secs(5)));
	tracing::info!(
		"compute role: provider {}, models {}, {}",
		chain::ss58(&account),
		ids.join(", "),
		if metered { "metered" } else { "OPEN API: no authentication, no metering" },
	);
	if metered {
		tracing::info!(
			"API keys must expire more than {expiry_margin} and at most {max_key_lifetime} \
			 blocks after the best block"
		);
	}
	if args.fault_outputs {
		tracing::warn!("--fault-outputs: job outputs are corrupted unless verified (tests only)");
	}
	if args.fault_votes {
		tracing::warn!("--fault-votes: verification outputs are corrupted (tests only)");
	}
	Ok(Some(compute))
}

/// Keeps the models' prices those of this provider's inference services on chain, and the
/// best block (for API keys' expiry), every `period`.
async fn refresh_prices(compute: Arc<ComputeState>, chain: chain::Chain, period: Duration) {
	loop {
		if let Ok(best) = chain.finalized_number().await {
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
						tracing::info!("model {model}: {prices:?} from its service on chain");
						compute.set_prices(&model, prices);
					}
				}
			},
			Err(e) => tracing::debug!("cannot read the compute services: {e:#}"),
		}
		tokio::time::sleep(period).await;
	}
}

/// Stored files for the compute role (job inputs in 0G Storage): a file that is not stored on
/// chain, or is larger than the limit, is a deterministic refusal; one that cannot be read now
/// is not.
fn fetcher(storage: Arc<StorageService>) -> FetchFn {
	Arc::new(move |root, limit| {
		let storage = storage.clone();
		Box::pin(async move {
			let file = match storage.chain.file(&root).await {
				Ok(Some(file)) => file,
				Ok(None) => return Err(FetchError::Missing),
				Err(e) => return Err(FetchError::Unavailable(format!("{e:#}"))),
			};
			if !StorageService::is_stored(&file) {
				return Err(FetchError::Missing);
			}
			if file.layout.size > limit {
				return Err(FetchError::TooLarge);
			}
			storage
				.file_bytes(root, &file, limit)
				.await
				.map_err(|e| FetchError::Unavailable(e.to_string()))
		})
	})
}

/// The command line, with the options of `--config FILE` (if any) put first, so that those
/// given on the command line win.
fn arguments() -> anyhow::Result<Args> {
	let cli: Vec<std::ffi::OsString> = std::env::args_os().collect();
	let args = Args::parse_from(&cli);
	let Some(path) = &args.config else { return Ok(args) };
	let text =
		std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
	let table: toml::Table =
		text.parse().with_context(|| format!("{} is not TOML", path.display()))?;
	let mut from_file: Vec<std::ffi::OsString> = Vec::new();
	for (key, value) in table {
		let flag = format!("--{}", key.replace('_', "-"));
		let values = match value {
			toml::Value::Array(items) => items,
			other => vec![other],
		};
		for value in values {
			match value {
				toml::Value::Boolean(true) => from_file.push(flag.clone().into()),
				toml::Value::Boolean(false) => {},
				toml::Value::String(s) => from_file.extend([flag.clone().into(), s.into()]),
				toml::Value::Integer(n) => {
					from_file.extend([flag.clone().into(), n.to_string().into()])
				},
				other => {
					bail!("{}: {key} = {other} is not a string, number or boolean", path.display())
				},
			}
		}
	}
	let mut all = vec![cli[0].clone()];
	all.extend(from_file);
	all.extend(cli.into_iter().skip(1));
	Args::try_parse_from(all).map_err(|e| anyhow!("{}: {e}", path.display()))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
	tracing_subscriber::fmt()
		.with_env_filter(
			tracing_subscriber::EnvFilter::try_from_default_env()
				.unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
		)
		.init();
	let args = arguments()?;
	if args.node_secret.as_deref().is_some_and(|s| s.len() < 16) {
		bail!("--node-secret must have at least 16 characters");
	}
	if !args.private_listen.ip().is_loopback() && args.node_secret.is_none() {
		bail!(
			"--private-listen {} is not a loopback address: set --node-secret (and the same in the node's offchain storage)",
			args.private_listen
		);
	}
	let provider = args.provider.as_deref().map(chain::parse_account).transpose()?;
	let mut store = ShardStore::open(&args.store).context("cannot open the shard store")?;
	if let Some(gib) = args.capacity_gib {
		store = store.with_capacity(gib.saturating_mul(1 << 30));
	}
	// The worker outlives its node's restarts: its connection comes back by itself.
	let chain = chain::Chain::connect_reconnecting(&args.node).await?;
	let limits = chain.storage_limits().await.context("cannot read the storage limits")?;
	let max_upload = args
		.max_upload_mib
		.map_or(limits.max_file_size, |mib| (mib << 20).min(limits.max_file_size));
	let backend = encoder::detect();
	tracing::info!(
		"zg-worker: public API on http://{}, private API on http://{}{} (store {}, node {}, erasure backend {}, provider {})",
		args.listen,
		args.private_listen,
		if args.node_secret.is_some() { " with a secret" } else { "" },
		args.store.display(),
		args.node,
		backend.name(),
		provider.map(|p| chain::ss58(&p)).unwrap_or_else(|| "none (gateway)".into()),
	);
	let compute = compute(&args, &chain, provider).await?;
	if let Some(compute) = &compute {
		compute.set_best_block(chain.finalized_number().await? as u32);
	}
	let mut storage = StorageService::new(store, chain, limits, provider, backend, max_upload)?;
	storage.gateway = args.gateway;
	storage.gc_grace = Duration::from_secs(args.gc_grace_secs);
	tracing::info!(
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
	if args.fault_discard_confirmed {
		tracing::warn!("--fault-discard-confirmed: confirmed shards are deleted (tests only)");
		storage.discard_confirmed = true;
	}
	let da = match &args.da_suri {
		Some(suri) => {
			let store = zg_da_store::LineStore::open(args.store.join("da"))
				.context("cannot open the DA line store")?;
			let mut signer = DaSigner::new(store, storage.chain.clone(), chain::keypair(suri)?);
			if args.fault_da_withhold {
				tracing::warn!(
					"--fault-da-withhold: DA lines are thrown away once signed (tests only)"
				);
				signer.fault_withhold = true;
			}
			let signer = Arc::new(signer);
			tracing::info!("DA signer role: account {}", chain::ss58(&signer.account()));
			tokio::spawn(signer.clone().collect_garbage(Duration::from_secs(60)));
			Some(signer)
		},
		None => None,
	};
	let dispersal = match (&args.da_disperser_suri, &args.da_disperse_token) {
		(Some(suri), Some(token)) => {
			if token.len() < 16 {
				bail!("--da-disperse-token must be at least 16 characters: it lets clients spend the disperser key's 0G");
			}
			let key = chain::keypair(suri)?;
			let service = Disperser::new(storage.chain.clone(), key, token.clone());
			tracing::info!(
				"DA dispersal for clients: paid by {} (POST /v1/dispersals with the token)",
				chain::ss58(&service.account())
			);
			Some(Arc::new(service))
		},
		_ => None,
	};
	let storage = Arc::new(storage);
	tokio::spawn(storage.clone().maintain(Duration::from_secs(args.maintain_every.max(1))));
	let worker = Arc::new(Worker {
		da,
		dispersal,
		fetch: Some(fetcher(storage.clone())),
		storage: Some(storage),
		compute,
		node_secret: args.node_secret.clone(),
	});
	let public = tokio::net::TcpListener::bind(args.listen)
		.await
		.with_context(|| format!("cannot listen on {}", args.listen))?;
	let private = tokio::net::TcpListener::bind(args.private_listen)
		.await
		.with_context(|| format!("cannot listen on {}", args.private_listen))?;
	let public = zg_worker_http::serve(public, zg_worker_http::public_router(&worker));
	let private = zg_worker_http::serve(private, zg_worker_http::private_router(worker));
	tokio::try_join!(public, private)?;
	Ok(())
}
