//! The worker's built-in `zg-tiny-gpt` engine (its source files, compiled here as they are) and
//! the same model written with candle ([`candle_gpt`]), for the logits test and the benchmark.
//!
//! The engine's files name their crates (`zg_compute_engine`, `zg_primitives`); both names
//! are this crate here, which provides what the files use of them.

extern crate self as zg_compute_engine;
extern crate self as zg_primitives;

#[path = "../../engine/src/chat.rs"]
mod chat;
pub use chat::*;
#[path = "../../engine/src/engine.rs"]
mod engine;
pub use engine::*;
#[path = "../../engine/src/kernels.rs"]
pub mod kernels;
#[path = "../../engine-det/src/gpt.rs"]
pub mod gpt;
#[path = "../../engine-det/src/generation.rs"]
mod generation;
#[path = "../../engine-det/src/tokenizer.rs"]
pub mod tokenizer;

/// What the engine uses of `zg_primitives::compute`.
pub mod compute {
	/// Why a job is refused (the chain's type, reduced to what the engine names).
	#[derive(Clone, Copy, Debug, PartialEq, Eq)]
	pub enum Refusal {
		/// The input is longer than the model's context.
		ContextTooLong,
	}
}

pub mod candle_gpt;
