//! The DA signer's routes (`zg_da_service`'s protocol, SCALE bodies).
//!
//! | method | path | what |
//! |---|---|---|
//! | `PUT` | `/v1/da/{root}` | a disperser's delivery of this member's lines, with the blob's disperser's signature in the `x-zg-disperser-signature` header: refused unless the blob is pending on chain, the signature is the disperser's, this worker's account is a member of its committee, and the lines are exactly the member's and check against the commitment; answers the signed attestation |
//! | `GET` | `/v1/da/{root}/roots` | the blob's layout, row roots and column roots |
//! | `GET` | `/v1/da/{root}/rows/{index}` | row `index`, if held |
//! | `GET` | `/v1/da/{root}/cells/{row\|column}/{index}/{pos}` | a chunk with its proof against the commitment (also on the private API, for the node's offchain worker) |
//!
//! Errors are `{"error": "…"}` with a 4xx/5xx status and change nothing. A delivery takes one of
//! a few places ([`zg_da_service::signer::DELIVERIES`]; more get 503) before its body is read,
//! and its body must arrive at 1 MiB/s at least (408 otherwise). The reads share the
//! listener's bound on requests in flight and its timeouts, and read the disk off the async
//! threads.

use crate::storage::{number, root};
use axum::{
	body::{to_bytes, Body},
	extract::{DefaultBodyLimit, Path, State},
	http::{HeaderMap, StatusCode},
	response::{IntoResponse, Response},
	routing::{get, put},
	Json, Router,
};
use codec::Encode;
use std::{sync::Arc, time::Duration};
use zg_da_service::{
	signer::{DaSigner, SignerError},
	DISPERSER_SIGNATURE,
};
use zg_primitives::da::Line;

type Signer = Arc<DaSigner>;

/// A DA error as an HTTP answer.
pub struct DaFailure(StatusCode, String);

impl From<SignerError> for DaFailure {
	fn from(e: SignerError) -> Self {
		use SignerError::*;
		let status = match &e {
			NotOnChain(_) => StatusCode::NOT_FOUND,
			TooLate(..) | NoCommittee(_) => StatusCode::CONFLICT,
			NotMember(..) | NotDisperser(_) => StatusCode::FORBIDDEN,
			TooLarge(..) => StatusCode::PAYLOAD_TOO_LARGE,
			Malformed => StatusCode::BAD_REQUEST,
			Refused(_) => StatusCode::UNPROCESSABLE_ENTITY,
			Busy | NotFinal(_) | Chain(_) => StatusCode::SERVICE_UNAVAILABLE,
			Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
		};
		Self(status, e.to_string())
	}
}

impl From<crate::error::StorageFailure> for DaFailure {
	fn from(e: crate::error::StorageFailure) -> Self {
		Self(e.status(), e.0.to_string())
	}
}

impl IntoResponse for DaFailure {
	fn into_response(self) -> Response {
		tracing::info!("{} {}", self.0, self.1);
		(self.0, Json(crate::error::ErrorBody { error: self.1 })).into_response()
	}
}

fn not_held(what: &str) -> DaFailure {
	DaFailure(StatusCode::NOT_FOUND, format!("{what} is not held here"))
}

fn scale(value: impl Encode) -> Response {
	([("content-type", "application/octet-stream")], value.encode()).into_response()
}

/// The delivery route: bodies up to the member's lines, read only after the chain says what
/// they must be and who may send them, under limits of its own ([`zg_da_service::signer`]).
pub fn delivery_routes(signer: Signer) -> Router {
	Router::new()
		.route(
			"/v1/da/:root",
			put(deliver)
				.layer(DefaultBodyLimit::disable())
				.layer(axum::middleware::map_response(crate::close_on_refusal)),
		)
		.with_state(signer)
}

/// The read routes (small answers: the server puts them behind the listener's limits).
pub fn read_routes(signer: Signer) -> Router {
	Router::new()
		.route("/v1/da/:root/roots", get(roots))
		.route("/v1/da/:root/rows/:index", get(row))
		.route(CELL_ROUTE, get(cell))
		.with_state(signer)
}

/// The route of chunks with their proofs (public, and private for the node).
pub const CELL_ROUTE: &str = "/v1/da/:root/cells/:axis/:index/:pos";

/// The disperser's signature from the [`DISPERSER_SIGNATURE`] header.
fn disperser_signature(headers: &HeaderMap) -> Result<[u8; 64], DaFailure> {
	let text = headers.get(DISPERSER_SIGNATURE).and_then(|v| v.to_str().ok()).ok_or_else(|| {
		DaFailure(
			StatusCode::UNAUTHORIZED,
			format!("a delivery needs the disperser's signature in {DISPERSER_SIGNATURE}"),
		)
	})?;
	hex::decode(text.trim_start_matches("0x")).ok().and_then(|b| b.try_into().ok()).ok_or_else(
		|| DaFailure(StatusCode::BAD_REQUEST, format!("{DISPERSER_SIGNATURE}: 64 bytes of hex")),
	)
}

async fn deliver(
	State(signer): State<Signer>,
	Path(text): Path<String>,
	headers: HeaderMap,
	body: Body,
) -> Result<Response, DaFailure> {
	let root = root(&text)?;
	let signature = disperser_signature(&headers)?;
	let expected = signer.expect(&root, &signature).await?;
	let place = signer.place()?;
	let max = expected.max_len;
	let lines = expected.lines.len();
	// A body must come at 1 MiB/s at least (and may take 10 s more): a slow client cannot hold
	// one of the few places for long.
	let deadline = Duration::from_secs(10 + (max >> 20) as u64);
	let bytes = match tokio::time::timeout(deadline, to_bytes(body, max)).await {
		Ok(Ok(bytes)) => bytes,
		Ok(Err(_)) => return Err(SignerError::TooLarge(lines, max).into()),
		Err(_) => {
			return Err(DaFailure(
				StatusCode::REQUEST_TIMEOUT,
				format!("the delivery did not arrive within {} s", deadline.as_secs()),
			))
		},
	};
	let signed = signer.accept(expected, Vec::from(bytes), place).await?;
	Ok(scale(signed))
}

/// Runs a read of the store off the async threads.
async fn read<T: Send + 'static>(
	signer: Signer,
	what: String,
	f: impl FnOnce(&DaSigner) -> Option<T> + Send + 'static,
) -> Result<T, DaFailure> {
	tokio::task::spawn_blocking(move || f(&signer))
		.await
		.map_err(|e| DaFailure(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
		.ok_or_else(|| not_held(&what))
}

async fn roots(
	State(signer): State<Signer>,
	Path(text): Path<String>,
) -> Result<Response, DaFailure> {
	let root = root(&text)?;
	Ok(scale(read(signer, "the blob".into(), move |s| s.roots(&root)).await?))
}

async fn row(
	State(signer): State<Signer>,
	Path((text, index)): Path<(String, String)>,
) -> Result<Response, DaFailure> {
	let root = root(&text)?;
	let index = number(&index, "row")?;
	Ok(scale(read(signer, format!("row {index}"), move |s| s.row(&root, index)).await?))
}

async fn cell(
	State(signer): State<Signer>,
	Path(path): Path<(String, String, String, String)>,
) -> Result<Response, DaFailure> {
	cell_answer(signer, path).await
}

/// A chunk of `(root, row|column, index, pos)` with its proof, SCALE.
pub async fn cell_answer(
	signer: Signer,
	(text, axis, index, pos): (String, String, String, String),
) -> Result<Response, DaFailure> {
	let root = root(&text)?;
	let index = number(&index, "line")?;
	let pos = number(&pos, "position")?;
	let line = match axis.as_str() {
		"row" => Line::Row(index),
		"column" => Line::Column(index),
		other => {
			return Err(DaFailure(
				StatusCode::BAD_REQUEST,
				format!("a line is a row or a column, not {other}"),
			))
		},
	};
	Ok(scale(read(signer, format!("{line:?}"), move |s| s.cell(&root, line, pos)).await?))
}
