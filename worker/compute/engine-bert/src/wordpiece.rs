//! The WordPiece tokenizer of BERT models (`vocab.txt`), as Hugging Face's `BertTokenizer`
//! does it.
//!
//! **Basic tokenization.** Text is cleaned (NUL, U+FFFD and control characters removed, every
//! whitespace character turned into a space), CJK ideographs are set apart as words of their
//! own, the text is split on whitespace, and each word is lowercased, stripped of its accents
//! (canonical decomposition, then nonspacing marks removed) and split around every
//! punctuation character. **WordPiece** then cuts each word greedily into the longest pieces
//! of the vocabulary, continuation pieces written with a `##` prefix; a word that cannot be
//! cut, or that has more than [`MAX_WORD_CHARS`] characters, becomes `[UNK]`.
//!
//! The Unicode tables (punctuation, marks, controls, spaces, decompositions) are generated
//! (`tables`), so no normalisation crate is needed.

use std::{collections::HashMap, path::Path};

use anyhow::{anyhow, bail, Context, Result};

#[rustfmt::skip]
mod tables;

/// Words longer than this (in characters) become `[UNK]`, as in BERT.
pub const MAX_WORD_CHARS: usize = 100;
/// The unknown token.
pub const UNK: &str = "[UNK]";
/// The token that starts every sequence.
pub const CLS: &str = "[CLS]";
/// The token that ends every sequence.
pub const SEP: &str = "[SEP]";
/// The prefix of continuation pieces.
pub const CONTINUATION: &str = "##";

/// A WordPiece tokenizer: a vocabulary and the basic tokenizer's options.
#[derive(Clone, Debug)]
pub struct WordPiece {
	ids: HashMap<String, u32>,
	tokens: Vec<String>,
	unk: u32,
	cls: u32,
	sep: u32,
	lowercase: bool,
}

impl WordPiece {
	/// Builds a tokenizer from the text of a `vocab.txt` (one token a line; a token's id is its
	/// line number from 0). The vocabulary must hold `[UNK]`, `[CLS]` and `[SEP]`. When
	/// `lowercase` (the uncased models), words are lowercased and stripped of accents.
	pub fn from_vocab(text: &str, lowercase: bool) -> Result<Self> {
		let tokens: Vec<String> = text
			.split('\n')
			.map(|line| line.strip_suffix('\r').unwrap_or(line).to_string())
			.collect::<Vec<_>>();
		// A final newline ends the last line rather than starting an empty token.
		let tokens = match tokens.split_last() {
			Some((last, rest)) if last.is_empty() => rest.to_vec(),
			_ => tokens,
		};
		if tokens.is_empty() {
			bail!("bad vocabulary: it is empty");
		}
		if tokens.len() > u32::MAX as usize {
			bail!("bad vocabulary: {} tokens are too many", tokens.len());
		}
		let mut ids = HashMap::with_capacity(tokens.len());
		for (id, token) in tokens.iter().enumerate() {
			// As in `transformers`, a token listed twice keeps its last id.
			ids.insert(token.clone(), id as u32);
		}
		let special = |name: &str| {
			ids.get(name)
				.copied()
				.ok_or_else(|| anyhow!("bad vocabulary: it has no `{name}` token"))
		};
		Ok(Self {
			unk: special(UNK)?,
			cls: special(CLS)?,
			sep: special(SEP)?,
			ids,
			tokens,
			lowercase,
		})
	}

	/// Loads a tokenizer from a `vocab.txt` file (see [`WordPiece::from_vocab`]).
	pub fn load(path: impl AsRef<Path>, lowercase: bool) -> Result<Self> {
		let path = path.as_ref();
		let text = std::fs::read_to_string(path)
			.with_context(|| format!("reading vocabulary {}", path.display()))?;
		Self::from_vocab(&text, lowercase)
			.with_context(|| format!("loading vocabulary {}", path.display()))
	}

	/// The number of tokens of the vocabulary (the largest id plus one).
	pub fn vocab_size(&self) -> usize {
		self.tokens.len()
	}

	/// The id of a token, if the vocabulary has it.
	pub fn token_id(&self, token: &str) -> Option<u32> {
		self.ids.get(token).copied()
	}

	/// The token of an id, if the vocabulary has it.
	pub fn token(&self, id: u32) -> Option<&str> {
		self.tokens.get(id as usize).map(String::as_str)
	}

	/// The words of `text` after basic tokenization (cleaning, CJK separation, whitespace
	/// and punctuation splitting, lowercasing and accent stripping when configured).
	pub fn basic_tokenize(&self, text: &str) -> Vec<String> {
		// Clean, and set CJK ideographs apart.
		let mut cleaned = String::with_capacity(text.len());
		for c in text.chars() {
			if c == '\0' || c == '\u{FFFD}' || is_control(c) {
				continue;
			}
			if is_whitespace(c) {
				cleaned.push(' ');
			} else if is_cjk(c) {
				cleaned.push(' ');
				cleaned.push(c);
				cleaned.push(' ');
			} else {
				cleaned.push(c);
			}
		}
		let mut words = Vec::new();
		for word in cleaned.split(' ').filter(|w| !w.is_empty()) {
			let word =
				if self.lowercase { strip_accents(&word.to_lowercase()) } else { word.into() };
			let mut current = String::new();
			for c in word.chars() {
				if is_punctuation(c) {
					if !current.is_empty() {
						words.push(std::mem::take(&mut current));
					}
					words.push(c.to_string());
				} else {
					current.push(c);
				}
			}
			if !current.is_empty() {
				words.push(current);
			}
		}
		words
	}

	/// Appends the WordPiece ids of one word (as [`WordPiece::basic_tokenize`] returns it) to
	/// `out`: greedy longest match first, `##` pieces after the first, or `[UNK]` alone when
	/// the word has more than [`MAX_WORD_CHARS`] characters or cannot be cut.
	fn word_pieces(&self, word: &str, out: &mut Vec<u32>) {
		let bounds: Vec<usize> = word.char_indices().map(|(i, _)| i).collect();
		if bounds.len() > MAX_WORD_CHARS {
			out.push(self.unk);
			return;
		}
		let mark = out.len();
		let mut candidate = String::with_capacity(word.len() + CONTINUATION.len());
		let mut start = 0;
		while start < bounds.len() {
			let mut found = None;
			for end in (start + 1..=bounds.len()).rev() {
				let to = bounds.get(end).copied().unwrap_or(word.len());
				candidate.clear();
				if start > 0 {
					candidate.push_str(CONTINUATION);
				}
				candidate.push_str(&word[bounds[start]..to]);
				if let Some(&id) = self.ids.get(candidate.as_str()) {
					found = Some((id, end));
					break;
				}
			}
			match found {
				Some((id, end)) => {
					out.push(id);
					start = end;
				},
				None => {
					out.truncate(mark);
					out.push(self.unk);
					return;
				},
			}
		}
	}

	/// The ids of `text` without special tokens, at most `limit` of them (the rest is cut off).
	pub fn tokenize(&self, text: &str, limit: usize) -> Vec<u32> {
		let mut ids = Vec::new();
		for word in self.basic_tokenize(text) {
			if ids.len() >= limit {
				break;
			}
			self.word_pieces(&word, &mut ids);
		}
		ids.truncate(limit);
		ids
	}

	/// The ids of `text` as a model input: `[CLS]`, the WordPiece ids, `[SEP]`, at most
	/// `max_tokens` in all (the text's ids are truncated to fit; `max_tokens` below 2 counts
	/// as 2).
	pub fn encode(&self, text: &str, max_tokens: usize) -> Vec<u32> {
		let mut ids = vec![self.cls];
		ids.extend(self.tokenize(text, max_tokens.max(2) - 2));
		ids.push(self.sep);
		ids
	}
}

/// Whether `c` is in one of the sorted inclusive `ranges`.
fn in_ranges(c: char, ranges: &[(u32, u32)]) -> bool {
	let c = c as u32;
	ranges
		.binary_search_by(|&(lo, hi)| {
			if hi < c {
				std::cmp::Ordering::Less
			} else if lo > c {
				std::cmp::Ordering::Greater
			} else {
				std::cmp::Ordering::Equal
			}
		})
		.is_ok()
}

/// Whitespace as BERT sees it: space, tab, newline, carriage return and category `Zs`.
fn is_whitespace(c: char) -> bool {
	matches!(c, ' ' | '\t' | '\n' | '\r') || in_ranges(c, tables::SPACES)
}

/// Control characters (removed): categories `Cc`, `Cf` and `Co`, but not tab, newline and
/// carriage return (whitespace).
fn is_control(c: char) -> bool {
	in_ranges(c, tables::CONTROLS)
}

/// Punctuation as BERT sees it: every non-alphanumeric ASCII character that is not a space
/// or a control, and category `P*`.
fn is_punctuation(c: char) -> bool {
	c.is_ascii_punctuation() || in_ranges(c, tables::PUNCTUATION)
}

/// The CJK ideograph blocks that BERT sets apart as words of their own.
fn is_cjk(c: char) -> bool {
	matches!(c as u32,
		0x4E00..=0x9FFF
			| 0x3400..=0x4DBF
			| 0x20000..=0x2A6DF
			| 0x2A700..=0x2B73F
			| 0x2B740..=0x2B81F
			| 0x2B820..=0x2CEAF
			| 0xF900..=0xFAFF
			| 0x2F800..=0x2FA1F)
}

/// Canonical decomposition (NFD) of `s` with the nonspacing marks (`Mn`) removed: `é` gives
/// `e`, `ñ` gives `n`, a Hangul syllable gives its conjoining jamo.
fn strip_accents(s: &str) -> String {
	const S_BASE: u32 = 0xAC00;
	const L_BASE: u32 = 0x1100;
	const V_BASE: u32 = 0x1161;
	const T_BASE: u32 = 0x11A7;
	const V_COUNT: u32 = 21;
	const T_COUNT: u32 = 28;
	const S_COUNT: u32 = 19 * V_COUNT * T_COUNT;
	let mut out = String::with_capacity(s.len());
	for c in s.chars() {
		let cp = c as u32;
		if (S_BASE..S_BASE + S_COUNT).contains(&cp) {
			let i = cp - S_BASE;
			let jamo = [
				Some(L_BASE + i / (V_COUNT * T_COUNT)),
				Some(V_BASE + (i % (V_COUNT * T_COUNT)) / T_COUNT),
				(!i.is_multiple_of(T_COUNT)).then_some(T_BASE + i % T_COUNT),
			];
			out.extend(jamo.into_iter().flatten().filter_map(char::from_u32));
		} else if in_ranges(c, tables::NONSPACING_MARKS) {
			continue;
		} else if let Ok(i) = tables::BASE_LETTERS.binary_search_by_key(&cp, |&(c, _)| c) {
			out.push(char::from_u32(tables::BASE_LETTERS[i].1).unwrap_or(c));
		} else {
			out.push(c);
		}
	}
	out
}

#[cfg(test)]
mod tests {
	use super::*;

	const VOCAB: &str =
		"[PAD]\n[UNK]\n[CLS]\n[SEP]\nthe\nquick\nbrown\nfox\n,\n.\n!\n'\nun\n##aff\n##able\n\
		cafe\nnaive\nresume\nhello\n##world\nworld\n日\n本\nx\n##x\n";

	fn wp() -> WordPiece {
		WordPiece::from_vocab(VOCAB, true).unwrap()
	}

	fn pieces(w: &WordPiece, text: &str) -> Vec<String> {
		w.encode(text, 512).iter().map(|&id| w.token(id).unwrap().to_string()).collect()
	}

	#[test]
	fn basic_tokenizer_cleans_lowercases_strips_and_splits() {
		let w = wp();
		assert_eq!(
			w.basic_tokenize(" The\tQUICK,brown\u{3000}fox!\u{0}\u{200B}\n"),
			["the", "quick", ",", "brown", "fox", "!"]
		);
		assert_eq!(w.basic_tokenize("Café NAÏVE Résumé"), ["cafe", "naive", "resume"]);
		// Already decomposed accents too, and a Latin Extended-A letter.
		assert_eq!(w.basic_tokenize("cafe\u{301} Łódź ŝ"), ["cafe", "łodz", "s"]);
		assert_eq!(w.basic_tokenize("日本語abc"), ["日", "本", "語", "abc"]);
		assert_eq!(w.basic_tokenize("don't—stop…"), ["don", "'", "t", "—", "stop", "…"]);
		assert_eq!(w.basic_tokenize("$5+3=8 ^_^"), ["$", "5", "+", "3", "=", "8", "^", "_", "^"]);
		assert_eq!(w.basic_tokenize("한"), ["\u{1112}\u{1161}\u{11AB}"]);
		assert!(w.basic_tokenize("  \n\t ").is_empty());
		// A cased tokenizer keeps case and accents.
		let cased = WordPiece::from_vocab(VOCAB, false).unwrap();
		assert_eq!(cased.basic_tokenize("Café,X"), ["Café", ",", "X"]);
	}

	#[test]
	fn wordpiece_is_greedy_longest_match_with_unk() {
		let w = wp();
		assert_eq!(pieces(&w, "unaffable"), ["[CLS]", "un", "##aff", "##able", "[SEP]"]);
		assert_eq!(pieces(&w, "Hello, World!"), ["[CLS]", "hello", ",", "world", "!", "[SEP]"]);
		assert_eq!(pieces(&w, "helloworld"), ["[CLS]", "hello", "##world", "[SEP]"]);
		// A word that cannot be cut is one [UNK], not pieces and [UNK].
		assert_eq!(pieces(&w, "unaffablez the"), ["[CLS]", "[UNK]", "the", "[SEP]"]);
		assert_eq!(pieces(&w, "café 日本"), ["[CLS]", "cafe", "日", "本", "[SEP]"]);
		assert_eq!(pieces(&w, ""), ["[CLS]", "[SEP]"]);
		// Up to 100 characters a word is cut; past that it is [UNK].
		assert_eq!(w.encode(&"x".repeat(100), 512).len(), 102);
		assert_eq!(pieces(&w, &"x".repeat(101)), ["[CLS]", "[UNK]", "[SEP]"]);
	}

	#[test]
	fn encode_truncates_to_max_tokens() {
		let w = wp();
		let text = "the quick brown fox ".repeat(100);
		let ids = w.encode(&text, 256);
		assert_eq!(ids.len(), 256);
		assert_eq!((ids[0], ids[255]), (w.token_id(CLS).unwrap(), w.token_id(SEP).unwrap()));
		assert_eq!(w.token(ids[1]), Some("the"));
		assert_eq!(w.token(ids[254]), Some("quick"));
		// Truncation inside a word keeps its first pieces.
		assert_eq!(w.encode("unaffable", 4).len(), 4);
		assert_eq!(pieces(&w, "unaffable").len(), 5);
		assert_eq!(w.encode("the fox", 0).len(), 2);
		assert_eq!(w.tokenize("the quick brown", 2).len(), 2);
	}

	#[test]
	fn bad_vocabularies_give_clear_errors() {
		let e = WordPiece::from_vocab("", true).unwrap_err().to_string();
		assert!(e.contains("empty"), "{e}");
		let e = WordPiece::from_vocab("[CLS]\n[SEP]\nthe\n", true).unwrap_err().to_string();
		assert!(e.contains("no `[UNK]`"), "{e}");
		let e = format!("{:#}", WordPiece::load("/nonexistent/vocab.txt", true).unwrap_err());
		assert!(e.contains("/nonexistent/vocab.txt"), "{e}");
		// CRLF files and a missing final newline are fine.
		let w = WordPiece::from_vocab("[UNK]\r\n[CLS]\r\n[SEP]\r\nhi", true).unwrap();
		assert_eq!((w.vocab_size(), w.token_id("hi")), (4, Some(3)));
	}

	#[test]
	fn tables_are_sorted() {
		for t in [tables::PUNCTUATION, tables::NONSPACING_MARKS, tables::CONTROLS, tables::SPACES] {
			assert!(t.iter().all(|(lo, hi)| lo <= hi));
			assert!(t.windows(2).all(|w| w[0].1 < w[1].0));
		}
		assert!(tables::BASE_LETTERS.windows(2).all(|w| w[0].0 < w[1].0));
	}
}
