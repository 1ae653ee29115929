//! The forwarding backend: an [`Engine`] that sends each request to an OpenAI-compatible
//! server the provider already runs (vLLM, llama.cpp server, …) over plain HTTP.
//!
//! Generation goes to `POST {base}/v1/completions` with the prompt as is (the API layer has
//! already applied its chat template), or, with [`Forward::with_chat`], to
//! `POST {base}/v1/chat/completions` as one user message. Embeddings go to
//! `POST {base}/v1/embeddings`. Requests are not streamed: `on_token` receives the whole text
//! once. Token counts come from the upstream's `usage`; an answer without it is an error, as
//! the request could not be metered.

use anyhow::{anyhow, bail, Context, Result};
use futures::StreamExt;
use serde_json::{json, Value};
use std::{future::Future, time::Duration};
use tokio::runtime::Handle;
use zg_compute_engine::{Embeddings, Engine, FinishReason, GenerateParams, Generation};

/// The largest upstream answer read, in bytes.
const ANSWER_LIMIT: usize = 64 << 20;

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

	/// Sends generations to `/v1/chat/completions` (the prompt as one user message) instead
	/// of `/v1/completions`.
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
		let temperature = if params.deterministic { 0.0 } else { params.temperature };
		let mut body = json!({
			"model": self.upstream_model,
			"max_tokens": params.max_tokens,
			"temperature": temperature,
			"seed": params.seed,
			"stream": false,
		});
		if !params.stop.is_empty() {
			body["stop"] = json!(params.stop);
		}
		let (path, text_at) = if self.chat {
			body["messages"] = json!([{ "role": "user", "content": prompt }]);
			("/v1/chat/completions", "/choices/0/message/content")
		} else {
			body["prompt"] = json!(prompt);
			("/v1/completions", "/choices/0/text")
		};
		let answer = self.post(path, body)?;
		let text = answer
			.pointer(text_at)
			.and_then(Value::as_str)
			.ok_or_else(|| anyhow!("the upstream answer has no {text_at}"))?
			.to_string();
		let finish_reason = match answer.pointer("/choices/0/finish_reason").and_then(Value::as_str)
		{
			Some("length") => FinishReason::Length,
			_ => FinishReason::Stop,
		};
		let generation = Generation {
			prompt_tokens: usage(&answer, "prompt_tokens")?,
			completion_tokens: usage(&answer, "completion_tokens")?,
			text,
			finish_reason,
		};
		if !generation.text.is_empty() {
			on_token(&generation.text);
		}
		Ok(generation)
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
	use axum::{extract::State, http::Uri, Json};
	use std::sync::{Arc, Mutex};

	type Seen = Arc<Mutex<Vec<(String, Value)>>>;

	async fn answer(State(seen): State<Seen>, uri: Uri, Json(body): Json<Value>) -> Json<Value> {
		let path = uri.path().to_string();
		seen.lock().unwrap().push((path.clone(), body));
		Json(match path.as_str() {
			"/v1/completions" => json!({
				"object": "text_completion",
				"choices": [{ "index": 0, "text": " world", "finish_reason": "length" }],
				"usage": { "prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5 },
			}),
			"/v1/chat/completions" => json!({
				"choices": [{ "index": 0, "message": { "role": "assistant", "content": "hi" }, "finish_reason": "stop" }],
				"usage": { "prompt_tokens": 7, "completion_tokens": 1, "total_tokens": 8 },
			}),
			_ => json!({
				"data": [
					{ "index": 1, "embedding": [0.5, 0.25] },
					{ "index": 0, "embedding": [1.0, -1.0] },
				],
				"usage": { "prompt_tokens": 4, "total_tokens": 4 },
			}),
		})
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

	#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
	async fn forwards_completions_chat_and_embeddings() {
		let seen = Arc::new(Mutex::new(Vec::new()));
		let base = upstream(seen.clone()).await;
		let engine = Forward::new("tiny", &format!("{base}/v1/#upstream-name")).unwrap();
		assert_eq!((engine.model_id(), engine.backend()), ("tiny", "forward"));
		let chat = Forward::new("tiny", &base).unwrap().with_chat();
		let (generation, pieces, chat_generation, embeddings) =
			tokio::task::spawn_blocking(move || {
				let mut pieces = Vec::new();
				let params =
					GenerateParams { max_tokens: 2, stop: vec!["\n".into()], ..Default::default() };
				let generation = engine
					.generate("hello", &params, &mut |p| {
						pieces.push(p.to_string());
						true
					})
					.unwrap();
				let chat_generation = chat.generate("hey", &params, &mut |_| true).unwrap();
				let embeddings = engine.embed(&["a".into(), "b".into()]).unwrap();
				(generation, pieces, chat_generation, embeddings)
			})
			.await
			.unwrap();
		assert_eq!(generation.text, " world");
		assert_eq!((generation.prompt_tokens, generation.completion_tokens), (3, 2));
		assert_eq!(generation.finish_reason, FinishReason::Length);
		assert_eq!(pieces, vec![" world".to_string()]);
		assert_eq!(chat_generation.text, "hi");
		assert_eq!(chat_generation.finish_reason, FinishReason::Stop);
		assert_eq!(embeddings.vectors, vec![vec![1.0, -1.0], vec![0.5, 0.25]]);
		assert_eq!(embeddings.prompt_tokens, 4);
		let seen = seen.lock().unwrap();
		assert_eq!(seen[0].0, "/v1/completions");
		assert_eq!(seen[0].1["model"], "upstream-name");
		assert_eq!(seen[0].1["prompt"], "hello");
		assert_eq!(seen[0].1["max_tokens"], 2);
		assert_eq!(seen[0].1["temperature"], 0.0);
		assert_eq!(seen[0].1["stop"], json!(["\n"]));
		assert_eq!(seen[1].0, "/v1/chat/completions");
		assert_eq!(seen[1].1["model"], "tiny");
		assert_eq!(seen[1].1["messages"][0]["content"], "hey");
		assert_eq!(seen[2].0, "/v1/embeddings");
	}

	#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
	async fn upstream_errors_are_errors() {
		assert!(Forward::new("m", "https://example.com").is_err());
		assert!(Forward::new("m", "not a url").is_err());
		// Nothing listens on port 9 of localhost (discard): the request fails, nothing panics.
		let engine = Forward::new("m", "http://127.0.0.1:9").unwrap();
		let result = tokio::task::spawn_blocking(move || {
			engine.generate("x", &GenerateParams::default(), &mut |_| true).is_err()
		})
		.await
		.unwrap();
		assert!(result);
	}
}
