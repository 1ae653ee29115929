//! Metering of the OpenAI-compatible API against what users signed.
//!
//! A user calls a provider's API with a signed spending capability as its API key
//! ([`zg_primitives::compute::SpendingCapability`]: this provider, a cap, an expiry, the
//! chain's genesis hash, a nonce). The chain settles at most the cap under one capability, and
//! only from the user's allocation to the provider. The worker keeps, per capability, the
//! spend it has not settled yet and the amounts reserved by requests in flight:
//!
//! 1. Before a request runs, [`Meter::reserve`] reads what the chain still allows
//!    ([`Budget`]: the cap less what was settled under the capability, and the user's
//!    allocation to this provider) and refuses unless both cover `max_cost` (the cost if the
//!    request used every token it may), the cap less this capability's unsettled and reserved
//!    spend, the allocation less that of every capability of the user (they all settle from
//!    it); otherwise it reserves `max_cost`.
//! 2. When the request is done, [`Reservation::commit`] replaces the reservation by the real
//!    cost, which joins the unsettled spend. A reservation dropped without commit (the engine
//!    failed) is released and costs nothing.
//! 3. Every few seconds [`Meter::settle_once`] submits `Compute.settle_usage(capability,
//!    signature, amount)` for each capability with unsettled spend and subtracts what
//!    succeeded. While a settlement is in flight the amount still counts as unsettled, so the
//!    check in 1 stays on the safe side.
//!
//! The chain is reached through two injected functions ([`BudgetFn`], [`SettleFn`]), so the
//! logic is tested without a node.
//!
//! **Restarts.** With a journal ([`Meter::persisted`]), the unsettled spend of every
//! capability is written to a file (a temporary file renamed over it) each time it changes, and
//! read back when the worker starts, then settled as usual. Without it, a restart would forget
//! what was served and not yet settled: the user could be served that amount again under the
//! same key (the chain only knows what was settled), and the provider would never be paid for
//! it. Reservations of requests in flight are not kept: those requests die with the process.
//! An amount submitted for settlement is journaled as settled at once: if the worker dies
//! before it learns whether the settlement landed, the user is never charged twice for it
//! (the provider may lose it instead).
//!
//! **Several workers of one provider** ([`Meter::shared`]) keep their journals in one
//! directory and see one spend: each journal also lists what its worker has outstanding
//! (unsettled spend and reservations), and a worker admits a request only if the chain's
//! budget covers its own outstanding spend and every other worker's, under the key's cap and
//! under the user's allocation, checked and reserved under a lock of the directory. Without
//! this, each worker would allow a key's whole cap and a user's whole allocation, and the
//! chain would settle only one of them. Each journal also records the block its worker's
//! last settlement landed in, and a worker admits only against a chain state read at that
//! block or later (its node may lag behind the one that finalized the settlement). A worker
//! that dies leaves its reservations counted until it starts again (its users are refused
//! sooner; nobody is overdrawn).

use futures::future::BoxFuture;
use std::{
	collections::BTreeMap,
	path::{Path, PathBuf},
	sync::{Arc, Mutex},
	time::Duration,
};
use zg_primitives::compute::{usage_fee, ServiceKind, SpendingCapability};

/// A signed capability, as a user hands it to the worker (its API key, decoded).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
	/// What the user signed.
	pub capability: SpendingCapability<[u8; 32], u32>,
	/// The user's sr25519 signature of [`SpendingCapability::signing_payload`].
	pub signature: [u8; 64],
}

impl Grant {
	/// Identifies the capability: user and nonce (the provider is this worker's).
	pub fn key(&self) -> (crate::Account, u64) {
		(self.capability.user, self.capability.nonce)
	}
}

/// What the chain still allows under a capability, in plancks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Budget {
	/// The capability's cap less what was settled under it.
	pub cap_left: u128,
	/// The user's allocation to this provider: what every capability of the user settles
	/// from, together.
	pub allocation: u128,
	/// The cap and expiry the chain recorded for the capability's nonce at its first
	/// settlement, if any: the chain settles nothing more under that nonce with other terms.
	pub recorded: Option<(u128, u32)>,
	/// The number of the block it was read at.
	pub at: u64,
}

/// Reads a capability's [`Budget`] from the chain.
pub type BudgetFn = Arc<dyn Fn(Grant) -> BoxFuture<'static, anyhow::Result<Budget>> + Send + Sync>;
/// Settles `amount` under a capability on chain; returns the number of the (finalized) block
/// it landed in.
pub type SettleFn =
	Arc<dyn Fn(Grant, u128) -> BoxFuture<'static, Result<u64, Unsettled>> + Send + Sync>;

/// Why a settlement did not land, as far as the worker knows.
#[derive(Debug, thiserror::Error)]
pub enum Unsettled {
	/// It took no effect (it could not be sent, or the chain refused it): the amount stays
	/// owed and is settled again next round.
	#[error("{0:#}")]
	Failed(anyhow::Error),
	/// It was sent and its fate is unknown: it may still land. It is never sent again, so
	/// that the user is never charged twice (the provider may lose it), and counts against the
	/// key for a while in case it lands late ([`Spend::limbo`]).
	#[error("{0:#}")]
	Unknown(anyhow::Error),
	/// The capability expired before it was settled: the chain will settle nothing more
	/// under it, and every try would cost the provider a fee. The amount is dropped (lost to
	/// the provider), and nothing is sent.
	#[error("the capability expired at block {0} before it was settled")]
	Expired(u32),
}

impl MeterError {
	/// The chain could not be read, or the meter's own state not kept.
	fn budget(e: anyhow::Error) -> Self {
		MeterError::Budget(format!("{e:#}"))
	}
}

impl From<anyhow::Error> for Unsettled {
	fn from(e: anyhow::Error) -> Self {
		Unsettled::Failed(e)
	}
}

/// The prices of a service, in plancks per token.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Prices {
	/// Per prompt (input) token.
	pub input: u128,
	/// Per generated (output) token.
	pub output: u128,
}

impl Prices {
	/// The cost of a request: [`usage_fee`] of an inference service, uncapped.
	pub fn cost(&self, prompt_tokens: u32, completion_tokens: u32) -> u128 {
		usage_fee(
			ServiceKind::Inference,
			self.input,
			self.output,
			prompt_tokens,
			completion_tokens,
			u128::MAX,
		)
	}
}

/// Why a request cannot be paid for.
#[derive(Debug, thiserror::Error)]
pub enum MeterError {
	/// What the capability still allows does not cover the request's largest possible cost.
	#[error("insufficient funds under this API key: {available} plancks left, the request may cost {needed}")]
	Insufficient {
		/// Allowed on chain minus unsettled and reserved spend.
		available: u128,
		/// The request's largest possible cost.
		needed: u128,
	},
	/// The chain could not be read, or the capability can no longer be settled.
	#[error("{0}")]
	Budget(String),
	/// The key's nonce is already in use with another cap or expiry (on chain, or by a request
	/// served under another key with the same nonce): the chain would settle nothing under it.
	#[error(
		"nonce {nonce} is already used with another cap or expiry: sign the key with a new nonce"
	)]
	OtherTerms {
		/// The nonce.
		nonce: u64,
	},
	/// The user already has [`MAX_KEYS_PER_USER`] other keys with spend outstanding here.
	#[error(
		"{MAX_KEYS_PER_USER} of your API keys already have spend not yet settled here: use one \
		 of them, or wait for their settlement"
	)]
	TooManyKeys,
}

/// One capability's spend as the worker tracks it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Spend {
	/// Spent and not yet settled on chain.
	pub unsettled: u128,
	/// Reserved by requests in flight.
	pub reserved: u128,
	/// Sent for settlement with a fate unknown (the watch broke off, or the worker died with
	/// it in flight): not owed any more (it is never sent again), but still counted against
	/// the key and its user for ten minutes, in case it lands late.
	pub limbo: u128,
}

impl Spend {
	/// What counts against the key and its user now.
	fn outstanding(&self) -> u128 {
		self.unsettled.saturating_add(self.reserved).saturating_add(self.limbo)
	}
}

type Key = (crate::Account, u64);

/// How long a settlement of unknown fate ([`Spend::limbo`]) keeps counting: longer than a
/// transaction lives in a pool (its mortality: 32 blocks with subxt's defaults, 3.2 minutes
/// of 6 s blocks).
#[cfg(not(test))]
const LIMBO: Duration = Duration::from_secs(600);
#[cfg(test)]
const LIMBO: Duration = Duration::from_millis(100);

/// The most keys of one user with spend outstanding at once (over every worker sharing a
/// directory): each is journaled, rewritten and read on every request, and settled in a
/// transaction of its own, so a user signing key after key must not make that grow without
/// bound.
pub const MAX_KEYS_PER_USER: usize = 16;

/// How many times, [`LAG_WAIT`] apart, a reservation waits for the node to reach the block of
/// the last settlement journaled (see [`Meter::reserve`]).
const LAG_RETRIES: u32 = 12;
/// See [`LAG_RETRIES`].
#[cfg(not(test))]
const LAG_WAIT: Duration = Duration::from_millis(500);
#[cfg(test)]
const LAG_WAIT: Duration = Duration::from_millis(5);

mod journal;

use journal::{Peers, Shared};

/// The spend of every capability, and where the unsettled part is journaled.
#[derive(Default)]
struct Book {
	entries: BTreeMap<Key, (Grant, Spend)>,
	journal: Option<PathBuf>,
	/// The directory shared with the provider's other workers, if any.
	shared: Option<Shared>,
	/// Settlements completed so far, across restarts when journaled (see [`Meter::reserve`]).
	settlements: u64,
	/// The block the last of them landed in.
	settled_at: u64,
	/// Amounts submitted for settlement and not yet known to have landed. The journal counts
	/// them as settled already (see [`journal`]).
	settling: BTreeMap<Key, u128>,
	/// When the last amount went into limbo ([`Spend::limbo`]).
	limbo_since: Option<std::time::Instant>,
}

type Ledger = Arc<Mutex<Book>>;

impl Book {
	/// What `budget` leaves for the capability `key`: its cap left less its own unsettled and
	/// reserved spend, and at most the user's allocation less the unsettled and reserved spend
	/// of all the user's capabilities (which the chain settles from that one allocation: two
	/// keys of a user cannot together be served more than it). `peers` is what the provider's
	/// other workers have outstanding, counted the same way.
	fn available(&self, key: &Key, budget: &Budget, peers: &Peers) -> u128 {
		let total = Spend::outstanding;
		let own = self.entries.get(key).map_or(0, |(_, s)| total(s));
		let own = own.saturating_add(peers.by_key.get(key).copied().unwrap_or(0));
		let user = self
			.entries
			.range((key.0, 0)..=(key.0, u64::MAX))
			.fold(0u128, |sum, (_, (_, s))| sum.saturating_add(total(s)));
		let user = user.saturating_add(peers.by_user.get(&key.0).copied().unwrap_or(0));
		let under_cap = budget.cap_left.saturating_sub(own);
		under_cap.min(budget.allocation.saturating_sub(user))
	}

	/// Writes the journal, if there is one, synced to the disk before it replaces the last one:
	/// when what is owed changed (`owed_changed`), or when other workers read it (they count
	/// reservations too).
	fn save(&self, owed_changed: bool) -> std::io::Result<()> {
		let Some(path) = &self.journal else { return Ok(()) };
		if !owed_changed && self.shared.is_none() {
			return Ok(());
		}
		let done = (self.settlements, self.settled_at);
		journal::write(path, &self.entries, &self.settling, done).inspect_err(|e| {
			tracing::error!("cannot write the metering journal {}: {e}", path.display())
		})
	}

	/// Puts `amount` of `key`'s unsettled spend into limbo.
	fn put_in_limbo(&mut self, key: &Key, amount: u128) {
		if let Some((_, spend)) = self.entries.get_mut(key) {
			spend.unsettled = spend.unsettled.saturating_sub(amount);
			spend.limbo = spend.limbo.saturating_add(amount);
			self.limbo_since = Some(std::time::Instant::now());
		}
	}

	/// Once [`LIMBO`] has passed since the last amount went into limbo, stops counting every
	/// amount in limbo: what was to land has landed. Counted as a settlement (the chain state
	/// read by a reservation in between may predate one of them landing).
	fn end_limbo(&mut self) {
		if self.limbo_since.is_none_or(|since| since.elapsed() < LIMBO) {
			return;
		}
		self.limbo_since = None;
		for (_, spend) in self.entries.values_mut() {
			spend.limbo = 0;
		}
		self.entries.retain(|_, (_, spend)| *spend != Spend::default());
		self.settlements = self.settlements.wrapping_add(1);
		let _ = self.save(true);
	}

	/// What the other workers have outstanding (nothing without a shared directory).
	fn peers(&self) -> anyhow::Result<Peers> {
		self.shared.as_ref().map_or(Ok(Peers::default()), Shared::peers)
	}
}

/// What one pass of [`Meter::reserve`] under the locks came to.
enum Attempt {
	/// Reserved.
	Reserved(Reservation),
	/// A settlement completed while the chain was read: read it again.
	Again,
	/// The chain was read at block `at`, before the last settlement journaled (`settled_at`).
	Behind { at: u64, settled_at: u64 },
}

/// The meter: budgets from the chain, spend kept here until settled.
pub struct Meter {
	budget: BudgetFn,
	ledger: Ledger,
}

/// An amount reserved for one request.
#[must_use = "a reservation is released when dropped"]
pub struct Reservation {
	ledger: Ledger,
	key: Key,
	amount: u128,
	budget: Budget,
	done: bool,
}

impl Reservation {
	/// The user it is reserved for.
	pub fn user(&self) -> crate::Account {
		self.key.0
	}

	/// Replaces the reservation by the real `cost`, which joins the capability's unsettled
	/// spend. The cost is capped by what was reserved, so that the spend never exceeds what
	/// the capability allows (an engine that counts more tokens than the bound cannot
	/// overdraw it). Returns what is left under the capability: what the chain allowed when
	/// the request was admitted, less the unsettled and reserved spend now (the key's own
	/// under its cap, the user's under its allocation).
	pub fn commit(mut self, cost: u128) -> u128 {
		self.done = true;
		let cost = cost.min(self.amount);
		let mut left = 0;
		if let Ok(mut ledger) = self.ledger.lock() {
			if let Some((_, spend)) = ledger.entries.get_mut(&self.key) {
				spend.reserved = spend.reserved.saturating_sub(self.amount);
				spend.unsettled = spend.unsettled.saturating_add(cost);
			}
			let peers = ledger.peers().unwrap_or_default();
			left = ledger.available(&self.key, &self.budget, &peers);
			// A failure is logged; the spend is still settled from memory.
			let _ = ledger.save(cost > 0);
		}
		left
	}
}

impl Drop for Reservation {
	fn drop(&mut self) {
		if self.done {
			return;
		}
		if let Ok(mut ledger) = self.ledger.lock() {
			if let Some((_, spend)) = ledger.entries.get_mut(&self.key) {
				spend.reserved = spend.reserved.saturating_sub(self.amount);
				if *spend == Spend::default() {
					ledger.entries.remove(&self.key);
				}
			}
			let _ = ledger.save(false);
		}
	}
}

impl Meter {
	/// A meter that reads budgets with `budget` and keeps its spend in memory only.
	pub fn new(budget: BudgetFn) -> Self {
		Self { budget, ledger: Arc::default() }
	}

	/// A meter whose unsettled spend is journaled at `path` and read back from it (see the
	/// module documentation). A journal that cannot be read is an error: starting without it
	/// would forget what users owe.
	pub fn persisted(budget: BudgetFn, path: impl Into<PathBuf>) -> anyhow::Result<Self> {
		Self::open(budget, path.into(), None)
	}

	/// A meter of one of several workers of a provider that share the directory `dir` (on one
	/// machine, or on a file system whose locks work across machines): it journals as
	/// [`Meter::persisted`] does, at `dir/<name>.json`, and admits a request only if what the
	/// chain allows covers this worker's spend and every other worker's (their journals in
	/// `dir`) together. See the module documentation.
	pub fn shared(budget: BudgetFn, dir: &Path, name: &str) -> anyhow::Result<Self> {
		let shared = Shared::join(dir, name)?;
		Self::open(budget, shared.journal(), Some(shared))
	}

	fn open(budget: BudgetFn, path: PathBuf, shared: Option<Shared>) -> anyhow::Result<Self> {
		let loaded = journal::Loaded::read(&path).map_err(|e| {
			anyhow::anyhow!("cannot read the metering journal {}: {e:#}", path.display())
		})?;
		// What was in settlement when the worker stopped, or in limbo, may still land.
		let entries: BTreeMap<Key, (Grant, Spend)> = loaded
			.entries
			.into_iter()
			.map(|(key, e)| {
				(key, (e.grant, Spend { unsettled: e.unsettled, reserved: 0, limbo: e.limbo }))
			})
			.collect();
		let in_limbo = entries.values().any(|(_, s)| s.limbo > 0);
		if !entries.is_empty() {
			let owed: u128 = entries.values().map(|(_, s)| s.unsettled).sum();
			tracing::info!(
				"metering journal {}: {owed} plancks unsettled under {} keys, to settle",
				path.display(),
				entries.len()
			);
		}
		let book = Book {
			entries,
			journal: Some(path),
			shared,
			settlements: loaded.settlements,
			settled_at: loaded.settled_at,
			settling: BTreeMap::new(),
			limbo_since: in_limbo.then(std::time::Instant::now),
		};
		// Rewritten at once: the reservations of requests that died with the last process
		// no longer count for the other workers.
		book.save(true)?;
		Ok(Self { budget, ledger: Arc::new(Mutex::new(book)) })
	}

	/// Reserves `max_cost` under `grant`, or refuses if what the chain allows under it, less
	/// its unsettled and reserved spend (and that of the other workers sharing the
	/// directory, if any), does not cover it.
	///
	/// The chain is read outside the ledger's lock. A settlement that completes in between
	/// (by this worker or another) lowers the unsettled spend while the budget read still
	/// counts it as unsettled (the key would look that much richer), so the read is repeated
	/// whenever a settlement completed during it. Workers sharing a directory check and
	/// reserve under its admission lock, one at a time.
	pub async fn reserve(&self, grant: &Grant, max_cost: u128) -> Result<Reservation, MeterError> {
		let (poisoned, failed) = (|_| MeterError::Budget("poisoned".into()), MeterError::budget);
		let mut lagging = 0;
		loop {
			let epoch = {
				let ledger = self.ledger.lock().map_err(poisoned)?;
				ledger.settlements.wrapping_add(ledger.peers().map_err(failed)?.settlements)
			};
			let budget = (self.budget)(grant.clone()).await.map_err(failed)?;
			match self.try_reserve(grant, max_cost, budget, epoch)? {
				Attempt::Reserved(reservation) => return Ok(reservation),
				Attempt::Again => {},
				Attempt::Behind { at, settled_at } => {
					lagging += 1;
					if lagging > LAG_RETRIES {
						return Err(MeterError::Budget(format!(
							"the node is at block {at}, behind block {settled_at} where a \
							 settlement landed: try again shortly"
						)));
					}
					tokio::time::sleep(LAG_WAIT).await;
				},
			}
		}
	}

	/// The part of [`Meter::reserve`] under the ledger's lock (and the shared directory's
	/// admission lock), given the chain's `budget` read after the settlements numbered `epoch`.
	fn try_reserve(
		&self,
		grant: &Grant,
		max_cost: u128,
		budget: Budget,
		epoch: u64,
	) -> Result<Attempt, MeterError> {
		let failed = MeterError::budget;
		let key = grant.key();
		let mut ledger = self.ledger.lock().map_err(|_| MeterError::Budget("poisoned".into()))?;
		let _admission = match &ledger.shared {
			Some(shared) => Some(shared.admit().map_err(|e| failed(e.into()))?),
			None => None,
		};
		ledger.end_limbo();
		let peers = ledger.peers().map_err(failed)?;
		if ledger.settlements.wrapping_add(peers.settlements) != epoch {
			return Ok(Attempt::Again);
		}
		// A settlement journaled as done must be in the chain's state read: another worker may
		// read the chain through a node that lags behind the one that finalized it.
		let settled_at = peers.settled_at.max(ledger.settled_at);
		if budget.at < settled_at {
			return Ok(Attempt::Behind { at: budget.at, settled_at });
		}
		// One nonce, one set of terms: the chain settles a nonce only under the cap and expiry
		// of its first settlement, and the spend of a nonce is settled under the capability
		// first served here.
		let c = &grant.capability;
		let other_terms = budget.recorded.is_some_and(|t| t != (c.cap, c.expires_at))
			|| ledger.entries.get(&key).is_some_and(|(g, _)| g.capability != *c)
			|| peers.capabilities.get(&key).is_some_and(|p| p != c);
		if other_terms {
			return Err(MeterError::OtherTerms { nonce: key.1 });
		}
		let mut keys: std::collections::BTreeSet<u64> =
			ledger.entries.range((key.0, 0)..=(key.0, u64::MAX)).map(|((_, n), _)| *n).collect();
		keys.extend(peers.capabilities.range((key.0, 0)..=(key.0, u64::MAX)).map(|((_, n), _)| *n));
		if !keys.contains(&key.1) && keys.len() >= MAX_KEYS_PER_USER {
			return Err(MeterError::TooManyKeys);
		}
		let available = ledger.available(&key, &budget, &peers);
		if available < max_cost {
			return Err(MeterError::Insufficient { available, needed: max_cost });
		}
		let entry = ledger.entries.entry(key).or_insert_with(|| (grant.clone(), Spend::default()));
		entry.1.reserved = entry.1.reserved.saturating_add(max_cost);
		// The other workers must see the reservation before it is used.
		if let Err(e) = ledger.save(false) {
			if let Some((_, spend)) = ledger.entries.get_mut(&key) {
				spend.reserved = spend.reserved.saturating_sub(max_cost);
				if *spend == Spend::default() {
					ledger.entries.remove(&key);
				}
			}
			return Err(MeterError::Budget(format!("cannot write the metering journal: {e}")));
		}
		Ok(Attempt::Reserved(Reservation {
			ledger: self.ledger.clone(),
			key,
			amount: max_cost,
			budget,
			done: false,
		}))
	}

	/// The spend under the capability of `user` with `nonce` (zero when unknown).
	pub fn spend(&self, user: &crate::Account, nonce: u64) -> Spend {
		self.ledger
			.lock()
			.ok()
			.and_then(|l| l.entries.get(&(*user, nonce)).map(|(_, s)| *s))
			.unwrap_or_default()
	}

	/// Settles every capability's unsettled spend with `settle`, one after the other; what
	/// succeeds is subtracted, what fails stays for the next round, what may have landed
	/// ([`Unsettled::Unknown`]) is subtracted too. Returns the number of settlements made.
	pub async fn settle_once(&self, settle: &SettleFn) -> usize {
		let due: Vec<(Grant, u128)> = self
			.ledger
			.lock()
			.map(|mut l| {
				l.end_limbo();
				let mut due: Vec<(Grant, u128)> = l
					.entries
					.values()
					.filter(|(_, s)| s.unsettled > 0)
					.map(|(g, s)| (g.clone(), s.unsettled))
					.collect();
				// The keys that expire first are settled first: a round may be long.
				due.sort_by_key(|(g, _)| g.capability.expires_at);
				due
			})
			.unwrap_or_default();
		let mut settled = 0;
		for (grant, amount) in due {
			let key = grant.key();
			// Journaled as settled before it is sent: a restart must not settle it again. If
			// that cannot be written, it is not sent now.
			let journaled = self.ledger.lock().is_ok_and(|mut ledger| {
				ledger.settling.insert(key, amount);
				let saved = ledger.save(true).is_ok();
				if !saved {
					ledger.settling.remove(&key);
				}
				saved
			});
			if !journaled {
				continue;
			}
			let outcome = settle(grant, amount).await;
			if let Ok(mut ledger) = self.ledger.lock() {
				ledger.settling.remove(&key);
				match &outcome {
					Ok(block) => {
						if let Some((_, spend)) = ledger.entries.get_mut(&key) {
							spend.unsettled = spend.unsettled.saturating_sub(amount);
							if *spend == Spend::default() {
								ledger.entries.remove(&key);
							}
						}
						ledger.settlements = ledger.settlements.wrapping_add(1);
						ledger.settled_at = ledger.settled_at.max(*block);
					},
					Err(Unsettled::Unknown(_)) => ledger.put_in_limbo(&key, amount),
					Err(Unsettled::Expired(_)) => {
						if let Some((_, spend)) = ledger.entries.get_mut(&key) {
							spend.unsettled = spend.unsettled.saturating_sub(amount);
							if *spend == Spend::default() {
								ledger.entries.remove(&key);
							}
						}
					},
					Err(Unsettled::Failed(_)) => {},
				}
				let _ = ledger.save(true);
			}
			match outcome {
				Ok(_) => {
					settled += 1;
					tracing::info!(
						"settled {amount} plancks of 0x{} (nonce {})",
						hex::encode(key.0),
						key.1
					);
				},
				Err(Unsettled::Failed(e)) => {
					tracing::warn!("cannot settle the usage of 0x{}: {e:#}", hex::encode(key.0))
				},
				Err(Unsettled::Expired(at)) => tracing::error!(
					"{amount} plancks of 0x{} (nonce {}) were never settled: the key expired at \
					 block {at}; dropped",
					hex::encode(key.0),
					key.1
				),
				Err(Unsettled::Unknown(e)) => tracing::warn!(
					"the settlement of {amount} plancks of 0x{} (nonce {}) may or may not have \
					 landed; it is not sent again: {e:#}",
					hex::encode(key.0),
					key.1
				),
			}
		}
		settled
	}

	/// Settles every `period`, forever.
	pub async fn settle_every(self: Arc<Self>, settle: SettleFn, period: Duration) {
		loop {
			tokio::time::sleep(period).await;
			self.settle_once(&settle).await;
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn grant(user: u8, nonce: u64, cap: u128) -> Grant {
		Grant {
			capability: SpendingCapability {
				user: [user; 32],
				provider: [9; 32],
				cap,
				expires_at: 1_000,
				genesis: Default::default(),
				nonce,
			},
			signature: [0; 64],
		}
	}

	/// The chain in the tests: the cap less what was settled, bounded by an allocation.
	fn budget(settled: Arc<Mutex<BTreeMap<Key, u128>>>, allocation: u128) -> BudgetFn {
		Arc::new(move |g| {
			let settled = settled.clone();
			Box::pin(async move {
				let done = settled.lock().unwrap().get(&g.key()).copied().unwrap_or(0);
				// What was settled under any key of the user came out of the allocation.
				let spent: u128 = settled
					.lock()
					.unwrap()
					.iter()
					.filter(|(k, _)| k.0 == g.capability.user)
					.map(|(_, v)| *v)
					.sum();
				Ok(Budget {
					cap_left: g.capability.cap.saturating_sub(done),
					allocation: allocation.saturating_sub(spent),
					recorded: None,
					// The tests' chain shows every settlement at once.
					at: u64::MAX,
				})
			})
		})
	}

	#[tokio::test]
	async fn reserve_commit_release_and_settle_within_the_cap() {
		let chain: Arc<Mutex<BTreeMap<Key, u128>>> = Arc::default();
		// The allocation is large; the user signed for 1 000.
		let meter = Meter::new(budget(chain.clone(), 1_000_000));
		let alice = grant(1, 7, 1_000);
		let user = alice.capability.user;

		let a = meter.reserve(&alice, 600).await.unwrap();
		assert!(matches!(
			meter.reserve(&alice, 401).await,
			Err(MeterError::Insufficient { available: 400, needed: 401 })
		));
		let b = meter.reserve(&alice, 400).await.unwrap();
		a.commit(250);
		assert_eq!(meter.spend(&user, 7), Spend { unsettled: 250, reserved: 400, limbo: 0 });
		drop(b);
		assert_eq!(meter.spend(&user, 7), Spend { unsettled: 250, reserved: 0, limbo: 0 });
		assert!(meter.reserve(&alice, 751).await.is_err());
		// Another capability of the same user has its own cap.
		assert!(meter.reserve(&grant(1, 8, 100), 100).await.is_ok());

		// A failed settlement keeps the spend; a successful one removes it.
		let fail: SettleFn =
			Arc::new(|_, _| Box::pin(async { Err(anyhow::anyhow!("offline").into()) }));
		assert_eq!(meter.settle_once(&fail).await, 0);
		assert_eq!(meter.spend(&user, 7).unsettled, 250);
		let calls = Arc::new(Mutex::new(Vec::new()));
		let (seen, settled) = (calls.clone(), chain.clone());
		let ok: SettleFn = Arc::new(move |g, amount| {
			let (seen, settled) = (seen.clone(), settled.clone());
			Box::pin(async move {
				seen.lock().unwrap().push((g.key(), amount));
				*settled.lock().unwrap().entry(g.key()).or_default() += amount;
				Ok(1)
			})
		});
		assert_eq!(meter.settle_once(&ok).await, 1);
		assert_eq!(*calls.lock().unwrap(), vec![((user, 7), 250)]);
		assert_eq!(meter.spend(&user, 7), Spend::default());
		assert_eq!(meter.settle_once(&ok).await, 0);
		// What remains under the cap is usable again, and no more.
		assert!(meter.reserve(&alice, 751).await.is_err());
		assert!(meter.reserve(&alice, 750).await.is_ok());
	}

	/// A restart forgets nothing owed: what was served and not settled is read back from the
	/// journal, still counts against the key, and is settled; what was settled is not.
	#[tokio::test]
	async fn unsettled_spend_survives_a_restart() {
		let dir = std::env::temp_dir().join(format!("zg-meter-{}", std::process::id()));
		std::fs::create_dir_all(&dir).unwrap();
		let path = dir.join("metering.json");
		let _ = std::fs::remove_file(&path);
		let chain: Arc<Mutex<BTreeMap<Key, u128>>> = Arc::default();
		let alice = grant(1, 7, 1_000);
		let bob = grant(2, 1, 500);
		{
			let meter = Meter::persisted(budget(chain.clone(), 1_000_000), &path).unwrap();
			meter.reserve(&alice, 600).await.unwrap().commit(400);
			meter.reserve(&bob, 100).await.unwrap().commit(100);
			// In flight when the worker dies: not kept.
			std::mem::forget(meter.reserve(&alice, 100).await.unwrap());
			// Bob's spend is settled before the restart.
			let settled = chain.clone();
			let only_bob: SettleFn = Arc::new(move |g, amount| {
				let settled = settled.clone();
				Box::pin(async move {
					if g.capability.user != [2; 32] {
						return Err(anyhow::anyhow!("offline").into());
					}
					*settled.lock().unwrap().entry(g.key()).or_default() += amount;
					Ok(1)
				})
			});
			meter.settle_once(&only_bob).await;
		}
		let meter = Meter::persisted(budget(chain.clone(), 1_000_000), &path).unwrap();
		assert_eq!(meter.spend(&[1; 32], 7), Spend { unsettled: 400, reserved: 0, limbo: 0 });
		assert_eq!(meter.spend(&[2; 32], 1), Spend::default());
		// Alice cannot be served the 400 again.
		assert!(meter.reserve(&alice, 601).await.is_err());
		let ok: SettleFn = Arc::new(move |g, amount| {
			let settled = chain.clone();
			Box::pin(async move {
				*settled.lock().unwrap().entry(g.key()).or_default() += amount;
				Ok(1)
			})
		});
		assert_eq!(meter.settle_once(&ok).await, 1);
		assert_eq!(
			Meter::persisted(budget(Arc::default(), 0), &path).unwrap().spend(&[1; 32], 7),
			Spend::default()
		);
		// A worker that dies while a settlement is in flight does not settle it again.
		let meter = Meter::persisted(budget(Arc::default(), 1_000_000), &path).unwrap();
		meter.reserve(&alice, 100).await.unwrap().commit(100);
		let hang: SettleFn = Arc::new(|_, _| Box::pin(futures::future::pending()));
		let in_flight = tokio::time::timeout(Duration::from_millis(50), meter.settle_once(&hang));
		assert!(in_flight.await.is_err());
		assert_eq!(meter.spend(&[1; 32], 7).unsettled, 100, "still owed in memory");
		let restarted = Meter::persisted(budget(Arc::default(), 1_000_000), &path).unwrap();
		assert_eq!(
			restarted.spend(&[1; 32], 7),
			Spend { unsettled: 0, reserved: 0, limbo: 100 },
			"not settled twice, but counted while it may land"
		);
		// A corrupt journal stops the worker rather than forget debts.
		std::fs::write(&path, b"{not json").unwrap();
		assert!(Meter::persisted(budget(Arc::default(), 0), &path).is_err());
		std::fs::remove_dir_all(&dir).unwrap();
	}

	/// A user with one allocation signs several keys, each with a cap as large as the
	/// allocation, and spends under all of them before anything is settled: together they
	/// are served no more than the allocation, which the chain can settle.
	#[tokio::test]
	async fn keys_of_one_user_share_its_allocation() {
		let chain: Arc<Mutex<BTreeMap<Key, u128>>> = Arc::default();
		let meter = Meter::new(budget(chain.clone(), 1_000));
		let (first, second, third) = (grant(1, 1, 1_000), grant(1, 2, 1_000), grant(1, 3, 1_000));
		meter.reserve(&first, 700).await.unwrap().commit(700);
		let held = meter.reserve(&second, 200).await.unwrap();
		assert!(matches!(
			meter.reserve(&third, 101).await,
			Err(MeterError::Insufficient { available: 100, needed: 101 })
		));
		// Released reservations give the room back; committed spend does not.
		drop(held);
		assert!(meter.reserve(&third, 301).await.is_err());
		let left = meter.reserve(&third, 300).await.unwrap().commit(300);
		assert_eq!(left, 0);
		// Another user's allocation is its own.
		assert!(meter.reserve(&grant(2, 1, 1_000), 1_000).await.is_ok());
		// Settling moves the spend from the meter to the chain: no more is allowed after it.
		let settled = chain.clone();
		let ok: SettleFn = Arc::new(move |g, amount| {
			let settled = settled.clone();
			Box::pin(async move {
				*settled.lock().unwrap().entry(g.key()).or_default() += amount;
				Ok(1)
			})
		});
		assert_eq!(meter.settle_once(&ok).await, 2);
		assert!(matches!(
			meter.reserve(&second, 1).await,
			Err(MeterError::Insufficient { available: 0, .. })
		));
	}

	/// A settle function that lands every amount on the test chain.
	fn settles_on(chain: Arc<Mutex<BTreeMap<Key, u128>>>) -> SettleFn {
		Arc::new(move |g, amount| {
			let settled = chain.clone();
			Box::pin(async move {
				*settled.lock().unwrap().entry(g.key()).or_default() += amount;
				Ok(1)
			})
		})
	}

	fn temp_dir(name: &str) -> PathBuf {
		let dir = std::env::temp_dir().join(format!("zg-meter-{name}-{}", std::process::id()));
		let _ = std::fs::remove_dir_all(&dir);
		dir
	}

	/// Two workers of one provider share a directory: together they serve no more than a
	/// key's cap and a user's allocation, before and after either settles; a worker that died
	/// with requests in flight keeps them counted until it starts again; two running workers
	/// cannot take one name.
	#[tokio::test]
	async fn workers_sharing_a_directory_see_one_spend() {
		let dir = temp_dir("shared");
		let chain: Arc<Mutex<BTreeMap<Key, u128>>> = Arc::default();
		let first = Meter::shared(budget(chain.clone(), 1_500), &dir, "first").unwrap();
		let second = Meter::shared(budget(chain.clone(), 1_500), &dir, "second").unwrap();
		assert!(Meter::shared(budget(chain.clone(), 1_500), &dir, "second").is_err());
		assert!(Meter::shared(budget(chain.clone(), 1_500), &dir, "../x").is_err());

		let (key, other) = (grant(1, 7, 1_000), grant(1, 8, 1_000));
		first.reserve(&key, 600).await.unwrap().commit(600);
		// The same key at the other worker: 400 left under its cap.
		assert!(matches!(
			second.reserve(&key, 401).await,
			Err(MeterError::Insufficient { available: 400, needed: 401 })
		));
		let held = second.reserve(&key, 400).await.unwrap();
		// Another key of the user, at either worker: the allocation less all of it.
		assert!(matches!(
			first.reserve(&other, 501).await,
			Err(MeterError::Insufficient { available: 500, needed: 501 })
		));
		held.commit(300);
		first.reserve(&other, 600).await.unwrap().commit(600);
		assert!(matches!(
			second.reserve(&other, 1).await,
			Err(MeterError::Insufficient { available: 0, .. })
		));

		// The first worker settles its 1 200: the second still owes 300, so nothing is free.
		assert_eq!(first.settle_once(&settles_on(chain.clone())).await, 2);
		assert!(matches!(
			second.reserve(&key, 1).await,
			Err(MeterError::Insufficient { available: 0, .. })
		));
		assert_eq!(second.settle_once(&settles_on(chain.clone())).await, 1);
		let user_settled: u128 =
			chain.lock().unwrap().iter().filter(|(k, _)| k.0 == [1; 32]).map(|(_, v)| v).sum();
		assert_eq!(user_settled, 1_500, "every amount served was settled, within the allocation");

		// A worker that died with a request in flight (its journal, as it left it).
		let bob = grant(2, 1, 1_000);
		let in_flight = first.reserve(&bob, 1_000).await.unwrap();
		std::fs::copy(dir.join("first.json"), dir.join("crashed.json")).unwrap();
		drop(in_flight);
		assert!(matches!(
			second.reserve(&bob, 1).await,
			Err(MeterError::Insufficient { available: 0, .. })
		));
		let restarted = Meter::shared(budget(chain.clone(), 1_500), &dir, "crashed").unwrap();
		assert!(second.reserve(&bob, 1_000).await.is_ok());

		// Journals hold signed keys: their owner's only.
		use std::os::unix::fs::PermissionsExt;
		let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
		assert_eq!(mode(&dir.join("first.json")), 0o600);
		assert_eq!(mode(&dir), 0o700);
		// What is not a worker's journal is left alone: a directory, a file of another name.
		std::fs::create_dir(dir.join("sub.json")).unwrap();
		std::fs::write(dir.join("not a worker.json"), b"{garbage").unwrap();
		assert!(first.reserve(&grant(3, 1, 10), 10).await.is_ok());
		// A reservation that cannot be journaled for the others is refused, and not kept.
		std::fs::remove_file(dir.join("first.json")).unwrap();
		std::fs::create_dir_all(dir.join("first.json").join("in-the-way")).unwrap();
		assert!(matches!(first.reserve(&grant(3, 2, 10), 10).await, Err(MeterError::Budget(_))));
		assert_eq!(first.spend(&[3; 32], 2), Spend::default());
		drop((first, second, restarted));
		std::fs::remove_dir_all(&dir).unwrap();
	}

	/// The first worker settles while the second reads the chain: the second's read predates
	/// the settlement (the allocation looks untouched) while the first's journal already shows
	/// the spend gone. The second reads again rather than count the settled amount twice.
	#[tokio::test]
	async fn a_peer_settling_during_a_budget_read_is_not_counted_twice() {
		let dir = temp_dir("race");
		let chain: Arc<Mutex<BTreeMap<Key, u128>>> = Arc::default();
		let first = Arc::new(Meter::shared(budget(chain.clone(), 1_000), &dir, "first").unwrap());
		let key = grant(1, 7, 10_000);
		first.reserve(&key, 1_000).await.unwrap().commit(1_000);

		let (peer, reads, inner) =
			(first.clone(), Arc::new(Mutex::new(0)), budget(chain.clone(), 1_000));
		let counted = reads.clone();
		let settle = settles_on(chain.clone());
		let racing: BudgetFn = Arc::new(move |g| {
			let (peer, counted, inner, settle) =
				(peer.clone(), counted.clone(), inner.clone(), settle.clone());
			Box::pin(async move {
				let read = inner(g).await;
				let first_read = {
					let mut n = counted.lock().unwrap();
					*n += 1;
					*n == 1
				};
				if first_read {
					assert_eq!(peer.settle_once(&settle).await, 1);
				}
				read
			})
		});
		let second = Meter::shared(racing, &dir, "second").unwrap();
		assert!(matches!(
			second.reserve(&key, 1).await,
			Err(MeterError::Insufficient { available: 0, .. })
		));
		assert_eq!(*reads.lock().unwrap(), 2, "read again after the settlement");
		drop((first, second));
		std::fs::remove_dir_all(&dir).unwrap();
	}

	/// A user signs a second key with a nonce already served under other terms (a larger cap,
	/// a later expiry): the chain would settle nothing under it, so it is refused, at this
	/// worker, at another sharing the directory, and against the terms the chain recorded.
	#[tokio::test]
	async fn a_nonce_serves_one_set_of_terms() {
		let dir = temp_dir("terms");
		let chain: Arc<Mutex<BTreeMap<Key, u128>>> = Arc::default();
		let first = Meter::shared(budget(chain.clone(), 10_000), &dir, "first").unwrap();
		let second = Meter::shared(budget(chain.clone(), 10_000), &dir, "second").unwrap();
		let small = grant(1, 5, 100);
		let mut large = grant(1, 5, 10_000);
		first.reserve(&small, 100).await.unwrap().commit(100);
		assert!(matches!(first.reserve(&large, 1).await, Err(MeterError::OtherTerms { nonce: 5 })));
		assert!(matches!(
			second.reserve(&large, 1).await,
			Err(MeterError::OtherTerms { nonce: 5 })
		));
		large.capability.cap = 100;
		large.capability.expires_at += 1;
		assert!(matches!(
			second.reserve(&large, 1).await,
			Err(MeterError::OtherTerms { nonce: 5 })
		));
		// The same terms under another signature (sr25519 signs with fresh randomness) are
		// the same capability.
		let mut resigned = small.clone();
		resigned.signature = [7; 64];
		assert!(matches!(
			second.reserve(&resigned, 1).await,
			Err(MeterError::Insufficient { available: 0, .. })
		));

		// Once settled and forgotten here, the chain's record still holds the nonce's terms.
		assert_eq!(first.settle_once(&settles_on(chain.clone())).await, 1);
		let recorded: BudgetFn = Arc::new(|g| {
			Box::pin(async move {
				Ok(Budget {
					cap_left: g.capability.cap.saturating_sub(100),
					allocation: 10_000,
					recorded: Some((100, 1_000)),
					at: u64::MAX,
				})
			})
		});
		let third = Meter::shared(recorded, &dir, "third").unwrap();
		assert!(matches!(
			third.reserve(&grant(1, 5, 10_000), 1).await,
			Err(MeterError::OtherTerms { nonce: 5 })
		));
		assert!(matches!(
			third.reserve(&small, 1).await,
			Err(MeterError::Insufficient { available: 0, .. })
		));
		drop((first, second, third));
		std::fs::remove_dir_all(&dir).unwrap();
	}

	/// The first worker's settlement landed in block 50; the second reads the chain through a
	/// node still at block 40, where the allocation looks untouched while the first's journal
	/// no longer counts the amount. It waits for its node to reach block 50, and refuses if it
	/// does not.
	#[tokio::test]
	async fn a_node_behind_a_peers_settlement_is_waited_for() {
		let dir = temp_dir("lag");
		let chain: Arc<Mutex<BTreeMap<Key, u128>>> = Arc::default();
		let first = Meter::shared(budget(chain.clone(), 1_000), &dir, "first").unwrap();
		let key = grant(1, 7, 10_000);
		first.reserve(&key, 1_000).await.unwrap().commit(1_000);
		let landed: SettleFn = {
			let chain = chain.clone();
			Arc::new(move |g, amount| {
				let chain = chain.clone();
				Box::pin(async move {
					*chain.lock().unwrap().entry(g.key()).or_default() += amount;
					Ok(50)
				})
			})
		};
		assert_eq!(first.settle_once(&landed).await, 1);

		// The lagging node: at block 40 (before the settlement) for its first `behind` reads.
		let lagging = |behind: u32| -> (BudgetFn, Arc<Mutex<u32>>) {
			let reads = Arc::new(Mutex::new(0));
			let counted = reads.clone();
			let f: BudgetFn = Arc::new(move |g| {
				let n = {
					let mut n = counted.lock().unwrap();
					*n += 1;
					*n
				};
				Box::pin(async move {
					let (at, allocation) = if n <= behind { (40, 1_000) } else { (50, 0) };
					Ok(Budget { cap_left: g.capability.cap, allocation, recorded: None, at })
				})
			});
			(f, reads)
		};
		let (catching_up, reads) = lagging(3);
		let second = Meter::shared(catching_up, &dir, "second").unwrap();
		assert!(matches!(
			second.reserve(&key, 1).await,
			Err(MeterError::Insufficient { available: 0, .. })
		));
		assert_eq!(*reads.lock().unwrap(), 4, "read until the node reached block 50");
		drop(second);
		let (stuck, _) = lagging(u32::MAX);
		let third = Meter::shared(stuck, &dir, "third").unwrap();
		assert!(
			matches!(third.reserve(&key, 1).await, Err(MeterError::Budget(e)) if e.contains("behind"))
		);
		drop((first, third));
		std::fs::remove_dir_all(&dir).unwrap();
	}

	/// A settlement sent whose fate is unknown (the watch broke off) may still land: it is
	/// never sent again, so the user cannot be charged twice for it, and it counts against the
	/// key until it would have landed.
	#[tokio::test]
	async fn a_settlement_of_unknown_fate_is_not_sent_again() {
		let meter = Meter::new(budget(Arc::default(), 1_000_000));
		let alice = grant(1, 7, 1_000);
		meter.reserve(&alice, 300).await.unwrap().commit(300);
		let sent = Arc::new(Mutex::new(0));
		let count = sent.clone();
		let lost: SettleFn = Arc::new(move |_, _| {
			*count.lock().unwrap() += 1;
			Box::pin(async { Err(Unsettled::Unknown(anyhow::anyhow!("subscription closed"))) })
		});
		assert_eq!(meter.settle_once(&lost).await, 0);
		assert_eq!(meter.settle_once(&lost).await, 0);
		assert_eq!(*sent.lock().unwrap(), 1, "sent once");
		// It may still land: counted against the key meanwhile, then no more.
		assert_eq!(meter.spend(&[1; 32], 7), Spend { unsettled: 0, reserved: 0, limbo: 300 });
		assert!(matches!(
			meter.reserve(&alice, 701).await,
			Err(MeterError::Insufficient { available: 700, .. })
		));
		tokio::time::sleep(LIMBO).await;
		assert!(meter.reserve(&alice, 1_000).await.is_ok());
		assert_eq!(meter.spend(&[1; 32], 7).limbo, 0);
	}

	/// A user signing key after key: past [`MAX_KEYS_PER_USER`] keys with spend outstanding,
	/// a new one is refused; the keys in use still work, and settling frees the room.
	#[tokio::test]
	async fn a_user_holds_a_bounded_number_of_keys() {
		let chain: Arc<Mutex<BTreeMap<Key, u128>>> = Arc::default();
		let meter = Meter::new(budget(chain.clone(), 1_000_000));
		for nonce in 0..MAX_KEYS_PER_USER as u64 {
			meter.reserve(&grant(1, nonce, 100), 1).await.unwrap().commit(1);
		}
		let next = grant(1, MAX_KEYS_PER_USER as u64, 100);
		assert!(matches!(meter.reserve(&next, 1).await, Err(MeterError::TooManyKeys)));
		assert!(meter.reserve(&grant(1, 0, 100), 1).await.is_ok());
		assert!(meter.reserve(&grant(2, 99, 100), 1).await.is_ok(), "another user's are its own");
		meter.settle_once(&settles_on(chain)).await;
		assert!(meter.reserve(&next, 1).await.is_ok());
	}

	/// The keys that expire first are settled first, and one that expired unsettled is
	/// dropped rather than tried again every round (each try would cost the provider a fee).
	#[tokio::test]
	async fn settlement_goes_by_expiry_and_drops_the_expired() {
		let meter = Meter::new(budget(Arc::default(), 1_000_000));
		let mut later = grant(1, 1, 1_000);
		later.capability.expires_at = 900;
		let mut sooner = grant(2, 1, 1_000);
		sooner.capability.expires_at = 500;
		let mut expired = grant(3, 1, 1_000);
		expired.capability.expires_at = 100;
		for g in [&later, &sooner, &expired] {
			meter.reserve(g, 10).await.unwrap().commit(10);
		}
		let order = Arc::new(Mutex::new(Vec::new()));
		let seen = order.clone();
		let settle: SettleFn = Arc::new(move |g, _| {
			let at = g.capability.expires_at;
			let seen = seen.clone();
			Box::pin(async move {
				if at <= 100 {
					return Err(Unsettled::Expired(at));
				}
				seen.lock().unwrap().push(at);
				Ok(1)
			})
		});
		assert_eq!(meter.settle_once(&settle).await, 2);
		assert_eq!(*order.lock().unwrap(), vec![500, 900]);
		assert_eq!(meter.spend(&[3; 32], 1), Spend::default(), "dropped, not kept to retry");
	}

	#[test]
	fn cost_is_usage_fee() {
		let p = Prices { input: 2, output: 5 };
		assert_eq!(p.cost(10, 20), 120);
		assert_eq!(Prices { input: u128::MAX, output: 1 }.cost(2, 1), u128::MAX);
	}
}
