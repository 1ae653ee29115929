//! The compute role of the worker: an inference engine behind one trait ([`engine::Engine`]),
//! the OpenAI-compatible HTTP API in front of it, and the job runner that the node's offchain
//! worker calls (`POST /compute/run`) to answer jobs and to verify disputed ones.

pub mod api;
pub mod bert;
pub mod engine;
pub mod forward;
pub mod gpt;
pub mod kernels;
pub mod meter;
pub mod metrics;
pub mod tokenizer;
pub mod wordpiece;
