//! The public storage API.
//!
//! | method | path | what |
//! |---|---|---|
//! | `POST` | `/v1/files?data_shards=K&parity_shards=M` | upload a file (`--gateway` workers only; the body streamed with its `Content-Length`): encoded as it arrives, committed, shards kept; answers [`Uploaded`] |
//! | `POST` | `/v1/files/{root}/push` | push each shard of a submitted file to its assigned provider's worker (from the chain); answers a [`PushReport`] (502 if a shard did not arrive) |
//! | `GET` | `/v1/files/{root}` | download, streamed (a `Range: bytes=…` header reads a part): the file from its data shards (local or fetched from the providers), missing ones rebuilt from any `k` shards, each checked against its committed root before a byte is sent |
//! | `PUT` | `/v1/shards/{root}/{index}` | receive a shard (streamed): refused unless the file is on chain, the shard is assigned to this worker's provider, it fits the declared capacity and it matches its committed root |
//! | `GET` | `/v1/shards/{root}/{index}` | a shard's bytes, streamed |
//! | `GET` | `/v1/status/{root}` | the file on chain and the shards held here ([`FileStatus`]) |
//! | `POST` | `/rpc` | JSON-RPC 2.0 (jsonrpsee): `storage_status(root)` (the shards held are the node's to ask, on the private listener) |
//!
//! Errors are `{"error": "…"}` with a 4xx/5xx status ([`StorageFailure`]) and change
//! nothing. Memory and threads are bounded: bodies stream between the network and the disk
//! through a few frames, within deadlines (`zg_storage_service::transfer`); an upload is coded
//! stripe by stripe (`3 (k + m)` MiB at most); a few uploads, shard transfers and downloads
//! run at once (`zg_storage_service::{UPLOADS, SHARD_PUTS, SHARD_GETS, DOWNLOADS, PUSHES}`;
//! more get 503).

use crate::error::{bad_request, StorageFailure};
use axum::{
	body::Body,
	extract::{DefaultBodyLimit, Path, Query, State},
	http::{header, HeaderMap, HeaderValue, StatusCode},
	response::{IntoResponse, Response},
	routing::{get, post},
	Json, Router,
};
use jsonrpsee::{types::ErrorObjectOwned, RpcModule};
use serde::Deserialize;
use std::sync::Arc;
use zg_primitives::Hash;
use zg_storage_service::{
	files::FileRead, transfer::parse_range, FileStatus, PushReport, StorageService, Uploaded,
};

type Service = Arc<StorageService>;
type Answer<T> = Result<T, StorageFailure>;

/// The largest JSON-RPC request, in bytes.
const RPC_BODY_LIMIT: usize = 1 << 20;

/// The storage routes that stream files and shards, with their own bounds (see
/// `zg_storage_service::transfer` and the service's limits on transfers at once).
pub fn streaming_routes(service: Service) -> Router {
	Router::new()
		.route("/v1/files", post(upload))
		.route("/v1/files/:root", get(download))
		// A push sends every shard of a file, as long as that takes.
		.route("/v1/files/:root/push", post(push))
		.route("/v1/shards/:root/:index", get(get_shard).put(put_shard))
		.layer(DefaultBodyLimit::disable())
		.with_state(service)
}

/// The storage routes with small bodies.
pub fn small_routes(service: Service) -> Router {
	let rpc = Arc::new(rpc_module(service.clone()));
	Router::new().route("/v1/status/:root", get(status)).with_state(service).merge(
		Router::new()
			.route("/rpc", post(rpc_call))
			.layer(DefaultBodyLimit::max(RPC_BODY_LIMIT))
			.with_state(rpc),
	)
}

/// A root in a path.
pub(crate) fn root(text: &str) -> Answer<Hash> {
	zg_worker_chain::parse_root(text).map_err(|e| bad_request(e.to_string()))
}

/// A number in a path or query.
pub(crate) fn number(text: &str, what: &str) -> Answer<u32> {
	text.parse().map_err(|_| bad_request(format!("bad {what}: {text}")))
}

fn content_length(headers: &HeaderMap) -> Option<u64> {
	headers.get(header::CONTENT_LENGTH)?.to_str().ok()?.parse().ok()
}

/// The query of an upload (numbers are parsed by hand, for errors in the API's shape).
#[derive(Deserialize)]
struct UploadQuery {
	data_shards: Option<String>,
	parity_shards: Option<String>,
}

async fn upload(
	State(service): State<Service>,
	Query(query): Query<UploadQuery>,
	headers: HeaderMap,
	body: Body,
) -> Answer<Json<Uploaded>> {
	let k = number(query.data_shards.as_deref().unwrap_or("2"), "data_shards")?;
	let m = number(query.parity_shards.as_deref().unwrap_or("1"), "parity_shards")?;
	let uploaded = service.upload(content_length(&headers), k, m, body.into_data_stream()).await?;
	Ok(Json(uploaded))
}

async fn push(State(service): State<Service>, Path(text): Path<String>) -> Answer<Response> {
	let report: PushReport = service.push(root(&text)?).await?;
	let status = if report.complete() { StatusCode::OK } else { StatusCode::BAD_GATEWAY };
	Ok((status, Json(report)).into_response())
}

/// What a shard upload answers.
#[derive(serde::Serialize)]
struct Stored {
	root: String,
	shard: u32,
	stored: bool,
}

async fn put_shard(
	State(service): State<Service>,
	Path((text, index)): Path<(String, String)>,
	headers: HeaderMap,
	body: Body,
) -> Answer<Json<Stored>> {
	let (root, index) = (root(&text)?, number(&index, "shard")?);
	service.accept_shard(root, index, content_length(&headers), body.into_data_stream()).await?;
	Ok(Json(Stored { root: zg_storage_service::root_hex(&root), shard: index, stored: true }))
}

/// The bytes of `read`, streamed, with their length.
fn streamed(status: StatusCode, read: FileRead) -> Response {
	let len = read.range.1 - read.range.0;
	let mut response = (status, Body::from_stream(read.body)).into_response();
	let headers = response.headers_mut();
	headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
	headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
	response
}

async fn download(
	State(service): State<Service>,
	Path(text): Path<String>,
	headers: HeaderMap,
) -> Answer<Response> {
	let root = root(&text)?;
	let size = service.file_size(&root).await?;
	let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
	let Ok(range) = parse_range(range, size) else {
		let body = crate::error::ErrorBody { error: format!("the file has {size} bytes") };
		let mut answer = (StatusCode::RANGE_NOT_SATISFIABLE, Json(body)).into_response();
		if let Ok(value) = HeaderValue::from_str(&format!("bytes */{size}")) {
			answer.headers_mut().insert(header::CONTENT_RANGE, value);
		}
		return Ok(answer);
	};
	let read = service.read(root, range).await?;
	let (start, end) = read.range;
	let status = if range.is_some() { StatusCode::PARTIAL_CONTENT } else { StatusCode::OK };
	let mut response = streamed(status, read);
	let headers = response.headers_mut();
	headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
	if range.is_some() {
		if let Ok(value) = HeaderValue::from_str(&format!("bytes {start}-{}/{size}", end - 1)) {
			headers.insert(header::CONTENT_RANGE, value);
		}
	}
	Ok(response)
}

async fn get_shard(
	State(service): State<Service>,
	Path((text, index)): Path<(String, String)>,
) -> Answer<Response> {
	let (root, index) = (root(&text)?, number(&index, "shard")?);
	Ok(streamed(StatusCode::OK, service.read_shard(root, index).await?))
}

async fn status(
	State(service): State<Service>,
	Path(text): Path<String>,
) -> Answer<Json<FileStatus>> {
	Ok(Json(service.status(root(&text)?).await?))
}

/// The JSON-RPC method (jsonrpsee): `storage_status(root)`. Which shards this worker holds
/// is not told here: that is `/v1/held` on the private listener, for the node.
pub fn rpc_module(service: Service) -> RpcModule<Service> {
	let mut module = RpcModule::new(service);
	let registered =
		module.register_async_method("storage_status", |params, service, _| async move {
			let root: String = params.one()?;
			let root = zg_worker_chain::parse_root(&root)
				.map_err(|e| ErrorObjectOwned::owned(-32602, e.to_string(), None::<()>))?;
			service
				.status(root)
				.await
				.map_err(|e| ErrorObjectOwned::owned(-32000, e.to_string(), None::<()>))
		});
	if let Err(e) = registered {
		tracing::error!("cannot register the JSON-RPC methods: {e}");
	}
	module
}

async fn rpc_call(
	State(rpc): State<Arc<RpcModule<Service>>>,
	request: axum::extract::Request,
) -> Answer<Response> {
	// The whole body within the timeout (the layers only bound the wait between two frames).
	let read = axum::body::to_bytes(request.into_body(), RPC_BODY_LIMIT);
	let body = tokio::time::timeout(crate::BODY_TIMEOUT, read)
		.await
		.map_err(|_| {
			StorageFailure(zg_storage_service::StorageError::Late(crate::BODY_TIMEOUT.as_secs()))
		})?
		.map_err(|e| bad_request(format!("the body is too large or broken: {e}")))?;
	let body = String::from_utf8(body.to_vec()).map_err(|_| bad_request("not UTF-8"))?;
	let (response, _) = rpc
		.raw_json_request(&body, 1)
		.await
		.map_err(|e| bad_request(format!("not a JSON-RPC request: {e}")))?;
	Ok(([(header::CONTENT_TYPE, "application/json")], response).into_response())
}
