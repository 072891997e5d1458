#!/bin/bash
# run.sh - runs every libFuzzer target, one after the other: `make fuzz`.
#
#   fuzz/run.sh [TARGET...]
#
# Each target runs for FUZZ_SECONDS (default 60) or, when FUZZ_RUNS is
# set, for that many executions, over a scratch directory followed by its
# checked-in corpus, with its dictionary when it has one. The corpus is
# only read: new inputs go to FUZZ_OUT/<target>/new, crashes to
# FUZZ_OUT/<target>/crash-*, and the whole log to FUZZ_OUT/<target>.log
# (FUZZ_OUT defaults to ./fuzz-out). A line per target gives the
# executions, the coverage reached and the crashes found; the exit status
# is 1 if any target crashed or failed a property.
#
# Run it from a build configured with CC=clang --enable-fuzzing (and,
# for the sanitizers, --enable-asan --enable-ubsan).
set -u

here=$(cd "$(dirname "$0")" && pwd)
srcdir=${abs_top_srcdir:-$here/..}
builddir=${abs_top_builddir:-.}
seconds=${FUZZ_SECONDS:-60}
runs=${FUZZ_RUNS:-}
out=${FUZZ_OUT:-$builddir/fuzz-out}

# The longest input each target is given: 4096 bytes, but for the broker,
# whose every input byte is an event on a real event loop. Its coverage
# stops growing long before 256 events, and each event costs time.
declare -A max_len=([broker]=256)

all="request reply policy-image policy-text addr spec opener-msg opener-handlers request-chain broker hci-event"
targets=${*:-$all}

if [[ ! $seconds =~ ^[0-9]+$ ]] || [[ -n $runs && ! $runs =~ ^[0-9]+$ ]]; then
        echo "run.sh: FUZZ_SECONDS and FUZZ_RUNS are whole numbers" >&2
        exit 2
fi

failed=0
printf '%-16s %12s %8s %8s %8s %s\n' target executions exec/s cov ft result
for t in $targets; do
        bin=$builddir/fuzz/fuzz-$t-libfuzzer
        if [ ! -x "$bin" ]; then
                echo "run.sh: $bin is not built; configure with CC=clang --enable-fuzzing" >&2
                exit 2
        fi
        mkdir -p "$out/$t/new"
        args=(-max_len="${max_len[$t]:-4096}" -print_final_stats=1 -artifact_prefix="$out/$t/")
        if [ -n "$runs" ]; then
                args+=(-runs="$runs")
        else
                args+=(-max_total_time="$seconds")
        fi
        [ -f "$srcdir/fuzz/fuzz-$t.dict" ] && args+=(-dict="$srcdir/fuzz/fuzz-$t.dict")

        "$bin" "${args[@]}" "$out/$t/new" "$srcdir/fuzz/corpus/$t" >"$out/$t.log" 2>&1
        rc=$?

        # libFuzzer's final statistics and its last status line.
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.log" | tail -n 1)
        rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$out/$t.log" | tail -n 1)
        last=$(grep -E '^#[0-9]+' "$out/$t.log" | tail -n 1)
        cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
        ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
        crashes=$(find "$out/$t" -maxdepth 1 -name 'crash-*' -o -maxdepth 1 -name 'leak-*' \
                  -o -maxdepth 1 -name 'timeout-*' -o -maxdepth 1 -name 'oom-*' | wc -l)
        result=ok
        if [ "$rc" -ne 0 ] || [ "$crashes" -gt 0 ]; then
                result="FAILED (exit $rc, $crashes inputs kept in $out/$t/)"
                failed=1
        fi
        printf '%-16s %12s %8s %8s %8s %s\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$result"
done
exit "$failed"
