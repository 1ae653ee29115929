//! Bodies between the network and the disk: a stream of bytes into a sink that runs on a
//! blocking thread (the ingest of an upload, a shard being written), and bytes produced on a
//! blocking thread (a file read from its shards) out as a stream. A bounded channel sits
//! between the two, so memory stays a few frames whatever the size. A body that stalls longer
//! than [`IDLE`], or that arrives slower than [`MIN_RATE`] on the whole, is cut off, and a
//! reader that stops reading for [`IDLE`] loses it: no transfer holds a thread forever.
//!
//! The HTTP layer feeds request bodies in and sends produced streams out; the peers' client
//! does the same with other workers' shards.

use crate::StorageError;
use bytes::Bytes;
use futures::{Stream, StreamExt};
use std::time::Duration;
use tokio::sync::mpsc;
use zg_storage_node::Error;

/// The longest a body may stall between two frames.
pub const IDLE: Duration = Duration::from_secs(30);
/// The slowest a body of known size may arrive on the whole, in bytes per second (after a
/// first minute).
pub const MIN_RATE: u64 = 1 << 20;
/// Frames in flight between the network and the disk.
const FRAMES: usize = 16;

/// The time a body of `len` bytes may take: a minute, plus `len` at [`MIN_RATE`].
pub fn deadline_for(len: u64) -> Duration {
	Duration::from_secs(60 + len / MIN_RATE)
}

/// Feeds `body` to `put(&mut sink, bytes)` on a blocking thread and gives the sink back; the
/// whole body must arrive within `deadline`, and, after its first minute, at [`MIN_RATE`] on
/// the whole at every moment (a body trickled in is cut off early, not at its deadline). The
/// sink's error wins over the body's.
pub async fn stream_into<S, B, E>(
	body: B,
	mut sink: S,
	put: fn(&mut S, &[u8]) -> Result<(), Error>,
	deadline: Duration,
) -> Result<S, StorageError>
where
	S: Send + 'static,
	B: Stream<Item = Result<Bytes, E>> + Send,
	E: std::fmt::Display,
{
	let start = tokio::time::Instant::now();
	let deadline = start + deadline;
	let (tx, mut rx) = mpsc::channel::<Bytes>(FRAMES);
	let consumer = tokio::task::spawn_blocking(move || -> Result<S, Error> {
		while let Some(bytes) = rx.blocking_recv() {
			put(&mut sink, &bytes)?;
		}
		Ok(sink)
	});
	let mut body = std::pin::pin!(body);
	let mut failure = None;
	let mut received = 0u64;
	loop {
		if !on_pace(received, start.elapsed()) {
			failure = Some(StorageError::TooSlow(MIN_RATE));
			break;
		}
		let wait = IDLE.min(deadline.saturating_duration_since(tokio::time::Instant::now()));
		match tokio::time::timeout(wait, body.next()).await {
			Err(_) if tokio::time::Instant::now() >= deadline => {
				failure = Some(StorageError::TooSlow(MIN_RATE));
				break;
			},
			Err(_) => {
				failure = Some(StorageError::Stalled(IDLE.as_secs()));
				break;
			},
			Ok(None) => break,
			Ok(Some(Err(e))) => {
				failure = Some(StorageError::Broken(e.to_string()));
				break;
			},
			Ok(Some(Ok(data))) => {
				received = received.saturating_add(data.len() as u64);
				// The consumer stopped: its error is the answer.
				if tx.send(data).await.is_err() {
					break;
				}
			},
		}
	}
	drop(tx);
	let consumed = consumer.await.map_err(|e| StorageError::Internal(e.to_string()))?;
	match (consumed, failure) {
		(Err(e), _) => Err(e.into()),
		(Ok(_), Some(failure)) => Err(failure),
		(Ok(sink), None) => Ok(sink),
	}
}

/// Whether `received` bytes after `elapsed` keep [`MIN_RATE`] on the whole, after a first
/// minute of grace.
fn on_pace(received: u64, elapsed: Duration) -> bool {
	let paced = elapsed.saturating_sub(Duration::from_secs(60));
	u128::from(received) >= u128::from(MIN_RATE) * paced.as_millis() / 1000
}

/// A stream of the pieces `produce` gives to its `send` on a blocking thread; the producer
/// stops (its `send` fails) when the reader goes away or stops reading for [`IDLE`].
pub fn stream_from<F>(produce: F) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send
where
	F: FnOnce(&mut dyn FnMut(Vec<u8>) -> Result<(), Error>) -> Result<(), Error> + Send + 'static,
{
	let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(FRAMES);
	let runtime = tokio::runtime::Handle::current();
	tokio::task::spawn_blocking(move || {
		let mut send = |piece: Vec<u8>| {
			let sent =
				runtime.block_on(tokio::time::timeout(IDLE, tx.send(Ok(Bytes::from(piece)))));
			match sent {
				Ok(Ok(())) => Ok(()),
				Ok(Err(_)) => Err(Error::Io(std::io::ErrorKind::BrokenPipe.into())),
				Err(_) => Err(Error::Io(std::io::ErrorKind::TimedOut.into())),
			}
		};
		if let Err(e) = produce(&mut send) {
			// The body is cut short: with its length announced, the reader sees it.
			tracing::info!("a streamed body ended early: {e}");
			let _ = runtime.block_on(tx.send(Err(std::io::Error::other(e.to_string()))));
		}
	});
	futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) })
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
	fn a_body_must_keep_its_pace_after_a_minute() {
		use std::time::Duration;
		assert!(super::on_pace(0, Duration::from_secs(60)));
		assert!(!super::on_pace(0, Duration::from_secs(61)));
		assert!(super::on_pace(super::MIN_RATE, Duration::from_secs(61)));
		assert!(!super::on_pace(10 * super::MIN_RATE, Duration::from_secs(71)));
	}

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
