//! HTTP-level tests of the compute API (public listener) and of `/compute/run` and
//! `/metrics` (private listener), with fake engines.

use codec::{Decode, Encode};
use reqwest::{header::HeaderMap, Method, StatusCode};
use serde_json::{json, Value};
use std::sync::Arc;
use subxt_signer::sr25519::{dev, Keypair};
use tokio::net::TcpListener;
use zg_compute_engine::{
	Cut, Embeddings, Engine, FinishReason, GenerateParams, Generation, Refusal, Refused,
};
use zg_compute_market::{
	metrics::JobStatus, Account, Budget, ComputeConfig, ComputeState, Grant, Meter, Prices,
	FAULT_SUFFIX,
};
use zg_primitives::compute::{
	encode_api_key, input_token_bound, output_hash, JobOutcome, RunInput, RunRequest, RunResult,
	ServiceKind, SpendingCapability,
};
use zg_worker_chain::ChainSignature;
use zg_worker_http::{private_router, public_router, serve, Worker};

fn token_bound(text: &str) -> u32 {
	input_token_bound(text.len() as u64)
}

const PROVIDER: Account = [7u8; 32];
const GENESIS: [u8; 32] = [3u8; 32];
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
		// An answer that breaks off after a piece (an upstream failing mid-stream).
		if prompt.contains("cutoff") {
			on_token("the ");
			let cut = Cut { prompt_tokens: 1, completion_tokens: 1, reason: "broke".into() };
			return Err(anyhow::Error::new(cut));
		}
		// Deterministic refusals and outages, for the job runner's tests.
		if prompt.contains("toolong") {
			return Err(anyhow::Error::new(Refused(Refusal::ContextTooLong)).context("too long"));
		}
		if prompt.contains("crash") {
			anyhow::bail!("the engine crashed");
		}
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

/// An embedding model: it cannot generate.
struct EmbedOnly;

impl Engine for EmbedOnly {
	fn model_id(&self) -> &str {
		"embed"
	}
	fn backend(&self) -> &str {
		"test"
	}
	fn can_generate(&self) -> bool {
		false
	}
	fn can_embed(&self) -> bool {
		true
	}
	fn generate(
		&self,
		_: &str,
		_: &GenerateParams,
		_: &mut dyn FnMut(&str) -> bool,
	) -> anyhow::Result<Generation> {
		anyhow::bail!("cannot generate")
	}
	fn embed(&self, inputs: &[String]) -> anyhow::Result<Embeddings> {
		Words.embed(inputs)
	}
}

struct Server {
	public: String,
	private: String,
	compute: Arc<ComputeState>,
	client: reqwest::Client,
}

fn config(fault_outputs: bool) -> ComputeConfig {
	ComputeConfig {
		provider: PROVIDER,
		max_tokens_cap: 16,
		prices: PRICES,
		fault_outputs,
		fault_votes: false,
		genesis: GENESIS,
		max_inflight: 4,
		max_inflight_per_user: 4,
		answer_deadline: zg_worker_http::openai::ANSWER_DEADLINE,
		expiry_margin: EXPIRY_MARGIN,
		max_key_lifetime: 2_000,
	}
}

/// The tests' expiry margin, in blocks.
const EXPIRY_MARGIN: u32 = 10;

/// Serves `compute` on a public and a private listener (the private one with `secret`).
async fn serve_compute(compute: Arc<ComputeState>, secret: Option<&str>) -> Server {
	let worker = Arc::new(Worker {
		storage: None,
		da: None,
		dispersal: None,
		compute: Some(compute.clone()),
		fetch: None,
		node_secret: secret.map(str::to_string),
	});
	let public = TcpListener::bind("127.0.0.1:0").await.unwrap();
	let private = TcpListener::bind("127.0.0.1:0").await.unwrap();
	let (public_url, private_url) = (
		format!("http://{}", public.local_addr().unwrap()),
		format!("http://{}", private.local_addr().unwrap()),
	);
	tokio::spawn(serve(public, public_router(&worker)));
	tokio::spawn(serve(private, private_router(worker)));
	Server { public: public_url, private: private_url, compute, client: reqwest::Client::new() }
}

/// Starts the compute API: metered with Alice's allocation `allocation` (`None`: open API).
/// The chain allows under a key its cap, at most the allocation (nothing is settled).
async fn start(allocation: Option<u128>, fault_outputs: bool) -> Server {
	start_with(allocation, config(fault_outputs), vec![Arc::new(Words), Arc::new(EmbedOnly)]).await
}

async fn start_with(
	allocation: Option<u128>,
	config: ComputeConfig,
	engines: Vec<Arc<dyn Engine>>,
) -> Server {
	let meter = allocation.map(|allocation| {
		// Alice and Charlie are funded.
		let funded = [dev::alice().public_key().0, dev::charlie().public_key().0];
		Arc::new(Meter::new(Arc::new(move |grant: Grant| {
			Box::pin(async move {
				let c = grant.capability;
				let allocation = if funded.contains(&c.user) { allocation } else { 0 };
				Ok(Budget { cap_left: c.cap, allocation, recorded: None, at: u64::MAX })
			})
		})))
	});
	let compute = Arc::new(ComputeState::new(config, engines, meter));
	compute.set_best_block(100);
	serve_compute(compute, None).await
}

struct Reply {
	status: StatusCode,
	headers: HeaderMap,
	body: bytes::Bytes,
}

impl Reply {
	fn json(&self) -> Value {
		serde_json::from_slice(&self.body).unwrap()
	}
}

impl Server {
	/// Calls `path`: on the private listener for the node's routes, else on the public one.
	async fn call(&self, method: Method, path: &str, auth: Option<String>, body: &[u8]) -> Reply {
		let private = path.starts_with("/compute/") || path == "/metrics";
		let base = if private { &self.private } else { &self.public };
		let mut req = self.client.request(method, format!("{base}{path}")).body(body.to_vec());
		if let Some(auth) = auth {
			req = req.header("authorization", auth);
		}
		let res = req.send().await.unwrap();
		let status = res.status();
		let headers = res.headers().clone();
		let body = res.bytes().await.unwrap();
		Reply { status, headers, body }
	}

	/// Posts `body` with `signer`'s API key of a large cap.
	async fn signed(&self, path: &str, signer: &Keypair, body: &[u8]) -> Reply {
		self.call(Method::POST, path, Some(bearer(&key(signer, u128::MAX, 1))), body).await
	}

	/// Waits (2 s at most) until one run of `model` ended with `status`: a run the client no
	/// longer waits for ends, and is charged or not, in the background.
	async fn wait_for_run(&self, model: &str, status: JobStatus) {
		for _ in 0..100 {
			if self.compute.metrics().jobs(model, status) == 1 {
				break;
			}
			tokio::time::sleep(std::time::Duration::from_millis(20)).await;
		}
	}

	fn jobs(&self) -> u64 {
		self.compute.metrics().jobs("words", JobStatus::Ok)
	}

	/// The unsettled spend under Alice's key with `nonce` (nothing may stay reserved after a
	/// request).
	fn unsettled_of(&self, nonce: u64) -> u128 {
		let spend = self.compute.meter().unwrap().spend(&dev::alice().public_key().0, nonce);
		assert_eq!(spend.reserved, 0, "nothing may stay reserved");
		spend.unsettled
	}

	/// The unsettled spend under Alice's key of [`Server::signed`].
	fn unsettled(&self) -> u128 {
		self.unsettled_of(1)
	}

	/// Posts a job to `/compute/run` until it is done: its status and body.
	async fn run(&self, request: &RunRequest) -> Reply {
		let body = request.encode();
		let first = self.call(Method::POST, "/compute/run", None, &body).await;
		assert_eq!(first.status, StatusCode::ACCEPTED, "{:?}", first.body);
		for _ in 0..200 {
			let reply = self.call(Method::POST, "/compute/run", None, &body).await;
			if reply.status != StatusCode::ACCEPTED {
				return reply;
			}
			tokio::time::sleep(std::time::Duration::from_millis(10)).await;
		}
		panic!("job {} never finished", request.job);
	}

	/// Runs the job of [`run_request`] on `/compute/run`.
	async fn run_job(&self, verify: bool) -> RunResult {
		let reply = self.run(&run_request(verify, RunInput::Inline(b"hello world".to_vec()))).await;
		assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
		assert_eq!(reply.headers["content-type"], "application/octet-stream");
		RunResult::decode(&mut &reply.body[..]).unwrap()
	}
}

/// A spending capability of `signer` for [`PROVIDER`] on [`GENESIS`], expiring at block 1 000.
fn capability(signer: &Keypair, cap: u128, nonce: u64) -> SpendingCapability<Account, u32> {
	SpendingCapability {
		user: signer.public_key().0,
		provider: PROVIDER,
		cap,
		expires_at: 1_000,
		genesis: GENESIS.into(),
		nonce,
	}
}

/// An API key: `capability` signed by `signer`.
fn signed_key(signer: &Keypair, capability: &SpendingCapability<Account, u32>) -> String {
	let signature = signer.sign(&capability.signing_payload());
	encode_api_key(capability, &ChainSignature::Sr25519(signature.0))
}

fn key(signer: &Keypair, cap: u128, nonce: u64) -> String {
	signed_key(signer, &capability(signer, cap, nonce))
}

fn bearer(key: &str) -> String {
	format!("Bearer {key}")
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

/// The JSON chunks of a streamed reply, which ends with `data: [DONE]`.
fn events(reply: &Reply) -> Vec<Value> {
	let body = String::from_utf8(reply.body.to_vec()).unwrap();
	let events: Vec<&str> = body
		.split("\n\n")
		.filter(|e| !e.is_empty())
		.map(|e| e.strip_prefix("data: ").unwrap())
		.collect();
	assert_eq!(events.last(), Some(&"[DONE]"), "{body}");
	events[..events.len() - 1].iter().map(|e| serde_json::from_str(e).unwrap()).collect()
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
	// In id order: the embedding model, then the words model.
	assert_eq!(answer["data"][0]["id"], "embed");
	assert_eq!(answer["data"][1]["id"], "words");
	assert_eq!(answer["data"][1]["object"], "model");
	assert_eq!(answer["data"][1]["owned_by"], format!("0x{}", hex::encode(PROVIDER)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_completion_streamed_or_not_is_metered() {
	let server = start(Some(1_000), false).await;
	let alice = dev::alice();
	let reply = server.signed("/v1/chat/completions", &alice, &chat_body(false, 5)).await;
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

	assert_eq!(
		reply.headers["x-zg-budget-left"].to_str().unwrap(),
		(1_000 - cost).to_string(),
		"the allocation less what was spent"
	);

	// The same request streamed: chunks add up to the same text; no usage unless asked.
	let reply = server.signed("/v1/chat/completions", &alice, &chat_body(true, 5)).await;
	assert_eq!(reply.status, StatusCode::OK);
	assert_eq!(reply.headers["content-type"], "text/event-stream");
	let chunks = events(&reply);
	assert_eq!(chunks.len(), 1 + 5 + 1, "{chunks:?}");
	assert!(chunks.iter().all(|c| c["object"] == "chat.completion.chunk"));
	assert!(chunks.iter().all(|c| c["usage"].is_null()));
	assert_eq!(chunks[0]["choices"][0]["delta"]["role"], "assistant");
	let streamed: String =
		chunks.iter().filter_map(|c| c["choices"][0]["delta"]["content"].as_str()).collect();
	assert_eq!(streamed, text);
	assert_eq!(chunks.last().unwrap()["choices"][0]["finish_reason"], "length");
	assert_eq!(server.unsettled(), 2 * cost);
	assert_eq!(server.jobs(), 2);

	// With `stream_options.include_usage`, one more chunk, without choices, has the usage.
	let mut body: Value = serde_json::from_slice(&chat_body(true, 5)).unwrap();
	body["stream_options"] = json!({ "include_usage": true });
	let reply = server.signed("/v1/chat/completions", &alice, body.to_string().as_bytes()).await;
	let chunks = events(&reply);
	assert_eq!(chunks.len(), 1 + 5 + 1 + 1, "{chunks:?}");
	let last = chunks.last().unwrap();
	assert_eq!(last["choices"], json!([]));
	assert_eq!(last["usage"]["completion_tokens"], 5);
	assert_eq!(last["usage"]["prompt_tokens"], CHAT_PROMPT_TOKENS);
	assert_eq!(server.unsettled(), 3 * cost);

	// Legacy completions take the prompt as is.
	let body = json!({ "model": "words", "prompt": "one two", "max_tokens": 2 }).to_string();
	let reply = server.signed("/v1/completions", &alice, body.as_bytes()).await;
	assert_eq!(reply.status, StatusCode::OK);
	assert_eq!(reply.json()["choices"][0]["text"], "the quick ");
	assert_eq!(reply.json()["usage"]["prompt_tokens"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embeddings() {
	let server = start(Some(1_000), false).await;
	let body = json!({ "model": "words", "input": ["a b", "c"] }).to_string();
	let reply = server.signed("/v1/embeddings", &dev::alice(), body.as_bytes()).await;
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
	let reply = server.signed("/v1/embeddings", &dev::alice(), body.as_bytes()).await;
	assert_eq!(reply.json()["data"].as_array().unwrap().len(), 1);
	// What the OpenAI SDKs ask for: the base64 of the little-endian f32s.
	let body = json!({ "model": "words", "input": "a b c", "encoding_format": "base64" });
	let reply = server.signed("/v1/embeddings", &dev::alice(), body.to_string().as_bytes()).await;
	let expected: Vec<u8> = [5.0f32, 1.0].iter().flat_map(|x| x.to_le_bytes()).collect();
	use base64::Engine as _;
	let encoded = base64::engine::general_purpose::STANDARD.encode(expected);
	assert_eq!(reply.json()["data"][0]["embedding"], json!(encoded));
	let body = json!({ "model": "words", "input": "x", "encoding_format": "int8" });
	let reply = server.signed("/v1/embeddings", &dev::alice(), body.to_string().as_bytes()).await;
	assert_eq!(reply.status, StatusCode::BAD_REQUEST);
	// More texts than OpenAI's limit: refused, nothing charged.
	let before = server.unsettled();
	let body = json!({ "model": "words", "input": vec!["x"; 2049] });
	let reply = server.signed("/v1/embeddings", &dev::alice(), body.to_string().as_bytes()).await;
	assert_eq!(reply.status, StatusCode::BAD_REQUEST);
	assert_eq!(reply.json()["error"]["param"], "input");
	assert_eq!(server.unsettled(), before);
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

	// Authentication: missing, malformed, not a key, forged, another provider's, another
	// chain's, expired.
	let reply = server.call(Method::POST, path, None, &body).await;
	assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
	assert_eq!(error_of(&reply)["type"], "authentication_error");
	// The key is checked before the body is read: a body over the limit without a key gets
	// 401, not 413 (or the connection closes while the client still sends it).
	let big = server.client.post(format!("{}{path}", server.public)).body(vec![b' '; 5 << 20]);
	if let Ok(reply) = big.send().await {
		assert_eq!(reply.status(), StatusCode::UNAUTHORIZED);
	}
	let reply = server.call(Method::POST, path, Some("Basic abc".into()), &body).await;
	assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
	let reply = server.call(Method::POST, path, Some(bearer("sk-123")), &body).await;
	assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
	// Bob signs a capability that names Alice as its user.
	let mut forged = capability(&alice, u128::MAX, 1);
	let bob_signature = bob.sign(&forged.signing_payload());
	let forged_key = encode_api_key(&forged, &ChainSignature::Sr25519(bob_signature.0));
	let reply = server.call(Method::POST, path, Some(bearer(&forged_key)), &body).await;
	assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
	forged.provider = [8; 32];
	let reply =
		server.call(Method::POST, path, Some(bearer(&signed_key(&alice, &forged))), &body).await;
	assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
	let mut other_chain = capability(&alice, u128::MAX, 1);
	other_chain.genesis = [4u8; 32].into();
	let reply = server
		.call(Method::POST, path, Some(bearer(&signed_key(&alice, &other_chain))), &body)
		.await;
	assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
	let mut expired = capability(&alice, u128::MAX, 1);
	expired.expires_at = 100 + EXPIRY_MARGIN;
	let reply =
		server.call(Method::POST, path, Some(bearer(&signed_key(&alice, &expired))), &body).await;
	assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
	assert_eq!(error_of(&reply)["code"], "expired_api_key");
	// A key the chain would never settle: it expires past the chain's capability lifetime.
	let mut too_long = capability(&alice, u128::MAX, 1);
	too_long.expires_at = 100 + 2_000 + 1;
	let reply =
		server.call(Method::POST, path, Some(bearer(&signed_key(&alice, &too_long))), &body).await;
	assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
	assert!(error_of(&reply)["message"].as_str().unwrap().contains("expires sooner"));

	// Malformed JSON, wrong types, too many tokens, unknown model: 400/404.
	let reply = server.signed(path, &alice, b"{not json").await;
	assert_eq!(reply.status, StatusCode::BAD_REQUEST);
	assert_eq!(error_of(&reply)["code"], "invalid_json");
	let wrong = json!({ "model": "words", "messages": "hi", "max_tokens": "five" }).to_string();
	let reply = server.signed(path, &alice, wrong.as_bytes()).await;
	assert_eq!(reply.status, StatusCode::BAD_REQUEST);
	let reply = server.signed(path, &alice, &chat_body(false, 17)).await;
	assert_eq!(reply.status, StatusCode::BAD_REQUEST);
	assert_eq!(error_of(&reply)["param"], "max_tokens");
	let mut many_stops: Value = serde_json::from_slice(&chat_body(false, 5)).unwrap();
	many_stops["stop"] = json!(["a", "b", "c", "d", "e"]);
	let reply = server.signed(path, &alice, many_stops.to_string().as_bytes()).await;
	assert_eq!(reply.status, StatusCode::BAD_REQUEST);
	assert_eq!(error_of(&reply)["param"], "stop");
	let unknown = json!({ "model": "nope", "messages": [{ "role": "user", "content": "x" }] });
	let reply = server.signed(path, &alice, unknown.to_string().as_bytes()).await;
	assert_eq!(reply.status, StatusCode::NOT_FOUND);
	assert_eq!(error_of(&reply)["code"], "model_not_found");
	assert_eq!(server.jobs(), 0);
	assert_eq!(server.unsettled(), 0);
	assert!(!server.compute.metrics().render().contains("zg_compute_jobs_total{"));

	// A valid key works, as often as its cap allows.
	let reply = server.signed(path, &alice, &body).await;
	assert_eq!(reply.status, StatusCode::OK);
	let reply = server.signed(path, &alice, &body).await;
	assert_eq!(reply.status, StatusCode::OK);
	assert_eq!(server.jobs(), 2);

	// Bob has no allocation: 402, nothing metered or counted.
	let reply = server.signed(path, &bob, &body).await;
	assert_eq!(reply.status, StatusCode::PAYMENT_REQUIRED);
	assert_eq!(error_of(&reply)["type"], "insufficient_quota");
	assert_eq!(server.compute.meter().unwrap().spend(&bob.public_key().0, 1), Default::default());
	assert_eq!(server.jobs(), 2);
}

/// Finding 8, the worker's half: a key serves no more than the cap its user signed, whatever
/// the allocation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_serves_no_more_than_its_cap() {
	let server = start(Some(1_000_000), false).await;
	let alice = dev::alice();
	let body = chat_body(false, 5);
	let prompt_bound = token_bound("<|system|>\nBe brief.\n<|user|>\nhello there\n<|assistant|>\n");
	let max_cost = PRICES.cost(prompt_bound, 5);
	let cost = PRICES.cost(CHAT_PROMPT_TOKENS, 5);
	// Room for one request's largest cost and its real cost, not for a second largest cost.
	let small = key(&alice, max_cost + cost - 1, 7);
	let path = "/v1/chat/completions";
	let reply = server.call(Method::POST, path, Some(bearer(&small)), &body).await;
	assert_eq!(reply.status, StatusCode::OK);
	let reply = server.call(Method::POST, path, Some(bearer(&small)), &body).await;
	assert_eq!(reply.status, StatusCode::PAYMENT_REQUIRED);
	assert_eq!(server.unsettled_of(7), cost);
	// Another key of the same user has its own cap.
	let reply =
		server.call(Method::POST, path, Some(bearer(&key(&alice, max_cost, 8))), &body).await;
	assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn budget_must_cover_the_largest_cost() {
	// The prompt of `chat_body` has 56 bytes: its bound is 58 tokens; 5 output tokens.
	let prompt_bound = token_bound("<|system|>\nBe brief.\n<|user|>\nhello there\n<|assistant|>\n");
	let max_cost = PRICES.cost(prompt_bound, 5);
	let server = start(Some(max_cost - 1), false).await;
	let alice = dev::alice();
	let reply = server.signed("/v1/chat/completions", &alice, &chat_body(false, 5)).await;
	assert_eq!(reply.status, StatusCode::PAYMENT_REQUIRED);
	assert_eq!(server.unsettled(), 0);
	assert_eq!(server.jobs(), 0);
	// The refused request did not use its nonce; with fewer tokens it fits.
	let reply = server.signed("/v1/chat/completions", &alice, &chat_body(false, 4)).await;
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

fn run_request(verify: bool, input: RunInput) -> RunRequest {
	RunRequest {
		job: if verify { 9 } else { 8 },
		kind: ServiceKind::Inference,
		model: b"words".to_vec(),
		model_root: Default::default(),
		input,
		max_tokens: 3,
		verify,
	}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compute_run_answers_scale_and_faults_only_unverified_jobs() {
	let honest = RunResult {
		outcome: JobOutcome::Output {
			output_hash: output_hash(b"the quick brown "),
			input_tokens: 2,
			output_tokens: 3,
		},
		output_root: None,
	};
	let server = start(Some(0), false).await;
	assert_eq!(server.run_job(false).await, honest);
	// A finished job is answered again from its result, without running it again.
	let reply = server
		.call(
			Method::POST,
			"/compute/run",
			None,
			&run_request(false, RunInput::Inline(b"hello world".to_vec())).encode(),
		)
		.await;
	assert_eq!(reply.status, StatusCode::OK);
	assert_eq!(server.run_job(true).await, honest);
	// Jobs are not metered against API keys (the chain pays them).
	assert_eq!(server.unsettled(), 0);
	let metrics = server.compute.metrics().render();
	assert!(
		metrics.contains("zg_compute_jobs_total{model=\"words\",status=\"ok\"} 2"),
		"{metrics}"
	);

	let faulty = start(Some(0), true).await;
	let answer = faulty.run_job(false).await;
	let JobOutcome::Output { output_hash: hash, input_tokens, output_tokens } = answer.outcome
	else {
		panic!("an output")
	};
	assert_eq!(hash, output_hash(format!("the quick brown {FAULT_SUFFIX}").as_bytes()));
	assert_eq!((input_tokens, output_tokens), (2, 3));
	assert_eq!(faulty.run_job(true).await, honest);

	// Garbage: 400.
	let reply = faulty.call(Method::POST, "/compute/run", None, b"\x01\x02").await;
	assert_eq!(reply.status, StatusCode::BAD_REQUEST);

	// A job above the API's token cap, with bytes that are not UTF-8, is still answered
	// (lossily, deterministically): refusing it would only let it expire and slash the provider.
	let mut big = run_request(true, RunInput::Inline(vec![0xff, b'a', b' ']));
	big.job = 10;
	big.max_tokens = 100;
	let reply = faulty.run(&big).await;
	assert_eq!(reply.status, StatusCode::OK);
	let answer = RunResult::decode(&mut &reply.body[..]).unwrap();
	assert!(matches!(answer.outcome, JobOutcome::Output { input_tokens: 1, .. }));
}

/// Finding 9: what no worker could run is a deterministic refusal; what this worker cannot run
/// now is 503, so that nothing is submitted and verifiers abstain.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finding_9_compute_run_refuses_deterministically_or_is_unavailable() {
	let server = start(Some(0), false).await;
	let job = |id: u64, model: &[u8], input: RunInput| {
		let mut r = run_request(false, input);
		r.job = id;
		r.model = model.to_vec();
		r
	};
	let refusal = |reply: Reply| {
		assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
		match RunResult::decode(&mut &reply.body[..]).unwrap().outcome {
			JobOutcome::Refused(r) => r,
			other => panic!("not a refusal: {other:?}"),
		}
	};
	// An embedding model asked to generate.
	let reply = server.run(&job(20, b"embed", RunInput::Inline(b"hi".to_vec()))).await;
	assert_eq!(refusal(reply), Refusal::WrongKind);
	// A fine-tuning job for an inference engine.
	let mut tune = job(21, b"words", RunInput::Inline(b"hi".to_vec()));
	tune.kind = ServiceKind::FineTuning;
	assert_eq!(refusal(server.run(&tune).await), Refusal::WrongKind);
	// The engine refuses the input.
	let reply = server.run(&job(22, b"words", RunInput::Inline(b"toolong".to_vec()))).await;
	assert_eq!(refusal(reply), Refusal::ContextTooLong);
	// Unavailable: the engine fails, an unknown model, a stored input without storage.
	for (id, model, input) in [
		(23, &b"words"[..], RunInput::Inline(b"crash".to_vec())),
		(24, b"nope", RunInput::Inline(b"hi".to_vec())),
		(25, b"words", RunInput::Stored(Default::default())),
	] {
		let reply = server.run(&job(id, model, input)).await;
		assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE, "job {id}");
	}
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
	// Unknown routes: 404, in JSON.
	let reply = server.call(Method::GET, "/v1/nothing", None, b"").await;
	assert_eq!(reply.status, StatusCode::NOT_FOUND);
	assert!(reply.json()["error"].is_string());
	// The node's routes are not on the public listener, nor the API on the private one.
	let public = server.client.get(format!("{}/metrics", server.public)).send().await.unwrap();
	assert_eq!(public.status(), StatusCode::NOT_FOUND);
	let private = server.client.get(format!("{}/v1/models", server.private)).send().await.unwrap();
	assert_eq!(private.status(), StatusCode::NOT_FOUND);
	// Without a secret, a web page cannot use the node's API: no Origin, no foreign host name.
	let url = format!("{}/metrics", server.private);
	let page = server.client.get(&url).header("origin", "https://evil.example").send();
	assert_eq!(page.await.unwrap().status(), StatusCode::FORBIDDEN);
	let rebound = server.client.get(&url).header("host", "evil.example:8800").send();
	assert_eq!(rebound.await.unwrap().status(), StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_leaving_a_stream_pays_for_what_was_generated() {
	let server = start(Some(1_000), false).await;
	let mut res = server
		.client
		.post(format!("{}/v1/chat/completions", server.public))
		.header("authorization", bearer(&key(&dev::alice(), u128::MAX, 1)))
		.body(chat_body(true, 9))
		.send()
		.await
		.unwrap();
	assert_eq!(res.status(), StatusCode::OK);
	// Once the first chunk is out, the engine runs; the client leaves.
	let first = res.chunk().await.unwrap().unwrap();
	assert!(first.starts_with(b"data: {"));
	drop(res);
	// The generation ends, the reservation becomes the real cost.
	server.wait_for_run("words", JobStatus::Ok).await;
	assert_eq!(server.jobs(), 1);
	let spend = server.compute.meter().unwrap().spend(&dev::alice().public_key().0, 1);
	assert_eq!(spend.reserved, 0);
	assert!(spend.unsettled <= PRICES.cost(CHAT_PROMPT_TOKENS, 9));
}

/// An answer that breaks off after part of it was streamed: the client gets an error event,
/// and pays for the part it got (the engine's count), not for nothing and not for all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_off_answer_is_charged_what_was_delivered() {
	let server = start(Some(1_000), false).await;
	let body = json!({ "model": "words", "prompt": "cutoff", "max_tokens": 9, "stream": true });
	let reply = server.signed("/v1/completions", &dev::alice(), body.to_string().as_bytes()).await;
	assert_eq!(reply.status, StatusCode::OK);
	let events = events(&reply);
	assert_eq!(events[0]["choices"][0]["text"], "the ");
	assert!(events
		.iter()
		.any(|e| e["error"]["message"].as_str().is_some_and(|m| m.contains("cut"))));
	assert_eq!(server.unsettled(), PRICES.cost(1, 1));
	// Not streamed, the client gets no part of it: an error, charged nothing more.
	let body = json!({ "model": "words", "prompt": "cutoff", "max_tokens": 9 });
	let reply = server.signed("/v1/completions", &dev::alice(), body.to_string().as_bytes()).await;
	assert_eq!(reply.status, StatusCode::BAD_GATEWAY);
	assert_eq!(server.unsettled(), PRICES.cost(1, 1));
}

/// The built-in model behind the OpenAI API and `/compute/run`; finding 11: a job whose
/// `model_root` is not the loaded weights' hash is not run (503: nothing is submitted).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finding_11_the_built_in_model_runs_only_jobs_for_its_weights() {
	use zg_engine_det::gpt::{generate_model, GptConfig, GptModel};
	let bytes = generate_model(7, &GptConfig::tiny()).unwrap();
	let model = Arc::new(GptModel::from_bytes(&bytes).unwrap().with_model_id("tiny"));
	let compute = Arc::new(ComputeState::new(config(false), vec![model.clone()], None));
	let server = serve_compute(compute, None).await;

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
	let root = model.content_hash();
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

	// A job for these weights runs; a job for other weights does not.
	let mut run = RunRequest {
		job: 1,
		kind: ServiceKind::Inference,
		model: b"tiny".to_vec(),
		model_root: root.into(),
		input: RunInput::Inline(prompt.as_bytes().to_vec()),
		max_tokens: 8,
		verify: true,
	};
	let reply = server.run(&run).await;
	let result = RunResult::decode(&mut &reply.body[..]).unwrap();
	assert_eq!(
		result.outcome,
		JobOutcome::Output {
			output_hash: output_hash(expected.text.as_bytes()),
			input_tokens: expected.prompt_tokens,
			output_tokens: expected.completion_tokens,
		}
	);
	run.job = 2;
	run.model_root = Default::default();
	assert_eq!(server.run(&run).await.status, StatusCode::SERVICE_UNAVAILABLE);
}

/// A model that takes its time, to hold a place among the requests in flight.
struct Slow;

impl Engine for Slow {
	fn model_id(&self) -> &str {
		"slow"
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
		std::thread::sleep(std::time::Duration::from_millis(600));
		Words.generate(prompt, params, on_token)
	}
	fn embed(&self, inputs: &[String]) -> anyhow::Result<Embeddings> {
		std::thread::sleep(std::time::Duration::from_millis(600));
		Words.embed(inputs)
	}
}

/// More requests than `max_inflight` at once: 429 in OpenAI's shape (what SDKs retry), with
/// `retry-after`; nothing is charged for it; the next one, later, runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_requests_at_once_get_429() {
	let mut config = config(false);
	config.max_inflight = 1;
	let server = start_with(Some(1_000), config, vec![Arc::new(Slow)]).await;
	let body = json!({ "model": "slow", "prompt": "x", "max_tokens": 2 }).to_string();
	let alice = dev::alice();
	let first = server.signed("/v1/completions", &alice, body.as_bytes());
	let second = async {
		tokio::time::sleep(std::time::Duration::from_millis(200)).await;
		server.signed("/v1/completions", &alice, body.as_bytes()).await
	};
	let (first, second) = tokio::join!(first, second);
	assert_eq!(first.status, StatusCode::OK);
	assert_eq!(second.status, StatusCode::TOO_MANY_REQUESTS);
	assert_eq!(second.json()["error"]["code"], "rate_limit_exceeded");
	assert_eq!(second.headers["retry-after"], "1");
	let spend = server.compute.meter().unwrap().spend(&alice.public_key().0, 1);
	assert_eq!(spend.unsettled, PRICES.cost(1, 2));
	assert_eq!(
		server.signed("/v1/completions", &alice, body.as_bytes()).await.status,
		StatusCode::OK
	);
}

/// A client that sends a request and hangs up before the answer (not streamed) does not get
/// the engine's work for free: the run stops at its first token and what it did is charged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hanging_up_before_the_answer_is_not_free() {
	let server = start_with(Some(1_000), config(false), vec![Arc::new(Slow)]).await;
	let body = json!({ "model": "slow", "prompt": "x", "max_tokens": 2 }).to_string();
	let request = server
		.client
		.post(format!("{}/v1/completions", server.public))
		.header("authorization", bearer(&key(&dev::alice(), u128::MAX, 1)))
		.body(body)
		.send();
	// Gone while the engine is still at its first token.
	assert!(tokio::time::timeout(std::time::Duration::from_millis(200), request).await.is_err());
	server.wait_for_run("slow", JobStatus::Ok).await;
	let spend = server.compute.meter().unwrap().spend(&dev::alice().public_key().0, 1);
	assert_eq!(spend.reserved, 0);
	assert_eq!(spend.unsettled, PRICES.cost(1, 1), "the prompt and the one token generated");
}

/// An answer that misses the server's deadline: 504 in OpenAI's shape, the run stopped, and
/// nothing charged (the client got nothing through no choice of its own).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_past_the_deadline_is_free() {
	let mut config = config(false);
	config.answer_deadline = std::time::Duration::from_millis(200);
	let server = start_with(Some(1_000), config, vec![Arc::new(Slow)]).await;
	let body = json!({ "model": "slow", "prompt": "x", "max_tokens": 2 }).to_string();
	let answer = server.signed("/v1/completions", &dev::alice(), body.as_bytes()).await;
	assert_eq!(answer.status, StatusCode::GATEWAY_TIMEOUT, "{:?}", answer.body);
	assert!(answer.json()["error"]["message"].as_str().unwrap().contains("nothing is charged"));
	// The run ends at its next token; then its reservation is released, and nothing owed.
	server.wait_for_run("slow", JobStatus::Error).await;
	assert_eq!(server.compute.metrics().jobs("slow", JobStatus::Error), 1);
	let spend = server.compute.meter().unwrap().spend(&dev::alice().public_key().0, 1);
	assert_eq!(spend, Default::default(), "nothing reserved, nothing owed");
}

/// Embeddings past the deadline: 504, and nothing charged once they are done.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embeddings_past_the_deadline_are_free() {
	let mut config = config(false);
	config.answer_deadline = std::time::Duration::from_millis(200);
	let server = start_with(Some(1_000), config, vec![Arc::new(Slow)]).await;
	let body = json!({ "model": "slow", "input": ["a b", "c"] }).to_string();
	let reply = server.signed("/v1/embeddings", &dev::alice(), body.as_bytes()).await;
	assert_eq!(reply.status, StatusCode::GATEWAY_TIMEOUT, "{:?}", reply.body);
	server.wait_for_run("slow", JobStatus::Error).await;
	let spend = server.compute.meter().unwrap().spend(&dev::alice().public_key().0, 1);
	assert_eq!(spend, Default::default(), "nothing reserved, nothing owed");
}

/// A streamed answer ends at the deadline too (every answer must end in time for its key's
/// settlement): `finish_reason: length`, charged what was sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_ends_at_the_deadline() {
	let mut config = config(false);
	config.answer_deadline = std::time::Duration::from_millis(200);
	let server = start_with(Some(1_000), config, vec![Arc::new(Slow)]).await;
	let body =
		json!({ "model": "slow", "prompt": "x", "max_tokens": 5, "stream": true }).to_string();
	let reply = server.signed("/v1/completions", &dev::alice(), body.as_bytes()).await;
	assert_eq!(reply.status, StatusCode::OK);
	let chunks = events(&reply);
	let text: String =
		chunks.iter().filter_map(|c| c["choices"][0]["text"].as_str()).collect::<String>();
	assert_eq!(text.split_whitespace().count(), 1, "{chunks:?}");
	assert_eq!(chunks.last().unwrap()["choices"][0]["finish_reason"], "length");
	let spend = server.compute.meter().unwrap().spend(&dev::alice().public_key().0, 1);
	assert_eq!(spend.unsettled, PRICES.cost(1, 1), "the one token sent");
}

/// One user cannot take every place: past its own limit it gets 429 while another user's
/// request still runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_user_cannot_take_every_place() {
	let mut config = config(false);
	config.max_inflight = 3;
	config.max_inflight_per_user = 2;
	let server = start_with(Some(1_000), config, vec![Arc::new(Slow)]).await;
	let body = json!({ "model": "slow", "prompt": "x", "max_tokens": 2 }).to_string();
	let (alice, charlie) = (dev::alice(), dev::charlie());
	let later = |signer: &Keypair, ms: u64| {
		let (server, body, signer) = (&server, body.clone(), signer.clone());
		async move {
			tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
			server.signed("/v1/completions", &signer, body.as_bytes()).await
		}
	};
	// Alice's first two requests take her two places; her third is refused at once.
	let (a, b, c, d) =
		tokio::join!(later(&alice, 0), later(&alice, 50), later(&alice, 200), later(&charlie, 250));
	assert_eq!((a.status, b.status), (StatusCode::OK, StatusCode::OK));
	assert_eq!(c.status, StatusCode::TOO_MANY_REQUESTS, "{:?}", c.body);
	assert_eq!(c.json()["error"]["code"], "rate_limit_exceeded");
	assert!(c.json()["error"]["message"].as_str().unwrap().contains("per user"));
	assert_eq!(d.status, StatusCode::OK, "another user still gets a place");
	// Nothing charged for the refused one.
	let spend = server.compute.meter().unwrap().spend(&alice.public_key().0, 1);
	assert_eq!(spend.unsettled, 2 * PRICES.cost(1, 2));
}

/// With a secret, the private API answers only the node that sends it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_private_api_needs_the_node_secret() {
	let compute = Arc::new(ComputeState::new(config(false), vec![Arc::new(Words)], None));
	let server = serve_compute(compute, Some("s3cret")).await;
	let get = |auth: Option<&'static str>| {
		let mut req = server.client.get(format!("{}/metrics", server.private));
		if let Some(auth) = auth {
			req = req.header("authorization", auth);
		}
		req.send()
	};
	assert_eq!(get(None).await.unwrap().status(), StatusCode::UNAUTHORIZED);
	assert_eq!(get(Some("Bearer wrong")).await.unwrap().status(), StatusCode::UNAUTHORIZED);
	assert_eq!(get(Some("Bearer s3cret")).await.unwrap().status(), StatusCode::OK);
	let health = server.client.get(format!("{}/health", server.private)).send().await.unwrap();
	assert_eq!(health.status(), StatusCode::OK);
	let job = run_request(false, RunInput::Inline(b"hi".to_vec())).encode();
	let run = server
		.client
		.post(format!("{}/compute/run", server.private))
		.body(job)
		.send()
		.await
		.unwrap();
	assert_eq!(run.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn what_axum_answers_itself_is_in_the_apis_shape() {
	let server = start(Some(1_000), false).await;
	let openai_error = |reply: &Reply, status: StatusCode| {
		assert_eq!(reply.status, status, "{:?}", reply.body);
		assert_eq!(reply.headers["content-type"], "application/json");
		let error = reply.json()["error"].clone();
		assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()), "{error}");
		assert!(error["type"].is_string(), "{error}");
		error
	};
	// A method the route does not take: 405, its Allow header kept.
	let reply = server.call(Method::GET, "/v1/chat/completions", None, b"").await;
	openai_error(&reply, StatusCode::METHOD_NOT_ALLOWED);
	assert!(reply.headers.contains_key("allow"));
	// A path under the API that no route takes.
	let reply = server.call(Method::GET, "/v1/chat/nothing", None, b"").await;
	let error = openai_error(&reply, StatusCode::NOT_FOUND);
	assert!(error["message"].as_str().unwrap().contains("/v1/chat/nothing"));
	// A body over the limit, with a valid key: 413 in OpenAI's shape.
	let alice = dev::alice();
	let big = vec![b' '; 5 << 20];
	let reply = server.signed("/v1/embeddings", &alice, &big).await;
	openai_error(&reply, StatusCode::PAYLOAD_TOO_LARGE);
	// Elsewhere, the storage API's shape.
	let reply = server.call(Method::GET, "/v1/files/0x00", None, b"").await;
	assert_eq!(reply.status, StatusCode::NOT_FOUND);
	assert!(reply.json()["error"].is_string());
	assert_eq!(server.unsettled(), 0, "nothing charged");
}
