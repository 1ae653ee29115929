//! The private API: what the node's offchain workers call on their provider's worker, and the
//! metrics. It is served on its own listener (loopback by default), apart from the public
//! API, and, with a shared secret, answers only requests that carry
//! `Authorization: Bearer <secret>` (the node reads the secret from its offchain storage,
//! `zg_offchain::worker::SECRET_KEY`).
//!
//! | method | path | what |
//! |---|---|---|
//! | `GET` | [`worker_api::HELD`] | shards held and not yet confirmed on chain, SCALE [`worker_api::HeldReply`] |
//! | `GET` | `/v1/proofs/{root}/{shard}/{chunk}` ([`worker_api::proof_route`]) | a chunk and its Merkle path, SCALE [`worker_api::ProofReply`]; reads one 16 KiB group and the stored tree |
//! | `GET` | [`worker_api::FRAUD`] | files found inconsistent while rebuilding a shard, with the proof, SCALE [`worker_api::FraudReply`] |
//! | `POST` | [`worker_api::COMPUTE_RUN`] | one job: SCALE `RunRequest` in; 202 while it runs, then SCALE `RunResult` out, or 503 when it cannot be run now (`zg_compute_market::jobs`) |
//! | `GET` | `/v1/da/{root}/cells/{row\|column}/{index}/{pos}` ([`worker_api::da_cell_route`]) | a DA chunk with its proof against the blob's commitment, SCALE [`zg_primitives::da::CellProof`]: what answers an availability challenge |
//! | `GET` | `/metrics` | Prometheus metrics of the compute role |
//! | `GET` | `/health` | `ok` (no secret needed) |
//!
//! Without a secret, requests with an `Origin` header or a host name other than an address or
//! `localhost` are refused, so that a web page the provider opens cannot reach it.

use crate::{
	error::{ApiError, StorageFailure},
	storage::{number, root},
	Worker,
};
use axum::{
	body::Bytes,
	extract::{DefaultBodyLimit, Path, Request, State},
	http::{header, StatusCode},
	middleware::{self, Next},
	response::{IntoResponse, Response},
	routing::{get, post},
	Router,
};
use codec::{Decode, Encode};
use std::sync::Arc;
use zg_compute_market::JobAnswer;
use zg_primitives::{compute::RunRequest, worker_api};

/// The largest `/compute/run` body, in bytes.
const RUN_BODY_LIMIT: usize = 16 << 20;

/// The private routes of `worker`.
pub fn routes(worker: Arc<Worker>) -> Router {
	let mut router = Router::new();
	if worker.storage.is_some() {
		router = router
			.route(worker_api::HELD, get(held))
			.route("/v1/proofs/:root/:shard/:chunk", get(proof))
			.route(worker_api::FRAUD, get(fraud));
	}
	if worker.compute.is_some() {
		router = router
			.route(worker_api::COMPUTE_RUN, post(run).layer(DefaultBodyLimit::max(RUN_BODY_LIMIT)))
			.route("/metrics", get(metrics));
	}
	if worker.da.is_some() {
		router = router.route(crate::da::CELL_ROUTE, get(da_cell));
	}
	if worker.storage.is_some() || worker.compute.is_some() || worker.da.is_some() {
		let secret = worker.node_secret.clone();
		router = router.route_layer(middleware::from_fn_with_state(secret, require_secret));
	}
	router.with_state(worker)
}

/// A DA chunk with its proof, for the node's answer to an availability challenge.
async fn da_cell(
	State(worker): State<Arc<Worker>>,
	Path(path): Path<(String, String, String, String)>,
) -> Response {
	match &worker.da {
		Some(signer) => crate::da::cell_answer(signer.clone(), path).await.into_response(),
		None => StatusCode::NOT_FOUND.into_response(),
	}
}

/// Refuses requests without the shared secret, when there is one. Without one (a private
/// listener on loopback), refuses what a web page could send or read: requests that carry an
/// `Origin` (a browser's cross-origin request) or name a host other than an address or
/// `localhost` (DNS rebinding).
async fn require_secret(
	State(secret): State<Option<String>>,
	request: Request,
	next: Next,
) -> Response {
	if secret.is_none() {
		let headers = request.headers();
		let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
		let name = host.rsplit_once(':').map_or(host, |(name, _)| name);
		let plain = name == "localhost"
			|| name
				.trim_start_matches('[')
				.trim_end_matches(']')
				.parse::<std::net::IpAddr>()
				.is_ok();
		if headers.contains_key(header::ORIGIN) || !plain {
			return (StatusCode::FORBIDDEN, "the node's API is not for web pages").into_response();
		}
	}
	if let Some(secret) = secret {
		let given = request
			.headers()
			.get(header::AUTHORIZATION)
			.and_then(|v| v.to_str().ok())
			.and_then(|v| v.strip_prefix("Bearer "));
		if !given.is_some_and(|given| constant_time_eq(given.as_bytes(), secret.as_bytes())) {
			return (StatusCode::UNAUTHORIZED, "the node's secret is missing or wrong")
				.into_response();
		}
	}
	next.run(request).await
}

/// Compares without leaking where the first difference is.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
	a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn scale(value: impl Encode) -> Response {
	([(header::CONTENT_TYPE, "application/octet-stream")], value.encode()).into_response()
}

async fn held(State(worker): State<Arc<Worker>>) -> Response {
	let held: worker_api::HeldReply = worker.storage().map(|s| s.held()).unwrap_or_default();
	scale(held)
}

async fn fraud(State(worker): State<Arc<Worker>>) -> Response {
	let found: worker_api::FraudReply = worker.storage().map(|s| s.fraud()).unwrap_or_default();
	scale(found)
}

async fn proof(
	State(worker): State<Arc<Worker>>,
	Path((text, shard, chunk)): Path<(String, String, String)>,
) -> Result<Response, StorageFailure> {
	let (root, shard, chunk) = (root(&text)?, number(&shard, "shard")?, number(&chunk, "chunk")?);
	let Some(storage) = worker.storage() else {
		return Err(crate::error::bad_request("this worker stores nothing"));
	};
	let proof: worker_api::ProofReply = storage.proof(root, shard, chunk).await?;
	Ok(scale(proof))
}

async fn run(State(worker): State<Arc<Worker>>, body: Bytes) -> Result<Response, ApiError> {
	let Some(compute) = worker.compute.as_ref() else {
		return Err(ApiError::invalid("this worker serves no models"));
	};
	let request = RunRequest::decode(&mut &body[..])
		.map_err(|e| ApiError::invalid(format!("not a SCALE RunRequest: {e}")))?;
	Ok(match compute.run_job(request, worker.fetch.clone()) {
		JobAnswer::Started => (StatusCode::ACCEPTED, "started").into_response(),
		JobAnswer::Running => (StatusCode::ACCEPTED, "running").into_response(),
		JobAnswer::Done(result) => scale(result),
		JobAnswer::Unavailable(message) => {
			return Err(ApiError::server(StatusCode::SERVICE_UNAVAILABLE, message))
		},
	})
}

async fn metrics(State(worker): State<Arc<Worker>>) -> Response {
	let text = worker.compute.as_ref().map(|c| c.metrics().render()).unwrap_or_default();
	([(header::CONTENT_TYPE, zg_compute_market::metrics::CONTENT_TYPE)], text).into_response()
}
