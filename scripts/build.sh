#!/usr/bin/env bash
# Builds zg-node in release mode (both runtime variants are embedded) and the provider's
# worker, the storage CLI and the DA CLI (zg-worker, zg-storage, zg-da).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
"$ROOT/scripts/setup.sh"
log "Building zg-node (target directory: $CARGO_TARGET_DIR)"
cd "$ROOT"
# The binaries only: the tests, benchmarks and their dev-dependencies are scripts/test.sh's.
# The dependencies shared with the tests get the same features either way (node/Cargo.toml pins
# the one that differed), so the tests reuse this build.
timed cargo build --release --locked --workspace --bins
log "Built $ZG_NODE, $ZG_WORKER, $ZG_STORAGE and $ZG_DA"
