//! The worker's HTTP API.
//!
//! | method | path | what |
//! |---|---|---|
//! | `POST` | `/v1/files?data_shards=K&parity_shards=M` | upload a file (`--gateway` workers only; the body streamed with its `Content-Length`): encoded as it arrives, committed, shards kept; answers the root, layout and shard roots as JSON |
//! | `POST` | `/v1/files/<root>/push` | push each shard of a submitted file to its assigned provider's worker (from the chain) |
//! | `GET` | `/v1/files/<root>` | download, streamed (a `Range: bytes=…` header reads a part): the file from its data shards (local or fetched from the providers), missing ones rebuilt from any `k` shards, each checked against its committed root before a byte is sent |
//! | `PUT` | `/v1/shards/<root>/<index>` | receive a shard (streamed): refused unless the file is on chain, the shard is assigned to this worker's provider, it fits the declared capacity and it matches its committed root |
//! | `GET` | `/v1/shards/<root>/<index>` | a shard's bytes, streamed |
//! | `GET` | `/v1/proofs/<root>/<shard>/<chunk>` | a chunk and its Merkle path, SCALE `(Vec<u8>, Vec<H256>)` (for the offchain worker); reads one 16 KiB group and the stored tree |
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
//!
//! Memory and threads are bounded: bodies stream between the network and the disk through a
//! few frames, within deadlines (see [`crate::streaming`]); an upload is coded stripe by stripe
//! (`3 (k + m)` MiB at most); at most [`UPLOADS`] uploads, [`SHARD_PUTS`] incoming shards,
//! [`SHARD_GETS`] outgoing shards and [`DOWNLOADS`] downloads run at once (more get 503), so
//! proofs for the node's challenges always find a thread.

use crate::{
	chain::{Account, Chain, ChainFile, ChainStatus, StorageLimits},
	compute::api::{ComputeState, FetchError, FetchFn, Peer},
	encoder::ErasureBackend,
	ingest::Ingest,
	read::{self, ColumnProof},
	root_hex,
	shard::{ShardFiles, ShardWriter},
	store::{FileMeta, ShardStore},
	streaming::{body_from, body_into, deadline_for, parse_range, StreamError},
	Error,
};
use bytes::Bytes;
use codec::Encode;
use futures::TryStreamExt;
use http_body_util::{combinators::BoxBody, BodyExt, Full, StreamBody};
use hyper::{
	body::{Frame, Incoming},
	header,
	server::conn::http1,
	service::service_fn,
	Method, Request, Response, StatusCode,
};
use hyper_util::{
	client::legacy::{connect::HttpConnector, Client},
	rt::{TokioExecutor, TokioIo},
};
use jsonrpsee::{types::ErrorObjectOwned, RpcModule};
use serde::Serialize;
use serde_json::json;
use std::{
	collections::BTreeSet,
	convert::Infallible,
	sync::{Arc, Mutex},
	time::{Duration, SystemTime},
};
use tokio::{net::TcpListener, sync::Semaphore};
use zg_primitives::{storage::FileLayout, worker_api, Hash};

/// A response body.
pub type Body = BoxBody<Bytes, hyper::Error>;
/// A request body sent to another worker: nothing, or a shard streamed from disk.
pub type OutBody = BoxBody<Bytes, std::io::Error>;

/// Uploads coded at once; more are refused with 503 until one ends.
pub const UPLOADS: usize = 2;
/// Shards received at once.
pub const SHARD_PUTS: usize = 8;
/// Shards sent at once.
pub const SHARD_GETS: usize = 8;
/// Downloads served at once.
pub const DOWNLOADS: usize = 4;
/// The longest wait for another worker's answer to start.
const PEER_TIMEOUT: Duration = Duration::from_secs(30);

/// The worker's shared state.
pub struct State {
	/// Shards on disk.
	pub store: ShardStore,
	/// The node.
	pub chain: Chain,
	/// What the chain accepts of a file (read when the worker starts).
	pub limits: StorageLimits,
	/// The provider account this worker stores shards for (`None`: a gateway that only
	/// uploads and downloads).
	pub provider: Option<Account>,
	/// Whether anyone may upload files here (`--gateway`); otherwise only assigned shards are
	/// taken, from peers.
	pub gateway: bool,
	/// The erasure coder.
	pub backend: Box<dyn ErasureBackend>,
	/// The largest upload accepted, in bytes.
	pub max_upload: u64,
	/// How long a file that is not on chain (or a shard not assigned here) is kept before it
	/// is garbage-collected: time to submit an upload and push its shards.
	pub gc_grace: Duration,
	/// Uploads being received or coded.
	pub uploads: Arc<Semaphore>,
	/// Shards being received.
	pub shard_puts: Semaphore,
	/// Shards being sent.
	pub shard_gets: Arc<Semaphore>,
	/// Downloads being served.
	pub downloads: Arc<Semaphore>,
	/// Shards held here and not yet seen confirmed on chain.
	pub held: Mutex<BTreeSet<(Hash, u32)>>,
	/// HTTP client for other workers.
	pub client: Client<HttpConnector, OutBody>,
	/// The compute role (`None`: storage only).
	pub compute: Option<Arc<ComputeState>>,
	/// Test only: delete shards once they are confirmed on chain (a provider that confirms and
	/// then throws the data away, to test that it is caught and not paid).
	pub discard_confirmed: bool,
	/// Files found inconsistent while rebuilding a shard, with the proof (for the offchain
	/// worker to report, `GET /v1/fraud`).
	pub fraud: Mutex<std::collections::BTreeMap<Hash, (u32, ColumnProof)>>,
}

impl State {
	/// A new state; the held set starts with every shard in the store. Uploads are refused
	/// until [`State::gateway`] is set.
	pub fn new(
		store: ShardStore,
		chain: Chain,
		limits: StorageLimits,
		provider: Option<Account>,
		backend: Box<dyn ErasureBackend>,
		max_upload: u64,
	) -> Self {
		let held = store.all_shards().into_iter().collect();
		let client = Client::builder(TokioExecutor::new()).build_http();
		Self {
			store,
			chain,
			limits,
			provider,
			gateway: false,
			backend,
			max_upload,
			gc_grace: Duration::from_secs(3600),
			uploads: Arc::new(Semaphore::new(UPLOADS)),
			shard_puts: Semaphore::new(SHARD_PUTS),
			shard_gets: Arc::new(Semaphore::new(SHARD_GETS)),
			downloads: Arc::new(Semaphore::new(DOWNLOADS)),
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
			Error::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
			Error::Short { .. } => StatusCode::BAD_REQUEST,
			Error::NoRoom { .. } => StatusCode::INSUFFICIENT_STORAGE,
			Error::Erasure(zg_primitives::erasure::ErasureError::Inconsistent) => {
				StatusCode::UNPROCESSABLE_ENTITY
			},
			_ => StatusCode::INTERNAL_SERVER_ERROR,
		};
		Failure(status, e.to_string())
	}
}

impl From<StreamError> for Failure {
	fn from(e: StreamError) -> Self {
		match e {
			StreamError::Sink(e) => e.into(),
			StreamError::Body(status, message) => Failure(status, message),
		}
	}
}

/// Runs `work` on a blocking thread.
async fn blocking<T: Send + 'static>(
	work: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, Failure> {
	tokio::task::spawn_blocking(work)
		.await
		.map_err(|e| bad(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
		.map_err(Failure::from)
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

/// What an upload answers.
#[derive(Serialize)]
struct Uploaded {
	root: String,
	size: u64,
	data_shards: u16,
	parity_shards: u16,
	shard_size: u64,
	shard_roots: Vec<String>,
}

fn content_length(req: &Request<Incoming>) -> Option<u64> {
	req.headers().get(header::CONTENT_LENGTH)?.to_str().ok()?.parse().ok()
}

async fn upload(state: Arc<State>, req: Request<Incoming>) -> Answer {
	if !state.gateway {
		return Err(bad(
			StatusCode::FORBIDDEN,
			"this worker takes no uploads (a gateway is started with --gateway)",
		));
	}
	let k = parse_u32(&query(&req, "data_shards").unwrap_or_else(|| "2".into()), "data_shards")?;
	let m =
		parse_u32(&query(&req, "parity_shards").unwrap_or_else(|| "1".into()), "parity_shards")?;
	let size = content_length(&req)
		.ok_or_else(|| bad(StatusCode::LENGTH_REQUIRED, "an upload needs its Content-Length"))?;
	state.limits.check(size, k, m).map_err(|e| bad(StatusCode::BAD_REQUEST, e))?;
	if size > state.max_upload {
		return Err(bad(
			StatusCode::PAYLOAD_TOO_LARGE,
			format!("this worker takes files of at most {} bytes", state.max_upload),
		));
	}
	// `check` bounded k and m by the chain's limits (u16 at most).
	let (k, m) = (k as u16, m as u16);
	let layout = FileLayout::new(size, k, m).map_err(Error::from)?;
	state.store.ensure_room(layout.stored_bytes())?;
	// Held until the coding ends, even if the client leaves first.
	let permit = state.uploads.clone().try_acquire_owned().map_err(|_| busy("uploads"))?;
	let ingest = Ingest::new(state.store.tmp_dir(), size, k, m)?;
	let ingest = body_into(req.into_body(), ingest, Ingest::write, deadline_for(size)).await?;
	let worker = state.clone();
	let (root, shard_roots) = blocking(move || {
		let _permit = permit;
		let encoded = ingest.finish(worker.backend.as_ref())?;
		let (root, roots) = (encoded.root, encoded.shard_roots.clone());
		worker.store.put_encoded(encoded)?;
		Ok((root, roots))
	})
	.await?;
	log::info!("uploaded {} ({size} bytes, k = {k}, m = {m})", root_hex(&root));
	let answer = Uploaded {
		root: root_hex(&root),
		size,
		data_shards: k,
		parity_shards: m,
		shard_size: layout.shard_size(),
		shard_roots: shard_roots.iter().map(root_hex).collect(),
	};
	json_ok(serde_json::to_value(answer).unwrap_or_default())
}

/// 503: too many requests of a kind at once.
fn busy(what: &str) -> Failure {
	bad(StatusCode::SERVICE_UNAVAILABLE, format!("too many {what} at once: try again shortly"))
}

/// The URL of shard `index` of `root` at a worker's registered `endpoint`: an `http(s)` URL
/// whose query and fragment are dropped, so an endpoint cannot smuggle another request.
fn shard_url(endpoint: &str, root: &Hash, index: u32) -> Result<String, String> {
	let mut url = url::Url::parse(endpoint).map_err(|e| format!("bad endpoint {endpoint}: {e}"))?;
	if !matches!(url.scheme(), "http" | "https") {
		return Err(format!("bad endpoint {endpoint}: not http(s)"));
	}
	url.set_query(None);
	url.set_fragment(None);
	url.path_segments_mut()
		.map_err(|()| format!("bad endpoint {endpoint}"))?
		.pop_if_empty()
		.extend(["v1", "shards", &root_hex(root), &index.to_string()]);
	Ok(url.to_string())
}

fn empty_out() -> OutBody {
	Full::new(Bytes::new()).map_err(|never| match never {}).boxed()
}

async fn put_remote(
	state: &State,
	endpoint: &str,
	root: &Hash,
	index: u32,
	files: &ShardFiles,
) -> Result<(), String> {
	let url = shard_url(endpoint, root, index)?;
	let file = tokio::fs::File::open(&files.shard).await.map_err(|e| e.to_string())?;
	let stream = tokio_util::io::ReaderStream::with_capacity(file, 256 << 10).map_ok(Frame::data);
	let req = Request::builder()
		.method(Method::PUT)
		.uri(&url)
		.header(header::CONTENT_LENGTH, files.len)
		.body(StreamBody::new(stream).boxed())
		.map_err(|e| e.to_string())?;
	let res =
		tokio::time::timeout(PEER_TIMEOUT + deadline_for(files.len), state.client.request(req))
			.await
			.map_err(|_| format!("{url}: no answer in time"))?
			.map_err(|e| format!("{url}: {e}"))?;
	let status = res.status();
	if status.is_success() {
		return Ok(());
	}
	let body = res.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
	Err(format!("{url}: {status} {}", String::from_utf8_lossy(&body)))
}

/// Fetches shard `index` of `root` (of `size` bytes) from another worker to a temporary file,
/// only if it has the size and root `expected` (a provider serving bad bytes counts as
/// missing). The answer must start within [`PEER_TIMEOUT`] and arrive within
/// [`deadline_for`] its size.
async fn get_remote(
	state: &State,
	endpoint: &str,
	root: &Hash,
	index: u32,
	size: u64,
	expected: Hash,
) -> Option<ShardFiles> {
	let url = shard_url(endpoint, root, index).ok()?;
	let req = Request::get(&url).body(empty_out()).ok()?;
	let res = tokio::time::timeout(PEER_TIMEOUT, state.client.request(req)).await.ok()?.ok()?;
	if !res.status().is_success() {
		return None;
	}
	let writer = state.store.shard_writer(size).ok()?;
	let writer =
		body_into(res.into_body(), writer, ShardWriter::write, deadline_for(size)).await.ok()?;
	let files = tokio::task::spawn_blocking(move || writer.finish()).await.ok()?.ok()?;
	if files.len != size || files.root != expected {
		log::warn!("shard {index} of {} from {endpoint} does not match its root", root_hex(root));
		return None;
	}
	Some(files)
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
					let files = state.store.shard(&root, index)?;
					put_remote(&state, &endpoint, &root, index, &files).await
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
	let Some(me) = state.provider else {
		return Err(bad(
			StatusCode::FORBIDDEN,
			"this worker is not a provider's: it holds no shards",
		));
	};
	let file = on_chain(&state, &root).await?;
	let Some(shard) = file.shards.get(index as usize) else {
		return Err(bad(
			StatusCode::BAD_REQUEST,
			format!("file {} has no shard {index}", root_hex(&root)),
		));
	};
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
	let layout = file.layout().map_err(Failure::from)?;
	if content_length(&req).is_some_and(|n| n != layout.shard_size()) {
		return Err(bad(
			StatusCode::BAD_REQUEST,
			format!("shard {index} of {} is {} bytes", root_hex(&root), layout.shard_size()),
		));
	}
	if !state.store.has_shard(&root, index) {
		state.store.ensure_room(layout.shard_size())?;
	}
	let _permit = state.shard_puts.try_acquire().map_err(|_| busy("incoming shards"))?;
	state.store.put_meta(&root, &FileMeta { layout, shard_roots: file.shard_roots() })?;
	let writer = state.store.shard_writer(layout.shard_size())?;
	let deadline = deadline_for(layout.shard_size());
	let writer = body_into(req.into_body(), writer, ShardWriter::write, deadline).await?;
	let store = state.store.clone();
	blocking(move || store.put_shard(&root, index, writer.finish()?)).await?;
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
/// its root when it was stored or fetched: local ones first, then, lowest index first (data
/// shards before parity), from the providers.
pub(crate) async fn gather(
	state: &State,
	root: &Hash,
	meta: &FileMeta,
	file: Option<&ChainFile>,
	want: usize,
) -> Result<Vec<Option<ShardFiles>>, Failure> {
	let n = meta.layout.total_shards() as usize;
	let k = want.min(n);
	let mut shards: Vec<Option<ShardFiles>> =
		(0..n as u32).map(|i| state.store.shard(root, i).ok()).collect();
	let mut have = shards.iter().flatten().count();
	if let Some(file) = file {
		let mut missing: Vec<usize> = (0..n).filter(|i| shards[*i].is_none()).collect();
		// Fetch in parallel, k - have at a time, until enough or none left.
		while have < k && !missing.is_empty() {
			let batch: Vec<usize> = missing.drain(..(k - have).min(missing.len())).collect();
			let size = meta.layout.shard_size();
			let fetches = batch.iter().map(|&i| async move {
				let provider = file.shards[i].provider?;
				let endpoint = state.chain.endpoint(&provider).await.ok().flatten()?;
				get_remote(state, &endpoint, root, i as u32, size, meta.shard_roots[i]).await
			});
			let results = futures::future::join_all(fetches).await;
			for (i, result) in batch.into_iter().zip(results) {
				if let Some(files) = result {
					shards[i] = Some(files);
					have += 1;
				}
			}
		}
	}
	Ok(shards)
}

/// A file's `k` data shards, at hand or fetched, the missing ones rebuilt from any `k` shards;
/// each has its committed root (see [`read::rebuild`]).
async fn data_shards(
	state: &State,
	root: Hash,
	meta: &FileMeta,
	file: Option<&ChainFile>,
) -> Result<Vec<ShardFiles>, Failure> {
	let k = meta.layout.data_shards as usize;
	let shards = gather(state, &root, meta, file, k).await?;
	let have = shards.iter().flatten().count();
	if have < k {
		return Err(Error::NotEnoughShards { have, need: k }.into());
	}
	let (layout, roots, tmp) =
		(meta.layout, meta.shard_roots.clone(), state.store.tmp_dir().to_path_buf());
	blocking(move || read::data_shards(&layout, &roots, shards, &tmp)).await
}

/// A file's bytes, if it is not larger than `limit` (for the compute role's stored inputs).
async fn file_bytes(state: &State, root: Hash, limit: u64) -> Result<Vec<u8>, Failure> {
	let (meta, file) = meta_of(state, &root).await?;
	let layout = meta.layout;
	if layout.size > limit {
		return Err(bad(
			StatusCode::PAYLOAD_TOO_LARGE,
			format!("file {} is larger than {limit} bytes", root_hex(&root)),
		));
	}
	let data = data_shards(state, root, &meta, file.as_ref()).await?;
	blocking(move || {
		let mut bytes = Vec::with_capacity(layout.size as usize);
		read::read_range(&layout, &data, 0, layout.size, |piece| {
			bytes.extend_from_slice(&piece);
			Ok(())
		})?;
		Ok(bytes)
	})
	.await
}

/// Streams `len` bytes produced by `produce` with `status` and extra headers.
fn streamed<F>(
	status: StatusCode,
	len: u64,
	headers: &[(header::HeaderName, String)],
	produce: F,
) -> Response<Body>
where
	F: FnOnce(&mut dyn FnMut(Vec<u8>) -> Result<(), Error>) -> Result<(), Error> + Send + 'static,
{
	let mut builder = Response::builder()
		.status(status)
		.header(header::CONTENT_TYPE, "application/octet-stream")
		.header(header::CONTENT_LENGTH, len);
	for (name, value) in headers {
		builder = builder.header(name, value);
	}
	builder.body(body_from(produce)).unwrap_or_else(|_| Response::new(full(Bytes::new())))
}

async fn download(state: Arc<State>, root: Hash, req: Request<Incoming>) -> Answer {
	let (meta, file) = meta_of(&state, &root).await?;
	let size = meta.layout.size;
	let range = req.headers().get(header::RANGE).and_then(|v| v.to_str().ok());
	let Ok(range) = parse_range(range, size) else {
		let mut answer = respond(
			StatusCode::RANGE_NOT_SATISFIABLE,
			"application/json",
			json!({ "error": format!("the file has {size} bytes") }).to_string(),
		);
		if let Ok(value) = format!("bytes */{size}").parse() {
			answer.headers_mut().insert(header::CONTENT_RANGE, value);
		}
		return Ok(answer);
	};
	let permit = state.downloads.clone().try_acquire_owned().map_err(|_| busy("downloads"))?;
	let data = data_shards(&state, root, &meta, file.as_ref()).await?;
	let layout = meta.layout;
	let (start, end) = range.unwrap_or((0, size));
	let mut headers = vec![(header::ACCEPT_RANGES, "bytes".to_string())];
	let status = if range.is_some() {
		headers.push((header::CONTENT_RANGE, format!("bytes {start}-{}/{size}", end - 1)));
		StatusCode::PARTIAL_CONTENT
	} else {
		StatusCode::OK
	};
	Ok(streamed(status, end - start, &headers, move |send| {
		let _permit = permit;
		read::read_range(&layout, &data, start, end, send)
	}))
}

/// A shard's bytes, streamed from disk.
async fn get_shard(state: Arc<State>, root: Hash, index: u32) -> Answer {
	let permit = state.shard_gets.clone().try_acquire_owned().map_err(|_| busy("shard reads"))?;
	let store = state.store.clone();
	let files = blocking(move || store.shard(&root, index)).await?;
	let len = files.len;
	Ok(streamed(StatusCode::OK, len, &[], move |send| {
		let _permit = permit;
		let file = files.open()?;
		let mut at = 0u64;
		while at < len {
			let mut piece = vec![0u8; (len - at).min(1 << 20) as usize];
			std::os::unix::fs::FileExt::read_exact_at(&file, &mut piece, at)?;
			at += piece.len() as u64;
			send(piece)?;
		}
		Ok(())
	}))
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
		(Method::GET, ["v1", "files", root]) => download(state, parse_root(root)?, req).await,
		(Method::PUT, ["v1", "shards", root, index]) => {
			put_shard(state.clone(), parse_root(root)?, parse_u32(index, "shard")?, req).await
		},
		(Method::GET, ["v1", "shards", root, index]) => {
			get_shard(state, parse_root(root)?, parse_u32(index, "shard")?).await
		},
		(Method::GET, ["v1", "proofs", root, shard, chunk]) => {
			let (root, shard, chunk) =
				(parse_root(root)?, parse_u32(shard, "shard")?, parse_u32(chunk, "chunk")?);
			let store = state.store.clone();
			let proof: worker_api::ProofReply =
				blocking(move || store.proof(&root, shard, chunk)).await?;
			Ok(respond(StatusCode::OK, "application/octet-stream", proof.encode()))
		},
		(Method::GET, ["v1", "held"]) => {
			let held: worker_api::HeldReply = state.held();
			Ok(respond(StatusCode::OK, "application/octet-stream", held.encode()))
		},
		(Method::GET, ["v1", "fraud"]) => {
			let found: worker_api::FraudReply = state
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
			let connection = http1::Builder::new()
				.timer(hyper_util::rt::TokioTimer::new())
				.header_read_timeout(Duration::from_secs(30))
				.serve_connection(TokioIo::new(stream), service);
			if let Err(e) = connection.await {
				log::debug!("connection closed: {e}");
			}
		});
	}
}

/// The provider's background duties, every `period`: forget shards confirmed on chain (or of
/// files gone), rebuild shards assigned to this provider that it does not hold (handed over,
/// or lost from its disk) from any `k` shards of the other providers, checked against their
/// committed roots, and collect the garbage (see `collect_garbage`).
pub async fn maintain(state: Arc<State>, period: Duration) {
	loop {
		tokio::time::sleep(period).await;
		if let Err(e) = maintain_once(&state).await {
			log::warn!("maintenance: {e:#}");
		}
	}
}

async fn maintain_once(state: &State) -> anyhow::Result<()> {
	let best = state.chain.best_number().await?;
	let files = state.chain.files().await?;
	let on_chain: std::collections::BTreeMap<Hash, &ChainFile> =
		files.iter().map(|(r, f)| (*r, f)).collect();
	for (root, file) in &files {
		state.store.note_expiry(root, file.expires_at)?;
	}
	collect_garbage(state, &on_chain, best)?;
	let Some(me) = state.provider else { return Ok(()) };
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
			if shard.provider != Some(me) {
				continue;
			}
			if state.store.has_shard(root, index) {
				// Stored since the chain was read (a push): still to be confirmed.
				if shard.awaits(&me) {
					state.mark_held(*root, index);
				}
				continue;
			}
			// A confirmed shard missing from the disk is rebuilt too (unless the test fault
			// threw it away on purpose).
			if shard.is_confirmed() && state.discard_confirmed {
				continue;
			}
			if let Err(e) = rebuild_shard(state, root, file, index).await {
				log::warn!("cannot rebuild shard {index} of {}: {e:#}", root_hex(root));
			}
		}
	}
	if let Ok(mut fraud) = state.fraud.lock() {
		fraud.retain(|root, _| on_chain.contains_key(root));
	}
	Ok(())
}

/// Removes what the chain no longer asks this worker to keep, where its directory has not
/// changed for [`State::gc_grace`]: a file the chain was seen to hold once its last block
/// (`expires-at`, as last seen) is past the best block `best` (a lagging node can only delay
/// this); a file never seen on chain (an upload never submitted); and, of a file on chain, the
/// shards assigned to another provider (a provider's worker, once they are pushed).
fn collect_garbage(
	state: &State,
	on_chain: &std::collections::BTreeMap<Hash, &ChainFile>,
	best: u64,
) -> anyhow::Result<()> {
	let now = SystemTime::now();
	for (root, changed) in state.store.files() {
		if now.duration_since(changed).unwrap_or_default() < state.gc_grace {
			continue;
		}
		match on_chain.get(&root) {
			None => {
				let over = state.store.expiry(&root).is_none_or(|last| best > u64::from(last));
				if over {
					state.store.remove(&root)?;
					log::info!("collected {}: not on chain", root_hex(&root));
				}
			},
			Some(file) => {
				let Some(me) = state.provider else { continue };
				for index in state.store.held_shards(&root) {
					let other = file
						.shards
						.get(index as usize)
						.is_some_and(|s| s.provider.is_some_and(|p| p != me));
					if other {
						state.store.remove_shard(&root, index)?;
						log::info!(
							"collected shard {index} of {}: assigned to another provider",
							root_hex(&root)
						);
					}
				}
			},
		}
	}
	Ok(())
}

/// Rebuilds shard `index` of `root`, newly assigned here, from any `k` shards of the others;
/// if the shards at hand are not one codeword, keeps the proof for the node to report.
async fn rebuild_shard(
	state: &State,
	root: &Hash,
	file: &ChainFile,
	index: u32,
) -> anyhow::Result<()> {
	let meta = FileMeta { layout: file.layout()?, shard_roots: file.shard_roots() };
	let k = meta.layout.data_shards as usize;
	let shards = match gather(state, root, &meta, Some(file), k).await {
		Ok(shards) => shards,
		Err(Failure(_, m)) => {
			log::info!("cannot gather {}: {m}", root_hex(root));
			return Ok(());
		},
	};
	let (layout, roots, tmp) =
		(meta.layout, meta.shard_roots.clone(), state.store.tmp_dir().to_path_buf());
	let rebuilt = tokio::task::spawn_blocking(move || {
		read::rebuild(&layout, &roots, &shards, &[index], &tmp).map(|mut r| r.swap_remove(0))
	})
	.await?;
	match rebuilt {
		Ok(files) => {
			state.store.put_meta(root, &meta)?;
			state.store.put_shard(root, index, files)?;
			state.mark_held(*root, index);
			log::info!("rebuilt shard {index} of {}", root_hex(root));
		},
		Err(Error::Erasure(zg_primitives::erasure::ErasureError::Inconsistent)) => {
			// The shards at hand are not one codeword: find where, with every shard that can
			// be had, and keep the proof for the node to report.
			log::warn!(
				"shard {index} of {} does not rebuild to its root: checking the codeword",
				root_hex(root)
			);
			let all = gather(state, root, &meta, Some(file), layout.total_shards() as usize).await;
			let found = match all {
				Ok(all) => {
					tokio::task::spawn_blocking(move || read::find_inconsistency(&layout, &all))
						.await??
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
	Ok(())
}
