//! The worker's HTTP API.
//!
//! | method | path | what |
//! |---|---|---|
//! | `POST` | `/v1/files?data_shards=K&parity_shards=M` | upload a file (streamed body): encode, commit, keep the shards; answers the root, layout and shard roots as JSON |
//! | `POST` | `/v1/files/<root>/push` | push each shard of a submitted file to its assigned provider's worker (from the chain) |
//! | `GET` | `/v1/files/<root>` | download: the file rebuilt from any `k` shards (local or fetched from the providers), each checked against its root |
//! | `PUT` | `/v1/shards/<root>/<index>` | receive a shard: refused unless the file is on chain, the shard is assigned to this worker's provider and it matches its committed root |
//! | `GET` | `/v1/shards/<root>/<index>` | a shard's bytes |
//! | `GET` | `/v1/proofs/<root>/<shard>/<chunk>` | a chunk and its Merkle path, SCALE `(Vec<u8>, Vec<H256>)` (for the offchain worker) |
//! | `GET` | `/v1/held` | shards held and not yet confirmed on chain, SCALE `Vec<(H256, u32)>` (for the offchain worker) |
//! | `GET` | `/v1/fraud` | files found inconsistent while rebuilding a shard, with the proof: SCALE `Vec<(H256, u32, Vec<(u32, Vec<u8>, Vec<H256>)>)>` (for the offchain worker) |
//! | `GET` | `/v1/status/<root>` | the file on chain and the shards held here, as JSON |
//! | `POST` | `/rpc` | JSON-RPC 2.0 (jsonrpsee): `storage_status(root)`, `storage_held()` |
//! | `GET` | `/health` | `ok` |
//!
//! Errors are JSON `{"error": "..."}` with a 4xx/5xx status, and change nothing.
//!
//! With a compute part ([`State::with_compute`]), it also serves the compute API: `/v1/models`,
//! `/v1/chat/completions`, `/v1/completions`, `/v1/embeddings`, `/compute/run` and `/metrics`
//! (see [`crate::compute::api`]; their errors have OpenAI's shape).

use crate::{
	chain::{Account, Chain, ChainFile, ChainStatus},
	compute::api::{ComputeState, FetchError, FetchFn, Peer},
	encoder::ErasureBackend,
	ingest::ingest,
	root_hex,
	store::{FileMeta, ShardStore},
	Error,
};
use bytes::Bytes;
use codec::Encode;
use http_body_util::{combinators::BoxBody, BodyExt, Full};
use hyper::{
	body::Incoming, server::conn::http1, service::service_fn, Method, Request, Response, StatusCode,
};
use hyper_util::{
	client::legacy::{connect::HttpConnector, Client},
	rt::{TokioExecutor, TokioIo},
};
use jsonrpsee::{types::ErrorObjectOwned, RpcModule};
use serde_json::json;
use std::{
	collections::BTreeSet,
	convert::Infallible,
	sync::{Arc, Mutex},
	time::Duration,
};
use tokio::net::TcpListener;
use zg_primitives::Hash;

/// A response body.
pub type Body = BoxBody<Bytes, hyper::Error>;

/// The worker's shared state.
pub struct State {
	/// Shards on disk.
	pub store: ShardStore,
	/// The node.
	pub chain: Chain,
	/// The provider account this worker stores shards for (`None`: a gateway that only
	/// uploads and downloads).
	pub provider: Option<Account>,
	/// The erasure coder.
	pub backend: Box<dyn ErasureBackend>,
	/// The largest upload accepted, in bytes.
	pub max_upload: u64,
	/// Shards held here and not yet seen confirmed on chain.
	pub held: Mutex<BTreeSet<(Hash, u32)>>,
	/// HTTP client for other workers.
	pub client: Client<HttpConnector, Full<Bytes>>,
	/// The compute role (`None`: storage only).
	pub compute: Option<Arc<ComputeState>>,
	/// Test only: delete shards once they are confirmed on chain (a provider that confirms and
	/// then throws the data away, to test that it is caught and not paid).
	pub discard_confirmed: bool,
	/// Files found inconsistent while rebuilding a shard, with the proof (for the offchain
	/// worker to report, `GET /v1/fraud`).
	pub fraud: Mutex<std::collections::BTreeMap<Hash, (u32, crate::ingest::ColumnProof)>>,
}

impl State {
	/// A new state; the held set starts with every shard in the store.
	pub fn new(
		store: ShardStore,
		chain: Chain,
		provider: Option<Account>,
		backend: Box<dyn ErasureBackend>,
		max_upload: u64,
	) -> Self {
		let held = store.all_shards().into_iter().collect();
		let client = Client::builder(TokioExecutor::new()).build_http();
		Self {
			store,
			chain,
			provider,
			backend,
			max_upload,
			held: Mutex::new(held),
			client,
			compute: None,
			discard_confirmed: false,
			fraud: Mutex::default(),
		}
	}

	/// Adds the compute role.
	pub fn with_compute(mut self, compute: Arc<ComputeState>) -> Self {
		self.compute = Some(compute);
		self
	}

	fn held(&self) -> Vec<(Hash, u32)> {
		self.held.lock().map(|h| h.iter().copied().collect()).unwrap_or_default()
	}

	fn mark_held(&self, root: Hash, index: u32) {
		if let Ok(mut held) = self.held.lock() {
			held.insert((root, index));
		}
	}
}

/// An error answer.
pub(crate) struct Failure(StatusCode, String);

impl From<anyhow::Error> for Failure {
	fn from(e: anyhow::Error) -> Self {
		Failure(StatusCode::BAD_GATEWAY, format!("{e:#}"))
	}
}

impl From<Error> for Failure {
	fn from(e: Error) -> Self {
		let status = match &e {
			Error::NotFound(_) => StatusCode::NOT_FOUND,
			Error::Layout(_) => StatusCode::BAD_REQUEST,
			Error::ShardMismatch { .. } => StatusCode::UNPROCESSABLE_ENTITY,
			Error::NotEnoughShards { .. } => StatusCode::SERVICE_UNAVAILABLE,
			Error::Erasure(zg_primitives::erasure::ErasureError::Inconsistent) => {
				StatusCode::UNPROCESSABLE_ENTITY
			},
			_ => StatusCode::INTERNAL_SERVER_ERROR,
		};
		Failure(status, e.to_string())
	}
}

type Answer = Result<Response<Body>, Failure>;

fn full(bytes: impl Into<Bytes>) -> Body {
	Full::new(bytes.into()).map_err(|never| match never {}).boxed()
}

fn respond(status: StatusCode, content_type: &str, body: impl Into<Bytes>) -> Response<Body> {
	Response::builder()
		.status(status)
		.header("content-type", content_type)
		.body(full(body))
		.unwrap_or_else(|_| Response::new(full(Bytes::new())))
}

fn json_ok(value: serde_json::Value) -> Answer {
	Ok(respond(StatusCode::OK, "application/json", value.to_string()))
}

fn bad(status: StatusCode, message: impl Into<String>) -> Failure {
	Failure(status, message.into())
}

fn parse_root(text: &str) -> Result<Hash, Failure> {
	crate::chain::parse_root(text).map_err(|e| bad(StatusCode::BAD_REQUEST, e.to_string()))
}

fn parse_u32(text: &str, what: &str) -> Result<u32, Failure> {
	text.parse().map_err(|_| bad(StatusCode::BAD_REQUEST, format!("bad {what}: {text}")))
}

/// Reads a request body, refusing more than `limit` bytes.
async fn read_body(body: Incoming, limit: u64) -> Result<Vec<u8>, Failure> {
	let mut body = body;
	let mut out = Vec::new();
	while let Some(frame) = body.frame().await {
		let frame =
			frame.map_err(|e| bad(StatusCode::BAD_REQUEST, format!("upload broken: {e}")))?;
		if let Ok(data) = frame.into_data() {
			if out.len() as u64 + data.len() as u64 > limit {
				return Err(bad(
					StatusCode::PAYLOAD_TOO_LARGE,
					format!("the body is larger than {limit} bytes"),
				));
			}
			out.extend_from_slice(&data);
		}
	}
	Ok(out)
}

async fn on_chain(state: &State, root: &Hash) -> Result<ChainFile, Failure> {
	state.chain.file(root).await?.ok_or_else(|| {
		bad(StatusCode::NOT_FOUND, format!("file {} is not on chain", root_hex(root)))
	})
}

fn query(req: &Request<Incoming>, name: &str) -> Option<String> {
	req.uri().query().and_then(|q| {
		url::form_urlencoded::parse(q.as_bytes())
			.find(|(k, _)| k == name)
			.map(|(_, v)| v.into_owned())
	})
}

async fn upload(state: Arc<State>, req: Request<Incoming>) -> Answer {
	let k = parse_u32(&query(&req, "data_shards").unwrap_or_else(|| "2".into()), "data_shards")?;
	let m =
		parse_u32(&query(&req, "parity_shards").unwrap_or_else(|| "1".into()), "parity_shards")?;
	let (k, m) = (
		u16::try_from(k).map_err(|_| bad(StatusCode::BAD_REQUEST, "data_shards too large"))?,
		u16::try_from(m).map_err(|_| bad(StatusCode::BAD_REQUEST, "parity_shards too large"))?,
	);
	let data = read_body(req.into_body(), state.max_upload).await?;
	let worker = state.clone();
	let file = tokio::task::spawn_blocking(move || ingest(worker.backend.as_ref(), data, k, m))
		.await
		.map_err(|e| bad(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))??;
	let meta = FileMeta { layout: file.layout, shard_roots: file.shard_roots.clone() };
	state.store.put_meta(&file.root, &meta)?;
	for (i, shard) in file.shards().into_iter().enumerate() {
		state.store.put_shard_trusted(&file.root, i as u32, shard)?;
	}
	json_ok(json!({
		"root": root_hex(&file.root),
		"size": file.layout.size,
		"data_shards": k,
		"parity_shards": m,
		"shard_size": file.layout.shard_size(),
		"shard_roots": file.shard_roots.iter().map(root_hex).collect::<Vec<_>>(),
	}))
}

async fn put_remote(
	state: &State,
	endpoint: &str,
	root: &Hash,
	index: u32,
	shard: Vec<u8>,
) -> Result<(), String> {
	let url = format!("{endpoint}/v1/shards/{}/{index}", root_hex(root));
	let req = Request::builder()
		.method(Method::PUT)
		.uri(&url)
		.body(Full::new(Bytes::from(shard)))
		.map_err(|e| e.to_string())?;
	let res = state.client.request(req).await.map_err(|e| format!("{url}: {e}"))?;
	let status = res.status();
	if status.is_success() {
		return Ok(());
	}
	let body = res.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
	Err(format!("{url}: {status} {}", String::from_utf8_lossy(&body)))
}

/// Fetches shard `index` of `root` from another worker: at most `limit` bytes, within a minute,
/// and only if it matches `expected` (a provider serving bad bytes counts as missing).
async fn get_remote(
	state: &State,
	endpoint: &str,
	root: &Hash,
	index: u32,
	limit: u64,
	expected: Hash,
) -> Option<Vec<u8>> {
	let url = format!("{endpoint}/v1/shards/{}/{index}", root_hex(root));
	let req = Request::get(&url).body(Full::new(Bytes::new())).ok()?;
	let fetch = async {
		let res = state.client.request(req).await.ok()?;
		if !res.status().is_success() {
			return None;
		}
		let mut body = res.into_body();
		let mut bytes = Vec::new();
		while let Some(frame) = body.frame().await {
			if let Ok(data) = frame.ok()?.into_data() {
				if bytes.len() as u64 + data.len() as u64 > limit {
					return None;
				}
				bytes.extend_from_slice(&data);
			}
		}
		Some(bytes)
	};
	let bytes = tokio::time::timeout(Duration::from_secs(60), fetch).await.ok()??;
	let checked = tokio::task::spawn_blocking(move || {
		(crate::ingest::shard_tree(&bytes).root() == expected).then_some(bytes)
	});
	let bytes = checked.await.ok()?;
	if bytes.is_none() {
		log::warn!("shard {index} of {} from {endpoint} does not match its root", root_hex(root));
	}
	bytes
}

async fn push(state: Arc<State>, root: Hash) -> Answer {
	let file = on_chain(&state, &root).await?;
	state.store.meta(&root)?;
	if !file.assigned() {
		return Err(bad(
			StatusCode::CONFLICT,
			format!(
				"the providers of {} are not drawn yet (a few blocks after the submission): try again",
				root_hex(&root)
			),
		));
	}
	let mut results = Vec::new();
	let mut failed = 0;
	for (i, shard) in file.shards.iter().enumerate() {
		let index = i as u32;
		let Some(provider) = shard.provider else { continue };
		let outcome = if Some(provider) == state.provider {
			state.mark_held(root, index);
			Ok(())
		} else {
			match state.chain.endpoint(&provider).await? {
				None => Err("the provider has no registered endpoint".to_string()),
				Some(endpoint) => {
					let bytes = state.store.shard(&root, index)?;
					put_remote(&state, &endpoint, &root, index, bytes).await
				},
			}
		};
		if outcome.is_err() {
			failed += 1;
		}
		results.push(json!({
			"shard": index,
			"provider": format!("0x{}", hex::encode(provider)),
			"ok": outcome.is_ok(),
			"error": outcome.err(),
		}));
	}
	// Shards pushed elsewhere are not kept here.
	if failed == 0 {
		for (i, shard) in file.shards.iter().enumerate() {
			if shard.provider != state.provider {
				state.store.remove_shard(&root, i as u32)?;
			}
		}
	}
	let status = if failed == 0 { StatusCode::OK } else { StatusCode::BAD_GATEWAY };
	Ok(respond(
		status,
		"application/json",
		json!({ "root": root_hex(&root), "shards": results }).to_string(),
	))
}

async fn put_shard(state: Arc<State>, root: Hash, index: u32, req: Request<Incoming>) -> Answer {
	let file = on_chain(&state, &root).await?;
	let Some(shard) = file.shards.get(index as usize) else {
		return Err(bad(
			StatusCode::BAD_REQUEST,
			format!("file {} has no shard {index}", root_hex(&root)),
		));
	};
	if let Some(me) = state.provider {
		if shard.provider != Some(me) {
			return Err(bad(
				StatusCode::FORBIDDEN,
				format!(
					"shard {index} of {} is assigned to {}, not to this worker's provider",
					root_hex(&root),
					shard.provider.map_or("nobody yet".into(), |p| format!("0x{}", hex::encode(p)))
				),
			));
		}
	}
	let layout = file.layout().map_err(Failure::from)?;
	let bytes = read_body(req.into_body(), layout.shard_size()).await?;
	state.store.put_meta(&root, &FileMeta { layout, shard_roots: file.shard_roots() })?;
	let store = state.store.clone();
	tokio::task::spawn_blocking(move || store.put_shard(&root, index, &bytes))
		.await
		.map_err(|e| bad(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))??;
	state.mark_held(root, index);
	json_ok(json!({ "root": root_hex(&root), "shard": index, "stored": true }))
}

/// Meta of a file: from the chain, or from the store once it left the chain.
async fn meta_of(state: &State, root: &Hash) -> Result<(FileMeta, Option<ChainFile>), Failure> {
	match state.chain.file(root).await? {
		Some(file) => {
			let meta = FileMeta { layout: file.layout()?, shard_roots: file.shard_roots() };
			Ok((meta, Some(file)))
		},
		None => Ok((state.store.meta(root)?, None)),
	}
}

/// Gathers at least `want` shards of `root` (or as many as can be found), each checked against
/// its root: local ones first, then from the providers.
pub(crate) async fn gather(
	state: &State,
	root: &Hash,
	meta: &FileMeta,
	file: Option<&ChainFile>,
	want: usize,
) -> Result<Vec<Option<Vec<u8>>>, Failure> {
	let n = meta.layout.total_shards() as usize;
	let k = want.min(n);
	let local: Vec<Option<Vec<u8>>> =
		(0..n as u32).map(|i| state.store.shard(root, i).ok()).collect();
	// Local shards are checked here once; fetched ones are checked by `get_remote`. Callers
	// decode without hashing again.
	let (layout, roots) = (meta.layout, meta.shard_roots.clone());
	let mut shards = tokio::task::spawn_blocking(move || {
		let mut local = local;
		crate::ingest::drop_mismatched(&layout, &roots, &mut local);
		local
	})
	.await
	.map_err(|e| bad(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
	let mut have = shards.iter().flatten().count();
	if let Some(file) = file {
		let mut missing: Vec<usize> = (0..n).filter(|i| shards[*i].is_none()).collect();
		// Fetch in parallel, k - have at a time, until enough or none left.
		while have < k && !missing.is_empty() {
			let batch: Vec<usize> = missing.drain(..(k - have).min(missing.len())).collect();
			let limit = meta.layout.shard_size();
			let fetches = batch.iter().map(|&i| async move {
				let provider = file.shards[i].provider?;
				let endpoint = state.chain.endpoint(&provider).await.ok().flatten()?;
				get_remote(state, &endpoint, root, i as u32, limit, meta.shard_roots[i]).await
			});
			let results = futures::future::join_all(fetches).await;
			for (i, result) in batch.into_iter().zip(results) {
				if let Some(bytes) = result {
					if bytes.len() as u64 == meta.layout.shard_size() {
						shards[i] = Some(bytes);
						have += 1;
					}
				}
			}
		}
	}
	Ok(shards)
}

/// A file's bytes rebuilt from any `k` shards (local or fetched from the providers), if it
/// is not larger than `limit`. The rebuilt data shards must have their committed roots (see
/// `zg_primitives::erasure::decode_verified`): shards that do not belong to the file's
/// codeword are reported and not used.
async fn file_bytes(state: &State, root: Hash, limit: u64) -> Result<Vec<u8>, Failure> {
	let (meta, file) = meta_of(state, &root).await?;
	if meta.layout.size > limit {
		return Err(bad(
			StatusCode::PAYLOAD_TOO_LARGE,
			format!("file {} is larger than {limit} bytes", root_hex(&root)),
		));
	}
	let shards =
		gather(state, &root, &meta, file.as_ref(), meta.layout.data_shards as usize).await?;
	let have = shards.iter().flatten().count();
	let need = meta.layout.data_shards as usize;
	if have < need {
		return Err(Error::NotEnoughShards { have, need }.into());
	}
	let (layout, roots) = (meta.layout, meta.shard_roots.clone());
	let verified = tokio::task::spawn_blocking(move || {
		zg_primitives::erasure::decode_verified(&layout, &roots, shards)
	})
	.await
	.map_err(|e| bad(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
	.map_err(Error::from)?;
	for index in &verified.inconsistent {
		let provider = file
			.as_ref()
			.and_then(|f| f.shards.get(*index as usize))
			.and_then(|s| s.provider)
			.map_or("nobody".into(), |p| format!("0x{}", hex::encode(p)));
		log::warn!(
			"shard {index} of {} (provider {provider}) matches its root but not the file: the uploader committed an inconsistent codeword",
			root_hex(&root)
		);
	}
	Ok(verified.data)
}

async fn download(state: Arc<State>, root: Hash) -> Answer {
	let data = file_bytes(&state, root, u64::MAX).await?;
	Ok(respond(StatusCode::OK, "application/octet-stream", data))
}

/// Stored files for the compute role (job inputs in 0G Storage): a file that is not stored on
/// chain, or is larger than the limit, is a deterministic refusal; one that cannot be read now
/// is not.
fn fetcher(state: &Arc<State>) -> FetchFn {
	let state = state.clone();
	Arc::new(move |root, limit| {
		let state = state.clone();
		Box::pin(async move {
			let file = match state.chain.file(&root).await {
				Ok(Some(file)) => file,
				Ok(None) => return Err(FetchError::Missing),
				Err(e) => return Err(FetchError::Unavailable(format!("{e:#}"))),
			};
			if !matches!(file.status, ChainStatus::Finalized | ChainStatus::Degraded) {
				return Err(FetchError::Missing);
			}
			if file.layout.size > limit {
				return Err(FetchError::TooLarge);
			}
			file_bytes(&state, root, limit)
				.await
				.map_err(|Failure(_, m)| FetchError::Unavailable(m))
		})
	})
}

async fn status(state: &State, root: Hash) -> Result<serde_json::Value, Failure> {
	let file = state.chain.file(&root).await?;
	let local = state.store.held_shards(&root);
	Ok(json!({
		"root": root_hex(&root),
		"on_chain": file.as_ref().map(|f| json!({
			"status": format!("{:?}", f.status),
			"size": f.layout.size,
			"data_shards": f.layout.data_shards,
			"parity_shards": f.layout.parity_shards,
			"confirmed": f.confirmed(),
			"expires_at": f.expires_at,
			"shards": f.shards.iter().map(|s| json!({
				"provider": s.provider.map(|p| format!("0x{}", hex::encode(p))),
				"state": format!("{:?}", s.state),
				"confirmed": s.is_confirmed(),
			})).collect::<Vec<_>>(),
		})),
		"held_here": local,
	}))
}

/// The JSON-RPC methods (jsonrpsee): `storage_status(root)` and `storage_held()`.
pub fn rpc_module(state: Arc<State>) -> RpcModule<Arc<State>> {
	let mut module = RpcModule::new(state);
	let registered = module
		.register_async_method("storage_status", |params, state, _| async move {
			let root: String = params.one()?;
			let root = crate::chain::parse_root(&root)
				.map_err(|e| ErrorObjectOwned::owned(-32602, e.to_string(), None::<()>))?;
			status(&state, root)
				.await
				.map_err(|Failure(_, message)| ErrorObjectOwned::owned(-32000, message, None::<()>))
		})
		.map(|_| ())
		.and_then(|()| {
			module
				.register_method("storage_held", |_, state, _| {
					state.held().iter().map(|(r, i)| (root_hex(r), *i)).collect::<Vec<_>>()
				})
				.map(|_| ())
		});
	if let Err(e) = registered {
		log::error!("cannot register the JSON-RPC methods: {e}");
	}
	module
}

async fn rpc(rpc: &RpcModule<Arc<State>>, req: Request<Incoming>) -> Answer {
	let body = read_body(req.into_body(), 1 << 20).await?;
	let body = String::from_utf8(body).map_err(|_| bad(StatusCode::BAD_REQUEST, "not UTF-8"))?;
	let (response, _) = rpc
		.raw_json_request(&body, 1)
		.await
		.map_err(|e| bad(StatusCode::BAD_REQUEST, format!("not a JSON-RPC request: {e}")))?;
	Ok(respond(StatusCode::OK, "application/json", response))
}

async fn route(
	state: Arc<State>,
	rpc_methods: Arc<RpcModule<Arc<State>>>,
	req: Request<Incoming>,
) -> Answer {
	let req = match &state.compute {
		Some(compute) => {
			match crate::compute::api::route(compute, Some(fetcher(&state)), req).await {
				Ok(response) => return Ok(response),
				Err(req) => req,
			}
		},
		None => req,
	};
	let path = req.uri().path().trim_matches('/').to_string();
	let parts: Vec<&str> = path.split('/').collect();
	match (req.method().clone(), parts.as_slice()) {
		(Method::GET, ["health"]) => Ok(respond(StatusCode::OK, "text/plain", "ok")),
		(Method::POST, ["rpc"]) => rpc(&rpc_methods, req).await,
		(Method::POST, ["v1", "files"]) => upload(state, req).await,
		(Method::POST, ["v1", "files", root, "push"]) => push(state, parse_root(root)?).await,
		(Method::GET, ["v1", "files", root]) => download(state, parse_root(root)?).await,
		(Method::PUT, ["v1", "shards", root, index]) => {
			put_shard(state.clone(), parse_root(root)?, parse_u32(index, "shard")?, req).await
		},
		(Method::GET, ["v1", "shards", root, index]) => {
			let bytes = state.store.shard(&parse_root(root)?, parse_u32(index, "shard")?)?;
			Ok(respond(StatusCode::OK, "application/octet-stream", bytes))
		},
		(Method::GET, ["v1", "proofs", root, shard, chunk]) => {
			let (root, shard, chunk) =
				(parse_root(root)?, parse_u32(shard, "shard")?, parse_u32(chunk, "chunk")?);
			let store = state.store.clone();
			let proof = tokio::task::spawn_blocking(move || store.proof(&root, shard, chunk))
				.await
				.map_err(|e| bad(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))??;
			Ok(respond(StatusCode::OK, "application/octet-stream", proof.encode()))
		},
		(Method::GET, ["v1", "held"]) => {
			Ok(respond(StatusCode::OK, "application/octet-stream", state.held().encode()))
		},
		(Method::GET, ["v1", "fraud"]) => {
			let found: Vec<(Hash, u32, crate::ingest::ColumnProof)> = state
				.fraud
				.lock()
				.map(|f| f.iter().map(|(r, (c, p))| (*r, *c, p.clone())).collect())
				.unwrap_or_default();
			Ok(respond(StatusCode::OK, "application/octet-stream", found.encode()))
		},
		(Method::GET, ["v1", "status", root]) => json_ok(status(&state, parse_root(root)?).await?),
		_ => Err(bad(StatusCode::NOT_FOUND, format!("no route for {} /{path}", req.method()))),
	}
}

async fn handle(
	state: Arc<State>,
	rpc_methods: Arc<RpcModule<Arc<State>>>,
	req: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
	let line = format!("{} {}", req.method(), req.uri().path());
	let response = match route(state, rpc_methods, req).await {
		Ok(response) => response,
		Err(Failure(status, message)) => {
			log::info!("{line}: {status} {message}");
			respond(status, "application/json", json!({ "error": message }).to_string())
		},
	};
	Ok(response)
}

/// Serves the API on `listener` until the process ends.
pub async fn serve(state: Arc<State>, listener: TcpListener) -> anyhow::Result<()> {
	let rpc_methods = Arc::new(rpc_module(state.clone()));
	loop {
		let (stream, peer) = listener.accept().await?;
		let state = state.clone();
		let rpc_methods = rpc_methods.clone();
		tokio::spawn(async move {
			let service = service_fn(move |mut req: Request<Incoming>| {
				req.extensions_mut().insert(Peer(peer));
				handle(state.clone(), rpc_methods.clone(), req)
			});
			if let Err(e) =
				http1::Builder::new().serve_connection(TokioIo::new(stream), service).await
			{
				log::debug!("connection closed: {e}");
			}
		});
	}
}

/// The provider's background duties, every `period`: forget shards confirmed on chain (or of
/// files gone), and rebuild shards newly assigned to this provider that it does not hold
/// (after a handover) from any `k` shards of the other providers, checked against their
/// committed roots.
pub async fn maintain(state: Arc<State>, period: Duration) {
	let Some(me) = state.provider else { return };
	loop {
		tokio::time::sleep(period).await;
		if let Err(e) = maintain_once(&state, me).await {
			log::warn!("maintenance: {e:#}");
		}
	}
}

async fn maintain_once(state: &State, me: Account) -> anyhow::Result<()> {
	let files = state.chain.files().await?;
	let on_chain: std::collections::BTreeMap<Hash, &ChainFile> =
		files.iter().map(|(r, f)| (*r, f)).collect();
	for (root, index) in state.held() {
		let settled = match on_chain.get(&root) {
			None => true,
			Some(file) => file.shards.get(index as usize).is_none_or(|s| !s.awaits(&me)),
		};
		if settled {
			if let Ok(mut held) = state.held.lock() {
				held.remove(&(root, index));
			}
		}
	}
	if state.discard_confirmed {
		for (root, file) in &files {
			for (i, shard) in file.shards.iter().enumerate() {
				if shard.provider == Some(me)
					&& shard.is_confirmed()
					&& state.store.has_shard(root, i as u32)
				{
					log::warn!(
						"--fault-discard-confirmed: deleting confirmed shard {i} of {}",
						root_hex(root)
					);
					state.store.remove_shard(root, i as u32)?;
				}
			}
		}
	}
	for (root, file) in &files {
		for (i, shard) in file.shards.iter().enumerate() {
			let index = i as u32;
			if !shard.awaits(&me) || state.store.has_shard(root, index) {
				continue;
			}
			let meta = FileMeta { layout: file.layout()?, shard_roots: file.shard_roots() };
			let k = meta.layout.data_shards as usize;
			let shards = match gather(state, root, &meta, Some(file), k).await {
				Ok(shards) => shards,
				Err(Failure(_, m)) => {
					log::info!("cannot gather {}: {m}", root_hex(root));
					continue;
				},
			};
			let (layout, expected) = (meta.layout, meta.shard_roots[i]);
			let rebuilt = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, Error> {
				// `gather` checked every shard against its root; the rebuilt one is checked too,
				// since shards of an inconsistent codeword rebuild to other bytes.
				let mut slots: Vec<Option<Vec<u8>>> = shards;
				zg_primitives::erasure::recover(&layout, &mut slots)?;
				let bytes = slots[i].take().ok_or(Error::NotEnoughShards { have: 0, need: 1 })?;
				if crate::ingest::shard_tree(&bytes).root() != expected {
					return Err(Error::ShardMismatch { root: String::new(), index: i as u32 });
				}
				Ok(bytes)
			})
			.await?;
			match rebuilt {
				Ok(bytes) => {
					state.store.put_meta(root, &meta)?;
					state.store.put_shard(root, index, &bytes)?;
					state.mark_held(*root, index);
					log::info!("rebuilt shard {index} of {}", root_hex(root));
				},
				Err(Error::ShardMismatch { .. }) => {
					// The shards at hand are not one codeword: find where, with every shard that
					// can be had, and keep the proof for the node to report.
					log::warn!(
						"shard {index} of {} does not rebuild to its root: checking the codeword",
						root_hex(root)
					);
					let all =
						gather(state, root, &meta, Some(file), meta.layout.total_shards() as usize)
							.await;
					let found = match all {
						Ok(all) => {
							tokio::task::spawn_blocking(move || {
								crate::ingest::find_inconsistency(&layout, &all)
							})
							.await?
						},
						Err(_) => None,
					};
					match found {
						Some((chunk, proof)) => {
							log::warn!(
								"file {} is inconsistent at chunk {chunk}: reporting it",
								root_hex(root)
							);
							if let Ok(mut fraud) = state.fraud.lock() {
								fraud.insert(*root, (chunk, proof));
							}
						},
						None => log::info!(
							"cannot prove {} inconsistent with the shards at hand",
							root_hex(root)
						),
					}
				},
				Err(e) => log::info!("cannot rebuild shard {index} of {}: {e}", root_hex(root)),
			}
		}
	}
	if let Ok(mut fraud) = state.fraud.lock() {
		fraud.retain(|root, _| on_chain.contains_key(root));
	}
	Ok(())
}
