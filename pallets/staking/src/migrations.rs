//! Storage migrations of the staking pallet.

use super::*;
use frame_support::{migrations::VersionedMigration, traits::UncheckedOnRuntimeUpgrade};

/// Version 0 → 1: [`OffenceSeen`] kept `()` for a reported validator (slashed the fixed
/// [`Config::OffenceSlashFraction`]); it now keeps an [`OffenceRecord`]. A record's slash may
/// still be queued or already applied: it is recorded as due at the offence era, so that a later
/// larger report queues the difference as a top-up (the total is then right either way).
pub mod v1 {
	use super::*;

	/// The unversioned step; use [`MigrateToV1`].
	pub struct InnerMigrateToV1<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateToV1<T> {
		fn on_runtime_upgrade() -> Weight {
			let fraction = T::OffenceSlashFraction::get();
			let mut count = 0u64;
			OffenceSeen::<T>::translate::<(), _>(|era, _, ()| {
				count = count.saturating_add(1);
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
