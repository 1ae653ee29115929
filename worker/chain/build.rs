//! Rebuilds the generated client when the checked-in runtime metadata changes: the subxt macro
//! reads the file at compile time, which cargo does not track by itself.

fn main() {
	println!("cargo:rerun-if-changed=metadata/zg-runtime.scale");
}
