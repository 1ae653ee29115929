//! The first inputs of each target (`fuzz/corpus/<target>/seed-*`): short and long, zeros and
//! noise, and for the decoders valid encodings of what they decode, so that the fuzzer starts
//! from deep inside each format. Written by `ZG_FUZZ_WRITE_SEEDS=1 cargo test -p zg-fuzz`.

use codec::Encode;
use sp_core::H256;
use std::{fs, io, path::Path};
use zg_primitives::{
	compute::{JobOutcome, RunResult},
	da::{self, CellProof, Line},
};

/// Deterministic noise.
fn noise(len: usize, seed: u64) -> Vec<u8> {
	let mut x = seed | 1;
	(0..len)
		.map(|_| {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			x as u8
		})
		.collect()
}

/// `prefix` followed by `tail`.
fn cat(prefix: &[u8], tail: &[u8]) -> Vec<u8> {
	let mut out = prefix.to_vec();
	out.extend_from_slice(tail);
	out
}

fn seeds(target: &str) -> Vec<Vec<u8>> {
	let mut out = vec![Vec::new(), vec![0; 64], noise(64, 1), noise(4096, 2)];
	// The DA targets first read a blob size (u32) and the blob: a 100-byte blob (one chunk, a
	// square of side 1), then the line (u32, u8) and their own choices, then the encoding.
	let blob = noise(100, 5);
	let mut head = 99u32.to_le_bytes().to_vec();
	head.extend_from_slice(&blob);
	head.extend_from_slice(&[0, 0, 0, 0, 0]); // Line::Row(0)
	let square = da::extend(&blob).ok();
	let cell = square
		.as_ref()
		.map(|s| s.cell_proof(Line::Row(0), 1))
		.unwrap_or_else(CellProof::decode_default);
	match target {
		"storage_proof" | "erasure_decode" | "file_layout" => out.push(noise(20_000, 4)),
		"da_cell_proof" => {
			// pos, the tampered byte and bit, the path node and bit, the other position.
			out.push(cat(
				&cat(&head, &[0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0]),
				&cell.encode(),
			));
		},
		"da_fraud_proofs" => {
			let bad_line = da::BadLineProof {
				line: Line::Row(0),
				line_root: cell.line_root,
				axis_path: cell.axis_path.clone(),
				chunks: vec![
					(0, cell.chunk.clone(), cell.path.clone()),
					(1, cell.chunk.clone(), cell.path.clone()),
				],
			};
			// The k + 1 = 2 positions, then the proof.
			out.push(cat(&cat(&head, &[0, 0, 0, 0, 1, 0, 0, 0]), &bad_line.encode()));
		},
		"da_decode_line" => {
			let list = vec![(0u32, cell.chunk.clone())];
			// The k = 1 position, then the list.
			out.push(cat(&cat(&head, &[1, 0, 0, 0]), &list.encode()));
		},
		"api_key" => {
			out.push(b"zgcap_00".to_vec());
			out.push(noise(200, 6));
		},
		"openai_request" => {
			// The first byte picks the route (its value mod 3: chat, text, embeddings) and the cap
			// (1 + 67 × (its value / 4): 202 here).
			let chat = br#"{"model": "tiny", "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": [{"type": "text", "text": "Hi"}]}], "max_tokens": 16, "temperature": 0, "stop": ["\n"], "stream": true, "stream_options": {"include_usage": true}}"#;
			out.push(cat(&[12], chat));
			let text = br#"{"model": "tiny", "prompt": "Once upon", "max_completion_tokens": 8, "seed": 42, "n": 1, "stop": "."}"#;
			out.push(cat(&[13], text));
			let embed =
				br#"{"model": "minilm", "input": ["one", "two"], "encoding_format": "base64"}"#;
			out.push(cat(&[14], embed));
			out.push(cat(&[1], br#"{"model": "tiny", "prompt": "x", "max_tokens": "a string"}"#));
		},
		"worker_replies" => {
			out.push(cat(&[0], &(noise(1024, 7), vec![H256::repeat_byte(1); 3]).encode()));
			out.push(cat(&[1], &vec![(H256::repeat_byte(2), 7u32); 4].encode()));
			out.push(cat(&[3], &cell.encode()));
			let result = RunResult {
				outcome: JobOutcome::Output {
					output_hash: H256::repeat_byte(3),
					input_tokens: 5,
					output_tokens: 9,
				},
				output_root: Some(H256::repeat_byte(4)),
			};
			out.push(cat(&[4], &result.encode()));
		},
		"root_text" => {
			out.push(format!("{:?}", H256::repeat_byte(0xab)).into_bytes());
			out.push("ab".repeat(32).into_bytes());
		},
		_ => {},
	}
	out
}

trait DecodeDefault {
	fn decode_default() -> Self;
}

impl DecodeDefault for CellProof {
	fn decode_default() -> Self {
		CellProof {
			line: Line::Row(0),
			pos: 0,
			chunk: Vec::new(),
			path: Vec::new(),
			line_root: H256::zero(),
			axis_path: Vec::new(),
		}
	}
}

/// Writes the seeds of every target under `corpus/<target>/`.
pub fn write(corpus: &Path) -> io::Result<()> {
	for (name, _) in crate::TARGETS {
		let dir = corpus.join(name);
		fs::create_dir_all(&dir)?;
		for (i, seed) in seeds(name).into_iter().enumerate() {
			fs::write(dir.join(format!("seed-{i}")), seed)?;
		}
	}
	Ok(())
}
