//! # 0G DA off chain
//!
//! Two sides of the same protocol, over the workers' public HTTP API (SCALE bodies):
//!
//! | method | path | body | answer |
//! |---|---|---|---|
//! | `PUT` | [`delivery_path`] (header [`DISPERSER_SIGNATURE`]) | [`zg_da_store::Delivery`] | [`zg_worker_chain::da::SignedAttestation`] |
//! | `GET` | [`roots_path`] | | [`zg_da_store::Roots`] |
//! | `GET` | [`row_path`] | | [`zg_da_store::Chunks`] (row `i`, `2k` chunks) |
//! | `GET` | [`zg_primitives::worker_api::da_cell_route`] | | [`zg_primitives::da::CellProof`] |
//!
//! - [`signer`]: the role a DA signer's worker runs. It checks every delivery against the
//!   chain (the blob pending, the worker's account a member of its committee, exactly that
//!   member's lines) and the commitment before it stores or signs anything, and serves what
//!   it holds: roots, rows, and chunks with their proofs (what answers availability
//!   challenges, through the node's offchain worker, and samplers).
//! - [`client`]: what the `zg-da` CLI does: disperse a blob (extend, commit, submit, deliver
//!   each member its lines, collect and check the signatures, submit them in one `attest`),
//!   retrieve a blob from `k` rows checked against the commitment (rows no member serves whole
//!   from single proven chunks, decoded along rows and columns), and sample random chunks to
//!   estimate the probability that a blob is available.
//! - [`dispersal`]: the same dispersal as a worker's service, for clients that hand the
//!   worker a blob over HTTP (with the operator's token; the operator's key pays).

pub mod client;
pub mod dispersal;
pub mod signer;

use codec::Encode;
use zg_primitives::Hash;

/// What a disperser signs to deliver its blob `root` to `member` (the header
/// [`DISPERSER_SIGNATURE`] of a delivery): a signer reads a body only from the blob's own
/// disperser.
pub fn delivery_auth(genesis: &[u8; 32], root: &Hash, member: &[u8; 32]) -> Vec<u8> {
	(b"zg-da-deliver", genesis, root, member).encode()
}

/// The header of a delivery that carries the disperser's signature, `0x` and 64 bytes of hex.
pub const DISPERSER_SIGNATURE: &str = "x-zg-disperser-signature";

/// `0x…` hex of a root (as `zg_storage_node::root_hex`, which this crate does not link).
pub fn root_hex(root: &Hash) -> String {
	format!("0x{}", hex::encode(root.as_bytes()))
}

/// Where a disperser delivers a member's lines of the blob `root`.
pub fn delivery_path(root: &Hash) -> String {
	format!("/v1/da/{}", root_hex(root))
}

/// Where a reader gets the blob's layout and roots.
pub fn roots_path(root: &Hash) -> String {
	format!("/v1/da/{}/roots", root_hex(root))
}

/// Where a reader gets row `index` of the blob.
pub fn row_path(root: &Hash, index: u32) -> String {
	format!("/v1/da/{}/rows/{index}", root_hex(root))
}
