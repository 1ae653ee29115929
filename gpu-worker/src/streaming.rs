//! Bodies streamed between the network and the disk: a request body into a sink that runs on
//! a blocking thread (the ingest of an upload, a shard being written), and bytes produced on a
//! blocking thread (a file read from its shards) out as a response body. A bounded channel
//! sits between the two, so memory stays a few frames whatever the size. A body that stalls
//! longer than [`IDLE`], or that arrives slower than [`MIN_RATE`] on the whole, is cut off, and
//! a client that stops reading a response for [`IDLE`] loses it: no request holds a thread
//! forever.

use crate::{compute::api::ChannelBody, server::Body, Error};
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::{body::Incoming, StatusCode};
use std::time::Duration;
use tokio::sync::mpsc;

/// The longest a body may stall between two frames.
pub const IDLE: Duration = Duration::from_secs(30);
/// The slowest a body of known size may arrive on the whole, in bytes per second (after a
/// first minute).
pub const MIN_RATE: u64 = 1 << 20;

/// The time a body of `len` bytes may take: a minute, plus `len` at [`MIN_RATE`].
pub fn deadline_for(len: u64) -> Duration {
	Duration::from_secs(60 + len / MIN_RATE)
}
/// Frames in flight between the network and the disk.
const FRAMES: usize = 16;

/// Why a streamed body failed: the sink's error, or the body's own.
pub enum StreamError {
	/// The sink refused the bytes (too many, a disk error, a bad shard).
	Sink(Error),
	/// The body broke off or stalled.
	Body(StatusCode, String),
}

/// Feeds `body` to `put(&mut sink, bytes)` on a blocking thread and gives the sink back; the
/// whole body must arrive within `deadline`.
pub async fn body_into<S: Send + 'static>(
	mut body: Incoming,
	mut sink: S,
	put: fn(&mut S, &[u8]) -> Result<(), Error>,
	deadline: Duration,
) -> Result<S, StreamError> {
	let deadline = tokio::time::Instant::now() + deadline;
	let (tx, mut rx) = mpsc::channel::<Bytes>(FRAMES);
	let consumer = tokio::task::spawn_blocking(move || -> Result<S, Error> {
		while let Some(bytes) = rx.blocking_recv() {
			put(&mut sink, &bytes)?;
		}
		Ok(sink)
	});
	let mut failure = None;
	loop {
		let wait = IDLE.min(deadline.saturating_duration_since(tokio::time::Instant::now()));
		match tokio::time::timeout(wait, body.frame()).await {
			Err(_) if tokio::time::Instant::now() >= deadline => {
				failure = Some(StreamError::Body(
					StatusCode::REQUEST_TIMEOUT,
					format!("the body arrived slower than {MIN_RATE} bytes/s"),
				));
				break;
			},
			Err(_) => {
				failure = Some(StreamError::Body(
					StatusCode::REQUEST_TIMEOUT,
					format!("the body stalled for {} s", IDLE.as_secs()),
				));
				break;
			},
			Ok(None) => break,
			Ok(Some(Err(e))) => {
				failure =
					Some(StreamError::Body(StatusCode::BAD_REQUEST, format!("body broken: {e}")));
				break;
			},
			Ok(Some(Ok(frame))) => {
				if let Ok(data) = frame.into_data() {
					// The consumer stopped: its error is the answer.
					if tx.send(data).await.is_err() {
						break;
					}
				}
			},
		}
	}
	drop(tx);
	let consumed = consumer
		.await
		.map_err(|e| StreamError::Body(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
	match (consumed, failure) {
		(Err(e), _) => Err(StreamError::Sink(e)),
		(Ok(_), Some(failure)) => Err(failure),
		(Ok(sink), None) => Ok(sink),
	}
}

/// A response body of the pieces `produce` gives to its `send` on a blocking thread; the
/// producer stops (its `send` fails) when the client goes away.
pub fn body_from<F>(produce: F) -> Body
where
	F: FnOnce(&mut dyn FnMut(Vec<u8>) -> Result<(), Error>) -> Result<(), Error> + Send + 'static,
{
	let (tx, rx) = mpsc::channel::<Bytes>(FRAMES);
	let runtime = tokio::runtime::Handle::current();
	tokio::task::spawn_blocking(move || {
		let mut send = |piece: Vec<u8>| {
			let sent = runtime.block_on(tokio::time::timeout(IDLE, tx.send(Bytes::from(piece))));
			match sent {
				Ok(Ok(())) => Ok(()),
				Ok(Err(_)) => Err(Error::Io(std::io::ErrorKind::BrokenPipe.into())),
				Err(_) => Err(Error::Io(std::io::ErrorKind::TimedOut.into())),
			}
		};
		if let Err(e) = produce(&mut send) {
			// The response is cut short: with its content-length announced, the client sees it.
			log::info!("a streamed response ended early: {e}");
		}
	});
	ChannelBody(rx).boxed()
}

/// A `Range` header that cannot be satisfied (416).
#[derive(Debug, PartialEq, Eq)]
pub struct Unsatisfiable;

/// A byte range of a body of `len` bytes from a `Range` header (`bytes=a-b`, `bytes=a-`,
/// `bytes=-n`; one range): `Ok(None)` without a header, `Err` if it cannot be satisfied.
pub fn parse_range(header: Option<&str>, len: u64) -> Result<Option<(u64, u64)>, Unsatisfiable> {
	let bad = |_| Unsatisfiable;
	let Some(header) = header else { return Ok(None) };
	let spec = header.trim().strip_prefix("bytes=").ok_or(Unsatisfiable)?;
	if spec.contains(',') {
		return Err(Unsatisfiable);
	}
	let (a, b) = spec.split_once('-').ok_or(Unsatisfiable)?;
	let (start, end) = match (a.trim(), b.trim()) {
		("", n) => {
			let n: u64 = n.parse().map_err(bad)?;
			(len.saturating_sub(n), len)
		},
		(a, "") => (a.parse().map_err(bad)?, len),
		(a, b) => {
			let (a, b): (u64, u64) = (a.parse().map_err(bad)?, b.parse().map_err(bad)?);
			(a, b.saturating_add(1).min(len))
		},
	};
	if start >= end || start >= len {
		return Err(Unsatisfiable);
	}
	Ok(Some((start, end)))
}

#[cfg(test)]
mod tests {
	use super::parse_range;

	#[test]
	fn ranges_are_parsed_as_http_defines_them() {
		assert_eq!(parse_range(None, 100), Ok(None));
		assert_eq!(parse_range(Some("bytes=0-9"), 100), Ok(Some((0, 10))));
		assert_eq!(parse_range(Some("bytes=90-"), 100), Ok(Some((90, 100))));
		assert_eq!(parse_range(Some("bytes=-10"), 100), Ok(Some((90, 100))));
		assert_eq!(parse_range(Some("bytes=50-1000"), 100), Ok(Some((50, 100))));
		for bad in ["bytes=100-", "bytes=5-2", "bytes=0-1,4-5", "items=0-1", "bytes=x-1"] {
			assert_eq!(parse_range(Some(bad), 100), Err(super::Unsatisfiable), "{bad}");
		}
	}
}
