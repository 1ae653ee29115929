#!/usr/bin/env bash
# Builds zg-node in release mode (both runtime variants are embedded) and the provider's
# worker, the storage CLI and the DA CLI (zg-worker, zg-storage, zg-da).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
"$ROOT/scripts/setup.sh"
log "Building zg-node (target directory: $CARGO_TARGET_DIR)"
cd "$ROOT"
# Every target of the workspace in one invocation: the binaries get the same dependency
# features as `cargo test --workspace` (dev-dependencies included), so the tests that follow
# reuse this build instead of compiling the node's dependencies a second time.
timed cargo build --release --locked --workspace --all-targets
log "Built $ZG_NODE, $ZG_WORKER, $ZG_STORAGE and $ZG_DA"
