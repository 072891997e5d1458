#!/bin/bash
# run-shim-overhead.sh - how much the preload shim adds to sockets it does
# not broker: socket(AF_INET, SOCK_DGRAM, 0) + close() in a loop, with and
# without libsockbroker-preload.so, in the same run, compared by medians.
#
#   run-shim-overhead.sh [-r REPETITIONS] [-n ITERATIONS] [-b BLOCKS] [-k PAIRS]
#
# Two measurements:
#   processes  the program run REPETITIONS times with the shim preloaded
#              and as many without, interleaved (ABBA...), so that drift in
#              CPU frequency or load hits both alike;
#   blocks     one process with the shim preloaded, alternating every PAIRS
#              pairs (about a millisecond) between socket() through the
#              shim and libc's own socket(), BLOCKS blocks: the steadier
#              number on a busy host.
#
# Run from the build directory, or with abs_top_builddir set (make bench
# does). The target is a ratio below 1.05. No assertion: timing belongs
# here, not in make check.
set -u

reps=15
iters=200000
n_blocks=4000
block=200
while getopts r:n:b:k: opt; do
        case $opt in
        r) reps=$OPTARG ;;
        n) iters=$OPTARG ;;
        b) n_blocks=$OPTARG ;;
        k) block=$OPTARG ;;
        *) echo "usage: $0 [-r REPETITIONS] [-n ITERATIONS] [-b BLOCKS] [-k PAIRS]" >&2; exit 2 ;;
        esac
done

build=${abs_top_builddir:-$PWD}
. "$(dirname "$0")/lib.sh"
bin=$build/bench/shim-overhead
shim=${SOCKBROKER_PRELOAD:-$build/.libs/libsockbroker-preload.so}
for f in "$bin" "$shim"; do
        [ -e "$f" ] || { echo "$0: $f not found; run 'make bench'" >&2; exit 1; }
done

# Nothing may reach the broker: the sockets are ones the kernel grants.
export SOCKBROKER_SOCKET=/nonexistent/sockbroker.sock
# One CPU, so that both variants meet the same caches and no migrations.
pin=()
command -v taskset >/dev/null && pin=(taskset -c 0)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f (%+.2f%%)", b / a, (b / a - 1) * 100 }'; }

without=() with=()
for ((i = 0; i < reps; i++)); do
        if ((i % 2)); then
                with+=("$(env LD_PRELOAD="$shim" "${pin[@]}" "$bin" "$iters")") || exit 1
                without+=("$("${pin[@]}" "$bin" "$iters")") || exit 1
        else
                without+=("$("${pin[@]}" "$bin" "$iters")") || exit 1
                with+=("$(env LD_PRELOAD="$shim" "${pin[@]}" "$bin" "$iters")") || exit 1
        fi
done
m0=$(printf '%s\n' "${without[@]}" | median)
m1=$(printf '%s\n' "${with[@]}" | median)

read -r b0 b1 < <(env LD_PRELOAD="$shim" "${pin[@]}" "$bin" --blocks "$n_blocks" "$block") || exit 1

echo "socket(AF_INET, SOCK_DGRAM, 0) + close(), median ns per pair:"
printf '  processes (%d x %d pairs each): without %s, with %s, ratio %s\n' \
        "$reps" "$iters" "$m0" "$m1" "$(ratio "$m0" "$m1")"
printf '  blocks (%d x %d pairs each):     without %s, with %s, ratio %s\n' \
        "$n_blocks" "$block" "$b0" "$b1" "$(ratio "$b0" "$b1")"
echo "target: ratio below 1.05"
for m in processes blocks; do
        if [ "$m" = processes ]; then a=$m0 b=$m1; else a=$b0 b=$b1; fi
        r=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", b / a }')
        bench_row "socket()+close() with the shim / without ($m)" "$b ns" "$a ns" "${r}x" "< 1.05x" \
                "$(awk -v r="$r" 'BEGIN { print (r < 1.05) ? "met" : "missed" }')"
done
