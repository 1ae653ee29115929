//! Tests of the beacon on a mock runtime whose source returns a hash of the parent block's
//! number and a seed the tests set.

use crate::{self as pallet_zg_beacon, *};
use frame_support::{derive_impl, parameter_types, traits::ConstU32};
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Beacon: pallet_zg_beacon,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

parameter_types! {
	pub static Seed: u64 = 0;
}

/// Like BABE's parent-block randomness: the output of the parent block, and its number.
pub struct ParentOutput;
impl Randomness<H256, u64> for ParentOutput {
	fn random(subject: &[u8]) -> (H256, u64) {
		let parent = System::block_number().saturating_sub(1);
		(sp_io::hashing::blake2_256(&(Seed::get(), subject, parent).encode()).into(), parent)
	}
}

impl Config for Test {
	type Source = ParentOutput;
	type History = ConstU32<8>;
	type Depth = ConstU32<2>;
	type WeightInfo = ();
}

pub fn new_test_ext() -> sp_io::TestExternalities {
	let storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

fn run_to(n: u64) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Beacon::on_initialize(next);
		Beacon::do_try_state().unwrap();
	}
}

#[test]
fn a_seed_exists_only_after_the_blocks_it_mixes() {
	new_test_ext().execute_with(|| {
		// A request in block 5.
		run_to(5);
		assert_eq!(Beacon::ready_at(5), 8);
		assert_eq!(Beacon::seed_after(b"x", 5), None);
		run_to(7);
		// Block 7 recorded block 6's output; block 7's own comes in block 8.
		assert_eq!(Beacon::seed_after(b"x", 5), None);
		run_to(8);
		let seed = Beacon::seed_after(b"x", 5).expect("ready at block 8");
		assert_ne!(Beacon::seed_after(b"y", 5), Some(seed), "the subject is mixed in");
		assert_eq!(Beacon::latest(), 5);
		// It stays the same while it is kept, then it is gone.
		run_to(5 + 8 + 1);
		assert_eq!(Beacon::seed_after(b"x", 5), Some(seed));
		assert_eq!(Beacon::ready_at(5) + Beacon::retention(), 14);
		run_to(15);
		assert_eq!(Beacon::seed_after(b"x", 5), None);
	});
}

#[test]
fn the_seed_is_made_of_the_later_blocks_only() {
	// The seed after block 5 depends on the outputs of blocks 6 and 7, not on what came
	// before: changing the source's seed only from block 6 on changes it.
	let seed_with = |change_at: u64| {
		let mut out = None;
		new_test_ext().execute_with(|| {
			Seed::set(0);
			run_to(change_at);
			Seed::set(1);
			run_to(9);
			out = Beacon::seed_after(b"x", 5);
			Seed::set(0);
		});
		out.unwrap()
	};
	// Outputs up to block 5 differ (blocks 2..=5 recorded with another seed): same seed.
	assert_eq!(seed_with(3), seed_with(6));
	// Block 6's output (recorded in block 7) differs: another seed.
	assert_ne!(seed_with(6), seed_with(7));
}
