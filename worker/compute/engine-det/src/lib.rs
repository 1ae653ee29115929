//! # The deterministic engine
//!
//! `zg-tiny-gpt` ([`gpt`]): a small GPT-2-style transformer in pure Rust whose greedy output is
//! the same bytes on every x86-64 machine, so that a compute job can be checked by running it
//! again (the chain's disputes do exactly that). Its tokens are bytes ([`tokenizer`]); its
//! arithmetic is specified in [`gpt`] (fixed summation order, no fused multiply-add) on the
//! kernels of `zg_compute_engine::kernels`.

pub mod gpt;
pub mod tokenizer;

pub use gpt::{content_hash, generate_model, GptConfig, GptModel, SplitMix64};
