//! The DA signer role of a worker: it takes a disperser's delivery for a blob only if the
//! chain has the blob pending, the worker's account is a member of the blob's committee, and
//! the delivery holds exactly that member's lines, each checked against the commitment
//! ([`zg_da_store::check_delivery`]). Then it stores the lines and signs the blob's
//! attestation payload with the member's key. Nothing else is ever signed.

use crate::{delivery_auth, root_hex};
use codec::DecodeWithMemLimit;
use std::{sync::Arc, time::Duration};
use subxt_signer::sr25519::{self, Keypair};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use zg_da_store::{check_delivery, Chunks, Delivery, DeliveryError, LineStore, Roots};
use zg_primitives::{
	da::{attestation_payload, BlobLayout, CellProof, Line},
	Hash,
};
use zg_worker_chain::{
	da::{ChainBlob, SignedAttestation},
	Account, Chain,
};

/// Deliveries checked at once; more are answered 503 until one ends (each is held in memory
/// while it is checked: up to a quarter of a 32 MiB blob's extended square, twice).
pub const DELIVERIES: usize = 2;

/// Deliveries whose chain reads run at once (before any body is read); more get 503.
pub const EXPECTATIONS: usize = 16;

/// Why a delivery is refused. Nothing is stored or signed.
#[derive(Debug, thiserror::Error)]
pub enum SignerError {
	/// The chain has no blob with this root.
	#[error("blob {0} is not on chain")]
	NotOnChain(String),
	/// Its attestation period is over (or it is already past `Pending`).
	#[error("blob {0} takes no more attestations (block {1} is past its attest_by {2})")]
	TooLate(String, u64, u32),
	/// The blob's epoch has no committee on chain.
	#[error("the blob's epoch {0} has no committee")]
	NoCommittee(u32),
	/// This worker's account is not a member of the blob's committee.
	#[error("{0} is not a member of epoch {1}'s committee")]
	NotMember(String, u32),
	/// The body is larger than the member's lines can be.
	#[error("a delivery of {0} lines is at most {1} bytes")]
	TooLarge(usize, usize),
	/// The request is not signed by the blob's disperser.
	#[error("the delivery is not signed by the blob's disperser {0}")]
	NotDisperser(String),
	/// The body is not a SCALE [`Delivery`].
	#[error("the body is not a SCALE-encoded delivery")]
	Malformed,
	/// The delivery fails its checks against the commitment.
	#[error(transparent)]
	Refused(#[from] DeliveryError),
	/// Too many deliveries at once.
	#[error("too many deliveries at once: try again shortly")]
	Busy,
	/// The blob's committee is not final yet at this worker's node.
	#[error("epoch {0}'s committee is not final yet: try again shortly")]
	NotFinal(u32),
	/// The chain could not be read.
	#[error("cannot read the chain: {0:#}")]
	Chain(anyhow::Error),
	/// The lines could not be stored.
	#[error("cannot store the lines: {0}")]
	Store(std::io::Error),
}

/// What a delivery for one blob must be, read from the chain before its body is read.
#[derive(Clone, Debug)]
pub struct Expected {
	/// The blob's commitment.
	pub root: Hash,
	/// The blob as the chain has it.
	pub blob: ChainBlob,
	/// Its layout.
	pub layout: BlobLayout,
	/// The line indices this member holds of it.
	pub lines: Vec<u32>,
	/// The largest body such a delivery can have.
	pub max_len: usize,
}

/// The signer role.
pub struct DaSigner {
	/// The lines held.
	pub store: LineStore,
	chain: Chain,
	key: Keypair,
	account: Account,
	genesis: [u8; 32],
	checks: Arc<Semaphore>,
	expectations: Arc<Semaphore>,
	/// Test only: sign, then throw the lines away, and serve nothing (a withholding signer;
	/// it misses its challenges and is slashed).
	pub fault_withhold: bool,
}

impl DaSigner {
	/// A signer keeping its lines in `store`, signing with `key` (its account must be the
	/// registered DA signer).
	pub fn new(store: LineStore, chain: Chain, key: Keypair) -> Self {
		let account = key.public_key().0;
		let genesis = chain.genesis_hash();
		let checks = Arc::new(Semaphore::new(DELIVERIES));
		let expectations = Arc::new(Semaphore::new(EXPECTATIONS));
		Self { store, chain, key, account, genesis, checks, expectations, fault_withhold: false }
	}

	/// The signer's account.
	pub fn account(&self) -> Account {
		self.account
	}

	/// What a delivery for `root` must be, from the chain's best block: the blob pending, within its
	/// attestation period, this account a member of its committee, and `signature` the
	/// disperser's sr25519 signature of [`delivery_auth`] for this member (so that nobody but
	/// the disperser, who paid for the blob, can take a place with a body).
	pub async fn expect(&self, root: &Hash, signature: &[u8; 64]) -> Result<Expected, SignerError> {
		let _reading = self.expectations.try_acquire().map_err(|_| SignerError::Busy)?;
		let hex = root_hex(root);
		// At the best block: a disperser delivers as soon as its blob is included.
		let view = self.chain.da_view_best(root).await.map_err(SignerError::Chain)?;
		let blob = view.blob.ok_or_else(|| SignerError::NotOnChain(hex.clone()))?;
		if view.number >= u64::from(blob.attest_by) {
			return Err(SignerError::TooLate(hex, view.number, blob.attest_by));
		}
		let committee = view.committee.ok_or(SignerError::NoCommittee(blob.epoch))?;
		// The signature names the blob's epoch, not the committee: on a fork drawn otherwise,
		// this member could hold other lines than it would on the chain that is finalized, and
		// be slashed for those. Only a committee already final is signed for.
		let finalized = self.chain.da_committee(blob.epoch).await.map_err(SignerError::Chain)?;
		if finalized.as_ref() != Some(&committee) {
			return Err(SignerError::NotFinal(blob.epoch));
		}
		let member = committee.member_index(&self.account).ok_or_else(|| {
			SignerError::NotMember(zg_worker_chain::ss58(&self.account), blob.epoch)
		})?;
		let authorized = sr25519::verify(
			&sr25519::Signature(*signature),
			delivery_auth(&self.genesis, root, &self.account),
			&sr25519::PublicKey(blob.disperser),
		);
		if !authorized {
			return Err(SignerError::NotDisperser(zg_worker_chain::ss58(&blob.disperser)));
		}
		let layout = blob.layout().map_err(SignerError::Chain)?;
		let lines = committee.lines_of(member, root, &layout);
		let max_len = Delivery::max_encoded_len(&layout, lines.len());
		Ok(Expected { root: *root, blob, layout, lines, max_len })
	}

	/// A place among the [`DELIVERIES`] read and checked at once, taken before a delivery's
	/// body is read (so that bodies in memory are bounded too), or [`SignerError::Busy`].
	pub fn place(&self) -> Result<OwnedSemaphorePermit, SignerError> {
		self.checks.clone().try_acquire_owned().map_err(|_| SignerError::Busy)
	}

	/// Checks the delivery `body` against what `expected` says, stores its lines and signs
	/// the blob's attestation (`place`: from [`DaSigner::place`]).
	pub async fn accept(
		self: &Arc<Self>,
		expected: Expected,
		body: Vec<u8>,
		place: OwnedSemaphorePermit,
	) -> Result<SignedAttestation, SignerError> {
		if body.len() > expected.max_len {
			return Err(SignerError::TooLarge(expected.lines.len(), expected.max_len));
		}
		let this = self.clone();
		let exp = expected.clone();
		// The place goes with the check: a client that hangs up does not free it while its
		// body is still being checked.
		tokio::task::spawn_blocking(move || -> Result<(), SignerError> {
			let _place = place;
			// Within twice the body: chunks of the right size take about their size.
			let mut input = &body[..];
			let delivery = Delivery::decode_with_mem_limit(&mut input, 2 * exp.max_len)
				.ok()
				.filter(|_| input.is_empty())
				.ok_or(SignerError::Malformed)?;
			drop(body);
			check_delivery(&exp.root, &exp.layout, &exp.lines, &delivery)?;
			this.store.put(&delivery, exp.blob.attest_by).map_err(SignerError::Store)
		})
		.await
		.map_err(|e| SignerError::Store(std::io::Error::other(e)))??;
		let payload = attestation_payload(
			&self.genesis,
			&expected.root,
			expected.blob.epoch,
			&expected.blob.disperser,
			&expected.blob.submitted_at,
		);
		let signature = self.key.sign(&payload).0;
		if self.fault_withhold {
			tracing::warn!(
				"DA: --fault-da-withhold: blob {} thrown away",
				root_hex(&expected.root)
			);
			self.store.remove(&expected.root).map_err(SignerError::Store)?;
		}
		tracing::info!(
			"DA: signed blob {} (epoch {}, {} line indices)",
			root_hex(&expected.root),
			expected.blob.epoch,
			expected.lines.len()
		);
		Ok(SignedAttestation { signer: self.account, epoch: expected.blob.epoch, signature })
	}

	/// The layout and roots of a blob held.
	pub fn roots(&self, root: &Hash) -> Option<Roots> {
		self.store.roots(root).filter(|_| !self.fault_withhold)
	}

	/// Row `index` of a blob held.
	pub fn row(&self, root: &Hash, index: u32) -> Option<Chunks> {
		self.store.line(root, index).map(|(row, _)| row).filter(|_| !self.fault_withhold)
	}

	/// A chunk of a blob held with its proof against the commitment.
	pub fn cell(&self, root: &Hash, line: Line, pos: u32) -> Option<CellProof> {
		self.store.cell_proof(root, line, pos).filter(|_| !self.fault_withhold)
	}

	/// Forgets, every `period`, the blobs the chain no longer holds (their retention ended,
	/// they failed, or they were proven invalid). A blob is forgotten only when the chain is
	/// past the block its attestations closed and does not hold it: a node still syncing, which
	/// has not seen the blob yet, never makes the signer throw away lines it answers for.
	pub async fn collect_garbage(self: Arc<Self>, period: Duration) {
		loop {
			tokio::time::sleep(period).await;
			let Ok(now) = self.chain.finalized_number().await else { continue };
			for root in self.store.blobs() {
				let Some(attest_by) = self.store.attest_by(&root) else { continue };
				if now <= u64::from(attest_by) {
					continue;
				}
				match self.chain.da_blob(&root).await {
					Ok(None) => {
						if let Err(e) = self.store.remove(&root) {
							tracing::warn!("DA: cannot remove blob {}: {e}", root_hex(&root));
						} else {
							tracing::info!("DA: blob {} left the chain, removed", root_hex(&root));
						}
					},
					Ok(Some(_)) => {},
					Err(e) => {
						tracing::debug!("DA: cannot read the chain: {e:#}");
						break;
					},
				}
			}
		}
	}
}
