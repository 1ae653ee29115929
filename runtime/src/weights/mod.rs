// This file is part of the 0G chain (Apache-2.0).

//! Weights measured on the project's 2-core development machine by `scripts/benchmark.sh`, for
//! the FRAME pallets whose costs bound how many transactions fit in a block (a balance transfer
//! pays for the call, every transaction extension and the extrinsic base), and the base weights
//! of a block and of an extrinsic (`zg-node benchmark overhead`). Our own pallets keep theirs in
//! their crates (`pallets/*/src/weights.rs`). Figures and their effect: docs/performance.md.

pub mod block_weights;
pub mod extrinsic_weights;
pub mod frame_system;
pub mod frame_system_extensions;
pub mod pallet_balances;
pub mod pallet_timestamp;
pub mod pallet_transaction_payment;
pub mod pallet_utility;

pub use block_weights::BlockExecutionWeight;
pub use extrinsic_weights::ExtrinsicBaseWeight;
