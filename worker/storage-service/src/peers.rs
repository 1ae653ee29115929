//! Other providers' workers, reached at the endpoints their providers registered on chain:
//! shards pushed to them and fetched from them, streamed, each fetched shard checked against
//! its committed root.

use crate::transfer::{deadline_for, stream_into};
use std::time::Duration;
use zg_primitives::Hash;
use zg_storage_node::{
	root_hex,
	shard::{ShardFiles, ShardWriter},
	store::ShardStore,
};

/// The longest wait for another worker's answer to start.
pub const PEER_TIMEOUT: Duration = Duration::from_secs(30);

/// The HTTP client for other workers.
pub struct Peers {
	client: reqwest::Client,
}

impl Peers {
	/// A client that follows no redirects and uses no proxy: a shard is fetched from, and
	/// sent to, the endpoint the chain names, and nowhere else.
	pub(crate) fn new() -> Result<Self, reqwest::Error> {
		let client = reqwest::Client::builder()
			.redirect(reqwest::redirect::Policy::none())
			.no_proxy()
			.connect_timeout(Duration::from_secs(10))
			.build()?;
		Ok(Self { client })
	}

	/// Sends shard `index` of `root` (its `files`) to the worker at `endpoint`.
	pub async fn put(
		&self,
		endpoint: &str,
		root: &Hash,
		index: u32,
		files: &ShardFiles,
	) -> Result<(), String> {
		let url = shard_url(endpoint, root, index)?;
		let file = tokio::fs::File::open(&files.shard).await.map_err(|e| e.to_string())?;
		let stream = tokio_util::io::ReaderStream::with_capacity(file, 256 << 10);
		let request = self
			.client
			.put(&url)
			.header(reqwest::header::CONTENT_LENGTH, files.len)
			.body(reqwest::Body::wrap_stream(stream))
			.timeout(PEER_TIMEOUT + deadline_for(files.len));
		let res = request.send().await.map_err(|e| format!("{url}: {e}"))?;
		let status = res.status();
		if status.is_success() {
			return Ok(());
		}
		// At most 4 KiB of the peer's explanation.
		let mut res = res;
		let mut body = Vec::new();
		while let Ok(Some(chunk)) = res.chunk().await {
			body.extend_from_slice(&chunk[..chunk.len().min(4096 - body.len())]);
			if body.len() >= 4096 {
				break;
			}
		}
		Err(format!("{url}: {status} {}", String::from_utf8_lossy(&body)))
	}

	/// Fetches shard `index` of `root` (of `size` bytes) from the worker at `endpoint` to a
	/// temporary file of `store`, only if it has the size and root `expected` (a provider
	/// serving bad bytes counts as missing). The answer must start within [`PEER_TIMEOUT`]
	/// and arrive within [`deadline_for`] its size.
	pub async fn get(
		&self,
		store: &ShardStore,
		endpoint: &str,
		root: &Hash,
		index: u32,
		size: u64,
		expected: Hash,
	) -> Option<ShardFiles> {
		let url = shard_url(endpoint, root, index).ok()?;
		let res =
			tokio::time::timeout(PEER_TIMEOUT, self.client.get(&url).send()).await.ok()?.ok()?;
		if !res.status().is_success() {
			return None;
		}
		// Scratch: read to decode or rebuild; room is reserved only if it is kept.
		let writer = store.scratch_writer(size).ok()?;
		let writer =
			stream_into(res.bytes_stream(), writer, ShardWriter::write, deadline_for(size))
				.await
				.ok()?;
		let files = tokio::task::spawn_blocking(move || writer.finish()).await.ok()?.ok()?;
		if files.len != size || files.root != expected {
			tracing::warn!(
				"shard {index} of {} from {endpoint} does not match its root",
				root_hex(root)
			);
			return None;
		}
		Some(files)
	}
}

/// The URL of shard `index` of `root` at a worker's registered `endpoint`: an `http(s)` URL
/// whose query and fragment are dropped, so an endpoint cannot smuggle another request.
pub fn shard_url(endpoint: &str, root: &Hash, index: u32) -> Result<String, String> {
	let mut url = url::Url::parse(endpoint).map_err(|e| format!("bad endpoint {endpoint}: {e}"))?;
	if !matches!(url.scheme(), "http" | "https") {
		return Err(format!("bad endpoint {endpoint}: not http(s)"));
	}
	url.set_query(None);
	url.set_fragment(None);
	url.path_segments_mut()
		.map_err(|()| format!("bad endpoint {endpoint}"))?
		.pop_if_empty()
		.extend(["v1", "shards", &root_hex(root), &index.to_string()]);
	Ok(url.to_string())
}
