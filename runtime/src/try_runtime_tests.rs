//! try-runtime against the state of a live network: this runtime's upgrade (single-block and
//! multi-block migrations, with their pre- and post-upgrade checks) and every pallet's
//! `try_state` run on a snapshot of a running testnet, as the try-runtime CLI does.
//!
//! The snapshot is taken by `zombienet/snapshot.js` at the end of `storage.zndsl` (a network
//! that has been through governance, storage and DA) into `$ZG_STATE_SNAPSHOT`. CI runs:
//!
//! ```sh
//! ZG_STATE_SNAPSHOT=… SKIP_WASM_BUILD=1 cargo test -p zg-runtime --features try-runtime \
//!     -- --ignored live_state
//! ```

use crate::{AllPalletsWithSystem, Executive, MultiBlockMigrations, Runtime, System, ZG};
use frame_support::{
	migrations::MultiStepMigrator,
	traits::{TryState, TryStateSelect, UpgradeCheckSelect},
};
use pallet_zg_staking::{MinRoleBond, MinValidatorBond, Role};
use sp_core::storage::{ChildInfo, Storage, StorageChild};
use std::collections::BTreeMap;

const CHILD_PREFIX: &[u8] = b":child_storage:default:";

/// What `snapshot.js` writes: hex keys and values.
struct Snapshot {
	number: u32,
	spec_version: u64,
	top: BTreeMap<String, String>,
	children: BTreeMap<String, BTreeMap<String, String>>,
}

impl Snapshot {
	fn read(path: &str) -> Snapshot {
		let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{path}: {e}"));
		let json: serde_json::Value = serde_json::from_reader(std::io::BufReader::new(file))
			.unwrap_or_else(|e| panic!("{path}: {e}"));
		let pairs = |v: &serde_json::Value| -> BTreeMap<String, String> {
			v.as_object()
				.expect("an object of hex pairs")
				.iter()
				.map(|(k, v)| (k.clone(), v.as_str().expect("a hex value").to_owned()))
				.collect()
		};
		Snapshot {
			number: json["number"].as_u64().expect("number") as u32,
			spec_version: json["specVersion"].as_u64().expect("specVersion"),
			top: pairs(&json["top"]),
			children: json["children"]
				.as_object()
				.expect("children")
				.iter()
				.map(|(k, v)| (k.clone(), pairs(v)))
				.collect(),
		}
	}
}

fn bytes(hex: &str) -> Vec<u8> {
	sp_core::bytes::from_hex(hex).expect("the snapshot holds hex")
}

/// The externalities of a snapshot: its top trie and its child tries.
fn externalities(snapshot: &Snapshot) -> sp_io::TestExternalities {
	let mut storage = Storage::default();
	for (key, value) in &snapshot.top {
		let key = bytes(key);
		// Child tries' roots are computed from their content.
		if !key.starts_with(CHILD_PREFIX) {
			storage.top.insert(key, bytes(value));
		}
	}
	for (key, pairs) in &snapshot.children {
		let id = bytes(key)[CHILD_PREFIX.len()..].to_vec();
		let data = pairs.iter().map(|(k, v)| (bytes(k), bytes(v))).collect();
		storage
			.children_default
			.insert(id.clone(), StorageChild { data, child_info: ChildInfo::new_default(&id) });
	}
	sp_io::TestExternalities::new(storage)
}

#[test]
#[ignore = "needs the snapshot of a live network in ZG_STATE_SNAPSHOT (scripts/test.sh takes one)"]
fn live_state_upgrades_and_passes_try_state() {
	let path = std::env::var("ZG_STATE_SNAPSHOT")
		.expect("ZG_STATE_SNAPSHOT: the path of a snapshot taken by zombienet/snapshot.js");
	let snapshot = Snapshot::read(&path);
	println!(
		"state of block #{} (spec {}): {} keys, {} child tries",
		snapshot.number,
		snapshot.spec_version,
		snapshot.top.len(),
		snapshot.children.len()
	);
	externalities(&snapshot).execute_with(|| {
		// The state as it is: every invariant holds.
		AllPalletsWithSystem::try_state(snapshot.number, TryStateSelect::All)
			.expect("try_state of the live state");

		// As a chain from before the bond floor could be: zero minimums, which the multi-block
		// migration raises. The upgrade runs the single-block migrations and every pallet's
		// hook with their pre- and post-upgrade checks, then try_state.
		MinValidatorBond::<Runtime>::put(0);
		MinRoleBond::<Runtime>::insert(Role::StorageProvider, 0);
		Executive::try_runtime_upgrade(UpgradeCheckSelect::All).expect("the upgrade's checks pass");

		// The multi-block migrations, a block at a time, each step with its checks.
		let mut blocks = 0;
		while MultiBlockMigrations::ongoing() {
			blocks += 1;
			assert!(blocks <= 100, "the multi-block migrations took more than 100 blocks");
			System::set_block_number(snapshot.number + blocks);
			MultiBlockMigrations::step();
		}
		assert_eq!(MinValidatorBond::<Runtime>::get(), ZG);
		assert_eq!(MinRoleBond::<Runtime>::get(Role::StorageProvider), ZG);
		println!("multi-block migrations done in {blocks} block(s)");
		AllPalletsWithSystem::try_state(snapshot.number + blocks, TryStateSelect::All)
			.expect("try_state after the migrations");
	});
}
