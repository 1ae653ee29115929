#!/usr/bin/env bash
# Tests docs/own-network.md's steps as a user on two machines would run them, on loopback: two
# validators each generate an account and session keys, `zg-node new-network` builds the chain
# spec with the first node as bootnode, each inserts its keys into its own keystore (separate
# base paths), and the two nodes start from the spec. The second finds the first through the
# spec's bootnode only (no mDNS). e2e/own-network/check.mjs then checks that both author blocks,
# that blocks are finalized (GRANDPA needs both), and that the genesis holds what was given:
# these validators, this committee, no sudo key, no dev account.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ -x "$ZG_NODE" ] || die "$ZG_NODE is missing: run scripts/build.sh"
work="$(mktemp -d)"
pids=()
cleanup() {
	local status=$?
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	if [ "$status" -ne 0 ]; then
		for v in 1 2; do
			log "validator $v's log (last 40 lines)"
			tail -n 40 "$work/v$v/node.log" 2>/dev/null || true
		done
	fi
	rm -rf "$work"
}
trap cleanup EXIT

json_field() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[process.argv[1]]))' "$1"; }

# Ports of this test: p2p 30533/30534, RPC 9744/9745.
validator_args=()
for v in 1 2; do
	mkdir -p "$work/v$v"
	# Step 1 (each validator): an account (its stash) and a separate secret for session keys.
	stash="$("$ZG_NODE" key generate --output-type json)"
	session_secret="$("$ZG_NODE" key generate --output-type json | json_field secretPhrase)"
	echo "$session_secret" >"$work/v$v/session-secret"
	account="$(json_field ss58Address <<<"$stash")"
	echo "$account" >"$work/v$v/account"
	babe="$("$ZG_NODE" key inspect --scheme sr25519 --output-type json "$session_secret" | json_field ss58PublicKey)"
	grandpa="$("$ZG_NODE" key inspect --scheme ed25519 --output-type json "$session_secret" | json_field ss58PublicKey)"
	validator_args+=(--validator "$account,$babe,$grandpa")
	# Its node's network identity.
	"$ZG_NODE" key generate-node-key --file "$work/v$v/node-key" 2>"$work/v$v/peer-id"
done
peer1="$(tail -n 1 "$work/v1/peer-id")"

# Step 2 (one of them): the chain spec, the first node as bootnode.
"$ZG_NODE" new-network --name "Own Test Network" --id own_test --fast --raw \
	"${validator_args[@]}" --bootnode "/ip4/127.0.0.1/tcp/30533/p2p/$peer1" >"$work/spec.json"

# Step 3 (each): session keys into the node's keystore, then the node.
for v in 1 2; do
	for key in "babe sr25519" "gran ed25519"; do
		set -- $key
		"$ZG_NODE" key insert --base-path "$work/v$v" --chain "$work/spec.json" \
			--key-type "$1" --scheme "$2" --suri "$(cat "$work/v$v/session-secret")"
	done
	"$ZG_NODE" --chain "$work/spec.json" --base-path "$work/v$v" --validator --name "validator-$v" \
		--node-key-file "$work/v$v/node-key" --listen-addr "/ip4/127.0.0.1/tcp/$((30532 + v))" \
		--allow-private-ip --no-mdns --rpc-port "$((9743 + v))" --no-prometheus --no-telemetry \
		>"$work/v$v/node.log" 2>&1 &
	pids+=($!)
done

# Both nodes' RPC, before any check (a node opens it within seconds of starting).
for port in 9744 9745; do
	for _ in $(seq 60); do
		curl -sf -H 'Content-Type: application/json' \
			-d '{"id":1,"jsonrpc":"2.0","method":"system_health","params":[]}' \
			"http://127.0.0.1:$port" >/dev/null && break
		sleep 1
	done
done
(cd "$ROOT/e2e" && timeout 300 node own-network/check.mjs ws://127.0.0.1:9744 ws://127.0.0.1:9745 \
	"$(cat "$work/v1/account")" "$(cat "$work/v2/account")")
log "own network: two validators from a generated spec author and finalize blocks"
