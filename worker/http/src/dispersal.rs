//! Dispersal through the worker (`zg_da_service::dispersal`), JSON answers.
//!
//! | method | path | what |
//! |---|---|---|
//! | `POST` | `/v1/dispersals` | the body is the blob (1 byte to 32 MiB), with `Authorization: Bearer <the operator's token>`: the worker extends and commits it, answers `202` with its progress (its `root` included) and a `Location`, then submits, delivers, and attests it, paying with the operator's disperser key |
//! | `GET` | `/v1/dispersals/{root}` | the progress: `stage` (`dispersing`, `attested`: Available in the best block, `available`: final, `failed`), `attested_seats`, `error`, `log` |
//!
//! The token is checked and one of a few places taken before the body is read (401, 503);
//! the body must come at 1 MiB/s at least (408). Errors are `{"error": "…"}` and nothing is
//! submitted.

use crate::storage::root;
use axum::{
	body::{to_bytes, Body},
	extract::{DefaultBodyLimit, Path, State},
	http::{header, HeaderMap, StatusCode},
	response::{IntoResponse, Response},
	routing::{get, post},
	Json, Router,
};
use serde_json::{json, Value};
use std::{sync::Arc, time::Duration};
use zg_da_service::{
	dispersal::{DispersalError, Disperser, Progress},
	root_hex,
};
use zg_primitives::da::MAX_BLOB_SIZE;

type Service = Arc<Disperser>;

/// Where the progress of the dispersal of `root` is read.
pub fn progress_path(root: &zg_primitives::Hash) -> String {
	format!("/v1/dispersals/{}", root_hex(root))
}

/// The dispersal routes (bodies up to [`MAX_BLOB_SIZE`], read under their own limits).
pub fn routes(service: Service) -> Router {
	Router::new()
		.route(
			"/v1/dispersals",
			post(disperse)
				.layer(DefaultBodyLimit::disable())
				.layer(axum::middleware::map_response(crate::close_on_refusal)),
		)
		.route("/v1/dispersals/:root", get(progress))
		.with_state(service)
}

fn failure(status: StatusCode, error: String) -> Response {
	tracing::info!("{status} {error}");
	(status, Json(crate::error::ErrorBody { error })).into_response()
}

impl IntoResponse for DispersalErrorResponse {
	fn into_response(self) -> Response {
		let status = match &self.0 {
			DispersalError::Unauthorized => StatusCode::UNAUTHORIZED,
			DispersalError::Busy => StatusCode::SERVICE_UNAVAILABLE,
			DispersalError::BadBlob(_) => StatusCode::BAD_REQUEST,
			DispersalError::Duplicate(_) => StatusCode::CONFLICT,
		};
		failure(status, self.0.to_string())
	}
}

/// A [`DispersalError`] as an HTTP answer.
pub struct DispersalErrorResponse(DispersalError);

impl From<DispersalError> for DispersalErrorResponse {
	fn from(e: DispersalError) -> Self {
		Self(e)
	}
}

fn as_json(p: &Progress) -> Value {
	json!({
		"root": root_hex(&p.root),
		"size": p.size,
		"stage": p.stage.name(),
		"seconds": (p.seconds * 100.0).round() / 100.0,
		"attested_seats": p.attested_seats.map(|(a, _)| a),
		"seats": p.attested_seats.map(|(_, s)| s),
		"error": p.error,
		"log": p.log,
	})
}

async fn disperse(
	State(service): State<Service>,
	headers: HeaderMap,
	body: Body,
) -> Result<Response, DispersalErrorResponse> {
	let bearer = headers
		.get(header::AUTHORIZATION)
		.and_then(|v| v.to_str().ok())
		.and_then(|v| v.strip_prefix("Bearer "));
	let place = service.admit(bearer)?;
	// A blob must come at 1 MiB/s at least (and may take 10 s more).
	let deadline = Duration::from_secs(10 + (MAX_BLOB_SIZE >> 20));
	let blob = match tokio::time::timeout(deadline, to_bytes(body, MAX_BLOB_SIZE as usize)).await {
		Ok(Ok(bytes)) => bytes,
		Ok(Err(_)) => {
			return Ok(failure(
				StatusCode::PAYLOAD_TOO_LARGE,
				format!("a blob is at most {MAX_BLOB_SIZE} bytes"),
			))
		},
		Err(_) => {
			return Ok(failure(
				StatusCode::REQUEST_TIMEOUT,
				format!("the blob did not arrive within {} s", deadline.as_secs()),
			))
		},
	};
	let progress = service.start(Vec::from(blob), place).await?;
	let location = progress_path(&progress.root);
	Ok((StatusCode::ACCEPTED, [(header::LOCATION, location)], Json(as_json(&progress)))
		.into_response())
}

async fn progress(State(service): State<Service>, Path(text): Path<String>) -> Response {
	let root = match root(&text) {
		Ok(root) => root,
		Err(e) => return e.into_response(),
	};
	match service.progress(&root) {
		Some(p) => Json(as_json(&p)).into_response(),
		None => {
			failure(StatusCode::NOT_FOUND, format!("no dispersal of blob {} here", root_hex(&root)))
		},
	}
}
