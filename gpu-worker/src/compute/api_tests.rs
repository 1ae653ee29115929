//! HTTP-level tests of the compute API with a fake engine.

use super::*;
use crate::compute::engine::Embeddings;
use hyper_util::{
	client::legacy::{connect::HttpConnector, Client},
	rt::TokioExecutor,
};
use subxt_signer::sr25519::{dev, Keypair};
use zg_primitives::compute::ServiceKind;

const PROVIDER: Account = [7u8; 32];
const WORDS: [&str; 9] = ["the", "quick", "brown", "fox", "jumps", "over", "the", "lazy", "dog"];
const PRICES: Prices = Prices { input: 2, output: 3 };

/// A deterministic engine: a token is a word; the prompt's tokens are its whitespace-separated
/// words; the output is the first `max_tokens` words of a pangram, each followed by a space.
struct Words;

impl Engine for Words {
	fn model_id(&self) -> &str {
		"words"
	}
	fn backend(&self) -> &str {
		"test"
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
	) -> anyhow::Result<Generation> {
		let mut text = String::new();
		let mut completion_tokens = 0;
		let mut finish_reason = FinishReason::Stop;
		for word in WORDS {
			if completion_tokens == params.max_tokens {
				finish_reason = FinishReason::Length;
				break;
			}
			let piece = format!("{word} ");
			text.push_str(&piece);
			completion_tokens += 1;
			if !on_token(&piece) {
				break;
			}
		}
		Ok(Generation {
			text,
			prompt_tokens: prompt.split_whitespace().count() as u32,
			completion_tokens,
			finish_reason,
		})
	}
	fn embed(&self, inputs: &[String]) -> anyhow::Result<Embeddings> {
		Ok(Embeddings {
			vectors: inputs.iter().map(|i| vec![i.len() as f32, 1.0]).collect(),
			prompt_tokens: inputs.iter().map(|i| i.split_whitespace().count() as u32).sum(),
		})
	}
}

struct Server {
	base: String,
	compute: Arc<ComputeState>,
	client: Client<HttpConnector, Full<Bytes>>,
}

/// Starts the compute API: metered with Alice's allocation `allocation` (`None`: open API).
async fn start(allocation: Option<u128>, fault_outputs: bool) -> Server {
	let config =
		ComputeConfig { provider: PROVIDER, max_tokens_cap: 16, prices: PRICES, fault_outputs };
	let meter = allocation.map(|allocation| {
		let alice = dev::alice().public_key().0;
		Arc::new(Meter::new(Arc::new(move |user| {
			Box::pin(async move { Ok(if user == alice { allocation } else { 0 }) })
		})))
	});
	let compute = Arc::new(ComputeState::new(config, vec![Arc::new(Words)], meter));
	let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
	let base = format!("http://{}", listener.local_addr().unwrap());
	tokio::spawn(serve(compute.clone(), listener));
	Server { base, compute, client: Client::builder(TokioExecutor::new()).build_http() }
}

struct Reply {
	status: StatusCode,
	headers: HeaderMap,
	body: Bytes,
}

impl Reply {
	fn json(&self) -> Value {
		serde_json::from_slice(&self.body).unwrap()
	}
}

impl Server {
	async fn call(&self, method: Method, path: &str, auth: Option<String>, body: &[u8]) -> Reply {
		let mut req = Request::builder().method(method).uri(format!("{}{path}", self.base));
		if let Some(auth) = auth {
			req = req.header("authorization", auth);
		}
		let req = req.body(Full::new(Bytes::copy_from_slice(body))).unwrap();
		let res = self.client.request(req).await.unwrap();
		let status = res.status();
		let headers = res.headers().clone();
		let body = res.into_body().collect().await.unwrap().to_bytes();
		Reply { status, headers, body }
	}

	/// Posts `body` signed by `signer` with `nonce`.
	async fn signed(&self, path: &str, signer: &Keypair, nonce: u64, body: &[u8]) -> Reply {
		self.call(Method::POST, path, Some(auth(signer, nonce, body)), body).await
	}

	fn jobs(&self) -> u64 {
		self.compute.metrics().jobs("words", JobStatus::Ok)
	}

	/// Alice's unsettled spend (nothing may stay reserved after a request).
	fn unsettled(&self) -> u128 {
		let spend = self.compute.meter().unwrap().spend(&dev::alice().public_key().0);
		assert_eq!(spend.reserved, 0, "nothing may stay reserved");
		spend.unsettled
	}

	/// Runs the job of [`run_request`] on `/compute/run`.
	async fn run_job(&self, verify: bool) -> RunResult {
		let body = run_request(verify, RunInput::Inline(b"hello world".to_vec()));
		let reply = self.call(Method::POST, "/compute/run", None, &body).await;
		assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
		assert_eq!(reply.headers["content-type"], "application/octet-stream");
		RunResult::decode(&mut &reply.body[..]).unwrap()
	}
}

fn auth(signer: &Keypair, nonce: u64, body: &[u8]) -> String {
	let signature = signer.sign(&api_auth_message(&PROVIDER, nonce, body));
	format!(
		"ZG-Sr25519 0x{}:{nonce}:0x{}",
		hex::encode(signer.public_key().0),
		hex::encode(signature.0)
	)
}

fn chat_body(stream: bool, max_tokens: u32) -> Vec<u8> {
	json!({
		"model": "words",
		"messages": [{ "role": "system", "content": "Be brief." }, { "role": "user", "content": "hello there" }],
		"max_tokens": max_tokens,
		"temperature": 0,
		"stream": stream,
		"top_p": 1,
	})
	.to_string()
	.into_bytes()
}

/// The prompt of [`chat_body`]: `<|system|>\nBe brief.\n<|user|>\nhello there\n<|assistant|>\n`,
/// 7 words.
const CHAT_PROMPT_TOKENS: u32 = 7;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_models() {
	let server = start(Some(0), false).await;
	let reply = server.call(Method::GET, "/v1/models", None, b"").await;
	assert_eq!(reply.status, StatusCode::OK);
	let answer = reply.json();
	assert_eq!(answer["object"], "list");
	assert_eq!(answer["data"][0]["id"], "words");
	assert_eq!(answer["data"][0]["object"], "model");
	assert_eq!(answer["data"][0]["owned_by"], format!("0x{}", hex::encode(PROVIDER)));
}

#[test]
fn chat_template() {
	let messages: Vec<Message> = serde_json::from_value(json!([
		{ "role": "system", "content": "Be brief." },
		{ "role": "user", "content": [{ "type": "text", "text": "Hi" }] },
	]))
	.unwrap();
	assert_eq!(
		chat_prompt(&messages).unwrap(),
		"<|system|>\nBe brief.\n<|user|>\nHi\n<|assistant|>\n"
	);
	let bad: Vec<Message> =
		serde_json::from_value(json!([{ "role": "wizard", "content": "x" }])).unwrap();
	assert_eq!(chat_prompt(&bad).unwrap_err().status, StatusCode::BAD_REQUEST);
	assert!(parse_auth("ZG-Sr25519 0x00:1:00").is_none());
	assert!(parse_auth("Bearer abc").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_completion_streamed_or_not_is_metered() {
	let server = start(Some(1_000), false).await;
	let alice = dev::alice();
	let reply = server.signed("/v1/chat/completions", &alice, 1, &chat_body(false, 5)).await;
	assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
	let answer = reply.json();
	assert_eq!(answer["object"], "chat.completion");
	assert_eq!(answer["model"], "words");
	let text = answer["choices"][0]["message"]["content"].as_str().unwrap().to_string();
	assert_eq!(text, "the quick brown fox jumps ");
	assert_eq!(answer["choices"][0]["message"]["role"], "assistant");
	assert_eq!(answer["choices"][0]["finish_reason"], "length");
	assert_eq!(
		answer["usage"],
		json!({ "prompt_tokens": CHAT_PROMPT_TOKENS, "completion_tokens": 5, "total_tokens": CHAT_PROMPT_TOKENS + 5 })
	);
	let cost = PRICES.cost(CHAT_PROMPT_TOKENS, 5);
	assert_eq!(reply.headers["x-zg-cost"].to_str().unwrap(), cost.to_string());
	assert_eq!(server.unsettled(), cost);
	assert_eq!(server.jobs(), 1);

	// The same request streamed: chunks add up to the same text, the last one has the usage.
	let reply = server.signed("/v1/chat/completions", &alice, 2, &chat_body(true, 5)).await;
	assert_eq!(reply.status, StatusCode::OK);
	assert_eq!(reply.headers["content-type"], "text/event-stream");
	let body = String::from_utf8(reply.body.to_vec()).unwrap();
	let events: Vec<&str> = body
		.split("\n\n")
		.filter(|e| !e.is_empty())
		.map(|e| e.strip_prefix("data: ").unwrap())
		.collect();
	assert_eq!(events.last(), Some(&"[DONE]"));
	let chunks: Vec<Value> =
		events[..events.len() - 1].iter().map(|e| serde_json::from_str(e).unwrap()).collect();
	assert_eq!(chunks.len(), 1 + 5 + 1, "{body}");
	assert!(chunks.iter().all(|c| c["object"] == "chat.completion.chunk"));
	assert_eq!(chunks[0]["choices"][0]["delta"]["role"], "assistant");
	let streamed: String =
		chunks.iter().filter_map(|c| c["choices"][0]["delta"]["content"].as_str()).collect();
	assert_eq!(streamed, text);
	let last = chunks.last().unwrap();
	assert_eq!(last["choices"][0]["finish_reason"], "length");
	assert_eq!(last["usage"]["completion_tokens"], 5);
	assert_eq!(last["usage"]["prompt_tokens"], CHAT_PROMPT_TOKENS);
	assert_eq!(server.unsettled(), 2 * cost);
	assert_eq!(server.jobs(), 2);

	// Legacy completions take the prompt as is.
	let body = json!({ "model": "words", "prompt": "one two", "max_tokens": 2 }).to_string();
	let reply = server.signed("/v1/completions", &alice, 3, body.as_bytes()).await;
	assert_eq!(reply.status, StatusCode::OK);
	assert_eq!(reply.json()["choices"][0]["text"], "the quick ");
	assert_eq!(reply.json()["usage"]["prompt_tokens"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embeddings() {
	let server = start(Some(1_000), false).await;
	let body = json!({ "model": "words", "input": ["a b", "c"] }).to_string();
	let reply = server.signed("/v1/embeddings", &dev::alice(), 1, body.as_bytes()).await;
	assert_eq!(reply.status, StatusCode::OK);
	let answer = reply.json();
	assert_eq!(answer["object"], "list");
	assert_eq!(answer["data"][0]["embedding"], json!([3.0, 1.0]));
	assert_eq!(answer["data"][1]["index"], 1);
	assert_eq!(answer["data"][1]["embedding"], json!([1.0, 1.0]));
	assert_eq!(answer["usage"], json!({ "prompt_tokens": 3, "total_tokens": 3 }));
	assert_eq!(server.unsettled(), PRICES.cost(3, 0));
	// A single string works too.
	let body = json!({ "model": "words", "input": "x" }).to_string();
	let reply = server.signed("/v1/embeddings", &dev::alice(), 2, body.as_bytes()).await;
	assert_eq!(reply.json()["data"].as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_change_nothing() {
	let server = start(Some(1_000), false).await;
	let (alice, bob) = (dev::alice(), dev::bob());
	let body = chat_body(false, 5);
	let path = "/v1/chat/completions";
	let error_of = |reply: &Reply| {
		let error = reply.json()["error"].clone();
		assert!(error["message"].is_string() && error["type"].is_string(), "{error}");
		assert!(error.get("param").is_some() && error.get("code").is_some());
		error
	};

	// Authentication: missing, malformed, signed by another key, over another body.
	let reply = server.call(Method::POST, path, None, &body).await;
	assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
	assert_eq!(error_of(&reply)["type"], "authentication_error");
	let reply = server.call(Method::POST, path, Some("ZG-Sr25519 nonsense".into()), &body).await;
	assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
	let forged = auth(&bob, 1, &body)
		.replace(&hex::encode(bob.public_key().0), &hex::encode(alice.public_key().0));
	let reply = server.call(Method::POST, path, Some(forged), &body).await;
	assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
	let reply = server.call(Method::POST, path, Some(auth(&alice, 1, b"{}")), &body).await;
	assert_eq!(reply.status, StatusCode::UNAUTHORIZED);

	// Malformed JSON, wrong types, too many tokens, unknown model: 400/404, nonce not used.
	let reply = server.signed(path, &alice, 1, b"{not json").await;
	assert_eq!(reply.status, StatusCode::BAD_REQUEST);
	assert_eq!(error_of(&reply)["code"], "invalid_json");
	let wrong = json!({ "model": "words", "messages": "hi", "max_tokens": "five" }).to_string();
	let reply = server.signed(path, &alice, 1, wrong.as_bytes()).await;
	assert_eq!(reply.status, StatusCode::BAD_REQUEST);
	let reply = server.signed(path, &alice, 1, &chat_body(false, 17)).await;
	assert_eq!(reply.status, StatusCode::BAD_REQUEST);
	assert_eq!(error_of(&reply)["param"], "max_tokens");
	let unknown = json!({ "model": "nope", "messages": [{ "role": "user", "content": "x" }] });
	let reply = server.signed(path, &alice, 1, unknown.to_string().as_bytes()).await;
	assert_eq!(reply.status, StatusCode::NOT_FOUND);
	assert_eq!(error_of(&reply)["code"], "model_not_found");
	assert_eq!(server.jobs(), 0);
	assert_eq!(server.unsettled(), 0);
	assert!(!server.compute.metrics().render().contains("zg_compute_jobs_total{"));

	// The nonce is still usable; then it is not.
	let reply = server.signed(path, &alice, 1, &body).await;
	assert_eq!(reply.status, StatusCode::OK);
	let reply = server.signed(path, &alice, 1, &body).await;
	assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
	assert_eq!(error_of(&reply)["code"], "nonce_reused");
	let reply = server.signed(path, &alice, 0, &body).await;
	assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
	assert_eq!(server.jobs(), 1);

	// Bob has no allocation: 402, nothing metered or counted.
	let reply = server.signed(path, &bob, 1, &body).await;
	assert_eq!(reply.status, StatusCode::PAYMENT_REQUIRED);
	assert_eq!(error_of(&reply)["type"], "insufficient_quota");
	assert_eq!(server.compute.meter().unwrap().spend(&bob.public_key().0), Default::default());
	assert_eq!(server.jobs(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn budget_must_cover_the_largest_cost() {
	// The prompt of `chat_body` has 56 bytes: its bound is 58 tokens; 5 output tokens.
	let prompt_bound = token_bound("<|system|>\nBe brief.\n<|user|>\nhello there\n<|assistant|>\n");
	let max_cost = PRICES.cost(prompt_bound, 5);
	let server = start(Some(max_cost - 1), false).await;
	let alice = dev::alice();
	let reply = server.signed("/v1/chat/completions", &alice, 1, &chat_body(false, 5)).await;
	assert_eq!(reply.status, StatusCode::PAYMENT_REQUIRED);
	assert_eq!(server.unsettled(), 0);
	assert_eq!(server.jobs(), 0);
	// The refused request did not use its nonce; with fewer tokens it fits.
	let reply = server.signed("/v1/chat/completions", &alice, 1, &chat_body(false, 4)).await;
	assert_eq!(reply.status, StatusCode::OK);
	assert_eq!(server.unsettled(), PRICES.cost(CHAT_PROMPT_TOKENS, 4));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_api_needs_no_signature() {
	let server = start(None, false).await;
	let reply = server.call(Method::POST, "/v1/chat/completions", None, &chat_body(false, 2)).await;
	assert_eq!(reply.status, StatusCode::OK);
	assert_eq!(reply.json()["choices"][0]["message"]["content"], "the quick ");
}

fn run_request(verify: bool, input: RunInput) -> Vec<u8> {
	RunRequest {
		job: 9,
		kind: ServiceKind::Inference,
		model: b"words".to_vec(),
		model_root: Default::default(),
		input,
		max_tokens: 3,
		verify,
	}
	.encode()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compute_run_answers_scale_and_faults_only_unverified_jobs() {
	let honest = RunResult {
		output_hash: output_hash(b"the quick brown "),
		output_root: None,
		input_tokens: 2,
		output_tokens: 3,
	};
	let server = start(Some(0), false).await;
	assert_eq!(server.run_job(false).await, honest);
	assert_eq!(server.run_job(true).await, honest);
	// Jobs are not metered against allocations (the chain pays them).
	assert_eq!(server.unsettled(), 0);
	let metrics = server.compute.metrics().render();
	assert!(
		metrics.contains("zg_compute_jobs_total{model=\"words\",status=\"ok\"} 2"),
		"{metrics}"
	);
	assert!(metrics.contains("zg_compute_prompt_tokens_total 4\n"));
	assert!(metrics.contains("zg_compute_completion_tokens_total 6\n"));

	let faulty = start(Some(0), true).await;
	let answer = faulty.run_job(false).await;
	assert_ne!(answer.output_hash, honest.output_hash);
	assert_eq!(
		answer.output_hash,
		output_hash(format!("the quick brown {FAULT_SUFFIX}").as_bytes())
	);
	assert_eq!((answer.input_tokens, answer.output_tokens), (2, 3));
	assert_eq!(faulty.run_job(true).await, honest);

	// Garbage, an unknown model, a stored input without storage: refused.
	let reply = faulty.call(Method::POST, "/compute/run", None, b"\x01\x02").await;
	assert_eq!(reply.status, StatusCode::BAD_REQUEST);
	let mut unknown =
		RunRequest::decode(&mut &run_request(true, RunInput::Inline(b"hello world".to_vec()))[..])
			.unwrap();
	unknown.model = b"nope".to_vec();
	let reply = faulty.call(Method::POST, "/compute/run", None, &unknown.encode()).await;
	assert_eq!(reply.status, StatusCode::NOT_FOUND);
	let stored = run_request(true, RunInput::Stored(Default::default()));
	let reply = faulty.call(Method::POST, "/compute/run", None, &stored).await;
	assert_eq!(reply.status, StatusCode::NOT_IMPLEMENTED);

	// A job above the API's token cap, with bytes that are not UTF-8, is still answered
	// (lossily, deterministically): refusing it would only let it expire and slash the provider.
	let mut big =
		RunRequest::decode(&mut &run_request(true, RunInput::Inline(vec![0xff, b'a', b' ']))[..])
			.unwrap();
	big.max_tokens = 100;
	let reply = faulty.call(Method::POST, "/compute/run", None, &big.encode()).await;
	assert_eq!(reply.status, StatusCode::OK);
	let answer = RunResult::decode(&mut &reply.body[..]).unwrap();
	assert_eq!(answer.input_tokens, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_after_a_request() {
	let server = start(None, false).await;
	let reply = server.call(Method::POST, "/v1/chat/completions", None, &chat_body(false, 3)).await;
	assert_eq!(reply.status, StatusCode::OK);
	let reply = server.call(Method::GET, "/metrics", None, b"").await;
	assert_eq!(reply.status, StatusCode::OK);
	let text = String::from_utf8(reply.body.to_vec()).unwrap();
	assert!(text.contains("zg_compute_jobs_total{model=\"words\",status=\"ok\"} 1"), "{text}");
	assert!(text.contains(&format!("zg_compute_prompt_tokens_total {CHAT_PROMPT_TOKENS}\n")));
	assert!(text.contains("zg_compute_completion_tokens_total 3\n"));
	assert!(text.contains("zg_compute_queue_depth 0\n"));
	assert!(text.contains("zg_compute_tokens_per_second{model=\"words\"}"));
	assert!(text.contains("zg_compute_request_seconds_count 1"));
	// Unknown routes fall through (404 from the compute-only server).
	let reply = server.call(Method::GET, "/v1/nothing", None, b"").await;
	assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_leaving_a_stream_pays_for_what_was_generated() {
	let server = start(Some(1_000), false).await;
	let body = chat_body(true, 9);
	let req = Request::post(format!("{}/v1/chat/completions", server.base))
		.header("authorization", auth(&dev::alice(), 1, &body))
		.body(Full::new(Bytes::from(body)))
		.unwrap();
	let res = server.client.request(req).await.unwrap();
	assert_eq!(res.status(), StatusCode::OK);
	// Once the first chunk is out, the engine runs; the client leaves.
	let mut body = res.into_body();
	let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
	assert!(first.starts_with(b"data: {"));
	drop(body);
	// The generation ends, the reservation becomes the real cost.
	for _ in 0..100 {
		if server.compute.metrics().jobs("words", JobStatus::Ok) == 1 {
			break;
		}
		tokio::time::sleep(std::time::Duration::from_millis(20)).await;
	}
	assert_eq!(server.jobs(), 1);
	let spend = server.compute.meter().unwrap().spend(&dev::alice().public_key().0);
	assert_eq!(spend.reserved, 0);
	assert!(spend.unsettled <= PRICES.cost(CHAT_PROMPT_TOKENS, 9));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_built_in_model_behind_the_api() {
	use crate::compute::gpt::{generate_model, GptConfig, GptModel};
	let bytes = generate_model(7, &GptConfig::tiny()).unwrap();
	let model = Arc::new(GptModel::from_bytes(&bytes).unwrap().with_model_id("tiny"));
	let config = ComputeConfig {
		provider: PROVIDER,
		max_tokens_cap: 16,
		prices: PRICES,
		fault_outputs: false,
	};
	let compute = Arc::new(ComputeState::new(config, vec![model.clone()], None));
	let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
	let base = format!("http://{}", listener.local_addr().unwrap());
	tokio::spawn(serve(compute.clone(), listener));
	let server =
		Server { base, compute, client: Client::builder(TokioExecutor::new()).build_http() };

	let request = |stream: bool| {
		json!({
			"model": "tiny",
			"messages": [{ "role": "user", "content": "hello" }],
			"max_tokens": 8,
			"temperature": 0,
			"stream": stream,
		})
		.to_string()
	};
	let reply =
		server.call(Method::POST, "/v1/chat/completions", None, request(false).as_bytes()).await;
	assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
	let answer = reply.json();
	let text = answer["choices"][0]["message"]["content"].as_str().unwrap().to_string();
	let prompt = "<|user|>\nhello\n<|assistant|>\n";
	let expected = tokio::task::spawn_blocking(move || {
		let params = GenerateParams { max_tokens: 8, ..Default::default() };
		model.generate(prompt, &params, &mut |_| true).unwrap()
	})
	.await
	.unwrap();
	assert_eq!(text, expected.text);
	assert_eq!(answer["usage"]["prompt_tokens"], expected.prompt_tokens);
	assert_eq!(answer["usage"]["completion_tokens"], expected.completion_tokens);
	assert!(expected.prompt_tokens <= token_bound(prompt));

	let reply =
		server.call(Method::POST, "/v1/chat/completions", None, request(true).as_bytes()).await;
	let body = String::from_utf8(reply.body.to_vec()).unwrap();
	let streamed: String = body
		.split("\n\n")
		.filter_map(|e| e.strip_prefix("data: "))
		.filter(|e| *e != "[DONE]")
		.filter_map(|e| serde_json::from_str::<Value>(e).ok())
		.filter_map(|c| c["choices"][0]["delta"]["content"].as_str().map(str::to_string))
		.collect();
	assert_eq!(streamed, text);
	assert!(body.ends_with("data: [DONE]\n\n"));

	let run = RunRequest {
		job: 1,
		kind: ServiceKind::Inference,
		model: b"tiny".to_vec(),
		model_root: Default::default(),
		input: RunInput::Inline(prompt.as_bytes().to_vec()),
		max_tokens: 8,
		verify: true,
	};
	let reply = server.call(Method::POST, "/compute/run", None, &run.encode()).await;
	let result = RunResult::decode(&mut &reply.body[..]).unwrap();
	assert_eq!(result.output_hash, output_hash(expected.text.as_bytes()));
	assert_eq!(result.input_tokens, expected.prompt_tokens);
}
