//! What every built-in generative model shares once it has logits: picking the next token
//! ([`Sampler`]) and turning the tokens' bytes into streamed text cut at stop sequences
//! ([`TextStream`]).

use anyhow::{anyhow, Result};

use crate::{gpt::SplitMix64, tokenizer::StreamDecoder};

/// Picks the next token: greedy when deterministic (or at temperature 0), otherwise sampled
/// at the given temperature with a [`SplitMix64`] seeded from the request. Never picks an id
/// the model's `allowed` refuses.
pub(crate) struct Sampler<A: Fn(usize) -> bool> {
	temperature: Option<f32>,
	rng: SplitMix64,
	probs: Vec<f32>,
	allowed: A,
}

impl<A: Fn(usize) -> bool> Sampler<A> {
	pub(crate) fn new(params: &zg_compute_engine::GenerateParams, allowed: A) -> Self {
		let t = params.temperature;
		let temperature = (!params.deterministic && t.is_finite() && t > 0.0).then_some(t);
		Self { temperature, rng: SplitMix64::new(params.seed), probs: Vec::new(), allowed }
	}

	pub(crate) fn pick(&mut self, logits: &[f32]) -> Result<u32> {
		// Greedy: the lowest id among the largest finite logits.
		let mut best: Option<(usize, f32)> = None;
		for (i, &l) in logits.iter().enumerate() {
			if (self.allowed)(i) && l.is_finite() && best.is_none_or(|(_, b)| l > b) {
				best = Some((i, l));
			}
		}
		let (argmax, max) = best.ok_or_else(|| anyhow!("the model produced no finite logit"))?;
		let Some(t) = self.temperature else { return Ok(argmax as u32) };
		self.probs.clear();
		let mut sum = 0f64;
		for (i, &l) in logits.iter().enumerate() {
			let p = if (self.allowed)(i) && l.is_finite() {
				libm::exp(((l - max) / t) as f64)
			} else {
				0.0
			};
			sum += p;
			self.probs.push(p as f32);
		}
		let mut r = self.rng.next_f64() * sum;
		for (i, &p) in self.probs.iter().enumerate() {
			let p = p as f64;
			if p > 0.0 {
				if r < p {
					return Ok(i as u32);
				}
				r -= p;
			}
		}
		Ok(argmax as u32)
	}
}

/// Turns generated tokens into text for `Engine::generate`: decodes their bytes as a UTF-8
/// stream, cuts the text at the first stop sequence, and holds back text that could still
/// become one, so that the streamed pieces never include any part of a stop sequence.
pub(crate) struct TextStream<'a> {
	decoder: StreamDecoder,
	stop: Vec<&'a str>,
	text: String,
	emitted: usize,
	stopped: bool,
}

impl<'a> TextStream<'a> {
	pub(crate) fn new(stop: &'a [String]) -> Self {
		Self {
			decoder: StreamDecoder::default(),
			stop: stop.iter().map(String::as_str).filter(|s| !s.is_empty()).collect(),
			text: String::new(),
			emitted: 0,
			stopped: false,
		}
	}

	/// Adds a token's bytes; returns `false` when generation must stop (a stop sequence, or
	/// the callback said so).
	pub(crate) fn push(&mut self, bytes: &[u8], on_token: &mut dyn FnMut(&str) -> bool) -> bool {
		let piece = self.decoder.push_bytes(bytes);
		self.text.push_str(&piece);
		let go_on = self.flush(false, on_token);
		if !go_on && !self.stopped {
			// The callback stopped us: nothing more is streamed; the text is what it received.
			self.text.truncate(self.emitted);
			self.stopped = true;
		}
		go_on
	}

	fn flush(&mut self, end: bool, on_token: &mut dyn FnMut(&str) -> bool) -> bool {
		// The earliest stop sequence in the text not yet emitted.
		let found = self
			.stop
			.iter()
			.filter_map(|s| self.text[self.emitted..].find(s).map(|p| self.emitted + p))
			.min();
		if let Some(p) = found {
			self.text.truncate(p);
			self.stopped = true;
			let piece = &self.text[self.emitted..];
			if !piece.is_empty() {
				on_token(piece);
			}
			self.emitted = p;
			return false;
		}
		let mut upto = self.text.len();
		if !end {
			for s in &self.stop {
				for k in (1..s.len()).rev() {
					if s.is_char_boundary(k) && self.text.ends_with(&s[..k]) {
						upto = upto.min(self.text.len() - k);
						break;
					}
				}
			}
		}
		if upto > self.emitted {
			let go_on = on_token(&self.text[self.emitted..upto]);
			self.emitted = upto;
			return go_on;
		}
		true
	}

	/// Ends the stream: emits what was held back (unless generation was stopped).
	pub(crate) fn finish(mut self, on_token: &mut dyn FnMut(&str) -> bool) -> String {
		if !self.stopped {
			let rest = self.decoder.finish();
			self.text.push_str(&rest);
			self.flush(true, on_token);
		}
		self.text
	}
}
