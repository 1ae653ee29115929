//! What crosses between a node and its worker, and what users type.

use crate::Input;
use codec::{Decode, Encode};
use sp_core::H256;
use zg_primitives::{
	compute::{RunRequest, RunResult},
	da::CellProof,
	worker_api::{FraudReply, HeldReply, ProofReply},
};

/// The SCALE replies of the worker protocol, decoded by the node's offchain workers
/// (`zg_offchain::decode`) and the worker's own request bodies: any bytes decode or fail without
/// a panic or an allocation beyond the input's size, and what decodes re-encodes to the bytes
/// it was read from.
pub fn replies(data: &[u8]) {
	let mut input = Input::new(data);
	let kind = input.u8();
	let body = input.rest();
	match kind % 7 {
		0 => round_trip::<ProofReply>(body),
		1 => round_trip::<HeldReply>(body),
		2 => round_trip::<FraudReply>(body),
		3 => round_trip::<CellProof>(body),
		4 => round_trip::<RunResult>(body),
		5 => round_trip::<RunRequest>(body),
		_ => round_trip::<Vec<(H256, u32)>>(body),
	}
}

fn round_trip<T: Decode + Encode>(bytes: &[u8]) {
	let mut rest = bytes;
	if let Ok(value) = T::decode(&mut rest) {
		let used = bytes.len() - rest.len();
		assert_eq!(value.encode(), bytes[..used], "SCALE re-encodes what it decoded");
	}
}

/// Roots as users type them (the storage and DA CLIs, the worker's routes): any text is a root
/// or an error, and a root's text reads back as the same root.
pub fn root_text(data: &[u8]) {
	let text = String::from_utf8_lossy(data);
	if let Some(root) = zg_storage_node::parse_root(&text) {
		let again = format!("{root:?}");
		assert_eq!(zg_storage_node::parse_root(&again), Some(root));
	}
	let root = H256(Input::new(data).array());
	assert_eq!(zg_storage_node::parse_root(&format!("{root:?}")), Some(root));
	assert_eq!(zg_storage_node::parse_root(&hex(root.as_bytes())), Some(root));
}

fn hex(bytes: &[u8]) -> String {
	bytes.iter().map(|b| format!("{b:02x}")).collect()
}
