//! Reading GGUF files, the format of llama.cpp's models: a header of typed metadata
//! (architecture, shapes, tokenizer) and tensors of `F32`, `F16`, `Q4_0`, `Q4_1` or `Q8_0`
//! blocks, dequantized here to `f32` exactly as ggml does (block scale times quant, plus the
//! block minimum for `Q4_1`; the `f16` scales converted exactly).
//!
//! Only what a model needs is read; an unknown metadata type, a tensor type not listed above,
//! or offsets past the end of the file are clear errors, never a panic or an absurd
//! allocation.

use anyhow::{anyhow, bail, Context, Result};
use std::collections::HashMap;
use zg_compute_engine::kernels::f16_to_f32;

/// A metadata value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
	/// Any unsigned or signed integer type, widened.
	Int(i128),
	/// `f32` or `f64`.
	Float(f64),
	/// A boolean.
	Bool(bool),
	/// A string.
	Str(String),
	/// An array.
	Array(Vec<Value>),
}

impl Value {
	/// The value as an unsigned integer.
	pub fn as_u64(&self) -> Option<u64> {
		match self {
			Value::Int(v) => u64::try_from(*v).ok(),
			_ => None,
		}
	}

	/// The value as a float (integers too).
	pub fn as_f64(&self) -> Option<f64> {
		match self {
			Value::Float(v) => Some(*v),
			Value::Int(v) => Some(*v as f64),
			_ => None,
		}
	}

	/// The value as a string.
	pub fn as_str(&self) -> Option<&str> {
		match self {
			Value::Str(s) => Some(s),
			_ => None,
		}
	}

	/// The value as an array.
	pub fn as_array(&self) -> Option<&[Value]> {
		match self {
			Value::Array(a) => Some(a),
			_ => None,
		}
	}
}

/// The element types of tensors this reader dequantizes (ggml's numbering).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TensorType {
	/// 32-bit floats.
	F32,
	/// 16-bit floats.
	F16,
	/// Blocks of 32: an `f16` scale `d` and 32 4-bit quants `q`; `x = d (q - 8)`.
	Q4_0,
	/// Blocks of 32: `f16` scale `d` and minimum `m`, 32 4-bit quants; `x = d q + m`.
	Q4_1,
	/// Blocks of 32: an `f16` scale `d` and 32 signed bytes `q`; `x = d q`.
	Q8_0,
}

impl TensorType {
	fn from_ggml(id: u32) -> Result<Self> {
		Ok(match id {
			0 => TensorType::F32,
			1 => TensorType::F16,
			2 => TensorType::Q4_0,
			3 => TensorType::Q4_1,
			8 => TensorType::Q8_0,
			other => bail!("tensor type {other} is not supported (F32, F16, Q4_0, Q4_1, Q8_0 are)"),
		})
	}

	/// Elements per block and bytes per block.
	fn block(self) -> (usize, usize) {
		match self {
			TensorType::F32 => (1, 4),
			TensorType::F16 => (1, 2),
			TensorType::Q4_0 => (32, 18),
			TensorType::Q4_1 => (32, 20),
			TensorType::Q8_0 => (32, 34),
		}
	}
}

/// Where a tensor is.
#[derive(Clone, Debug)]
pub struct TensorInfo {
	/// Its dimensions, fastest first (ggml's order: `dims[0]` is a row's length).
	pub dims: Vec<usize>,
	/// Its element type.
	pub kind: TensorType,
	/// Its first byte in the file.
	pub start: usize,
	/// Its length in bytes.
	pub len: usize,
}

impl TensorInfo {
	/// The number of elements.
	pub fn elements(&self) -> usize {
		self.dims.iter().product()
	}
}

/// A GGUF file in memory: its metadata and where its tensors are.
pub struct Gguf {
	bytes: Vec<u8>,
	/// The metadata, by key.
	pub meta: HashMap<String, Value>,
	/// The tensors, by name.
	pub tensors: HashMap<String, TensorInfo>,
}

/// Reads little-endian values from a byte slice, failing cleanly at its end.
struct Cursor<'a> {
	bytes: &'a [u8],
	at: usize,
}

/// The most elements of one metadata array (a vocabulary has about 10^5).
const MAX_ARRAY: usize = 1 << 24;
/// The longest metadata string (a chat template is a few KiB).
const MAX_STRING: usize = 1 << 24;
/// The most dimensions of a tensor.
const MAX_DIMS: usize = 4;

impl<'a> Cursor<'a> {
	fn take(&mut self, n: usize) -> Result<&'a [u8]> {
		let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
		let end =
			end.ok_or_else(|| anyhow!("the file ends inside its header (at byte {})", self.at))?;
		let out = &self.bytes[self.at..end];
		self.at = end;
		Ok(out)
	}

	fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
		let mut out = [0u8; N];
		out.copy_from_slice(self.take(N)?);
		Ok(out)
	}

	fn u32(&mut self) -> Result<u32> {
		Ok(u32::from_le_bytes(self.array()?))
	}

	fn u64(&mut self) -> Result<u64> {
		Ok(u64::from_le_bytes(self.array()?))
	}

	fn len(&mut self, limit: usize, what: &str) -> Result<usize> {
		let n = self.u64()?;
		usize::try_from(n)
			.ok()
			.filter(|&n| n <= limit)
			.ok_or_else(|| anyhow!("{what} of {n} is larger than {limit}"))
	}

	fn string(&mut self) -> Result<String> {
		let n = self.len(MAX_STRING, "a string length")?;
		String::from_utf8(self.take(n)?.to_vec()).context("a metadata string is not UTF-8")
	}

	fn value(&mut self, kind: u32, depth: usize) -> Result<Value> {
		Ok(match kind {
			0 => Value::Int(self.array::<1>()?[0].into()),
			1 => Value::Int((self.array::<1>()?[0] as i8).into()),
			2 => Value::Int(u16::from_le_bytes(self.array()?).into()),
			3 => Value::Int(i16::from_le_bytes(self.array()?).into()),
			4 => Value::Int(self.u32()?.into()),
			5 => Value::Int(i32::from_le_bytes(self.array()?).into()),
			6 => Value::Float(f32::from_le_bytes(self.array()?).into()),
			7 => Value::Bool(self.array::<1>()?[0] != 0),
			8 => Value::Str(self.string()?),
			9 => {
				if depth > 2 {
					bail!("metadata arrays nest too deep");
				}
				let inner = self.u32()?;
				let n = self.len(MAX_ARRAY, "an array length")?;
				let mut items = Vec::with_capacity(n.min(1 << 16));
				for _ in 0..n {
					items.push(self.value(inner, depth + 1)?);
				}
				Value::Array(items)
			},
			10 => Value::Int(self.u64()?.into()),
			11 => Value::Int(i64::from_le_bytes(self.array()?).into()),
			12 => Value::Float(f64::from_le_bytes(self.array()?)),
			other => bail!("metadata type {other} is unknown"),
		})
	}
}

impl Gguf {
	/// Parses `bytes` (a whole GGUF file, version 2 or 3).
	pub fn parse(bytes: Vec<u8>) -> Result<Self> {
		let mut c = Cursor { bytes: &bytes, at: 0 };
		if c.take(4)? != b"GGUF" {
			bail!("not a GGUF file (no GGUF magic)");
		}
		let version = c.u32()?;
		if !(2..=3).contains(&version) {
			bail!("GGUF version {version} is not supported (2 and 3 are)");
		}
		let n_tensors = c.len(1 << 20, "a tensor count")?;
		let n_meta = c.len(1 << 20, "a metadata count")?;
		let mut meta = HashMap::new();
		for _ in 0..n_meta {
			let key = c.string()?;
			let kind = c.u32()?;
			let value = c.value(kind, 0).with_context(|| format!("metadata {key}"))?;
			meta.insert(key, value);
		}
		let mut infos = Vec::with_capacity(n_tensors);
		for _ in 0..n_tensors {
			let name = c.string()?;
			let n_dims = c.u32()? as usize;
			if n_dims == 0 || n_dims > MAX_DIMS {
				bail!("tensor {name} has {n_dims} dimensions");
			}
			let dims = (0..n_dims)
				.map(|_| c.len(1 << 32, "a dimension"))
				.collect::<Result<Vec<_>>>()
				.with_context(|| format!("tensor {name}"))?;
			let kind = TensorType::from_ggml(c.u32()?).with_context(|| format!("tensor {name}"))?;
			let offset = c.len(usize::MAX, "an offset")?;
			infos.push((name, dims, kind, offset));
		}
		let alignment = match meta.get("general.alignment") {
			Some(v) => v
				.as_u64()
				.filter(|a| a.is_power_of_two())
				.ok_or_else(|| anyhow!("bad general.alignment"))? as usize,
			None => 32,
		};
		let data = c.at.div_ceil(alignment) * alignment;
		let mut tensors = HashMap::new();
		for (name, dims, kind, offset) in infos {
			let elements = dims.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
			let (per_block, block_bytes) = kind.block();
			let len = elements
				.filter(|n| n % per_block == 0)
				.and_then(|n| (n / per_block).checked_mul(block_bytes))
				.ok_or_else(|| anyhow!("tensor {name}: {dims:?} does not fit its blocks"))?;
			let start = data
				.checked_add(offset)
				.filter(|s| s.checked_add(len).is_some_and(|e| e <= bytes.len()));
			let start =
				start.ok_or_else(|| anyhow!("tensor {name} lies past the end of the file"))?;
			tensors.insert(name, TensorInfo { dims, kind, start, len });
		}
		Ok(Self { bytes, meta, tensors })
	}

	/// Reads and parses the file at `path`.
	pub fn load(path: &std::path::Path) -> Result<Self> {
		let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
		Self::parse(bytes).with_context(|| format!("reading {}", path.display()))
	}

	/// The whole file.
	pub fn bytes(&self) -> &[u8] {
		&self.bytes
	}

	/// Metadata `key`, or an error naming it.
	pub fn get(&self, key: &str) -> Result<&Value> {
		self.meta.get(key).ok_or_else(|| anyhow!("the file has no metadata {key}"))
	}

	/// Metadata `key` as an unsigned integer.
	pub fn get_u64(&self, key: &str) -> Result<u64> {
		self.get(key)?.as_u64().ok_or_else(|| anyhow!("metadata {key} is not an unsigned integer"))
	}

	/// Metadata `key` as a float.
	pub fn get_f64(&self, key: &str) -> Result<f64> {
		self.get(key)?.as_f64().ok_or_else(|| anyhow!("metadata {key} is not a number"))
	}

	/// Tensor `name` dequantized to `f32`, checked to have `dims` (fastest first).
	pub fn tensor(&self, name: &str, dims: &[usize]) -> Result<Vec<f32>> {
		let info =
			self.tensors.get(name).ok_or_else(|| anyhow!("the file has no tensor {name}"))?;
		if info.dims != dims {
			bail!("tensor {name} has dimensions {:?}, not {dims:?}", info.dims);
		}
		Ok(dequantize(info.kind, &self.bytes[info.start..info.start + info.len], info.elements()))
	}
}

/// The `f16` at the start of `b`, as `f32`.
fn half(b: &[u8]) -> f32 {
	f16_to_f32(u16::from_le_bytes([b[0], b[1]]))
}

/// Dequantizes `n` elements of `kind` from `raw` (whose length the caller checked).
pub fn dequantize(kind: TensorType, raw: &[u8], n: usize) -> Vec<f32> {
	let mut out = Vec::with_capacity(n);
	match kind {
		TensorType::F32 => {
			out.extend(raw.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])))
		},
		TensorType::F16 => out.extend(raw.chunks_exact(2).map(half)),
		TensorType::Q4_0 => {
			for block in raw.chunks_exact(18) {
				let (d, qs) = (half(block), &block[2..]);
				out.extend(qs.iter().map(|q| d * ((q & 0x0f) as f32 - 8.0)));
				out.extend(qs.iter().map(|q| d * ((q >> 4) as f32 - 8.0)));
			}
		},
		TensorType::Q4_1 => {
			for block in raw.chunks_exact(20) {
				let (d, m, qs) = (half(block), half(&block[2..]), &block[4..]);
				out.extend(qs.iter().map(|q| d * (q & 0x0f) as f32 + m));
				out.extend(qs.iter().map(|q| d * (q >> 4) as f32 + m));
			}
		},
		TensorType::Q8_0 => {
			for block in raw.chunks_exact(34) {
				let d = half(block);
				out.extend(block[2..].iter().map(|&q| d * (q as i8) as f32));
			}
		},
	}
	out
}

#[cfg(test)]
mod tests {
	use super::*;

	/// A GGUF file of one tensor, written by hand.
	fn file(kind: u32, dims: &[u64], data: &[u8]) -> Vec<u8> {
		let mut f = b"GGUF".to_vec();
		f.extend(3u32.to_le_bytes());
		f.extend(1u64.to_le_bytes());
		f.extend(2u64.to_le_bytes());
		let string = |f: &mut Vec<u8>, s: &str| {
			f.extend((s.len() as u64).to_le_bytes());
			f.extend(s.as_bytes());
		};
		string(&mut f, "general.architecture");
		f.extend(8u32.to_le_bytes());
		string(&mut f, "llama");
		string(&mut f, "list");
		f.extend(9u32.to_le_bytes());
		f.extend(5u32.to_le_bytes());
		f.extend(2u64.to_le_bytes());
		f.extend((-3i32).to_le_bytes());
		f.extend(7i32.to_le_bytes());
		string(&mut f, "t");
		f.extend((dims.len() as u32).to_le_bytes());
		for d in dims {
			f.extend(d.to_le_bytes());
		}
		f.extend(kind.to_le_bytes());
		f.extend(0u64.to_le_bytes());
		while !f.len().is_multiple_of(32) {
			f.push(0);
		}
		f.extend(data);
		f
	}

	#[test]
	fn reads_metadata_and_dequantizes_blocks() {
		// Q4_1: d = 0.5, m = -1.0; quants 0..15 in the low nibbles, 15 - j in the high ones.
		let mut block = Vec::new();
		block.extend(0x3800u16.to_le_bytes()); // 0.5
		block.extend(0xbc00u16.to_le_bytes()); // -1.0
		block.extend((0..16u8).map(|j| j | ((15 - j) << 4)));
		let g = Gguf::parse(file(3, &[32, 1], &block)).unwrap();
		assert_eq!(g.get("general.architecture").unwrap().as_str(), Some("llama"));
		assert_eq!(g.get("list").unwrap(), &Value::Array(vec![Value::Int(-3), Value::Int(7)]));
		let t = g.tensor("t", &[32, 1]).unwrap();
		assert_eq!(t[0], -1.0);
		assert_eq!(t[15], 6.5);
		assert_eq!(t[16], 6.5);
		assert_eq!(t[31], -1.0);
		assert!(g.tensor("t", &[16, 2]).is_err());
		// Q8_0: d = 2.0, quants -16..16.
		let mut block = 0x4000u16.to_le_bytes().to_vec();
		block.extend((0..32).map(|j| (j as i8 - 16) as u8));
		let g = Gguf::parse(file(8, &[32], &block)).unwrap();
		assert_eq!(g.tensor("t", &[32]).unwrap()[..3], [-32.0, -30.0, -28.0]);
	}

	#[test]
	fn bad_files_are_errors() {
		let good = file(0, &[2], &[0; 8]);
		assert!(Gguf::parse(good.clone()).is_ok());
		assert!(Gguf::parse(b"GGML".to_vec()).is_err());
		// Cut anywhere: an error, not a panic.
		for cut in 0..good.len() {
			assert!(Gguf::parse(good[..cut].to_vec()).is_err(), "cut at {cut}");
		}
		// A tensor past the end, an unknown type, a block that does not fit.
		assert!(Gguf::parse(file(0, &[1 << 20], &[0; 8])).is_err());
		assert!(Gguf::parse(file(99, &[2], &[0; 8])).is_err());
		assert!(Gguf::parse(file(3, &[31], &[0; 20])).is_err());
	}
}
