//! Byte-level BPE, GPT-2's scheme with SmolLM's pre-tokenizer (`tokenizer.ggml.pre` `smollm`;
//! files with another are refused rather than tokenized differently from their model), read
//! from a GGUF file's tokenizer (`tokenizer.ggml.tokens`, `.merges`, `.token_type`).
//!
//! Encoding: the special tokens (control and user-defined, e.g. `<|im_start|>`) are found in
//! the text first; the rest is split into pieces — every digit alone (the `smollm` and
//! `llama-bpe`-with-digits pre-tokenizers), then GPT-2's pattern
//! `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`; each piece's
//! UTF-8 bytes are mapped to GPT-2's printable characters and merged pairwise, the pair of
//! lowest rank first (the leftmost among equals), until no merge applies. Decoding maps the
//! characters back to bytes.
//!
//! **Cost.** A prompt is the user's: encoding takes `O(n log n)` whatever the text (special
//! tokens found in one pass, merges through a heap), so that no text can hold an engine.

use anyhow::{anyhow, bail, Result};
use regex::Regex;
use std::collections::HashMap;

use crate::gguf::Gguf;

/// GGUF token types.
const CONTROL: i128 = 3;
const USER_DEFINED: i128 = 4;

/// A byte-level BPE tokenizer.
pub struct Bpe {
	/// Each token as text of GPT-2's byte characters (specials as written).
	tokens: Vec<String>,
	ids: HashMap<String, u32>,
	/// `(left, right) → (rank, merged)`.
	merges: HashMap<(u32, u32), (u32, u32)>,
	/// Special tokens, by text.
	specials: HashMap<String, u32>,
	/// Finds them in one pass: their texts, longest first (the longest wins at a place).
	special_pattern: Option<Regex>,
	/// Whether each id is a control token (never shown in decoded text).
	control: Vec<bool>,
	/// Byte → GPT-2 character, and back.
	byte_char: [char; 256],
	char_byte: HashMap<char, u8>,
	pattern: Regex,
	/// `\p{N}` and `^\s+$`: the Unicode classes come from the locked regex crate, not from
	/// the toolchain's standard library, so that every build splits a text alike.
	digit: Regex,
	blank: Regex,
}

/// GPT-2's map of the 256 bytes to printable characters: printable Latin-1 bytes map to
/// themselves, the others to U+0100 onwards in byte order.
fn byte_chars() -> [char; 256] {
	let mut out = ['\0'; 256];
	let mut next = 256u32;
	for b in 0..=255u8 {
		let printable = matches!(b, b'!'..=b'~' | 0xa1..=0xac | 0xae..=0xff);
		out[b as usize] = if printable {
			b as char
		} else {
			let c = char::from_u32(next).unwrap_or('\u{fffd}');
			next += 1;
			c
		};
	}
	out
}

impl Bpe {
	/// The tokenizer of a GGUF file (`tokenizer.ggml.model` must be `gpt2`).
	pub fn from_gguf(g: &Gguf) -> Result<Self> {
		let model = g.get("tokenizer.ggml.model")?.as_str().unwrap_or_default();
		if model != "gpt2" {
			bail!("tokenizer {model:?} is not supported (byte-level BPE, gpt2, is)");
		}
		let pre = g.get("tokenizer.ggml.pre")?.as_str().unwrap_or_default();
		if pre != "smollm" {
			bail!("pre-tokenizer {pre:?} is not supported (smollm is)");
		}
		let strings = |key: &str| -> Result<Vec<String>> {
			g.get(key)?
				.as_array()
				.ok_or_else(|| anyhow!("{key} is not an array"))?
				.iter()
				.map(|v| {
					v.as_str()
						.map(str::to_string)
						.ok_or_else(|| anyhow!("{key} holds a non-string"))
				})
				.collect()
		};
		let tokens = strings("tokenizer.ggml.tokens")?;
		let types: Vec<i128> = match g.meta.get("tokenizer.ggml.token_type") {
			Some(v) => v
				.as_array()
				.ok_or_else(|| anyhow!("tokenizer.ggml.token_type is not an array"))?
				.iter()
				.map(|v| match v {
					crate::gguf::Value::Int(t) => Ok(*t),
					_ => Err(anyhow!("tokenizer.ggml.token_type holds a non-integer")),
				})
				.collect::<Result<_>>()?,
			None => vec![1; tokens.len()],
		};
		if types.len() != tokens.len() {
			bail!("{} token types for {} tokens", types.len(), tokens.len());
		}
		let ids: HashMap<String, u32> =
			tokens.iter().enumerate().map(|(i, t)| (t.clone(), i as u32)).collect();
		let mut merges = HashMap::new();
		for (rank, merge) in strings("tokenizer.ggml.merges")?.iter().enumerate() {
			let (a, b) = merge.split_once(' ').ok_or_else(|| anyhow!("bad merge {merge:?}"))?;
			let id = |t: &str| {
				ids.get(t).copied().ok_or_else(|| anyhow!("merge {merge:?}: {t:?} is not a token"))
			};
			let merged = id(&format!("{a}{b}"))?;
			merges.entry((id(a)?, id(b)?)).or_insert((rank as u32, merged));
		}
		let control: Vec<bool> = types.iter().map(|&t| t == CONTROL).collect();
		let specials: HashMap<String, u32> = types
			.iter()
			.enumerate()
			.filter(|(_, &t)| t == CONTROL || t == USER_DEFINED)
			.map(|(i, _)| (tokens[i].clone(), i as u32))
			.filter(|(t, _)| !t.is_empty())
			.collect();
		let mut texts: Vec<&String> = specials.keys().collect();
		texts.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
		let special_pattern = match texts.is_empty() {
			true => None,
			false => Some(Regex::new(
				&texts.iter().map(|t| regex::escape(t)).collect::<Vec<_>>().join("|"),
			)?),
		};
		let byte_char = byte_chars();
		let char_byte = byte_char.iter().enumerate().map(|(b, &c)| (c, b as u8)).collect();
		// A vocabulary may lack the tokens of bytes its training text never had (SmolLM2's
		// lacks some control characters): such bytes are dropped when encoding, as a BPE
		// without an unknown token does.
		if byte_char.iter().all(|c| !ids.contains_key(&c.to_string())) {
			bail!("the vocabulary has no byte tokens: not a byte-level BPE");
		}
		let pattern =
			Regex::new(r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+")?;
		Ok(Self {
			tokens,
			ids,
			merges,
			specials,
			special_pattern,
			control,
			byte_char,
			char_byte,
			pattern,
			digit: Regex::new(r"\p{N}")?,
			blank: Regex::new(r"^\s+$")?,
		})
	}

	/// The number of tokens.
	pub fn len(&self) -> usize {
		self.tokens.len()
	}

	/// Whether there are none.
	pub fn is_empty(&self) -> bool {
		self.tokens.is_empty()
	}

	/// Whether `id` is a control token (`<|im_end|>`, `<|endoftext|>`, …).
	pub fn is_control(&self, id: u32) -> bool {
		self.control.get(id as usize).copied().unwrap_or(false)
	}

	/// The id of the token written `text`.
	pub fn id(&self, text: &str) -> Option<u32> {
		self.ids.get(text).copied()
	}

	/// Encodes `text`, special tokens included where the text writes them.
	pub fn encode(&self, text: &str) -> Vec<u32> {
		let mut out = Vec::new();
		let mut at = 0;
		if let Some(pattern) = &self.special_pattern {
			for m in pattern.find_iter(text) {
				self.encode_ordinary(&text[at..m.start()], &mut out);
				out.extend(self.specials.get(m.as_str()));
				at = m.end();
			}
		}
		self.encode_ordinary(&text[at..], &mut out);
		out
	}

	/// Encodes text without special tokens: digits alone, then GPT-2's pattern.
	fn encode_ordinary(&self, text: &str, out: &mut Vec<u32>) {
		let mut start = 0;
		for digit in self.digit.find_iter(text) {
			self.split(&text[start..digit.start()], out);
			self.merge(digit.as_str(), out);
			start = digit.end();
		}
		self.split(&text[start..], out);
	}

	/// GPT-2's pattern; `\s+(?!\S)` (which the regex crate lacks) is a whitespace run that
	/// leaves its last character to what follows, when something follows.
	fn split(&self, text: &str, out: &mut Vec<u32>) {
		let mut at = 0;
		while let Some(m) = self.pattern.find_at(text, at) {
			let mut end = m.end();
			let piece = m.as_str();
			if end < text.len() && self.blank.is_match(piece) {
				if let Some((last, _)) = piece.char_indices().last().filter(|(i, _)| *i > 0) {
					end = m.start() + last;
				}
			}
			self.merge(&text[m.start()..end], out);
			at = end;
		}
	}

	/// Merges the bytes of one piece (bytes without a token are dropped): the pair of lowest
	/// rank first, the leftmost among equals, through a heap of candidate pairs over a linked
	/// list of symbols (`O(n log n)`).
	fn merge(&self, piece: &str, out: &mut Vec<u32>) {
		use std::{cmp::Reverse, collections::BinaryHeap};
		let mut ids: Vec<u32> = piece
			.bytes()
			.filter_map(|b| self.ids.get(&self.byte_char[b as usize].to_string()).copied())
			.collect();
		let n = ids.len();
		if n < 2 {
			out.extend(ids);
			return;
		}
		const NONE: usize = usize::MAX;
		// Symbol i's neighbours (NONE: none), and whether it is still there.
		let mut prev: Vec<usize> = (0..n).map(|i| i.checked_sub(1).unwrap_or(NONE)).collect();
		let mut next: Vec<usize> = (0..n).map(|i| if i + 1 < n { i + 1 } else { NONE }).collect();
		let mut alive = vec![true; n];
		// (rank, left symbol, the two ids it was found for), smallest first: the lowest rank,
		// then the leftmost.
		type Candidate = Reverse<(u32, usize, u32, u32)>;
		let merges = &self.merges;
		let candidate = |heap: &mut BinaryHeap<Candidate>, i: usize, a: u32, b: u32| {
			if let Some(&(rank, _)) = merges.get(&(a, b)) {
				heap.push(Reverse((rank, i, a, b)));
			}
		};
		let mut heap = BinaryHeap::new();
		for i in 0..n - 1 {
			candidate(&mut heap, i, ids[i], ids[i + 1]);
		}
		while let Some(Reverse((_, i, a, b))) = heap.pop() {
			let j = next[i];
			// Stale: a symbol merged away, or either side changed since it was found.
			if !alive[i] || j == NONE || ids[i] != a || ids[j] != b {
				continue;
			}
			let Some(&(_, merged)) = merges.get(&(a, b)) else { continue };
			ids[i] = merged;
			alive[j] = false;
			next[i] = next[j];
			if next[j] != NONE {
				prev[next[j]] = i;
			}
			if prev[i] != NONE {
				candidate(&mut heap, prev[i], ids[prev[i]], merged);
			}
			if next[i] != NONE {
				candidate(&mut heap, i, merged, ids[next[i]]);
			}
		}
		out.extend((0..n).filter(|&i| alive[i]).map(|i| ids[i]));
	}

	/// The bytes `id` stands for: a special token's text, or an ordinary token's bytes.
	pub fn token_bytes(&self, id: u32) -> Vec<u8> {
		let Some(token) = self.tokens.get(id as usize) else { return Vec::new() };
		if self.specials.get(token) == Some(&id) {
			return token.as_bytes().to_vec();
		}
		token.chars().filter_map(|c| self.char_byte.get(&c).copied()).collect()
	}

	/// Decodes ids (special tokens as written), invalid UTF-8 lossily.
	pub fn decode(&self, ids: &[u32]) -> String {
		let bytes: Vec<u8> = ids.iter().flat_map(|&id| self.token_bytes(id)).collect();
		String::from_utf8_lossy(&bytes).into_owned()
	}
}
