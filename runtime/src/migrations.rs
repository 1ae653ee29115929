//! Storage migrations: what runs when a runtime upgrade is enacted.
//!
//! - [`SingleBlock`] run in the upgrade's first block, by the executive. Each checks
//!   its pallet's storage version and runs once.
//! - [`MultiBlock`] (pallet-migrations) run from the upgrade's block on, after its inherents, as
//!   much per block as [`MbmServiceWeight`] allows; while one is under way blocks carry
//!   inherents only (no transactions) and `System.set_code` is refused. pallet-migrations
//!   records each completed migration's identifier, so none runs twice. A migration that fails
//!   is abandoned and transactions resume ([`ResumeOnFailedMigration`]): a solochain whose
//!   transactions stayed frozen could not vote the fix (FRAME's `FreezeChainOnFailedMigration`
//!   suits a chain that another chain can repair), and storage and DA deadlines would slash
//!   providers whose answers could not be included.
//!
//! pallet-revive's own multi-block migrations (`pallet_revive::migrations::v1`–`v4`) convert
//! layouts older than the one this chain was created with (pallet-revive 0.20.2 writes the
//! version-4 layout at genesis): they are not listed, for they would decode current data as
//! old. A later pallet-revive that ships a migration from this layout is listed here.

use crate::{Runtime, RuntimeBlockWeights};
use frame_support::{
	migrations::{FailedMigrationHandler, FailedMigrationHandling},
	parameter_types,
	weights::Weight,
};
use sp_runtime::Perbill;

/// The single-block migrations of the next runtime upgrade.
pub type SingleBlock = (
	pallet_zg_staking::migrations::v1::MigrateToV1<Runtime>,
	pallet_zg_staking::migrations::v2::MigrateToV2<Runtime>,
);

/// The multi-block migrations, in order.
#[cfg(not(feature = "runtime-benchmarks"))]
pub type MultiBlock =
	(pallet_zg_staking::migrations::raise_minimum_bonds::RaiseMinimumBonds<Runtime>,);

parameter_types! {
	/// The weight a block gives to multi-block migrations: 80 % of the block, leaving room for
	/// the inherents and the hooks.
	pub MbmServiceWeight: Weight = Perbill::from_percent(80) * RuntimeBlockWeights::get().max_block;
}

/// What a failed multi-block migration leaves: pallet-migrations emits `UpgradeFailed` with the
/// migration's index, the rest of the list is not run, and transactions resume, so that a
/// referendum can enact the repair (a runtime upgrade with a fixed migration).
pub struct ResumeOnFailedMigration;

impl FailedMigrationHandler for ResumeOnFailedMigration {
	fn failed(migration: Option<u32>) -> FailedMigrationHandling {
		log::error!(
			target: "runtime::migrations",
			"multi-block migration {migration:?} failed: transactions resume for governance to repair it"
		);
		FailedMigrationHandling::ForceUnstuck
	}
}

impl pallet_migrations::Config for Runtime {
	type RuntimeEvent = crate::RuntimeEvent;
	#[cfg(not(feature = "runtime-benchmarks"))]
	type Migrations = MultiBlock;
	// The benchmarks measure pallet-migrations with migrations of its own.
	#[cfg(feature = "runtime-benchmarks")]
	type Migrations = pallet_migrations::mock_helpers::MockedMigrations;
	// Larger than any cursor of the migrations above (checked by pallet-migrations'
	// `integrity_test`).
	type CursorMaxLen = frame_support::traits::ConstU32<65_536>;
	type IdentifierMaxLen = frame_support::traits::ConstU32<256>;
	type MigrationStatusHandler = ();
	type FailedMigrationHandler = ResumeOnFailedMigration;
	type MaxServiceWeight = MbmServiceWeight;
	type WeightInfo = pallet_migrations::weights::SubstrateWeight<Runtime>;
}

// Under `runtime-benchmarks` pallet-migrations runs mocked migrations instead of ours.
#[cfg(all(test, not(feature = "runtime-benchmarks")))]
mod tests {
	use crate::{
		tests::ext_from_preset, Executive, MultiBlockMigrations, Runtime, RuntimeEvent, System, ZG,
	};
	use frame_support::migrations::MultiStepMigrator;
	use pallet_zg_staking::{MinRoleBond, MinValidatorBond, Role};
	use sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET;

	fn migration_events() -> Vec<pallet_migrations::Event<Runtime>> {
		System::events()
			.into_iter()
			.filter_map(|r| match r.event {
				RuntimeEvent::MultiBlockMigrations(e) => Some(e),
				_ => None,
			})
			.collect()
	}

	#[test]
	fn an_upgrade_raises_minimum_bonds_by_a_multi_block_migration_once() {
		ext_from_preset(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
			// A chain whose governance had set zero minimums, before the floor.
			MinValidatorBond::<Runtime>::put(0);
			MinRoleBond::<Runtime>::insert(Role::DaSigner, 0);

			// The upgrade's initialization onboards the migrations; until they are done, blocks
			// carry no transactions (the executive asks the migrator).
			Executive::execute_on_runtime_upgrade();
			assert!(<Runtime as frame_system::Config>::MultiBlockMigrator::ongoing());
			assert_eq!(MinValidatorBond::<Runtime>::get(), 0);

			// The step after the inherents runs it to the end.
			MultiBlockMigrations::step();
			assert!(!MultiBlockMigrations::ongoing());
			assert_eq!(MinValidatorBond::<Runtime>::get(), ZG);
			assert_eq!(MinRoleBond::<Runtime>::get(Role::DaSigner), ZG);
			// The others were above the floor and are kept.
			assert_eq!(
				MinRoleBond::<Runtime>::get(Role::StorageProvider),
				crate::genesis_config_presets::MIN_ROLE_BOND
			);
			assert!(migration_events().contains(&pallet_migrations::Event::UpgradeCompleted));

			// A later upgrade skips it: its identifier is recorded.
			MinValidatorBond::<Runtime>::put(0);
			Executive::execute_on_runtime_upgrade();
			MultiBlockMigrations::step();
			assert!(!MultiBlockMigrations::ongoing());
			assert_eq!(MinValidatorBond::<Runtime>::get(), 0);
			assert!(migration_events()
				.iter()
				.any(|e| matches!(e, pallet_migrations::Event::MigrationSkipped { index: 0 })));
		});
	}
}
