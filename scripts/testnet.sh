#!/usr/bin/env bash
# Installs what is missing, builds zg-node and launches the 4-validator local testnet (Alice, Bob,
# Charlie, Dave) with zombienet. Stop it with Ctrl-C.
#
#   RPC (polkadot.js Apps): ws://127.0.0.1:9944 (Alice), 9945 (Bob), 9946 (Charlie), 9947 (Dave)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
"$ROOT/scripts/build.sh"

export ZG_CHAIN_SPEC="$ROOT/chain-specs/local-testnet-raw.json"
log "Launching the local testnet from $ZG_CHAIN_SPEC"
log "Connect polkadot.js Apps to ws://127.0.0.1:9944: https://polkadot.js.org/apps/?rpc=ws%3A%2F%2F127.0.0.1%3A9944"
cd "$ROOT"
exec "$ROOT/e2e/node_modules/.bin/zombienet" -p native spawn "$ROOT/zombienet/local-testnet.toml"
