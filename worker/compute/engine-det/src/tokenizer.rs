//! The byte-level tokenizer of the built-in tiny model: token ids `0..=255` are the bytes of
//! the UTF-8 text, followed by two special tokens, [`BOS`] and [`EOS`]. Every string encodes,
//! and every id sequence decodes (invalid UTF-8 becomes U+FFFD, as
//! [`String::from_utf8_lossy`] does).

/// The beginning-of-sequence token, put in front of every prompt.
pub const BOS: u32 = 256;
/// The end-of-sequence token: generation stops when the model produces it.
pub const EOS: u32 = 257;
/// The number of tokens the tokenizer knows (256 bytes and the two special tokens). A model
/// may have a larger vocabulary (padding); ids past the tokenizer's are never produced.
pub const VOCAB_SIZE: usize = 258;

/// The byte-level tokenizer.
#[derive(Clone, Copy, Debug, Default)]
pub struct ByteTokenizer;

impl ByteTokenizer {
	/// Encodes `text` as its UTF-8 bytes, with [`BOS`] first when `bos` is set.
	pub fn encode(&self, text: &str, bos: bool) -> Vec<u32> {
		let mut ids = Vec::with_capacity(text.len() + usize::from(bos));
		if bos {
			ids.push(BOS);
		}
		ids.extend(text.bytes().map(u32::from));
		ids
	}

	/// Decodes a whole id sequence. Special and unknown ids decode to nothing; invalid UTF-8
	/// becomes U+FFFD.
	pub fn decode(&self, ids: &[u32]) -> String {
		let mut decoder = StreamDecoder::default();
		let mut out = String::new();
		for &id in ids {
			out.push_str(&decoder.push(id));
		}
		out.push_str(&decoder.finish());
		out
	}

	/// A decoder for one stream of ids (one generation).
	pub fn stream(&self) -> StreamDecoder {
		StreamDecoder::default()
	}

	/// The bytes `id` stands for: its byte, or none for a special or unknown id.
	pub fn bytes(id: u32) -> Vec<u8> {
		u8::try_from(id).map(|b| vec![b]).unwrap_or_default()
	}
}

/// Decodes tokens one at a time into text, holding back the bytes of a multi-byte character
/// until it is complete. The concatenation of everything [`StreamDecoder::push`] (or
/// [`StreamDecoder::push_bytes`]) and [`StreamDecoder::finish`] return equals
/// [`String::from_utf8_lossy`] of all the bytes.
#[derive(Clone, Debug, Default)]
pub struct StreamDecoder {
	pending: Vec<u8>,
}

impl StreamDecoder {
	/// Adds one id and returns the text that is now complete (possibly empty). Special and
	/// unknown ids add nothing.
	pub fn push(&mut self, id: u32) -> String {
		self.push_bytes(&ByteTokenizer::bytes(id))
	}

	/// Adds the bytes of one token (of any tokenizer) and returns the text that is now
	/// complete (possibly empty).
	pub fn push_bytes(&mut self, bytes: &[u8]) -> String {
		if bytes.is_empty() {
			return String::new();
		}
		self.pending.extend_from_slice(bytes);
		let mut out = String::new();
		loop {
			match std::str::from_utf8(&self.pending) {
				Ok(s) => {
					out.push_str(s);
					self.pending.clear();
					break;
				},
				Err(e) => {
					let valid = e.valid_up_to();
					// Safe: `valid_up_to` bytes are valid UTF-8.
					out.push_str(&String::from_utf8_lossy(&self.pending[..valid]));
					match e.error_len() {
						// An invalid sequence: replace it, as the lossy decoder does, and go on.
						Some(bad) => {
							out.push(char::REPLACEMENT_CHARACTER);
							self.pending.drain(..valid + bad);
						},
						// An incomplete character at the end: wait for more bytes.
						None => {
							self.pending.drain(..valid);
							break;
						},
					}
				},
			}
		}
		out
	}

	/// Ends the stream: returns whatever is still held back, decoded lossily.
	pub fn finish(&mut self) -> String {
		let out = String::from_utf8_lossy(&self.pending).into_owned();
		self.pending.clear();
		out
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn round_trip_ascii_and_multibyte() {
		let t = ByteTokenizer;
		for text in ["", "hello", "héllo wörld", "日本語のテキスト", "emoji 🦀🚀 mixed ß", "\0\n\t"]
		{
			let ids = t.encode(text, true);
			assert_eq!(ids[0], BOS);
			assert_eq!(ids.len(), text.len() + 1);
			assert_eq!(t.decode(&ids), text);
			assert_eq!(t.decode(&t.encode(text, false)), text);
		}
	}

	#[test]
	fn streaming_holds_back_incomplete_characters() {
		let t = ByteTokenizer;
		let text = "a🦀é";
		let mut d = t.stream();
		let pieces: Vec<String> = t.encode(text, false).into_iter().map(|id| d.push(id)).collect();
		// 'a', then three held-back bytes of the crab, then the crab, then é in two bytes.
		assert_eq!(pieces, vec!["a", "", "", "", "🦀", "", "é"]);
		assert_eq!(d.finish(), "");
	}

	#[test]
	fn streaming_matches_lossy_decoding() {
		let cases: Vec<Vec<u8>> = vec![
			vec![0xff, b'a', 0xc3],
			vec![0xe6, 0x97, b'x', 0xe6, 0x97, 0xa5],
			vec![0xf0, 0x9f, 0xa6],
			vec![0xc3, 0xc3, 0xa9, 0x80],
			vec![0xed, 0xa0, 0x80, b'z'],
		];
		let t = ByteTokenizer;
		for bytes in cases {
			let ids: Vec<u32> = bytes.iter().map(|&b| u32::from(b)).chain([EOS, 999]).collect();
			assert_eq!(t.decode(&ids), String::from_utf8_lossy(&bytes), "{bytes:?}");
		}
	}
}
