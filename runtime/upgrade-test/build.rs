//! Builds this crate, the fast runtime with `next-spec-version`, to WebAssembly (see
//! `../build_wasm.rs`).

#[cfg(feature = "std")]
#[path = "../build_wasm.rs"]
mod build_wasm;

fn main() {
	#[cfg(feature = "std")]
	{
		share_runtime_wasm_target();
		build_wasm::build("runtime/upgrade-test", |builder| builder);
	}
}

/// Makes this crate's wasm project build in the runtime's wasm target directory, through a link
/// (`wbuild/zg-runtime-upgrade-test/target` → `../zg-runtime/target`): the wasm builder gives
/// every project a target directory of its own, which would build every dependency of the
/// runtime a third time (about 900 MiB and minutes). Both projects' dependencies are the same
/// crates with the same features and flags, so cargo reuses them; its lock on the directory
/// serializes the two builds when they run at once.
#[cfg(all(feature = "std", unix))]
fn share_runtime_wasm_target() {
	let Some(wbuild) = build_wasm::profile_dir().map(|p| p.join("wbuild")) else { return };
	let shared = wbuild.join("zg-runtime").join("target");
	let own = wbuild.join("zg-runtime-upgrade-test").join("target");
	// The runtime's may not be built yet, or was deleted: the link must not dangle.
	if std::fs::create_dir_all(&shared).is_err()
		|| std::fs::create_dir_all(wbuild.join("zg-runtime-upgrade-test")).is_err()
	{
		return;
	}
	if std::fs::read_link(&own).ok().as_deref() == Some("../zg-runtime/target".as_ref()) {
		return;
	}
	// A directory of its own from an earlier build goes; the link replaces it.
	if own.is_dir() && !own.is_symlink() {
		let _ = std::fs::remove_dir_all(&own);
	}
	let _ = std::fs::remove_file(&own);
	let _ = std::os::unix::fs::symlink("../zg-runtime/target", &own);
}

#[cfg(all(feature = "std", not(unix)))]
fn share_runtime_wasm_target() {}
