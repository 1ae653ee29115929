//! Storage migrations of the staking pallet, in order: [`v1::MigrateToV1`], then
//! [`v2::MigrateToV2`] (single-block, run by the runtime's executive); then the multi-block
//! [`raise_minimum_bonds::RaiseMinimumBonds`] (run by pallet-migrations).

use super::*;
use frame_support::{
	migrations::VersionedMigration, pallet_prelude::ValueQuery, traits::UncheckedOnRuntimeUpgrade,
	Twox64Concat,
};

/// Version 0 → 1: [`OffenceSeen`] kept `()` for a reported validator (slashed the fixed
/// [`Config::OffenceSlashFraction`]); it now keeps an [`OffenceRecord`]. A record's slash may
/// still be queued or already applied: it is recorded as due at the offence era, so that a later
/// larger report queues the difference as a top-up (the total is then right either way); the
/// queued ones are given their era by [`v2::MigrateToV2`].
pub mod v1 {
	use super::*;

	/// The unversioned step; use [`MigrateToV1`].
	pub struct InnerMigrateToV1<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateToV1<T> {
		fn on_runtime_upgrade() -> Weight {
			let fraction = T::OffenceSlashFraction::get();
			let mut count = 0u64;
			OffenceSeen::<T>::translate::<(), _>(|era, _, ()| {
				count.saturating_inc();
				Some(OffenceRecord { fraction, apply_era: era })
			});
			T::DbWeight::get().reads_writes(count, count)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<alloc::vec::Vec<u8>, sp_runtime::TryRuntimeError> {
			Ok((OffenceSeen::<T>::iter_keys().count() as u64).encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			let before = u64::decode(&mut &state[..])
				.map_err(|_| sp_runtime::TryRuntimeError::Other("bad pre-upgrade state"))?;
			let after = OffenceSeen::<T>::iter().count() as u64;
			frame_support::ensure!(before == after, "an offence record did not decode");
			Ok(())
		}
	}

	/// [`InnerMigrateToV1`], run once: only while the pallet's storage version is 0.
	pub type MigrateToV1<T> = VersionedMigration<
		0,
		1,
		InnerMigrateToV1<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}

/// Version 1 → 2: the slash queue and the pruning of the session history.
///
/// - [`UnappliedSlashes`] kept one list per era (a full list applied slashes at once); it now
///   keeps one entry per offence. A slash queued after the offence era's unbonded funds unlock
///   is moved to that era, or to the next era if that one has started; one queued twice (an
///   overflow) is merged.
/// - [`HistoryPrunedUpTo`] is set to the session up to which version 1 pruned (at the start of
///   the active era), so that pruning goes on from there.
pub mod v2 {
	use super::*;

	/// The storage of versions 0 and 1.
	pub mod old {
		use super::*;

		/// A queued slash of versions 0 and 1.
		#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
		pub struct UnappliedSlash<AccountId> {
			/// The offender.
			pub validator: AccountId,
			/// The era of the offence.
			pub offence_era: EraIndex,
			/// The part of every exposed stake that is slashed.
			pub fraction: Perbill,
		}

		/// The slashes to apply at the start of each era.
		#[frame_support::storage_alias]
		pub type UnappliedSlashes<T: Config> = StorageMap<
			Pallet<T>,
			Twox64Concat,
			EraIndex,
			Vec<UnappliedSlash<<T as frame_system::Config>::AccountId>>,
			ValueQuery,
		>;
	}

	/// The unversioned step; use [`MigrateToV2`].
	pub struct InnerMigrateToV2<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateToV2<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut reads = 1u64;
			let mut writes = 1u64;
			let active = Pallet::<T>::active_era();
			let queued: Vec<_> = old::UnappliedSlashes::<T>::drain().collect();
			for (apply_era, slashes) in queued {
				reads.saturating_inc();
				writes.saturating_inc();
				for slash in slashes {
					let unlock = slash.offence_era.saturating_add(T::BondingDuration::get());
					let apply_era = apply_era.min(unlock).max(active.saturating_add(1));
					let key = (slash.validator.clone(), slash.offence_era);
					Pallet::<T>::add_to_slash(apply_era, &key, slash.fraction, None);
					OffenceSeen::<T>::mutate(slash.offence_era, &slash.validator, |record| {
						let record = record
							.get_or_insert(OffenceRecord { fraction: slash.fraction, apply_era });
						record.apply_era = apply_era;
					});
					reads.saturating_accrue(2);
					writes.saturating_accrue(2);
				}
			}
			// Version 1 pruned up to the first session of the oldest era whose offences are
			// still accepted, at each era start.
			let first_kept =
				active.checked_sub(T::BondingDuration::get()).map(|e| e.saturating_add(1));
			if let Some(session) = first_kept.and_then(ErasStartSessionIndex::<T>::get) {
				HistoryPrunedUpTo::<T>::put(session);
			}
			reads.saturating_inc();
			T::DbWeight::get().reads_writes(reads, writes)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<alloc::vec::Vec<u8>, sp_runtime::TryRuntimeError> {
			let slashes: u64 =
				old::UnappliedSlashes::<T>::iter_values().map(|s| s.len() as u64).sum();
			Ok(slashes.encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			let slashes = u64::decode(&mut &state[..])
				.map_err(|_| sp_runtime::TryRuntimeError::Other("bad pre-upgrade state"))?;
			let queued = UnappliedSlashes::<T>::iter().count() as u64;
			frame_support::ensure!(queued <= slashes, "a queued slash appeared from nowhere");
			frame_support::ensure!(slashes == 0 || queued > 0, "the queued slashes were lost");
			Ok(())
		}
	}

	/// [`InnerMigrateToV2`], run once: only while the pallet's storage version is 1.
	pub type MigrateToV2<T> = VersionedMigration<
		1,
		2,
		InnerMigrateToV2<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}

/// A multi-block migration (a [`SteppedMigration`] that pallet-migrations runs, starting in
/// the upgrade's block): no minimum bond may be below [`Config::MinBondFloor`] any more (a zero
/// minimum let anyone take a role or back a validator with dust), so the ones below are raised
/// to it. Each minimum (the validator's, the delegator's, each role's) is one unit of work of
/// one read and one write; a step does as many as the block's migration weight allows and
/// resumes from its cursor in the next block.
///
/// Like pallet-revive's, the pallet's multi-block migrations are numbered in a series of their
/// own ([`MIGRATIONS_ID`], 0 → 1 for this one) and leave the storage version alone: the
/// executive checks after the upgrade's single-block migrations that every pallet's storage
/// version is its in-code one, before any multi-block migration has run. pallet-migrations
/// records each completed identifier, so this runs once; raising to the floor is idempotent
/// besides.
pub mod raise_minimum_bonds {
	use super::*;
	use frame_support::{
		migrations::{MigrationId, SteppedMigration, SteppedMigrationError},
		weights::WeightMeter,
	};

	/// The pallet's part of its multi-block migrations' identifiers.
	pub const MIGRATIONS_ID: [u8; 10] = *b"zg-staking";

	/// How many minimums there are: the validator's, the delegator's, then one per role.
	fn minimums() -> u32 {
		2u32.saturating_add(Role::ALL.len() as u32)
	}

	/// Raises minimum number `index` to the floor.
	fn raise<T: Config>(index: u32) {
		let floor = T::MinBondFloor::get();
		match index {
			0 => MinValidatorBond::<T>::mutate(|b| *b = (*b).max(floor)),
			1 => MinDelegatorBond::<T>::mutate(|b| *b = (*b).max(floor)),
			i => {
				if let Some(role) = Role::ALL.get(i.saturating_sub(2) as usize) {
					MinRoleBond::<T>::mutate(role, |b| *b = (*b).max(floor));
				}
			},
		}
	}

	/// Raises every minimum bond below [`Config::MinBondFloor`] to it; see the [module](self).
	pub struct RaiseMinimumBonds<T>(core::marker::PhantomData<T>);

	impl<T: Config> SteppedMigration for RaiseMinimumBonds<T> {
		/// The index of the next minimum to raise.
		type Cursor = u32;
		type Identifier = MigrationId<10>;

		fn id() -> Self::Identifier {
			MigrationId { pallet_id: MIGRATIONS_ID, version_from: 0, version_to: 1 }
		}

		fn step(
			cursor: Option<u32>,
			meter: &mut WeightMeter,
		) -> Result<Option<u32>, SteppedMigrationError> {
			let unit = T::DbWeight::get().reads_writes(1, 1);
			// One unit: the least progress a step makes.
			if !meter.can_consume(unit) {
				return Err(SteppedMigrationError::InsufficientWeight { required: unit });
			}
			let mut next = cursor.unwrap_or(0);
			while next < minimums() {
				if meter.try_consume(unit).is_err() {
					return Ok(Some(next));
				}
				raise::<T>(next);
				next.saturating_inc();
			}
			Ok(None)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<alloc::vec::Vec<u8>, sp_runtime::TryRuntimeError> {
			Ok(alloc::vec::Vec::new())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(_: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			let floor = T::MinBondFloor::get();
			frame_support::ensure!(
				MinValidatorBond::<T>::get() >= floor
					&& MinDelegatorBond::<T>::get() >= floor
					&& Role::ALL.iter().all(|r| MinRoleBond::<T>::get(r) >= floor),
				"a minimum bond is below the floor"
			);
			Ok(())
		}
	}
}
