#!/usr/bin/env bash
# Fuzzes the decoders and verifiers that take outside bytes (the `zg-fuzz` crate, fuzz/) with
# AFL++, each target for a bounded time, from its corpus in fuzz/corpus/<target>/.
#
# Usage: scripts/fuzz.sh [SECONDS per target, default 60] [target ...]   (default: every target)
#
# The target `runtime` (never run by default) is the whole runtime: random sequences of
# extrinsics over many blocks, every invariant checked after each block (the `zg-runtime-fuzz`
# crate, fuzz/runtime/; its corpus is fuzz/runtime/corpus/). It builds the runtime natively
# with the instrumentation, which takes a while the first time.
#
# The first run installs cargo-afl (crates.io, which builds AFL++ from its bundled sources with
# make and the C compiler) and builds the targets instrumented, with overflow checks and debug
# assertions, in a target directory of their own ($CARGO_TARGET_DIR/../fuzz-target: the
# instrumentation flags would otherwise rebuild the workspace's crates). For each target it
# prints execs/s, executions, corpus entries, crashes and hangs; either fails the run, and their inputs
# are copied to fuzz/findings/<target>/ (replay one with `zg-fuzz <target> < file`, or
# `zg-runtime-fuzz < file` for the runtime; once fixed, move it to fuzz/regressions/<target>/,
# which `cargo test -p zg-fuzz` replays, or to fuzz/runtime/regressions/, which the runtime's
# random_sequences test replays).
# FUZZ_BUILD_ONLY=1 stops after the build.
# FUZZ_SAVE=1 adds the inputs that reached new code to fuzz/corpus/<target>/ (minimized with
# afl-cmin) for committing after a long run.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

seconds="${1:-60}"
shift || true
[[ $seconds =~ ^[1-9][0-9]*$ ]] || die "usage: scripts/fuzz.sh [SECONDS per target] [target ...] (got '$seconds')"
AFL_VERSION=0.18.2
FUZZ_TARGET_DIR="${FUZZ_TARGET_DIR:-$(dirname "$CARGO_TARGET_DIR")/fuzz-target}"

# The C compiler and make that AFL++'s build needs.
"$ROOT/scripts/setup.sh"
if ! cargo afl --version 2>/dev/null | grep -q "$AFL_VERSION"; then
	log "Installing cargo-afl $AFL_VERSION (builds AFL++)"
	timed cargo install --locked cargo-afl --version "$AFL_VERSION"
fi
# AFL++ itself, built by cargo-afl into ~/.local/share/afl.rs (per rustc version); again if it
# is missing.
rustc_id="$(rustc -V | awk '{ print $2 "-" substr($3, 2, 7) }')"
afl_bin="${XDG_DATA_HOME:-$HOME/.local/share}/afl.rs/rustc-$rustc_id/afl.rs-$AFL_VERSION/afl/bin"
if [ ! -x "$afl_bin/afl-fuzz" ]; then
	log "Building AFL++"
	timed cargo afl config --build --force
fi

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	mapfile -t targets < <(ls "$ROOT/fuzz/corpus")
fi

log "Building the fuzz targets with AFL++'s instrumentation (in $FUZZ_TARGET_DIR)"
CARGO_TARGET_DIR="$FUZZ_TARGET_DIR" timed cargo afl build --release --locked -p zg-fuzz --features afl --bin zg-fuzz
if [[ " ${targets[*]} " == *" runtime "* ]]; then
	CARGO_TARGET_DIR="$FUZZ_TARGET_DIR" SKIP_WASM_BUILD=1 timed cargo afl build --release --locked \
		-p zg-runtime-fuzz --features afl --bin zg-runtime-fuzz
fi

# FUZZ_BUILD_ONLY=1: only install and build (CI builds beside its other tests, then fuzzes).
if [ "${FUZZ_BUILD_ONLY:-0}" = 1 ]; then
	log "Built the fuzz targets"
	exit 0
fi

# The machine is not tuned for AFL++ (CPU governor, core dumps piped elsewhere): run anyway.
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_QUIET=1
export AFL_NO_AFFINITY=1
out="$(mktemp -d -t zg-fuzz-XXXXXX)"
trap 'rm -rf "$out"' EXIT
failed=0
printf '%-18s %10s %12s %8s %8s %6s\n' target execs/s executions corpus crashes hangs
for target in "${targets[@]}"; do
	# The corpus, command line and timeout of a target: the runtime's (an input runs up to 64
	# calls over many blocks), or one of zg-fuzz's.
	if [ "$target" = runtime ]; then
		corpus="$ROOT/fuzz/runtime/corpus"
		command=("$FUZZ_TARGET_DIR/release/zg-runtime-fuzz")
		timeout_ms=30000
	else
		corpus="$ROOT/fuzz/corpus/$target"
		command=("$FUZZ_TARGET_DIR/release/zg-fuzz" "$target")
		timeout_ms=5000
	fi
	[ -d "$corpus" ] || die "no corpus for $target ($corpus)"
	cargo afl fuzz -i "$corpus" -o "$out/$target" -V "$seconds" -t "$timeout_ms" -- "${command[@]}" \
		>"$out/$target.log" 2>&1 || { tail -20 "$out/$target.log"; die "afl-fuzz failed on $target"; }
	stats="$out/$target/default/fuzzer_stats"
	[ -f "$stats" ] || { tail -20 "$out/$target.log"; die "afl-fuzz left no statistics for $target"; }
	field() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats"; }
	printf '%-18s %10s %12s %8s %8s %6s\n' "$target" "$(field execs_per_sec)" "$(field execs_done)" \
		"$(field corpus_count)" "$(field saved_crashes)" "$(field saved_hangs)"
	# A crash or a hang (over the timeout) fails the run; their inputs are kept.
	for kind in crashes hangs; do
		if [ "$(field "saved_$kind")" != 0 ]; then
			failed=1
			mkdir -p "$ROOT/fuzz/findings/$target"
			cp "$out/$target/default/$kind/"id:* "$ROOT/fuzz/findings/$target/" 2>/dev/null || true
			log "$target: $kind kept in fuzz/findings/$target/"
		fi
	done
	if [ "${FUZZ_SAVE:-0}" = 1 ]; then
		# AFL++'s awk afl-cmin: its Python one (`cargo afl cmin`) records no coverage for a target
		# that takes an argument and keeps nothing.
		if PATH="$afl_bin:$PATH" AFL_PATH="$afl_bin" "$afl_bin/afl-cmin.awk" -i "$out/$target/default/queue" \
			-o "$out/$target.min" -t "$timeout_ms" -- "${command[@]}" >"$out/$target.cmin.log" 2>&1; then
			# Named by content, so that an input already there (a seed) is not added again.
			known="$(for seed in "$corpus/"*; do
				if [ -f "$seed" ]; then sha1sum <"$seed" | cut -c1-40; fi
			done)"
			added=0
			for input in "$out/$target.min/"*; do
				[ -f "$input" ] || continue
				sum="$(sha1sum <"$input" | cut -c1-40)"
				grep -q "$sum" <<<"$known" && continue
				cp "$input" "$corpus/${sum:0:16}"
				added=$((added + 1))
			done
			log "$target: $added inputs added to $corpus/"
		else
			tail -5 "$out/$target.cmin.log"
			log "$target: afl-cmin failed; the corpus is unchanged"
		fi
	fi
done
[ "$failed" = 0 ] || die "fuzzing found crashes or hangs (fuzz/findings/)"
log "No crash in ${#targets[@]} targets, $seconds s each"
