//! `zg-tiny-gpt`: the worker's own small decoder-only transformer, in pure Rust on the CPU.
//!
//! The architecture is GPT-2's: token and learned position embeddings, `n_layers` pre-LayerNorm
//! blocks (multi-head causal self-attention, then a GELU MLP, each added to the residual
//! stream), a final LayerNorm, and an LM head tied to the token embedding. Tokens are bytes
//! ([`crate::tokenizer`]).
//!
//! **Determinism.** Every reduction runs in a fixed order: dot products keep eight partial
//! sums (lane `i` sums the elements `i, i + 8, …`) that are folded in a fixed tree, and all
//! other sums are sequential. Rust never fuses a multiply and an add on its own, so the SSE
//! and AVX builds of the kernels compute the same bits. The transcendental functions (`exp` in
//! softmax and sampling, `tanh` in GELU, `ln` and `cos` in the weights' Box–Muller draw) are
//! the `libm` crate's, in pure Rust, not the platform's C library, whose results may differ
//! in the last bit between systems; `sqrt` and the basic operations are correctly rounded by
//! IEEE 754 everywhere. So the same model file and the same prompt give the same output
//! bytes on every x86-64 machine, and the same seed gives the same model file. Greedy
//! decoding picks the lowest token id among equal maxima. The golden test
//! (`golden_model_and_output`) pins a model file's hash and an output's hash.
//!
//! **Files.** A model is one safetensors file of `F32` tensors whose `__metadata__` holds its
//! configuration (see [`GptConfig`]), so the file describes itself. [`generate_model`] makes
//! one from a seed; the same seed and configuration always give the same bytes.

use std::{collections::HashMap, path::Path};

use anyhow::{anyhow, bail, Context, Result};

use crate::{
	generation::{self, Decoder},
	tokenizer::{ByteTokenizer, BOS, EOS, VOCAB_SIZE},
};
use zg_compute_engine::{
	kernels::{self, softmax},
	Embeddings, Engine, FinishReason, GenerateParams, Generation,
};

/// The value of the `format` metadata key of a `zg-tiny-gpt` file.
pub const FORMAT: &str = "zg-tiny-gpt";
/// The value of the `format_version` metadata key this code reads and writes.
pub const FORMAT_VERSION: &str = "1";
/// The model id an engine reports unless told otherwise ([`GptModel::with_model_id`]).
pub const DEFAULT_MODEL_ID: &str = "zg-tiny-gpt";
/// The LayerNorm epsilon.
pub const LN_EPS: f32 = 1e-5;
/// The standard deviation of the generated weights.
pub const INIT_STD: f32 = 0.02;
/// The largest number of parameters a configuration may have (so that a bad configuration
/// cannot ask for an absurd allocation).
pub const MAX_PARAMS: usize = 1 << 30;

/// The shape of a model. Stored in the file's `__metadata__` under the same names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GptConfig {
	/// Transformer blocks.
	pub n_layers: usize,
	/// Attention heads per block; must divide `d_model`.
	pub n_heads: usize,
	/// Width of the residual stream.
	pub d_model: usize,
	/// Width of the MLP's hidden layer.
	pub d_ff: usize,
	/// The context length: the most tokens (prompt and generated) one sequence may have.
	pub max_seq: usize,
	/// Vocabulary size; at least [`VOCAB_SIZE`] (the byte tokenizer's).
	pub vocab_size: usize,
}

impl GptConfig {
	/// The tiny preset (2 layers, d_model 64, 4 heads, d_ff 256, context 256): fast tests.
	pub const fn tiny() -> Self {
		Self {
			n_layers: 2,
			n_heads: 4,
			d_model: 64,
			d_ff: 256,
			max_seq: 256,
			vocab_size: VOCAB_SIZE,
		}
	}

	/// The small preset (6 layers, d_model 256, 8 heads, d_ff 1024, context 512): benchmarks.
	pub const fn small() -> Self {
		Self {
			n_layers: 6,
			n_heads: 8,
			d_model: 256,
			d_ff: 1024,
			max_seq: 512,
			vocab_size: VOCAB_SIZE,
		}
	}

	/// A preset by name (`tiny`, `small`).
	pub fn preset(name: &str) -> Option<Self> {
		match name {
			"tiny" => Some(Self::tiny()),
			"small" => Some(Self::small()),
			_ => None,
		}
	}

	/// The width of one attention head.
	pub fn head_dim(&self) -> usize {
		self.d_model / self.n_heads.max(1)
	}

	/// Checks that the configuration is usable: every size positive, heads dividing
	/// `d_model`, the vocabulary covering the tokenizer, and at most [`MAX_PARAMS`] parameters.
	pub fn validate(&self) -> Result<()> {
		for (name, v) in [
			("n_layers", self.n_layers),
			("n_heads", self.n_heads),
			("d_model", self.d_model),
			("d_ff", self.d_ff),
			("max_seq", self.max_seq),
			("vocab_size", self.vocab_size),
		] {
			if v == 0 || v > (1 << 24) {
				bail!("bad model configuration: {name} = {v} (must be 1 ..= 2^24)");
			}
		}
		if !self.d_model.is_multiple_of(self.n_heads) {
			bail!(
				"bad model configuration: n_heads = {} does not divide d_model = {}",
				self.n_heads,
				self.d_model
			);
		}
		if self.vocab_size < VOCAB_SIZE {
			bail!(
				"bad model configuration: vocab_size = {} is smaller than the tokenizer's {VOCAB_SIZE}",
				self.vocab_size
			);
		}
		match self.checked_params() {
			Some(n) if n <= MAX_PARAMS => Ok(()),
			_ => bail!("bad model configuration: more than {MAX_PARAMS} parameters"),
		}
	}

	/// The number of parameters (saturating on overflow).
	pub fn n_params(&self) -> usize {
		self.checked_params().unwrap_or(usize::MAX)
	}

	fn checked_params(&self) -> Option<usize> {
		self.tensor_shapes().iter().try_fold(0usize, |acc, (_, shape)| {
			acc.checked_add(shape.iter().try_fold(1usize, |p, &d| p.checked_mul(d))?)
		})
	}

	/// The metadata entries that describe this configuration, in file order.
	fn metadata(&self) -> Vec<(&'static str, String)> {
		vec![
			("format", FORMAT.to_string()),
			("format_version", FORMAT_VERSION.to_string()),
			("n_layers", self.n_layers.to_string()),
			("n_heads", self.n_heads.to_string()),
			("d_model", self.d_model.to_string()),
			("d_ff", self.d_ff.to_string()),
			("max_seq", self.max_seq.to_string()),
			("vocab_size", self.vocab_size.to_string()),
		]
	}

	/// Reads a configuration from a file's `__metadata__` and validates it.
	pub fn from_metadata(meta: &HashMap<String, String>) -> Result<Self> {
		match meta.get("format").map(String::as_str) {
			Some(FORMAT) => {},
			Some(other) => bail!("bad model metadata: format is {other:?}, expected {FORMAT:?}"),
			None => bail!("bad model metadata: no `format` key (expected {FORMAT:?})"),
		}
		match meta.get("format_version").map(String::as_str) {
			Some(FORMAT_VERSION) => {},
			other => bail!(
				"bad model metadata: format_version is {other:?}, expected {FORMAT_VERSION:?}"
			),
		}
		let get = |key: &str| -> Result<usize> {
			let v = meta.get(key).ok_or_else(|| anyhow!("bad model metadata: no `{key}` key"))?;
			v.trim()
				.parse::<usize>()
				.map_err(|_| anyhow!("bad model metadata: `{key}` = {v:?} is not a number"))
		};
		let config = Self {
			n_layers: get("n_layers")?,
			n_heads: get("n_heads")?,
			d_model: get("d_model")?,
			d_ff: get("d_ff")?,
			max_seq: get("max_seq")?,
			vocab_size: get("vocab_size")?,
		};
		config.validate()?;
		Ok(config)
	}

	/// Every tensor of the model, name and shape, in file order.
	pub fn tensor_shapes(&self) -> Vec<(String, Vec<usize>)> {
		let (d, f) = (self.d_model, self.d_ff);
		let mut t = vec![
			("wte".to_string(), vec![self.vocab_size, d]),
			("wpe".to_string(), vec![self.max_seq, d]),
		];
		for i in 0..self.n_layers {
			let p = |s: &str| format!("h.{i}.{s}");
			t.extend([
				(p("ln_1.weight"), vec![d]),
				(p("ln_1.bias"), vec![d]),
				(p("attn.qkv.weight"), vec![3 * d, d]),
				(p("attn.qkv.bias"), vec![3 * d]),
				(p("attn.proj.weight"), vec![d, d]),
				(p("attn.proj.bias"), vec![d]),
				(p("ln_2.weight"), vec![d]),
				(p("ln_2.bias"), vec![d]),
				(p("mlp.fc.weight"), vec![f, d]),
				(p("mlp.fc.bias"), vec![f]),
				(p("mlp.proj.weight"), vec![d, f]),
				(p("mlp.proj.bias"), vec![d]),
			]);
		}
		t.push(("ln_f.weight".to_string(), vec![d]));
		t.push(("ln_f.bias".to_string(), vec![d]));
		t
	}
}

// ---------------------------------------------------------------------------------------------
// Seeded generation of model files.
// ---------------------------------------------------------------------------------------------

/// SplitMix64: the seeded generator behind model weights and sampling.
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
	/// A generator started from `seed`.
	pub fn new(seed: u64) -> Self {
		Self(seed)
	}

	/// The next 64 random bits.
	pub fn next_u64(&mut self) -> u64 {
		self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
		let mut z = self.0;
		z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
		z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
		z ^ (z >> 31)
	}

	/// A uniform number in `[0, 1)` with 53 random bits.
	pub fn next_f64(&mut self) -> f64 {
		(self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
	}

	/// A standard normal number (Box–Muller, computed in `f64`).
	pub fn next_normal(&mut self) -> f64 {
		let u1 = 1.0 - self.next_f64(); // (0, 1]
		let u2 = self.next_f64();
		(-2.0 * libm::log(u1)).sqrt() * libm::cos(std::f64::consts::TAU * u2)
	}
}

/// The role of a tensor, which decides how it is initialised.
fn init_kind(name: &str) -> Init {
	if name.ends_with(".bias") {
		Init::Zero
	} else if name.starts_with("ln_f") || name.contains(".ln_") {
		Init::One
	} else if name.ends_with("attn.proj.weight") || name.ends_with("mlp.proj.weight") {
		Init::ResidualNormal
	} else {
		Init::Normal
	}
}

enum Init {
	Zero,
	One,
	Normal,
	ResidualNormal,
}

/// Generates a model with seeded random weights and returns the safetensors file's bytes.
///
/// Weights are normal with standard deviation [`INIT_STD`] (residual projections scaled by
/// `1/sqrt(2 n_layers)`, as GPT-2 does), biases zero, LayerNorm gains one. One [`SplitMix64`]
/// stream started from `seed` fills the tensors in file order, so the same `seed` and
/// `config` always give the same bytes.
pub fn generate_model(seed: u64, config: &GptConfig) -> Result<Vec<u8>> {
	config.validate()?;
	let shapes = config.tensor_shapes();
	let mut rng = SplitMix64::new(seed);
	let residual_std = INIT_STD as f64 / ((2 * config.n_layers) as f64).sqrt();
	let tensors: Vec<(String, Vec<usize>, Vec<f32>)> = shapes
		.into_iter()
		.map(|(name, shape)| {
			let n: usize = shape.iter().product();
			let data = match init_kind(&name) {
				Init::Zero => vec![0.0; n],
				Init::One => vec![1.0; n],
				Init::Normal => {
					(0..n).map(|_| (rng.next_normal() * INIT_STD as f64) as f32).collect()
				},
				Init::ResidualNormal => {
					(0..n).map(|_| (rng.next_normal() * residual_std) as f32).collect()
				},
			};
			(name, shape, data)
		})
		.collect();
	let mut meta = config.metadata();
	meta.push(("seed", seed.to_string()));
	Ok(write_safetensors(&tensors, &meta))
}

/// Serialises `F32` tensors in the given order with the given metadata. Written by hand
/// (rather than with `safetensors::serialize`, whose metadata map has no fixed order) so that
/// the bytes are a function of the input alone.
fn write_safetensors(
	tensors: &[(String, Vec<usize>, Vec<f32>)],
	meta: &[(&str, String)],
) -> Vec<u8> {
	let json = |s: &str| serde_json::Value::String(s.to_string()).to_string();
	let mut header = String::from("{\"__metadata__\":{");
	for (i, (k, v)) in meta.iter().enumerate() {
		if i > 0 {
			header.push(',');
		}
		header.push_str(&format!("{}:{}", json(k), json(v)));
	}
	header.push('}');
	let mut offset = 0usize;
	for (name, shape, data) in tensors {
		let end = offset + data.len() * 4;
		let shape: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
		header.push_str(&format!(
			",{}:{{\"dtype\":\"F32\",\"shape\":[{}],\"data_offsets\":[{offset},{end}]}}",
			json(name),
			shape.join(",")
		));
		offset = end;
	}
	header.push('}');
	// Pad the header with spaces so that the data starts 8-byte aligned, as safetensors does.
	while (header.len() + 8) % 8 != 0 {
		header.push(' ');
	}
	let mut out = Vec::with_capacity(8 + header.len() + offset);
	out.extend_from_slice(&(header.len() as u64).to_le_bytes());
	out.extend_from_slice(header.as_bytes());
	for (_, _, data) in tensors {
		for v in data {
			out.extend_from_slice(&v.to_le_bytes());
		}
	}
	out
}

/// The BLAKE2b-256 hash of a model file's bytes, the model's content identifier.
pub fn content_hash(bytes: &[u8]) -> [u8; 32] {
	let h = blake2b_simd::Params::new().hash_length(32).hash(bytes);
	let mut out = [0u8; 32];
	out.copy_from_slice(h.as_bytes());
	out
}

// ---------------------------------------------------------------------------------------------
// Layers (the matrix kernels are `zg_compute_engine::kernels`).
// ---------------------------------------------------------------------------------------------

/// LayerNorm of `x` into `out` (sequential sums).
fn layer_norm(x: &[f32], g: &[f32], b: &[f32], out: &mut [f32]) {
	let n = x.len() as f32;
	let mut sum = 0f32;
	for v in x {
		sum += v;
	}
	let mean = sum / n;
	let mut var = 0f32;
	for v in x {
		let d = v - mean;
		var += d * d;
	}
	let inv = 1.0 / (var / n + LN_EPS).sqrt();
	for i in 0..x.len() {
		out[i] = (x[i] - mean) * inv * g[i] + b[i];
	}
}

/// GELU, tanh approximation (GPT-2's `gelu_new`).
fn gelu(v: &mut [f32]) {
	const C: f32 = 0.797_884_6; // sqrt(2 / pi)
	for x in v {
		let u = *x;
		*x = 0.5 * u * (1.0 + libm::tanhf(C * u * (1.0 + 0.044715 * u * u)));
	}
}

// ---------------------------------------------------------------------------------------------
// The model.
// ---------------------------------------------------------------------------------------------

struct Layer {
	ln1_g: Vec<f32>,
	ln1_b: Vec<f32>,
	qkv_w: Vec<f32>,
	qkv_b: Vec<f32>,
	proj_w: Vec<f32>,
	proj_b: Vec<f32>,
	ln2_g: Vec<f32>,
	ln2_b: Vec<f32>,
	fc_w: Vec<f32>,
	fc_b: Vec<f32>,
	fc2_w: Vec<f32>,
	fc2_b: Vec<f32>,
}

/// A loaded `zg-tiny-gpt` model. It implements [`Engine`] (backend `cpu`).
pub struct GptModel {
	config: GptConfig,
	wte: Vec<f32>,
	wpe: Vec<f32>,
	layers: Vec<Layer>,
	lnf_g: Vec<f32>,
	lnf_b: Vec<f32>,
	hash: [u8; 32],
	model_id: String,
}

impl std::fmt::Debug for GptModel {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		f.debug_struct("GptModel")
			.field("model_id", &self.model_id)
			.field("config", &self.config)
			.field("hash", &hex::encode(self.hash))
			.finish()
	}
}

/// Reads the configuration from a safetensors file's header.
pub fn read_config(bytes: &[u8]) -> Result<GptConfig> {
	let (_, meta) = safetensors::SafeTensors::read_metadata(bytes)
		.map_err(|e| anyhow!("not a valid safetensors file: {e}"))?;
	let map = meta.metadata().as_ref().ok_or_else(|| {
		anyhow!("bad model metadata: the file has no __metadata__ (not a {FORMAT} model)")
	})?;
	GptConfig::from_metadata(map)
}

impl GptModel {
	/// Loads a model from the bytes of its safetensors file. Errors (never panics) on a file
	/// that is not safetensors, lacks or has bad metadata, or lacks a tensor or has one of the
	/// wrong dtype or shape.
	pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
		let config = read_config(bytes)?;
		let st = safetensors::SafeTensors::deserialize(bytes)
			.map_err(|e| anyhow!("not a valid safetensors file: {e}"))?;
		let mut tensors: HashMap<String, Vec<f32>> = HashMap::new();
		for (name, shape) in config.tensor_shapes() {
			let view =
				st.tensor(&name).map_err(|_| anyhow!("bad model file: missing tensor `{name}`"))?;
			if view.dtype() != safetensors::Dtype::F32 {
				bail!("bad model file: tensor `{name}` is {:?}, expected F32", view.dtype());
			}
			if view.shape() != shape.as_slice() {
				bail!(
					"bad model file: tensor `{name}` has shape {:?}, expected {shape:?}",
					view.shape()
				);
			}
			let data: Vec<f32> = view
				.data()
				.chunks_exact(4)
				.map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
				.collect();
			tensors.insert(name, data);
		}
		let mut take =
			|name: String| tensors.remove(&name).ok_or_else(|| anyhow!("missing tensor `{name}`"));
		let wte = take("wte".into())?;
		let wpe = take("wpe".into())?;
		let mut layers = Vec::with_capacity(config.n_layers);
		for i in 0..config.n_layers {
			let mut t = |s: &str| take(format!("h.{i}.{s}"));
			layers.push(Layer {
				ln1_g: t("ln_1.weight")?,
				ln1_b: t("ln_1.bias")?,
				qkv_w: t("attn.qkv.weight")?,
				qkv_b: t("attn.qkv.bias")?,
				proj_w: t("attn.proj.weight")?,
				proj_b: t("attn.proj.bias")?,
				ln2_g: t("ln_2.weight")?,
				ln2_b: t("ln_2.bias")?,
				fc_w: t("mlp.fc.weight")?,
				fc_b: t("mlp.fc.bias")?,
				fc2_w: t("mlp.proj.weight")?,
				fc2_b: t("mlp.proj.bias")?,
			});
		}
		let lnf_g = take("ln_f.weight".into())?;
		let lnf_b = take("ln_f.bias".into())?;
		Ok(Self {
			config,
			wte,
			wpe,
			layers,
			lnf_g,
			lnf_b,
			hash: content_hash(bytes),
			model_id: DEFAULT_MODEL_ID.to_string(),
		})
	}

	/// Loads a model from a safetensors file.
	pub fn load(path: impl AsRef<Path>) -> Result<Self> {
		let path = path.as_ref();
		let bytes = std::fs::read(path)
			.with_context(|| format!("reading model file {}", path.display()))?;
		Self::from_bytes(&bytes).with_context(|| format!("loading model file {}", path.display()))
	}

	/// Sets the model id the engine reports (default [`DEFAULT_MODEL_ID`]).
	pub fn with_model_id(mut self, id: impl Into<String>) -> Self {
		self.model_id = id.into();
		self
	}

	/// The model's configuration.
	pub fn config(&self) -> &GptConfig {
		&self.config
	}

	/// The BLAKE2b-256 hash of the file the model was loaded from.
	pub fn content_hash(&self) -> [u8; 32] {
		self.hash
	}

	/// A fresh decoding state (empty KV cache).
	pub fn session(&self) -> Session<'_> {
		Session::new(self)
	}

	/// Runs the whole sequence without a KV cache and returns, for every position, the final
	/// hidden state (after the last LayerNorm) and, when `with_logits`, the logits. The
	/// reference that the cached decoder must agree with, and the path of [`Engine::embed`].
	pub fn forward_full(&self, tokens: &[u32], with_logits: bool) -> Result<FullOutput> {
		let c = &self.config;
		let (d, t_len, hd) = (c.d_model, tokens.len(), c.head_dim());
		if t_len == 0 {
			bail!("no tokens");
		}
		if t_len > c.max_seq {
			bail!("{t_len} tokens do not fit the model's context of {}", c.max_seq);
		}
		let mut x = vec![0f32; t_len * d];
		for (t, &tok) in tokens.iter().enumerate() {
			let tok = self.check_token(tok)?;
			for i in 0..d {
				x[t * d + i] = self.wte[tok * d + i] + self.wpe[t * d + i];
			}
		}
		let mut xn = vec![0f32; d];
		let mut qkv = vec![0f32; t_len * 3 * d];
		let mut att = vec![0f32; d];
		let mut tmp = vec![0f32; d];
		let mut h = vec![0f32; c.d_ff];
		let mut scores = vec![0f32; t_len];
		let scale = 1.0 / (hd as f32).sqrt();
		for l in &self.layers {
			for t in 0..t_len {
				layer_norm(&x[t * d..(t + 1) * d], &l.ln1_g, &l.ln1_b, &mut xn);
				kernels::matvec(
					&l.qkv_w,
					Some(&l.qkv_b),
					&xn,
					&mut qkv[t * 3 * d..(t + 1) * 3 * d],
				);
			}
			for t in 0..t_len {
				for head in 0..c.n_heads {
					let q = &qkv[t * 3 * d + head * hd..t * 3 * d + (head + 1) * hd];
					for j in 0..=t {
						let k = &qkv[j * 3 * d + d + head * hd..j * 3 * d + d + (head + 1) * hd];
						scores[j] = kernels::dot(q, k) * scale;
					}
					softmax(&mut scores[..=t]);
					let out = &mut att[head * hd..(head + 1) * hd];
					out.fill(0.0);
					for j in 0..=t {
						let v = &qkv
							[j * 3 * d + 2 * d + head * hd..j * 3 * d + 2 * d + (head + 1) * hd];
						let p = scores[j];
						for i in 0..hd {
							out[i] += p * v[i];
						}
					}
				}
				kernels::matvec(&l.proj_w, Some(&l.proj_b), &att, &mut tmp);
				let xt = &mut x[t * d..(t + 1) * d];
				for i in 0..d {
					xt[i] += tmp[i];
				}
				layer_norm(xt, &l.ln2_g, &l.ln2_b, &mut xn);
				kernels::matvec(&l.fc_w, Some(&l.fc_b), &xn, &mut h);
				gelu(&mut h);
				kernels::matvec(&l.fc2_w, Some(&l.fc2_b), &h, &mut tmp);
				for i in 0..d {
					xt[i] += tmp[i];
				}
			}
		}
		let mut hidden = vec![0f32; t_len * d];
		for t in 0..t_len {
			layer_norm(
				&x[t * d..(t + 1) * d],
				&self.lnf_g,
				&self.lnf_b,
				&mut hidden[t * d..(t + 1) * d],
			);
		}
		let logits = with_logits.then(|| {
			let mut logits = vec![0f32; t_len * c.vocab_size];
			for t in 0..t_len {
				kernels::matvec(
					&self.wte,
					None,
					&hidden[t * d..(t + 1) * d],
					&mut logits[t * c.vocab_size..(t + 1) * c.vocab_size],
				);
			}
			logits
		});
		Ok(FullOutput { hidden, logits })
	}

	fn check_token(&self, tok: u32) -> Result<usize> {
		let t = tok as usize;
		if t >= self.config.vocab_size {
			bail!("token {tok} is outside the vocabulary of {}", self.config.vocab_size);
		}
		Ok(t)
	}

	/// Generates token ids greedily (or sampled, per `params`) after `prompt` (which should
	/// start with [`BOS`]), calling `on_id` with each new id until it returns `false`, the
	/// model produces [`EOS`], `params.max_tokens` ids were produced, or the context is full.
	/// Returns the ids (including a final EOS) and why generation ended. The tokenizer-level
	/// loop of [`Engine::generate`] and of the benchmark.
	pub fn generate_ids(
		&self,
		prompt: &[u32],
		params: &GenerateParams,
		on_id: &mut dyn FnMut(u32) -> bool,
	) -> Result<(Vec<u32>, FinishReason)> {
		if prompt.len() > self.config.max_seq {
			return Err(anyhow::Error::new(zg_compute_engine::Refused(
				zg_compute_engine::Refusal::ContextTooLong,
			))
			.context(format!(
				"the prompt has {} tokens; the model's context is {} tokens",
				prompt.len(),
				self.config.max_seq
			)));
		}
		generation::generate_ids(
			self.session(),
			prompt,
			self.config.max_seq,
			params,
			|id| id < VOCAB_SIZE && id != BOS as usize,
			|id| id == EOS,
			on_id,
		)
	}
}

/// What [`GptModel::forward_full`] returns.
#[derive(Clone, Debug)]
pub struct FullOutput {
	/// Final hidden states, `tokens × d_model`, row-major.
	pub hidden: Vec<f32>,
	/// Logits, `tokens × vocab_size`, row-major (when asked for).
	pub logits: Option<Vec<f32>>,
}

/// The decoding state of one sequence: the KV cache and scratch buffers. Feed tokens with
/// [`Session::advance`]; read the next-token logits with [`Session::logits`].
pub struct Session<'m> {
	model: &'m GptModel,
	pos: usize,
	k: Vec<Vec<f32>>,
	v: Vec<Vec<f32>>,
	x: Vec<f32>,
	xn: Vec<f32>,
	qkv: Vec<f32>,
	att: Vec<f32>,
	tmp: Vec<f32>,
	h: Vec<f32>,
	scores: Vec<f32>,
	logits: Vec<f32>,
}

impl Decoder for Session<'_> {
	fn advance(&mut self, token: u32, logits: bool) -> Result<()> {
		Session::advance(self, token, logits)
	}
	fn logits(&self) -> &[f32] {
		Session::logits(self)
	}
	fn pos(&self) -> usize {
		Session::pos(self)
	}
}

impl<'m> Session<'m> {
	fn new(model: &'m GptModel) -> Self {
		let c = &model.config;
		let d = c.d_model;
		Self {
			model,
			pos: 0,
			k: (0..c.n_layers).map(|_| Vec::with_capacity(c.max_seq * d)).collect(),
			v: (0..c.n_layers).map(|_| Vec::with_capacity(c.max_seq * d)).collect(),
			x: vec![0.0; d],
			xn: vec![0.0; d],
			qkv: vec![0.0; 3 * d],
			att: vec![0.0; d],
			tmp: vec![0.0; d],
			h: vec![0.0; c.d_ff],
			scores: vec![0.0; c.max_seq],
			logits: vec![0.0; c.vocab_size],
		}
	}

	/// Tokens fed so far.
	pub fn pos(&self) -> usize {
		self.pos
	}

	/// The logits after the last token fed with `logits = true`.
	pub fn logits(&self) -> &[f32] {
		&self.logits
	}

	/// Feeds one token at the next position, extending the KV cache; computes the next-token
	/// logits when `logits` is set (skipping the LM head for prompt tokens but the last).
	pub fn advance(&mut self, token: u32, logits: bool) -> Result<()> {
		let m = self.model;
		let c = &m.config;
		let (d, hd, pos) = (c.d_model, c.head_dim(), self.pos);
		if pos >= c.max_seq {
			bail!("the sequence is longer than the model's context of {} tokens", c.max_seq);
		}
		let tok = m.check_token(token)?;
		for i in 0..d {
			self.x[i] = m.wte[tok * d + i] + m.wpe[pos * d + i];
		}
		let scale = 1.0 / (hd as f32).sqrt();
		for (li, l) in m.layers.iter().enumerate() {
			layer_norm(&self.x, &l.ln1_g, &l.ln1_b, &mut self.xn);
			kernels::matvec(&l.qkv_w, Some(&l.qkv_b), &self.xn, &mut self.qkv);
			let (kc, vc) = (&mut self.k[li], &mut self.v[li]);
			kc.extend_from_slice(&self.qkv[d..2 * d]);
			vc.extend_from_slice(&self.qkv[2 * d..3 * d]);
			for head in 0..c.n_heads {
				let q = &self.qkv[head * hd..(head + 1) * hd];
				let scores = &mut self.scores[..=pos];
				for (j, s) in scores.iter_mut().enumerate() {
					*s = kernels::dot(q, &kc[j * d + head * hd..j * d + (head + 1) * hd]) * scale;
				}
				softmax(scores);
				let out = &mut self.att[head * hd..(head + 1) * hd];
				out.fill(0.0);
				for (j, &p) in scores.iter().enumerate() {
					let v = &vc[j * d + head * hd..j * d + (head + 1) * hd];
					for i in 0..hd {
						out[i] += p * v[i];
					}
				}
			}
			kernels::matvec(&l.proj_w, Some(&l.proj_b), &self.att, &mut self.tmp);
			for i in 0..d {
				self.x[i] += self.tmp[i];
			}
			layer_norm(&self.x, &l.ln2_g, &l.ln2_b, &mut self.xn);
			kernels::matvec(&l.fc_w, Some(&l.fc_b), &self.xn, &mut self.h);
			gelu(&mut self.h);
			kernels::matvec(&l.fc2_w, Some(&l.fc2_b), &self.h, &mut self.tmp);
			for i in 0..d {
				self.x[i] += self.tmp[i];
			}
		}
		self.pos += 1;
		if logits {
			layer_norm(&self.x, &m.lnf_g, &m.lnf_b, &mut self.xn);
			kernels::matvec(&m.wte, None, &self.xn, &mut self.logits);
		}
		Ok(())
	}
}

impl Engine for GptModel {
	fn model_id(&self) -> &str {
		&self.model_id
	}

	fn backend(&self) -> &str {
		"cpu"
	}

	fn model_root(&self) -> Option<[u8; 32]> {
		Some(self.hash)
	}

	fn can_generate(&self) -> bool {
		true
	}

	fn can_embed(&self) -> bool {
		true
	}

	fn generate(
		&self,
		prompt: &str,
		params: &GenerateParams,
		on_token: &mut dyn FnMut(&str) -> bool,
	) -> Result<Generation> {
		let ids = ByteTokenizer.encode(prompt, true);
		generation::generate_text(&ids, params, on_token, ByteTokenizer::bytes, |on_id| {
			self.generate_ids(&ids, params, on_id)
		})
	}

	/// Mean of the final hidden states over all tokens (BOS included; inputs longer than the
	/// context are truncated), L2-normalised.
	fn embed(&self, inputs: &[String]) -> Result<Embeddings> {
		let d = self.config.d_model;
		let mut vectors = Vec::with_capacity(inputs.len());
		let mut prompt_tokens = 0u32;
		for input in inputs {
			let mut ids = ByteTokenizer.encode(input, true);
			ids.truncate(self.config.max_seq);
			prompt_tokens = prompt_tokens.saturating_add(ids.len() as u32);
			let out = self.forward_full(&ids, false)?;
			let mut v = vec![0f32; d];
			for row in out.hidden.chunks_exact(d) {
				for i in 0..d {
					v[i] += row[i];
				}
			}
			let n = ids.len() as f32;
			let mut norm = 0f32;
			for x in v.iter_mut() {
				*x /= n;
				norm += *x * *x;
			}
			let norm = norm.sqrt();
			if !(norm.is_finite() && norm > 0.0) {
				bail!("the model produced a degenerate embedding");
			}
			for x in v.iter_mut() {
				*x /= norm;
			}
			vectors.push(v);
		}
		Ok(Embeddings { vectors, prompt_tokens })
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn tiny(seed: u64) -> GptModel {
		GptModel::from_bytes(&generate_model(seed, &GptConfig::tiny()).unwrap()).unwrap()
	}

	fn run(m: &GptModel, prompt: &str, params: &GenerateParams) -> (Generation, String) {
		let mut streamed = String::new();
		let g = m
			.generate(prompt, params, &mut |s| {
				streamed.push_str(s);
				true
			})
			.unwrap();
		(g, streamed)
	}

	/// The golden values: the tiny model of seed 42 (what `zg-model tiny --seed 42` writes and
	/// the testnet serves) and its greedy answer to a fixed prompt. A change of the arithmetic
	/// that moves a bit changes them: every provider would then disagree with the others in
	/// disputes, so such a change must be deliberate (and the values updated with it).
	#[test]
	fn golden_model_and_output() {
		let bytes = generate_model(42, &GptConfig::tiny()).unwrap();
		assert_eq!(hex::encode(content_hash(&bytes)), GOLDEN_MODEL);
		let m = GptModel::from_bytes(&bytes).unwrap();
		let params = GenerateParams { max_tokens: 24, ..Default::default() };
		let (g, _) = run(&m, "The 0G chain is", &params);
		let output = blake2b_simd::Params::new().hash_length(32).hash(g.text.as_bytes());
		assert_eq!((g.prompt_tokens, g.completion_tokens), (GOLDEN_TOKENS.0, GOLDEN_TOKENS.1));
		assert_eq!(hex::encode(output.as_bytes()), GOLDEN_OUTPUT);
	}

	const GOLDEN_MODEL: &str = "826e2576676d8169b0e237de1f7a2c3f641790a9265d31206cbbf62f37377be8";
	const GOLDEN_OUTPUT: &str = "611dc91d23f311d3f0720e55bfa0989a9152f0bbdbd7299861af0eac34b32efc";
	const GOLDEN_TOKENS: (u32, u32) = (16, 24);

	#[test]
	fn same_seed_same_bytes_other_seed_differs() {
		let a = generate_model(42, &GptConfig::tiny()).unwrap();
		let b = generate_model(42, &GptConfig::tiny()).unwrap();
		let c = generate_model(43, &GptConfig::tiny()).unwrap();
		assert_eq!(a, b);
		assert_eq!(content_hash(&a), content_hash(&b));
		assert_eq!(a.len(), c.len());
		assert_ne!(a, c);
		assert_ne!(content_hash(&a), content_hash(&c));
		// Readable by the safetensors crate, with the configuration in the metadata.
		assert_eq!(read_config(&a).unwrap(), GptConfig::tiny());
		let st = safetensors::SafeTensors::deserialize(&a).unwrap();
		assert_eq!(st.len(), GptConfig::tiny().tensor_shapes().len());
	}

	#[test]
	fn generation_is_bit_identical_across_runs_and_reloads() {
		let bytes = generate_model(7, &GptConfig::tiny()).unwrap();
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("tiny.safetensors");
		std::fs::write(&path, &bytes).unwrap();
		let m1 = GptModel::from_bytes(&bytes).unwrap();
		let m2 = GptModel::load(&path).unwrap();
		assert_eq!(m1.content_hash(), m2.content_hash());
		let params = GenerateParams { max_tokens: 40, ..Default::default() };
		let (g1, s1) = run(&m1, "The 0G chain ", &params);
		let (g2, _) = run(&m1, "The 0G chain ", &params);
		let (g3, _) = run(&m2, "The 0G chain ", &params);
		assert_eq!(g1.text, g2.text);
		assert_eq!(g1.text, g3.text);
		assert_eq!(s1, g1.text);
		let ids1 =
			m1.generate_ids(&ByteTokenizer.encode("abc", true), &params, &mut |_| true).unwrap();
		let ids2 =
			m2.generate_ids(&ByteTokenizer.encode("abc", true), &params, &mut |_| true).unwrap();
		assert_eq!(ids1, ids2);
		// Logits are bit-identical too.
		let l1 = m1.forward_full(&[BOS, 1, 2, 3], true).unwrap().logits.unwrap();
		let l2 = m2.forward_full(&[BOS, 1, 2, 3], true).unwrap().logits.unwrap();
		assert_eq!(
			l1.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
			l2.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
		);
	}

	#[test]
	fn kv_cache_matches_full_recompute() {
		let m = tiny(3);
		let ids = ByteTokenizer.encode("KV caches must not change the answer: ñ🦀", true);
		let full = m.forward_full(&ids, true).unwrap().logits.unwrap();
		let v = m.config().vocab_size;
		let mut s = m.session();
		for (t, &id) in ids.iter().enumerate() {
			s.advance(id, true).unwrap();
			for (a, b) in s.logits().iter().zip(&full[t * v..(t + 1) * v]) {
				assert!((a - b).abs() <= 1e-5, "position {t}: {a} vs {b}");
			}
		}
	}

	#[test]
	fn avx_and_baseline_kernels_agree_bit_for_bit() {
		let mut rng = SplitMix64::new(9);
		for (rows, cols) in [(13, 37), (64, 64), (5, 8), (258, 256), (7, 3)] {
			let w: Vec<f32> = (0..rows * cols).map(|_| rng.next_normal() as f32).collect();
			let b: Vec<f32> = (0..rows).map(|_| rng.next_normal() as f32).collect();
			let x: Vec<f32> = (0..cols).map(|_| rng.next_normal() as f32).collect();
			let (mut y1, mut y2) = (vec![0f32; rows], vec![0f32; rows]);
			kernels::matvec(&w, Some(&b), &x, &mut y1);
			kernels::matvec_baseline(&w, Some(&b), &x, &mut y2);
			assert_eq!(y1, y2);
			for r in 0..rows {
				let naive: f64 = (0..cols)
					.map(|c| w[r * cols + c] as f64 * x[c] as f64)
					.sum::<f64>() + b[r] as f64;
				assert!((y1[r] as f64 - naive).abs() < 1e-4, "{} vs {naive}", y1[r]);
				assert_eq!(kernels::dot(&w[r * cols..(r + 1) * cols], &x) + b[r], y1[r]);
			}
		}
	}

	#[test]
	fn stops_at_max_tokens_with_length() {
		let m = tiny(1);
		let params = GenerateParams { max_tokens: 5, ..Default::default() };
		let (g, _) = run(&m, "hi", &params);
		assert_eq!(g.prompt_tokens, 3);
		if g.finish_reason == FinishReason::Length {
			assert_eq!(g.completion_tokens, 5);
		} else {
			assert!(g.completion_tokens <= 5);
		}
		// With EOS unreachable in 5 tokens or not, max_tokens 0 is always Length.
		let (g0, _) = run(&m, "hi", &GenerateParams { max_tokens: 0, ..Default::default() });
		assert_eq!(
			(g0.completion_tokens, g0.finish_reason, g0.text.as_str()),
			(0, FinishReason::Length, "")
		);
		// Greedy decoding of this untrained model does not produce EOS early: check Length.
		let (ids, reason) =
			m.generate_ids(&ByteTokenizer.encode("hi", true), &params, &mut |_| true).unwrap();
		assert!(!ids.contains(&EOS));
		assert_eq!((ids.len(), reason), (5, FinishReason::Length));
		assert_eq!(g.finish_reason, FinishReason::Length);
		// The context bounds generation too.
		let long = "x".repeat(250);
		let (g, _) = run(&m, &long, &GenerateParams { max_tokens: 100, ..Default::default() });
		assert_eq!(g.finish_reason, FinishReason::Length);
		assert_eq!(g.prompt_tokens + g.completion_tokens, 256 + 1);
		// A prompt longer than the context is an error, not a panic.
		assert!(m.generate(&"x".repeat(400), &params, &mut |_| true).is_err());
	}

	#[test]
	fn stop_sequences_and_callback() {
		let m = tiny(1);
		let params = GenerateParams { max_tokens: 30, ..Default::default() };
		let (g, _) = run(&m, "hello", &params);
		assert!(g.text.chars().count() >= 4, "{:?}", g.text);
		// Stop at a sequence taken from the middle of the unconstrained output.
		let chars: Vec<char> = g.text.chars().collect();
		let stop: String = chars[2..4].iter().collect();
		let cut = g.text.find(&stop).unwrap();
		let params2 = GenerateParams { stop: vec![stop.clone()], ..params.clone() };
		let (g2, streamed) = run(&m, "hello", &params2);
		assert_eq!(g2.text, g.text[..cut]);
		assert_eq!(streamed, g2.text);
		assert_eq!(g2.finish_reason, FinishReason::Stop);
		// The callback can stop generation.
		let mut n = 0;
		let g3 = m
			.generate("hello", &params, &mut |_| {
				n += 1;
				n < 2
			})
			.unwrap();
		assert_eq!(g3.finish_reason, FinishReason::Stop);
		assert!(g3.completion_tokens < 30);
	}

	#[test]
	fn sampling_is_seeded() {
		let m = tiny(5);
		let p = |seed| GenerateParams {
			max_tokens: 30,
			temperature: 1.5,
			seed,
			deterministic: false,
			stop: vec![],
		};
		let a = m.generate_ids(&[BOS, 65], &p(1), &mut |_| true).unwrap();
		let b = m.generate_ids(&[BOS, 65], &p(1), &mut |_| true).unwrap();
		let c = m.generate_ids(&[BOS, 65], &p(2), &mut |_| true).unwrap();
		assert_eq!(a, b);
		assert_ne!(a, c);
		assert!(a.0.iter().all(|&id| id != BOS && (id as usize) < VOCAB_SIZE));
	}

	#[test]
	fn embed_returns_unit_vectors() {
		let m = tiny(11);
		let inputs = vec!["hello".to_string(), String::new(), "日本".to_string(), "x".repeat(1000)];
		let e = m.embed(&inputs).unwrap();
		assert_eq!(e.vectors.len(), 4);
		assert_eq!(e.prompt_tokens, 6 + 1 + 7 + 256);
		for v in &e.vectors {
			assert_eq!(v.len(), 64);
			let n: f32 = v.iter().map(|x| x * x).sum();
			assert!((n - 1.0).abs() < 1e-5, "{n}");
		}
		assert_ne!(e.vectors[0], e.vectors[2]);
		assert_eq!(m.embed(&inputs).unwrap().vectors, e.vectors);
	}

	#[test]
	fn bad_files_give_clear_errors() {
		let config = GptConfig::tiny();
		let good = generate_model(1, &config).unwrap();
		let err = |bytes: &[u8]| format!("{:#}", GptModel::from_bytes(bytes).unwrap_err());

		assert!(err(b"").contains("not a valid safetensors"));
		assert!(err(&good[..good.len() - 4]).contains("not a valid safetensors"));

		// A tensor missing.
		let mut tensors = Vec::new();
		let st = safetensors::SafeTensors::deserialize(&good).unwrap();
		for (name, shape) in config.tensor_shapes() {
			if name == "h.1.mlp.fc.bias" {
				continue;
			}
			let data = st
				.tensor(&name)
				.unwrap()
				.data()
				.chunks_exact(4)
				.map(|c| f32::from_le_bytes(c.try_into().unwrap()))
				.collect();
			tensors.push((name, shape, data));
		}
		let meta = config.metadata();
		let e = err(&write_safetensors(&tensors, &meta));
		assert!(e.contains("missing tensor `h.1.mlp.fc.bias`"), "{e}");

		// A tensor of the wrong shape.
		let mut wrong = tensors.clone();
		wrong.push(("h.1.mlp.fc.bias".into(), vec![255], vec![0.0; 255]));
		let e = err(&write_safetensors(&wrong, &meta));
		assert!(e.contains("`h.1.mlp.fc.bias` has shape [255]"), "{e}");

		// Bad metadata.
		let mut full = tensors.clone();
		full.push(("h.1.mlp.fc.bias".into(), vec![256], vec![0.0; 256]));
		assert!(GptModel::from_bytes(&write_safetensors(&full, &meta)).is_ok());
		let with = |key: &str, value: &str| {
			let m: Vec<(&str, String)> = meta
				.iter()
				.map(|(k, v)| (*k, if *k == key { value.to_string() } else { v.clone() }))
				.collect();
			err(&write_safetensors(&full, &m))
		};
		assert!(with("n_heads", "5").contains("does not divide"));
		assert!(with("d_model", "sixty-four").contains("not a number"));
		assert!(with("format", "llama").contains("format"));
		assert!(with("n_layers", "0").contains("n_layers"));
		assert!(with("vocab_size", "100").contains("vocab_size"));
		assert!(err(&write_safetensors(&full, &[])).contains("no `format`"));
		let no_meta = {
			// No __metadata__ at all: written by the safetensors crate.
			let views: Vec<(String, safetensors::tensor::TensorView)> = st.tensors();
			safetensors::serialize(views, None).unwrap()
		};
		assert!(err(&no_meta).contains("no __metadata__"));
		// A configuration too large is refused before anything is allocated.
		let huge = GptConfig { d_model: 1 << 20, d_ff: 1 << 20, ..config };
		assert!(generate_model(1, &huge).is_err());
	}
}
