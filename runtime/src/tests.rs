//! Tests of the runtime's configuration: genesis presets, integrity checks and the fee scale.

use crate::{
	genesis_config_presets::{self, eth_account, ENDOWMENT, ETH_DEV_ACCOUNTS},
	*,
};
use frame_support::traits::{fungible::Inspect, Get, IntegrityTest};
use pallet_revive::AddressMapper;
use sp_genesis_builder::{DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET};
use sp_keyring::Sr25519Keyring;
use sp_runtime::BuildStorage;

/// The externalities of a chain started from the named preset.
pub(crate) fn ext_from_preset(name: &str) -> sp_io::TestExternalities {
	let config = genesis_config_presets::preset_config(&name.into()).expect("preset exists");
	let mut ext: sp_io::TestExternalities = config.build_storage().expect("builds").into();
	ext.execute_with(|| System::set_block_number(1));
	ext
}

#[test]
fn every_pallet_passes_its_integrity_test() {
	ext_from_preset(DEV_RUNTIME_PRESET).execute_with(|| {
		AllPalletsWithSystem::integrity_test();
	});
}

#[test]
fn preset_names_are_development_and_local_testnet() {
	let names: Vec<String> = genesis_config_presets::preset_names()
		.into_iter()
		.map(|p| {
			let name: &str = p.as_ref();
			name.to_string()
		})
		.collect();
	assert_eq!(names, vec!["development".to_string(), "local_testnet".to_string()]);
	assert!(genesis_config_presets::get_preset(&"no-such-preset".into()).is_none());
}

#[test]
fn development_has_alice_as_only_validator_and_sudo() {
	ext_from_preset(DEV_RUNTIME_PRESET).execute_with(|| {
		let alice = Sr25519Keyring::Alice.to_account_id();
		assert_eq!(pallet_session::Validators::<Runtime>::get(), vec![alice.clone()]);
		assert_eq!(pallet_sudo::Key::<Runtime>::get(), Some(alice));
		assert_eq!(Babe::authorities().len(), 1);
		assert_eq!(Grandpa::grandpa_authorities().len(), 1);
	});
}

#[test]
fn local_testnet_has_four_validators_with_their_keys() {
	ext_from_preset(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		let expected: Vec<AccountId> = [
			Sr25519Keyring::Alice,
			Sr25519Keyring::Bob,
			Sr25519Keyring::Charlie,
			Sr25519Keyring::Dave,
		]
		.iter()
		.map(|k| k.to_account_id())
		.collect();
		let mut validators = pallet_session::Validators::<Runtime>::get();
		validators.sort();
		let mut sorted = expected.clone();
		sorted.sort();
		assert_eq!(validators, sorted);

		let babe: Vec<_> = Babe::authorities().iter().map(|(id, _)| id.clone()).collect();
		for k in [Sr25519Keyring::Alice, Sr25519Keyring::Bob] {
			assert!(babe.contains(&k.public().into()), "{k:?} is a BABE authority");
		}
		assert_eq!(Grandpa::grandpa_authorities().len(), 4);
		// Every genesis session has a historical root, so key ownership can be proven.
		assert!(pallet_session::historical::HistoricalSessions::<Runtime>::get(0).is_some());
	});
}

#[test]
fn local_testnet_validators_are_staked_and_elected() {
	use genesis_config_presets::{MIN_VALIDATOR_BOND, VALIDATOR_BOND};
	ext_from_preset(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		let elected = pallet_zg_staking::ErasElected::<Runtime>::get(0);
		assert_eq!(elected.len(), 4);
		for who in elected.iter() {
			let ledger = pallet_zg_staking::Ledger::<Runtime>::get(who).expect("bonded");
			assert_eq!(ledger.active, VALIDATOR_BOND);
			assert!(pallet_zg_staking::Validators::<Runtime>::contains_key(who));
		}
		assert_eq!(pallet_zg_staking::TotalBonded::<Runtime>::get(), 4 * VALIDATOR_BOND);
		assert_eq!(pallet_zg_staking::MinValidatorBond::<Runtime>::get(), MIN_VALIDATOR_BOND);
		assert_eq!(Staking::active_era(), 0);
		// Electing at genesis charges no block: the genesis state does not depend on weights.
		assert_eq!(frame_system::BlockWeight::<Runtime>::get().total(), Weight::zero());
		// The session's validators are the elected ones.
		let mut session = pallet_session::Validators::<Runtime>::get();
		session.sort();
		let mut elected = elected.into_inner();
		elected.sort();
		assert_eq!(session, elected);
		// The reward pot and the treasury exist, so fees and slashes of any size can land.
		assert!(Balances::balance(&Staking::reward_pot()) >= EXISTENTIAL_DEPOSIT);
		assert!(Balances::balance(&TreasuryAccount::get()) >= EXISTENTIAL_DEPOSIT);
	});
}

#[test]
fn storage_starts_with_its_price_and_an_escrow_account() {
	ext_from_preset(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		assert_eq!(pallet_zg_storage::Price::<Runtime>::get(), storage_params::DEFAULT_PRICE);
		let escrow = pallet_zg_storage::Pallet::<Runtime>::escrow_account();
		assert_eq!(Balances::balance(&escrow), EXISTENTIAL_DEPOSIT);
		assert_eq!(pallet_zg_storage::EscrowTotal::<Runtime>::get(), 0);
		assert!(pallet_zg_storage::ProviderList::<Runtime>::get().is_empty());
		pallet_zg_storage::Pallet::<Runtime>::do_try_state().expect("storage invariants hold");
		// A StorageProvider needs the role bond that staking sets at genesis.
		assert_eq!(
			pallet_zg_staking::MinRoleBond::<Runtime>::get(
				pallet_zg_staking::Role::StorageProvider
			),
			genesis_config_presets::MIN_ROLE_BOND
		);
	});
}

#[test]
fn dev_accounts_are_endowed_and_usable_from_the_evm() {
	ext_from_preset(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		for k in Sr25519Keyring::well_known() {
			let who = k.to_account_id();
			// Validators hold part of it (bond, session key deposit): count the total.
			assert_eq!(Balances::total_balance(&who), ENDOWMENT, "{k:?} endowed");
			assert!(
				<Runtime as pallet_revive::Config>::AddressMapper::is_mapped(&who),
				"{k:?} has an Ethereum address"
			);
		}
		for (name, address) in ETH_DEV_ACCOUNTS {
			let who = eth_account(address);
			assert_eq!(Balances::balance(&who), ENDOWMENT, "{name} endowed");
			// The EVM sees the same balance, wei for plank, less the existential deposit that
			// keeps the account alive.
			assert_eq!(
				Revive::evm_balance(&sp_core::H160(address)),
				sp_core::U256::from(ENDOWMENT - EXISTENTIAL_DEPOSIT),
				"{name}'s EVM balance"
			);
		}
		let endowed = (Sr25519Keyring::well_known().count() + ETH_DEV_ACCOUNTS.len()) as u128;
		assert!(Balances::total_issuance() >= endowed * ENDOWMENT);
	});
}

#[test]
fn one_zg_has_eighteen_decimals_and_one_plank_is_one_wei() {
	assert_eq!(ZG, 1_000_000_000_000_000_000);
	assert_eq!(<<Runtime as pallet_revive::Config>::NativeToEthRatio as Get<u32>>::get(), 1);
	assert_eq!(ExistentialDeposit::get(), 100 * MICRO_ZG);
}

#[test]
fn transfer_fee_and_gas_price_follow_the_documented_scale() {
	ext_from_preset(DEV_RUNTIME_PRESET).execute_with(|| {
		let call = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
			dest: Sr25519Keyring::Bob.to_account_id().into(),
			value: ZG,
		});
		// A signed transfer is about 150 bytes long.
		let fee = TransactionPayment::compute_fee(
			150,
			&frame_support::dispatch::GetDispatchInfo::get_dispatch_info(&call),
			0,
		);
		// Between 0.000001 and 0.0001 0G.
		assert!(fee > MICRO_ZG && fee < 100 * MICRO_ZG, "transfer fee {fee}");
		// The Ethereum gas price is 1 gwei while blocks are not congested.
		assert_eq!(Revive::evm_base_fee(), sp_core::U256::from(GWEI));
	});
}

#[test]
fn slots_and_epochs_match_the_build() {
	#[cfg(not(feature = "fast-runtime"))]
	{
		assert_eq!(SLOT_DURATION, 6_000);
		assert_eq!(EPOCH_DURATION_IN_SLOTS, 100);
	}
	#[cfg(feature = "fast-runtime")]
	{
		assert_eq!(SLOT_DURATION, 2_000);
		assert_eq!(EPOCH_DURATION_IN_SLOTS, 20);
	}
	assert_eq!(
		<<Runtime as pallet_timestamp::Config>::MinimumPeriod as Get<u64>>::get(),
		SLOT_DURATION / 2
	);
}

/// The beacon records the parent block's randomness before Storage and Compute draw from it:
/// hooks run in the order of `AllPalletsWithSystem`.
#[test]
fn the_beacon_runs_before_the_pallets_that_draw_from_it() {
	use frame_support::traits::PalletsInfoAccess;
	let order: Vec<String> =
		AllPalletsWithSystem::infos().into_iter().map(|i| i.name.to_string()).collect();
	let at = |name: &str| order.iter().position(|n| n == name).unwrap();
	assert!(at("Beacon") < at("Storage"), "{order:?}");
	assert!(at("Beacon") < at("Compute"), "{order:?}");
	assert!(at("Babe") < at("Beacon"), "{order:?}");
}

/// The runtime metadata the worker's client is generated from (`worker/chain/metadata`), kept
/// equal to this runtime's. When a pallet changes, this fails; regenerate the file with
/// `ZG_WRITE_METADATA=1 cargo test -p zg-runtime worker_metadata` and rebuild the worker, whose
/// generated client then type-checks every call, storage entry and constant it uses. The
/// checked-in metadata is the production runtime's, which `runtime-benchmarks` changes.
#[test]
#[cfg(not(feature = "runtime-benchmarks"))]
fn worker_metadata_is_the_runtimes() {
	let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../worker/chain/metadata/zg-runtime.scale");
	// Some of the runtime's constants are read from storage.
	let current = sp_io::TestExternalities::default()
		.execute_with(|| Runtime::metadata_at_version(16))
		.expect("the runtime serves metadata v16");
	let current: &[u8] = &current;
	if std::env::var_os("ZG_WRITE_METADATA").is_some() {
		std::fs::write(path, current).expect("writes the metadata");
	}
	let saved = std::fs::read(path).expect("worker/chain/metadata/zg-runtime.scale exists");
	assert!(
		saved == current,
		"the worker's metadata ({} bytes) is not this runtime's ({} bytes): regenerate it with \
		 `ZG_WRITE_METADATA=1 cargo test -p zg-runtime worker_metadata`",
		saved.len(),
		current.len()
	);
}

/// An equivocation reported through pallet-offences disables the offender in pallet-session
/// (BABE refuses blocks of a disabled authority) and queues its slash for the era
/// `SlashDeferDuration` after the offence.
#[test]
fn an_offender_is_disabled_by_the_session_pallet_and_its_slash_queued() {
	use sp_staking::offence::{OffenceDetails, OnOffenceHandler};
	ext_from_preset(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		let bob = Sr25519Keyring::Bob.to_account_id();
		let index = pallet_session::Validators::<Runtime>::get()
			.iter()
			.position(|v| v == &bob)
			.expect("Bob validates") as u32;
		assert!(!Session::disabled_validators().contains(&index));
		let details = [OffenceDetails { offender: (bob.clone(), ()), reporters: vec![] }];
		let _ = <Staking as OnOffenceHandler<AccountId, (AccountId, ()), Weight>>::on_offence(
			&details,
			&[Perbill::zero()],
			0,
		);
		assert!(Session::disabled_validators().contains(&index));
		let queued = pallet_zg_staking::UnappliedSlashes::<Runtime>::get(
			staking_params::SLASH_DEFER_DURATION,
			(&bob, 0),
		)
		.expect("the slash waits");
		assert_eq!(queued.fraction, dynamic_params::staking::OffenceSlashFraction::get());
		assert_eq!(pallet_zg_staking::UnappliedSlashes::<Runtime>::iter().count(), 1);
	});
}

/// The slashes applied in one block (at an era start, or draining the ones left over) take at
/// most half of the block's compute, by the generated weights of their worst case (every backer
/// a delegator spread over the most validators): blocks that apply them still take transactions.
#[test]
fn a_block_of_slashes_leaves_room_for_transactions() {
	use pallet_zg_staking::WeightInfo;
	type StakingConfig = <Runtime as pallet_zg_staking::Config>::WeightInfo;
	let max = <Runtime as pallet_zg_staking::Config>::MaxSlashesPerBlock::get();
	let block = RuntimeBlockWeights::get().max_block.ref_time();
	for weight in [StakingConfig::start_era(max), StakingConfig::apply_slashes(max)] {
		assert!(
			weight.ref_time().saturating_mul(2) <= block,
			"{max} slashes weigh {} of a block's {block}",
			weight.ref_time()
		);
	}
}
