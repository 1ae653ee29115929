//! The inference engine trait. The built-in backend runs a small transformer on the CPU (a
//! CUDA path will follow behind the same trait); the forwarding backend sends requests to an
//! OpenAI-compatible server that the provider already runs (vLLM, llama.cpp server).
//!
//! The trait and its types are at the crate root; [`kernels`] holds the CPU kernels with a
//! fixed summation order that the built-in engines (`zg-engine-det`, `zg-engine-bert`) share;
//! [`request`] reads and checks the OpenAI requests a worker hands an engine.

mod chat;
mod engine;
pub mod kernels;
pub mod request;

pub use chat::*;
pub use engine::*;
