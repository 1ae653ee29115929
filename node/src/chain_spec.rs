//! The chains this node knows by name.
//!
//! | `--chain` | runtime | validators | use |
//! |---|---|---|---|
//! | `dev` | 6 s blocks | Alice | `--dev`, a single node that produces and finalizes blocks |
//! | `local` | 6 s blocks | Alice, Bob, Charlie, Dave | the local testnet (`chain-specs/local-testnet*.json`) |
//! | `dev-fast` | 2 s blocks, 40 s epochs | Alice | tests |
//! | `local-fast` | 2 s blocks, 40 s epochs | Alice, Bob, Charlie, Dave | network tests (zombienet) |
//!
//! Anything else is read as the path of a chain spec JSON file, e.g. one that
//! `zg-node new-network` printed.

use sc_service::ChainType;
use sp_genesis_builder::{DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET};
use zg_primitives::currency::{DECIMALS, SYMBOL};

/// The chain spec type of this node: no extensions.
pub type ChainSpec = sc_service::GenericChainSpec;

/// The chain properties that wallets read: the $0G symbol and decimals.
pub fn properties() -> sc_chain_spec::Properties {
	let mut properties = sc_chain_spec::Properties::new();
	properties.insert("tokenSymbol".into(), SYMBOL.into());
	properties.insert("tokenDecimals".into(), DECIMALS.into());
	properties.insert("ss58Format".into(), 42.into());
	properties
}

/// Which runtime build a chain runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Speed {
	/// 6 s blocks, 10 min epochs.
	Normal,
	/// 2 s blocks, 40 s epochs (the `fast-runtime` feature).
	Fast,
}

/// The runtime code of a speed.
pub fn wasm(speed: Speed) -> Result<&'static [u8], String> {
	let wasm = match speed {
		Speed::Normal => zg_runtime::WASM_BINARY,
		Speed::Fast => zg_runtime::fast_runtime::WASM_BINARY,
	};
	wasm.ok_or_else(|| {
		"The runtime wasm is not available: this node was built with SKIP_WASM_BUILD set. \
		 Rebuild it without that variable."
			.to_string()
	})
}

fn suffix(speed: Speed) -> (&'static str, &'static str) {
	match speed {
		Speed::Normal => ("", ""),
		Speed::Fast => (" (fast)", "_fast"),
	}
}

/// A single-validator development chain (Alice).
pub fn development_config(speed: Speed) -> Result<ChainSpec, String> {
	let (name, id) = suffix(speed);
	Ok(ChainSpec::builder(wasm(speed)?, None)
		.with_name(&format!("0G Development{name}"))
		.with_id(&format!("zg_dev{id}"))
		.with_chain_type(ChainType::Development)
		.with_protocol_id("zg")
		.with_genesis_config_preset_name(DEV_RUNTIME_PRESET)
		.with_properties(properties())
		.build())
}

/// The four-validator local testnet (Alice, Bob, Charlie, Dave).
pub fn local_testnet_config(speed: Speed) -> Result<ChainSpec, String> {
	let (name, id) = suffix(speed);
	Ok(ChainSpec::builder(wasm(speed)?, None)
		.with_name(&format!("0G Local Testnet{name}"))
		.with_id(&format!("zg_local_testnet{id}"))
		.with_chain_type(ChainType::Local)
		.with_protocol_id("zg")
		.with_genesis_config_preset_name(LOCAL_TESTNET_RUNTIME_PRESET)
		.with_properties(properties())
		.build())
}

/// The chain spec for a `--chain` argument.
pub fn load(id: &str) -> Result<Box<dyn sc_service::ChainSpec>, String> {
	Ok(match id {
		"dev" | "" => Box::new(development_config(Speed::Normal)?),
		"local" => Box::new(local_testnet_config(Speed::Normal)?),
		"dev-fast" => Box::new(development_config(Speed::Fast)?),
		"local-fast" => Box::new(local_testnet_config(Speed::Fast)?),
		path => Box::new(ChainSpec::from_json_file(std::path::PathBuf::from(path)).map_err(
			|e| format!("`{path}` is neither a known chain (dev, local, dev-fast, local-fast) nor a readable chain spec file: {e}"),
		)?),
	})
}

#[cfg(test)]
mod tests {
	use super::*;
	use std::path::Path;

	#[test]
	fn every_named_chain_loads_and_unknown_names_fail_clearly() {
		for (id, expected) in [
			("dev", "zg_dev"),
			("local", "zg_local_testnet"),
			("dev-fast", "zg_dev_fast"),
			("local-fast", "zg_local_testnet_fast"),
		] {
			let spec = load(id).expect("known chain");
			assert_eq!(spec.id(), expected);
			assert_eq!(spec.properties().get("tokenSymbol"), Some(&"0G".into()));
			assert_eq!(spec.properties().get("tokenDecimals"), Some(&18.into()));
		}
		let err = load("no-such-chain.json").err().expect("fails");
		assert!(err.contains("neither a known chain"), "{err}");
	}

	#[test]
	fn the_fast_chains_run_another_runtime() {
		let normal = zg_runtime::WASM_BINARY.expect("built");
		let fast = zg_runtime::fast_runtime::WASM_BINARY.expect("built");
		assert_ne!(normal, fast);
	}

	/// The chain specs in `chain-specs/` are what `zg-node build-spec --chain local
	/// --disable-default-bootnode [--raw]` prints. Regenerate them with
	/// `scripts/update-chain-specs.sh`.
	///
	/// Every field and every genesis storage value must match byte for byte. The runtime code
	/// is compared by its runtime version and metadata (every call, event, error, storage item,
	/// constant and type) everywhere, and byte for byte where `ZG_EXACT_RUNTIME=1` (CI sets it):
	/// the wasm blob is the same for every checkout built with the same target directory,
	/// toolchain and `Cargo.lock` (`runtime/build.rs`), but not across machines whose target
	/// directories lie at other paths. The exact comparison is what catches a change of logic
	/// that left the checked-in blob stale.
	#[test]
	fn checked_in_chain_specs_are_up_to_date() {
		let spec = local_testnet_config(Speed::Normal).expect("built");
		let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../chain-specs");
		for (raw, file) in [(false, "local-testnet.json"), (true, "local-testnet-raw.json")] {
			let stale = format!(
				"chain-specs/{file} differs from what the node generates: \
				 run scripts/update-chain-specs.sh and commit the result"
			);
			let generated = sc_chain_spec::ChainSpec::as_json(&spec, raw).expect("serializes");
			let checked_in = std::fs::read_to_string(dir.join(file))
				.unwrap_or_else(|e| panic!("cannot read chain-specs/{file}: {e}"));
			let (generated, generated_code) = split_code(&generated, raw);
			let (checked_in, checked_in_code) = split_code(&checked_in, raw);
			assert!(generated == checked_in, "{stale} (genesis or properties)");
			assert!(
				runtime_fingerprint(&generated_code) == runtime_fingerprint(&checked_in_code),
				"{stale} (runtime version or metadata)"
			);
			if std::env::var("ZG_EXACT_RUNTIME").as_deref() == Ok("1") {
				assert!(
					generated_code == checked_in_code,
					"{stale} (the runtime code: built blake2-256 {}, checked in {})",
					hex_hash(&generated_code),
					hex_hash(&checked_in_code)
				);
			}
		}
	}

	/// Takes the runtime code out of a chain spec, leaving a placeholder.
	fn split_code(json: &str, raw: bool) -> (serde_json::Value, Vec<u8>) {
		let mut value: serde_json::Value = serde_json::from_str(json).expect("valid JSON");
		let code = if raw {
			value.pointer_mut("/genesis/raw/top/0x3a636f6465")
		} else {
			value.pointer_mut("/genesis/runtimeGenesis/code")
		}
		.expect("the spec holds the runtime code");
		let hex = code.as_str().expect("hex string").trim_start_matches("0x").to_owned();
		*code = serde_json::Value::Null;
		(value, sp_core::bytes::from_hex(&hex).expect("valid hex"))
	}

	fn hex_hash(code: &[u8]) -> String {
		sp_core::bytes::to_hex(&sp_io::hashing::blake2_256(code), false)
	}

	/// The runtime version and the SCALE-encoded metadata of a runtime.
	fn runtime_fingerprint(code: &[u8]) -> (Vec<u8>, Vec<u8>) {
		use sc_executor_common::runtime_blob::RuntimeBlob;
		let executor =
			sc_executor::WasmExecutor::<sp_io::SubstrateHostFunctions>::builder().build();
		let mut ext = sp_io::TestExternalities::default();
		let mut ext = ext.ext();
		let mut call = |method: &str| {
			let blob = RuntimeBlob::uncompress_if_needed(code).expect("valid wasm");
			executor.uncached_call(blob, &mut ext, true, method, &[]).expect("call succeeds")
		};
		(call("Core_version"), call("Metadata_metadata"))
	}
}
