//! The pallet's invariants, checked by `try_state` (and after every block of the unit tests).

use super::*;

impl<T: Config> Pallet<T> {
	/// Checks that the escrow equals the sum of ledgers, allocations, refunds, job escrows and
	/// dispute deposits, and that the escrow account holds at least that; that no capability
	/// was settled beyond its cap; that every open job has its deadline and sits in the indexes
	/// its status implies; that the service indexes agree with the services; and that the
	/// outstanding work of each provider is what its jobs and duties add up to.
	#[cfg(any(feature = "try-runtime", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let mut sum: Balance = 0;
		for (_, l) in Ledgers::<T>::iter() {
			ensure!(!l.free.is_zero(), "an empty ledger is kept");
			sum = sum.saturating_add(l.free);
		}
		for (_, _, a) in Allocations::<T>::iter() {
			sum = sum.saturating_add(a);
		}
		for (_, r) in Refunds::<T>::iter() {
			sum = sum.saturating_add(r.amount);
		}
		for (_, _, c) in Capabilities::<T>::iter() {
			ensure!(c.settled <= c.cap, "a capability was settled beyond its cap");
		}
		let mut outstanding: alloc::collections::BTreeMap<T::AccountId, u32> = Default::default();
		let mut open: alloc::collections::BTreeMap<T::AccountId, u32> = Default::default();
		for (id, j) in Jobs::<T>::iter() {
			ensure!(j.held <= j.max_fee, "a job holds more than its max fee");
			let task = match j.status {
				JobStatus::Pending => Task::AnswerBy(id),
				JobStatus::Answered => Task::Settle(id),
				JobStatus::Disputed => match Disputes::<T>::get(id) {
					Some(d) if d.verifiers.is_empty() => Task::Draw(id),
					_ => Task::Decide(id),
				},
			};
			ensure!(Deadlines::<T>::contains_key(j.due, task), "an open job has no deadline");
			let pending = j.status == JobStatus::Pending;
			ensure!(
				ProviderJobs::<T>::contains_key(&j.provider, id) == pending,
				"provider job index out of step"
			);
			if pending {
				*open.entry(j.provider.clone()).or_default() += 1;
			}
			ensure!(
				Disputes::<T>::contains_key(id) == (j.status == JobStatus::Disputed),
				"dispute index out of step"
			);
			*outstanding.entry(j.provider.clone()).or_default() += 1;
			sum = sum.saturating_add(j.held);
		}
		for (job, d) in Disputes::<T>::iter() {
			sum = sum.saturating_add(d.deposit);
			ensure!(d.votes.len() == d.verifiers.len(), "votes and verifiers out of step");
			for (v, vote) in d.verifiers.iter().zip(d.votes.iter()) {
				ensure!(
					VerifierDuties::<T>::contains_key(v, job) == vote.is_none(),
					"verifier duties out of step"
				);
				if vote.is_none() {
					*outstanding.entry(v.clone()).or_default() += 1;
				}
			}
		}
		ensure!(sum == EscrowTotal::<T>::get(), "escrow total differs from the sum of its parts");
		let account = Self::escrow_account();
		let spendable =
			T::Currency::balance(&account).saturating_sub(T::Currency::minimum_balance());
		ensure!(spendable >= sum, "escrow account holds less than owed");
		ensure!(
			Outstanding::<T>::iter().count() == outstanding.len()
				&& outstanding.iter().all(|(who, n)| Outstanding::<T>::get(who) == *n),
			"outstanding work out of step"
		);
		ensure!(
			OpenJobs::<T>::iter().count() == open.len()
				&& open.iter().all(|(who, n)| OpenJobs::<T>::get(who) == *n),
			"open job counts out of step"
		);
		for (who, _) in outstanding.iter() {
			ensure!(
				!T::Staking::role_stake(who, Role::ComputeProvider).is_zero(),
				"a provider owes work without a role bond"
			);
		}
		for (id, s) in Services::<T>::iter() {
			ensure!(ProviderServices::<T>::get(&s.provider).contains(&id), "service not indexed");
			ensure!(
				ProviderModels::<T>::get(&s.provider, s.model_root) == Some(id),
				"service not indexed by model root"
			);
			ensure!(ModelIndex::<T>::contains_key(&s.model, id), "service not indexed by model");
			match s.pool_index {
				Some(p) => ensure!(
					s.verifiable && VerifierPool::<T>::get(s.model_root, p) == Some(id),
					"verifiable service not in its pool"
				),
				None => ensure!(!s.verifiable, "verifiable service without a pool position"),
			}
			let pending = Jobs::<T>::iter_values()
				.filter(|j| j.service == id && j.status == JobStatus::Pending)
				.count() as u32;
			ensure!(pending == s.active_jobs, "active job count out of step");
		}
		for (root, size) in VerifierPoolSize::<T>::iter() {
			ensure!(
				VerifierPool::<T>::iter_prefix(root).count() as u32 == size,
				"verifier pool size out of step"
			);
		}
		Ok(())
	}
}
