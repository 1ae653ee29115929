//! The two error shapes of the worker's API, as typed errors that are responses: the storage
//! API's `{"error": "…"}` ([`StorageFailure`]) and OpenAI's
//! `{"error": {"message", "type", "param", "code"}}` ([`ApiError`]).

use axum::{
	http::{header, HeaderValue, StatusCode},
	response::{IntoResponse, Response},
	Json,
};
use serde::Serialize;
use zg_compute_market::ComputeError;
use zg_primitives::erasure::ErasureError;
use zg_storage_service::{StorageError, StoreError};

/// The storage API's error body.
#[derive(Debug, Serialize)]
pub struct ErrorBody {
	/// What went wrong.
	pub error: String,
}

/// A storage error as an HTTP answer.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct StorageFailure(#[from] pub StorageError);

impl StorageFailure {
	/// The status of the error.
	pub fn status(&self) -> StatusCode {
		use StorageError::*;
		match &self.0 {
			NotGateway | NotProvider | AssignedElsewhere { .. } => StatusCode::FORBIDDEN,
			LengthRequired => StatusCode::LENGTH_REQUIRED,
			Limits(_) | NoSuchShard { .. } | ShardSize { .. } | Broken(_) => {
				StatusCode::BAD_REQUEST
			},
			UploadTooLarge(_) | FileTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
			Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
			NotOnChain(_) => StatusCode::NOT_FOUND,
			NotAssigned(_) => StatusCode::CONFLICT,
			Stalled(_) | TooSlow(_) | Late(_) => StatusCode::REQUEST_TIMEOUT,
			Chain(_) => StatusCode::BAD_GATEWAY,
			Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
			Store(e) => match e {
				StoreError::NotFound(_) => StatusCode::NOT_FOUND,
				StoreError::Layout(_) | StoreError::Short { .. } => StatusCode::BAD_REQUEST,
				StoreError::ShardMismatch { .. } => StatusCode::UNPROCESSABLE_ENTITY,
				StoreError::Erasure(ErasureError::Inconsistent) => StatusCode::UNPROCESSABLE_ENTITY,
				StoreError::NotEnoughShards { .. } => StatusCode::SERVICE_UNAVAILABLE,
				StoreError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
				StoreError::NoRoom { .. } => StatusCode::INSUFFICIENT_STORAGE,
				_ => StatusCode::INTERNAL_SERVER_ERROR,
			},
		}
	}
}

/// A request the storage API cannot parse (a bad root or index).
pub fn bad_request(message: impl Into<String>) -> StorageFailure {
	StorageFailure(StorageError::Limits(message.into()))
}

impl IntoResponse for StorageFailure {
	fn into_response(self) -> Response {
		let status = self.status();
		tracing::info!("{status} {}", self.0);
		let mut response = (status, Json(ErrorBody { error: self.0.to_string() })).into_response();
		if status == StatusCode::SERVICE_UNAVAILABLE {
			response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
		}
		response
	}
}

/// OpenAI's error body.
#[derive(Debug, Serialize)]
pub struct ApiErrorBody {
	/// The error.
	pub error: ApiErrorDetail,
}

/// OpenAI's error fields.
#[derive(Debug, Serialize)]
pub struct ApiErrorDetail {
	/// What went wrong.
	pub message: String,
	/// `invalid_request_error`, `authentication_error`, `insufficient_quota`,
	/// `rate_limit_error`, `permission_error`, `server_error`.
	#[serde(rename = "type")]
	pub kind: &'static str,
	/// The request field at fault.
	pub param: Option<&'static str>,
	/// A machine-readable code.
	pub code: Option<&'static str>,
}

/// An error of the OpenAI-compatible API.
#[derive(Debug, thiserror::Error)]
#[error("{status} {message}")]
pub struct ApiError {
	/// The HTTP status.
	pub status: StatusCode,
	/// OpenAI's error type.
	pub kind: &'static str,
	/// What went wrong.
	pub message: String,
	/// The field at fault.
	pub param: Option<&'static str>,
	/// A machine-readable code.
	pub code: Option<&'static str>,
}

impl ApiError {
	/// An error of `status` and OpenAI `kind`.
	pub fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> Self {
		Self { status, kind, message: message.into(), param: None, code: None }
	}

	/// 400 `invalid_request_error`.
	pub fn invalid(message: impl Into<String>) -> Self {
		Self::new(StatusCode::BAD_REQUEST, "invalid_request_error", message)
	}

	/// A server-side failure.
	pub fn server(status: StatusCode, message: impl Into<String>) -> Self {
		Self::new(status, "server_error", message)
	}

	/// Names the request field at fault.
	pub fn param(mut self, param: &'static str) -> Self {
		self.param = Some(param);
		self
	}

	/// Sets the machine-readable code.
	pub fn code(mut self, code: &'static str) -> Self {
		self.code = Some(code);
		self
	}

	/// The body.
	pub fn body(&self) -> ApiErrorBody {
		ApiErrorBody {
			error: ApiErrorDetail {
				message: self.message.clone(),
				kind: self.kind,
				param: self.param,
				code: self.code,
			},
		}
	}
}

impl From<ComputeError> for ApiError {
	fn from(e: ComputeError) -> Self {
		use ComputeError::*;
		let message = e.to_string();
		match e {
			MissingKey
			| MalformedAuthorization
			| NotAnApiKey
			| NotSr25519
			| OtherProvider { .. }
			| OtherChain
			| OtherTerms(_)
			| BadSignature => ApiError::new(StatusCode::UNAUTHORIZED, "authentication_error", message)
				.code("invalid_api_key"),
			Expired { .. } => {
				ApiError::new(StatusCode::UNAUTHORIZED, "authentication_error", message)
					.code("expired_api_key")
			},
			TooLong { .. } => {
				ApiError::new(StatusCode::UNAUTHORIZED, "authentication_error", message)
					.code("invalid_api_key")
			},
			UnknownModel(_) => {
				ApiError::new(StatusCode::NOT_FOUND, "invalid_request_error", message)
					.param("model")
					.code("model_not_found")
			},
			Unsupported { .. } => {
				ApiError::invalid(message).param("model").code("unsupported_model")
			},
			Insufficient { .. } => {
				ApiError::new(StatusCode::PAYMENT_REQUIRED, "insufficient_quota", message)
					.code("insufficient_quota")
			},
			Busy(_) | UserBusy(_) => {
				ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limit_error", message)
					.code("rate_limit_exceeded")
			},
			TooManyKeys(_) => {
				ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limit_error", message)
					.code("too_many_keys")
			},
			Chain(_) => ApiError::server(StatusCode::SERVICE_UNAVAILABLE, message),
			Engine(_) => ApiError::server(StatusCode::BAD_GATEWAY, message),
		}
	}
}

impl IntoResponse for ApiError {
	fn into_response(self) -> Response {
		tracing::info!("{} {}", self.status, self.message);
		let mut response = (self.status, Json(self.body())).into_response();
		if matches!(self.status, StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE) {
			response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
		}
		response
	}
}

/// Whether `response` is an error (4xx or 5xx).
fn is_error(response: &Response) -> bool {
	response.status().is_client_error() || response.status().is_server_error()
}

/// Whether `response`'s body is JSON.
fn is_json(response: &Response) -> bool {
	response
		.headers()
		.get(header::CONTENT_TYPE)
		.and_then(|v| v.to_str().ok())
		.is_some_and(|t| t.starts_with("application/json"))
}

/// Whether `response` is an error whose body is not JSON: axum's own rejections (a query or
/// path it cannot parse, a body over its limit, a method a route does not take) and
/// tower-http's refusals (a timeout) answer in plain text or with no body at all.
fn unshaped(response: &Response) -> bool {
	is_error(response) && !is_json(response)
}

/// The message of an unshaped error (its text, or its status's reason when it has none), and
/// the response's head without its body's headers.
async fn take_message(response: Response) -> (axum::http::response::Parts, String) {
	let (mut parts, body) = response.into_parts();
	let text = axum::body::to_bytes(body, 4096)
		.await
		.map(|b| String::from_utf8_lossy(&b).trim().to_string())
		.unwrap_or_default();
	let message = if text.is_empty() {
		parts.status.canonical_reason().unwrap_or("error").to_lowercase()
	} else {
		text
	};
	parts.headers.remove(header::CONTENT_TYPE);
	parts.headers.remove(header::CONTENT_LENGTH);
	(parts, message)
}

/// Puts `body` in the place of an unshaped error's body, its status and other headers kept.
fn reshaped(parts: axum::http::response::Parts, body: impl Serialize) -> Response {
	let mut response = Json(body).into_response();
	*response.status_mut() = parts.status;
	for (name, value) in parts.headers.iter() {
		response.headers_mut().append(name, value.clone());
	}
	response
}

/// Whether `response` is an error in JSON: in the storage API's shape when it is what the
/// listener's shared layers answer (503 when too many requests are in flight, whatever the
/// route).
fn storage_shaped(response: &Response) -> bool {
	is_error(response) && is_json(response)
}

/// Middleware of the storage API: every error in its shape, `{"error": "…"}`.
pub async fn in_storage_shape(response: Response) -> Response {
	if !unshaped(&response) {
		return response;
	}
	let (parts, error) = take_message(response).await;
	reshaped(parts, ErrorBody { error })
}

/// Middleware of the OpenAI-compatible API: every error in OpenAI's shape, so that the SDKs
/// raise their own error classes with the message.
pub async fn in_openai_shape(response: Response) -> Response {
	let message = if unshaped(&response) {
		take_message(response).await
	} else if storage_shaped(&response) {
		// An error in the storage API's shape becomes OpenAI's; OpenAI's own errors stay.
		let (parts, body) = response.into_parts();
		let bytes = axum::body::to_bytes(body, 64 << 10).await.unwrap_or_default();
		let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
		match value.get("error").and_then(|e| e.as_str()) {
			Some(message) => {
				let mut parts = parts;
				parts.headers.remove(header::CONTENT_TYPE);
				parts.headers.remove(header::CONTENT_LENGTH);
				(parts, message.to_string())
			},
			None => return Response::from_parts(parts, axum::body::Body::from(bytes)),
		}
	} else {
		return response;
	};
	let (parts, message) = message;
	let kind = match parts.status {
		StatusCode::UNAUTHORIZED => "authentication_error",
		StatusCode::TOO_MANY_REQUESTS => "rate_limit_error",
		status if status.is_server_error() => "server_error",
		_ => "invalid_request_error",
	};
	let body = ApiError::new(parts.status, kind, message).body();
	reshaped(parts, body)
}

#[cfg(test)]
mod tests {
	use super::*;

	async fn body(response: Response) -> serde_json::Value {
		let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
		serde_json::from_slice(&bytes).unwrap()
	}

	#[tokio::test]
	async fn errors_take_the_apis_shape_and_nothing_else_changes() {
		// The listener's 503, in the storage shape, on an OpenAI route.
		let busy = (StatusCode::SERVICE_UNAVAILABLE, Json(ErrorBody { error: "busy".into() }));
		let answer = in_openai_shape(busy.into_response()).await;
		assert_eq!(answer.status(), StatusCode::SERVICE_UNAVAILABLE);
		let error = body(answer).await["error"].clone();
		assert_eq!(
			(error["message"].as_str(), error["type"].as_str()),
			(Some("busy"), Some("server_error"))
		);
		// OpenAI's own errors and successes pass as they are.
		let own = ApiError::invalid("bad").param("model").into_response();
		assert_eq!(body(in_openai_shape(own).await).await["error"]["param"], "model");
		let ok = Json(serde_json::json!({ "error": "not an error" })).into_response();
		assert_eq!(body(in_openai_shape(ok).await).await["error"], "not an error");
		// Plain text, with a repeated header kept whole.
		let mut plain = (StatusCode::METHOD_NOT_ALLOWED, "nope").into_response();
		plain.headers_mut().append(header::VARY, HeaderValue::from_static("a"));
		plain.headers_mut().append(header::VARY, HeaderValue::from_static("b"));
		let answer = in_storage_shape(plain).await;
		assert_eq!(answer.headers().get_all(header::VARY).iter().count(), 2);
		assert_eq!(body(answer).await["error"], "nope");
	}
}
