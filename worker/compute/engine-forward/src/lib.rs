//! The forwarding backend: an [`Engine`] that sends each request to an OpenAI-compatible
//! server the provider already runs (vLLM, llama.cpp server, …) over plain HTTP.
//!
//! - A chat goes to `POST {base}/v1/chat/completions` with its messages as they are: the
//!   upstream applies its model's own chat template.
//! - A text completion goes to `POST {base}/v1/completions` with the prompt, or, with
//!   [`Forward::with_chat`] (an upstream that serves chats only), to
//!   `/v1/chat/completions` as one user message.
//! - Both are streamed (`"stream": true`, `stream_options.include_usage`): `on_token` receives
//!   each piece as the upstream sends it.
//! - Embeddings go to `POST {base}/v1/embeddings` (their `usage` is required).
//!
//! **Counts.** A whole answer is counted by the upstream's `usage`. When there is none (the
//! caller stopped listening, which closes the upstream connection and so stops its work; or the
//! upstream reports no usage), the prompt counts as its bound (`input_token_bound` of the
//! prompt's bytes, the bound the request was admitted with) and the completion as the pieces
//! delivered. An answer that breaks off after pieces were delivered fails with
//! [`zg_compute_engine::Cut`], which carries those counts, so that what was delivered is
//! charged.

mod stream;

use anyhow::{anyhow, bail, Context, Result};
use futures::StreamExt;
use serde_json::{json, Value};
use std::{future::Future, time::Duration};
use stream::{Streamed, ANSWER_LIMIT};
use tokio::runtime::Handle;
use zg_compute_engine::{ChatMessage, Cut, Embeddings, Engine, GenerateParams, Generation};
use zg_primitives::compute::input_token_bound;

/// An engine that forwards to an OpenAI-compatible server.
pub struct Forward {
	model: String,
	upstream_model: String,
	base: String,
	chat: bool,
	timeout: Duration,
	client: reqwest::Client,
	handle: Handle,
}

impl Forward {
	/// Forwards requests for `model` to the server at `spec`: `http://host:port[/v1]`,
	/// optionally followed by `#NAME` when the upstream knows the model under another name.
	/// Must be called inside a Tokio runtime; requests run on it.
	pub fn new(model: &str, spec: &str) -> Result<Self> {
		let (url, upstream) = match spec.split_once('#') {
			Some((url, name)) if !name.is_empty() => (url, name.to_string()),
			Some((url, _)) => (url, model.to_string()),
			None => (spec, model.to_string()),
		};
		let parsed = url::Url::parse(url).with_context(|| format!("bad upstream URL {url}"))?;
		if parsed.scheme() != "http" {
			bail!("the upstream {url} must be plain http:// (put a local proxy in front of TLS)");
		}
		let base = url.trim_end_matches('/');
		let base = base.strip_suffix("/v1").unwrap_or(base).to_string();
		let handle =
			Handle::try_current().context("the forwarding engine needs a Tokio runtime")?;
		Ok(Self {
			model: model.to_string(),
			upstream_model: upstream,
			base,
			chat: false,
			timeout: Duration::from_secs(600),
			client: reqwest::Client::new(),
			handle,
		})
	}

	/// Sends text completions to `/v1/chat/completions` (the prompt as one user message)
	/// instead of `/v1/completions`, for an upstream that serves chats only.
	pub fn with_chat(mut self) -> Self {
		self.chat = true;
		self
	}

	/// Gives up on an upstream request after `timeout` (default 10 minutes).
	pub fn with_timeout(mut self, timeout: Duration) -> Self {
		self.timeout = timeout;
		self
	}

	/// Runs `fut` on the runtime and waits for it on this (blocking) thread.
	fn block<T: Send + 'static>(
		&self,
		fut: impl Future<Output = Result<T>> + Send + 'static,
	) -> Result<T> {
		let (tx, rx) = std::sync::mpsc::sync_channel(1);
		self.handle.spawn(async move {
			let _ = tx.send(fut.await);
		});
		rx.recv().map_err(|_| anyhow!("the upstream request was abandoned"))?
	}

	/// Posts `body` as JSON to `{base}{path}` and reads the JSON answer (at most
	/// [`ANSWER_LIMIT`] bytes).
	fn post(&self, path: &str, body: Value) -> Result<Value> {
		let url = format!("{}{path}", self.base);
		let request = self.client.post(&url).json(&body);
		let timeout = self.timeout;
		self.block(async move {
			let call = async {
				let res = request.send().await.with_context(|| format!("POST {url}"))?;
				let status = res.status();
				let mut body = res.bytes_stream();
				let mut bytes = Vec::new();
				while let Some(piece) = body.next().await {
					let piece = piece.with_context(|| format!("POST {url}"))?;
					if bytes.len() + piece.len() > ANSWER_LIMIT {
						bail!("POST {url}: the answer is larger than {ANSWER_LIMIT} bytes");
					}
					bytes.extend_from_slice(&piece);
				}
				if !status.is_success() {
					bail!("POST {url}: {status} {}", String::from_utf8_lossy(&bytes));
				}
				serde_json::from_slice::<Value>(&bytes)
					.with_context(|| format!("POST {url}: the answer is not JSON"))
			};
			tokio::time::timeout(timeout, call)
				.await
				.map_err(|_| anyhow!("the upstream did not answer within {timeout:?}"))?
		})
	}
}

impl Forward {
	/// The request body of a generation, without its input.
	fn generation_body(&self, params: &GenerateParams) -> Value {
		let temperature = if params.deterministic { 0.0 } else { params.temperature };
		let mut body = json!({
			"model": self.upstream_model,
			"max_tokens": params.max_tokens,
			"temperature": temperature,
			"seed": params.seed,
			"stream": true,
			"stream_options": { "include_usage": true },
		});
		if !params.stop.is_empty() {
			body["stop"] = json!(params.stop);
		}
		body
	}

	/// Posts a streamed generation to `{base}{path}`; each piece (at `text_at` in a chunk)
	/// goes to `on_token` as it arrives, until `on_token` says stop (see the crate's
	/// documentation for the counts; `prompt_bound` is the prompt's).
	fn stream(
		&self,
		path: &str,
		body: Value,
		text_at: &'static str,
		prompt_bound: u32,
		on_token: &mut dyn FnMut(&str) -> bool,
	) -> Result<Generation> {
		let url = format!("{}{path}", self.base);
		let request = self.client.post(&url).json(&body);
		let timeout = self.timeout;
		let (tx, mut rx) = tokio::sync::mpsc::channel(64);
		self.handle.spawn(async move {
			let read = stream::read(request, &url, text_at, &tx);
			let end = tokio::time::timeout(timeout, read)
				.await
				.unwrap_or_else(|_| Err(anyhow!("the upstream did not finish within {timeout:?}")));
			let _ = tx.send(Streamed::End(end)).await;
		});
		let (mut text, mut delivered) = (String::new(), 0u32);
		loop {
			match rx.blocking_recv() {
				Some(Streamed::Piece(piece)) => {
					if !on_token(&piece) {
						// Dropping the channel ends the read, which closes the connection: the
						// upstream stops. The text and the count are what the caller took.
						return Ok(Generation {
							text,
							prompt_tokens: prompt_bound,
							completion_tokens: delivered,
							finish_reason: zg_compute_engine::FinishReason::Stop,
						});
					}
					delivered = delivered.saturating_add(1);
					text.push_str(&piece);
				},
				Some(Streamed::End(Ok(end))) => {
					let (prompt_tokens, completion_tokens) =
						end.usage.unwrap_or((prompt_bound, delivered));
					return Ok(Generation {
						text,
						prompt_tokens,
						completion_tokens,
						finish_reason: end.finish_reason,
					});
				},
				Some(Streamed::End(Err(e))) if delivered > 0 => {
					return Err(anyhow::Error::new(Cut {
						prompt_tokens: prompt_bound,
						completion_tokens: delivered,
						reason: format!("{e:#}"),
					}))
				},
				Some(Streamed::End(Err(e))) => return Err(e),
				None => bail!("the upstream request was abandoned"),
			}
		}
	}
}

/// `usage.<name>` of an upstream answer.
fn usage(answer: &Value, name: &str) -> Result<u32> {
	let n = answer
		.pointer(&format!("/usage/{name}"))
		.and_then(Value::as_u64)
		.ok_or_else(|| anyhow!("the upstream answer has no usage.{name}"))?;
	u32::try_from(n).map_err(|_| anyhow!("usage.{name} is too large"))
}

impl Engine for Forward {
	fn model_id(&self) -> &str {
		&self.model
	}

	fn backend(&self) -> &str {
		"forward"
	}

	fn can_generate(&self) -> bool {
		true
	}

	fn can_embed(&self) -> bool {
		true
	}

	fn generate(
		&self,
		prompt: &str,
		params: &GenerateParams,
		on_token: &mut dyn FnMut(&str) -> bool,
	) -> Result<Generation> {
		let mut body = self.generation_body(params);
		let bound = input_token_bound(prompt.len() as u64);
		if self.chat {
			body["messages"] = json!([{ "role": "user", "content": prompt }]);
			self.stream("/v1/chat/completions", body, "/choices/0/delta/content", bound, on_token)
		} else {
			body["prompt"] = json!(prompt);
			self.stream("/v1/completions", body, "/choices/0/text", bound, on_token)
		}
	}

	fn chat(
		&self,
		messages: &[ChatMessage],
		prompt: &str,
		params: &GenerateParams,
		on_token: &mut dyn FnMut(&str) -> bool,
	) -> Result<Generation> {
		let mut body = self.generation_body(params);
		body["messages"] = messages
			.iter()
			.map(|m| json!({ "role": m.role.as_str(), "content": m.content }))
			.collect();
		// The bound the API admitted the chat with: that of the rendered prompt.
		let bound = input_token_bound(prompt.len() as u64);
		self.stream("/v1/chat/completions", body, "/choices/0/delta/content", bound, on_token)
	}

	fn embed(&self, inputs: &[String]) -> Result<Embeddings> {
		let answer =
			self.post("/v1/embeddings", json!({ "model": self.upstream_model, "input": inputs }))?;
		let data = answer
			.get("data")
			.and_then(Value::as_array)
			.ok_or_else(|| anyhow!("the upstream answer has no data"))?;
		let mut vectors: Vec<Option<Vec<f32>>> = vec![None; inputs.len()];
		for (position, item) in data.iter().enumerate() {
			let index = item.get("index").and_then(Value::as_u64).unwrap_or(position as u64);
			let vector = item
				.get("embedding")
				.and_then(Value::as_array)
				.ok_or_else(|| anyhow!("an upstream embedding is not an array of numbers"))?
				.iter()
				.map(|x| x.as_f64().map(|x| x as f32))
				.collect::<Option<Vec<f32>>>()
				.ok_or_else(|| anyhow!("an upstream embedding is not an array of numbers"))?;
			let slot = vectors.get_mut(index as usize).ok_or_else(|| {
				anyhow!("the upstream answered embedding {index} of {}", inputs.len())
			})?;
			*slot = Some(vector);
		}
		let vectors = vectors
			.into_iter()
			.collect::<Option<Vec<_>>>()
			.ok_or_else(|| anyhow!("the upstream answered fewer embeddings than inputs"))?;
		Ok(Embeddings { vectors, prompt_tokens: usage(&answer, "prompt_tokens")? })
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use axum::{
		extract::State,
		http::Uri,
		response::{IntoResponse, Response},
		Json,
	};
	use std::sync::{Arc, Mutex};
	use zg_compute_engine::{plain_chat_prompt, FinishReason, Role};

	type Seen = Arc<Mutex<Vec<(String, Value)>>>;

	/// Server-sent events of `chunks`, then the usage chunk and `[DONE]`.
	fn events(chunks: &[Value], usage: Option<Value>) -> Response {
		let mut body = String::from(": a comment\n\n");
		for chunk in chunks.iter().chain(usage.iter()) {
			body.push_str(&format!("data: {chunk}\r\n\r\n"));
		}
		body.push_str("data: [DONE]\n\n");
		([("content-type", "text/event-stream")], body).into_response()
	}

	async fn answer(State(seen): State<Seen>, uri: Uri, Json(body): Json<Value>) -> Response {
		let path = uri.path().to_string();
		seen.lock().unwrap().push((path.clone(), body.clone()));
		let usage = |p: u32, c: u32| {
			Some(json!({ "choices": [], "usage": { "prompt_tokens": p, "completion_tokens": c } }))
		};
		match path.as_str() {
			"/v1/completions" => events(
				&[
					json!({ "choices": [{ "index": 0, "text": " wor" }] }),
					json!({ "choices": [{ "index": 0, "text": "ld" }] }),
					json!({ "choices": [{ "index": 0, "text": "", "finish_reason": "length" }] }),
				],
				usage(3, 2),
			),
			"/v1/chat/completions" if body["messages"][0]["content"] == "break" => events(
				&[
					json!({ "choices": [{ "index": 0, "delta": { "content": "x" } }] }),
					json!({ "error": { "message": "the upstream broke" } }),
				],
				None,
			),
			"/v1/chat/completions" if body["messages"][0]["content"] == "no usage" => events(
				&[
					json!({ "choices": [{ "index": 0, "delta": { "content": "x" }, "finish_reason": "stop" }] }),
				],
				None,
			),
			"/v1/chat/completions" => events(
				&[
					json!({ "choices": [{ "index": 0, "delta": { "role": "assistant" } }] }),
					json!({ "choices": [{ "index": 0, "delta": { "content": "h" } }] }),
					json!({ "choices": [{ "index": 0, "delta": { "content": "i" }, "finish_reason": "stop" }] }),
				],
				usage(7, 2),
			),
			"/v1/embeddings" => Json(json!({
				"data": [
					{ "index": 1, "embedding": [0.5, 0.25] },
					{ "index": 0, "embedding": [1.0, -1.0] },
				],
				"usage": { "prompt_tokens": 4, "total_tokens": 4 },
			}))
			.into_response(),
			_ => (axum::http::StatusCode::NOT_FOUND, "no such route").into_response(),
		}
	}

	/// A tiny OpenAI-like server: fixed answers, remembers the requests.
	async fn upstream(seen: Seen) -> String {
		let app = axum::Router::new()
			.route("/v1/completions", axum::routing::post(answer))
			.route("/v1/chat/completions", axum::routing::post(answer))
			.route("/v1/embeddings", axum::routing::post(answer))
			.with_state(seen);
		let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
		let addr = listener.local_addr().unwrap();
		tokio::spawn(async move { axum::serve(listener, app).await });
		format!("http://{addr}")
	}

	/// Runs `f` on a blocking thread, as the API does.
	async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
		tokio::task::spawn_blocking(f).await.unwrap()
	}

	#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
	async fn streams_completions_and_embeds() {
		let seen = Arc::new(Mutex::new(Vec::new()));
		let base = upstream(seen.clone()).await;
		let engine = Forward::new("tiny", &format!("{base}/v1/#upstream-name")).unwrap();
		assert_eq!((engine.model_id(), engine.backend()), ("tiny", "forward"));
		let (generation, pieces, embeddings) = blocking(move || {
			let mut pieces = Vec::new();
			let params =
				GenerateParams { max_tokens: 2, stop: vec!["\n".into()], ..Default::default() };
			let generation = engine
				.generate("hello", &params, &mut |p| {
					pieces.push(p.to_string());
					true
				})
				.unwrap();
			(generation, pieces, engine.embed(&["a".into(), "b".into()]).unwrap())
		})
		.await;
		assert_eq!(pieces, vec![" wor", "ld"], "token by token");
		assert_eq!(generation.text, " world");
		assert_eq!((generation.prompt_tokens, generation.completion_tokens), (3, 2));
		assert_eq!(generation.finish_reason, FinishReason::Length);
		assert_eq!(embeddings.vectors, vec![vec![1.0, -1.0], vec![0.5, 0.25]]);
		assert_eq!(embeddings.prompt_tokens, 4);
		let seen = seen.lock().unwrap();
		assert_eq!(seen[0].0, "/v1/completions");
		assert_eq!(seen[0].1["model"], "upstream-name");
		assert_eq!(seen[0].1["prompt"], "hello");
		assert_eq!(seen[0].1["max_tokens"], 2);
		assert_eq!(seen[0].1["temperature"], 0.0);
		assert_eq!(seen[0].1["stop"], json!(["\n"]));
		assert_eq!(seen[0].1["stream"], true);
		assert_eq!(seen[0].1["stream_options"]["include_usage"], true);
		assert_eq!(seen[1].0, "/v1/embeddings");
	}

	#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
	async fn chats_pass_their_messages_and_a_leaving_caller_pays_for_what_was_sent() {
		let seen = Arc::new(Mutex::new(Vec::new()));
		let base = upstream(seen.clone()).await;
		let engine = Forward::new("tiny", &base).unwrap();
		let messages =
			vec![ChatMessage::new(Role::System, "Be brief."), ChatMessage::new(Role::User, "Hi")];
		let (chat, heard, no_usage, broken) = blocking(move || {
			let mut heard = Vec::new();
			// The caller stops listening after the first piece.
			let chat = engine
				.chat(
					&messages,
					&plain_chat_prompt(&messages),
					&GenerateParams::default(),
					&mut |p| {
						heard.push(p.to_string());
						false
					},
				)
				.unwrap();
			let no_usage = [ChatMessage::new(Role::User, "no usage")];
			let no_usage = engine.chat(
				&no_usage,
				&plain_chat_prompt(&no_usage),
				&GenerateParams::default(),
				&mut |_| true,
			);
			let broken = [ChatMessage::new(Role::User, "break")];
			let broken = engine.chat(
				&broken,
				&plain_chat_prompt(&broken),
				&GenerateParams::default(),
				&mut |_| true,
			);
			(chat, heard, no_usage, broken)
		})
		.await;
		assert_eq!(heard, vec!["h"]);
		// Cut off at the first piece, which the caller refused: the prompt's bound is counted.
		let bound = input_token_bound(
			zg_compute_engine::plain_chat_prompt(&[
				ChatMessage::new(Role::System, "Be brief."),
				ChatMessage::new(Role::User, "Hi"),
			])
			.len() as u64,
		);
		assert_eq!(
			(chat.text.as_str(), chat.prompt_tokens, chat.completion_tokens),
			("", bound, 0)
		);
		assert_eq!(chat.finish_reason, FinishReason::Stop);
		// No usage from the upstream: the same estimate, of the whole answer.
		let no_usage = no_usage.unwrap();
		assert_eq!((no_usage.text.as_str(), no_usage.completion_tokens), ("x", 1));
		// Broken off after a piece: an error that carries what was delivered, to be charged.
		let broken = broken.unwrap_err();
		let cut = broken.downcast_ref::<Cut>().expect("a Cut");
		assert_eq!(cut.completion_tokens, 1);
		assert!(cut.reason.contains("the upstream broke"), "{cut}");
		assert_eq!(seen.lock().unwrap()[0].0, "/v1/chat/completions");
		assert_eq!(
			seen.lock().unwrap()[0].1["messages"],
			json!([{ "role": "system", "content": "Be brief." }, { "role": "user", "content": "Hi" }]),
			"the messages as they are, for the upstream's template"
		);
		// A text completion to a chat-only upstream: the prompt as one user message.
		let chat_only = Forward::new("tiny", &base).unwrap().with_chat();
		let text =
			blocking(move || chat_only.generate("hey", &GenerateParams::default(), &mut |_| true))
				.await
				.unwrap();
		assert_eq!(text.text, "hi");
		let last = seen.lock().unwrap().last().cloned().unwrap();
		assert_eq!(last.1["messages"], json!([{ "role": "user", "content": "hey" }]));
	}

	#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
	async fn upstream_errors_are_errors() {
		assert!(Forward::new("m", "https://example.com").is_err());
		assert!(Forward::new("m", "not a url").is_err());
		// Nothing listens on port 9 of localhost (discard): the request fails, nothing panics.
		let engine = Forward::new("m", "http://127.0.0.1:9").unwrap();
		let result = blocking(move || {
			engine.generate("x", &GenerateParams::default(), &mut |_| true).is_err()
		})
		.await;
		assert!(result);
		// An upstream error status is an error with its text.
		let seen = Arc::new(Mutex::new(Vec::new()));
		let base = upstream(seen).await;
		let engine = Forward::new("m", &format!("{base}/v2")).unwrap();
		let error =
			blocking(move || engine.generate("x", &GenerateParams::default(), &mut |_| true))
				.await
				.unwrap_err();
		assert!(error.to_string().contains("404"), "{error}");
	}
}
