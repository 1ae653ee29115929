//! The protocol between a provider's node and its worker, defined once for both sides: the
//! routes the node's offchain workers call on the local worker and the SCALE types of their
//! bodies. The worker serves these routes on its API; the pallets' offchain workers call them
//! (`zg_offchain::worker`).
//!
//! | method | route | body | reply |
//! |---|---|---|---|
//! | `GET` | [`proof_route`] | | [`ProofReply`] |
//! | `GET` | [`HELD`] | | [`HeldReply`] |
//! | `GET` | [`FRAUD`] | | [`FraudReply`] |
//! | `POST` | [`COMPUTE_RUN`] | [`crate::compute::RunRequest`] | 202 while running, then [`crate::compute::RunResult`] |
//! | `GET` | [`da_cell_route`] | | [`crate::da::CellProof`] |

use alloc::{format, string::String, vec::Vec};
use sp_core::H256;

/// The shards the worker holds and has not seen confirmed on chain.
pub const HELD: &str = "/v1/held";
/// Files the worker found inconsistent while rebuilding a shard, with the proof.
pub const FRAUD: &str = "/v1/fraud";
/// Runs one compute job.
pub const COMPUTE_RUN: &str = "/compute/run";

/// The route of the proof of chunk `chunk` of shard `shard` of the file `root`.
pub fn proof_route(root: &H256, shard: u32, chunk: u32) -> String {
	format!("/v1/proofs/{}/{shard}/{chunk}", hex(root))
}

/// The route of chunk `pos` of `line` of the DA blob `root` with its proof against the blob's
/// commitment ([`crate::da::CellProof`]): what answers an availability challenge. Public
/// samplers ask the same route on the worker's public API.
pub fn da_cell_route(root: &H256, line: crate::da::Line, pos: u32) -> String {
	let (axis, index) = match line {
		crate::da::Line::Row(i) => ("row", i),
		crate::da::Line::Column(j) => ("column", j),
	};
	format!("/v1/da/{}/cells/{axis}/{index}/{pos}", hex(root))
}

fn hex(root: &H256) -> String {
	let mut hex = String::with_capacity(66);
	hex.push_str("0x");
	for byte in root.as_bytes() {
		hex.push_str(&format!("{byte:02x}"));
	}
	hex
}

/// A chunk and its Merkle path, from the leaf's sibling up.
pub type ProofReply = (Vec<u8>, Vec<H256>);
/// `(file root, shard index)` of every shard held and not yet seen confirmed.
pub type HeldReply = Vec<(H256, u32)>;
/// The chunks of one position (column) of several shards with their Merkle paths:
/// `(shard, chunk, path)`.
pub type ColumnProof = Vec<(u32, Vec<u8>, Vec<H256>)>;
/// A file found inconsistent: its root, the chunk position and the column there.
pub type Inconsistency = (H256, u32, ColumnProof);
/// Every inconsistency found.
pub type FraudReply = Vec<Inconsistency>;

#[cfg(test)]
mod tests {
	#[test]
	fn proof_routes_name_the_root_in_hex() {
		let root = sp_core::H256::repeat_byte(0xab);
		assert_eq!(
			super::proof_route(&root, 3, 17),
			alloc::format!("/v1/proofs/0x{}/3/17", "ab".repeat(32))
		);
		assert_eq!(
			super::da_cell_route(&root, crate::da::Line::Column(5), 9),
			alloc::format!("/v1/da/0x{}/cells/column/5/9", "ab".repeat(32))
		);
	}
}
