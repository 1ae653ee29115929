//! The engine trait and what it takes and gives.

pub use zg_primitives::compute::Refusal;

use crate::{plain_chat_prompt, ChatMessage};

/// A deterministic refusal: the engine cannot run this input, and no engine of the same model
/// could (the input is longer than the context, say). Engines return it (inside their
/// `anyhow::Error`) so that the job runner answers a refusal rather than an outage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("refused: {0:?}")]
pub struct Refused(pub Refusal);

/// A generation that failed after part of its answer reached the caller (an upstream that
/// broke off mid-stream): the engine counted what was delivered, and that is charged.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the answer was cut after {completion_tokens} tokens: {reason}")]
pub struct Cut {
	/// Tokens of the prompt (or its bound, when the engine could not count them).
	pub prompt_tokens: u32,
	/// Tokens delivered.
	pub completion_tokens: u32,
	/// Why it was cut.
	pub reason: String,
}

/// How to generate.
#[derive(Clone, Debug, PartialEq)]
pub struct GenerateParams {
	/// The largest number of tokens to generate.
	pub max_tokens: u32,
	/// Sampling temperature; ignored (greedy) when `deterministic`.
	pub temperature: f32,
	/// Seed of the sampler.
	pub seed: u64,
	/// Greedy decoding, fixed seed, fixed reduction order: the same output bytes on every run
	/// of the same model on the same backend. Jobs and dispute re-runs always use it.
	pub deterministic: bool,
	/// Stop sequences.
	pub stop: Vec<String>,
}

impl Default for GenerateParams {
	fn default() -> Self {
		Self { max_tokens: 64, temperature: 0.0, seed: 0, deterministic: true, stop: Vec::new() }
	}
}

/// Why generation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FinishReason {
	/// `max_tokens` was reached.
	Length,
	/// The model produced its end token or a stop sequence.
	Stop,
}

impl FinishReason {
	/// As the OpenAI API names it.
	pub fn as_str(self) -> &'static str {
		match self {
			FinishReason::Length => "length",
			FinishReason::Stop => "stop",
		}
	}
}

/// The result of one generation.
#[derive(Clone, Debug)]
pub struct Generation {
	/// The generated text.
	pub text: String,
	/// Tokens in the prompt.
	pub prompt_tokens: u32,
	/// Tokens generated.
	pub completion_tokens: u32,
	/// Why it stopped.
	pub finish_reason: FinishReason,
}

/// Embeddings of a batch of inputs.
#[derive(Clone, Debug)]
pub struct Embeddings {
	/// One vector per input.
	pub vectors: Vec<Vec<f32>>,
	/// Tokens in all inputs together.
	pub prompt_tokens: u32,
}

/// An inference backend. Calls block: the HTTP layer runs them on blocking threads.
pub trait Engine: Send + Sync {
	/// The model identifier this engine serves (as listed by `/v1/models` and registered on
	/// chain).
	fn model_id(&self) -> &str;
	/// The backend's name (`cpu`, `cuda`, `forward`), for logs and `/v1/models`.
	fn backend(&self) -> &str;
	/// The content root of the weights (BLAKE2b-256 of the model file), when the engine loaded
	/// them itself: jobs for another root are not run. `None` for engines whose weights the
	/// worker does not see (forwarding).
	fn model_root(&self) -> Option<[u8; 32]> {
		None
	}
	/// Whether [`Engine::generate`] is available.
	fn can_generate(&self) -> bool;
	/// Whether [`Engine::embed`] is available.
	fn can_embed(&self) -> bool;
	/// Generates a continuation of `prompt`. `on_token` receives each piece of text as it is
	/// produced (for streaming); returning `false` from it stops generation.
	fn generate(
		&self,
		prompt: &str,
		params: &GenerateParams,
		on_token: &mut dyn FnMut(&str) -> bool,
	) -> anyhow::Result<Generation>;
	/// The prompt `messages` become under this model's chat template (by default
	/// [`plain_chat_prompt`]; an engine whose model carries a template of its own applies
	/// that). It also bounds a chat's prompt tokens before the chat runs.
	/// Fails when the template refuses the conversation (some refuse roles out of order).
	fn chat_prompt(&self, messages: &[ChatMessage]) -> anyhow::Result<String> {
		Ok(plain_chat_prompt(messages))
	}
	/// Answers a chat. `prompt` is [`Engine::chat_prompt`] of `messages`, which the caller
	/// rendered once (it bounds the request with it). By default, [`Engine::generate`] on it;
	/// an engine that hands the messages to another server (forwarding) sends them as they
	/// are, for its template to apply.
	fn chat(
		&self,
		messages: &[ChatMessage],
		prompt: &str,
		params: &GenerateParams,
		on_token: &mut dyn FnMut(&str) -> bool,
	) -> anyhow::Result<Generation> {
		let _ = messages;
		self.generate(prompt, params, on_token)
	}
	/// Embeds each input.
	fn embed(&self, inputs: &[String]) -> anyhow::Result<Embeddings>;
}
