//! Dispersal as a worker's service: a client hands the worker a blob over HTTP and the worker
//! does what `zg-da submit` does ([`crate::client::disperse_encoded`]), paying with the
//! operator's disperser key. Only clients with the operator's token may ask (each dispersal
//! costs the key its fee, submission fee and deposit), a few at once, and the progress of
//! each is kept for readers to poll.

use crate::{
	client::{self, Encoded, Options},
	root_hex,
};
use std::{
	collections::{HashMap, VecDeque},
	sync::{Arc, Mutex},
	time::Instant,
};
use subxt_signer::sr25519::Keypair;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use zg_primitives::Hash;
use zg_worker_chain::{Account, Chain};

/// Dispersals at once (each holds its blob's 128 MiB square while it delivers); more are
/// refused until one ends.
pub const DISPERSALS: usize = 2;

/// Dispersals whose progress is remembered (the oldest finished ones are forgotten first).
pub const REMEMBERED: usize = 256;

/// Progress lines kept per dispersal.
const LOG_LINES: usize = 64;

/// Where a dispersal is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
	/// Being submitted, delivered and attested.
	Dispersing,
	/// Its attestations are in the node's best block: Available there, not yet final.
	Attested,
	/// Available in a finalized block.
	Available,
	/// It failed (see the error; a blob without quorum has its fee and deposit refunded).
	Failed,
}

impl Stage {
	/// Its name in the API.
	pub fn name(self) -> &'static str {
		match self {
			Stage::Dispersing => "dispersing",
			Stage::Attested => "attested",
			Stage::Available => "available",
			Stage::Failed => "failed",
		}
	}
}

/// The progress of one dispersal.
#[derive(Clone, Debug)]
pub struct Progress {
	/// The blob's commitment.
	pub root: Hash,
	/// Its size in bytes.
	pub size: u64,
	/// Where it is.
	pub stage: Stage,
	/// Seconds since it was handed in.
	pub seconds: f64,
	/// The seats that signed, of the committee's.
	pub attested_seats: Option<(u32, u32)>,
	/// Why it failed.
	pub error: Option<String>,
	/// What happened, line by line.
	pub log: Vec<String>,
}

struct Entry {
	progress: Progress,
	started: Instant,
}

/// Why a dispersal is not taken.
#[derive(Debug, thiserror::Error)]
pub enum DispersalError {
	/// No token, or not the operator's.
	#[error("dispersal needs the operator's token: Authorization: Bearer <token>")]
	Unauthorized,
	/// Too many at once (or too many awaiting finality to remember another).
	#[error("too many dispersals are running: try again shortly")]
	Busy,
	/// Not a blob of 1 byte to 32 MiB.
	#[error("{0:#}")]
	BadBlob(anyhow::Error),
	/// The same blob is already being dispersed, or was.
	#[error("blob {0} is already dispersed here (GET its progress)")]
	Duplicate(String),
}

/// Whether `given` is the operator's `token` (never when the token is empty), compared
/// without leaking where the first difference is.
pub fn token_matches(token: &str, given: Option<&str>) -> bool {
	let (token, given) = (token.as_bytes(), given.unwrap_or_default().as_bytes());
	!token.is_empty()
		&& given.len() == token.len()
		&& given.iter().zip(token).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The dispersal service.
pub struct Disperser {
	chain: Chain,
	key: Keypair,
	token: String,
	places: Arc<Semaphore>,
	table: Mutex<(HashMap<Hash, Entry>, VecDeque<Hash>)>,
}

impl Disperser {
	/// A service paying with `key` for clients that present `token`.
	pub fn new(chain: Chain, key: Keypair, token: String) -> Self {
		Self {
			chain,
			key,
			token,
			places: Arc::new(Semaphore::new(DISPERSALS)),
			table: Mutex::new((HashMap::new(), VecDeque::new())),
		}
	}

	/// The account that pays.
	pub fn account(&self) -> Account {
		self.key.public_key().0
	}

	/// Checks a client's bearer token (in constant time), and takes one of the
	/// [`DISPERSALS`] places (before the client's body is read, so that blobs in memory are
	/// bounded too).
	pub fn admit(&self, bearer: Option<&str>) -> Result<OwnedSemaphorePermit, DispersalError> {
		if !token_matches(&self.token, bearer) {
			return Err(DispersalError::Unauthorized);
		}
		self.places.clone().try_acquire_owned().map_err(|_| DispersalError::Busy)
	}

	/// Encodes `blob` and disperses it in the background, holding `place` until the blob is
	/// attested (or refused); returns its first progress once it is encoded. The work runs in
	/// a task of its own: a client that hangs up does not free the place while its blob is
	/// still encoded or dispersed.
	pub async fn start(
		self: &Arc<Self>,
		blob: Vec<u8>,
		place: OwnedSemaphorePermit,
	) -> Result<Progress, DispersalError> {
		let (first, answer) = tokio::sync::oneshot::channel();
		let this = self.clone();
		tokio::spawn(async move {
			let encoded = match this.register(blob).await {
				Ok((encoded, progress)) => {
					let _ = first.send(Ok(progress));
					encoded
				},
				Err(e) => {
					let _ = first.send(Err(e));
					return;
				},
			};
			this.run(encoded, place).await
		});
		answer.await.unwrap_or_else(|_| {
			Err(DispersalError::BadBlob(anyhow::anyhow!("the dispersal task ended")))
		})
	}

	/// Encodes `blob` and enters it in the table.
	async fn register(&self, blob: Vec<u8>) -> Result<(Encoded, Progress), DispersalError> {
		let size = blob.len() as u64;
		let encoded = client::encode(blob).await.map_err(DispersalError::BadBlob)?;
		let root = encoded.root();
		let progress = Progress {
			root,
			size,
			stage: Stage::Dispersing,
			seconds: 0.0,
			attested_seats: None,
			error: None,
			log: vec![encoded.describe()],
		};
		let mut table = self.table.lock().unwrap_or_else(|e| e.into_inner());
		let (entries, order) = &mut *table;
		// A blob that failed may be handed in again (the chain dropped it); any other is
		// refused.
		match entries.get(&root) {
			Some(e) if e.progress.stage == Stage::Failed => {
				entries.remove(&root);
				order.retain(|r| *r != root);
			},
			Some(_) => return Err(DispersalError::Duplicate(root_hex(&root))),
			None => {},
		}
		// Forget the oldest finished dispersals beyond the bound; with none finished (every
		// one waiting for finality), refuse rather than grow.
		while entries.len() >= REMEMBERED {
			let finished = order.iter().position(|r| {
				entries
					.get(r)
					.is_some_and(|e| matches!(e.progress.stage, Stage::Available | Stage::Failed))
			});
			let Some(at) = finished else { return Err(DispersalError::Busy) };
			if let Some(old) = order.remove(at) {
				entries.remove(&old);
			}
		}
		entries.insert(root, Entry { progress: progress.clone(), started: Instant::now() });
		order.push_back(root);
		tracing::info!("DA: dispersing blob {} ({size} bytes) for a client", root_hex(&root));
		Ok((encoded, progress))
	}

	/// The progress of the dispersal of `root`, if it is remembered.
	pub fn progress(&self, root: &Hash) -> Option<Progress> {
		let table = self.table.lock().unwrap_or_else(|e| e.into_inner());
		table.0.get(root).map(|e| {
			let mut progress = e.progress.clone();
			progress.seconds = e.started.elapsed().as_secs_f64();
			progress
		})
	}

	fn update(&self, root: &Hash, f: impl FnOnce(&mut Progress)) {
		let mut table = self.table.lock().unwrap_or_else(|e| e.into_inner());
		if let Some(entry) = table.0.get_mut(root) {
			f(&mut entry.progress);
		}
	}

	fn log(&self, root: &Hash, line: String) {
		self.update(root, |p| {
			if p.log.len() < LOG_LINES {
				p.log.push(line);
			}
		});
	}

	async fn run(self: Arc<Self>, encoded: Encoded, place: OwnedSemaphorePermit) {
		let root = encoded.root();
		let say = |line: String| self.log(&root, line);
		let attested =
			client::disperse_encoded(&self.chain, &self.key, encoded, Options::default(), &say)
				.await;
		drop(place);
		let result = match attested {
			Ok(attested) => {
				let d = &attested.dispersal;
				let seats = (d.attested_seats, d.seats);
				self.update(&root, |p| {
					p.stage = Stage::Attested;
					p.attested_seats = Some(seats);
				});
				attested.finalized().await
			},
			Err(e) => Err(e),
		};
		match result {
			Ok(d) if d.available => {
				tracing::info!("DA: blob {} Available", root_hex(&root));
				self.update(&root, |p| p.stage = Stage::Available);
			},
			Ok(_) => self.update(&root, |p| {
				p.stage = Stage::Failed;
				p.error = Some("the chain does not report the blob available".into());
			}),
			Err(e) => {
				tracing::info!("DA: dispersal of blob {} failed: {e:#}", root_hex(&root));
				self.update(&root, |p| {
					p.stage = Stage::Failed;
					p.error = Some(format!("{e:#}"));
				});
			},
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn only_the_operators_token_matches() {
		assert!(token_matches("s3cret", Some("s3cret")));
		for wrong in [Some("s3cre"), Some("s3creT"), Some("s3cret "), Some(""), None] {
			assert!(!token_matches("s3cret", wrong), "{wrong:?}");
		}
		// An operator who set no token admits nobody.
		assert!(!token_matches("", Some("")));
		assert!(!token_matches("", None));
	}
}
