//! # 0G randomness beacon
//!
//! Every service draw of the 0G chain (which providers store a new file's shards, which chunk a
//! challenge asks for, which verifiers decide a dispute, later which signers form a DA
//! committee) must use randomness that nobody who profits from the outcome knew when the
//! request was made. This pallet provides it through
//! [`zg_primitives::randomness::RandomnessBeacon`]:
//!
//! - in each block's `on_initialize` it records the randomness of the parent block from
//!   [`Config::Source`] (BABE's VRF output in the runtime) in a ring buffer of
//!   [`Config::History`] blocks ([`Outputs`]);
//! - [`RandomnessBeacon::seed_after`]`(subject, n)` hashes together the outputs of the
//!   [`Config::Depth`] blocks *after* `n` with the subject. A request included in block `n`
//!   is resolved from block [`RandomnessBeacon::ready_at`]`(n) = n + Depth + 1` on.
//!
//! ## What remains to trust
//!
//! A BABE VRF output is known to the author of its slot ahead of time (it depends on the
//! epoch randomness and the slot number), and an author may choose not to publish its block.
//! Mixing `Depth` consecutive blocks means that only an attacker who authors every one of
//! them knows the seed before it is drawn, and withholding blocks only lets it choose among
//! the seeds of the slots it skips. The testnet mixes two blocks (`Depth` = 2).

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod tests;
pub mod weights;

use codec::Encode;
use frame_support::{pallet_prelude::*, traits::Randomness};
use frame_system::pallet_prelude::*;
use sp_core::H256;
use sp_runtime::traits::{Saturating, UniqueSaturatedInto};
use zg_primitives::randomness::RandomnessBeacon;

#[frame_support::pallet]
pub mod pallet {
	use super::*;

	#[pallet::config]
	pub trait Config: frame_system::Config<Hash = H256> {
		/// The randomness of the parent block: BABE's VRF output in the runtime. It returns the
		/// output and the block it belongs to.
		type Source: Randomness<H256, BlockNumberFor<Self>>;
		/// Blocks whose outputs are kept: a seed stays available for `History − Depth` blocks
		/// after it becomes ready.
		#[pallet::constant]
		type History: Get<u32>;
		/// Blocks mixed into every seed.
		#[pallet::constant]
		type Depth: Get<u32>;
		/// Weights.
		type WeightInfo: WeightInfo;
	}

	/// The in-code storage version: the layout of the first release (a migration bumps it).
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// The output of block `b`, at slot `b mod History`, with the block it belongs to.
	#[pallet::storage]
	pub type Outputs<T: Config> =
		StorageMap<_, Twox64Concat, u32, (BlockNumberFor<T>, H256), OptionQuery>;

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(_n: BlockNumberFor<T>) -> Weight {
			Self::record();
			T::WeightInfo::on_initialize()
		}

		fn integrity_test() {
			assert!(T::Depth::get() >= 1, "a seed mixes at least one block");
			assert!(T::History::get() > T::Depth::get(), "the history must hold a whole seed");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}
}

impl<T: Config> Pallet<T> {
	fn slot(block: BlockNumberFor<T>) -> u32 {
		let block: u64 = block.unique_saturated_into();
		(block % T::History::get().max(1) as u64) as u32
	}

	/// Records the source's output for the block it belongs to.
	fn record() {
		let (output, block) = T::Source::random(b"zg/beacon");
		Outputs::<T>::insert(Self::slot(block), (block, output));
	}

	/// The recorded output of `block`, if it is still in the history.
	pub fn output(block: BlockNumberFor<T>) -> Option<H256> {
		Outputs::<T>::get(Self::slot(block)).filter(|(b, _)| *b == block).map(|(_, o)| o)
	}

	/// Checks that every recorded output sits at its block's slot.
	#[cfg(any(feature = "try-runtime", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		for (slot, (block, _)) in Outputs::<T>::iter() {
			ensure!(Self::slot(block) == slot, "an output is at the wrong slot");
		}
		Ok(())
	}
}

impl<T: Config> RandomnessBeacon<BlockNumberFor<T>> for Pallet<T> {
	fn seed_after(subject: &[u8], after: BlockNumberFor<T>) -> Option<H256> {
		let mut input = (b"zg/beacon-seed", subject).encode();
		let mut block = after;
		for _ in 0..T::Depth::get() {
			block = block.saturating_add(1u32.into());
			input.extend_from_slice(Self::output(block)?.as_bytes());
		}
		Some(sp_io::hashing::blake2_256(&input).into())
	}

	fn ready_at(after: BlockNumberFor<T>) -> BlockNumberFor<T> {
		after.saturating_add(T::Depth::get().saturating_add(1).into())
	}

	fn latest() -> BlockNumberFor<T> {
		frame_system::Pallet::<T>::block_number()
			.saturating_sub(T::Depth::get().saturating_add(1).into())
	}

	fn retention() -> BlockNumberFor<T> {
		// The output of block `b` is recorded in block `b + 1` and overwritten in block
		// `b + 1 + History`: the seed after `n` (outputs `n + 1 ..= n + Depth`) can be read in
		// blocks `n + Depth + 1 ..= n + History + 1`.
		T::History::get().saturating_sub(T::Depth::get()).into()
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn bench_fill() {
		let now = frame_system::Pallet::<T>::block_number();
		let mut block = now.saturating_sub(T::History::get().saturating_sub(1).into());
		while block < now {
			let output: H256 = sp_io::hashing::blake2_256(&block.encode()).into();
			Outputs::<T>::insert(Self::slot(block), (block, output));
			block = block.saturating_add(1u32.into());
		}
	}
}
