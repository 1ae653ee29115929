#!/usr/bin/env bash
# Builds zg-node in release mode (both runtime variants are embedded) and the provider's
# worker and storage CLI (zg-worker, zg-storage).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
"$ROOT/scripts/setup.sh"
log "Building zg-node (target directory: $CARGO_TARGET_DIR)"
cd "$ROOT"
timed cargo build --release --locked -p zg-node -p zg-gpu-worker --bins
log "Built $ZG_NODE, $ZG_WORKER and $ZG_STORAGE"
