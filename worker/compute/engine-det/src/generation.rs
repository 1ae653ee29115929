//! What every built-in generative model shares once it has logits: the decoding loop
//! ([`generate_ids`] over a [`Decoder`]), picking the next token ([`Sampler`]) and turning the
//! tokens' bytes into streamed text cut at stop sequences ([`TextStream`], [`generate_text`]).

use anyhow::{anyhow, bail, Result};

use crate::{gpt::SplitMix64, tokenizer::StreamDecoder};
use zg_compute_engine::{FinishReason, GenerateParams, Generation};

/// A model's decoding state: tokens fed one at a time, the next token's logits after each.
pub(crate) trait Decoder {
	/// Feeds one token; computes the logits when `logits` is set.
	fn advance(&mut self, token: u32, logits: bool) -> Result<()>;
	/// The logits after the last token fed with `logits = true`.
	fn logits(&self) -> &[f32];
	/// Tokens fed so far.
	fn pos(&self) -> usize;
}

/// The decoding loop: feeds `prompt` (already checked against the context), then picks the
/// next token (never one `allowed` refuses) and calls `on_id` with it until it returns
/// `false`, `ends` says the token ends generation, `max_tokens` were produced, or `context`
/// positions are used. Returns the ids (with the ending one) and why it ended.
pub(crate) fn generate_ids(
	mut session: impl Decoder,
	prompt: &[u32],
	context: usize,
	params: &GenerateParams,
	allowed: impl Fn(usize) -> bool,
	ends: impl Fn(u32) -> bool,
	on_id: &mut dyn FnMut(u32) -> bool,
) -> Result<(Vec<u32>, FinishReason)> {
	if prompt.is_empty() {
		bail!("empty prompt");
	}
	let mut out = Vec::new();
	if params.max_tokens == 0 {
		return Ok((out, FinishReason::Length));
	}
	for (i, &tok) in prompt.iter().enumerate() {
		session.advance(tok, i + 1 == prompt.len())?;
	}
	let mut sampler = Sampler::new(params, allowed);
	loop {
		let next = sampler.pick(session.logits())?;
		out.push(next);
		if ends(next) || !on_id(next) {
			return Ok((out, FinishReason::Stop));
		}
		if out.len() >= params.max_tokens as usize || session.pos() >= context {
			return Ok((out, FinishReason::Length));
		}
		session.advance(next, true)?;
	}
}

/// `Engine::generate` over a model's id generation (`generate`, given the callback for each
/// new id): the ids' bytes (`bytes`) streamed to `on_token` as text cut at the stop
/// sequences, and the counts (`prompt` ids in, ids out).
pub(crate) fn generate_text(
	prompt: &[u32],
	params: &GenerateParams,
	on_token: &mut dyn FnMut(&str) -> bool,
	bytes: impl Fn(u32) -> Vec<u8>,
	generate: impl FnOnce(&mut dyn FnMut(u32) -> bool) -> Result<(Vec<u32>, FinishReason)>,
) -> Result<Generation> {
	let mut stream = TextStream::new(&params.stop);
	let mut by_text = false;
	let (out, mut finish) = generate(&mut |id| {
		let go_on = stream.push(&bytes(id), on_token);
		by_text |= !go_on;
		go_on
	})?;
	if by_text {
		finish = FinishReason::Stop;
	}
	let text = stream.finish(on_token);
	Ok(Generation {
		text,
		prompt_tokens: prompt.len() as u32,
		completion_tokens: out.len() as u32,
		finish_reason: finish,
	})
}

/// Picks the next token: greedy when deterministic (or at temperature 0), otherwise sampled
/// at the given temperature with a [`SplitMix64`] seeded from the request. Never picks an id
/// the model's `allowed` refuses.
struct Sampler<A: Fn(usize) -> bool> {
	temperature: Option<f32>,
	rng: SplitMix64,
	probs: Vec<f32>,
	allowed: A,
}

impl<A: Fn(usize) -> bool> Sampler<A> {
	fn new(params: &GenerateParams, allowed: A) -> Self {
		let t = params.temperature;
		let temperature = (!params.deterministic && t.is_finite() && t > 0.0).then_some(t);
		Self { temperature, rng: SplitMix64::new(params.seed), probs: Vec::new(), allowed }
	}

	fn pick(&mut self, logits: &[f32]) -> Result<u32> {
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
struct TextStream<'a> {
	decoder: StreamDecoder,
	stop: Vec<&'a str>,
	text: String,
	emitted: usize,
	stopped: bool,
}

impl<'a> TextStream<'a> {
	fn new(stop: &'a [String]) -> Self {
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
	fn push(&mut self, bytes: &[u8], on_token: &mut dyn FnMut(&str) -> bool) -> bool {
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
	fn finish(mut self, on_token: &mut dyn FnMut(&str) -> bool) -> String {
		if !self.stopped {
			let rest = self.decoder.finish();
			self.text.push_str(&rest);
			self.flush(true, on_token);
		}
		self.text
	}
}
