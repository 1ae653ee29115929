//! A BERT encoder for sentence embeddings (e.g. sentence-transformers' `all-MiniLM-L6-v2`),
//! in pure Rust on the CPU.
//!
//! The architecture is Hugging Face's `BertModel`: word, position and token-type embeddings
//! summed and LayerNormed, then `num_hidden_layers` post-LayerNorm blocks (bidirectional
//! multi-head self-attention under an attention mask, then a GELU (erf form) MLP, each added
//! to the residual stream and LayerNormed). [`Engine::embed`] tokenizes with
//! [`WordPiece`], runs the encoder, mean-pools the last hidden states over the tokens and
//! L2-normalises the mean, as the sentence-transformers pipeline of `all-MiniLM-L6-v2`
//! (Transformer, mean Pooling, Normalize) does.
//!
//! **Files.** A model is a directory as Hugging Face publishes it: `config.json`,
//! `vocab.txt` and `model.safetensors` (`F32`, `F16` or `BF16` tensors named
//! `embeddings.word_embeddings.weight`, `encoder.layer.0.attention.self.query.weight`, …, with
//! or without a `bert.` prefix). When present, `sentence_bert_config.json` gives the
//! token limit (`max_seq_length`) and `tokenizer_config.json` whether to lowercase
//! (`do_lower_case`); otherwise the limit is [`DEFAULT_MAX_TOKENS`] and text is lowercased.
//!
//! **Determinism.** As in `zg_engine_det::gpt`: every dot product keeps eight partial sums folded in
//! a fixed tree, other sums are sequential, and the AVX and baseline builds of the kernels
//! give the same bits; batches are embedded one input at a time (in parallel), so an
//! input's vector does not depend on the other inputs.

use std::{collections::HashMap, path::Path};

use anyhow::{anyhow, bail, Context, Result};
use rayon::prelude::*;

use crate::wordpiece::WordPiece;
use zg_compute_engine::{
	kernels::{f16_to_f32, softmax},
	Embeddings, Engine, GenerateParams, Generation,
};

/// The token limit when the directory has no `sentence_bert_config.json` (that of
/// `all-MiniLM-L6-v2`).
pub const DEFAULT_MAX_TOKENS: usize = 256;
/// The largest number of parameters a configuration may have.
pub const MAX_PARAMS: usize = 1 << 31;

/// The shape of a BERT model, from `config.json` (Hugging Face's names).
#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
pub struct BertConfig {
	/// Vocabulary size.
	pub vocab_size: usize,
	/// Width of the hidden states.
	pub hidden_size: usize,
	/// Encoder layers.
	pub num_hidden_layers: usize,
	/// Attention heads per layer; must divide `hidden_size`.
	pub num_attention_heads: usize,
	/// Width of the MLP's hidden layer.
	pub intermediate_size: usize,
	/// Positions the model has embeddings for.
	pub max_position_embeddings: usize,
	/// Token types (segments) the model has embeddings for.
	#[serde(default = "default_type_vocab_size")]
	pub type_vocab_size: usize,
	/// The LayerNorm epsilon.
	#[serde(default = "default_layer_norm_eps")]
	pub layer_norm_eps: f64,
	/// The activation of the MLP; only `gelu` (the erf form) is supported.
	#[serde(default = "default_hidden_act")]
	pub hidden_act: String,
	/// The kind of position embeddings; only `absolute` is supported.
	#[serde(default = "default_position_embedding_type")]
	pub position_embedding_type: String,
}

fn default_type_vocab_size() -> usize {
	2
}

fn default_layer_norm_eps() -> f64 {
	1e-12
}

fn default_hidden_act() -> String {
	"gelu".into()
}

fn default_position_embedding_type() -> String {
	"absolute".into()
}

impl BertConfig {
	/// Parses and validates the text of a `config.json`.
	pub fn from_json(text: &str) -> Result<Self> {
		let config: Self =
			serde_json::from_str(text).map_err(|e| anyhow!("bad config.json: {e}"))?;
		config.validate()?;
		Ok(config)
	}

	/// The width of one attention head.
	pub fn head_dim(&self) -> usize {
		self.hidden_size / self.num_attention_heads.max(1)
	}

	/// Checks that the configuration is usable: sizes positive, heads dividing the hidden
	/// size, a supported activation and position embedding, a sane epsilon, and at most
	/// [`MAX_PARAMS`] parameters.
	pub fn validate(&self) -> Result<()> {
		for (name, v) in [
			("vocab_size", self.vocab_size),
			("hidden_size", self.hidden_size),
			("num_hidden_layers", self.num_hidden_layers),
			("num_attention_heads", self.num_attention_heads),
			("intermediate_size", self.intermediate_size),
			("max_position_embeddings", self.max_position_embeddings),
			("type_vocab_size", self.type_vocab_size),
		] {
			if v == 0 || v > (1 << 24) {
				bail!("bad config.json: {name} = {v} (must be 1 ..= 2^24)");
			}
		}
		if !self.hidden_size.is_multiple_of(self.num_attention_heads) {
			bail!(
				"bad config.json: num_attention_heads = {} does not divide hidden_size = {}",
				self.num_attention_heads,
				self.hidden_size
			);
		}
		if self.hidden_act != "gelu" {
			bail!(
				"bad config.json: hidden_act {:?} is not supported (only \"gelu\")",
				self.hidden_act
			);
		}
		if self.position_embedding_type != "absolute" {
			bail!(
				"bad config.json: position_embedding_type {:?} is not supported (only \"absolute\")",
				self.position_embedding_type
			);
		}
		if !(self.layer_norm_eps.is_finite() && self.layer_norm_eps > 0.0) {
			bail!("bad config.json: layer_norm_eps = {} must be positive", self.layer_norm_eps);
		}
		match self.checked_params() {
			Some(n) if n <= MAX_PARAMS => Ok(()),
			_ => bail!("bad config.json: more than {MAX_PARAMS} parameters"),
		}
	}

	fn checked_params(&self) -> Option<usize> {
		self.tensor_shapes().iter().try_fold(0usize, |acc, (_, shape)| {
			acc.checked_add(shape.iter().try_fold(1usize, |p, &d| p.checked_mul(d))?)
		})
	}

	/// Every tensor the encoder uses, name (without prefix) and shape.
	pub fn tensor_shapes(&self) -> Vec<(String, Vec<usize>)> {
		let (d, f) = (self.hidden_size, self.intermediate_size);
		let mut t = vec![
			("embeddings.word_embeddings.weight".to_string(), vec![self.vocab_size, d]),
			("embeddings.position_embeddings.weight".into(), vec![self.max_position_embeddings, d]),
			("embeddings.token_type_embeddings.weight".into(), vec![self.type_vocab_size, d]),
			("embeddings.LayerNorm.weight".into(), vec![d]),
			("embeddings.LayerNorm.bias".into(), vec![d]),
		];
		for i in 0..self.num_hidden_layers {
			let p = |s: &str| format!("encoder.layer.{i}.{s}");
			t.extend([
				(p("attention.self.query.weight"), vec![d, d]),
				(p("attention.self.query.bias"), vec![d]),
				(p("attention.self.key.weight"), vec![d, d]),
				(p("attention.self.key.bias"), vec![d]),
				(p("attention.self.value.weight"), vec![d, d]),
				(p("attention.self.value.bias"), vec![d]),
				(p("attention.output.dense.weight"), vec![d, d]),
				(p("attention.output.dense.bias"), vec![d]),
				(p("attention.output.LayerNorm.weight"), vec![d]),
				(p("attention.output.LayerNorm.bias"), vec![d]),
				(p("intermediate.dense.weight"), vec![f, d]),
				(p("intermediate.dense.bias"), vec![f]),
				(p("output.dense.weight"), vec![d, f]),
				(p("output.dense.bias"), vec![d]),
				(p("output.LayerNorm.weight"), vec![d]),
				(p("output.LayerNorm.bias"), vec![d]),
			]);
		}
		t
	}
}

// ---------------------------------------------------------------------------------------------
// Kernels.
// ---------------------------------------------------------------------------------------------

mod kernels {
	//! A matrix product with a fixed summation order, compiled twice (baseline SSE2 and AVX)
	//! from the same source; both give the same bits, and every output is summed the same way
	//! whichever tile computes it: as [`dot`] sums (see [`zg_compute_engine::kernels`]).

	pub use zg_compute_engine::kernels::dot;
	use zg_compute_engine::kernels::fold;
	#[cfg(target_arch = "x86_64")]
	use zg_compute_engine::kernels::has_avx;

	/// The dot products of `R` rows of a weight matrix with `C` input vectors, all of length
	/// `n`, each summed as [`fold`] describes.
	#[inline(always)]
	fn tile<const R: usize, const C: usize>(w: [&[f32]; R], x: [&[f32]; C]) -> [[f32; C]; R] {
		let n = x[0].len();
		let w = w.map(|r| &r[..n]);
		let x = x.map(|c| &c[..n]);
		let mut acc = [[[0f32; 8]; C]; R];
		let full = n - n % 8;
		let mut k = 0;
		while k < full {
			for r in 0..R {
				let w8 = &w[r][k..k + 8];
				for c in 0..C {
					let x8 = &x[c][k..k + 8];
					for l in 0..8 {
						acc[r][c][l] += w8[l] * x8[l];
					}
				}
			}
			k += 8;
		}
		let mut out = [[0f32; C]; R];
		for r in 0..R {
			for c in 0..C {
				let mut tail = 0f32;
				for i in full..n {
					tail += w[r][i] * x[c][i];
				}
				out[r][c] = fold(&acc[r][c], tail);
			}
		}
		out
	}

	/// `y[t][o] = dot(w[o], x[t]) + b[o]`: `x` is `tokens × n`, `w` is `m × n`, `y` is
	/// `tokens × m`, all row-major. Tiles of four weight rows and two tokens.
	#[inline(always)]
	fn matmul_body(x: &[f32], w: &[f32], b: &[f32], y: &mut [f32]) {
		let m = b.len();
		let n = w.len() / m;
		let tokens = x.len() / n;
		let xr = |t: usize| &x[t * n..(t + 1) * n];
		let wr = |o: usize| &w[o * n..(o + 1) * n];
		let mut o = 0;
		while o < m {
			let rows = if o + 4 <= m { 4 } else { 1 };
			let mut t = 0;
			while t < tokens {
				let cols = if t + 2 <= tokens { 2 } else { 1 };
				match (rows, cols) {
					(4, 2) => {
						let d = tile([wr(o), wr(o + 1), wr(o + 2), wr(o + 3)], [xr(t), xr(t + 1)]);
						for r in 0..4 {
							for c in 0..2 {
								y[(t + c) * m + o + r] = d[r][c] + b[o + r];
							}
						}
					},
					(4, _) => {
						let d = tile([wr(o), wr(o + 1), wr(o + 2), wr(o + 3)], [xr(t)]);
						for r in 0..4 {
							y[t * m + o + r] = d[r][0] + b[o + r];
						}
					},
					(_, 2) => {
						let d = tile([wr(o)], [xr(t), xr(t + 1)]);
						for c in 0..2 {
							y[(t + c) * m + o] = d[0][c] + b[o];
						}
					},
					_ => y[t * m + o] = tile([wr(o)], [xr(t)])[0][0] + b[o],
				}
				t += cols;
			}
			o += rows;
		}
	}

	#[cfg(target_arch = "x86_64")]
	#[target_feature(enable = "avx")]
	unsafe fn matmul_avx(x: &[f32], w: &[f32], b: &[f32], y: &mut [f32]) {
		matmul_body(x, w, b, y)
	}

	/// `y = x Wᵀ + b` for `x` of `tokens × n`, `w` of `b.len() × n` and `y` of
	/// `tokens × b.len()`, row-major. The caller guarantees the lengths.
	pub fn matmul(x: &[f32], w: &[f32], b: &[f32], y: &mut [f32]) {
		debug_assert_eq!(w.len() % b.len(), 0);
		debug_assert_eq!(x.len() / (w.len() / b.len()) * b.len(), y.len());
		#[cfg(target_arch = "x86_64")]
		if has_avx() {
			// Safety: the CPU supports AVX (checked at run time).
			return unsafe { matmul_avx(x, w, b, y) };
		}
		matmul_body(x, w, b, y)
	}

	/// The baseline (no AVX) matmul, for the test that both paths agree bit for bit.
	#[cfg(test)]
	pub fn matmul_baseline(x: &[f32], w: &[f32], b: &[f32], y: &mut [f32]) {
		matmul_body(x, w, b, y)
	}
}

/// LayerNorm of each `g.len()`-wide row of `x`, in place (sequential sums).
fn layer_norm(x: &mut [f32], g: &[f32], b: &[f32], eps: f32) {
	let d = g.len();
	for row in x.chunks_exact_mut(d) {
		let mut sum = 0f32;
		for v in row.iter() {
			sum += v;
		}
		let mean = sum / d as f32;
		let mut var = 0f32;
		for v in row.iter() {
			let e = v - mean;
			var += e * e;
		}
		let inv = 1.0 / (var / d as f32 + eps).sqrt();
		for i in 0..d {
			row[i] = (row[i] - mean) * inv * g[i] + b[i];
		}
	}
}

/// The error function, to about 1e-15: the series
/// `erf(z) = 2/√π · e^(-z²) · Σ (2z²)ⁿ z / (1·3·…·(2n+1))`, whose terms are all positive,
/// for `|z| < 6`, and ±1 beyond (where `1 - erf` is below `1e-17`).
pub fn erf(z: f64) -> f64 {
	const FRAC_2_SQRT_PI: f64 = std::f64::consts::FRAC_2_SQRT_PI;
	let a = z.abs();
	if a.is_nan() {
		return z;
	}
	if a >= 6.0 {
		return z.signum();
	}
	let z2 = 2.0 * a * a;
	let mut term = a;
	let mut sum = a;
	let mut k = 3.0;
	while term > sum * 1e-17 {
		term *= z2 / k;
		sum += term;
		k += 2.0;
	}
	(FRAC_2_SQRT_PI * (-a * a).exp() * sum).min(1.0).copysign(z)
}

/// Grid points per unit of the table behind [`fast_erf`].
const ERF_STEPS: f64 = 64.0;
/// The table covers `[0, ERF_MAX]`; beyond, `erf` is ±1 to `f64` precision.
const ERF_MAX: f64 = 6.0;

/// `(erf(z₀), 2/√π · e^(-z₀²))` at `z₀ = i / ERF_STEPS` for `z₀` in `[0, ERF_MAX]`, computed
/// once with [`erf`].
fn erf_table() -> &'static [(f64, f64)] {
	use std::sync::OnceLock;
	static TABLE: OnceLock<Vec<(f64, f64)>> = OnceLock::new();
	TABLE.get_or_init(|| {
		(0..=(ERF_MAX * ERF_STEPS) as usize)
			.map(|i| {
				let z = i as f64 / ERF_STEPS;
				(erf(z), std::f64::consts::FRAC_2_SQRT_PI * (-z * z).exp())
			})
			.collect()
	})
}

/// [`erf`] to about 1e-14, fast: the nearest grid point `z₀` of [`erf_table`] and the Taylor
/// series of `erf` around it to the fifth power of `h = |z| - z₀` (`|h| ≤ 1/128`).
fn fast_erf(z: f64, table: &[(f64, f64)]) -> f64 {
	let a = z.abs();
	if a.is_nan() || a >= ERF_MAX {
		return if a.is_nan() { z } else { z.signum() };
	}
	let i = (a * ERF_STEPS).round() as usize;
	let (e0, d0) = table[i.min(table.len() - 1)];
	let z0 = i as f64 / ERF_STEPS;
	let h = a - z0;
	let z2 = z0 * z0;
	// erf⁽ᵏ⁾(z₀) / erf'(z₀) / k! for k = 1 ..= 5.
	let c2 = -z0;
	let c3 = (2.0 * z2 - 1.0) / 3.0;
	let c4 = (-2.0 * z2 * z0 + 3.0 * z0) / 6.0;
	let c5 = (4.0 * z2 * z2 - 12.0 * z2 + 3.0) / 30.0;
	let series = h * (1.0 + h * (c2 + h * (c3 + h * (c4 + h * c5))));
	(e0 + d0 * series).min(1.0).copysign(z)
}

/// GELU, erf form (`x/2 · (1 + erf(x/√2))`, BERT's `gelu`), computed in `f64`.
fn gelu(v: &mut [f32]) {
	let table = erf_table();
	for x in v {
		let u = *x as f64;
		*x = (0.5 * u * (1.0 + fast_erf(u * std::f64::consts::FRAC_1_SQRT_2, table))) as f32;
	}
}

// ---------------------------------------------------------------------------------------------
// The model.
// ---------------------------------------------------------------------------------------------

struct Layer {
	q_w: Vec<f32>,
	q_b: Vec<f32>,
	k_w: Vec<f32>,
	k_b: Vec<f32>,
	v_w: Vec<f32>,
	v_b: Vec<f32>,
	o_w: Vec<f32>,
	o_b: Vec<f32>,
	ln1_g: Vec<f32>,
	ln1_b: Vec<f32>,
	fc_w: Vec<f32>,
	fc_b: Vec<f32>,
	fc2_w: Vec<f32>,
	fc2_b: Vec<f32>,
	ln2_g: Vec<f32>,
	ln2_b: Vec<f32>,
}

/// A loaded BERT encoder and its tokenizer. It implements [`Engine`] (backend `cpu`,
/// embeddings only).
pub struct BertModel {
	config: BertConfig,
	tokenizer: WordPiece,
	max_tokens: usize,
	word: Vec<f32>,
	position: Vec<f32>,
	token_type: Vec<f32>,
	ln_g: Vec<f32>,
	ln_b: Vec<f32>,
	layers: Vec<Layer>,
	model_id: String,
}

impl std::fmt::Debug for BertModel {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		f.debug_struct("BertModel")
			.field("model_id", &self.model_id)
			.field("config", &self.config)
			.field("max_tokens", &self.max_tokens)
			.finish()
	}
}

/// Reads the tensors of `config` from a safetensors file's bytes, converted to `f32`, keyed
/// by their names without prefix. Errors on a missing tensor or one of the wrong dtype or
/// shape.
fn read_tensors(bytes: &[u8], config: &BertConfig) -> Result<HashMap<String, Vec<f32>>> {
	let st = safetensors::SafeTensors::deserialize(bytes)
		.map_err(|e| anyhow!("not a valid safetensors file: {e}"))?;
	let prefix = if st.tensor("embeddings.word_embeddings.weight").is_ok() {
		""
	} else if st.tensor("bert.embeddings.word_embeddings.weight").is_ok() {
		"bert."
	} else {
		bail!("bad model file: missing tensor `embeddings.word_embeddings.weight`");
	};
	let mut tensors = HashMap::new();
	for (name, shape) in config.tensor_shapes() {
		let full = format!("{prefix}{name}");
		let view =
			st.tensor(&full).map_err(|_| anyhow!("bad model file: missing tensor `{full}`"))?;
		if view.shape() != shape.as_slice() {
			bail!(
				"bad model file: tensor `{full}` has shape {:?}, expected {shape:?} (from config.json)",
				view.shape()
			);
		}
		let data = view.data();
		let values: Vec<f32> = match view.dtype() {
			safetensors::Dtype::F32 => {
				data.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
			},
			safetensors::Dtype::F16 => {
				data.chunks_exact(2).map(|c| f16_to_f32(u16::from_le_bytes([c[0], c[1]]))).collect()
			},
			safetensors::Dtype::BF16 => data
				.chunks_exact(2)
				.map(|c| f32::from_bits((u16::from_le_bytes([c[0], c[1]]) as u32) << 16))
				.collect(),
			other => {
				bail!("bad model file: tensor `{full}` is {other:?}, expected F32, F16 or BF16")
			},
		};
		tensors.insert(name, values);
	}
	Ok(tensors)
}

/// Reads an optional JSON file of the model directory; `None` when it does not exist.
fn read_optional_json(dir: &Path, name: &str) -> Result<Option<serde_json::Value>> {
	let path = dir.join(name);
	match std::fs::read_to_string(&path) {
		Ok(text) => serde_json::from_str(&text)
			.map(Some)
			.map_err(|e| anyhow!("bad {}: {e}", path.display())),
		Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
		Err(e) => Err(anyhow!("reading {}: {e}", path.display())),
	}
}

impl BertModel {
	/// Builds a model from its parts: the configuration, the bytes of `model.safetensors`,
	/// the tokenizer, and the token limit (capped at the model's positions). Errors (never
	/// panics) on a bad configuration, a file that is not safetensors, a missing tensor, a
	/// tensor of the wrong dtype or shape, or a tokenizer whose vocabulary is larger than the
	/// model's.
	pub fn from_parts(
		config: BertConfig,
		weights: &[u8],
		tokenizer: WordPiece,
		max_tokens: usize,
	) -> Result<Self> {
		config.validate()?;
		if tokenizer.vocab_size() > config.vocab_size {
			bail!(
				"the vocabulary has {} tokens; the model only {} (vocab_size)",
				tokenizer.vocab_size(),
				config.vocab_size
			);
		}
		if max_tokens < 2 {
			bail!("the token limit must be at least 2, not {max_tokens}");
		}
		let mut t = read_tensors(weights, &config)?;
		let mut take =
			|name: String| t.remove(&name).ok_or_else(|| anyhow!("missing tensor `{name}`"));
		let word = take("embeddings.word_embeddings.weight".into())?;
		let position = take("embeddings.position_embeddings.weight".into())?;
		let token_type = take("embeddings.token_type_embeddings.weight".into())?;
		let ln_g = take("embeddings.LayerNorm.weight".into())?;
		let ln_b = take("embeddings.LayerNorm.bias".into())?;
		let mut layers = Vec::with_capacity(config.num_hidden_layers);
		for i in 0..config.num_hidden_layers {
			let mut l = |s: &str| take(format!("encoder.layer.{i}.{s}"));
			layers.push(Layer {
				q_w: l("attention.self.query.weight")?,
				q_b: l("attention.self.query.bias")?,
				k_w: l("attention.self.key.weight")?,
				k_b: l("attention.self.key.bias")?,
				v_w: l("attention.self.value.weight")?,
				v_b: l("attention.self.value.bias")?,
				o_w: l("attention.output.dense.weight")?,
				o_b: l("attention.output.dense.bias")?,
				ln1_g: l("attention.output.LayerNorm.weight")?,
				ln1_b: l("attention.output.LayerNorm.bias")?,
				fc_w: l("intermediate.dense.weight")?,
				fc_b: l("intermediate.dense.bias")?,
				fc2_w: l("output.dense.weight")?,
				fc2_b: l("output.dense.bias")?,
				ln2_g: l("output.LayerNorm.weight")?,
				ln2_b: l("output.LayerNorm.bias")?,
			});
		}
		Ok(Self {
			max_tokens: max_tokens.min(config.max_position_embeddings),
			config,
			tokenizer,
			word,
			position,
			token_type,
			ln_g,
			ln_b,
			layers,
			model_id: String::new(),
		})
	}

	/// Loads a model from a Hugging Face directory (see the module documentation) and serves
	/// it as `model_id`.
	pub fn load(dir: impl AsRef<Path>, model_id: impl Into<String>) -> Result<Self> {
		let dir = dir.as_ref();
		let load = || -> Result<Self> {
			if !dir.is_dir() {
				bail!("not a directory");
			}
			let config_path = dir.join("config.json");
			let config = std::fs::read_to_string(&config_path)
				.with_context(|| format!("reading {}", config_path.display()))?;
			let config = BertConfig::from_json(&config)
				.with_context(|| format!("loading {}", config_path.display()))?;
			let max_tokens = match read_optional_json(dir, "sentence_bert_config.json")? {
				Some(v) => match v.get("max_seq_length") {
					Some(n) => n.as_u64().filter(|&n| n >= 2).ok_or_else(|| {
						anyhow!("bad sentence_bert_config.json: max_seq_length = {n}")
					})? as usize,
					None => DEFAULT_MAX_TOKENS,
				},
				None => DEFAULT_MAX_TOKENS,
			};
			let lowercase = match read_optional_json(dir, "tokenizer_config.json")? {
				Some(v) => v.get("do_lower_case").and_then(|b| b.as_bool()).unwrap_or(true),
				None => true,
			};
			let tokenizer = WordPiece::load(dir.join("vocab.txt"), lowercase)?;
			let weights_path = dir.join("model.safetensors");
			let weights = std::fs::read(&weights_path)
				.with_context(|| format!("reading {}", weights_path.display()))?;
			Self::from_parts(config, &weights, tokenizer, max_tokens)
				.with_context(|| format!("loading {}", weights_path.display()))
		};
		let model = load().with_context(|| format!("loading BERT model {}", dir.display()))?;
		Ok(model.with_model_id(model_id))
	}

	/// Sets the model id the engine reports.
	pub fn with_model_id(mut self, id: impl Into<String>) -> Self {
		self.model_id = id.into();
		self
	}

	/// The model's configuration.
	pub fn config(&self) -> &BertConfig {
		&self.config
	}

	/// The tokenizer.
	pub fn tokenizer(&self) -> &WordPiece {
		&self.tokenizer
	}

	/// The most tokens (special ones included) one input is cut to.
	pub fn max_tokens(&self) -> usize {
		self.max_tokens
	}

	/// The ids of one input: `[CLS]`, its WordPiece ids, `[SEP]`, at most
	/// [`BertModel::max_tokens`].
	pub fn encode(&self, text: &str) -> Vec<u32> {
		self.tokenizer.encode(text, self.max_tokens)
	}

	/// Runs the encoder on one sequence (token type 0 throughout) and returns the last hidden
	/// states, `tokens × hidden_size`, row-major. Positions whose `mask` entry is `false`
	/// (padding) are not attended to; their own outputs are computed but meaningless.
	pub fn forward(&self, ids: &[u32], mask: &[bool]) -> Result<Vec<f32>> {
		let c = &self.config;
		let (d, n, hd, heads) = (c.hidden_size, ids.len(), c.head_dim(), c.num_attention_heads);
		if n == 0 {
			bail!("no tokens");
		}
		if mask.len() != n {
			bail!("{} mask entries for {n} tokens", mask.len());
		}
		if !mask.iter().any(|&m| m) {
			bail!("the attention mask hides every token");
		}
		if n > c.max_position_embeddings {
			bail!("{n} tokens do not fit the model's {} positions", c.max_position_embeddings);
		}
		let eps = c.layer_norm_eps as f32;
		let mut x = vec![0f32; n * d];
		for (t, &id) in ids.iter().enumerate() {
			let id = id as usize;
			if id >= c.vocab_size {
				bail!("token {id} is outside the vocabulary of {}", c.vocab_size);
			}
			let (w, p) = (&self.word[id * d..(id + 1) * d], &self.position[t * d..(t + 1) * d]);
			for i in 0..d {
				x[t * d + i] = w[i] + p[i] + self.token_type[i];
			}
		}
		layer_norm(&mut x, &self.ln_g, &self.ln_b, eps);
		let (mut q, mut k, mut v) = (vec![0f32; n * d], vec![0f32; n * d], vec![0f32; n * d]);
		let mut ctx = vec![0f32; n * d];
		let mut tmp = vec![0f32; n * d];
		let mut h = vec![0f32; n * c.intermediate_size];
		let mut scores = vec![0f32; n];
		let scale = 1.0 / (hd as f32).sqrt();
		for l in &self.layers {
			kernels::matmul(&x, &l.q_w, &l.q_b, &mut q);
			kernels::matmul(&x, &l.k_w, &l.k_b, &mut k);
			kernels::matmul(&x, &l.v_w, &l.v_b, &mut v);
			for t in 0..n {
				for head in 0..heads {
					let span = head * hd..(head + 1) * hd;
					let qt = &q[t * d..(t + 1) * d][span.clone()];
					for (j, s) in scores.iter_mut().enumerate() {
						*s = if mask[j] {
							kernels::dot(qt, &k[j * d..(j + 1) * d][span.clone()]) * scale
						} else {
							f32::NEG_INFINITY
						};
					}
					softmax(&mut scores);
					let out = &mut ctx[t * d..(t + 1) * d][span.clone()];
					out.fill(0.0);
					for (j, &p) in scores.iter().enumerate() {
						if mask[j] {
							let vj = &v[j * d..(j + 1) * d][span.clone()];
							for i in 0..hd {
								out[i] += p * vj[i];
							}
						}
					}
				}
			}
			kernels::matmul(&ctx, &l.o_w, &l.o_b, &mut tmp);
			for (a, b) in x.iter_mut().zip(&tmp) {
				*a += b;
			}
			layer_norm(&mut x, &l.ln1_g, &l.ln1_b, eps);
			kernels::matmul(&x, &l.fc_w, &l.fc_b, &mut h);
			gelu(&mut h);
			kernels::matmul(&h, &l.fc2_w, &l.fc2_b, &mut tmp);
			for (a, b) in x.iter_mut().zip(&tmp) {
				*a += b;
			}
			layer_norm(&mut x, &l.ln2_g, &l.ln2_b, eps);
		}
		Ok(x)
	}

	/// The embedding of one input: the mean of the last hidden states over its tokens,
	/// L2-normalised; and its number of tokens.
	pub fn embed_one(&self, text: &str) -> Result<(Vec<f32>, usize)> {
		let ids = self.encode(text);
		let d = self.config.hidden_size;
		let hidden = self.forward(&ids, &vec![true; ids.len()])?;
		let mut v = vec![0f32; d];
		for row in hidden.chunks_exact(d) {
			for i in 0..d {
				v[i] += row[i];
			}
		}
		let inv_n = 1.0 / ids.len() as f32;
		let mut norm = 0f32;
		for x in v.iter_mut() {
			*x *= inv_n;
			norm += *x * *x;
		}
		let norm = norm.sqrt();
		if !(norm.is_finite() && norm > 0.0) {
			bail!("the model produced a degenerate embedding");
		}
		for x in v.iter_mut() {
			*x /= norm;
		}
		Ok((v, ids.len()))
	}
}

impl Engine for BertModel {
	fn model_id(&self) -> &str {
		&self.model_id
	}

	fn backend(&self) -> &str {
		"cpu"
	}

	fn can_generate(&self) -> bool {
		false
	}

	fn can_embed(&self) -> bool {
		true
	}

	fn generate(
		&self,
		_prompt: &str,
		_params: &GenerateParams,
		_on_token: &mut dyn FnMut(&str) -> bool,
	) -> Result<Generation> {
		bail!("{} is an embedding model: it cannot generate text", self.model_id)
	}

	/// Mean pooling over each input's tokens (`[CLS]` and `[SEP]` included; inputs cut to
	/// [`BertModel::max_tokens`]), L2-normalised. Inputs run in parallel.
	fn embed(&self, inputs: &[String]) -> Result<Embeddings> {
		let results: Vec<(Vec<f32>, usize)> =
			inputs.par_iter().map(|s| self.embed_one(s)).collect::<Result<_>>()?;
		let prompt_tokens = results.iter().fold(0u32, |acc, (_, n)| acc.saturating_add(*n as u32));
		Ok(Embeddings { vectors: results.into_iter().map(|(v, _)| v).collect(), prompt_tokens })
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use zg_engine_det::SplitMix64;

	const VOCAB: &str = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\nquick\nbrown\nfox\njumps\n\
		over\nlazy\ndog\n.\n,\n!\nhello\nworld\n##s\ncafe\n";

	fn tiny_config(vocab_size: usize) -> String {
		serde_json::json!({
			"vocab_size": vocab_size,
			"hidden_size": 32,
			"num_hidden_layers": 2,
			"num_attention_heads": 4,
			"intermediate_size": 64,
			"max_position_embeddings": 40,
			"type_vocab_size": 2,
			"layer_norm_eps": 1e-12,
			"hidden_act": "gelu",
			"model_type": "bert",
		})
		.to_string()
	}

	/// A random model's tensors (biases and LayerNorm parameters random too, so that every
	/// tensor matters).
	fn tiny_tensors(config: &BertConfig, seed: u64) -> Vec<(String, Vec<usize>, Vec<f32>)> {
		let mut rng = SplitMix64::new(seed);
		config
			.tensor_shapes()
			.into_iter()
			.map(|(name, shape)| {
				let n = shape.iter().product();
				let base = if name.ends_with("LayerNorm.weight") { 1.0 } else { 0.0 };
				let data = (0..n).map(|_| base + (rng.next_normal() * 0.2) as f32).collect();
				(name, shape, data)
			})
			.collect()
	}

	fn serialize(tensors: &[(String, Vec<usize>, Vec<f32>)], prefix: &str) -> Vec<u8> {
		let bytes: Vec<(String, Vec<usize>, Vec<u8>)> = tensors
			.iter()
			.map(|(n, s, d)| {
				(
					format!("{prefix}{n}"),
					s.clone(),
					d.iter().flat_map(|v| v.to_le_bytes()).collect(),
				)
			})
			.collect();
		let views: Vec<(String, safetensors::tensor::TensorView)> = bytes
			.iter()
			.map(|(n, s, d)| {
				let view =
					safetensors::tensor::TensorView::new(safetensors::Dtype::F32, s.clone(), d)
						.unwrap();
				(n.clone(), view)
			})
			.collect();
		safetensors::serialize(views, None).unwrap()
	}

	fn write_dir(dir: &Path, weights: &[u8]) {
		std::fs::write(dir.join("config.json"), tiny_config(20)).unwrap();
		std::fs::write(dir.join("vocab.txt"), VOCAB).unwrap();
		std::fs::write(dir.join("model.safetensors"), weights).unwrap();
	}

	fn tiny_model(seed: u64) -> BertModel {
		let config = BertConfig::from_json(&tiny_config(20)).unwrap();
		let weights = serialize(&tiny_tensors(&config, seed), "");
		let tokenizer = WordPiece::from_vocab(VOCAB, true).unwrap();
		BertModel::from_parts(config, &weights, tokenizer, 256).unwrap().with_model_id("tiny-bert")
	}

	#[test]
	fn erf_matches_known_values() {
		for (x, e) in [
			(0.0, 0.0),
			(0.1, 0.112_462_916_018_284_9),
			(0.5, 0.520_499_877_813_046_5),
			(1.0, 0.842_700_792_949_714_9),
			(2.0, 0.995_322_265_018_952_7),
			(3.0, 0.999_977_909_503_001_4),
			(4.5, 0.999_999_999_803_383),
			(-1.0, -0.842_700_792_949_714_9),
			(7.0, 1.0),
		] {
			assert!((erf(x) - e).abs() < 1e-14, "erf({x}) = {} not {e}", erf(x));
		}
		assert!(erf(f64::NAN).is_nan());
		// The table-driven erf agrees with the series everywhere.
		let table = erf_table();
		for i in -70_000..=70_000 {
			let z = i as f64 * 1e-4 + 1.234e-6;
			let (a, b) = (fast_erf(z, table), erf(z));
			assert!((a - b).abs() < 1e-13, "erf({z}): {a} vs {b}");
		}
		assert!(fast_erf(f64::NAN, table).is_nan());
		assert_eq!(fast_erf(-1e300, table), -1.0);
	}

	#[test]
	fn f16_conversion_is_exact() {
		for (h, f) in [
			(0x0000u16, 0.0f32),
			(0x3c00, 1.0),
			(0xc000, -2.0),
			(0x3555, 0.333_251_95),
			(0x7bff, 65504.0),
			(0x0001, 5.960_464_5e-8),
			(0x7c00, f32::INFINITY),
		] {
			assert_eq!(f16_to_f32(h), f, "{h:#x}");
		}
	}

	#[test]
	fn avx_and_baseline_kernels_agree_bit_for_bit() {
		let mut rng = SplitMix64::new(9);
		for (tokens, rows, cols) in [(1, 13, 37), (3, 64, 64), (5, 5, 8), (7, 258, 256), (2, 7, 3)]
		{
			let mut r = |n: usize| (0..n).map(|_| rng.next_normal() as f32).collect::<Vec<_>>();
			let (x, w, b) = (r(tokens * cols), r(rows * cols), r(rows));
			let (mut y1, mut y2) = (vec![0f32; tokens * rows], vec![0f32; tokens * rows]);
			kernels::matmul(&x, &w, &b, &mut y1);
			kernels::matmul_baseline(&x, &w, &b, &mut y2);
			assert_eq!(y1, y2);
			for t in 0..tokens {
				for o in 0..rows {
					let (xt, wo) = (&x[t * cols..(t + 1) * cols], &w[o * cols..(o + 1) * cols]);
					let naive: f64 =
						xt.iter().zip(wo).map(|(a, b)| *a as f64 * *b as f64).sum::<f64>();
					let got = y1[t * rows + o];
					assert!((got as f64 - naive - b[o] as f64).abs() < 1e-4);
					// Every tile sums as the plain dot product does.
					assert_eq!(got, kernels::dot(xt, wo) + b[o]);
				}
			}
		}
	}

	#[test]
	fn tiny_model_gives_deterministic_unit_vectors() {
		let m = tiny_model(1);
		assert_eq!((m.model_id(), m.backend()), ("tiny-bert", "cpu"));
		assert!(m.can_embed() && !m.can_generate());
		let e = m.generate("hi", &GenerateParams::default(), &mut |_| true).unwrap_err();
		assert!(e.to_string().contains("cannot generate"), "{e}");
		let inputs: Vec<String> = [
			"The quick brown fox.",
			"",
			"hello world",
			"Café, CAFE!",
			"the dog ".repeat(100).as_str(),
		]
		.map(String::from)
		.to_vec();
		let e = m.embed(&inputs).unwrap();
		assert_eq!(e.vectors.len(), 5);
		// [CLS] and [SEP] count; the long input is cut to the 40 positions.
		assert_eq!(e.prompt_tokens, (5 + 2) + 2 + (2 + 2) + (4 + 2) + 40);
		for v in &e.vectors {
			assert_eq!(v.len(), 32);
			let n: f32 = v.iter().map(|x| x * x).sum();
			assert!((n - 1.0).abs() < 1e-5, "{n}");
		}
		assert_ne!(e.vectors[0], e.vectors[2]);
		// Bit-identical across runs, and independent of the rest of the batch.
		assert_eq!(m.embed(&inputs).unwrap().vectors, e.vectors);
		assert_eq!(m.embed(&inputs[2..3]).unwrap().vectors[0], e.vectors[2]);
		// Accents and case do not matter to an uncased model.
		let same = m.embed(&["cafe, cafe!".to_string()]).unwrap();
		assert_eq!(same.vectors[0], e.vectors[3]);
		assert_eq!(m.embed(&[]).unwrap().vectors.len(), 0);
	}

	#[test]
	fn padding_under_the_mask_changes_nothing() {
		let m = tiny_model(2);
		let ids = m.encode("the lazy dog jumps");
		let d = m.config().hidden_size;
		let plain = m.forward(&ids, &vec![true; ids.len()]).unwrap();
		let mut padded = ids.clone();
		padded.extend([0, 0, 0]);
		let mut mask = vec![true; ids.len()];
		mask.extend([false; 3]);
		let out = m.forward(&padded, &mask).unwrap();
		for (a, b) in plain.iter().zip(&out[..ids.len() * d]) {
			assert!((a - b).abs() < 1e-5, "{a} vs {b}");
		}
		// Without the mask the padding does change the outputs.
		let unmasked = m.forward(&padded, &vec![true; padded.len()]).unwrap();
		assert!(plain.iter().zip(&unmasked).any(|(a, b)| (a - b).abs() > 1e-4));
		assert!(m.forward(&ids, &vec![false; ids.len()]).is_err());
		assert!(m.forward(&ids, &[true]).is_err());
		assert!(m.forward(&[], &[]).is_err());
		assert!(m.forward(&[999], &[true]).is_err());
		assert!(m.forward(&[2; 41], &[true; 41]).is_err());
	}

	#[test]
	fn loads_a_directory_with_or_without_the_bert_prefix() {
		let config = BertConfig::from_json(&tiny_config(20)).unwrap();
		let tensors = tiny_tensors(&config, 3);
		let direct = tiny_model(3);
		let want = direct.embed(&["hello world".to_string()]).unwrap().vectors;
		for prefix in ["", "bert."] {
			let dir = tempfile::tempdir().unwrap();
			let mut named = tensors.clone();
			// Extra tensors (a pooler, position ids) are ignored.
			named.push(("pooler.dense.bias".into(), vec![32], vec![0.0; 32]));
			write_dir(dir.path(), &serialize(&named, prefix));
			let m = BertModel::load(dir.path(), "m").unwrap();
			assert_eq!(m.model_id(), "m");
			assert_eq!(m.max_tokens(), 40);
			assert_eq!(m.embed(&["hello world".to_string()]).unwrap().vectors, want);
			// sentence_bert_config.json sets the token limit.
			std::fs::write(
				dir.path().join("sentence_bert_config.json"),
				r#"{"max_seq_length": 8, "do_lower_case": false}"#,
			)
			.unwrap();
			let m = BertModel::load(dir.path(), "m").unwrap();
			let e = m.embed(&["the dog ".repeat(10)]).unwrap();
			assert_eq!((m.max_tokens(), e.prompt_tokens), (8, 8));
		}
	}

	#[test]
	fn bad_directories_give_clear_errors() {
		let err = |dir: &Path| format!("{:#}", BertModel::load(dir, "m").unwrap_err());
		let e = err(Path::new("/nonexistent/minilm"));
		assert!(e.contains("/nonexistent/minilm") && e.contains("not a directory"), "{e}");

		let config = BertConfig::from_json(&tiny_config(20)).unwrap();
		let tensors = tiny_tensors(&config, 4);
		let dir = tempfile::tempdir().unwrap();
		let p = dir.path();
		let e = err(p);
		assert!(e.contains("config.json"), "{e}");

		write_dir(p, &serialize(&tensors, ""));
		assert!(BertModel::load(p, "m").is_ok());

		std::fs::remove_file(p.join("vocab.txt")).unwrap();
		assert!(err(p).contains("vocab.txt"));
		std::fs::write(p.join("vocab.txt"), VOCAB).unwrap();

		// A tensor missing.
		let missing: Vec<_> = tensors
			.iter()
			.filter(|(n, _, _)| n != "encoder.layer.1.output.dense.bias")
			.cloned()
			.collect();
		std::fs::write(p.join("model.safetensors"), serialize(&missing, "")).unwrap();
		let e = err(p);
		assert!(e.contains("missing tensor `encoder.layer.1.output.dense.bias`"), "{e}");
		assert!(e.contains("model.safetensors"), "{e}");

		// A tensor of the wrong shape.
		let mut wrong = missing.clone();
		wrong.push(("encoder.layer.1.output.dense.bias".into(), vec![31], vec![0.0; 31]));
		std::fs::write(p.join("model.safetensors"), serialize(&wrong, "")).unwrap();
		let e = err(p);
		assert!(e.contains("`encoder.layer.1.output.dense.bias` has shape [31]"), "{e}");

		// Not safetensors; no word embeddings at all.
		std::fs::write(p.join("model.safetensors"), b"garbage").unwrap();
		assert!(err(p).contains("not a valid safetensors"));
		std::fs::write(p.join("model.safetensors"), serialize(&missing[1..], "")).unwrap();
		assert!(err(p).contains("missing tensor `embeddings.word_embeddings.weight`"));
		std::fs::write(p.join("model.safetensors"), serialize(&tensors, "")).unwrap();

		// Bad configurations.
		let with = |key: &str, value: serde_json::Value| {
			let mut c: serde_json::Value = serde_json::from_str(&tiny_config(20)).unwrap();
			c[key] = value;
			std::fs::write(p.join("config.json"), c.to_string()).unwrap();
			err(p)
		};
		assert!(with("num_attention_heads", 5.into()).contains("does not divide"));
		assert!(with("hidden_act", "relu".into()).contains("hidden_act"));
		assert!(with("hidden_size", "big".into()).contains("bad config.json"));
		assert!(with("num_hidden_layers", 0.into()).contains("num_hidden_layers"));
		assert!(with("vocab_size", 10.into()).contains("vocabulary has 20 tokens"));
		assert!(with("intermediate_size", (1u64 << 24).into()).contains("parameters"));
		assert!(with("layer_norm_eps", (-1.0).into()).contains("layer_norm_eps"));
		std::fs::write(p.join("config.json"), tiny_config(20)).unwrap();
		std::fs::write(p.join("sentence_bert_config.json"), r#"{"max_seq_length": 1}"#).unwrap();
		assert!(err(p).contains("max_seq_length"));
	}

	/// Compares with reference vectors of sentence-transformers' `all-MiniLM-L6-v2`
	/// (`tests/fixtures/all-minilm-l6-v2.json`) when `ZG_MINILM_DIR` names the model's
	/// directory; skipped otherwise.
	#[test]
	fn matches_all_minilm_l6_v2_reference() {
		let Some(dir) = std::env::var_os("ZG_MINILM_DIR") else {
			eprintln!("skipped: set ZG_MINILM_DIR to the all-MiniLM-L6-v2 directory to run");
			return;
		};
		let fixture: serde_json::Value =
			serde_json::from_str(include_str!("../tests/fixtures/all-minilm-l6-v2.json")).unwrap();
		let m = BertModel::load(&dir, "all-MiniLM-L6-v2").unwrap();
		assert_eq!((m.config().hidden_size, m.max_tokens()), (384, 256));
		for case in fixture["tokenizer"].as_array().unwrap() {
			let text = case["text"].as_str().unwrap();
			let want: Vec<u32> = case["ids"]
				.as_array()
				.unwrap()
				.iter()
				.map(|v| v.as_u64().unwrap() as u32)
				.collect();
			assert_eq!(m.encode(text), want, "ids of {text:?}");
		}
		let mut texts = Vec::new();
		let mut wants = Vec::new();
		for case in fixture["embeddings"].as_array().unwrap() {
			texts.push(case["text"].as_str().unwrap().to_string());
			let v: Vec<f64> =
				case["vector"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
			wants.push(v);
		}
		let got = m.embed(&texts).unwrap();
		for ((text, want), v) in texts.iter().zip(&wants).zip(&got.vectors) {
			let dot: f64 = want.iter().zip(v).map(|(a, b)| a * *b as f64).sum();
			let nw: f64 = want.iter().map(|a| a * a).sum::<f64>().sqrt();
			let nv: f64 = v.iter().map(|&b| b as f64 * b as f64).sum::<f64>().sqrt();
			let cos = dot / (nw * nv);
			let max_diff =
				want.iter().zip(v).map(|(a, b)| (a - *b as f64).abs()).fold(0.0, f64::max);
			eprintln!("{text:?}: cosine {cos:.8}, max |diff| {max_diff:.2e}");
			assert!(cos >= 0.9999, "{text:?}: cosine {cos}");
			assert!((nv - 1.0).abs() < 1e-5);
		}
		// Throughput, roughly (release builds): ~10-word sentences.
		let batch: Vec<String> = (0..64)
			.map(|i| format!("Sentence number {i} is about ten words long, more or less."))
			.collect();
		let start = std::time::Instant::now();
		let one: Vec<_> = batch.iter().map(|s| m.embed_one(s).unwrap()).collect();
		let serial = start.elapsed();
		let start = std::time::Instant::now();
		let e = m.embed(&batch).unwrap();
		let parallel = start.elapsed();
		assert_eq!(e.vectors[7], one[7].0);
		eprintln!(
			"throughput: {:.1} sentences/s on one thread, {:.1} sentences/s on {} threads \
			 ({} tokens each)",
			batch.len() as f64 / serial.as_secs_f64(),
			batch.len() as f64 / parallel.as_secs_f64(),
			rayon::current_num_threads(),
			one[0].1,
		);
	}
}
