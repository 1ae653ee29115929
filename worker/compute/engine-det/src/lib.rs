//! # The deterministic engine
//!
//! Transformers in pure Rust whose greedy output is the same bytes on every x86-64 machine, so
//! that a compute job can be checked by running it again (the chain's disputes do exactly
//! that), on the kernels of `zg_compute_engine::kernels` (fixed summation order, no fused
//! multiply-add, `libm`'s transcendental functions):
//!
//! - `zg-tiny-gpt` ([`gpt`]): a small GPT-2-style model with seeded weights; its tokens are
//!   bytes ([`tokenizer`]).
//! - Llama-architecture models from GGUF files ([`llama`], read by [`gguf`]; byte-level BPE
//!   tokens, [`bpe`]), such as SmolLM2-135M-Instruct: real text, verifiable.

pub mod bpe;
mod generation;
pub mod gguf;
pub mod gpt;
pub mod llama;
pub mod tokenizer;

pub use gpt::{content_hash, generate_model, GptConfig, GptModel, SplitMix64};
pub use llama::{LlamaConfig, LlamaModel};
