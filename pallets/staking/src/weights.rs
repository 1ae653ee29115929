//! Weights of `pallet-zg-staking`.
//!
//! Placeholder until generated: `scripts/benchmark.sh` overwrites this file with the output of
//! `zg-node benchmark pallet`.

#![allow(unused_parens, unused_imports, missing_docs)]

use core::marker::PhantomData;
use frame_support::{
	traits::Get,
	weights::{constants::RocksDbWeight, Weight},
};

/// Weight functions of `pallet-zg-staking`.
pub trait WeightInfo {
	fn bond() -> Weight;
	fn bond_extra() -> Weight;
	fn unbond() -> Weight;
	fn withdraw_unbonded() -> Weight;
	fn rebond() -> Weight;
	fn validate() -> Weight;
	fn chill() -> Weight;
	fn delegate(n: u32) -> Weight;
	fn register_role() -> Weight;
	fn unregister_role() -> Weight;
	fn payout_stakers(n: u32) -> Weight;
	fn set_config() -> Weight;
	fn set_min_role_bond() -> Weight;
	fn cancel_deferred_slash(s: u32) -> Weight;
	fn plan_era(c: u32, b: u32) -> Weight;
	fn end_era(v: u32) -> Weight;
	fn start_era(s: u32) -> Weight;
	fn on_offence(o: u32) -> Weight;
}

/// Weights for the runtime (to be generated).
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn bond() -> Weight {
		T::DbWeight::get().reads_writes(1, 1)
	}
	fn bond_extra() -> Weight {
		T::DbWeight::get().reads_writes(1, 1)
	}
	fn unbond() -> Weight {
		T::DbWeight::get().reads_writes(1, 1)
	}
	fn withdraw_unbonded() -> Weight {
		T::DbWeight::get().reads_writes(1, 1)
	}
	fn rebond() -> Weight {
		T::DbWeight::get().reads_writes(1, 1)
	}
	fn validate() -> Weight {
		T::DbWeight::get().reads_writes(1, 1)
	}
	fn chill() -> Weight {
		T::DbWeight::get().reads_writes(1, 1)
	}
	fn delegate(_n: u32) -> Weight {
		T::DbWeight::get().reads_writes(1, 1)
	}
	fn register_role() -> Weight {
		T::DbWeight::get().reads_writes(1, 1)
	}
	fn unregister_role() -> Weight {
		T::DbWeight::get().reads_writes(1, 1)
	}
	fn payout_stakers(_n: u32) -> Weight {
		T::DbWeight::get().reads_writes(1, 1)
	}
	fn set_config() -> Weight {
		T::DbWeight::get().reads_writes(1, 1)
	}
	fn set_min_role_bond() -> Weight {
		T::DbWeight::get().reads_writes(1, 1)
	}
	fn cancel_deferred_slash(_s: u32) -> Weight {
		T::DbWeight::get().reads_writes(1, 1)
	}
	fn plan_era(_c: u32, _b: u32) -> Weight {
		T::DbWeight::get().reads_writes(1, 1)
	}
	fn end_era(_v: u32) -> Weight {
		T::DbWeight::get().reads_writes(1, 1)
	}
	fn start_era(_s: u32) -> Weight {
		T::DbWeight::get().reads_writes(1, 1)
	}
	fn on_offence(_o: u32) -> Weight {
		T::DbWeight::get().reads_writes(1, 1)
	}
}

/// Weights for tests: every call costs one read and one write.
impl WeightInfo for () {
	fn bond() -> Weight {
		RocksDbWeight::get().reads_writes(1, 1)
	}
	fn bond_extra() -> Weight {
		RocksDbWeight::get().reads_writes(1, 1)
	}
	fn unbond() -> Weight {
		RocksDbWeight::get().reads_writes(1, 1)
	}
	fn withdraw_unbonded() -> Weight {
		RocksDbWeight::get().reads_writes(1, 1)
	}
	fn rebond() -> Weight {
		RocksDbWeight::get().reads_writes(1, 1)
	}
	fn validate() -> Weight {
		RocksDbWeight::get().reads_writes(1, 1)
	}
	fn chill() -> Weight {
		RocksDbWeight::get().reads_writes(1, 1)
	}
	fn delegate(_n: u32) -> Weight {
		RocksDbWeight::get().reads_writes(1, 1)
	}
	fn register_role() -> Weight {
		RocksDbWeight::get().reads_writes(1, 1)
	}
	fn unregister_role() -> Weight {
		RocksDbWeight::get().reads_writes(1, 1)
	}
	fn payout_stakers(_n: u32) -> Weight {
		RocksDbWeight::get().reads_writes(1, 1)
	}
	fn set_config() -> Weight {
		RocksDbWeight::get().reads_writes(1, 1)
	}
	fn set_min_role_bond() -> Weight {
		RocksDbWeight::get().reads_writes(1, 1)
	}
	fn cancel_deferred_slash(_s: u32) -> Weight {
		RocksDbWeight::get().reads_writes(1, 1)
	}
	fn plan_era(_c: u32, _b: u32) -> Weight {
		RocksDbWeight::get().reads_writes(1, 1)
	}
	fn end_era(_v: u32) -> Weight {
		RocksDbWeight::get().reads_writes(1, 1)
	}
	fn start_era(_s: u32) -> Weight {
		RocksDbWeight::get().reads_writes(1, 1)
	}
	fn on_offence(_o: u32) -> Weight {
		RocksDbWeight::get().reads_writes(1, 1)
	}
}
