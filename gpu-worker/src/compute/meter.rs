//! Metering of the OpenAI-compatible API against the users' on-chain allocations.
//!
//! A user's budget at this provider is its allocation on chain (`Compute.Allocations(user,
//! provider)`). The worker keeps, per user, the spend it has not settled on chain yet and the
//! amounts reserved by requests in flight:
//!
//! 1. Before a request runs, [`Meter::reserve`] reads the allocation and refuses unless
//!    `allocation − unsettled − reserved ≥ max_cost` (the cost if the request used every token
//!    it may); otherwise it reserves `max_cost`.
//! 2. When the request is done, [`Reservation::commit`] replaces the reservation by the real
//!    cost, which joins the unsettled spend. A reservation dropped without commit (the engine
//!    failed) is released and costs nothing.
//! 3. Every few seconds [`Meter::settle_once`] submits `Compute.settle_usage(user, amount)`
//!    for each user with unsettled spend, and subtracts what succeeded. While a settlement is
//!    in flight the amount still counts as unsettled, so the check in 1 stays on the safe side.
//!
//! The chain is reached through two injected functions ([`BudgetFn`], [`SettleFn`]), so the
//! logic is tested without a node.

use crate::chain::Account;
use futures::future::BoxFuture;
use std::{
	collections::BTreeMap,
	sync::{Arc, Mutex},
	time::Duration,
};
use zg_primitives::compute::{usage_fee, ServiceKind};

/// Reads a user's allocation to this provider (0 when it has none).
pub type BudgetFn = Arc<dyn Fn(Account) -> BoxFuture<'static, anyhow::Result<u128>> + Send + Sync>;
/// Settles `amount` of a user's usage on chain.
pub type SettleFn =
	Arc<dyn Fn(Account, u128) -> BoxFuture<'static, anyhow::Result<()>> + Send + Sync>;

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
	/// The allocation left does not cover the request's largest possible cost.
	#[error("insufficient allocation: {available} plancks left, the request may cost {needed}")]
	Insufficient {
		/// Allocation minus unsettled and reserved spend.
		available: u128,
		/// The request's largest possible cost.
		needed: u128,
	},
	/// The allocation could not be read.
	#[error("cannot read the allocation: {0}")]
	Budget(String),
}

/// One user's spend as the worker tracks it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Spend {
	/// Spent and not yet settled on chain.
	pub unsettled: u128,
	/// Reserved by requests in flight.
	pub reserved: u128,
}

type Ledger = Arc<Mutex<BTreeMap<Account, Spend>>>;

/// The meter: budgets from the chain, spend kept here until settled.
pub struct Meter {
	budget: BudgetFn,
	ledger: Ledger,
}

/// An amount reserved for one request.
#[must_use = "a reservation is released when dropped"]
pub struct Reservation {
	ledger: Ledger,
	user: Account,
	amount: u128,
	done: bool,
}

impl Reservation {
	/// The user it is reserved for.
	pub fn user(&self) -> Account {
		self.user
	}

	/// Replaces the reservation by the real `cost`, which joins the user's unsettled spend.
	/// The cost is capped by what was reserved, so that the spend never exceeds the
	/// allocation (an engine that counts more tokens than the bound cannot overdraw it).
	pub fn commit(mut self, cost: u128) {
		self.done = true;
		let cost = cost.min(self.amount);
		if let Ok(mut ledger) = self.ledger.lock() {
			let spend = ledger.entry(self.user).or_default();
			spend.reserved = spend.reserved.saturating_sub(self.amount);
			spend.unsettled = spend.unsettled.saturating_add(cost);
		}
	}
}

impl Drop for Reservation {
	fn drop(&mut self) {
		if self.done {
			return;
		}
		if let Ok(mut ledger) = self.ledger.lock() {
			if let Some(spend) = ledger.get_mut(&self.user) {
				spend.reserved = spend.reserved.saturating_sub(self.amount);
				if *spend == Spend::default() {
					ledger.remove(&self.user);
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

	/// Reserves `max_cost` for a request of `user`, or refuses if its allocation minus its
	/// unsettled and reserved spend does not cover it.
	pub async fn reserve(&self, user: Account, max_cost: u128) -> Result<Reservation, MeterError> {
		let allocation =
			(self.budget)(user).await.map_err(|e| MeterError::Budget(format!("{e:#}")))?;
		let mut ledger = self.ledger.lock().map_err(|_| MeterError::Budget("poisoned".into()))?;
		let spend = ledger.get(&user).copied().unwrap_or_default();
		let available = allocation.saturating_sub(spend.unsettled).saturating_sub(spend.reserved);
		if available < max_cost {
			return Err(MeterError::Insufficient { available, needed: max_cost });
		}
		ledger.entry(user).or_default().reserved = spend.reserved.saturating_add(max_cost);
		Ok(Reservation { ledger: self.ledger.clone(), user, amount: max_cost, done: false })
	}

	/// A user's spend (zero when unknown).
	pub fn spend(&self, user: &Account) -> Spend {
		self.ledger.lock().ok().and_then(|l| l.get(user).copied()).unwrap_or_default()
	}

	/// Settles every user's unsettled spend with `settle`, one user after the other; what
	/// succeeds is subtracted, what fails stays for the next round. Returns the number of
	/// users settled.
	pub async fn settle_once(&self, settle: &SettleFn) -> usize {
		let due: Vec<(Account, u128)> = self
			.ledger
			.lock()
			.map(|l| {
				l.iter().filter(|(_, s)| s.unsettled > 0).map(|(a, s)| (*a, s.unsettled)).collect()
			})
			.unwrap_or_default();
		let mut settled = 0;
		for (user, amount) in due {
			match settle(user, amount).await {
				Ok(()) => {
					settled += 1;
					if let Ok(mut ledger) = self.ledger.lock() {
						if let Some(spend) = ledger.get_mut(&user) {
							spend.unsettled = spend.unsettled.saturating_sub(amount);
							if *spend == Spend::default() {
								ledger.remove(&user);
							}
						}
					}
					log::info!("settled {amount} plancks of 0x{}", hex::encode(user));
				},
				Err(e) => log::warn!("cannot settle the usage of 0x{}: {e:#}", hex::encode(user)),
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

	fn budget(allocations: Arc<Mutex<BTreeMap<Account, u128>>>) -> BudgetFn {
		Arc::new(move |user| {
			let allocations = allocations.clone();
			Box::pin(async move {
				Ok(allocations.lock().map(|a| a.get(&user).copied().unwrap_or(0)).unwrap_or(0))
			})
		})
	}

	#[tokio::test]
	async fn reserve_commit_release_and_settle() {
		let alice = [1u8; 32];
		let bob = [2u8; 32];
		let allocations = Arc::new(Mutex::new(BTreeMap::from([(alice, 1_000u128)])));
		let meter = Meter::new(budget(allocations.clone()));

		// Bob has no allocation: nothing is reserved.
		assert!(matches!(
			meter.reserve(bob, 1).await,
			Err(MeterError::Insufficient { available: 0, needed: 1 })
		));
		assert_eq!(meter.spend(&bob), Spend::default());

		// Reservations add up; the real cost replaces them.
		let a = meter.reserve(alice, 600).await.unwrap();
		assert!(matches!(
			meter.reserve(alice, 401).await,
			Err(MeterError::Insufficient { available: 400, needed: 401 })
		));
		let b = meter.reserve(alice, 400).await.unwrap();
		a.commit(250);
		assert_eq!(meter.spend(&alice), Spend { unsettled: 250, reserved: 400 });
		drop(b);
		assert_eq!(meter.spend(&alice), Spend { unsettled: 250, reserved: 0 });
		assert!(meter.reserve(alice, 751).await.is_err());

		// A failed settlement keeps the spend; a successful one removes it.
		let calls = Arc::new(Mutex::new(Vec::new()));
		let fail: SettleFn = Arc::new(|_, _| Box::pin(async { Err(anyhow::anyhow!("offline")) }));
		assert_eq!(meter.settle_once(&fail).await, 0);
		assert_eq!(meter.spend(&alice).unsettled, 250);
		let seen = calls.clone();
		let chain = allocations.clone();
		let ok: SettleFn = Arc::new(move |user, amount| {
			let (seen, chain) = (seen.clone(), chain.clone());
			Box::pin(async move {
				seen.lock().unwrap().push((user, amount));
				// The chain moves the amount out of the allocation.
				*chain.lock().unwrap().get_mut(&user).unwrap() -= amount;
				Ok(())
			})
		});
		assert_eq!(meter.settle_once(&ok).await, 1);
		assert_eq!(*calls.lock().unwrap(), vec![(alice, 250)]);
		assert_eq!(meter.spend(&alice), Spend::default());
		// Nothing left to settle.
		assert_eq!(meter.settle_once(&ok).await, 0);
		// The remaining allocation (750) is usable again.
		assert!(meter.reserve(alice, 750).await.is_ok());
	}

	#[test]
	fn cost_is_usage_fee() {
		let p = Prices { input: 2, output: 5 };
		assert_eq!(p.cost(10, 20), 120);
		assert_eq!(Prices { input: u128::MAX, output: 1 }.cost(2, 1), u128::MAX);
	}
}
