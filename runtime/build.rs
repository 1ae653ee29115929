//! Builds the runtime to WebAssembly twice: the default runtime (6 s blocks) and the
//! `fast-runtime` variant (2 s blocks, 40 s epochs) that the tests run. `build_wasm.rs` says how
//! the blobs are kept independent of where the repository was cloned.

#[cfg(feature = "std")]
#[path = "build_wasm.rs"]
mod build_wasm;

fn main() {
	#[cfg(feature = "std")]
	{
		build_wasm::build("runtime", |builder| builder);
		build_wasm::build("runtime", |builder| {
			builder.enable_feature("fast-runtime").set_file_name("fast_wasm_binary.rs")
		});
	}
}
