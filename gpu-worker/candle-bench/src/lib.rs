//! The worker's built-in `zg-tiny-gpt` engine (its source files, compiled here as they are) and
//! the same model written with candle ([`candle_gpt`]), for the logits test and the benchmark.

#[path = "../../src/compute/engine.rs"]
pub mod engine;
#[path = "../../src/compute/gpt.rs"]
pub mod gpt;
#[path = "../../src/compute/kernels.rs"]
pub mod kernels;
#[path = "../../src/compute/tokenizer.rs"]
pub mod tokenizer;

pub mod candle_gpt;
