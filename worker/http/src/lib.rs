//! # The worker's HTTP layer
//!
//! Two listeners, each an axum [`Router`] with tower-http's layers:
//!
//! - **public** ([`public_router`]): the storage API ([`storage`]: uploads, downloads, shards
//!   between providers, status), the DA signer's API ([`da`]: deliveries, roots, rows, chunks
//!   with proofs), dispersal for clients ([`dispersal`]) and the OpenAI-compatible API
//!   ([`openai`]); `/health`.
//! - **private** ([`private_router`]): what the node's offchain workers call ([`node`]:
//!   proofs, held shards, inconsistent files, jobs) and `/metrics`; served on loopback, and
//!   with a shared secret when one is set.
//!
//! Every listener has a header read timeout ([`HEADER_TIMEOUT`]). The routes with small bodies
//! (the OpenAI API, `/rpc`, the node's routes) share, per listener, a bound on the requests in
//! flight ([`MAX_IN_FLIGHT`]; more are answered 503 at once), a body read timeout
//! ([`BODY_TIMEOUT`]) and a request timeout ([`REQUEST_TIMEOUT`]); the storage routes stream
//! their bodies under the deadlines and pace of `zg_storage_service::transfer` and have their
//! own bounds (a few uploads, shard transfers and downloads at once), so that slow clients of
//! one kind cannot starve another (a peer's shard push never waits behind `/rpc` callers).
//! Errors are typed ([`error`]) in each API's own shape; what axum and tower-http answer
//! themselves (a query or path they cannot parse, a method a route does not take, a body
//! over its limit, a timeout) is put in that shape too ([`error::in_storage_shape`],
//! [`error::in_openai_shape`]).
//!
//! This crate knows nothing of erasure coding or engines: it parses, calls
//! `zg-storage-service` and `zg-compute-market`, and answers.

pub mod da;
pub mod dispersal;
pub mod error;
pub mod node;
pub mod openai;
pub mod storage;

use axum::{
	error_handling::HandleErrorLayer,
	http::StatusCode,
	middleware::map_response,
	response::{IntoResponse, Response},
	BoxError, Json, Router,
};
use hyper_util::{
	rt::{TokioIo, TokioTimer},
	service::TowerToHyperService,
};
use std::{sync::Arc, time::Duration};
use tokio::net::TcpListener;
use tower::{limit::GlobalConcurrencyLimitLayer, ServiceBuilder};
use tower_http::{
	timeout::{RequestBodyTimeoutLayer, TimeoutLayer},
	trace::TraceLayer,
};
use zg_compute_market::{ComputeState, FetchFn};
use zg_storage_service::StorageService;

/// The longest a client may take to send a request's headers.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(30);
/// Requests with small bodies in flight on one listener; more are refused with 503.
pub const MAX_IN_FLIGHT: usize = 512;
/// The longest a small request body may take to arrive, in all (the OpenAI API, `/rpc`), and
/// the longest it may stall between two frames (every route with a small body).
pub const BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest a request of the OpenAI API or of the node may take until its answer starts
/// (a streamed answer then streams as long as it generates).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(300);

/// What the worker serves.
pub struct Worker {
	/// The storage role (`None`: compute only).
	pub storage: Option<Arc<StorageService>>,
	/// The compute role (`None`: storage only).
	pub compute: Option<Arc<ComputeState>>,
	/// The DA signer role (`None`: not a DA signer).
	pub da: Option<Arc<zg_da_service::signer::DaSigner>>,
	/// Dispersal for clients (`None`: not offered).
	pub dispersal: Option<Arc<zg_da_service::dispersal::Disperser>>,
	/// Reads stored job inputs for the compute role.
	pub fetch: Option<FetchFn>,
	/// The secret the node must send to the private API (`None`: none needed; the private
	/// listener must then be on loopback).
	pub node_secret: Option<String>,
}

impl Worker {
	/// The storage role.
	pub fn storage(&self) -> Option<&Arc<StorageService>> {
		self.storage.as_ref()
	}
}

/// The JSON 404 of a path no route takes: in OpenAI's shape under the OpenAI API's paths,
/// in the storage API's elsewhere.
async fn no_route(uri: axum::http::Uri, method: axum::http::Method) -> Response {
	let message = format!("no route for {method} {}", uri.path());
	if openai::PATHS.iter().any(|p| uri.path().starts_with(p)) {
		let error = error::ApiError::new(StatusCode::NOT_FOUND, "invalid_request_error", message);
		return error.into_response();
	}
	(StatusCode::NOT_FOUND, Json(error::ErrorBody { error: message })).into_response()
}

/// Answers what the listener's layers refuse: 503 when too many requests are in flight.
/// (tower-http's timeout answers 408 itself, as a response, not an error.)
async fn refused(error: BoxError) -> Response {
	let (status, error) = if error.is::<tower::load_shed::error::Overloaded>() {
		(StatusCode::SERVICE_UNAVAILABLE, "too many requests at once: try again shortly".into())
	} else {
		(StatusCode::INTERNAL_SERVER_ERROR, error.to_string())
	};
	(status, Json(error::ErrorBody { error })).into_response()
}

/// The layers of the routes with small bodies: at most [`MAX_IN_FLIGHT`] requests at once
/// over all of them (one semaphore shared by every route's service), bodies within
/// [`BODY_TIMEOUT`], answers started within [`REQUEST_TIMEOUT`].
fn bounded(router: Router, in_flight: &Arc<tokio::sync::Semaphore>) -> Router {
	router.layer(
		ServiceBuilder::new()
			.layer(HandleErrorLayer::new(refused))
			.load_shed()
			.layer(GlobalConcurrencyLimitLayer::with_semaphore(in_flight.clone()))
			.layer(TimeoutLayer::new(REQUEST_TIMEOUT))
			.map_request(|mut request: axum::extract::Request| {
				request.extensions_mut().insert(Arrived(std::time::Instant::now()));
				request
			})
			.layer(RequestBodyTimeoutLayer::new(BODY_TIMEOUT)),
	)
}

/// When a request reached its route's layers, as the request timeout counts (an extension
/// the routes of small bodies get; deadlines within the request are measured from it).
#[derive(Clone, Copy, Debug)]
pub struct Arrived(pub std::time::Instant);

#[axum::async_trait]
impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Arrived {
	type Rejection = std::convert::Infallible;

	/// The stamp, or now for a route without it.
	async fn from_request_parts(
		parts: &mut axum::http::request::Parts,
		_: &S,
	) -> Result<Self, Self::Rejection> {
		Ok(parts.extensions.get::<Arrived>().copied().unwrap_or(Arrived(std::time::Instant::now())))
	}
}

/// Closes the connection after a refusal of a request with a large body: the body may not
/// have been read (the refusal comes first), so the client must not send its next request on
/// this connection.
pub(crate) async fn close_on_refusal(mut response: Response) -> Response {
	if !response.status().is_success() {
		response
			.headers_mut()
			.insert(axum::http::header::CONNECTION, axum::http::HeaderValue::from_static("close"));
	}
	response
}

/// What every listener has: `/health`, the JSON 404, request logs.
fn finish(router: Router) -> Router {
	router
		.route("/health", axum::routing::get(|| async { "ok" }))
		.fallback(no_route)
		.layer(TraceLayer::new_for_http())
}

/// The public API of `worker`.
pub fn public_router(worker: &Worker) -> Router {
	let in_flight = Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT));
	let mut router = Router::new();
	if let Some(storage) = &worker.storage {
		let routes = Router::new()
			.merge(storage::streaming_routes(storage.clone()))
			.merge(bounded(storage::small_routes(storage.clone()), &in_flight));
		router = router.merge(routes.layer(map_response(error::in_storage_shape)));
	}
	if let Some(da) = &worker.da {
		let routes = Router::new()
			.merge(da::delivery_routes(da.clone()))
			.merge(bounded(da::read_routes(da.clone()), &in_flight));
		router = router.merge(routes.layer(map_response(error::in_storage_shape)));
	}
	if let Some(service) = &worker.dispersal {
		let routes = dispersal::routes(service.clone());
		router = router.merge(routes.layer(map_response(error::in_storage_shape)));
	}
	if let Some(compute) = &worker.compute {
		let routes = bounded(openai::routes(compute.clone()), &in_flight);
		router = router.merge(routes.layer(map_response(error::in_openai_shape)));
	}
	finish(router)
}

/// The private API of `worker`, for its node.
pub fn private_router(worker: Arc<Worker>) -> Router {
	let in_flight = Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT));
	let routes = bounded(node::routes(worker), &in_flight);
	finish(routes.layer(map_response(error::in_storage_shape)))
}

/// Serves `router` on `listener` until the process ends, over HTTP/1.1 with a header read
/// timeout of [`HEADER_TIMEOUT`]. A failed accept (out of file descriptors, say) is logged and
/// retried after a pause: it never stops the worker.
pub async fn serve(listener: TcpListener, router: Router) -> anyhow::Result<()> {
	loop {
		let stream = match listener.accept().await {
			Ok((stream, _)) => stream,
			Err(e) => {
				tracing::warn!("cannot accept a connection: {e}");
				tokio::time::sleep(Duration::from_millis(100)).await;
				continue;
			},
		};
		let service = TowerToHyperService::new(router.clone());
		tokio::spawn(async move {
			let connection = hyper::server::conn::http1::Builder::new()
				.timer(TokioTimer::new())
				.header_read_timeout(HEADER_TIMEOUT)
				.serve_connection(TokioIo::new(stream), service);
			if let Err(e) = connection.await {
				tracing::debug!("connection closed: {e}");
			}
		});
	}
}
