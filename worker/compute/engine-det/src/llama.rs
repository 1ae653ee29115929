//! Llama-architecture models from GGUF files (SmolLM2, TinyLlama, Llama 3, …), in the
//! deterministic engine.
//!
//! The architecture: token embeddings; `n_layers` pre-RMSNorm blocks of grouped-query causal
//! self-attention (rotary position embeddings on adjacent pairs, as GGUF's converted `llama`
//! weights expect) and a SwiGLU MLP, each added to the residual stream; a final RMSNorm and an
//! LM head (the token embedding when the file has no `output.weight`). Tokens are byte-level
//! BPE ([`crate::bpe`]); chats are rendered by the model's own chat template
//! (`tokenizer.chat_template`, Jinja, through `minijinja` as Hugging Face renders it).
//!
//! **Determinism**, as in [`crate::gpt`]: quantized weights are dequantized once, when the
//! model loads, to `f32` (exactly: block scale times quant, plus the block minimum); every dot
//! product is `zg_compute_engine::kernels::dot`'s fixed order; other sums are sequential;
//! `exp` (SiLU, softmax), `pow`, `cos` and `sin` (the rotary angles, in `f64`) are `libm`'s.
//! Greedy decoding picks the lowest id among equal maxima. So the same file and prompt give the
//! same bytes on every x86-64 machine (the golden test pins them for SmolLM2-135M-Instruct).

use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};

use crate::{
	bpe::Bpe,
	generation::{self, Decoder},
	gguf::Gguf,
	gpt::content_hash,
};
use zg_compute_engine::{
	kernels::{self, softmax},
	ChatMessage, Embeddings, Engine, FinishReason, GenerateParams, Generation, Refusal, Refused,
};

/// The longest context kept: the model's, at most this many tokens (it bounds the KV cache).
pub const MAX_CONTEXT: usize = 4096;
/// The largest number of parameters a file may declare.
pub const MAX_PARAMS: usize = 1 << 31;
/// The largest width, layer count, head count or vocabulary a file may declare.
pub const MAX_SIZE: usize = 1 << 20;

/// The shape of a Llama model, from the file's `llama.*` metadata.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LlamaConfig {
	/// Width of the residual stream (`llama.embedding_length`).
	pub dim: usize,
	/// Width of the MLP (`llama.feed_forward_length`).
	pub hidden_dim: usize,
	/// Blocks (`llama.block_count`).
	pub n_layers: usize,
	/// Query heads (`llama.attention.head_count`).
	pub n_heads: usize,
	/// Key and value heads (`llama.attention.head_count_kv`; divides `n_heads`).
	pub n_kv_heads: usize,
	/// Tokens (the embedding's rows).
	pub vocab_size: usize,
	/// Positions kept: `llama.context_length`, at most [`MAX_CONTEXT`].
	pub context: usize,
	/// The rotary base (`llama.rope.freq_base`, default 10 000).
	pub rope_theta: f64,
	/// The RMSNorm epsilon (`llama.attention.layer_norm_rms_epsilon`).
	pub rms_eps: f32,
}

impl LlamaConfig {
	fn from_gguf(g: &Gguf) -> Result<Self> {
		let arch = g.get("general.architecture")?.as_str().unwrap_or_default();
		if arch != "llama" {
			bail!("architecture {arch:?} is not supported (llama is)");
		}
		let int = |key: &str| -> Result<usize> {
			usize::try_from(g.get_u64(key)?).map_err(|_| anyhow!("{key} is too large"))
		};
		let embed =
			g.tensors.get("token_embd.weight").ok_or_else(|| anyhow!("no token_embd.weight"))?;
		let c = Self {
			dim: int("llama.embedding_length")?,
			hidden_dim: int("llama.feed_forward_length")?,
			n_layers: int("llama.block_count")?,
			n_heads: int("llama.attention.head_count")?,
			n_kv_heads: match g.meta.get("llama.attention.head_count_kv") {
				Some(_) => int("llama.attention.head_count_kv")?,
				None => int("llama.attention.head_count")?,
			},
			vocab_size: embed.dims.get(1).copied().unwrap_or(0),
			context: int("llama.context_length")?.min(MAX_CONTEXT),
			rope_theta: match g.meta.get("llama.rope.freq_base") {
				Some(_) => g.get_f64("llama.rope.freq_base")?,
				None => 10_000.0,
			},
			rms_eps: g.get_f64("llama.attention.layer_norm_rms_epsilon")? as f32,
		};
		c.validate()?;
		Ok(c)
	}

	fn validate(&self) -> Result<()> {
		let sizes = [self.dim, self.hidden_dim, self.n_layers, self.n_heads, self.n_kv_heads];
		if sizes.contains(&0) || self.vocab_size == 0 || self.context == 0 {
			bail!("bad model configuration: a size is zero ({self:?})");
		}
		// Each size small enough that no product below overflows before the parameter count
		// is checked.
		if sizes.iter().chain([&self.vocab_size]).any(|&n| n > MAX_SIZE) {
			bail!("bad model configuration: a size is over {MAX_SIZE} ({self:?})");
		}
		if !self.dim.is_multiple_of(self.n_heads) || !self.n_heads.is_multiple_of(self.n_kv_heads) {
			bail!("bad model configuration: heads do not divide ({self:?})");
		}
		if !self.head_dim().is_multiple_of(2) {
			bail!("bad model configuration: the head width {} is odd", self.head_dim());
		}
		let theta_ok = self.rope_theta.is_finite() && self.rope_theta > 1.0;
		let eps_ok = self.rms_eps.is_finite() && self.rms_eps > 0.0;
		if !(theta_ok && eps_ok) {
			bail!("bad model configuration: rope_theta or rms_eps ({self:?})");
		}
		let per_layer = self
			.dim
			.checked_mul(2 * self.dim + 2 * self.kv_dim() + 3 * self.hidden_dim)
			.and_then(|n| n.checked_mul(self.n_layers));
		let params = per_layer.and_then(|n| n.checked_add(self.vocab_size.checked_mul(self.dim)?));
		if params.is_none_or(|n| n > MAX_PARAMS) {
			bail!("bad model configuration: more than {MAX_PARAMS} parameters ({self:?})");
		}
		Ok(())
	}

	/// Width of one head.
	pub fn head_dim(&self) -> usize {
		self.dim / self.n_heads
	}

	/// Width of the keys (and of the values).
	pub fn kv_dim(&self) -> usize {
		self.n_kv_heads * self.head_dim()
	}
}

struct Layer {
	attn_norm: Vec<f32>,
	wq: Vec<f32>,
	wk: Vec<f32>,
	wv: Vec<f32>,
	wo: Vec<f32>,
	ffn_norm: Vec<f32>,
	gate: Vec<f32>,
	up: Vec<f32>,
	down: Vec<f32>,
}

/// A Llama model, ready to generate.
pub struct LlamaModel {
	config: LlamaConfig,
	layers: Vec<Layer>,
	embed: Vec<f32>,
	out_norm: Vec<f32>,
	/// The LM head, when not tied to the embedding.
	output: Option<Vec<f32>>,
	tokenizer: Bpe,
	template: Option<minijinja::Environment<'static>>,
	bos: u32,
	eos: u32,
	add_bos: bool,
	/// The most bytes one token stands for: a prompt longer than the context times this
	/// cannot fit, and is refused before it is tokenized.
	longest_token: usize,
	/// `theta^(-2i / head_dim)` for each pair of a head.
	inv_freq: Vec<f64>,
	hash: [u8; 32],
	model_id: String,
}

impl std::fmt::Debug for LlamaModel {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		f.debug_struct("LlamaModel")
			.field("model_id", &self.model_id)
			.field("config", &self.config)
			.field("hash", &hex::encode(self.hash))
			.finish()
	}
}

/// The name of the chat template in the engine's template environment.
const TEMPLATE: &str = "chat";

/// A minijinja environment as Hugging Face renders chat templates: blocks trimmed, Python's
/// string methods, and `raise_exception` for the templates that refuse a conversation.
fn template_env(source: String) -> Result<minijinja::Environment<'static>> {
	let mut env = minijinja::Environment::new();
	let syntax = minijinja::syntax::SyntaxConfig::builder()
		.trim_blocks(true)
		.lstrip_blocks(true)
		.build()
		.context("the chat template syntax")?;
	env.set_syntax(syntax);
	env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
	env.add_function("raise_exception", |message: String| -> Result<String, minijinja::Error> {
		Err(minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, message))
	});
	env.add_template_owned(TEMPLATE, source).context("the model's chat template does not parse")?;
	Ok(env)
}

impl LlamaModel {
	/// Loads a model from the bytes of a GGUF file.
	pub fn from_bytes(bytes: Vec<u8>) -> Result<Self> {
		let hash = content_hash(&bytes);
		let g = Gguf::parse(bytes)?;
		let c = LlamaConfig::from_gguf(&g)?;
		let (d, kv, hidden) = (c.dim, c.kv_dim(), c.hidden_dim);
		let tensor = |name: &str, dims: &[usize]| g.tensor(name, dims);
		let mut layers = Vec::new();
		for i in 0..c.n_layers {
			let t = |part: &str, dims: &[usize]| tensor(&format!("blk.{i}.{part}.weight"), dims);
			layers.push(Layer {
				attn_norm: t("attn_norm", &[d])?,
				wq: t("attn_q", &[d, d])?,
				wk: t("attn_k", &[d, kv])?,
				wv: t("attn_v", &[d, kv])?,
				wo: t("attn_output", &[d, d])?,
				ffn_norm: t("ffn_norm", &[d])?,
				gate: t("ffn_gate", &[d, hidden])?,
				up: t("ffn_up", &[d, hidden])?,
				down: t("ffn_down", &[hidden, d])?,
			});
		}
		let embed = tensor("token_embd.weight", &[d, c.vocab_size])?;
		let out_norm = tensor("output_norm.weight", &[d])?;
		let output = match g.tensors.contains_key("output.weight") {
			true => Some(tensor("output.weight", &[d, c.vocab_size])?),
			false => None,
		};
		let tokenizer = Bpe::from_gguf(&g)?;
		if tokenizer.len() != c.vocab_size {
			bail!("the tokenizer has {} tokens, the model {}", tokenizer.len(), c.vocab_size);
		}
		let id = |key: &str| -> Result<u32> {
			u32::try_from(g.get_u64(key)?)
				.ok()
				.filter(|&id| (id as usize) < c.vocab_size)
				.ok_or_else(|| anyhow!("{key} is not a token"))
		};
		let add_bos = matches!(
			g.meta.get("tokenizer.ggml.add_bos_token"),
			Some(crate::gguf::Value::Bool(true))
		);
		let template = match g.meta.get("tokenizer.chat_template").and_then(|v| v.as_str()) {
			Some(source) => Some(template_env(source.to_string())?),
			None => None,
		};
		let longest_token = (0..tokenizer.len() as u32)
			.map(|id| tokenizer.token_bytes(id).len())
			.max()
			.unwrap_or(1);
		let hd = c.head_dim();
		let inv_freq =
			(0..hd / 2).map(|i| libm::pow(c.rope_theta, -((2 * i) as f64) / hd as f64)).collect();
		Ok(Self {
			config: c,
			layers,
			embed,
			out_norm,
			output,
			bos: id("tokenizer.ggml.bos_token_id")?,
			eos: id("tokenizer.ggml.eos_token_id")?,
			add_bos,
			longest_token,
			tokenizer,
			template,
			inv_freq,
			hash,
			model_id: g
				.meta
				.get("general.name")
				.and_then(|v| v.as_str())
				.unwrap_or("llama")
				.to_string(),
		})
	}

	/// Whether the file at `path` is a GGUF file (by its magic).
	pub fn is_gguf(path: impl AsRef<Path>) -> Result<bool> {
		let path = path.as_ref();
		let mut magic = [0u8; 4];
		let mut file =
			std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
		Ok(std::io::Read::read_exact(&mut file, &mut magic).is_ok() && &magic == b"GGUF")
	}

	/// Loads the GGUF file at `path`.
	pub fn load(path: impl AsRef<Path>) -> Result<Self> {
		let path = path.as_ref();
		let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
		Self::from_bytes(bytes).with_context(|| format!("loading model file {}", path.display()))
	}

	/// Serves the model under `id`.
	pub fn with_model_id(mut self, id: impl Into<String>) -> Self {
		self.model_id = id.into();
		self
	}

	/// The model's shape.
	pub fn config(&self) -> &LlamaConfig {
		&self.config
	}

	/// Its tokenizer.
	pub fn tokenizer(&self) -> &Bpe {
		&self.tokenizer
	}

	/// The BLAKE2b-256 of the file (its content root).
	pub fn content_hash(&self) -> [u8; 32] {
		self.hash
	}

	/// The prompt's ids: the BOS token first when the file asks for it.
	pub fn encode_prompt(&self, prompt: &str) -> Vec<u32> {
		let mut ids = Vec::new();
		if self.add_bos {
			ids.push(self.bos);
		}
		ids.extend(self.tokenizer.encode(prompt));
		ids
	}

	/// Whether `id` ends a generation: the EOS token or any other control token.
	fn ends(&self, id: u32) -> bool {
		id == self.eos || self.tokenizer.is_control(id)
	}

	/// Generates greedily or by sampling from `prompt` ids, calling `on_id` with each new id
	/// until it returns `false`, a control token (EOS, `<|im_end|>`) comes, `max_tokens` were
	/// produced, or the context is full. Returns the ids (with the ending token) and why it
	/// ended.
	pub fn generate_ids(
		&self,
		prompt: &[u32],
		params: &GenerateParams,
		on_id: &mut dyn FnMut(u32) -> bool,
	) -> Result<(Vec<u32>, FinishReason)> {
		if prompt.len() >= self.config.context {
			return Err(anyhow::Error::new(Refused(Refusal::ContextTooLong)).context(format!(
				"the prompt has {} tokens; the model's context is {} tokens",
				prompt.len(),
				self.config.context
			)));
		}
		let vocab = self.config.vocab_size;
		generation::generate_ids(
			self.session(),
			prompt,
			self.config.context,
			params,
			|id| id < vocab,
			|id| self.ends(id),
			on_id,
		)
	}

	/// A fresh decoding state (empty KV cache).
	pub fn session(&self) -> LlamaSession<'_> {
		LlamaSession::new(self)
	}
}

/// RMSNorm of `x` into `out`: `x / sqrt(mean(x²) + eps) · w` (sequential sum).
fn rms_norm(x: &[f32], w: &[f32], eps: f32, out: &mut [f32]) {
	let mut ss = 0f32;
	for &v in x {
		ss += v * v;
	}
	let inv = 1.0 / (ss / x.len() as f32 + eps).sqrt();
	for i in 0..x.len() {
		out[i] = x[i] * inv * w[i];
	}
}

/// Rotates each head of `x` (heads of `inv_freq.len() * 2`) by position `pos`, on adjacent
/// pairs.
fn rope(x: &mut [f32], pos: usize, inv_freq: &[f64]) {
	let hd = inv_freq.len() * 2;
	for head in x.chunks_exact_mut(hd) {
		for (i, &f) in inv_freq.iter().enumerate() {
			let angle = pos as f64 * f;
			let (c, s) = (libm::cos(angle) as f32, libm::sin(angle) as f32);
			let (a, b) = (head[2 * i], head[2 * i + 1]);
			head[2 * i] = a * c - b * s;
			head[2 * i + 1] = a * s + b * c;
		}
	}
}

/// The decoding state of one sequence: the KV cache and scratch buffers.
pub struct LlamaSession<'m> {
	model: &'m LlamaModel,
	pos: usize,
	k: Vec<Vec<f32>>,
	v: Vec<Vec<f32>>,
	x: Vec<f32>,
	xn: Vec<f32>,
	q: Vec<f32>,
	kv: Vec<f32>,
	att: Vec<f32>,
	tmp: Vec<f32>,
	gate: Vec<f32>,
	up: Vec<f32>,
	scores: Vec<f32>,
	logits: Vec<f32>,
}

impl Decoder for LlamaSession<'_> {
	fn advance(&mut self, token: u32, logits: bool) -> Result<()> {
		LlamaSession::advance(self, token, logits)
	}
	fn logits(&self) -> &[f32] {
		LlamaSession::logits(self)
	}
	fn pos(&self) -> usize {
		LlamaSession::pos(self)
	}
}

impl<'m> LlamaSession<'m> {
	fn new(model: &'m LlamaModel) -> Self {
		let c = &model.config;
		Self {
			model,
			pos: 0,
			k: (0..c.n_layers).map(|_| Vec::new()).collect(),
			v: (0..c.n_layers).map(|_| Vec::new()).collect(),
			x: vec![0.0; c.dim],
			xn: vec![0.0; c.dim],
			q: vec![0.0; c.dim],
			kv: vec![0.0; c.kv_dim()],
			att: vec![0.0; c.dim],
			tmp: vec![0.0; c.dim],
			gate: vec![0.0; c.hidden_dim],
			up: vec![0.0; c.hidden_dim],
			scores: vec![0.0; c.context],
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

	/// Feeds one token at the next position; computes the next-token logits when `logits`
	/// is set (the LM head is skipped for prompt tokens but the last).
	pub fn advance(&mut self, token: u32, logits: bool) -> Result<()> {
		let m = self.model;
		let c = &m.config;
		let (d, hd, kvd, pos) = (c.dim, c.head_dim(), c.kv_dim(), self.pos);
		if pos >= c.context {
			bail!("the sequence is longer than the model's context of {} tokens", c.context);
		}
		let tok = token as usize;
		if tok >= c.vocab_size {
			bail!("token {token} is not in the vocabulary of {}", c.vocab_size);
		}
		self.x.copy_from_slice(&m.embed[tok * d..(tok + 1) * d]);
		let group = c.n_heads / c.n_kv_heads;
		let scale = 1.0 / (hd as f32).sqrt();
		for (li, l) in m.layers.iter().enumerate() {
			rms_norm(&self.x, &l.attn_norm, c.rms_eps, &mut self.xn);
			kernels::matvec(&l.wq, None, &self.xn, &mut self.q);
			rope(&mut self.q, pos, &m.inv_freq);
			kernels::matvec(&l.wk, None, &self.xn, &mut self.kv);
			rope(&mut self.kv, pos, &m.inv_freq);
			self.k[li].extend_from_slice(&self.kv);
			kernels::matvec(&l.wv, None, &self.xn, &mut self.kv);
			self.v[li].extend_from_slice(&self.kv);
			let (kc, vc) = (&self.k[li], &self.v[li]);
			for head in 0..c.n_heads {
				let g = head / group;
				let q = &self.q[head * hd..(head + 1) * hd];
				let scores = &mut self.scores[..=pos];
				for (j, s) in scores.iter_mut().enumerate() {
					*s = kernels::dot(q, &kc[j * kvd + g * hd..j * kvd + (g + 1) * hd]) * scale;
				}
				softmax(scores);
				let out = &mut self.att[head * hd..(head + 1) * hd];
				out.fill(0.0);
				for (j, &p) in scores.iter().enumerate() {
					let v = &vc[j * kvd + g * hd..j * kvd + (g + 1) * hd];
					for i in 0..hd {
						out[i] += p * v[i];
					}
				}
			}
			kernels::matvec(&l.wo, None, &self.att, &mut self.tmp);
			for i in 0..d {
				self.x[i] += self.tmp[i];
			}
			rms_norm(&self.x, &l.ffn_norm, c.rms_eps, &mut self.xn);
			kernels::matvec(&l.gate, None, &self.xn, &mut self.gate);
			kernels::matvec(&l.up, None, &self.xn, &mut self.up);
			for (g, u) in self.gate.iter_mut().zip(&self.up) {
				// SiLU(gate) · up.
				*g = *g / (1.0 + libm::expf(-*g)) * u;
			}
			kernels::matvec(&l.down, None, &self.gate, &mut self.tmp);
			for i in 0..d {
				self.x[i] += self.tmp[i];
			}
		}
		self.pos += 1;
		if logits {
			rms_norm(&self.x, &m.out_norm, c.rms_eps, &mut self.xn);
			let head = m.output.as_deref().unwrap_or(&m.embed);
			kernels::matvec(head, None, &self.xn, &mut self.logits);
		}
		Ok(())
	}
}

impl Engine for LlamaModel {
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
		false
	}

	/// The model's own chat template, with a generation prompt (the plain template when the
	/// file has none).
	fn chat_prompt(&self, messages: &[ChatMessage]) -> Result<String> {
		let Some(env) = &self.template else {
			return Ok(zg_compute_engine::plain_chat_prompt(messages));
		};
		use minijinja::Value;
		let messages: Vec<Value> = messages
			.iter()
			.map(|m| {
				let role = Value::from(m.role.as_str());
				let content = Value::from(m.content.as_str());
				minijinja::context! { role => role, content => content }
			})
			.collect();
		let token = |id: u32| {
			Value::from(String::from_utf8_lossy(&self.tokenizer.token_bytes(id)).into_owned())
		};
		let context = minijinja::context! {
			messages => Value::from(messages),
			add_generation_prompt => Value::from(true),
			bos_token => token(self.bos),
			eos_token => token(self.eos),
		};
		env.get_template(TEMPLATE)
			.and_then(|t| t.render(context))
			.map_err(|e| anyhow!("the model's chat template refuses these messages: {e}"))
	}

	fn generate(
		&self,
		prompt: &str,
		params: &GenerateParams,
		on_token: &mut dyn FnMut(&str) -> bool,
	) -> Result<Generation> {
		let most = self.config.context.saturating_mul(self.longest_token);
		if prompt.len() > most {
			return Err(anyhow::Error::new(Refused(Refusal::ContextTooLong)).context(format!(
				"the prompt has {} bytes; the model's context of {} tokens holds at most {most}",
				prompt.len(),
				self.config.context
			)));
		}
		let ids = self.encode_prompt(prompt);
		// Control tokens end the generation before they reach the text.
		generation::generate_text(
			&ids,
			params,
			on_token,
			|id| self.tokenizer.token_bytes(id),
			|on_id| self.generate_ids(&ids, params, on_id),
		)
	}

	fn embed(&self, _inputs: &[String]) -> Result<Embeddings> {
		bail!("{} does not do embeddings", self.model_id)
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use serde_json::Value as Json;
	use zg_compute_engine::Role;

	fn fixture() -> Json {
		serde_json::from_str(include_str!("../tests/fixtures/smollm2-135m.json")).unwrap()
	}

	fn ids(v: &Json) -> Vec<u32> {
		v.as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as u32).collect()
	}

	/// Checks the engine against the reference of `tests/fixtures/smollm2_reference.py`
	/// (Hugging Face `tokenizers`, `jinja2` and a numpy forward pass over the same file) when
	/// `ZG_SMOLLM_PATH` names SmolLM2-135M-Instruct's GGUF file (`scripts/fetch-models.sh`);
	/// skipped otherwise.
	#[test]
	fn matches_the_smollm2_reference() {
		let Some(path) = std::env::var_os("ZG_SMOLLM_PATH") else {
			eprintln!("skipped: set ZG_SMOLLM_PATH to SmolLM2-135M-Instruct.Q4_1.gguf to run");
			return;
		};
		let f = fixture();
		let start = std::time::Instant::now();
		let m = LlamaModel::load(&path).unwrap();
		eprintln!("loaded in {:?}", start.elapsed());
		let c = m.config();
		let want = &f["model"];
		assert_eq!(
			(c.dim, c.hidden_dim, c.n_layers, c.n_heads, c.n_kv_heads, c.vocab_size),
			(576, 1536, 30, 9, 3, 49152)
		);
		assert_eq!((c.rope_theta, m.bos, m.eos, m.add_bos), (100_000.0, 1, 2, false));
		assert_eq!(want["vocab_size"], 49152);

		// Dequantization, against gguf-py's.
		let g = Gguf::load(Path::new(&path)).unwrap();
		for (name, dims) in
			[("blk.0.attn_q.weight", [576, 576]), ("token_embd.weight", [576, 49152])]
		{
			let t = g.tensor(name, &dims).unwrap();
			let want = &f["dequant"][name];
			// As f32: serde_json's parsing of the printed f64 may be off in its last bit.
			let row = |r: usize| t[r * 576..r * 576 + 8].to_vec();
			let first = |k: &str| -> Vec<f32> {
				want[k].as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect()
			};
			assert_eq!(row(0), first("row0_first8"), "{name}");
			assert_eq!(row(1), first("row1_first8"), "{name}");
			let sum: f64 = t.iter().map(|&x| x as f64).sum();
			assert!((sum - want["sum_f64"].as_f64().unwrap()).abs() < 1e-6, "{name}: {sum}");
		}

		// The tokenizer, against Hugging Face's.
		for case in f["tokenizer"].as_array().unwrap() {
			let text = case["text"].as_str().unwrap();
			assert_eq!(m.tokenizer().encode(text), ids(&case["ids"]), "ids of {text:?}");
			assert_eq!(m.tokenizer().decode(&ids(&case["ids"])), case["decoded"].as_str().unwrap());
		}

		// Any text encodes in O(n log n): a megabyte of one letter (one piece of a million
		// bytes to merge) and of special tokens, each round-tripped.
		for text in ["a".repeat(1 << 20), "<|im_end|>".repeat(1 << 16), "é 1".repeat(1 << 18)] {
			let start = std::time::Instant::now();
			let ids = m.tokenizer().encode(&text);
			eprintln!("{} bytes to {} tokens in {:?}", text.len(), ids.len(), start.elapsed());
			assert_eq!(m.tokenizer().decode(&ids), text);
		}

		// The model's chat template, against jinja2's rendering.
		let chat = &f["chat"];
		let question = chat["messages"][0]["content"].as_str().unwrap();
		let prompt = m.chat_prompt(&[ChatMessage::new(Role::User, question)]).unwrap();
		assert_eq!(prompt, chat["prompt"].as_str().unwrap());
		assert_eq!(m.encode_prompt(&prompt), ids(&chat["prompt_ids"]));

		// Logits and greedy decoding, against the numpy forward pass.
		for case in [&f["plain"], chat] {
			let prompt = ids(&case["prompt_ids"]);
			let mut session = m.session();
			for (i, &t) in prompt.iter().enumerate() {
				session.advance(t, i + 1 == prompt.len()).unwrap();
			}
			for top in case["first_step_top5"].as_array().unwrap() {
				let (id, want) = (top[0].as_u64().unwrap() as usize, top[1].as_f64().unwrap());
				let got = session.logits()[id] as f64;
				assert!((got - want).abs() < 2e-3, "logit {id}: {got} against {want}");
			}
			let params = GenerateParams {
				max_tokens: case["max_new_tokens"].as_u64().unwrap() as u32,
				..Default::default()
			};
			let start = std::time::Instant::now();
			let (out, _) = m.generate_ids(&prompt, &params, &mut |_| true).unwrap();
			let took = start.elapsed();
			assert_eq!(out, ids(&case["greedy_ids"]), "{:?}", m.tokenizer().decode(&out));
			eprintln!(
				"{:?}: {} + {} tokens in {took:?} ({:.1} tokens/s)",
				m.tokenizer().decode(&out),
				prompt.len(),
				out.len(),
				(prompt.len() + out.len()) as f64 / took.as_secs_f64()
			);
		}

		// Through the engine: the answer of a chat, its counts, deterministic.
		let params = GenerateParams { max_tokens: 24, ..Default::default() };
		let messages = [ChatMessage::new(Role::User, question)];
		let prompt = m.chat_prompt(&messages).unwrap();
		let mut pieces = String::new();
		let a = m
			.chat(&messages, &prompt, &params, &mut |p| {
				pieces.push_str(p);
				true
			})
			.unwrap();
		assert_eq!(a.text, "The capital of France is Paris.");
		assert_eq!(pieces, a.text);
		assert_eq!(
			(a.prompt_tokens, a.completion_tokens, a.finish_reason),
			(37, 8, FinishReason::Stop)
		);
		let b = m.chat(&messages, &prompt, &params, &mut |_| true).unwrap();
		assert_eq!(b.text, a.text);
		// Prompts too long for the context are refused deterministically, the longest before
		// they are tokenized.
		for prompt in ["word ".repeat(5_000), "x".repeat(100 << 20)] {
			let refused = m.generate(&prompt, &params, &mut |_| true).unwrap_err();
			assert_eq!(refused.downcast_ref::<Refused>(), Some(&Refused(Refusal::ContextTooLong)));
		}
	}

	#[test]
	fn the_rotation_keeps_lengths_and_position_zero() {
		let inv: Vec<f64> = (0..4).map(|i| libm::pow(10_000.0, -((2 * i) as f64) / 8.0)).collect();
		let x: Vec<f32> = (0..16).map(|i| i as f32 - 7.5).collect();
		let mut y = x.clone();
		rope(&mut y, 0, &inv);
		assert_eq!(x, y);
		rope(&mut y, 5, &inv);
		for (a, b) in x.chunks(2).zip(y.chunks(2)) {
			let (na, nb) = (a[0] * a[0] + a[1] * a[1], b[0] * b[0] + b[1] * b[1]);
			assert!((na - nb).abs() < 1e-3 * na.max(1.0));
		}
	}
}
