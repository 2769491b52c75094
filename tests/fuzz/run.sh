#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Run each libFuzzer harness of a `make fuzz` build for a bounded time: tests/fuzz/run.sh BUILD
# [SECONDS_EACH] [NAME...]. Each starts from its committed corpus (tests/fuzz/corpus/NAME, never
# modified here) and works in BUILD/fuzz-work/NAME; a crash leaves its input there as
# NAME-crash-* and fails the run: add that file to the corpus as regress-WHAT once fixed, and it
# is replayed by CTest in every build from then on. Prints the executions of each harness and
# the total.
set -euo pipefail

build=${1:?usage: run.sh BUILD [SECONDS_EACH] [NAME...]}
seconds=${2:-60}
shift $(($# < 2 ? $# : 2))
src=$(cd "$(dirname "$0")" && pwd)
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(addr numbers ring signal stream)

total=0
failed=()
for name in "${names[@]}"; do
	bin=$build/tests/fuzz/fuzz_$name
	work=$build/fuzz-work/$name
	log=$build/fuzz-work/$name.log
	[ -x "$bin" ] || { echo "fuzz: $bin is missing (make fuzz builds it)" >&2; exit 1; }
	rm -rf "$work" "$build/fuzz-work/$name-"*
	mkdir -p "$work"
	status=0
	"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
		-print_final_stats=1 -artifact_prefix="$build/fuzz-work/$name-" \
		"$work" "$src/corpus/$name" >"$log" 2>&1 || status=$?
	# A harness that crashed or was stopped could not remove its scratch rings (point to point,
	# multi-producer, publish): remove those of dead processes.
	for f in /dev/shm/lipc-fuzz-*; do
		[ -e "$f" ] && ! kill -0 "${f##*-}" 2>/dev/null && rm -f "$f"
	done
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	runs=${runs:-0}
	total=$((total + runs))
	if [ "$status" -ne 0 ]; then
		failed+=("$name")
		echo "fuzz $name: FAILED after $runs executions (status $status); see $log" >&2
		grep -E 'contract broken|ERROR|runtime error|SUMMARY' "$log" | head -n 5 >&2 || true
		ls "$build/fuzz-work/$name-"* 2>/dev/null >&2 || true
	else
		echo "fuzz $name: $runs executions in ${seconds} s, no crash ($(ls "$work" | wc -l) inputs in the corpus)"
	fi
done
echo "fuzz: $total executions in all"
[ ${#failed[@]} -eq 0 ] || { echo "fuzz: crashes in: ${failed[*]}" >&2; exit 1; }
