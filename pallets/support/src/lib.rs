//! # Machinery the 0G service pallets share
//!
//! Storage, compute and (later) DA hold money for work that is done over time and decide on
//! deadlines. The mechanisms they have in common are written here once:
//!
//! - [`deadlines`]: a deadline queue that never refuses an item and is worked off by a hook
//!   within a weight budget, carrying over what does not fit;
//! - [`stream`]: escrow released linearly over a lifetime, and only up to the last proof of
//!   the work (proof before pay).
//!
//! Randomness that nobody can see in advance is the beacon pallet's, reached through
//! [`zg_primitives::randomness::RandomnessBeacon`].

#![cfg_attr(not(feature = "std"), no_std)]

pub mod deadlines;
pub mod stream;

#[cfg(test)]
mod tests;
