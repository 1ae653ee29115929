#!/usr/bin/env bash
# Builds zg-node in release mode (both runtime variants are embedded).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
"$ROOT/scripts/setup.sh"
log "Building zg-node (target directory: $CARGO_TARGET_DIR)"
cd "$ROOT"
timed cargo build --release --locked -p zg-node
log "Built $ZG_NODE"
