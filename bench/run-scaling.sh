#!/bin/bash
# run-scaling.sh - what sockbrokerd costs as its policy and its clients
# grow: the real daemon in a network namespace of its own, the client as
# uid 65534.
#
#   run-scaling.sh [--smoke] [-n GRANTS] [-r ROUNDS] [-p "SIZES"] [-c "CONNECTIONS"]
#
# Policy scaling. For each size N in SIZES (default "10 1000 10000"), a
# policy of N rules: N - 1 that allow a group uid 65534 is not in
# (gid=20001 and up), so that every one of them is a candidate the broker
# and the opener must look at, and last the rule that allows uid 65534
# inet/raw/icmp. For each: the time from starting sockbrokerd to its
# "ready:" line, and the time and peak RSS of `sockbroker check` on the
# same file. Then one daemon per size runs side by side, and ROUNDS
# rounds (default 5) each run GRANTS grants (default 5000) on a kept
# connection (bench/grant.c) against every daemon in turn, in the
# opposite order every other round, after an uncounted warm-up of 500
# grants against each, so that every size meets the same drift of the
# machine. The client, the brokers and the openers are on
# CPU 0: unpinned, the scheduler puts a client beside its server or on
# the other CPU, and keeps the choice for a run, which would measure the
# placement rather than the policy. The ratio of the largest policy to
# the smallest is taken within each round; the table gives its median,
# and its lowest and highest.
#
# Memory, from /proc/PID/smaps_rollup: the RSS and PSS of the broker and
# the opener idle under the smallest policy, and for reference those of
# the floor (bench/floor.c, a process with the C library and nothing
# else) idle in the same run; per rule, from the smallest
# to the largest policy; and per idle connection, for each count in
# CONNECTIONS (default "1000 10000") held by bench/fairness.c hoard
# against a daemon of its own, each made sure of with one request the
# policy denies.
#
# --smoke: sizes "10 1000", 300 grants, 1 round and 200 connections, so that CI
# keeps the harness working. Run as root from the build directory, or
# with abs_top_builddir set (make bench does). Ends with one table; it
# never fails on a figure, only when the harness itself broke.
set -u

grants=5000
rounds=5
sizes="10 1000 10000"
conns="1000 10000"
. "$(dirname "$0")/lib.sh"
bench_smoke "$@" && grants=300 rounds=1 sizes="10 1000" conns=200
set -- "${BENCH_ARGS[@]+"${BENCH_ARGS[@]}"}"
while getopts n:r:p:c: opt; do
        case $opt in
        n) grants=$OPTARG ;;
        r) rounds=$OPTARG ;;
        p) sizes=$OPTARG ;;
        c) conns=$OPTARG ;;
        *) echo "usage: $0 [--smoke] [-n GRANTS] [-r ROUNDS] [-p SIZES] [-c \"CONNECTIONS\"]" >&2; exit 2 ;;
        esac
done
# shellcheck disable=SC2086
bench_counts "$grants" "$rounds" $conns $sizes
grant_bin=$abs_top_builddir/bench/grant
fairness_bin=$abs_top_builddir/bench/fairness
floor_bin=$abs_top_builddir/bench/floor
bench_setup "$grant_bin" "$fairness_bin" "$floor_bin" "$SOCKBROKERD" "$SOCKBROKER" -- /usr/bin/time taskset

CLIENT=65534
SPEC=inet/raw/icmp
# One hoarding process holds at most this many (bench/fairness.c MAX_CONNS).
PER_HOARDER=1000

T=$(mktemp -d /tmp/sockbroker-scaling.XXXXXX)
chmod 0755 "$T"
NS=sbscale$$
DPID=
FPID=
HOARDERS=()
declare -A DPIDS=()

cleanup() {
        exec 7>&-
        for p in "${HOARDERS[@]+"${HOARDERS[@]}"}" "${DPIDS[@]+"${DPIDS[@]}"}" $DPID $FPID; do
                kill "$p" 2>/dev/null
        done
        wait 2>/dev/null
        ip netns del "$NS" 2>/dev/null
        rm -rf "$T"
}
trap cleanup EXIT

{ ip netns add "$NS" && ip -n "$NS" link set lo up; } || broke "cannot create a network namespace"
install -m 0755 "$grant_bin" "$T/grant"
install -m 0755 "$fairness_bin" "$T/fairness"
mkfifo -m 0644 "$T/hold"

# as PROGRAM ARGS...: PROGRAM (grant or fairness) as the client, in the
# namespace, against the daemon in $D.
as() {
        nsenter --net="/run/netns/$NS" setpriv --reuid="$CLIENT" --regid="$CLIENT" --clear-groups \
                env SOCKBROKER_SOCKET="$D/sock" "$T/$@"
}

# policy N: N rules in $D/policy.conf, the one that matches last.
policy() {
        awk -v n="$1" 'BEGIN {
                for (i = 1; i < n; i++) printf "allow gid=%d inet raw proto=icmp\n", 20000 + i
                print "allow uid=65534 inet raw proto=icmp"
        }' >"$D/policy.conf"
        chmod 0644 "$D/policy.conf"
}

# ms_since NS: milliseconds since the CLOCK_REALTIME nanoseconds NS.
ms_since() {
        awk -v a="$1" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e6 }'
}

# kib PID KEY: KEY (Rss, Pss) of PID's smaps_rollup, in KiB.
kib() {
        awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/smaps_rollup" 2>/dev/null
}

# The broker is sockbrokerd itself; the opener its child.
opener_of() {
        pgrep -P "$1" | head -n1
}

declare -A ready check_s check_kib p50 p99 b_rss o_rss b_pss o_pss c_rss c_pss
# Every daemon, started one after the other: the time to ready is each
# one's own, with the others idle.
for n in $sizes; do
        D=$T/p$n
        mkdir -m 0755 "$D"
        policy "$n"
        check_out=$(/usr/bin/time -f '%e %M' "$SOCKBROKER" check "$D/policy.conf" 2>&1 >/dev/null) ||
                broke "sockbroker check failed on $n rules: $check_out"
        read -r check_s[$n] check_kib[$n] <<<"$(tail -n1 <<<"$check_out")"
        : >"$D/daemon.log"
        t0=$(date +%s%N)
        nsenter --net="/run/netns/$NS" "$SOCKBROKERD" -p "$D/policy.conf" -d "$D/policy.d" -s "$D/sock" \
                </dev/null >/dev/null 2>>"$D/daemon.log" &
        DPIDS[$n]=$!
        # Polled every 2 ms; the log is read and the deadline kept by the
        # shell itself, so that only sleep(1) runs beside the daemon.
        deadline=$((SECONDS + 30))
        until [[ $(<"$D/daemon.log") == *ready:* ]]; do
                kill -0 "${DPIDS[$n]}" 2>/dev/null || { cat "$D/daemon.log" >&2; broke "sockbrokerd did not start with $n rules"; }
                [ "$SECONDS" -lt "$deadline" ] || broke "sockbrokerd not ready in 30 s with $n rules"
                sleep 0.002
        done
        ready[$n]=$(ms_since "$t0")
        # The broker, the opener and the compiler, all on CPU 0.
        o=$(opener_of "${DPIDS[$n]}")
        for p in "${DPIDS[$n]}" "$o" $(pgrep -P "$o"); do
                taskset -apc 0 "$p" >/dev/null || broke "cannot pin $p to CPU 0"
        done
done

# The rounds: each size in turn, the order reversed every other round,
# after a warm-up against each that is not counted (the first grants of
# a run, cold, are the slowest).
read -r -a order <<<"$sizes"
declare -A r50 r99
for n in $sizes; do
        D=$T/p$n
        as grant latency --target sockbroker --persistent --cpu 0 -n 500 "$SPEC" >/dev/null ||
                broke "the warm-up grants failed with $n rules"
done
for ((round = 1; round <= rounds; round++)); do
        for ((k = 0; k < ${#order[@]}; k++)); do
                if ((round % 2)); then n=${order[k]}; else n=${order[${#order[@]} - 1 - k]}; fi
                D=$T/p$n
                line=$(as grant latency --target sockbroker --persistent --cpu 0 -n "$grants" "$SPEC") ||
                        broke "the grants failed with $n rules"
                [[ $line == n=* ]] || broke "the grant loop said nothing with $n rules"
                r50[$round,$n]=$(sed -n 's/.*p50_us=\([0-9.]*\).*/\1/p' <<<"$line")
                r99[$round,$n]=$(sed -n 's/.*p99_us=\([0-9.]*\).*/\1/p' <<<"$line")
        done
        printf '  round %d:' "$round"
        for n in $sizes; do printf ' %s rules p50 %s us;' "$n" "${r50[$round,$n]}"; done
        echo
done

for n in $sizes; do
        vals50=() vals99=()
        for ((round = 1; round <= rounds; round++)); do
                vals50+=("${r50[$round,$n]}") vals99+=("${r99[$round,$n]}")
        done
        p50[$n]=$(median "${vals50[@]}")
        p99[$n]=$(median "${vals99[@]}")
        printf '  %5s rules: ready in %s ms, check %s s %s KiB; median of %d rounds p50 %s us p99 %s us\n' \
                "$n" "${ready[$n]}" "${check_s[$n]}" "${check_kib[$n]}" "$rounds" "${p50[$n]}" "${p99[$n]}"
        o=$(opener_of "${DPIDS[$n]}")
        c=$(pgrep -P "$o" | head -n1)
        b_rss[$n]=$(kib "${DPIDS[$n]}" Rss) b_pss[$n]=$(kib "${DPIDS[$n]}" Pss)
        o_rss[$n]=$(kib "$o" Rss) o_pss[$n]=$(kib "$o" Pss)
        c_rss[$n]=$(kib "$c" Rss) c_pss[$n]=$(kib "$c" Pss)
done
for n in $sizes; do
        kill "${DPIDS[$n]}" && wait "${DPIDS[$n]}"
        unset "DPIDS[$n]"
done

# The floor idle: what a process that maps the C library and serves a
# socket costs on this machine, for the idle figures above.
mkdir -m 0755 "$T/floor"
nsenter --net="/run/netns/$NS" "$floor_bin" "$T/floor/sock" </dev/null >"$T/floor/out" 2>"$T/floor/err" &
FPID=$!
wait_for 10 grep -qx ready "$T/floor/out" || { cat "$T/floor/err" >&2; broke "the floor did not start"; }
f_rss=$(kib "$FPID" Rss) f_pss=$(kib "$FPID" Pss)
kill "$FPID" && wait "$FPID" 2>/dev/null
FPID=

# Idle connections, against the smallest policy: for each count, a
# daemon of its own, allowed that many and a few more.
read -r small _ <<<"$sizes"
declare -A held per_conn
notes=()
for asked in $conns; do
        n=$asked
        D=$T/conns$n
        mkdir -m 0755 "$D"
        policy "$small"
        # The daemon wants two descriptors per connection and some more;
        # where the hard limit is lower and cannot be raised (no
        # CAP_SYS_RESOURCE), as many connections as it allows.
        need=$((2 * (n + 16) + 128))
        if [ "$(ulimit -n)" -lt "$need" ] && ! ulimit -n "$need" 2>/dev/null; then
                ulimit -n "$(ulimit -Hn)"
                fit=$((($(ulimit -n) - 128) / 2 - 16))
                ((fit > 0)) || broke "RLIMIT_NOFILE allows no connection"
                notes+=("$n connections asked for; RLIMIT_NOFILE's hard limit, $(ulimit -Hn), allows the daemon $fit")
                n=$fit
        fi
        start_daemon_in "$NS" "$D" --max-connections=$((n + 16)) --max-connections-per-uid=$((n + 16)) ||
                { cat "$D/daemon.log" >&2; broke "sockbrokerd did not start for $n connections"; }
        before=$(kib "$DPID" Rss)
        exec 7<>"$T/hold"
        left=$n i=0
        while [ "$left" -gt 0 ]; do
                k=$((left < PER_HOARDER ? left : PER_HOARDER))
                as fairness hoard "$k" <"$T/hold" >"$D/hoard.$i" 2>&1 7>&- &
                HOARDERS+=($!)
                left=$((left - k)) i=$((i + 1))
        done
        for ((j = 0; j < i; j++)); do
                wait_for 60 grep -q '^holding' "$D/hoard.$j" || broke "a hoarder did not start: $(cat "$D/hoard.$j")"
        done
        held[$asked]=$(cat "$D"/hoard.* | awk '/^holding/ { s += $2 } END { print s + 0 }')
        after=$(kib "$DPID" Rss)
        per_conn[$asked]=$(awk -v a="$after" -v b="$before" -v n="${held[$asked]}" \
                'BEGIN { if (n > 0) printf "%.2f", (a - b) / n; else print "-" }')
        exec 7>&-
        for p in "${HOARDERS[@]}"; do wait "$p"; done
        HOARDERS=()
        kill "$DPID" && wait "$DPID"
        DPID=
done

read -r -a all <<<"$sizes"
big=${all[${#all[@]} - 1]}
echo
echo "sockbrokerd, uid $CLIENT, $SPEC on a kept connection, $rounds round(s) of $grants grants per size:"
printf '| %-40s | %12s | %-12s | %-10s |\n' figure value target met/missed
echo "|------------------------------------------|--------------|--------------|------------|"
row() {
        local met=-
        [ -n "$4" ] && { awk "BEGIN { exit !($4) }" && met=met || met=missed; }
        printf '| %-40s | %12s | %-12s | %-10s |\n' "$1" "$2" "$3" "$met"
        bench_row "$1" "$2" "" "" "$3" "${met#-}"
}
for n in $sizes; do
        row "grant p50 / p99 at $n rules" "${p50[$n]} / ${p99[$n]} us" "" ""
done
ratios=() ratios99=()
for ((round = 1; round <= rounds; round++)); do
        ratios+=("$(awk -v a="${r50[$round,$big]}" -v b="${r50[$round,$small]}" 'BEGIN { printf "%.2f", a / b }')")
        ratios99+=("$(awk -v a="${r99[$round,$big]}" -v b="${r99[$round,$small]}" 'BEGIN { printf "%.2f", a / b }')")
done
ratio=$(median "${ratios[@]}")
lo=$(printf '%s\n' "${ratios[@]}" | sort -g | head -n1)
hi=$(printf '%s\n' "${ratios[@]}" | sort -g | tail -n1)
row "p50 at $big rules / at $small, median" "${ratio}x" "<= 1.1x" "$ratio <= 1.1"
row "the same, lowest and highest round" "${lo}x / ${hi}x" "" ""
row "p99 at $big rules / at $small, median" "$(median "${ratios99[@]}")x" "" ""
row "start to ready at $small rules" "${ready[$small]} ms" "" ""
row "start to ready at $big rules" "${ready[$big]} ms" "<= 100 ms" "${ready[$big]} <= 100"
row "sockbroker check at $big rules" "${check_s[$big]} s, $((check_kib[$big] / 1024)) MiB" "" ""
row "broker RSS / PSS idle, $small rules" "${b_rss[$small]} / ${b_pss[$small]} KiB" "<= 2048 KiB" "${b_rss[$small]} <= 2048"
row "opener RSS / PSS idle, $small rules" "${o_rss[$small]} / ${o_pss[$small]} KiB" "<= 2048 KiB" "${o_rss[$small]} <= 2048"
row "compiler RSS / PSS idle, $small rules" "${c_rss[$small]} / ${c_pss[$small]} KiB" "" ""
row "floor RSS / PSS idle (bench/floor)" "$f_rss / $f_pss KiB" "" ""
per_rule_b=$(awk -v a="${b_rss[$big]}" -v b="${b_rss[$small]}" -v n="$((big - small))" 'BEGIN { printf "%.2f", (a - b) / n }')
per_rule_o=$(awk -v a="${o_rss[$big]}" -v b="${o_rss[$small]}" -v n="$((big - small))" 'BEGIN { printf "%.2f", (a - b) / n }')
row "broker RSS per rule" "$per_rule_b KiB" "<= 1 KiB" "$per_rule_b <= 1"
row "opener RSS per rule" "$per_rule_o KiB" "<= 1 KiB" "$per_rule_o <= 1"
for n in $conns; do
        row "broker RSS per idle connection (${held[$n]})" "${per_conn[$n]} KiB" "<= 16 KiB" \
                "\"${per_conn[$n]}\" != \"-\" && ${per_conn[$n]} <= 16"
done
echo "(RSS and PSS from /proc/PID/smaps_rollup; the opener serves no connection)"
for note in "${notes[@]+"${notes[@]}"}"; do
        echo "note: $note"
done
exit 0
