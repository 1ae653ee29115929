//! # The storage provider's duties
//!
//! [`StorageService`] stands between the shard store (`zg-storage-node`), the chain
//! (`zg-worker-chain`) and the other providers' workers: what it takes, keeps, sends and
//! removes is what the chain says, and nothing else.
//!
//! - [`files`]: uploads to a gateway (encoded as they arrive), pushes of a submitted file's
//!   shards to their providers, shards taken from peers (only those assigned on chain to this
//!   worker's provider), reads of files and shards, proofs, status.
//! - [`maintain`]: the background pass: shards confirmed on chain are forgotten, assigned
//!   shards missing here are rebuilt from any `k` others, files the chain no longer holds are
//!   collected after a grace period, inconsistent files are kept with their proof for the node
//!   to report.
//! - [`peers`]: other workers, by their registered endpoints.
//! - [`transfer`]: bodies streamed between the network and the disk, bounded and timed.
//!
//! Errors are [`StorageError`]; a refused request changes nothing.

pub mod files;
pub mod maintain;
pub mod peers;
pub mod transfer;

use std::{
	collections::{BTreeMap, BTreeSet},
	sync::{Arc, Mutex},
	time::Duration,
};
use tokio::sync::Semaphore;
use zg_primitives::{worker_api::ColumnProof, Hash};
use zg_storage_node::{encoder::ErasureBackend, store::ShardStore};
use zg_worker_chain::{Account, Chain, StorageLimits};

pub use files::{FileStatus, PushReport, Uploaded};
pub use zg_storage_node::{root_hex, Error as StoreError};

/// Uploads coded at once; more are refused until one ends.
pub const UPLOADS: usize = 2;
/// Shards received at once.
pub const SHARD_PUTS: usize = 8;
/// Shards sent at once.
pub const SHARD_GETS: usize = 8;
/// Downloads served at once.
pub const DOWNLOADS: usize = 4;
/// Pushes of a file's shards to their providers at once.
pub const PUSHES: usize = 2;

/// Why a storage request is refused or failed. Nothing is stored or changed by any of them.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
	/// An upload to a worker that is not a gateway.
	#[error("this worker takes no uploads (a gateway is started with --gateway)")]
	NotGateway,
	/// An upload without its length.
	#[error("an upload needs its Content-Length")]
	LengthRequired,
	/// Outside the chain's limits (size, k, m).
	#[error("{0}")]
	Limits(String),
	/// Larger than this worker takes.
	#[error("this worker takes files of at most {0} bytes")]
	UploadTooLarge(u64),
	/// Too many of a kind at once.
	#[error("too many {0} at once: try again shortly")]
	Busy(&'static str),
	/// The file is not on chain.
	#[error("file {0} is not on chain")]
	NotOnChain(String),
	/// The file's providers are not drawn yet.
	#[error(
		"the providers of {0} are not drawn yet (a few blocks after the submission): try again"
	)]
	NotAssigned(String),
	/// This worker stores nothing for a provider.
	#[error("this worker is not a provider's: it holds no shards")]
	NotProvider,
	/// No such shard in the file.
	#[error("file {root} has no shard {index}")]
	NoSuchShard {
		/// The file.
		root: String,
		/// The shard.
		index: u32,
	},
	/// The shard is another provider's.
	#[error("shard {index} of {root} is assigned to {to}, not to this worker's provider")]
	AssignedElsewhere {
		/// The file.
		root: String,
		/// The shard.
		index: u32,
		/// Its provider, or nobody yet.
		to: String,
	},
	/// A shard of the wrong size.
	#[error("shard {index} of {root} is {size} bytes")]
	ShardSize {
		/// The file.
		root: String,
		/// The shard.
		index: u32,
		/// Its size on chain.
		size: u64,
	},
	/// A file larger than what is asked.
	#[error("file {root} is larger than {limit} bytes")]
	FileTooLarge {
		/// The file.
		root: String,
		/// The limit.
		limit: u64,
	},
	/// A body stalled.
	#[error("the body stalled for {0} s")]
	Stalled(u64),
	/// A body arrived too slowly.
	#[error("the body arrived slower than {0} bytes/s")]
	TooSlow(u64),
	/// A small body did not arrive in time.
	#[error("the body did not arrive within {0} s")]
	Late(u64),
	/// A body broke off.
	#[error("body broken: {0}")]
	Broken(String),
	/// The store refused or failed (a bad shard, no room, not found, …).
	#[error(transparent)]
	Store(#[from] StoreError),
	/// The chain could not be read.
	#[error("the chain: {0}")]
	Chain(String),
	/// A bug or a crashed task.
	#[error("{0}")]
	Internal(String),
}

impl From<anyhow::Error> for StorageError {
	fn from(e: anyhow::Error) -> Self {
		StorageError::Chain(format!("{e:#}"))
	}
}

/// Runs `work` on a blocking thread.
pub(crate) async fn blocking<T: Send + 'static>(
	work: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StorageError> {
	tokio::task::spawn_blocking(work)
		.await
		.map_err(|e| StorageError::Internal(e.to_string()))?
		.map_err(StorageError::from)
}

/// The storage role of a worker.
pub struct StorageService {
	/// Shards on disk.
	pub store: ShardStore,
	/// The node.
	pub chain: Chain,
	/// What the chain accepts of a file (read when the worker starts).
	pub limits: StorageLimits,
	/// The provider account this worker stores shards for (`None`: a gateway that only
	/// uploads and downloads).
	pub provider: Option<Account>,
	/// Whether anyone may upload files here (`--gateway`); otherwise only assigned shards are
	/// taken, from peers.
	pub gateway: bool,
	/// The erasure coder.
	pub backend: Box<dyn ErasureBackend>,
	/// The largest upload accepted, in bytes.
	pub max_upload: u64,
	/// How long a file that is not on chain (or a shard not assigned here) is kept before it
	/// is garbage-collected: time to submit an upload and push its shards.
	pub gc_grace: Duration,
	/// Test only: delete shards once they are confirmed on chain (a provider that confirms and
	/// then throws the data away, to test that it is caught and not paid).
	pub discard_confirmed: bool,
	pub(crate) uploads: Arc<Semaphore>,
	pub(crate) shard_puts: Arc<Semaphore>,
	pub(crate) shard_gets: Arc<Semaphore>,
	pub(crate) downloads: Arc<Semaphore>,
	pub(crate) pushes: Arc<Semaphore>,
	held: Mutex<BTreeSet<(Hash, u32)>>,
	pub(crate) fraud: Mutex<BTreeMap<Hash, (u32, ColumnProof)>>,
	pub(crate) peers: peers::Peers,
}

impl StorageService {
	/// A new service; the held set starts with every shard in the store. Uploads are refused
	/// until [`StorageService::gateway`] is set. Fails only if no HTTP client can be made.
	pub fn new(
		store: ShardStore,
		chain: Chain,
		limits: StorageLimits,
		provider: Option<Account>,
		backend: Box<dyn ErasureBackend>,
		max_upload: u64,
	) -> anyhow::Result<Self> {
		let held = store.all_shards().into_iter().collect();
		Ok(Self {
			store,
			chain,
			limits,
			provider,
			gateway: false,
			backend,
			max_upload,
			gc_grace: Duration::from_secs(3600),
			discard_confirmed: false,
			uploads: Arc::new(Semaphore::new(UPLOADS)),
			shard_puts: Arc::new(Semaphore::new(SHARD_PUTS)),
			shard_gets: Arc::new(Semaphore::new(SHARD_GETS)),
			downloads: Arc::new(Semaphore::new(DOWNLOADS)),
			held: Mutex::new(held),
			fraud: Mutex::default(),
			pushes: Arc::new(Semaphore::new(PUSHES)),
			peers: peers::Peers::new()?,
		})
	}

	/// Shards held here and not yet seen confirmed on chain (for the node to confirm).
	pub fn held(&self) -> Vec<(Hash, u32)> {
		self.held.lock().map(|h| h.iter().copied().collect()).unwrap_or_default()
	}

	pub(crate) fn mark_held(&self, root: Hash, index: u32) {
		if let Ok(mut held) = self.held.lock() {
			held.insert((root, index));
		}
	}

	pub(crate) fn forget_held(&self, root: Hash, index: u32) {
		if let Ok(mut held) = self.held.lock() {
			held.remove(&(root, index));
		}
	}

	/// Files found inconsistent while rebuilding a shard, with the proof (for the node to
	/// report).
	pub fn fraud(&self) -> Vec<(Hash, u32, ColumnProof)> {
		self.fraud
			.lock()
			.map(|f| f.iter().map(|(r, (c, p))| (*r, *c, p.clone())).collect())
			.unwrap_or_default()
	}
}
