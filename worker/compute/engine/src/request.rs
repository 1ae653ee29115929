//! The OpenAI requests a provider's worker takes (`/v1/chat/completions`, `/v1/completions`,
//! `/v1/embeddings`), read from their JSON bodies and checked, apart from the HTTP layer: what
//! the worker's API hands an engine, and what the fuzzer feeds (`openai_request` in `zg-fuzz`).
//!
//! Fields this worker does not read are ignored, as OpenAI-compatible servers do; a field it
//! reads but cannot honour (`n` > 1, an image part) is refused with the field named.

use crate::{ChatMessage, GenerateParams, Role};
use serde::Deserialize;

/// `max_tokens` when a request does not say (at most the provider's cap).
pub const DEFAULT_MAX_TOKENS: u32 = 64;
/// The most stop sequences a request may carry (OpenAI's own limit).
pub const MAX_STOP: usize = 4;
/// The longest stop sequence, in bytes.
pub const MAX_STOP_BYTES: usize = 256;
/// The most texts one embeddings request may carry (OpenAI's own limit).
pub const MAX_EMBEDDING_INPUTS: usize = 2048;

/// Why a request is refused (HTTP 400): OpenAI's `message`, `param` and `code`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestError {
	/// What is wrong.
	pub message: String,
	/// The field at fault.
	pub param: Option<&'static str>,
	/// A machine-readable code, where OpenAI has one.
	pub code: Option<&'static str>,
}

impl RequestError {
	fn new(message: impl Into<String>, param: &'static str) -> Self {
		Self { message: message.into(), param: Some(param), code: None }
	}
}

impl core::fmt::Display for RequestError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.write_str(&self.message)
	}
}

/// One string or several.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
	/// One.
	One(String),
	/// Several.
	Many(Vec<String>),
}

impl OneOrMany {
	fn into_vec(self) -> Vec<String> {
		match self {
			OneOrMany::One(s) => vec![s],
			OneOrMany::Many(v) => v,
		}
	}
}

/// A part of a message's content.
#[derive(Debug, Deserialize)]
pub struct ContentPart {
	/// `text` (the only kind taken).
	#[serde(rename = "type")]
	pub kind: String,
	/// The text.
	#[serde(default)]
	pub text: Option<String>,
}

/// A message's content: a string or parts.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Content {
	/// A string.
	Text(String),
	/// Parts.
	Parts(Vec<ContentPart>),
}

/// A chat message.
#[derive(Debug, Deserialize)]
pub struct Message {
	/// `system`, `developer`, `user`, `assistant` or `tool`.
	pub role: String,
	/// What it says.
	#[serde(default)]
	pub content: Option<Content>,
}

/// `stream_options`.
#[derive(Debug, Default, Deserialize)]
pub struct StreamOptions {
	/// Send the usage in a last chunk.
	#[serde(default)]
	pub include_usage: bool,
}

/// The fields of a chat or text completion request this worker reads.
#[derive(Debug, Deserialize)]
struct CompletionRequest {
	model: String,
	#[serde(default)]
	messages: Option<Vec<Message>>,
	#[serde(default)]
	prompt: Option<OneOrMany>,
	#[serde(default)]
	max_tokens: Option<u32>,
	/// `max_tokens`' newer name (chat).
	#[serde(default)]
	max_completion_tokens: Option<u32>,
	/// 0 to 2; 0 is greedy and deterministic.
	#[serde(default)]
	temperature: Option<f32>,
	#[serde(default)]
	seed: Option<u64>,
	#[serde(default)]
	stop: Option<OneOrMany>,
	#[serde(default)]
	stream: Option<bool>,
	#[serde(default)]
	stream_options: Option<StreamOptions>,
	/// Only 1.
	#[serde(default)]
	n: Option<u32>,
}

/// A chat (`/v1/chat/completions`) or a text completion (`/v1/completions`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
	/// Messages, rendered by the model's template.
	Chat,
	/// One raw prompt.
	Text,
}

/// What a completion continues.
#[derive(Clone, Debug, PartialEq)]
pub enum Prompt {
	/// A chat's messages, their roles and contents checked.
	Chat(Vec<ChatMessage>),
	/// A raw prompt.
	Text(String),
}

/// A completion request, checked.
#[derive(Clone, Debug, PartialEq)]
pub struct Completion {
	/// The model asked for (unchecked: the worker's admission knows its models).
	pub model: String,
	/// What to continue.
	pub prompt: Prompt,
	/// `max_tokens` within 1 and the cap, `temperature` within 0 and 2, at most
	/// [`MAX_STOP`] stop sequences of 1 to [`MAX_STOP_BYTES`] bytes.
	pub params: GenerateParams,
	/// Stream the answer as server-sent events.
	pub stream: bool,
	/// Send the usage in a last chunk (streaming).
	pub include_usage: bool,
}

/// Reads a completion request of `flavor` from its JSON `body`: `max_tokens` at most `cap`
/// (the provider's), and the sampler seeded with `default_seed` unless the request says.
pub fn completion(
	body: &[u8],
	flavor: Flavor,
	cap: u32,
	default_seed: u64,
) -> Result<Completion, RequestError> {
	let request: CompletionRequest = json(body)?;
	let prompt = match flavor {
		Flavor::Chat => Prompt::Chat(chat_messages(
			request
				.messages
				.as_deref()
				.ok_or_else(|| RequestError::new("messages is missing", "messages"))?,
		)?),
		Flavor::Text => match request.prompt.map(OneOrMany::into_vec) {
			Some(mut prompts) if prompts.len() == 1 => Prompt::Text(prompts.remove(0)),
			_ => return Err(RequestError::new("prompt must be one string", "prompt")),
		},
	};
	if request.n.is_some_and(|n| n != 1) {
		return Err(RequestError::new("only n = 1 is supported", "n"));
	}
	let stop = request.stop.map(OneOrMany::into_vec).unwrap_or_default();
	if stop.len() > MAX_STOP || stop.iter().any(|s| s.is_empty() || s.len() > MAX_STOP_BYTES) {
		return Err(RequestError::new(
			format!("stop takes at most {MAX_STOP} sequences of 1 to {MAX_STOP_BYTES} bytes"),
			"stop",
		));
	}
	let max_tokens = request
		.max_completion_tokens
		.or(request.max_tokens)
		.unwrap_or_else(|| DEFAULT_MAX_TOKENS.min(cap));
	if max_tokens == 0 || max_tokens > cap {
		return Err(RequestError {
			code: Some("max_tokens_too_large"),
			..RequestError::new(
				format!("max_tokens must be between 1 and {cap}, not {max_tokens}"),
				"max_tokens",
			)
		});
	}
	let temperature = request.temperature.unwrap_or(1.0);
	if !(0.0..=2.0).contains(&temperature) {
		return Err(RequestError::new("temperature must be between 0 and 2", "temperature"));
	}
	Ok(Completion {
		model: request.model,
		prompt,
		params: GenerateParams {
			max_tokens,
			temperature,
			seed: request.seed.unwrap_or(default_seed),
			deterministic: temperature == 0.0,
			stop,
		},
		stream: request.stream.unwrap_or(false),
		include_usage: request.stream_options.unwrap_or_default().include_usage,
	})
}

/// The messages of a chat request, their roles and contents checked (text parts only).
pub fn chat_messages(messages: &[Message]) -> Result<Vec<ChatMessage>, RequestError> {
	if messages.is_empty() {
		return Err(RequestError::new("messages is empty", "messages"));
	}
	let mut checked = Vec::with_capacity(messages.len());
	for message in messages {
		let role = Role::parse(&message.role).ok_or_else(|| {
			let role: String = message.role.chars().take(32).collect();
			RequestError::new(format!("unknown role {role}"), "messages")
		})?;
		let mut content = String::new();
		match &message.content {
			None => {},
			Some(Content::Text(text)) => content.push_str(text),
			Some(Content::Parts(parts)) => {
				for part in parts {
					match (part.kind.as_str(), &part.text) {
						("text", Some(text)) => content.push_str(text),
						(kind, _) => {
							let kind: String = kind.chars().take(32).collect();
							return Err(RequestError::new(
								format!("content parts of type {kind} are not supported"),
								"messages",
							));
						},
					}
				}
			},
		}
		checked.push(ChatMessage { role, content });
	}
	Ok(checked)
}

#[derive(Debug, Deserialize)]
struct EmbeddingsRequest {
	model: String,
	input: OneOrMany,
	#[serde(default)]
	encoding_format: Option<String>,
}

/// An embeddings request, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Embeddings {
	/// The model asked for.
	pub model: String,
	/// 1 to [`MAX_EMBEDDING_INPUTS`] texts.
	pub inputs: Vec<String>,
	/// Answer each vector as the base64 of its little-endian `f32`s (`encoding_format`
	/// `base64`, what the OpenAI SDKs ask for) rather than numbers (`float`, the default).
	pub base64: bool,
}

/// Reads an embeddings request from its JSON `body`.
pub fn embeddings(body: &[u8]) -> Result<Embeddings, RequestError> {
	let request: EmbeddingsRequest = json(body)?;
	let base64 = match request.encoding_format.as_deref() {
		None | Some("float") => false,
		Some("base64") => true,
		Some(other) => {
			let other: String = other.chars().take(32).collect();
			return Err(RequestError::new(
				format!("encoding_format is float or base64, not {other}"),
				"encoding_format",
			));
		},
	};
	let inputs = request.input.into_vec();
	if inputs.is_empty() || inputs.len() > MAX_EMBEDDING_INPUTS {
		return Err(RequestError::new(
			format!("input takes 1 to {MAX_EMBEDDING_INPUTS} texts, not {}", inputs.len()),
			"input",
		));
	}
	Ok(Embeddings { model: request.model, inputs, base64 })
}

/// The longest error message, in characters: serde quotes a value of the wrong type whole,
/// and neither the answer nor the worker's log should carry a client's megabytes back.
pub const MAX_ERROR_CHARS: usize = 300;

/// `body` as JSON, or a refusal with serde's reason (`invalid_json`), cut to
/// [`MAX_ERROR_CHARS`].
fn json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, RequestError> {
	serde_json::from_slice(body).map_err(|e| RequestError {
		message: cut(&format!("malformed request: {e}"), MAX_ERROR_CHARS),
		param: None,
		code: Some("invalid_json"),
	})
}

/// `text` as a refusal may show what a client sent: its first `max_chars` characters, and `…`
/// when there were more (neither the answer nor the worker's log carries a client's megabytes).
pub fn cut(text: &str, max_chars: usize) -> String {
	match text.char_indices().nth(max_chars) {
		Some((end, _)) => format!("{}…", &text[..end]),
		None => text.to_string(),
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::plain_chat_prompt;

	fn chat(body: &str) -> Result<Completion, RequestError> {
		completion(body.as_bytes(), Flavor::Chat, 128, 7)
	}

	#[test]
	fn chat_messages_are_checked_and_the_plain_template_applies() {
		let ok = chat(
			r#"{"model": "m", "messages": [{"role": "system", "content": "Be brief."},
			{"role": "user", "content": [{"type": "text", "text": "Hi"}]}]}"#,
		)
		.unwrap();
		let Prompt::Chat(messages) = &ok.prompt else { panic!("a chat") };
		assert_eq!(
			plain_chat_prompt(messages),
			"<|system|>\nBe brief.\n<|user|>\nHi\n<|assistant|>\n"
		);
		let bad = chat(r#"{"model": "m", "messages": [{"role": "wizard", "content": "x"}]}"#);
		assert_eq!(bad.unwrap_err().param, Some("messages"));
		let image = chat(
			r#"{"model": "m", "messages": [{"role": "user", "content": [{"type": "image_url"}]}]}"#,
		);
		assert_eq!(image.unwrap_err().message, "content parts of type image_url are not supported");
		assert_eq!(chat(r#"{"model": "m", "messages": []}"#).unwrap_err().param, Some("messages"));
		assert_eq!(chat(r#"{"model": "m"}"#).unwrap_err().message, "messages is missing");
	}

	#[test]
	fn defaults_and_limits() {
		let ok = chat(r#"{"model": "m", "messages": [{"role": "user", "content": "x"}]}"#).unwrap();
		assert_eq!(
			ok.params,
			GenerateParams {
				max_tokens: DEFAULT_MAX_TOKENS,
				temperature: 1.0,
				seed: 7,
				deterministic: false,
				stop: Vec::new(),
			}
		);
		assert!(!ok.stream && !ok.include_usage);
		let small = completion(br#"{"model": "m", "prompt": "x"}"#, Flavor::Text, 10, 0).unwrap();
		assert_eq!((small.params.max_tokens, small.prompt), (10, Prompt::Text("x".into())));
		let refused = |body: &str, param: &str| {
			let e = completion(body.as_bytes(), Flavor::Text, 128, 0).unwrap_err();
			assert_eq!(e.param, Some(param), "{body}: {e}");
		};
		refused(r#"{"model": "m", "prompt": ["a", "b"]}"#, "prompt");
		refused(r#"{"model": "m", "prompt": "x", "n": 2}"#, "n");
		refused(r#"{"model": "m", "prompt": "x", "max_tokens": 0}"#, "max_tokens");
		refused(r#"{"model": "m", "prompt": "x", "max_completion_tokens": 129}"#, "max_tokens");
		refused(r#"{"model": "m", "prompt": "x", "temperature": 2.5}"#, "temperature");
		refused(r#"{"model": "m", "prompt": "x", "temperature": -0.1}"#, "temperature");
		refused(r#"{"model": "m", "prompt": "x", "stop": ["a", "b", "c", "d", "e"]}"#, "stop");
		refused(r#"{"model": "m", "prompt": "x", "stop": ""}"#, "stop");
		let greedy = completion(
			br#"{"model": "m", "prompt": "x", "temperature": 0, "seed": 3, "stop": "\n",
			"stream": true, "stream_options": {"include_usage": true}, "user": "ignored"}"#,
			Flavor::Text,
			128,
			0,
		)
		.unwrap();
		assert!(greedy.params.deterministic && greedy.stream && greedy.include_usage);
		assert_eq!((greedy.params.seed, greedy.params.stop), (3, vec!["\n".to_string()]));
		let e = completion(b"{not json", Flavor::Text, 128, 0).unwrap_err();
		assert_eq!(e.code, Some("invalid_json"));
		// serde quotes a value of the wrong type: not a megabyte of it.
		let long =
			format!(r#"{{"model": "m", "prompt": "x", "max_tokens": "{}"}}"#, "é".repeat(1 << 20));
		let e = completion(long.as_bytes(), Flavor::Text, 128, 0).unwrap_err();
		assert!(e.message.starts_with("malformed request: invalid type: string"), "{e}");
		assert_eq!(e.message.chars().count(), MAX_ERROR_CHARS + 1);
	}

	#[test]
	fn embeddings_requests() {
		let one = embeddings(br#"{"model": "e", "input": "hi"}"#).unwrap();
		assert_eq!(one, Embeddings { model: "e".into(), inputs: vec!["hi".into()], base64: false });
		let b64 =
			embeddings(br#"{"model": "e", "input": ["a", "b"], "encoding_format": "base64"}"#);
		assert!(b64.unwrap().base64);
		assert_eq!(embeddings(br#"{"model": "e", "input": []}"#).unwrap_err().param, Some("input"));
		let e = embeddings(br#"{"model": "e", "input": "x", "encoding_format": "int8"}"#);
		assert_eq!(e.unwrap_err().param, Some("encoding_format"));
	}
}
