//! `zg-model`: makes model files for the worker's built-in engine.
//!
//! `zg-model tiny --seed 42 --out tiny.safetensors` writes a `zg-tiny-gpt` model with seeded
//! weights (the same seed and shape always give the same bytes) and prints the file's path,
//! size and BLAKE2b-256 content hash. `small` is the benchmark preset; `--layers`,
//! `--d-model`, `--heads`, `--d-ff`, `--max-seq` and `--vocab` override the preset.

use std::path::PathBuf;

use anyhow::{anyhow, Context, Result};
use clap::Parser;
use zg_engine_det::gpt::{content_hash, generate_model, GptConfig, GptModel};

/// Make a seeded `zg-tiny-gpt` model file.
#[derive(Parser, Debug)]
#[command(name = "zg-model", version, about)]
struct Cli {
	/// The preset: `tiny` (2 layers, d_model 64) or `small` (6 layers, d_model 256).
	preset: String,
	/// The seed of the weights.
	#[arg(long, default_value_t = 42)]
	seed: u64,
	/// Where to write the file.
	#[arg(long)]
	out: PathBuf,
	/// Number of transformer blocks.
	#[arg(long)]
	layers: Option<usize>,
	/// Width of the residual stream.
	#[arg(long)]
	d_model: Option<usize>,
	/// Attention heads (must divide d_model).
	#[arg(long)]
	heads: Option<usize>,
	/// Width of the MLP's hidden layer.
	#[arg(long)]
	d_ff: Option<usize>,
	/// Context length.
	#[arg(long)]
	max_seq: Option<usize>,
	/// Vocabulary size (at least 258).
	#[arg(long)]
	vocab: Option<usize>,
}

fn main() -> Result<()> {
	let cli = Cli::parse();
	let mut config = GptConfig::preset(&cli.preset)
		.ok_or_else(|| anyhow!("unknown preset {:?} (tiny, small)", cli.preset))?;
	config.n_layers = cli.layers.unwrap_or(config.n_layers);
	config.d_model = cli.d_model.unwrap_or(config.d_model);
	config.n_heads = cli.heads.unwrap_or(config.n_heads);
	config.d_ff = cli.d_ff.unwrap_or(config.d_ff);
	config.max_seq = cli.max_seq.unwrap_or(config.max_seq);
	config.vocab_size = cli.vocab.unwrap_or(config.vocab_size);
	let bytes = generate_model(cli.seed, &config)?;
	// Check that the file loads before writing it.
	GptModel::from_bytes(&bytes).context("the generated model does not load")?;
	std::fs::write(&cli.out, &bytes).with_context(|| format!("writing {}", cli.out.display()))?;
	println!("path: {}", cli.out.display());
	println!("size: {} bytes", bytes.len());
	println!("params: {}", config.n_params());
	println!("config: {config:?}");
	println!("blake2b-256: {}", hex::encode(content_hash(&bytes)));
	Ok(())
}
