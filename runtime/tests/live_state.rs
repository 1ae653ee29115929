//! try-runtime against the state of a live network: this runtime's upgrade (single-block and
//! multi-block migrations, with their pre- and post-upgrade checks) and every pallet's
//! `try_state` run on a snapshot of a running testnet, as the try-runtime CLI does.
//!
//! The snapshot is taken by `zombienet/snapshot.js` at the end of `storage.zndsl` (a network
//! that has been through governance, storage and DA) into `$ZG_STATE_SNAPSHOT`. CI runs:
//!
//! ```sh
//! ZG_STATE_SNAPSHOT=… SKIP_WASM_BUILD=1 cargo test -p zg-runtime --features try-runtime \
//!     --test live_state -- --ignored
//! ```
#![cfg(feature = "try-runtime")]

use frame_support::{
	migrations::MultiStepMigrator,
	traits::{TryState, TryStateSelect, UpgradeCheckSelect},
};
use pallet_zg_staking::{MinRoleBond, MinValidatorBond, Role};
use serde_json::Value;
use sp_core::storage::{
	well_known_keys::DEFAULT_CHILD_STORAGE_KEY_PREFIX, ChildInfo, Storage, StorageChild, StorageMap,
};
use zg_runtime::{AllPalletsWithSystem, Executive, MultiBlockMigrations, Runtime, System, ZG};

/// A block's state as `snapshot.js` writes it: its number, its runtime's spec version and
/// the storage, as hex keys and values.
struct Snapshot {
	number: u32,
	spec_version: u64,
	storage: Storage,
}

/// The hex pairs of a JSON object.
fn pairs(json: &Value) -> Result<StorageMap, String> {
	let object = json.as_object().ok_or("expected an object of hex pairs")?;
	object
		.iter()
		.map(|(key, value)| {
			let value = value.as_str().ok_or_else(|| format!("{key}: not a hex string"))?;
			Ok((bytes(key)?, bytes(value)?))
		})
		.collect()
}

fn bytes(hex: &str) -> Result<Vec<u8>, String> {
	sp_core::bytes::from_hex(hex).map_err(|e| format!("`{hex}`: {e}"))
}

impl Snapshot {
	fn read(path: &str) -> Result<Snapshot, String> {
		let file = std::fs::File::open(path).map_err(|e| format!("{path}: {e}"))?;
		let json: Value = serde_json::from_reader(std::io::BufReader::new(file))
			.map_err(|e| format!("{path}: {e}"))?;
		let number = json["number"].as_u64().ok_or("no block number")?;
		let spec_version = json["specVersion"].as_u64().ok_or("no spec version")?;
		let mut storage = Storage::default();
		// Child tries' roots in the top trie are computed from their content.
		storage.top = pairs(&json["top"])?
			.into_iter()
			.filter(|(key, _)| !key.starts_with(DEFAULT_CHILD_STORAGE_KEY_PREFIX))
			.collect();
		for (key, child) in json["children"].as_object().ok_or("no children")? {
			let id = bytes(key)?
				.strip_prefix(DEFAULT_CHILD_STORAGE_KEY_PREFIX)
				.ok_or_else(|| format!("{key}: not a default child trie"))?
				.to_vec();
			let child_info = ChildInfo::new_default(&id);
			storage.children_default.insert(id, StorageChild { data: pairs(child)?, child_info });
		}
		Ok(Snapshot {
			number: u32::try_from(number).map_err(|e| e.to_string())?,
			spec_version,
			storage,
		})
	}
}

#[test]
#[ignore = "needs the snapshot of a live network in ZG_STATE_SNAPSHOT (scripts/test.sh takes one)"]
fn live_state_upgrades_and_passes_try_state() -> Result<(), String> {
	let path = std::env::var("ZG_STATE_SNAPSHOT")
		.map_err(|_| "ZG_STATE_SNAPSHOT: the path of a snapshot taken by zombienet/snapshot.js")?;
	let Snapshot { number, spec_version, storage } = Snapshot::read(&path)?;
	println!(
		"state of block #{number} (spec {spec_version}): {} keys, {} child tries",
		storage.top.len(),
		storage.children_default.len()
	);
	sp_io::TestExternalities::new(storage).execute_with(|| {
		// The state as it is: every invariant holds.
		AllPalletsWithSystem::try_state(number, TryStateSelect::All)
			.map_err(|e| format!("try_state of the live state: {e:?}"))?;

		// As a chain from before the bond floor could be: zero minimums, which the multi-block
		// migration raises. The upgrade runs the single-block migrations and every pallet's
		// hook with their pre- and post-upgrade checks, then try_state.
		MinValidatorBond::<Runtime>::put(0);
		MinRoleBond::<Runtime>::insert(Role::StorageProvider, 0);
		Executive::try_runtime_upgrade(UpgradeCheckSelect::All)
			.map_err(|e| format!("the upgrade's checks: {e:?}"))?;

		// The multi-block migrations, a block at a time, each step with its checks.
		let mut blocks = 0;
		while MultiBlockMigrations::ongoing() {
			blocks += 1;
			if blocks > 100 {
				return Err("the multi-block migrations took more than 100 blocks".into());
			}
			System::set_block_number(number + blocks);
			MultiBlockMigrations::step();
		}
		assert_eq!(MinValidatorBond::<Runtime>::get(), ZG);
		assert_eq!(MinRoleBond::<Runtime>::get(Role::StorageProvider), ZG);
		println!("multi-block migrations done in {blocks} block(s)");
		AllPalletsWithSystem::try_state(number + blocks, TryStateSelect::All)
			.map_err(|e| format!("try_state after the migrations: {e:?}"))
	})
}
