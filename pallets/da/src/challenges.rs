//! Accountability: availability challenges, their answers and deadlines, and proofs of bad
//! encoding.

use super::*;
use zg_primitives::{
	da::{
		check_bad_encoding, check_bad_line, rotation, verify_cell_proof, BadEncodingProof,
		BadLineProof, DaError,
	},
	randomness::{derive, index},
	staking::SlashReason,
};

impl<T: Config> Pallet<T> {
	/// [`Pallet::challenge`].
	pub(crate) fn do_challenge(
		who: T::AccountId,
		root: H256,
		signer: T::AccountId,
	) -> DispatchResult {
		ensure!(
			Role::ALL.iter().any(|role| T::Staking::is_eligible(&who, *role)),
			Error::<T>::NotBonded
		);
		ensure!(who != signer, Error::<T>::SelfChallenge);
		let blob = Blobs::<T>::get(root).ok_or(Error::<T>::BlobNotFound)?;
		let now = frame_system::Pallet::<T>::block_number();
		Self::ensure_challengeable(&blob, now)?;
		let committee = Committees::<T>::get(blob.epoch).ok_or(Error::<T>::NotAvailable)?;
		let member = committee.member_index(&signer).ok_or(Error::<T>::NotAttester)?;
		ensure!(blob.attesters.contains(&member), Error::<T>::NotAttester);
		ensure!(Self::can_challenge(&root, &blob, member, &signer), Error::<T>::AlreadyChallenged);
		let id = NextChallengeId::<T>::get();
		let seed = T::Beacon::seed_after(&(b"zg-da-challenge", id).encode(), T::Beacon::latest())
			.ok_or(Error::<T>::TooEarly)?;
		let deposit = T::ChallengeDeposit::get();
		Self::hold(&who, deposit)?;
		Self::open_challenge(root, &blob, &committee, member, &seed, Some((who, deposit)), now);
		Ok(())
	}

	/// Whether `member` (account `signer`) of `blob` may be challenged: it has no open
	/// challenge on the blob and has not lost its pay for it already. So one blob costs a
	/// member at most one slash, however many challenges are raised.
	fn can_challenge(root: &H256, blob: &BlobInfo<T>, member: u32, signer: &T::AccountId) -> bool {
		!blob.forfeited.contains(&member) && !OpenChallenges::<T>::contains_key(root, signer)
	}

	/// Whether `blob` is available for long enough that a challenge opened `now` closes before
	/// its retention ends (and so before its attesters are paid).
	fn ensure_challengeable(blob: &BlobInfo<T>, now: BlockNumberFor<T>) -> DispatchResult {
		match blob.status {
			BlobStatus::Available { until, .. } => {
				ensure!(
					now.saturating_add(T::ChallengeWindow::get()) < until,
					Error::<T>::RetentionEnding
				);
				Ok(())
			},
			BlobStatus::Pending => Err(Error::<T>::NotAvailable.into()),
		}
	}

	/// Opens a challenge of `member` on `blob`: a chunk of one of its lines (a row or a column
	/// of one of its line indices, drawn from `seed`), due [`Config::ChallengeWindow`] blocks
	/// from `now`.
	pub(crate) fn open_challenge(
		root: H256,
		blob: &BlobInfo<T>,
		committee: &Committee<T>,
		member: u32,
		seed: &H256,
		challenger: Option<(T::AccountId, Balance)>,
		now: BlockNumberFor<T>,
	) {
		let Some((signer, _)) = committee.members.get(member as usize) else { return };
		let width = blob.layout.width();
		let turn = rotation(&root, committee.seat_count(), width);
		let lines: Vec<u32> =
			(0..width).filter(|l| committee.member_holds(member, width, turn, *l)).collect();
		let Some(&line) = lines.get(index(seed, 0, lines.len() as u32) as usize) else { return };
		let line = if index(seed, 1, 2) == 0 { Line::Row(line) } else { Line::Column(line) };
		let pos = index(seed, 2, width);
		let id = NextChallengeId::<T>::get();
		NextChallengeId::<T>::put(id.saturating_add(1));
		let due = now.saturating_add(T::ChallengeWindow::get());
		Challenges::<T>::insert(
			id,
			Challenge {
				root,
				layout: blob.layout,
				submitted_at: blob.submitted_at,
				signer: signer.clone(),
				line,
				pos,
				challenger: challenger.clone(),
				due,
			},
		);
		Self::add_duty(signer);
		OpenChallenges::<T>::insert(root, signer, id);
		Queue::<T>::schedule(now, due, Task::Challenge(id));
		Self::deposit_event(Event::ChallengeIssued {
			id,
			root,
			signer: signer.clone(),
			line,
			pos,
			challenger: challenger.map(|(who, _)| who),
			due,
		});
	}

	/// [`Pallet::answer_challenges`]: every answer checked before anything changes.
	pub(crate) fn do_answers(
		who: T::AccountId,
		answers: Vec<(ChallengeId, CellAnswer)>,
	) -> DispatchResult {
		ensure!(!answers.is_empty(), Error::<T>::EmptyBatch);
		let now = frame_system::Pallet::<T>::block_number();
		let mut open = Vec::with_capacity(answers.len());
		for (i, (id, answer)) in answers.iter().enumerate() {
			ensure!(!answers[..i].iter().any(|(other, _)| other == id), Error::<T>::Duplicate);
			// Closed since the answer was sent: nothing to answer.
			let Some(challenge) = Challenges::<T>::get(id) else { continue };
			if now >= challenge.due {
				continue;
			}
			ensure!(who == challenge.signer, Error::<T>::NotChallenged);
			ensure!(
				answer.line == challenge.line && answer.pos == challenge.pos,
				Error::<T>::WrongCell
			);
			verify_cell_proof(&challenge.layout, &challenge.root, &answer.clone().into())
				.map_err(|_| Error::<T>::InvalidProof)?;
			open.push((*id, challenge));
		}
		ensure!(!open.is_empty(), Error::<T>::ChallengeNotFound);
		for (id, challenge) in open {
			Challenges::<T>::remove(id);
			OpenChallenges::<T>::remove(challenge.root, &who);
			Queue::<T>::cancel(challenge.due, Task::Challenge(id));
			if let Some((_, deposit)) = challenge.challenger {
				Self::pay_out(&who, deposit);
			}
			Self::end_duty(&who);
			Self::deposit_event(Event::ChallengeAnswered { id, signer: who.clone() });
		}
		Ok(())
	}

	/// A challenge at its deadline: the member did not answer. Its role bond is slashed (part
	/// to the challenger), it loses its pay for the blob, and the challenger's deposit goes
	/// back.
	pub(crate) fn challenge_deadline(id: ChallengeId) -> bool {
		let Some(challenge) = Challenges::<T>::take(id) else { return false };
		OpenChallenges::<T>::remove(challenge.root, &challenge.signer);
		let reporter = challenge.challenger.as_ref().map(|(who, _)| who);
		let slashed = T::Staking::slash_role(
			&challenge.signer,
			Role::DaSigner,
			T::WithholdingSlash::get(),
			SlashReason::UnavailableData,
			reporter,
		);
		if let Some((who, deposit)) = &challenge.challenger {
			Self::pay_out(who, *deposit);
		}
		if let Some(mut blob) =
			Blobs::<T>::get(challenge.root).filter(|b| b.submitted_at == challenge.submitted_at)
		{
			let member =
				Committees::<T>::get(blob.epoch).and_then(|c| c.member_index(&challenge.signer));
			if let Some(member) = member {
				if !blob.forfeited.contains(&member) && blob.forfeited.try_push(member).is_ok() {
					Blobs::<T>::insert(challenge.root, blob);
				}
			}
		}
		Self::end_duty(&challenge.signer);
		Self::deposit_event(Event::ChallengeMissed { id, signer: challenge.signer, slashed });
		true
	}

	/// Draws [`Config::RandomChallenges`] challenges among the attesters of available blobs.
	pub(crate) fn random_challenges(n: BlockNumberFor<T>) -> Weight {
		let wanted = T::RandomChallenges::get();
		if wanted == 0 || AvailableCount::<T>::get() == 0 {
			return T::DbWeight::get().reads(1);
		}
		Self::draw_random_challenges(n, wanted);
		T::WeightInfo::random_challenges(wanted)
	}

	/// Draws `wanted` challenges: each a uniformly drawn available blob and one of its
	/// attesters, skipped when the blob's retention ends before an answer is due.
	pub(crate) fn draw_random_challenges(n: BlockNumberFor<T>, wanted: u32) {
		let count = AvailableCount::<T>::get();
		let subject = (b"zg-da-random", n).encode();
		let Some(seed) = T::Beacon::seed_after(&subject, T::Beacon::latest()) else { return };
		for i in 0..wanted {
			let draw = derive(&seed, &i.encode());
			let Some(root) = AvailableIndex::<T>::get(index(&draw, 0, count)) else { continue };
			let Some(blob) = Blobs::<T>::get(root) else { continue };
			if Self::ensure_challengeable(&blob, n).is_err() {
				continue;
			}
			let Some(committee) = Committees::<T>::get(blob.epoch) else { continue };
			let pick = index(&draw, 1, blob.attesters.len() as u32);
			let Some(&member) = blob.attesters.get(pick as usize) else { continue };
			let Some((signer, _)) = committee.members.get(member as usize) else { continue };
			if !Self::can_challenge(&root, &blob, member, signer) {
				continue;
			}
			Self::open_challenge(root, &blob, &committee, member, &derive(&draw, b"cell"), None, n);
		}
	}

	/// [`Pallet::report_bad_encoding`].
	pub(crate) fn do_report_bad_encoding(
		reporter: T::AccountId,
		root: H256,
		row_roots: &[H256],
		column_roots: &[H256],
		proof: EncodingProof,
	) -> DispatchResult {
		let blob = Blobs::<T>::get(root).ok_or(Error::<T>::BlobNotFound)?;
		let proof: BadEncodingProof = proof.into();
		check_bad_encoding(&blob.layout, &root, row_roots, column_roots, &proof).map_err(|e| {
			match e {
				DaError::NotFraud => Error::<T>::EncodingSound,
				DaError::BadRoots | DaError::BadLayout => Error::<T>::WrongAxisRoots,
				_ => Error::<T>::InvalidProof,
			}
		})?;
		// The disperser's deposit pays the reporter; the rest of it and the fee go to the
		// treasury. The attesters are not slashed: this proof shows that the rows and the
		// columns disagree, which no signer sees from the lines it holds (a disperser can make
		// every row and every column a codeword under its own root and still commit rows and
		// columns of two different squares), and a reporter could otherwise pick whose bond to
		// take.
		Self::invalidate(root, &blob, proof.line, &reporter);
		Ok(())
	}

	/// [`Pallet::report_bad_line`]: against a blob on chain (which it invalidates) or one
	/// invalidated recently (whose attesters still answer for the lines they held).
	pub(crate) fn do_report_bad_line(
		reporter: T::AccountId,
		root: H256,
		proof: LineProof,
	) -> DispatchResult {
		let layout = match (Blobs::<T>::get(root), Invalid::<T>::get(root)) {
			(Some(blob), _) => blob.layout,
			(None, Some(invalid)) => invalid.layout,
			(None, None) => return Err(Error::<T>::BlobNotFound.into()),
		};
		let proof: BadLineProof = proof.into();
		check_bad_line(&layout, &root, &proof).map_err(|e| match e {
			DaError::NotFraud => Error::<T>::EncodingSound,
			_ => Error::<T>::InvalidProof,
		})?;
		if let Some(blob) = Blobs::<T>::get(root) {
			Self::invalidate(root, &blob, proof.line, &reporter);
		}
		// Every attester holding the line had it, proven under its root, and signed it
		// although it is no codeword.
		let Some(mut invalid) = Invalid::<T>::get(root) else { return Ok(()) };
		let slashed = Self::slash_line_holders(root, &invalid, proof.line.index(), &reporter);
		for member in slashed {
			// At most every attester: it fits.
			let _ = invalid.slashed.try_push(member);
		}
		Invalid::<T>::insert(root, invalid);
		Ok(())
	}

	/// Ends a blob proven badly encoded: the disperser's deposit pays the reporter its share,
	/// the rest of it and the fee go to the treasury, nobody is paid for the blob, and its
	/// open challenges are closed (the deposits back: no member answers for a blob that was
	/// never one). The blob is kept as [`Invalid`] for [`Config::Retention`] blocks, with its
	/// attesters' duties.
	fn invalidate(root: H256, blob: &BlobInfo<T>, line: Line, reporter: &T::AccountId) {
		let share = T::ReporterShare::get() * blob.deposit;
		let reward = Self::pay_out(reporter, share);
		Self::pay_out(
			&T::Treasury::get(),
			blob.deposit.saturating_sub(share).saturating_add(blob.fee),
		);
		Self::unlist_blob(root, blob);
		let ids: Vec<(T::AccountId, ChallengeId)> =
			OpenChallenges::<T>::drain_prefix(root).collect();
		for (signer, id) in ids {
			if let Some(challenge) = Challenges::<T>::take(id) {
				Queue::<T>::cancel(challenge.due, Task::Challenge(id));
				if let Some((who, deposit)) = challenge.challenger {
					Self::pay_out(&who, deposit);
				}
				Self::end_duty(&signer);
				Self::deposit_event(Event::ChallengeClosed { id, signer });
			}
		}
		let now = frame_system::Pallet::<T>::block_number();
		let until =
			Queue::<T>::schedule(now, now.saturating_add(T::Retention::get()), Task::Forget(root));
		Invalid::<T>::insert(
			root,
			InvalidBlob {
				layout: blob.layout,
				epoch: blob.epoch,
				attesters: blob.attesters.clone(),
				slashed: BoundedVec::new(),
				until,
			},
		);
		Self::deposit_event(Event::BlobInvalid { root, line, reporter: reporter.clone(), reward });
	}

	/// Slashes every attester of `invalid` that holds line index `line` and was not slashed
	/// for it already, by [`Config::BadLineSlash`]. Returns the members slashed.
	pub(crate) fn slash_line_holders(
		root: H256,
		invalid: &InvalidBlob<T>,
		line: u32,
		reporter: &T::AccountId,
	) -> Vec<u32> {
		let Some(committee) = Committees::<T>::get(invalid.epoch) else { return Vec::new() };
		let width = invalid.layout.width();
		let turn = rotation(&root, committee.seat_count(), width);
		let mut slashed = Vec::new();
		for member in &invalid.attesters {
			if invalid.slashed.contains(member)
				|| !committee.member_holds(*member, width, turn, line)
			{
				continue;
			}
			let Some((signer, _)) = committee.members.get(*member as usize) else { continue };
			let amount = T::Staking::slash_role(
				signer,
				Role::DaSigner,
				T::BadLineSlash::get(),
				SlashReason::BadEncoding,
				Some(reporter),
			);
			slashed.push(*member);
			Self::deposit_event(Event::AttesterSlashed {
				root,
				signer: signer.clone(),
				slashed: amount,
			});
		}
		slashed
	}
}
