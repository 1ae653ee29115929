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
//! One journal belongs to one worker: several workers of one provider must not share a key's
//! spend (each would allow the whole cap).

use codec::{Decode, Encode};
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
}

/// Reads a capability's [`Budget`] from the chain.
pub type BudgetFn = Arc<dyn Fn(Grant) -> BoxFuture<'static, anyhow::Result<Budget>> + Send + Sync>;
/// Settles `amount` under a capability on chain.
pub type SettleFn =
	Arc<dyn Fn(Grant, u128) -> BoxFuture<'static, anyhow::Result<()>> + Send + Sync>;

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
}

/// One capability's spend as the worker tracks it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Spend {
	/// Spent and not yet settled on chain.
	pub unsettled: u128,
	/// Reserved by requests in flight.
	pub reserved: u128,
}

type Key = (crate::Account, u64);

/// The spend of every capability, and where the unsettled part is journaled.
#[derive(Default)]
struct Book {
	entries: BTreeMap<Key, (Grant, Spend)>,
	journal: Option<PathBuf>,
	/// Settlements completed so far (see [`Meter::reserve`]).
	settlements: u64,
	/// Amounts submitted for settlement and not yet known to have landed. The journal counts
	/// them as settled already (see [`Book::save`]).
	settling: BTreeMap<Key, u128>,
}

type Ledger = Arc<Mutex<Book>>;

/// One capability's unsettled spend in the journal.
#[derive(serde::Serialize, serde::Deserialize)]
struct JournalEntry {
	/// Hex of the SCALE capability.
	capability: String,
	/// Hex of the signature.
	signature: String,
	/// Plancks, in decimal.
	unsettled: String,
}

impl Book {
	/// What `budget` leaves for the capability `key`: its cap left less its own unsettled and
	/// reserved spend, and at most the user's allocation less the unsettled and reserved spend
	/// of all the user's capabilities (which the chain settles from that one allocation: two
	/// keys of a user cannot together be served more than it).
	fn available(&self, key: &Key, budget: &Budget) -> u128 {
		let total = |s: &Spend| s.unsettled.saturating_add(s.reserved);
		let own = self.entries.get(key).map_or(0, |(_, s)| total(s));
		let user = self
			.entries
			.range((key.0, 0)..=(key.0, u64::MAX))
			.fold(0u128, |sum, (_, (_, s))| sum.saturating_add(total(s)));
		let under_cap = budget.cap_left.saturating_sub(own);
		under_cap.min(budget.allocation.saturating_sub(user))
	}

	/// Writes the unsettled spend to the journal, if there is one, synced to the disk before
	/// it replaces the last one. An amount being settled is written as settled already: if the
	/// worker dies before it knows whether the settlement landed, the user is never charged
	/// twice for it (the provider may lose it instead). A failure is logged: the spend is
	/// still settled from memory.
	fn save(&self) {
		let Some(path) = &self.journal else { return };
		let entries: Vec<JournalEntry> = self
			.entries
			.iter()
			.map(|(key, (grant, spend))| {
				let settling = self.settling.get(key).copied().unwrap_or(0);
				(grant, spend.unsettled.saturating_sub(settling))
			})
			.filter(|(_, owed)| *owed > 0)
			.map(|(grant, owed)| JournalEntry {
				capability: hex::encode(grant.capability.encode()),
				signature: hex::encode(grant.signature),
				unsettled: owed.to_string(),
			})
			.collect();
		let tmp = path.with_extension("tmp");
		let written = serde_json::to_vec(&entries)
			.map_err(std::io::Error::other)
			.and_then(|bytes| {
				let mut file = std::fs::File::create(&tmp)?;
				std::io::Write::write_all(&mut file, &bytes)?;
				file.sync_all()
			})
			.and_then(|()| std::fs::rename(&tmp, path));
		if let Err(e) = written {
			tracing::error!("cannot write the metering journal {}: {e}", path.display());
		}
	}

	/// The entries of the journal at `path` (none if there is no file yet).
	fn load(path: &Path) -> anyhow::Result<BTreeMap<Key, (Grant, Spend)>> {
		let bytes = match std::fs::read(path) {
			Ok(bytes) => bytes,
			Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
			Err(e) => return Err(e.into()),
		};
		let entries: Vec<JournalEntry> = serde_json::from_slice(&bytes)?;
		let mut book = BTreeMap::new();
		for entry in entries {
			let capability = SpendingCapability::decode(&mut &hex::decode(&entry.capability)?[..])?;
			let signature = <[u8; 64]>::try_from(hex::decode(&entry.signature)?)
				.map_err(|_| anyhow::anyhow!("a signature is 64 bytes"))?;
			let unsettled: u128 = entry.unsettled.parse()?;
			let grant = Grant { capability, signature };
			book.insert(grant.key(), (grant, Spend { unsettled, reserved: 0 }));
		}
		Ok(book)
	}
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
			left = ledger.available(&self.key, &self.budget);
			if cost > 0 {
				ledger.save();
			}
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
		let path = path.into();
		let entries = Book::load(&path).map_err(|e| {
			anyhow::anyhow!("cannot read the metering journal {}: {e:#}", path.display())
		})?;
		if !entries.is_empty() {
			let owed: u128 = entries.values().map(|(_, s)| s.unsettled).sum();
			tracing::info!(
				"metering journal {}: {owed} plancks unsettled under {} keys, to settle",
				path.display(),
				entries.len()
			);
		}
		let book = Book { entries, journal: Some(path), ..Default::default() };
		Ok(Self { budget, ledger: Arc::new(Mutex::new(book)) })
	}

	/// Reserves `max_cost` under `grant`, or refuses if what the chain allows under it, less
	/// its unsettled and reserved spend, does not cover it.
	///
	/// The chain is read outside the ledger's lock. A settlement that completes in between
	/// lowers the unsettled spend while the budget read still counts it as unsettled (the
	/// key would look that much richer), so the read is repeated whenever a settlement
	/// completed during it.
	pub async fn reserve(&self, grant: &Grant, max_cost: u128) -> Result<Reservation, MeterError> {
		let poisoned = |_| MeterError::Budget("poisoned".into());
		let (budget, mut ledger) = loop {
			let epoch = self.ledger.lock().map_err(poisoned)?.settlements;
			let budget = (self.budget)(grant.clone())
				.await
				.map_err(|e| MeterError::Budget(format!("{e:#}")))?;
			let ledger = self.ledger.lock().map_err(poisoned)?;
			if ledger.settlements == epoch {
				break (budget, ledger);
			}
		};
		let key = grant.key();
		let spend = ledger.entries.get(&key).map(|(_, s)| *s).unwrap_or_default();
		let available = ledger.available(&key, &budget);
		if available < max_cost {
			return Err(MeterError::Insufficient { available, needed: max_cost });
		}
		let entry = ledger.entries.entry(key).or_insert_with(|| (grant.clone(), Spend::default()));
		entry.1.reserved = spend.reserved.saturating_add(max_cost);
		Ok(Reservation { ledger: self.ledger.clone(), key, amount: max_cost, budget, done: false })
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
	/// succeeds is subtracted, what fails stays for the next round. Returns the number of
	/// settlements made.
	pub async fn settle_once(&self, settle: &SettleFn) -> usize {
		let due: Vec<(Grant, u128)> = self
			.ledger
			.lock()
			.map(|l| {
				l.entries
					.values()
					.filter(|(_, s)| s.unsettled > 0)
					.map(|(g, s)| (g.clone(), s.unsettled))
					.collect()
			})
			.unwrap_or_default();
		let mut settled = 0;
		for (grant, amount) in due {
			let key = grant.key();
			if let Ok(mut ledger) = self.ledger.lock() {
				ledger.settling.insert(key, amount);
				ledger.save();
			}
			let outcome = settle(grant, amount).await;
			if let Ok(mut ledger) = self.ledger.lock() {
				ledger.settling.remove(&key);
				if outcome.is_ok() {
					if let Some((_, spend)) = ledger.entries.get_mut(&key) {
						spend.unsettled = spend.unsettled.saturating_sub(amount);
						if *spend == Spend::default() {
							ledger.entries.remove(&key);
						}
					}
					ledger.settlements = ledger.settlements.wrapping_add(1);
				}
				ledger.save();
			}
			match outcome {
				Ok(()) => {
					settled += 1;
					tracing::info!(
						"settled {amount} plancks of 0x{} (nonce {})",
						hex::encode(key.0),
						key.1
					);
				},
				Err(e) => {
					tracing::warn!("cannot settle the usage of 0x{}: {e:#}", hex::encode(key.0))
				},
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
		assert_eq!(meter.spend(&user, 7), Spend { unsettled: 250, reserved: 400 });
		drop(b);
		assert_eq!(meter.spend(&user, 7), Spend { unsettled: 250, reserved: 0 });
		assert!(meter.reserve(&alice, 751).await.is_err());
		// Another capability of the same user has its own cap.
		assert!(meter.reserve(&grant(1, 8, 100), 100).await.is_ok());

		// A failed settlement keeps the spend; a successful one removes it.
		let fail: SettleFn = Arc::new(|_, _| Box::pin(async { Err(anyhow::anyhow!("offline")) }));
		assert_eq!(meter.settle_once(&fail).await, 0);
		assert_eq!(meter.spend(&user, 7).unsettled, 250);
		let calls = Arc::new(Mutex::new(Vec::new()));
		let (seen, settled) = (calls.clone(), chain.clone());
		let ok: SettleFn = Arc::new(move |g, amount| {
			let (seen, settled) = (seen.clone(), settled.clone());
			Box::pin(async move {
				seen.lock().unwrap().push((g.key(), amount));
				*settled.lock().unwrap().entry(g.key()).or_default() += amount;
				Ok(())
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
						anyhow::bail!("offline");
					}
					*settled.lock().unwrap().entry(g.key()).or_default() += amount;
					Ok(())
				})
			});
			meter.settle_once(&only_bob).await;
		}
		let meter = Meter::persisted(budget(chain.clone(), 1_000_000), &path).unwrap();
		assert_eq!(meter.spend(&[1; 32], 7), Spend { unsettled: 400, reserved: 0 });
		assert_eq!(meter.spend(&[2; 32], 1), Spend::default());
		// Alice cannot be served the 400 again.
		assert!(meter.reserve(&alice, 601).await.is_err());
		let ok: SettleFn = Arc::new(move |g, amount| {
			let settled = chain.clone();
			Box::pin(async move {
				*settled.lock().unwrap().entry(g.key()).or_default() += amount;
				Ok(())
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
		assert_eq!(restarted.spend(&[1; 32], 7), Spend::default(), "not settled twice");
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
				Ok(())
			})
		});
		assert_eq!(meter.settle_once(&ok).await, 2);
		assert!(matches!(
			meter.reserve(&second, 1).await,
			Err(MeterError::Insufficient { available: 0, .. })
		));
	}

	#[test]
	fn cost_is_usage_fee() {
		let p = Prices { input: 2, output: 5 };
		assert_eq!(p.cost(10, 20), 120);
		assert_eq!(Prices { input: u128::MAX, output: 1 }.cost(2, 1), u128::MAX);
	}
}
