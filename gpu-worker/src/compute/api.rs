//! The compute role's HTTP API, served by the worker's server ([`crate::server`]) beside the
//! storage routes, or alone by [`serve`].
//!
//! | method | path | what |
//! |---|---|---|
//! | `GET` | `/v1/models` | the models served here (OpenAI list; `owned_by` is the provider account) |
//! | `POST` | `/v1/chat/completions` | chat completion (OpenAI), streamed as server-sent events with `"stream": true` |
//! | `POST` | `/v1/completions` | text completion of a raw prompt (OpenAI, legacy), also streamable |
//! | `POST` | `/v1/embeddings` | embeddings of a string or an array of strings (OpenAI) |
//! | `POST` | `/compute/run` | one job for the node's offchain worker: SCALE [`RunRequest`] in; 202 while it runs, then SCALE [`RunResult`] out (loopback callers only, no authentication) |
//! | `GET` | `/metrics` | Prometheus metrics ([`super::metrics`]) |
//!
//! **Authentication: API keys that carry the user's consent.** Unless the API is open
//! (`--open-api`, for local use), every `/v1/*` request carries `Authorization: Bearer <key>`
//! (what OpenAI SDKs send for their `apiKey`), where the key is a spending capability signed by
//! the user ([`zg_primitives::compute::encode_api_key`]: `zgcap_` and the hex of the SCALE
//! capability and sr25519 signature). The worker accepts it if it names this provider and this
//! chain (genesis hash), has not expired (with a margin of [`EXPIRY_MARGIN`] blocks), and its
//! signature is the user's; otherwise 401. The chain checks the same when it settles.
//!
//! **Metering.** See [`super::meter`]: a request runs only if what the chain still allows under
//! the capability (its cap less what was settled under it, at most the user's allocation to
//! this provider) covers its largest possible cost, `usage_fee(input_price, output_price,
//! prompt_bound, max_tokens)`, where `prompt_bound` is the prompt's length in bytes plus 2 (no
//! tokenizer makes more tokens than bytes, beside a start and an end token); otherwise 402.
//! It is then charged the cost of the tokens the engine reports. The non-streaming answers
//! carry the charge in the header `x-zg-cost` (plancks).
//!
//! **Chat template.** Messages become one prompt, each as `<|ROLE|>\n` + its text + `\n`
//! (`ROLE` is `system` — `developer` too —, `user`, `assistant` or `tool`), followed by
//! `<|assistant|>\n` for the answer. For example
//! `[{system: "Be brief."}, {user: "Hi"}]` becomes
//! `"<|system|>\nBe brief.\n<|user|>\nHi\n<|assistant|>\n"`.
//!
//! **Jobs** (`/compute/run`, for the node's offchain worker). The first request for a job
//! starts it in the background and is answered 202; the next ones are answered 202 while it
//! runs, then 200 with the SCALE [`RunResult`]: an output, or a deterministic refusal
//! ([`Refusal`]: the stored input is gone or too large, the model cannot do the service's kind,
//! the input is longer than the context) that every worker running the same model reproduces.
//! What the worker cannot do now (the model's weights are not the job's `model_root`, the
//! engine or its upstream fails, the stored input cannot be read) is answered 503: the node
//! then submits nothing, and a verifier abstains.
//!
//! **Errors** are OpenAI's `{"error": {"message", "type", "param", "code"}}`: 400 for a
//! malformed request or too many tokens, 401 for a missing or invalid API key, 402 when the
//! key does not allow the request's largest cost, 403 for `/compute/run` from another host,
//! 404 for an unknown model, 413 for a body too large, 501 for what the engine cannot do,
//! 502/503 when the engine or the chain fails. A refused request changes nothing: nothing is
//! metered or counted.

use super::{
	engine::{Engine, FinishReason, GenerateParams, Generation, Refused},
	meter::{Grant, Meter, MeterError, Prices, Reservation},
	metrics::{JobStatus, Metrics},
};
use crate::{
	chain::{Account, ChainSignature},
	server::Body,
};
use bytes::Bytes;
use codec::{Decode, Encode};
use futures::future::BoxFuture;
use http_body_util::{BodyExt, Full};
use hyper::{
	body::{Frame, Incoming},
	header::HeaderMap,
	server::conn::http1,
	service::service_fn,
	Method, Request, Response, StatusCode,
};
use hyper_util::rt::TokioIo;
use serde::Deserialize;
use serde_json::{json, Value};
use std::{
	collections::{BTreeMap, HashMap},
	convert::Infallible,
	net::SocketAddr,
	pin::Pin,
	sync::{
		atomic::{AtomicU32, AtomicU64, Ordering},
		Arc, Mutex, RwLock,
	},
	task::{Context, Poll},
	time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};
use tokio::{net::TcpListener, sync::mpsc};
use zg_primitives::{
	compute::{
		decode_api_key, output_hash, JobOutcome, Refusal, RunInput, RunRequest, RunResult,
		ServiceKind, SpendingCapability, API_KEY_PREFIX,
	},
	Hash,
};

/// The largest `/v1/*` request body, in bytes.
const API_BODY_LIMIT: u64 = 4 << 20;
/// The largest `/compute/run` body, in bytes.
const RUN_BODY_LIMIT: u64 = 16 << 20;
/// The largest stored job input, in bytes.
const STORED_INPUT_LIMIT: u64 = 16 << 20;
/// A key that expires within this many blocks is refused: settlements need time to land.
pub const EXPIRY_MARGIN: u32 = 10;
/// How long a finished job's result is kept for the node to collect.
const RESULT_TTL: Duration = Duration::from_secs(600);
/// What `--fault-outputs` appends to the output of a job that is not a verification.
pub const FAULT_SUFFIX: &str = " [fault injected]";
/// Default `max_tokens` of a request that names none (or the cap, if lower).
pub const DEFAULT_MAX_TOKENS: u32 = 64;

/// Why a stored file could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FetchError {
	/// The file is not (or no longer) on chain: a deterministic refusal.
	Missing,
	/// The file is larger than the limit: a deterministic refusal.
	TooLarge,
	/// It could not be read now (providers unreachable, chain down): try later.
	Unavailable(String),
}

/// Reads a stored file (a job input in 0G Storage) by its root, at most `limit` bytes.
pub type FetchFn =
	Arc<dyn Fn(Hash, u64) -> BoxFuture<'static, Result<Vec<u8>, FetchError>> + Send + Sync>;

/// The address of the peer of a request, put in its extensions by the server.
#[derive(Clone, Copy, Debug)]
pub struct Peer(pub SocketAddr);

/// How the compute role is configured.
#[derive(Clone, Debug)]
pub struct ComputeConfig {
	/// The provider account this worker serves (its services' owner on chain).
	pub provider: Account,
	/// The largest `max_tokens` a request may ask for.
	pub max_tokens_cap: u32,
	/// Prices of the models that have none of their own ([`ComputeState::set_prices`]).
	pub prices: Prices,
	/// Append [`FAULT_SUFFIX`] to job outputs that are not verifications (tests of disputes).
	pub fault_outputs: bool,
	/// Append [`FAULT_SUFFIX`] to verification outputs: a dishonest verifier (tests of
	/// disputes).
	pub fault_votes: bool,
	/// The chain's genesis hash: API keys must name it.
	pub genesis: [u8; 32],
}

/// A job on the worker: running, or done with its answer.
enum Run {
	Running,
	Done { answer: Result<RunResult, String>, at: Instant },
}

/// The compute part of the worker's state: the engines by model id, the meter, the metrics.
pub struct ComputeState {
	engines: BTreeMap<String, Arc<dyn Engine>>,
	prices: RwLock<BTreeMap<String, Prices>>,
	config: ComputeConfig,
	meter: Option<Arc<Meter>>,
	metrics: Metrics,
	best_block: AtomicU32,
	runs: Mutex<HashMap<(u64, bool), Run>>,
}

impl ComputeState {
	/// Serves `engines` (by their model ids). With `meter`, requests must be signed and are
	/// metered; without, the API is open to anybody for free.
	pub fn new(
		config: ComputeConfig,
		engines: Vec<Arc<dyn Engine>>,
		meter: Option<Arc<Meter>>,
	) -> Self {
		let engines = engines.into_iter().map(|e| (e.model_id().to_string(), e)).collect();
		Self {
			engines,
			prices: RwLock::default(),
			config,
			meter,
			metrics: Metrics::default(),
			best_block: AtomicU32::new(0),
			runs: Mutex::default(),
		}
	}

	/// Notes the chain's best block (for the expiry of API keys).
	pub fn set_best_block(&self, number: u32) {
		self.best_block.store(number, Ordering::Relaxed);
	}

	/// Sets the prices of `model` (from its service on chain).
	pub fn set_prices(&self, model: &str, prices: Prices) {
		if let Ok(mut all) = self.prices.write() {
			all.insert(model.to_string(), prices);
		}
	}

	/// The prices of `model`.
	pub fn prices(&self, model: &str) -> Prices {
		self.prices
			.read()
			.ok()
			.and_then(|all| all.get(model).copied())
			.unwrap_or(self.config.prices)
	}

	/// The model ids served.
	pub fn models(&self) -> impl Iterator<Item = &str> {
		self.engines.keys().map(String::as_str)
	}

	/// The metrics.
	pub fn metrics(&self) -> &Metrics {
		&self.metrics
	}

	/// The meter (`None`: open API).
	pub fn meter(&self) -> Option<&Arc<Meter>> {
		self.meter.as_ref()
	}

	/// The provider account.
	pub fn provider(&self) -> Account {
		self.config.provider
	}
}

/// An error answer in OpenAI's shape.
#[derive(Debug)]
struct ApiError {
	status: StatusCode,
	kind: &'static str,
	message: String,
	param: Option<&'static str>,
	code: Option<&'static str>,
}

impl ApiError {
	fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> Self {
		Self { status, kind, message: message.into(), param: None, code: None }
	}

	fn invalid(message: impl Into<String>) -> Self {
		Self::new(StatusCode::BAD_REQUEST, "invalid_request_error", message)
	}

	fn unauthorized(message: impl Into<String>) -> Self {
		Self::new(StatusCode::UNAUTHORIZED, "authentication_error", message)
			.code("invalid_signature")
	}

	fn server(status: StatusCode, message: impl Into<String>) -> Self {
		Self::new(status, "server_error", message)
	}

	fn param(mut self, param: &'static str) -> Self {
		self.param = Some(param);
		self
	}

	fn code(mut self, code: &'static str) -> Self {
		self.code = Some(code);
		self
	}

	fn body(&self) -> Value {
		json!({ "error": {
			"message": self.message,
			"type": self.kind,
			"param": self.param,
			"code": self.code,
		}})
	}

	fn response(&self) -> Response<Body> {
		respond(self.status, "application/json", self.body().to_string())
	}
}

type Answer = Result<Response<Body>, ApiError>;

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

/// A response body fed by a channel (server-sent events).
pub(crate) struct ChannelBody(pub(crate) mpsc::Receiver<Bytes>);

impl hyper::body::Body for ChannelBody {
	type Data = Bytes;
	type Error = hyper::Error;

	fn poll_frame(
		mut self: Pin<&mut Self>,
		cx: &mut Context<'_>,
	) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
		self.0.poll_recv(cx).map(|chunk| chunk.map(|c| Ok(Frame::data(c))))
	}
}

/// Answers the compute routes; hands any other request back.
pub async fn route(
	compute: &Arc<ComputeState>,
	fetch: Option<FetchFn>,
	req: Request<Incoming>,
) -> Result<Response<Body>, Request<Incoming>> {
	let path = req.uri().path().trim_end_matches('/').to_string();
	let answer = match (req.method().clone(), path.as_str()) {
		(Method::GET, "/v1/models") => models(compute),
		(Method::POST, "/v1/chat/completions") => generate(compute, req, Flavor::Chat).await,
		(Method::POST, "/v1/completions") => generate(compute, req, Flavor::Text).await,
		(Method::POST, "/v1/embeddings") => embeddings(compute, req).await,
		(Method::POST, zg_primitives::worker_api::COMPUTE_RUN) => run(compute, fetch, req).await,
		(Method::GET, "/metrics") => {
			Ok(respond(StatusCode::OK, "text/plain; version=0.0.4", compute.metrics.render()))
		},
		_ => return Err(req),
	};
	Ok(answer.unwrap_or_else(|e| {
		log::info!("{path}: {} {}", e.status, e.message);
		e.response()
	}))
}

/// Serves only the compute API on `listener` (the worker's server serves it beside storage).
pub async fn serve(compute: Arc<ComputeState>, listener: TcpListener) -> anyhow::Result<()> {
	loop {
		let (stream, peer) = listener.accept().await?;
		let compute = compute.clone();
		tokio::spawn(async move {
			let service = service_fn(move |mut req: Request<Incoming>| {
				let compute = compute.clone();
				req.extensions_mut().insert(Peer(peer));
				async move {
					let response = match route(&compute, None, req).await {
						Ok(response) => response,
						Err(req) => ApiError::new(
							StatusCode::NOT_FOUND,
							"invalid_request_error",
							format!("no route for {} {}", req.method(), req.uri().path()),
						)
						.response(),
					};
					Ok::<_, Infallible>(response)
				}
			});
			if let Err(e) =
				http1::Builder::new().serve_connection(TokioIo::new(stream), service).await
			{
				log::debug!("connection closed: {e}");
			}
		});
	}
}

/// Reads a body, refusing more than `limit` bytes.
async fn read_body(body: Incoming, limit: u64) -> Result<Vec<u8>, ApiError> {
	let mut body = body;
	let mut out = Vec::new();
	while let Some(frame) = body.frame().await {
		let frame = frame.map_err(|e| ApiError::invalid(format!("the body is broken: {e}")))?;
		if let Ok(data) = frame.into_data() {
			if out.len() as u64 + data.len() as u64 > limit {
				return Err(ApiError::new(
					StatusCode::PAYLOAD_TOO_LARGE,
					"invalid_request_error",
					format!("the body is larger than {limit} bytes"),
				));
			}
			out.extend_from_slice(&data);
		}
	}
	Ok(out)
}

fn now_secs() -> u64 {
	SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// A fresh answer id with `prefix`.
fn answer_id(prefix: &str) -> String {
	static NEXT: AtomicU64 = AtomicU64::new(0);
	let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
	format!("{prefix}-{:x}{:04x}", nanos as u64, NEXT.fetch_add(1, Ordering::Relaxed) & 0xffff)
}

fn models(compute: &ComputeState) -> Answer {
	let owner = format!("0x{}", hex::encode(compute.config.provider));
	let data: Vec<Value> = compute
		.engines
		.values()
		.map(|e| {
			json!({
				"id": e.model_id(),
				"object": "model",
				"created": 0,
				"owned_by": owner,
			})
		})
		.collect();
	Ok(respond(
		StatusCode::OK,
		"application/json",
		json!({ "object": "list", "data": data }).to_string(),
	))
}

/// The user's grant in an API key, checked: this provider, this chain, not expired, signed by
/// the user. `None` when the API is open.
fn authenticate(compute: &ComputeState, headers: &HeaderMap) -> Result<Option<Grant>, ApiError> {
	if compute.meter.is_none() {
		return Ok(None);
	}
	let header = headers
		.get(hyper::header::AUTHORIZATION)
		.ok_or_else(|| ApiError::unauthorized("missing Authorization: Bearer <API key>"))?;
	let key = header
		.to_str()
		.ok()
		.and_then(|v| v.trim().strip_prefix("Bearer "))
		.map(str::trim)
		.ok_or_else(|| {
			ApiError::unauthorized("malformed Authorization: expected Bearer <API key>")
		})?;
	let (capability, signature): (SpendingCapability<[u8; 32], u32>, ChainSignature) =
		decode_api_key(key).ok_or_else(|| {
			ApiError::unauthorized(format!(
				"not a 0G API key: expected {API_KEY_PREFIX} and a signed spending capability"
			))
		})?;
	let ChainSignature::Sr25519(bytes) = signature else {
		return Err(ApiError::unauthorized("only sr25519-signed API keys are accepted"));
	};
	if capability.provider != compute.config.provider {
		return Err(ApiError::unauthorized(format!(
			"this API key is for provider 0x{}, not 0x{}",
			hex::encode(capability.provider),
			hex::encode(compute.config.provider)
		)));
	}
	if capability.genesis.0 != compute.config.genesis {
		return Err(ApiError::unauthorized("this API key is for another chain"));
	}
	let best = compute.best_block.load(Ordering::Relaxed);
	if capability.expires_at <= best.saturating_add(EXPIRY_MARGIN) {
		return Err(ApiError::unauthorized(format!(
			"this API key expires at block {}: sign a new one",
			capability.expires_at
		))
		.code("expired_api_key"));
	}
	if !subxt_signer::sr25519::verify(
		&subxt_signer::sr25519::Signature(bytes),
		capability.signing_payload(),
		&subxt_signer::sr25519::PublicKey(capability.user),
	) {
		return Err(ApiError::unauthorized("the API key's signature is not its user's"));
	}
	Ok(Some(Grant { capability, signature: bytes }))
}

/// No tokenizer makes more tokens of `text` than its bytes plus two.
fn token_bound(text: &str) -> u32 {
	zg_primitives::compute::input_token_bound(text.len() as u64)
}

/// A request that passed every check: its engine, its reservation, its prices.
struct Admitted {
	engine: Arc<dyn Engine>,
	model: String,
	prices: Prices,
	reservation: Option<Reservation>,
}

/// Finds the model's engine and reserves the request's largest cost under the caller's grant.
async fn admit(
	compute: &ComputeState,
	caller: Option<Grant>,
	model: &str,
	embed: bool,
	prompt_bound: u32,
	max_tokens: u32,
) -> Result<Admitted, ApiError> {
	let engine = compute.engines.get(model).cloned().ok_or_else(|| {
		ApiError::new(
			StatusCode::NOT_FOUND,
			"invalid_request_error",
			format!("the model {model} does not exist here"),
		)
		.param("model")
		.code("model_not_found")
	})?;
	let can = if embed { engine.can_embed() } else { engine.can_generate() };
	if !can {
		let what = if embed { "embeddings" } else { "text generation" };
		return Err(ApiError::invalid(format!("the model {model} does not do {what}"))
			.param("model")
			.code("unsupported_model"));
	}
	let prices = compute.prices(model);
	let reservation = match (&compute.meter, caller) {
		(Some(meter), Some(grant)) => {
			let max_cost = prices.cost(prompt_bound, max_tokens);
			match meter.reserve(&grant, max_cost).await {
				Ok(reservation) => Some(reservation),
				Err(e @ MeterError::Insufficient { .. }) => {
					return Err(ApiError::new(
						StatusCode::PAYMENT_REQUIRED,
						"insufficient_quota",
						format!(
							"{e}; allocate more to provider 0x{} or sign a key with a larger cap",
							hex::encode(compute.config.provider)
						),
					)
					.code("insufficient_quota"))
				},
				Err(e) => {
					return Err(ApiError::server(StatusCode::SERVICE_UNAVAILABLE, e.to_string()))
				},
			}
		},
		_ => None,
	};
	Ok(Admitted { engine, model: model.to_string(), prices, reservation })
}

/// Meters and counts a finished run; returns the cost charged.
fn finish(
	compute: &ComputeState,
	admitted: &mut Admitted,
	result: Result<(u32, u32), ()>,
	seconds: f64,
) -> u128 {
	match result {
		Ok((prompt_tokens, completion_tokens)) => {
			let cost = admitted.prices.cost(prompt_tokens, completion_tokens);
			if let Some(reservation) = admitted.reservation.take() {
				reservation.commit(cost);
			}
			compute.metrics.record(
				&admitted.model,
				JobStatus::Ok,
				prompt_tokens,
				completion_tokens,
				seconds,
			);
			cost
		},
		Err(()) => {
			// Dropping the reservation releases it.
			admitted.reservation = None;
			compute.metrics.record(&admitted.model, JobStatus::Error, 0, 0, seconds);
			0
		},
	}
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
	One(String),
	Many(Vec<String>),
}

impl OneOrMany {
	fn into_vec(self) -> Vec<String> {
		match self {
			OneOrMany::One(s) => vec![s],
			OneOrMany::Many(v) => v,
		}
	}
}

#[derive(Deserialize)]
struct ContentPart {
	#[serde(rename = "type")]
	kind: String,
	#[serde(default)]
	text: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Content {
	Text(String),
	Parts(Vec<ContentPart>),
}

#[derive(Deserialize)]
struct Message {
	role: String,
	#[serde(default)]
	content: Option<Content>,
}

/// The fields of a chat or text completion request this worker reads (others are ignored).
#[derive(Deserialize)]
struct CompletionRequest {
	model: String,
	#[serde(default)]
	messages: Option<Vec<Message>>,
	#[serde(default)]
	prompt: Option<OneOrMany>,
	#[serde(default)]
	max_tokens: Option<u32>,
	#[serde(default)]
	max_completion_tokens: Option<u32>,
	#[serde(default)]
	temperature: Option<f32>,
	#[serde(default)]
	seed: Option<u64>,
	#[serde(default)]
	stop: Option<OneOrMany>,
	#[serde(default)]
	stream: Option<bool>,
	#[serde(default)]
	n: Option<u32>,
}

/// Applies the chat template (see the module documentation).
fn chat_prompt(messages: &[Message]) -> Result<String, ApiError> {
	if messages.is_empty() {
		return Err(ApiError::invalid("messages is empty").param("messages"));
	}
	let mut prompt = String::new();
	for message in messages {
		let role = match message.role.as_str() {
			"system" | "developer" => "system",
			"user" => "user",
			"assistant" => "assistant",
			"tool" => "tool",
			other => {
				return Err(ApiError::invalid(format!("unknown role {other}")).param("messages"))
			},
		};
		prompt.push_str("<|");
		prompt.push_str(role);
		prompt.push_str("|>\n");
		match &message.content {
			None => {},
			Some(Content::Text(text)) => prompt.push_str(text),
			Some(Content::Parts(parts)) => {
				for part in parts {
					match (part.kind.as_str(), &part.text) {
						("text", Some(text)) => prompt.push_str(text),
						(kind, _) => {
							return Err(ApiError::invalid(format!(
								"content parts of type {kind} are not supported"
							))
							.param("messages"))
						},
					}
				}
			},
		}
		prompt.push('\n');
	}
	prompt.push_str("<|assistant|>\n");
	Ok(prompt)
}

fn bad_json(e: serde_json::Error) -> ApiError {
	ApiError::invalid(format!("malformed request: {e}")).code("invalid_json")
}

/// Chat (`/v1/chat/completions`) or text (`/v1/completions`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Flavor {
	Chat,
	Text,
}

impl Flavor {
	fn object(self, chunk: bool) -> &'static str {
		match (self, chunk) {
			(Flavor::Chat, false) => "chat.completion",
			(Flavor::Chat, true) => "chat.completion.chunk",
			(Flavor::Text, _) => "text_completion",
		}
	}

	/// One choice: the whole answer, or a streamed piece (`finish` on the last).
	fn choice(self, text: Option<&str>, finish: Option<FinishReason>, chunk: bool) -> Value {
		let finish = finish.map(FinishReason::as_str);
		match (self, chunk) {
			(Flavor::Chat, false) => json!({
				"index": 0,
				"message": { "role": "assistant", "content": text.unwrap_or("") },
				"finish_reason": finish,
				"logprobs": null,
			}),
			(Flavor::Chat, true) => json!({
				"index": 0,
				"delta": text.map(|t| json!({ "content": t })).unwrap_or_else(|| json!({})),
				"finish_reason": finish,
				"logprobs": null,
			}),
			(Flavor::Text, _) => json!({
				"index": 0,
				"text": text.unwrap_or(""),
				"finish_reason": finish,
				"logprobs": null,
			}),
		}
	}
}

fn usage_json(prompt_tokens: u32, completion_tokens: u32) -> Value {
	json!({
		"prompt_tokens": prompt_tokens,
		"completion_tokens": completion_tokens,
		"total_tokens": u64::from(prompt_tokens) + u64::from(completion_tokens),
	})
}

async fn generate(compute: &Arc<ComputeState>, req: Request<Incoming>, flavor: Flavor) -> Answer {
	let (parts, body) = req.into_parts();
	let body = read_body(body, API_BODY_LIMIT).await?;
	let caller = authenticate(compute, &parts.headers)?;
	let request: CompletionRequest = serde_json::from_slice(&body).map_err(bad_json)?;
	let prompt = match flavor {
		Flavor::Chat => chat_prompt(
			request
				.messages
				.as_deref()
				.ok_or_else(|| ApiError::invalid("messages is missing").param("messages"))?,
		)?,
		Flavor::Text => match request.prompt.map(OneOrMany::into_vec) {
			Some(mut prompts) if prompts.len() == 1 => prompts.remove(0),
			_ => return Err(ApiError::invalid("prompt must be one string").param("prompt")),
		},
	};
	if request.n.is_some_and(|n| n != 1) {
		return Err(ApiError::invalid("only n = 1 is supported").param("n"));
	}
	let max_tokens = request
		.max_completion_tokens
		.or(request.max_tokens)
		.unwrap_or_else(|| DEFAULT_MAX_TOKENS.min(compute.config.max_tokens_cap));
	if max_tokens == 0 || max_tokens > compute.config.max_tokens_cap {
		return Err(ApiError::invalid(format!(
			"max_tokens must be between 1 and {}, not {max_tokens}",
			compute.config.max_tokens_cap
		))
		.param("max_tokens")
		.code("max_tokens_too_large"));
	}
	let temperature = request.temperature.unwrap_or(1.0);
	if !(0.0..=2.0).contains(&temperature) {
		return Err(ApiError::invalid("temperature must be between 0 and 2").param("temperature"));
	}
	let params = GenerateParams {
		max_tokens,
		temperature,
		seed: request.seed.unwrap_or_else(|| {
			SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0)
		}),
		deterministic: temperature == 0.0,
		stop: request.stop.map(OneOrMany::into_vec).unwrap_or_default(),
	};
	let admitted =
		admit(compute, caller, &request.model, false, token_bound(&prompt), max_tokens).await?;
	let meta = Meta {
		id: answer_id(if flavor == Flavor::Chat { "chatcmpl" } else { "cmpl" }),
		created: now_secs(),
		model: request.model,
		fingerprint: format!("zg-{}", admitted.engine.backend()),
		flavor,
	};
	if request.stream.unwrap_or(false) {
		Ok(stream(compute.clone(), admitted, prompt, params, meta))
	} else {
		complete(compute.clone(), admitted, prompt, params, meta).await
	}
}

/// What every answer of one request repeats.
struct Meta {
	id: String,
	created: u64,
	model: String,
	fingerprint: String,
	flavor: Flavor,
}

impl Meta {
	fn answer(&self, choice: Value, usage: Option<Value>, chunk: bool) -> Value {
		let mut answer = json!({
			"id": self.id,
			"object": self.flavor.object(chunk),
			"created": self.created,
			"model": self.model,
			"system_fingerprint": self.fingerprint,
			"choices": [choice],
		});
		if let Some(usage) = usage {
			answer["usage"] = usage;
		}
		answer
	}
}

/// Runs the engine on a blocking thread, meters and counts the run.
fn run_engine(
	compute: &ComputeState,
	admitted: &mut Admitted,
	prompt: &str,
	params: &GenerateParams,
	on_token: &mut dyn FnMut(&str) -> bool,
) -> (anyhow::Result<Generation>, u128) {
	let start = Instant::now();
	let result = admitted.engine.generate(prompt, params, on_token);
	let counts = result.as_ref().map(|g| (g.prompt_tokens, g.completion_tokens)).map_err(|_| ());
	let cost = finish(compute, admitted, counts, start.elapsed().as_secs_f64());
	(result, cost)
}

async fn complete(
	compute: Arc<ComputeState>,
	mut admitted: Admitted,
	prompt: String,
	params: GenerateParams,
	meta: Meta,
) -> Answer {
	let queued = compute.metrics.enqueue();
	let (result, cost) = tokio::task::spawn_blocking(move || {
		let _queued = queued;
		run_engine(&compute, &mut admitted, &prompt, &params, &mut |_| true)
	})
	.await
	.map_err(|e| ApiError::server(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
	let generation = result.map_err(|e| {
		ApiError::server(StatusCode::BAD_GATEWAY, format!("the engine failed: {e:#}"))
	})?;
	let answer = meta.answer(
		meta.flavor.choice(Some(&generation.text), Some(generation.finish_reason), false),
		Some(usage_json(generation.prompt_tokens, generation.completion_tokens)),
		false,
	);
	let mut response = respond(StatusCode::OK, "application/json", answer.to_string());
	if let Ok(cost) = cost.to_string().parse() {
		response.headers_mut().insert("x-zg-cost", cost);
	}
	Ok(response)
}

fn event(value: &Value) -> Bytes {
	Bytes::from(format!("data: {value}\n\n"))
}

/// Streams the generation as server-sent events: one chunk per piece of text, a last chunk
/// with the finish reason and the usage, then `data: [DONE]`. A client that goes away stops
/// the generation; it pays for what was generated.
fn stream(
	compute: Arc<ComputeState>,
	mut admitted: Admitted,
	prompt: String,
	params: GenerateParams,
	meta: Meta,
) -> Response<Body> {
	let (tx, rx) = mpsc::channel::<Bytes>(64);
	let queued = compute.metrics.enqueue();
	tokio::task::spawn_blocking(move || {
		let _queued = queued;
		if meta.flavor == Flavor::Chat {
			let first = meta.flavor.choice(None, None, true);
			let mut first = meta.answer(first, None, true);
			first["choices"][0]["delta"] = json!({ "role": "assistant", "content": "" });
			if tx.blocking_send(event(&first)).is_err() {
				return;
			}
		}
		let mut on_token = |piece: &str| {
			let chunk = meta.answer(meta.flavor.choice(Some(piece), None, true), None, true);
			tx.blocking_send(event(&chunk)).is_ok()
		};
		let (result, _) = run_engine(&compute, &mut admitted, &prompt, &params, &mut on_token);
		let last = match result {
			Ok(g) => meta.answer(
				meta.flavor.choice(None, Some(g.finish_reason), true),
				Some(usage_json(g.prompt_tokens, g.completion_tokens)),
				true,
			),
			Err(e) => {
				ApiError::server(StatusCode::BAD_GATEWAY, format!("the engine failed: {e:#}"))
					.body()
			},
		};
		let _ = tx.blocking_send(event(&last));
		let _ = tx.blocking_send(Bytes::from_static(b"data: [DONE]\n\n"));
	});
	Response::builder()
		.status(StatusCode::OK)
		.header("content-type", "text/event-stream")
		.header("cache-control", "no-cache")
		.body(ChannelBody(rx).boxed())
		.unwrap_or_else(|_| Response::new(full(Bytes::new())))
}

#[derive(Deserialize)]
struct EmbeddingsRequest {
	model: String,
	input: OneOrMany,
	#[serde(default)]
	encoding_format: Option<String>,
}

async fn embeddings(compute: &Arc<ComputeState>, req: Request<Incoming>) -> Answer {
	let (parts, body) = req.into_parts();
	let body = read_body(body, API_BODY_LIMIT).await?;
	let caller = authenticate(compute, &parts.headers)?;
	let request: EmbeddingsRequest = serde_json::from_slice(&body).map_err(bad_json)?;
	if request.encoding_format.as_deref().is_some_and(|f| f != "float") {
		return Err(
			ApiError::invalid("only encoding_format float is supported").param("encoding_format")
		);
	}
	let inputs = request.input.into_vec();
	if inputs.is_empty() {
		return Err(ApiError::invalid("input is empty").param("input"));
	}
	let bound = inputs.iter().fold(0u32, |sum, text| sum.saturating_add(token_bound(text)));
	let mut admitted = admit(compute, caller, &request.model, true, bound, 0).await?;
	let queued = compute.metrics.enqueue();
	let worker = compute.clone();
	let result = tokio::task::spawn_blocking(move || {
		let _queued = queued;
		let start = Instant::now();
		let result = admitted.engine.embed(&inputs);
		let counts = result.as_ref().map(|e| (e.prompt_tokens, 0)).map_err(|_| ());
		let cost = finish(&worker, &mut admitted, counts, start.elapsed().as_secs_f64());
		result.map(|e| (e, cost))
	})
	.await
	.map_err(|e| ApiError::server(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
	let (embeddings, cost) = result.map_err(|e| {
		ApiError::server(StatusCode::BAD_GATEWAY, format!("the engine failed: {e:#}"))
	})?;
	let data: Vec<Value> = embeddings
		.vectors
		.iter()
		.enumerate()
		.map(
			|(index, vector)| json!({ "object": "embedding", "index": index, "embedding": vector }),
		)
		.collect();
	let answer = json!({
		"object": "list",
		"data": data,
		"model": request.model,
		"usage": { "prompt_tokens": embeddings.prompt_tokens, "total_tokens": embeddings.prompt_tokens },
	});
	let mut response = respond(StatusCode::OK, "application/json", answer.to_string());
	if let Ok(cost) = cost.to_string().parse() {
		response.headers_mut().insert("x-zg-cost", cost);
	}
	Ok(response)
}

/// `POST /compute/run`: one job for the node's offchain worker, run in the background (see
/// the module documentation): 202 while it runs, then 200 with the SCALE [`RunResult`], or 503
/// when it cannot be run now.
async fn run(
	compute: &Arc<ComputeState>,
	fetch: Option<FetchFn>,
	req: Request<Incoming>,
) -> Answer {
	if let Some(Peer(peer)) = req.extensions().get::<Peer>() {
		if !peer.ip().is_loopback() {
			return Err(ApiError::new(
				StatusCode::FORBIDDEN,
				"permission_error",
				"/compute/run serves the local node only",
			));
		}
	}
	let body = read_body(req.into_body(), RUN_BODY_LIMIT).await?;
	let request = RunRequest::decode(&mut &body[..])
		.map_err(|e| ApiError::invalid(format!("not a SCALE RunRequest: {e}")))?;
	let key = (request.job, request.verify);
	{
		let mut runs = compute
			.runs
			.lock()
			.map_err(|_| ApiError::server(StatusCode::INTERNAL_SERVER_ERROR, "poisoned"))?;
		runs.retain(|_, r| !matches!(r, Run::Done { at, .. } if at.elapsed() > RESULT_TTL));
		match runs.get(&key) {
			Some(Run::Running) => {
				return Ok(respond(StatusCode::ACCEPTED, "text/plain", "running"))
			},
			Some(Run::Done { answer: Ok(result), .. }) => {
				return Ok(respond(StatusCode::OK, "application/octet-stream", result.encode()))
			},
			Some(Run::Done { answer: Err(message), .. }) => {
				return Err(ApiError::server(StatusCode::SERVICE_UNAVAILABLE, message.clone()))
			},
			None => {
				runs.insert(key, Run::Running);
			},
		}
	}
	let worker = compute.clone();
	tokio::spawn(async move {
		let answer = execute(&worker, fetch, request).await;
		if let Err(message) = &answer {
			log::warn!("job {}: cannot run it now: {message}", key.0);
		}
		if let Ok(mut runs) = worker.runs.lock() {
			runs.insert(key, Run::Done { answer, at: Instant::now() });
		}
	});
	Ok(respond(StatusCode::ACCEPTED, "text/plain", "started"))
}

fn refused(refusal: Refusal) -> RunResult {
	RunResult { outcome: JobOutcome::Refused(refusal), output_root: None }
}

/// Runs one job deterministically: its result (an output or a refusal), or why it cannot be
/// run now.
async fn execute(
	compute: &Arc<ComputeState>,
	fetch: Option<FetchFn>,
	request: RunRequest,
) -> Result<RunResult, String> {
	let model = String::from_utf8(request.model.clone())
		.map_err(|_| "the model id is not UTF-8".to_string())?;
	let engine = compute
		.engines
		.get(&model)
		.cloned()
		.ok_or_else(|| format!("the model {model} is not served here"))?;
	if let Some(root) = engine.model_root() {
		if root != request.model_root.0 {
			return Err(format!(
				"the weights of {model} (0x{}) are not the job's model root (0x{})",
				hex::encode(root),
				hex::encode(request.model_root.0)
			));
		}
	}
	// A job's `max_tokens` was accepted on chain under this provider's own service terms, so
	// the API's cap does not apply. What the model cannot do is a deterministic refusal.
	let can = match request.kind {
		ServiceKind::Inference | ServiceKind::Agent => engine.can_generate(),
		ServiceKind::FineTuning => false,
	};
	if !can {
		return Ok(refused(Refusal::WrongKind));
	}
	let input = match &request.input {
		RunInput::Inline(bytes) => bytes.clone(),
		RunInput::Stored(root) => {
			let fetch = fetch.ok_or_else(|| "this worker cannot read 0G Storage".to_string())?;
			match fetch(Hash::from(root.0), STORED_INPUT_LIMIT).await {
				Ok(bytes) => bytes,
				Err(FetchError::Missing) => return Ok(refused(Refusal::InputMissing)),
				Err(FetchError::TooLarge) => return Ok(refused(Refusal::InputTooLarge)),
				Err(FetchError::Unavailable(message)) => {
					return Err(format!("cannot read the input: {message}"))
				},
			}
		},
	};
	// Bytes that are not UTF-8 are read lossily: deterministic, so verifiers get the same.
	let prompt = String::from_utf8_lossy(&input).into_owned();
	let params = GenerateParams {
		max_tokens: request.max_tokens,
		temperature: 0.0,
		seed: 0,
		deterministic: true,
		stop: Vec::new(),
	};
	let fault =
		if request.verify { compute.config.fault_votes } else { compute.config.fault_outputs };
	let mut admitted =
		Admitted { engine, model: model.clone(), prices: Prices::default(), reservation: None };
	let queued = compute.metrics.enqueue();
	let worker = compute.clone();
	let (result, _) = tokio::task::spawn_blocking(move || {
		let _queued = queued;
		run_engine(&worker, &mut admitted, &prompt, &params, &mut |_| true)
	})
	.await
	.map_err(|e| e.to_string())?;
	let mut generation = match result {
		Ok(generation) => generation,
		Err(e) => match e.downcast_ref::<Refused>() {
			Some(Refused(refusal)) => {
				log::info!("job {}: the engine refuses it: {e:#}", request.job);
				return Ok(refused(*refusal));
			},
			None => return Err(format!("the engine failed: {e:#}")),
		},
	};
	if fault {
		generation.text.push_str(FAULT_SUFFIX);
	}
	let result = RunResult {
		outcome: JobOutcome::Output {
			output_hash: output_hash(generation.text.as_bytes()),
			input_tokens: generation.prompt_tokens,
			output_tokens: generation.completion_tokens,
		},
		output_root: None,
	};
	log::info!(
		"job {} on {model}: {} + {} tokens{}",
		request.job,
		generation.prompt_tokens,
		generation.completion_tokens,
		if request.verify { " (verification)" } else { "" }
	);
	Ok(result)
}

#[cfg(test)]
#[path = "api_tests.rs"]
mod tests;
