//! # The compute provider's side of the market
//!
//! What a compute provider's worker does between its users, its engines and the chain, with
//! no HTTP in it (the worker's HTTP layer, `zg-worker-http`, maps these calls and their
//! errors to the OpenAI API and to the node's private routes):
//!
//! - [`ComputeState::authenticate`]: an API key is a spending capability signed by its user
//!   (`zgcap_…`, [`zg_primitives::compute::encode_api_key`]); it is accepted if it names this
//!   provider and this chain, has not expired (with a margin of
//!   [`ComputeConfig::expiry_margin`] blocks), does not expire later than the chain would
//!   settle it, and its signature is the user's.
//! - [`ComputeState::admit`]: the model's engine is found and the request's largest possible
//!   cost reserved under the key ([`meter`]); [`Admitted::generate`] then runs the engine, charges
//!   the tokens it reports and returns what is left under the key.
//! - [`ComputeState::run_job`]: the jobs of the node's offchain worker, run in the background,
//!   deterministically; an answer or a deterministic refusal every honest worker reproduces.
//! - [`metrics`]: what the worker counts, for Prometheus.

pub mod jobs;
pub mod meter;
pub mod metrics;
mod service;

pub use jobs::{FetchError, FetchFn, JobAnswer, FAULT_SUFFIX};
pub use meter::{
	Budget, BudgetFn, Grant, Meter, MeterError, Prices, Reservation, SettleFn, Unsettled,
};
pub use service::{
	expiry_margin, Admitted, Charge, ComputeConfig, ComputeError, ComputeState, Deadline,
};

/// An account on chain (its 32-byte public key).
pub type Account = [u8; 32];
