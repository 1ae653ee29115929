//! Metering of the OpenAI-compatible API against what users signed.
//!
//! A user calls a provider's API with a signed spending capability as its API key
//! ([`zg_primitives::compute::SpendingCapability`]: this provider, a cap, an expiry, the
//! chain's genesis hash, a nonce). The chain settles at most the cap under one capability, and
//! only from the user's allocation to the provider. The worker keeps, per capability, the
//! spend it has not settled yet and the amounts reserved by requests in flight:
//!
//! 1. Before a request runs, [`Meter::reserve`] reads what the chain still allows under the
//!    capability (the smaller of the allocation and the cap less what was settled under it)
//!    and refuses unless that, less the unsettled and reserved spend, covers `max_cost` (the
//!    cost if the request used every token it may); otherwise it reserves `max_cost`.
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

use futures::future::BoxFuture;
use std::{
	collections::BTreeMap,
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
	pub fn key(&self) -> (crate::chain::Account, u64) {
		(self.capability.user, self.capability.nonce)
	}
}

/// What the chain still allows under a capability, in plancks.
pub type BudgetFn = Arc<dyn Fn(Grant) -> BoxFuture<'static, anyhow::Result<u128>> + Send + Sync>;
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

type Key = (crate::chain::Account, u64);
type Ledger = Arc<Mutex<BTreeMap<Key, (Grant, Spend)>>>;

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
	done: bool,
}

impl Reservation {
	/// The user it is reserved for.
	pub fn user(&self) -> crate::chain::Account {
		self.key.0
	}

	/// Replaces the reservation by the real `cost`, which joins the capability's unsettled
	/// spend. The cost is capped by what was reserved, so that the spend never exceeds what
	/// the capability allows (an engine that counts more tokens than the bound cannot
	/// overdraw it).
	pub fn commit(mut self, cost: u128) {
		self.done = true;
		let cost = cost.min(self.amount);
		if let Ok(mut ledger) = self.ledger.lock() {
			if let Some((_, spend)) = ledger.get_mut(&self.key) {
				spend.reserved = spend.reserved.saturating_sub(self.amount);
				spend.unsettled = spend.unsettled.saturating_add(cost);
			}
		}
	}
}

impl Drop for Reservation {
	fn drop(&mut self) {
		if self.done {
			return;
		}
		if let Ok(mut ledger) = self.ledger.lock() {
			if let Some((_, spend)) = ledger.get_mut(&self.key) {
				spend.reserved = spend.reserved.saturating_sub(self.amount);
				if *spend == Spend::default() {
					ledger.remove(&self.key);
				}
			}
		}
	}
}

impl Meter {
	/// A meter that reads budgets with `budget`.
	pub fn new(budget: BudgetFn) -> Self {
		Self { budget, ledger: Arc::default() }
	}

	/// Reserves `max_cost` under `grant`, or refuses if what the chain allows under it, less
	/// its unsettled and reserved spend, does not cover it.
	pub async fn reserve(&self, grant: &Grant, max_cost: u128) -> Result<Reservation, MeterError> {
		let allowed =
			(self.budget)(grant.clone()).await.map_err(|e| MeterError::Budget(format!("{e:#}")))?;
		let mut ledger = self.ledger.lock().map_err(|_| MeterError::Budget("poisoned".into()))?;
		let key = grant.key();
		let spend = ledger.get(&key).map(|(_, s)| *s).unwrap_or_default();
		let available = allowed.saturating_sub(spend.unsettled).saturating_sub(spend.reserved);
		if available < max_cost {
			return Err(MeterError::Insufficient { available, needed: max_cost });
		}
		let entry = ledger.entry(key).or_insert_with(|| (grant.clone(), Spend::default()));
		entry.1.reserved = spend.reserved.saturating_add(max_cost);
		Ok(Reservation { ledger: self.ledger.clone(), key, amount: max_cost, done: false })
	}

	/// The spend under the capability of `user` with `nonce` (zero when unknown).
	pub fn spend(&self, user: &crate::chain::Account, nonce: u64) -> Spend {
		self.ledger
			.lock()
			.ok()
			.and_then(|l| l.get(&(*user, nonce)).map(|(_, s)| *s))
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
				l.values()
					.filter(|(_, s)| s.unsettled > 0)
					.map(|(g, s)| (g.clone(), s.unsettled))
					.collect()
			})
			.unwrap_or_default();
		let mut settled = 0;
		for (grant, amount) in due {
			let key = grant.key();
			match settle(grant, amount).await {
				Ok(()) => {
					settled += 1;
					if let Ok(mut ledger) = self.ledger.lock() {
						if let Some((_, spend)) = ledger.get_mut(&key) {
							spend.unsettled = spend.unsettled.saturating_sub(amount);
							if *spend == Spend::default() {
								ledger.remove(&key);
							}
						}
					}
					log::info!(
						"settled {amount} plancks of 0x{} (nonce {})",
						hex::encode(key.0),
						key.1
					);
				},
				Err(e) => log::warn!("cannot settle the usage of 0x{}: {e:#}", hex::encode(key.0)),
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
				Ok(g.capability.cap.saturating_sub(done).min(allocation))
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

	#[test]
	fn cost_is_usage_fee() {
		let p = Prices { input: 2, output: 5 };
		assert_eq!(p.cost(10, 20), 120);
		assert_eq!(Prices { input: u128::MAX, output: 1 }.cost(2, 1), u128::MAX);
	}
}
