//! The fast runtime one `spec_version` later (`zg-runtime` with `fast-runtime` and
//! `next-spec-version`), built to wasm: the code that the end-to-end upgrade test
//! (`zombienet/upgrade.js`) votes in with a referendum on a network started from the fast
//! runtime. Only tests build it (`cargo build --workspace --all-targets`); `scripts/lib.sh` names
//! the blob `$ZG_UPGRADE_WASM`.
//!
//! Natively this crate is only the blob: the runtime is a dependency of the wasm build alone, so
//! that its test features never reach the node's runtime through feature unification.
#![cfg_attr(not(feature = "std"), no_std)]

#[cfg(target_family = "wasm")]
pub use zg_runtime::*;

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));
