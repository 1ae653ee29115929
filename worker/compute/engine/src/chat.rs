//! Chats: messages with roles, and the plain template that turns them into one prompt for
//! models that carry no template of their own.

/// Who says a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
	/// Instructions (OpenAI's `system` and `developer`).
	System,
	/// The user.
	User,
	/// The model.
	Assistant,
	/// A tool's result.
	Tool,
}

impl Role {
	/// Reads an OpenAI role name (`developer` is a `system`).
	pub fn parse(name: &str) -> Option<Self> {
		Some(match name {
			"system" | "developer" => Role::System,
			"user" => Role::User,
			"assistant" => Role::Assistant,
			"tool" => Role::Tool,
			_ => return None,
		})
	}

	/// The role's OpenAI name.
	pub fn as_str(self) -> &'static str {
		match self {
			Role::System => "system",
			Role::User => "user",
			Role::Assistant => "assistant",
			Role::Tool => "tool",
		}
	}
}

/// One message of a chat.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChatMessage {
	/// Who says it.
	pub role: Role,
	/// What it says.
	pub content: String,
}

impl ChatMessage {
	/// A message of `role`.
	pub fn new(role: Role, content: impl Into<String>) -> Self {
		Self { role, content: content.into() }
	}
}

/// The plain chat template: each message as `<|ROLE|>\n` + its text + `\n`, then
/// `<|assistant|>\n` for the answer. `[{system: "Be brief."}, {user: "Hi"}]` becomes
/// `"<|system|>\nBe brief.\n<|user|>\nHi\n<|assistant|>\n"`.
pub fn plain_chat_prompt(messages: &[ChatMessage]) -> String {
	let mut prompt = String::new();
	for message in messages {
		prompt.push_str("<|");
		prompt.push_str(message.role.as_str());
		prompt.push_str("|>\n");
		prompt.push_str(&message.content);
		prompt.push('\n');
	}
	prompt.push_str("<|assistant|>\n");
	prompt
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_plain_template() {
		let messages = [
			ChatMessage::new(Role::parse("developer").unwrap(), "Be brief."),
			ChatMessage::new(Role::User, "Hi"),
		];
		assert_eq!(
			plain_chat_prompt(&messages),
			"<|system|>\nBe brief.\n<|user|>\nHi\n<|assistant|>\n"
		);
		assert_eq!(Role::parse("narrator"), None);
	}
}
