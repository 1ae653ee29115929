//! The same `zg-tiny-gpt` forward pass written with candle (CPU), from the same safetensors
//! file: the independent reference that [`crate::gpt`]'s logits are tested against, and the
//! baseline of the inference benchmark.

use std::collections::HashMap;

use anyhow::{anyhow, Result};
use candle_core::{DType, Device, Tensor, D};

use crate::gpt::{read_config, GptConfig, LN_EPS};
use crate::tokenizer::{BOS, EOS, VOCAB_SIZE};

struct Layer {
	ln1_g: Tensor,
	ln1_b: Tensor,
	qkv_wt: Tensor,
	qkv_b: Tensor,
	proj_wt: Tensor,
	proj_b: Tensor,
	ln2_g: Tensor,
	ln2_b: Tensor,
	fc_wt: Tensor,
	fc_b: Tensor,
	fc2_wt: Tensor,
	fc2_b: Tensor,
}

/// A `zg-tiny-gpt` model held as candle tensors (weights pre-transposed for `x · Wᵀ`).
pub struct CandleGpt {
	config: GptConfig,
	device: Device,
	wte: Tensor,
	wte_t: Tensor,
	wpe: Tensor,
	layers: Vec<Layer>,
	lnf_g: Tensor,
	lnf_b: Tensor,
}

/// The KV cache of one sequence for [`CandleGpt`].
#[derive(Default)]
pub struct CandleCache {
	kv: Vec<(Tensor, Tensor)>,
	pos: usize,
}

fn layer_norm(x: &Tensor, g: &Tensor, b: &Tensor) -> candle_core::Result<Tensor> {
	let mean = x.mean_keepdim(D::Minus1)?;
	let xc = x.broadcast_sub(&mean)?;
	let var = xc.sqr()?.mean_keepdim(D::Minus1)?;
	let xn = xc.broadcast_div(&(var + LN_EPS as f64)?.sqrt()?)?;
	xn.broadcast_mul(g)?.broadcast_add(b)
}

fn softmax_last(x: &Tensor) -> candle_core::Result<Tensor> {
	let max = x.max_keepdim(D::Minus1)?;
	let e = x.broadcast_sub(&max)?.exp()?;
	let s = e.sum_keepdim(D::Minus1)?;
	e.broadcast_div(&s)
}

impl CandleGpt {
	/// Loads the model from the bytes of its safetensors file, on the CPU.
	pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
		let config = read_config(bytes)?;
		let device = Device::Cpu;
		let mut t: HashMap<String, Tensor> = candle_core::safetensors::load_buffer(bytes, &device)?;
		let mut take =
			|name: &str| t.remove(name).ok_or_else(|| anyhow!("missing tensor `{name}`"));
		let tr = |w: Tensor| -> Result<Tensor> { Ok(w.t()?.contiguous()?) };
		let wte = take("wte")?;
		let wte_t = tr(wte.clone())?;
		let wpe = take("wpe")?;
		let mut layers = Vec::new();
		for i in 0..config.n_layers {
			let mut l = |s: &str| take(&format!("h.{i}.{s}"));
			layers.push(Layer {
				ln1_g: l("ln_1.weight")?,
				ln1_b: l("ln_1.bias")?,
				qkv_wt: tr(l("attn.qkv.weight")?)?,
				qkv_b: l("attn.qkv.bias")?,
				proj_wt: tr(l("attn.proj.weight")?)?,
				proj_b: l("attn.proj.bias")?,
				ln2_g: l("ln_2.weight")?,
				ln2_b: l("ln_2.bias")?,
				fc_wt: tr(l("mlp.fc.weight")?)?,
				fc_b: l("mlp.fc.bias")?,
				fc2_wt: tr(l("mlp.proj.weight")?)?,
				fc2_b: l("mlp.proj.bias")?,
			});
		}
		let lnf_g = take("ln_f.weight")?;
		let lnf_b = take("ln_f.bias")?;
		Ok(Self { config, device, wte, wte_t, wpe, layers, lnf_g, lnf_b })
	}

	/// Feeds `tokens` after what `cache` holds and returns the logits after the last one.
	pub fn forward(&self, tokens: &[u32], cache: &mut CandleCache) -> Result<Vec<f32>> {
		let c = &self.config;
		let (t_len, d, nh, hd) = (tokens.len(), c.d_model, c.n_heads, c.head_dim());
		let pos = cache.pos;
		if t_len == 0 || pos + t_len > c.max_seq {
			anyhow::bail!("bad sequence length");
		}
		let ids = Tensor::new(tokens, &self.device)?;
		let mut x = self.wte.index_select(&ids, 0)?.add(&self.wpe.narrow(0, pos, t_len)?)?;
		let mask = if t_len > 1 {
			let m: Vec<f32> = (0..t_len)
				.flat_map(|i| {
					(0..pos + t_len).map(move |j| if j > pos + i { f32::NEG_INFINITY } else { 0.0 })
				})
				.collect();
			Some(Tensor::from_vec(m, (t_len, pos + t_len), &self.device)?)
		} else {
			None
		};
		let scale = 1.0 / (hd as f64).sqrt();
		for (li, l) in self.layers.iter().enumerate() {
			let xn = layer_norm(&x, &l.ln1_g, &l.ln1_b)?;
			let qkv = xn.matmul(&l.qkv_wt)?.broadcast_add(&l.qkv_b)?;
			let q = qkv.narrow(1, 0, d)?;
			let mut k = qkv.narrow(1, d, d)?.contiguous()?;
			let mut v = qkv.narrow(1, 2 * d, d)?.contiguous()?;
			if let Some((pk, pv)) = cache.kv.get(li) {
				k = Tensor::cat(&[pk, &k], 0)?;
				v = Tensor::cat(&[pv, &v], 0)?;
			}
			if li < cache.kv.len() {
				cache.kv[li] = (k.clone(), v.clone());
			} else {
				cache.kv.push((k.clone(), v.clone()));
			}
			let s_len = pos + t_len;
			let q = q.reshape((t_len, nh, hd))?.transpose(0, 1)?.contiguous()?; // [H, T, hd]
			let kh = k.reshape((s_len, nh, hd))?.transpose(0, 1)?.contiguous()?; // [H, S, hd]
			let vh = v.reshape((s_len, nh, hd))?.transpose(0, 1)?.contiguous()?;
			let mut att = (q.matmul(&kh.t()?)? * scale)?; // [H, T, S]
			if let Some(m) = &mask {
				att = att.broadcast_add(m)?;
			}
			let att = softmax_last(&att)?;
			let out = att.matmul(&vh)?.transpose(0, 1)?.contiguous()?.reshape((t_len, d))?;
			x = (x + out.matmul(&l.proj_wt)?.broadcast_add(&l.proj_b)?)?;
			let xn = layer_norm(&x, &l.ln2_g, &l.ln2_b)?;
			let h = xn.matmul(&l.fc_wt)?.broadcast_add(&l.fc_b)?.gelu()?;
			x = (x + h.matmul(&l.fc2_wt)?.broadcast_add(&l.fc2_b)?)?;
		}
		cache.pos += t_len;
		let last = x.narrow(0, t_len - 1, 1)?;
		let h = layer_norm(&last, &self.lnf_g, &self.lnf_b)?;
		let logits = h.matmul(&self.wte_t)?.squeeze(0)?.to_dtype(DType::F32)?;
		Ok(logits.to_vec1::<f32>()?)
	}

	/// Greedy generation of up to `n` tokens after `prompt` (prefilled in one pass, then one
	/// token at a time with the KV cache), stopping at EOS or the context's end; the same
	/// selection rule as the built-in engine (lowest id among maxima, never BOS).
	pub fn generate_greedy(&self, prompt: &[u32], n: usize) -> Result<Vec<u32>> {
		let mut cache = CandleCache::default();
		let mut logits = self.forward(prompt, &mut cache)?;
		let mut out = Vec::with_capacity(n);
		while out.len() < n {
			let mut best = (0usize, f32::NEG_INFINITY);
			for (i, &l) in logits.iter().enumerate().take(VOCAB_SIZE) {
				if i != BOS as usize && l > best.1 {
					best = (i, l);
				}
			}
			let next = best.0 as u32;
			out.push(next);
			if next == EOS || out.len() >= n || cache.pos >= self.config.max_seq {
				break;
			}
			logits = self.forward(&[next], &mut cache)?;
		}
		Ok(out)
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{
		GenerateParams,
		gpt::{generate_model, GptModel},
		tokenizer::ByteTokenizer,
	};

	#[test]
	fn logits_match_candle() {
		for (seed, config) in [(42, GptConfig::tiny()), (7, GptConfig::small())] {
			let bytes = generate_model(seed, &config).unwrap();
			let ours = GptModel::from_bytes(&bytes).unwrap();
			let theirs = CandleGpt::from_bytes(&bytes).unwrap();
			let ids = ByteTokenizer.encode("Hello, 0G! ñ", true);
			// The first step: the logits after the prompt.
			let mut s = ours.session();
			for (i, &id) in ids.iter().enumerate() {
				s.advance(id, i + 1 == ids.len()).unwrap();
			}
			let mut cache = CandleCache::default();
			let cl = theirs.forward(&ids, &mut cache).unwrap();
			let mut worst = 0f32;
			for (a, b) in s.logits().iter().zip(&cl) {
				worst = worst.max((a - b).abs());
			}
			assert!(worst < 1e-4, "{config:?}: max |ours - candle| = {worst}");
			// Decode steps with both KV caches agree too.
			for tok in [65u32, 66, 67] {
				s.advance(tok, true).unwrap();
				let cl = theirs.forward(&[tok], &mut cache).unwrap();
				for (a, b) in s.logits().iter().zip(&cl) {
					assert!((a - b).abs() < 1e-4, "{a} vs {b}");
				}
			}
			// Greedy generation gives the same tokens (the untrained model's logits are well
			// separated enough for that).
			let params = GenerateParams { max_tokens: 16, ..Default::default() };
			let (mine, _) = ours.generate_ids(&ids, &params, &mut |_| true).unwrap();
			assert_eq!(mine, theirs.generate_greedy(&ids, 16).unwrap());
		}
	}
}
