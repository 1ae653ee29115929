//! Reading an upstream's streamed answer: server-sent events of OpenAI chunks, each piece of
//! text handed on as it arrives, the usage taken from the last chunk
//! (`stream_options.include_usage`).

use anyhow::{anyhow, bail, Context, Result};
use futures::StreamExt;
use serde_json::Value;
use tokio::sync::mpsc;
use zg_compute_engine::FinishReason;

/// The largest streamed answer read, in bytes.
pub(crate) const ANSWER_LIMIT: usize = 64 << 20;
/// The longest line of a stream, in bytes.
const LINE_LIMIT: usize = 1 << 20;

/// What the reader sends the engine's thread.
pub(crate) enum Streamed {
	/// A piece of text.
	Piece(String),
	/// The end: the counts and why it stopped, or why it failed.
	End(Result<Finish>),
}

/// The end of a stream.
#[derive(Debug)]
pub(crate) struct Finish {
	/// Prompt and completion tokens, if the upstream reported them.
	pub usage: Option<(u32, u32)>,
	pub finish_reason: FinishReason,
}

/// What the chunks said so far.
struct Chunks<'a> {
	text_at: &'a str,
	usage: Option<(u32, u32)>,
	finish_reason: FinishReason,
	done: bool,
}

fn count(usage: &Value, name: &str) -> Result<u32> {
	let n = usage
		.get(name)
		.and_then(Value::as_u64)
		.ok_or_else(|| anyhow!("the upstream usage has no {name}"))?;
	u32::try_from(n).map_err(|_| anyhow!("usage.{name} is too large"))
}

impl Chunks<'_> {
	/// Reads one line of the stream; returns the text it carries, if any.
	fn line(&mut self, line: &[u8]) -> Result<Option<String>> {
		let line = std::str::from_utf8(line).context("the upstream stream is not UTF-8")?;
		let Some(data) = line.trim_end_matches('\r').strip_prefix("data:") else {
			// Comments, `event:`, `id:` and the blank lines between events.
			return Ok(None);
		};
		let data = data.trim();
		if data == "[DONE]" {
			self.done = true;
			return Ok(None);
		}
		let chunk: Value = serde_json::from_str(data).context("an upstream chunk is not JSON")?;
		if let Some(error) = chunk.get("error") {
			bail!("the upstream failed: {error}");
		}
		if let Some(usage) = chunk.get("usage").filter(|u| !u.is_null()) {
			self.usage = Some((count(usage, "prompt_tokens")?, count(usage, "completion_tokens")?));
		}
		match chunk.pointer("/choices/0/finish_reason").and_then(Value::as_str) {
			Some("length") => self.finish_reason = FinishReason::Length,
			Some(_) => self.finish_reason = FinishReason::Stop,
			None => {},
		}
		Ok(chunk
			.pointer(self.text_at)
			.and_then(Value::as_str)
			.filter(|text| !text.is_empty())
			.map(str::to_string))
	}
}

/// Sends `request` and reads its streamed answer, each piece of text (at `text_at` in a chunk)
/// sent to `pieces` as it arrives; returns the usage (if reported) and finish reason of the
/// end. Stops, dropping the connection (which stops the upstream), when the engine's thread
/// stops listening.
pub(crate) async fn read(
	request: reqwest::RequestBuilder,
	url: &str,
	text_at: &str,
	pieces: &mpsc::Sender<Streamed>,
) -> Result<Finish> {
	let res = request.send().await.with_context(|| format!("POST {url}"))?;
	let status = res.status();
	let mut body = res.bytes_stream();
	if !status.is_success() {
		let mut bytes = Vec::new();
		while let Some(Ok(piece)) = body.next().await {
			bytes.extend_from_slice(&piece);
			if bytes.len() > 4096 {
				break;
			}
		}
		bytes.truncate(4096);
		bail!("POST {url}: {status} {}", String::from_utf8_lossy(&bytes));
	}
	let mut chunks =
		Chunks { text_at, usage: None, finish_reason: FinishReason::Stop, done: false };
	let (mut line, mut total) = (Vec::new(), 0usize);
	while let Some(piece) = body.next().await {
		let piece = piece.with_context(|| format!("POST {url}"))?;
		total = total.saturating_add(piece.len());
		if total > ANSWER_LIMIT {
			bail!("POST {url}: the answer is larger than {ANSWER_LIMIT} bytes");
		}
		for byte in piece {
			if byte != b'\n' {
				if line.len() == LINE_LIMIT {
					bail!("POST {url}: a line of the answer is longer than {LINE_LIMIT} bytes");
				}
				line.push(byte);
				continue;
			}
			if let Some(text) = chunks.line(&line)? {
				if pieces.send(Streamed::Piece(text)).await.is_err() {
					bail!("the engine stopped listening");
				}
			}
			line.clear();
		}
		if chunks.done {
			break;
		}
	}
	if !chunks.done {
		bail!("POST {url}: the stream ended without [DONE]");
	}
	Ok(Finish { usage: chunks.usage, finish_reason: chunks.finish_reason })
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn chunks_give_text_usage_and_the_finish() {
		let mut chunks = Chunks {
			text_at: "/choices/0/delta/content",
			usage: None,
			finish_reason: FinishReason::Stop,
			done: false,
		};
		assert_eq!(chunks.line(b": keep-alive").unwrap(), None);
		let piece = br#"data: {"choices":[{"index":0,"delta":{"content":"Hi"}}]}"#;
		assert_eq!(chunks.line(piece).unwrap().as_deref(), Some("Hi"));
		let end = br#"data: {"choices":[{"index":0,"delta":{},"finish_reason":"length"}]}"#;
		assert_eq!(chunks.line(end).unwrap(), None);
		let usage = br#"data: {"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":1}}"#;
		chunks.line(usage).unwrap();
		chunks.line(b"data: [DONE]\r").unwrap();
		assert_eq!(
			(chunks.usage, chunks.finish_reason, chunks.done),
			(Some((5, 1)), FinishReason::Length, true)
		);
		assert!(chunks.line(br#"data: {"error":{"message":"overloaded"}}"#).is_err());
		assert!(chunks.line(b"data: {not json").is_err());
	}
}
