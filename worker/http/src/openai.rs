//! The OpenAI-compatible API of the compute role (on the public listener).
//!
//! | method | path | what |
//! |---|---|---|
//! | `GET` | `/v1/models` | the models served here ([`ModelList`]; `owned_by` is the provider account) |
//! | `POST` | `/v1/chat/completions` | chat completion ([`ChatCompletion`]); with `"stream": true`, server-sent [`ChatChunk`]s |
//! | `POST` | `/v1/completions` | text completion of a raw prompt (legacy, [`TextCompletion`]), also streamable |
//! | `POST` | `/v1/embeddings` | embeddings of a string or an array of strings ([`EmbeddingList`]) |
//!
//! **API keys** are spending capabilities signed by their users (`zgcap_…`), sent as
//! `Authorization: Bearer <key>`, which is what OpenAI SDKs send for their `apiKey`: the SDKs
//! need only `baseURL` and `apiKey`. Unless the API is open (`--open-api`, for local use), a
//! request without a valid key gets 401 (see `zg_compute_market`).
//!
//! **Metering.** A request runs only if what the chain still allows under the key covers its
//! largest possible cost (`prompt bytes + 2` input tokens, `max_tokens` output tokens, at the
//! model's prices); otherwise 402. It is then charged the tokens the engine reports. Answers
//! that are not streamed carry the charge and what is left under the key in the headers
//! `x-zg-cost` and `x-zg-budget-left` (plancks).
//!
//! **Streaming** follows OpenAI: chunks as server-sent events, then `data: [DONE]`; the usage
//! comes in one more chunk (with no choices) only when `stream_options.include_usage` is set.
//! A client that goes away (streamed or not) stops the generation and pays for what was
//! generated until then.
//!
//! **Chats** go to the model's engine as messages (roles `system` — `developer` too —,
//! `user`, `assistant`, `tool`; text content only): the engine applies its model's chat
//! template (`zg_compute_engine::Engine::chat_prompt`; the built-in models use
//! `zg_compute_engine::plain_chat_prompt`), and a forwarding engine passes the messages to
//! its upstream's `/v1/chat/completions`, whose own template applies.
//!
//! **Errors** are [`ApiError`]s in OpenAI's shape: 400 for a malformed request or too many
//! tokens, 401 for a missing or invalid API key, 402 when the key does not allow the request's
//! largest cost, 404 for an unknown model, 413 for a body too large, 429 when too many
//! requests run at once (`--max-inflight`), 502/503 when the engine or the chain fails. A
//! refused request changes nothing: nothing is metered or counted.

use crate::error::ApiError;
use crate::Arrived;
use axum::{
	async_trait,
	body::Bytes,
	extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Request, State},
	http::{header, request::Parts, HeaderValue, StatusCode},
	response::{
		sse::{Event, Sse},
		IntoResponse, Response,
	},
	routing::{get, post},
	Json, Router,
};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use std::{
	convert::Infallible,
	sync::{
		atomic::{AtomicBool, AtomicU64, Ordering},
		Arc,
	},
	time::{SystemTime, UNIX_EPOCH},
};
use tokio::sync::mpsc;
use zg_compute_engine::{
	request::{self, Flavor, Prompt, RequestError},
	ChatMessage, FinishReason, GenerateParams,
};
use zg_compute_market::{Admitted, Charge, ComputeState, Deadline, Grant};

/// The largest request body, in bytes.
const API_BODY_LIMIT: usize = 4 << 20;

type Compute = Arc<ComputeState>;

/// The paths of this API (a path under one of them that no route takes gets a 404 in
/// OpenAI's shape).
pub const PATHS: [&str; 4] = ["/v1/models", "/v1/chat/", "/v1/completions", "/v1/embeddings"];

/// The OpenAI routes over `compute`.
pub fn routes(compute: Compute) -> Router {
	Router::new()
		.route("/v1/models", get(models))
		.route("/v1/chat/completions", post(chat))
		.route("/v1/completions", post(text))
		.route("/v1/embeddings", post(embeddings))
		.layer(DefaultBodyLimit::max(API_BODY_LIMIT))
		.with_state(compute)
}

/// A request's body, arrived within [`crate::BODY_TIMEOUT`] and at most 4 MiB, or an
/// [`ApiError`]; what it says is read by [`zg_compute_engine::request`].
pub struct ApiBody(pub Bytes);

#[async_trait]
impl<S: Send + Sync> FromRequest<S> for ApiBody {
	type Rejection = ApiError;

	async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
		let body = tokio::time::timeout(crate::BODY_TIMEOUT, Bytes::from_request(req, state));
		let body = body.await.map_err(|_| {
			ApiError::new(
				StatusCode::REQUEST_TIMEOUT,
				"invalid_request_error",
				format!("the body did not arrive within {} s", crate::BODY_TIMEOUT.as_secs()),
			)
		})?;
		body.map(ApiBody).map_err(|rejection| {
			let status = rejection.status();
			if status == StatusCode::PAYLOAD_TOO_LARGE {
				ApiError::new(
					status,
					"invalid_request_error",
					format!("the body is larger than {API_BODY_LIMIT} bytes"),
				)
			} else {
				ApiError::invalid(format!("the body is broken: {rejection}"))
			}
		})
	}
}

impl From<RequestError> for ApiError {
	fn from(e: RequestError) -> Self {
		let mut error = ApiError::invalid(e.message);
		error.param = e.param;
		error.code = e.code;
		error
	}
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

/// The caller's grant, from its API key (`None` when the API is open). As an extractor it
/// runs before the body is read: a request without a valid key is refused before its body
/// costs anything.
pub struct Caller(pub Option<Grant>);

#[async_trait]
impl FromRequestParts<Compute> for Caller {
	type Rejection = ApiError;

	async fn from_request_parts(parts: &mut Parts, compute: &Compute) -> Result<Self, ApiError> {
		let header = parts.headers.get(header::AUTHORIZATION).map(|v| v.to_str().unwrap_or(""));
		Ok(Caller(compute.authenticate(header)?))
	}
}

/// `GET /v1/models`.
#[derive(Debug, Serialize, Deserialize)]
pub struct ModelList {
	/// `list`.
	pub object: String,
	/// The models.
	pub data: Vec<ModelCard>,
}

/// One model.
#[derive(Debug, Serialize, Deserialize)]
pub struct ModelCard {
	/// Its id (what requests name).
	pub id: String,
	/// `model`.
	pub object: String,
	/// 0.
	pub created: u64,
	/// The provider account.
	pub owned_by: String,
}

async fn models(State(compute): State<Compute>) -> Json<ModelList> {
	let owner = format!("0x{}", hex::encode(compute.provider()));
	let data = compute
		.models()
		.map(|id| ModelCard {
			id: id.to_string(),
			object: "model".into(),
			created: 0,
			owned_by: owner.clone(),
		})
		.collect();
	Json(ModelList { object: "list".into(), data })
}

/// Token counts.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Usage {
	/// Input tokens.
	pub prompt_tokens: u32,
	/// Output tokens.
	pub completion_tokens: u32,
	/// Both.
	pub total_tokens: u64,
}

impl Usage {
	fn new(prompt_tokens: u32, completion_tokens: u32) -> Self {
		let total_tokens = u64::from(prompt_tokens) + u64::from(completion_tokens);
		Self { prompt_tokens, completion_tokens, total_tokens }
	}
}

/// The assistant's message.
#[derive(Debug, Serialize, Deserialize)]
pub struct AssistantMessage {
	/// `assistant`.
	pub role: String,
	/// The text.
	pub content: String,
}

/// A chat answer's choice.
#[derive(Debug, Serialize, Deserialize)]
pub struct ChatChoice {
	/// 0.
	pub index: u32,
	/// The answer.
	pub message: AssistantMessage,
	/// `stop` or `length`.
	pub finish_reason: Option<String>,
	/// Not given.
	pub logprobs: Option<()>,
}

/// A chat completion (`object`: `chat.completion`).
#[derive(Debug, Serialize, Deserialize)]
pub struct ChatCompletion {
	/// The answer's id.
	pub id: String,
	/// `chat.completion`.
	pub object: String,
	/// Unix time.
	pub created: u64,
	/// The model.
	pub model: String,
	/// `zg-<backend>`.
	pub system_fingerprint: String,
	/// One choice.
	pub choices: Vec<ChatChoice>,
	/// Token counts.
	pub usage: Usage,
}

/// A streamed piece of a chat answer.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Delta {
	/// `assistant`, in the first chunk.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub role: Option<String>,
	/// The text.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub content: Option<String>,
}

/// A streamed chat choice.
#[derive(Debug, Serialize, Deserialize)]
pub struct ChunkChoice {
	/// 0.
	pub index: u32,
	/// The piece.
	pub delta: Delta,
	/// In the last chunk with a choice.
	pub finish_reason: Option<String>,
	/// Not given.
	pub logprobs: Option<()>,
}

/// A text choice (whole or streamed).
#[derive(Debug, Serialize, Deserialize)]
pub struct TextChoice {
	/// 0.
	pub index: u32,
	/// The text.
	pub text: String,
	/// `stop` or `length`, when done.
	pub finish_reason: Option<String>,
	/// Not given.
	pub logprobs: Option<()>,
}

/// A chunk of a streamed answer (`chat.completion.chunk`, or `text_completion` for text).
#[derive(Debug, Serialize, Deserialize)]
pub struct Chunk<C> {
	/// The answer's id.
	pub id: String,
	/// `chat.completion.chunk` or `text_completion`.
	pub object: String,
	/// Unix time.
	pub created: u64,
	/// The model.
	pub model: String,
	/// `zg-<backend>`.
	pub system_fingerprint: String,
	/// The pieces (none in the usage chunk).
	pub choices: Vec<C>,
	/// Token counts: in the last chunk only, and only if asked for; `null` elsewhere.
	pub usage: Option<Usage>,
}

/// A chat chunk.
pub type ChatChunk = Chunk<ChunkChoice>;

/// A text completion (`text_completion`), or a chunk of one.
pub type TextCompletion = Chunk<TextChoice>;

/// What a completion continues: a raw prompt, or a chat for the model's template.
enum Input {
	Prompt(String),
	/// The messages, and the prompt the model's template renders them to (once, here).
	Chat(Vec<ChatMessage>, String),
}

impl Input {
	/// Runs the request on its admitted engine (on a blocking thread).
	fn run(
		&self,
		admitted: Admitted,
		params: &GenerateParams,
		on_token: &mut dyn FnMut(&str) -> bool,
	) -> (anyhow::Result<zg_compute_engine::Generation>, Charge) {
		match self {
			Input::Prompt(prompt) => admitted.generate(prompt, params, on_token),
			Input::Chat(messages, prompt) => admitted.chat(messages, prompt, params, on_token),
		}
	}
}

/// What every answer of one request repeats.
struct Meta {
	id: String,
	created: u64,
	model: String,
	fingerprint: String,
	flavor: Flavor,
	include_usage: bool,
}

impl Meta {
	fn object(&self, chunk: bool) -> String {
		match (self.flavor, chunk) {
			(Flavor::Chat, false) => "chat.completion",
			(Flavor::Chat, true) => "chat.completion.chunk",
			(Flavor::Text, _) => "text_completion",
		}
		.into()
	}

	fn chunk<C>(&self, choices: Vec<C>, usage: Option<Usage>) -> Chunk<C> {
		Chunk {
			id: self.id.clone(),
			object: self.object(true),
			created: self.created,
			model: self.model.clone(),
			system_fingerprint: self.fingerprint.clone(),
			choices,
			usage,
		}
	}

	/// The server-sent event of one piece (`text`) or of the end (`finish`).
	fn piece(&self, role: bool, text: Option<&str>, finish: Option<FinishReason>) -> Event {
		let finish_reason = finish.map(|f| f.as_str().to_string());
		match self.flavor {
			Flavor::Chat => event(&self.chunk(
				vec![ChunkChoice {
					index: 0,
					delta: Delta {
						role: role.then(|| "assistant".into()),
						content: text.map(str::to_string),
					},
					finish_reason,
					logprobs: None,
				}],
				None,
			)),
			Flavor::Text => event(&self.chunk(
				vec![TextChoice {
					index: 0,
					text: text.unwrap_or("").to_string(),
					finish_reason,
					logprobs: None,
				}],
				None,
			)),
		}
	}

	/// The usage chunk (no choices).
	fn usage(&self, usage: Usage) -> Event {
		match self.flavor {
			Flavor::Chat => event(&self.chunk::<ChunkChoice>(Vec::new(), Some(usage))),
			Flavor::Text => event(&self.chunk::<TextChoice>(Vec::new(), Some(usage))),
		}
	}
}

fn event(value: &impl Serialize) -> Event {
	Event::default().data(serde_json::to_string(value).unwrap_or_default())
}

/// `x-zg-cost` and `x-zg-budget-left`.
fn with_charge(mut response: Response, charge: Charge) -> Response {
	let headers = response.headers_mut();
	headers.insert(
		"x-zg-cost",
		HeaderValue::from_str(&charge.cost.to_string()).unwrap_or(HeaderValue::from_static("0")),
	);
	if let Some(left) = charge.left {
		if let Ok(value) = HeaderValue::from_str(&left.to_string()) {
			headers.insert("x-zg-budget-left", value);
		}
	}
	response
}

async fn chat(
	State(compute): State<Compute>,
	arrived: Arrived,
	Caller(caller): Caller,
	ApiBody(body): ApiBody,
) -> Result<Response, ApiError> {
	generate(compute, caller, &body, Flavor::Chat, arrived).await
}

async fn text(
	State(compute): State<Compute>,
	arrived: Arrived,
	Caller(caller): Caller,
	ApiBody(body): ApiBody,
) -> Result<Response, ApiError> {
	generate(compute, caller, &body, Flavor::Text, arrived).await
}

async fn generate(
	compute: Compute,
	caller: Option<Grant>,
	body: &[u8],
	flavor: Flavor,
	arrived: Arrived,
) -> Result<Response, ApiError> {
	let seed = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64);
	let request =
		request::completion(body, flavor, compute.config().max_tokens_cap, seed.unwrap_or(0))?;
	let max_tokens = request.params.max_tokens;
	let params = request.params;
	// A chat is rendered once, by its model's template: the prompt bounds the request and is
	// what the engine continues (an unknown model is refused by `admit`).
	let input = match request.prompt {
		Prompt::Chat(messages) => match compute.chat_prompt(&request.model, &messages) {
			Some(Ok(prompt)) => Input::Chat(messages, prompt),
			Some(Err(e)) => return Err(ApiError::invalid(format!("{e:#}")).param("messages")),
			None => Input::Chat(messages, String::new()),
		},
		Prompt::Text(prompt) => Input::Prompt(prompt),
	};
	let prompt_bytes = match &input {
		Input::Prompt(prompt) | Input::Chat(_, prompt) => prompt.len(),
	};
	let bound = zg_primitives::compute::input_token_bound(prompt_bytes as u64);
	let admitted = compute.admit(caller, &request.model, false, bound, max_tokens).await?;
	let meta = Meta {
		id: answer_id(if flavor == Flavor::Chat { "chatcmpl" } else { "cmpl" }),
		created: now_secs(),
		fingerprint: format!("zg-{}", admitted.backend()),
		model: request.model,
		flavor,
		include_usage: request.include_usage,
	};
	let deadline = time_left(&compute, arrived);
	if request.stream {
		Ok(stream(admitted, input, params, meta, deadline))
	} else {
		complete(admitted, input, params, meta, deadline).await
	}
}

/// Sets its flag when dropped: the request's future was dropped (timed out, or its client left)
/// before the answer was ready.
struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
	fn drop(&mut self) {
		self.0.store(true, Ordering::Relaxed);
	}
}

/// The longest an answer that is not streamed may take from the request's arrival
/// ([`ComputeConfig::answer_deadline`] is held to it): past it, the run stops, nothing is
/// charged, and the client gets 504 (before the listener's own [`crate::REQUEST_TIMEOUT`]).
///
/// [`ComputeConfig::answer_deadline`]: zg_compute_market::ComputeConfig::answer_deadline
pub const ANSWER_DEADLINE: std::time::Duration =
	crate::REQUEST_TIMEOUT.saturating_sub(std::time::Duration::from_secs(10));

/// What is left of a request's answer deadline (the configured one, at most
/// [`ANSWER_DEADLINE`]): counted from its arrival, as the listener's request timeout is, so the
/// body's upload and the admission come out of it and the free 504 always comes first.
fn time_left(compute: &ComputeState, arrived: Arrived) -> std::time::Duration {
	compute.config().answer_deadline.min(ANSWER_DEADLINE).saturating_sub(arrived.0.elapsed())
}

/// Runs `work` (an admitted run, which charges when it ends) on a blocking thread, raced
/// against `deadline` passing `after` from now: its outcome if it ended first (charged, and
/// delivered even if the deadline passes just after), or a 504 with `message` if the deadline
/// passed first (the run is stopped through `cancel` and charged nothing).
async fn before_deadline<T: Send + 'static>(
	work: impl FnOnce() -> T + Send + 'static,
	after: std::time::Duration,
	deadline: &Deadline,
	cancel: &CancelOnDrop,
	message: &'static str,
) -> Result<T, ApiError> {
	let mut run = tokio::task::spawn_blocking(work);
	let joined = match tokio::time::timeout(after, &mut run).await {
		Ok(joined) => joined,
		Err(_) if deadline.pass() => {
			cancel.0.store(true, Ordering::SeqCst);
			return Err(ApiError::server(StatusCode::GATEWAY_TIMEOUT, message));
		},
		Err(_) => run.await,
	};
	joined.map_err(|e| ApiError::server(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))
}

/// The API's answer to an engine's error: a deterministic refusal (a prompt longer than the
/// context) is the request's fault, 400; anything else 502.
fn engine_error(e: &anyhow::Error) -> ApiError {
	match e.downcast_ref::<zg_compute_engine::Refused>() {
		Some(zg_compute_engine::Refused(zg_compute_engine::Refusal::ContextTooLong)) => {
			ApiError::invalid(format!("{e:#}")).code("context_length_exceeded")
		},
		Some(_) => ApiError::invalid(format!("{e:#}")),
		None => ApiError::server(StatusCode::BAD_GATEWAY, format!("the engine failed: {e:#}")),
	}
}

async fn complete(
	admitted: Admitted,
	input: Input,
	params: GenerateParams,
	meta: Meta,
	after: std::time::Duration,
) -> Result<Response, ApiError> {
	// Set when this future is dropped (the client left): the run stops and is charged what
	// it did. When the deadline passes before the run ends, the run stops, charged nothing.
	let cancel = CancelOnDrop(Arc::new(AtomicBool::new(false)));
	let deadline = Arc::new(Deadline::default());
	let admitted = admitted.cancel_on(cancel.0.clone()).with_deadline(deadline.clone());
	let (result, charge) = before_deadline(
		move || input.run(admitted, &params, &mut |_| true),
		after,
		&deadline,
		&cancel,
		"the answer was not ready in time and was stopped; nothing is charged (ask for fewer \
		 tokens, or stream)",
	)
	.await?;
	// The run is over: the flag set when `cancel` drops is read by nobody.
	let generation = result.map_err(|e| engine_error(&e))?;
	let finish_reason = Some(generation.finish_reason.as_str().to_string());
	let usage = Usage::new(generation.prompt_tokens, generation.completion_tokens);
	let response = match meta.flavor {
		Flavor::Chat => Json(ChatCompletion {
			id: meta.id,
			object: "chat.completion".into(),
			created: meta.created,
			model: meta.model,
			system_fingerprint: meta.fingerprint,
			choices: vec![ChatChoice {
				index: 0,
				message: AssistantMessage { role: "assistant".into(), content: generation.text },
				finish_reason,
				logprobs: None,
			}],
			usage,
		})
		.into_response(),
		Flavor::Text => Json(meta.chunk(
			vec![TextChoice { index: 0, text: generation.text, finish_reason, logprobs: None }],
			Some(usage),
		))
		.into_response(),
	};
	Ok(with_charge(response, charge))
}

/// How long a streamed answer waits for its client to read: a client that stops reading for
/// this long is treated as gone (the generation stops; it pays for what was generated).
const STREAM_IDLE: std::time::Duration = std::time::Duration::from_secs(30);

/// Streams the generation as server-sent events (see the module documentation).
/// Streams the answer as server-sent events. It ends at the answer's deadline (`after`), with
/// `finish_reason: length`, paying for what was sent: every answer ends in time for its
/// key's settlement ([`zg_compute_market::ComputeConfig::expiry_margin`]).
fn stream(
	admitted: Admitted,
	input: Input,
	params: GenerateParams,
	meta: Meta,
	after: std::time::Duration,
) -> Response {
	let (tx, rx) = mpsc::channel::<Event>(64);
	let started = std::time::Instant::now();
	let runtime = tokio::runtime::Handle::current();
	tokio::task::spawn_blocking(move || {
		// Once a send fails (the client left or stopped reading), nothing more is sent.
		let gone = std::cell::Cell::new(false);
		let send = |event: Event| {
			if gone.get() {
				return false;
			}
			let sent = runtime.block_on(tokio::time::timeout(STREAM_IDLE, tx.send(event)));
			gone.set(!matches!(sent, Ok(Ok(()))));
			!gone.get()
		};
		if meta.flavor == Flavor::Chat && !send(meta.piece(true, Some(""), None)) {
			return;
		}
		let late = std::cell::Cell::new(false);
		let mut on_token = |piece: &str| {
			let sent = send(meta.piece(false, Some(piece), None));
			late.set(started.elapsed() >= after);
			sent && !late.get()
		};
		let (result, _) = input.run(admitted.streaming(), &params, &mut on_token);
		let sent = match result {
			Ok(g) => {
				let reason = if late.get() { FinishReason::Length } else { g.finish_reason };
				send(meta.piece(false, None, Some(reason)))
					&& (!meta.include_usage
						|| send(meta.usage(Usage::new(g.prompt_tokens, g.completion_tokens))))
			},
			Err(e) => send(event(&engine_error(&e).body())),
		};
		if sent {
			send(Event::default().data("[DONE]"));
		}
	});
	let events = futures::stream::unfold(rx, |mut rx| async move {
		rx.recv().await.map(|e| (Ok::<_, Infallible>(e), rx))
	});
	let mut response = Sse::new(events).into_response();
	response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
	response
}

/// One embedding.
#[derive(Debug, Serialize, Deserialize)]
pub struct EmbeddingItem {
	/// `embedding`.
	pub object: String,
	/// Its input's position.
	pub index: usize,
	/// The vector.
	pub embedding: Vector,
}

/// A vector as asked for: numbers (`encoding_format` `float`, the default), or the base64 of
/// its little-endian `f32`s (`base64`, what the OpenAI SDKs ask for and decode).
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Vector {
	/// `float`.
	Float(Vec<f32>),
	/// `base64`.
	Base64(String),
}

/// Token counts of embeddings.
#[derive(Debug, Serialize, Deserialize)]
pub struct EmbeddingUsage {
	/// Input tokens.
	pub prompt_tokens: u32,
	/// The same.
	pub total_tokens: u32,
}

/// The embeddings of a request.
#[derive(Debug, Serialize, Deserialize)]
pub struct EmbeddingList {
	/// `list`.
	pub object: String,
	/// One per input, in order.
	pub data: Vec<EmbeddingItem>,
	/// The model.
	pub model: String,
	/// Token counts.
	pub usage: EmbeddingUsage,
}

async fn embeddings(
	State(compute): State<Compute>,
	arrived: Arrived,
	Caller(caller): Caller,
	ApiBody(body): ApiBody,
) -> Result<Response, ApiError> {
	let request::Embeddings { model, inputs, base64: as_base64 } = request::embeddings(&body)?;
	let bound = inputs.iter().fold(0u32, |sum, text| {
		sum.saturating_add(zg_primitives::compute::input_token_bound(text.len() as u64))
	});
	let cancel = CancelOnDrop(Arc::new(AtomicBool::new(false)));
	let deadline = Arc::new(Deadline::default());
	let after = time_left(&compute, arrived);
	let admitted = compute
		.admit(caller, &model, true, bound, 0)
		.await?
		.cancel_on(cancel.0.clone())
		.with_deadline(deadline.clone());
	let (result, charge) = before_deadline(
		move || admitted.embed(&inputs),
		after,
		&deadline,
		&cancel,
		"the embeddings were not ready in time; nothing is charged (send fewer inputs)",
	)
	.await?;
	let embeddings = result.map_err(|e| {
		ApiError::server(StatusCode::BAD_GATEWAY, format!("the engine failed: {e:#}"))
	})?;
	let data = embeddings
		.vectors
		.into_iter()
		.enumerate()
		.map(|(index, vector)| {
			let embedding = if as_base64 {
				let bytes: Vec<u8> = vector.iter().flat_map(|x| x.to_le_bytes()).collect();
				Vector::Base64(base64::engine::general_purpose::STANDARD.encode(bytes))
			} else {
				Vector::Float(vector)
			};
			EmbeddingItem { object: "embedding".into(), index, embedding }
		})
		.collect();
	let tokens = embeddings.prompt_tokens;
	let answer = EmbeddingList {
		object: "list".into(),
		data,
		model,
		usage: EmbeddingUsage { prompt_tokens: tokens, total_tokens: tokens },
	};
	Ok(with_charge(Json(answer).into_response(), charge))
}
