// This file is part of the 0G chain (Apache-2.0).

//! Weights for `pallet_zg_da`: PROVISIONAL, written by hand with wide margins until
//! `scripts/benchmark.sh pallet_zg_da` generates them from the benchmarks of
//! `benchmarking.rs` (which run in the pallet's tests).

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use frame_support::{traits::Get, weights::{Weight, constants::ParityDbWeight}};
use core::marker::PhantomData;

/// Weight functions needed for `pallet_zg_da`.
pub trait WeightInfo {
	fn register_signer() -> Weight;
	fn deregister_signer() -> Weight;
	fn submit_blob() -> Weight;
	fn attest(n: u32) -> Weight;
	fn challenge() -> Weight;
	fn answer_challenge() -> Weight;
	fn report_bad_encoding(k: u32) -> Weight;
	fn report_bad_line(k: u32) -> Weight;
	fn slash_attesters(m: u32) -> Weight;
	fn set_params() -> Weight;
	fn on_initialize_base() -> Weight;
	fn epoch_snapshot(s: u32) -> Weight;
	fn epoch_draw(c: u32, s: u32) -> Weight;
	fn task_fail(m: u32) -> Weight;
	fn task_expire(m: u32) -> Weight;
	fn task_challenge() -> Weight;
	fn task_forget(m: u32) -> Weight;
	fn random_challenges(r: u32) -> Weight;
}

/// Weights for `pallet_zg_da` with the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn register_signer() -> Weight {
		Weight::from_parts(5_000_000_000, 20_000)
			.saturating_add(T::DbWeight::get().reads_writes(130, 130))
	}
	fn deregister_signer() -> Weight {
		Weight::from_parts(2_000_000_000, 20_000)
			.saturating_add(T::DbWeight::get().reads_writes(2, 2))
	}
	fn submit_blob() -> Weight {
		Weight::from_parts(200_000_000, 20_000)
			.saturating_add(T::DbWeight::get().reads_writes(6, 6))
	}
	fn attest(n: u32) -> Weight {
		Weight::from_parts(500_000_000, 20_000)
			.saturating_add(Weight::from_parts(200_000_000, 3_000).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads_writes(2, 2).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads_writes(6, 6))
	}
	fn challenge() -> Weight {
		Weight::from_parts(1_000_000_000, 20_000)
			.saturating_add(T::DbWeight::get().reads_writes(8, 6))
	}
	fn answer_challenge() -> Weight {
		Weight::from_parts(500_000_000, 20_000)
			.saturating_add(T::DbWeight::get().reads_writes(4, 4))
	}
	fn report_bad_encoding(k: u32) -> Weight {
		Weight::from_parts(2_000_000_000, 20_000)
			.saturating_add(Weight::from_parts(400_000_000, 3_000).saturating_mul(k.into()))
			.saturating_add(T::DbWeight::get().reads_writes(2, 2).saturating_mul(k.into()))
			.saturating_add(T::DbWeight::get().reads_writes(6, 6))
	}
	fn report_bad_line(k: u32) -> Weight {
		Weight::from_parts(2_000_000_000, 20_000)
			.saturating_add(Weight::from_parts(400_000_000, 3_000).saturating_mul(k.into()))
			.saturating_add(T::DbWeight::get().reads_writes(6, 6))
	}
	fn slash_attesters(m: u32) -> Weight {
		Weight::from_parts(100_000_000, 20_000)
			.saturating_add(Weight::from_parts(300_000_000, 3_000).saturating_mul(m.into()))
			.saturating_add(T::DbWeight::get().reads_writes(4, 4).saturating_mul(m.into()))
			.saturating_add(T::DbWeight::get().reads_writes(2, 2))
	}
	fn set_params() -> Weight {
		Weight::from_parts(50_000_000, 20_000)
			.saturating_add(T::DbWeight::get().reads_writes(0, 1))
	}
	fn on_initialize_base() -> Weight {
		Weight::from_parts(50_000_000, 20_000)
			.saturating_add(T::DbWeight::get().reads_writes(4, 2))
	}
	fn epoch_snapshot(s: u32) -> Weight {
		Weight::from_parts(500_000_000, 20_000)
			.saturating_add(Weight::from_parts(100_000_000, 3_000).saturating_mul(s.into()))
			.saturating_add(T::DbWeight::get().reads_writes(2, 2).saturating_mul(s.into()))
			.saturating_add(T::DbWeight::get().reads_writes(2, 2))
	}
	fn epoch_draw(c: u32, s: u32) -> Weight {
		Weight::from_parts(1_000_000_000, 20_000)
			.saturating_add(Weight::from_parts(100_000_000, 3_000).saturating_mul(c.into()))
			.saturating_add(T::DbWeight::get().reads_writes(2, 2).saturating_mul(c.into()))
			.saturating_add(Weight::from_parts(100_000_000, 3_000).saturating_mul(s.into()))
			.saturating_add(T::DbWeight::get().reads_writes(2, 2).saturating_mul(s.into()))
			.saturating_add(T::DbWeight::get().reads_writes(4, 4))
	}
	fn task_fail(m: u32) -> Weight {
		Weight::from_parts(500_000_000, 20_000)
			.saturating_add(Weight::from_parts(50_000_000, 3_000).saturating_mul(m.into()))
			.saturating_add(T::DbWeight::get().reads_writes(2, 2).saturating_mul(m.into()))
			.saturating_add(T::DbWeight::get().reads_writes(8, 8))
	}
	fn task_expire(m: u32) -> Weight {
		Weight::from_parts(500_000_000, 20_000)
			.saturating_add(Weight::from_parts(150_000_000, 3_000).saturating_mul(m.into()))
			.saturating_add(T::DbWeight::get().reads_writes(2, 2).saturating_mul(m.into()))
			.saturating_add(T::DbWeight::get().reads_writes(8, 8))
	}
	fn task_challenge() -> Weight {
		Weight::from_parts(500_000_000, 20_000)
			.saturating_add(T::DbWeight::get().reads_writes(8, 8))
	}
	fn task_forget(m: u32) -> Weight {
		Weight::from_parts(200_000_000, 20_000)
			.saturating_add(Weight::from_parts(50_000_000, 3_000).saturating_mul(m.into()))
			.saturating_add(T::DbWeight::get().reads_writes(2, 2).saturating_mul(m.into()))
			.saturating_add(T::DbWeight::get().reads_writes(4, 4))
	}
	fn random_challenges(r: u32) -> Weight {
		Weight::from_parts(500_000_000, 20_000)
			.saturating_add(Weight::from_parts(1_000_000_000, 3_000).saturating_mul(r.into()))
			.saturating_add(T::DbWeight::get().reads_writes(2, 2).saturating_mul(r.into()))
			.saturating_add(T::DbWeight::get().reads_writes(4, 4))
	}
}

/// The same weights with ParityDB's read and write costs, for tests.
impl WeightInfo for () {
	fn register_signer() -> Weight {
		Weight::from_parts(5_000_000_000, 20_000)
			.saturating_add(ParityDbWeight::get().reads_writes(130, 130))
	}
	fn deregister_signer() -> Weight {
		Weight::from_parts(2_000_000_000, 20_000)
			.saturating_add(ParityDbWeight::get().reads_writes(2, 2))
	}
	fn submit_blob() -> Weight {
		Weight::from_parts(200_000_000, 20_000)
			.saturating_add(ParityDbWeight::get().reads_writes(6, 6))
	}
	fn attest(n: u32) -> Weight {
		Weight::from_parts(500_000_000, 20_000)
			.saturating_add(Weight::from_parts(200_000_000, 3_000).saturating_mul(n.into()))
			.saturating_add(ParityDbWeight::get().reads_writes(2, 2).saturating_mul(n.into()))
			.saturating_add(ParityDbWeight::get().reads_writes(6, 6))
	}
	fn challenge() -> Weight {
		Weight::from_parts(1_000_000_000, 20_000)
			.saturating_add(ParityDbWeight::get().reads_writes(8, 6))
	}
	fn answer_challenge() -> Weight {
		Weight::from_parts(500_000_000, 20_000)
			.saturating_add(ParityDbWeight::get().reads_writes(4, 4))
	}
	fn report_bad_encoding(k: u32) -> Weight {
		Weight::from_parts(2_000_000_000, 20_000)
			.saturating_add(Weight::from_parts(400_000_000, 3_000).saturating_mul(k.into()))
			.saturating_add(ParityDbWeight::get().reads_writes(2, 2).saturating_mul(k.into()))
			.saturating_add(ParityDbWeight::get().reads_writes(6, 6))
	}
	fn report_bad_line(k: u32) -> Weight {
		Weight::from_parts(2_000_000_000, 20_000)
			.saturating_add(Weight::from_parts(400_000_000, 3_000).saturating_mul(k.into()))
			.saturating_add(ParityDbWeight::get().reads_writes(6, 6))
	}
	fn slash_attesters(m: u32) -> Weight {
		Weight::from_parts(100_000_000, 20_000)
			.saturating_add(Weight::from_parts(300_000_000, 3_000).saturating_mul(m.into()))
			.saturating_add(ParityDbWeight::get().reads_writes(4, 4).saturating_mul(m.into()))
			.saturating_add(ParityDbWeight::get().reads_writes(2, 2))
	}
	fn set_params() -> Weight {
		Weight::from_parts(50_000_000, 20_000)
			.saturating_add(ParityDbWeight::get().reads_writes(0, 1))
	}
	fn on_initialize_base() -> Weight {
		Weight::from_parts(50_000_000, 20_000)
			.saturating_add(ParityDbWeight::get().reads_writes(4, 2))
	}
	fn epoch_snapshot(s: u32) -> Weight {
		Weight::from_parts(500_000_000, 20_000)
			.saturating_add(Weight::from_parts(100_000_000, 3_000).saturating_mul(s.into()))
			.saturating_add(ParityDbWeight::get().reads_writes(2, 2).saturating_mul(s.into()))
			.saturating_add(ParityDbWeight::get().reads_writes(2, 2))
	}
	fn epoch_draw(c: u32, s: u32) -> Weight {
		Weight::from_parts(1_000_000_000, 20_000)
			.saturating_add(Weight::from_parts(100_000_000, 3_000).saturating_mul(c.into()))
			.saturating_add(ParityDbWeight::get().reads_writes(2, 2).saturating_mul(c.into()))
			.saturating_add(Weight::from_parts(100_000_000, 3_000).saturating_mul(s.into()))
			.saturating_add(ParityDbWeight::get().reads_writes(2, 2).saturating_mul(s.into()))
			.saturating_add(ParityDbWeight::get().reads_writes(4, 4))
	}
	fn task_fail(m: u32) -> Weight {
		Weight::from_parts(500_000_000, 20_000)
			.saturating_add(Weight::from_parts(50_000_000, 3_000).saturating_mul(m.into()))
			.saturating_add(ParityDbWeight::get().reads_writes(2, 2).saturating_mul(m.into()))
			.saturating_add(ParityDbWeight::get().reads_writes(8, 8))
	}
	fn task_expire(m: u32) -> Weight {
		Weight::from_parts(500_000_000, 20_000)
			.saturating_add(Weight::from_parts(150_000_000, 3_000).saturating_mul(m.into()))
			.saturating_add(ParityDbWeight::get().reads_writes(2, 2).saturating_mul(m.into()))
			.saturating_add(ParityDbWeight::get().reads_writes(8, 8))
	}
	fn task_challenge() -> Weight {
		Weight::from_parts(500_000_000, 20_000)
			.saturating_add(ParityDbWeight::get().reads_writes(8, 8))
	}
	fn task_forget(m: u32) -> Weight {
		Weight::from_parts(200_000_000, 20_000)
			.saturating_add(Weight::from_parts(50_000_000, 3_000).saturating_mul(m.into()))
			.saturating_add(ParityDbWeight::get().reads_writes(2, 2).saturating_mul(m.into()))
			.saturating_add(ParityDbWeight::get().reads_writes(4, 4))
	}
	fn random_challenges(r: u32) -> Weight {
		Weight::from_parts(500_000_000, 20_000)
			.saturating_add(Weight::from_parts(1_000_000_000, 3_000).saturating_mul(r.into()))
			.saturating_add(ParityDbWeight::get().reads_writes(2, 2).saturating_mul(r.into()))
			.saturating_add(ParityDbWeight::get().reads_writes(4, 4))
	}
}
