#!/usr/bin/env bash
# Regenerates the checked-in local-testnet chain specs (plain and raw) with the built node.
# The cargo test `checked_in_chain_specs_are_up_to_date` fails until this is run after a change
# of the runtime or of the genesis presets.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
"$ROOT/scripts/build.sh"
"$ZG_NODE" build-spec --chain local --disable-default-bootnode >"$ROOT/chain-specs/local-testnet.json"
"$ZG_NODE" build-spec --chain local --disable-default-bootnode --raw >"$ROOT/chain-specs/local-testnet-raw.json"
log "Wrote chain-specs/local-testnet.json and chain-specs/local-testnet-raw.json"
