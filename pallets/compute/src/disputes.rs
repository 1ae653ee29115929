//! Disputes: a challenge with a deposit that scales with the fee, verifiers drawn from
//! randomness that did not exist when the challenge was made, votes, and a decision that only
//! a two-thirds majority of the drawn verifiers can force, with the majority paid and the
//! absent or outvoted verifiers slashed.

use super::*;
use zg_primitives::{randomness, staking::SlashReason};

impl<T: Config> Pallet<T> {
	/// The deposit a challenge of a result with fee `fee` costs.
	pub fn dispute_deposit(fee: Balance) -> Balance {
		fee.saturating_mul(T::DisputeDepositFactor::get() as Balance)
			.max(T::MinDisputeDeposit::get())
	}

	pub(crate) fn do_challenge(who: T::AccountId, job: JobId) -> DispatchResult {
		let mut j = Jobs::<T>::get(job).ok_or(Error::<T>::UnknownJob)?;
		match j.status {
			JobStatus::Pending => return Err(Error::<T>::NotAnswered.into()),
			JobStatus::Disputed => return Err(Error::<T>::AlreadyDisputed.into()),
			JobStatus::Answered => {},
		}
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(now < j.due, Error::<T>::WindowClosed);
		ensure!(who != j.provider, Error::<T>::OwnResult);
		ensure!(j.verifiable, Error::<T>::NotVerifiable);
		// The provider's own service is in the pool: a full draw needs that many others.
		ensure!(
			VerifierPoolSize::<T>::get(j.model_root) > T::VerifiersPerDispute::get(),
			Error::<T>::NoVerifiers
		);
		if let JobInput::Stored(root) = &j.input {
			ensure!(T::Files::stored(root).is_some(), Error::<T>::InputNotStored);
		}
		let fee = j.result.map_or(0, |r| r.fee);
		let deposit = Self::dispute_deposit(fee);
		T::Currency::transfer(&who, &Self::escrow_account(), deposit, Preservation::Preserve)?;
		EscrowTotal::<T>::mutate(|t| *t = t.saturating_add(deposit));
		Self::unschedule(j.due, Task::Settle(job));
		let draw_at = Self::schedule(T::Beacon::ready_at(now), Task::Draw(job));
		Disputes::<T>::insert(
			job,
			Dispute {
				challenger: who.clone(),
				deposit,
				challenged_at: now,
				verifiers: BoundedVec::new(),
				votes: BoundedVec::new(),
			},
		);
		j.status = JobStatus::Disputed;
		j.due = draw_at;
		Jobs::<T>::insert(job, j);
		Self::deposit_event(Event::JobChallenged { job, challenger: who, deposit, draw_at });
		Ok(())
	}

	/// Up to [`Config::VerifiersPerDispute`] distinct eligible providers of verifiable services
	/// of `model_root`, other than the `excluded` accounts (the job's provider and user, the
	/// challenger), drawn from `seed`. Probes at most `4 × VerifiersPerDispute + 8` random
	/// positions of the pool, or the whole pool in a random order when it is no larger.
	pub(crate) fn draw_verifiers(
		seed: &H256,
		model_root: H256,
		excluded: &[&T::AccountId],
	) -> BoundedVec<T::AccountId, T::VerifiersPerDispute> {
		let want = T::VerifiersPerDispute::get() as usize;
		let size = VerifierPoolSize::<T>::get(model_root);
		let probes = T::VerifiersPerDispute::get().saturating_mul(4).saturating_add(8);
		let positions: Vec<u32> = if size <= probes {
			let all: Vec<u32> = (0..size).collect();
			randomness::sample_distinct(seed, &all, all.len(), |_| true)
		} else {
			(0..probes).map(|i| randomness::index(seed, i, size)).collect()
		};
		let mut drawn: Vec<T::AccountId> = Vec::new();
		for position in positions {
			if drawn.len() >= want {
				break;
			}
			let Some(id) = VerifierPool::<T>::get(model_root, position) else { continue };
			let Some(s) = Services::<T>::get(id) else { continue };
			if excluded.contains(&&s.provider) || drawn.contains(&s.provider) {
				continue;
			}
			if T::Staking::is_eligible(&s.provider, Role::ComputeProvider) {
				drawn.push(s.provider);
			}
		}
		BoundedVec::truncate_from(drawn)
	}

	/// [`Task::Draw`]: draws the dispute's verifiers from the seed after the challenge.
	pub(crate) fn draw(job: JobId, mut j: Job<T>, now: BlockNumberFor<T>) {
		let Some(mut dispute) = Disputes::<T>::get(job) else { return };
		let subject = (b"zg-compute/verifiers", job).encode();
		let Some(seed) = T::Beacon::seed_after(&subject, dispute.challenged_at)
			.or_else(|| T::Beacon::seed_after(&subject, T::Beacon::latest()))
		else {
			j.due = Self::schedule(now.saturating_add(1u32.into()), Task::Draw(job));
			Jobs::<T>::insert(job, j);
			return;
		};
		let verifiers =
			Self::draw_verifiers(&seed, j.model_root, &[&j.provider, &j.user, &dispute.challenger]);
		if verifiers.is_empty() {
			Self::resolve(job, j, dispute);
			return;
		}
		for v in verifiers.iter() {
			VerifierDuties::<T>::insert(v, job, ());
			Self::note_outstanding(v, true);
		}
		dispute.votes = BoundedVec::truncate_from(alloc::vec![None; verifiers.len()]);
		dispute.verifiers = verifiers.clone();
		j.due = Self::schedule(now.saturating_add(T::DisputePeriod::get()), Task::Decide(job));
		let vote_by = j.due;
		Jobs::<T>::insert(job, j);
		Disputes::<T>::insert(job, dispute);
		Self::deposit_event(Event::VerifiersDrawn { job, verifiers: verifiers.into(), vote_by });
	}

	/// One vote of [`Pallet::submit_votes`].
	pub(crate) fn vote(who: &T::AccountId, job: JobId, outcome: JobOutcome) -> DispatchResult {
		let mut dispute = Disputes::<T>::get(job).ok_or(Error::<T>::NoDispute)?;
		ensure!(!dispute.verifiers.is_empty(), Error::<T>::NoDispute);
		let j = Jobs::<T>::get(job).ok_or(Error::<T>::UnknownJob)?;
		// The decision runs at the start of block `due`: vote before it.
		ensure!(frame_system::Pallet::<T>::block_number() < j.due, Error::<T>::TooLate);
		let slot =
			dispute.verifiers.iter().position(|v| v == who).ok_or(Error::<T>::NotVerifier)?;
		let vote = dispute.votes.get_mut(slot).ok_or(Error::<T>::NotVerifier)?;
		ensure!(vote.is_none(), Error::<T>::AlreadyVoted);
		*vote = Some(outcome);
		VerifierDuties::<T>::remove(who, job);
		Self::note_outstanding(who, false);
		Self::deposit_event(Event::Voted { job, verifier: who.clone(), outcome });
		if dispute.votes.iter().all(|v| v.is_some()) {
			Self::unschedule(j.due, Task::Decide(job));
			Self::resolve(job, j, dispute);
		} else {
			Disputes::<T>::insert(job, dispute);
		}
		Ok(())
	}

	/// Splits `pot` among `winners` (the rest, after equal shares, stays with the caller).
	/// Returns what was paid.
	fn reward(job: JobId, winners: &[T::AccountId], pot: Balance) -> Balance {
		if winners.is_empty() || pot.is_zero() {
			return 0;
		}
		let share = pot / winners.len() as Balance;
		for w in winners {
			Self::pay_out(w, share);
			Self::deposit_event(Event::VerifierRewarded {
				job,
				verifier: w.clone(),
				amount: share,
			});
		}
		share.saturating_mul(winners.len() as Balance)
	}

	/// Decides the dispute on `job` by the votes cast (see the crate documentation).
	pub(crate) fn resolve(job: JobId, j: Job<T>, dispute: Dispute<T>) {
		let claimed = j.result.map(|r| r.outcome);
		// Two thirds of a full draw, however many were drawn: a dispute that could draw only
		// one verifier is not decided by it.
		let needed = T::VerifiersPerDispute::get().saturating_mul(2).div_ceil(3).max(1);
		// The outcome with the most votes, and how many.
		let mut tally: Vec<(JobOutcome, u32)> = Vec::new();
		for vote in dispute.votes.iter().flatten() {
			match tally.iter_mut().find(|(o, _)| o == vote) {
				Some((_, count)) => *count = count.saturating_add(1),
				None => tally.push((*vote, 1)),
			}
		}
		let votes_for = tally.iter().find(|(o, _)| Some(*o) == claimed).map_or(0, |(_, c)| *c);
		let votes_against =
			tally.iter().filter(|(o, _)| Some(*o) != claimed).map(|(_, c)| *c).sum();
		// A stored input was a Finalized file that outlived the job at submission: it can only
		// be gone now if the file was ended early (a fraud proof, which its own owner may file),
		// so verifiers that cannot find it say nothing about the provider's answer.
		let input_vanished = |o: &JobOutcome| {
			matches!(j.input, JobInput::Stored(_))
				&& *o == JobOutcome::Refused(Refusal::InputMissing)
				&& claimed != Some(*o)
		};
		let against = tally
			.iter()
			.filter(|(o, c)| Some(*o) != claimed && *c >= needed && !input_vanished(o))
			.map(|(o, _)| *o)
			.next();
		let (verdict, majority) = match against {
			Some(o) => (Verdict::Overturned, Some(o)),
			None if votes_for >= needed => (Verdict::Upheld, claimed),
			None => (Verdict::Inconclusive, None),
		};
		// Majority verifiers are paid; absent verifiers, and with a decisive majority the
		// outvoted ones, are slashed.
		let mut winners = Vec::new();
		for (verifier, vote) in dispute.verifiers.iter().zip(dispute.votes.iter()) {
			if vote.is_none() {
				VerifierDuties::<T>::remove(verifier, job);
				Self::note_outstanding(verifier, false);
			}
			let faulty = match (vote, majority) {
				(None, _) => true,
				(Some(v), Some(m)) => *v != m,
				(Some(_), None) => false,
			};
			if faulty {
				let slashed = T::Staking::slash_role(
					verifier,
					Role::ComputeProvider,
					T::VerifierSlash::get(),
					SlashReason::VerifierFault,
					None,
				);
				Stats::<T>::mutate(verifier, |s| {
					s.verifier_faults = s.verifier_faults.saturating_add(1)
				});
				Self::deposit_event(Event::VerifierPenalized {
					job,
					verifier: verifier.clone(),
					slashed,
				});
			} else if majority.is_some() {
				winners.push(verifier.clone());
			}
		}
		let mut slashed = 0;
		match verdict {
			Verdict::Overturned => {
				// The reporter's share of the slash comes to the escrow account: the
				// challenger and the majority verifiers share it.
				let escrow = Self::escrow_account();
				let before = T::Currency::balance(&escrow);
				slashed = T::Staking::slash_role(
					&j.provider,
					Role::ComputeProvider,
					T::WrongResultSlash::get(),
					SlashReason::WrongResult,
					Some(&escrow),
				);
				let pot = T::Currency::balance(&escrow).saturating_sub(before);
				EscrowTotal::<T>::mutate(|t| *t = t.saturating_add(pot));
				let paid = Self::reward(job, &winners, T::VerifierShare::get() * pot);
				Self::credit_ledger(&j.user, j.held);
				Self::pay_out(
					&dispute.challenger,
					dispute.deposit.saturating_add(pot.saturating_sub(paid)),
				);
				Stats::<T>::mutate(&j.provider, |s| {
					s.disputes_lost = s.disputes_lost.saturating_add(1)
				});
			},
			Verdict::Upheld => {
				let paid = Self::reward(job, &winners, T::VerifierShare::get() * dispute.deposit);
				Self::pay_out(
					&j.provider,
					j.held.saturating_add(dispute.deposit.saturating_sub(paid)),
				);
				Stats::<T>::mutate(&j.provider, |s| {
					s.disputes_won = s.disputes_won.saturating_add(1);
					s.completed = s.completed.saturating_add(1);
				});
			},
			Verdict::Inconclusive => {
				Self::pay_out(&j.provider, j.held);
				Self::pay_out(&dispute.challenger, dispute.deposit);
				Stats::<T>::mutate(&j.provider, |s| s.completed = s.completed.saturating_add(1));
			},
		}
		Self::note_outstanding(&j.provider, false);
		Disputes::<T>::remove(job);
		Jobs::<T>::remove(job);
		Self::deposit_event(Event::DisputeResolved {
			job,
			verdict,
			votes_for,
			votes_against,
			slashed,
		});
	}
}
