#!/bin/bash
# run-fairness.sh - how a well-behaved client fares while another uid
# attacks what the broker shares: the real sockbrokerd in a network
# namespace of its own, clients as other uids (bench/fairness.c).
#
#   run-fairness.sh [--smoke] [-r ROUNDS] [-n GRANTS] [-t SECONDS] [-s SCENARIOS]
#
# Uid 65534 does GRANTS grants of inet/raw/icmp, one at a time, each on a
# connection of its own (connect, as libsockbroker does) and then all on
# one kept connection (persistent), and its latency per grant is measured
# idle and while the attack runs:
#   a churn    uid 65533 connects and closes as fast as it can;
#   b hoard    8 uids hold 8 connections each, filling a table of 64
#              (--max-connections=64 --max-connections-per-uid=8), and
#              take back at once any the broker closes;
#   c flood    uid 65533 sends requests the policy denies on 8
#              connections, 4 in flight on each, as fast as answered;
#   d inflight uid 65533 keeps 4 grants in flight on each of 16
#              connections, against --max-inflight=8
#              --max-inflight-per-uid=4;
#   f floor    scenario a against bench/floor.c, the least a broker can
#              be (no policy, no second process, no fairness), measured
#              with bench/grant.c: what the machine itself does to a
#              well-behaved client under churn, for comparison.
# Each scenario has a daemon of its own, and ROUNDS rounds of: idle
# (connect, persistent), attack on, loaded (connect, persistent), attack
# off, so that drift hits idle and loaded alike; percentiles are over the
# grants of all rounds pooled. A measurement stops early after SECONDS,
# but a grant under way then is waited for, up to the 30 s libsockbroker
# gives a reply. Defaults: -r 4 -n 5000 -t 20 -s "a b c d f". --smoke: one
# round of 300 grants, a measurement stopping after a second, so that CI
# keeps the harness working; it takes about 15 s, or a minute more when
# scenario a starves the well-behaved uid until its grants time out.
#
# Run as root from the build directory, or with abs_top_builddir set (make
# bench does). Ends with one table; it never fails on a figure, only when
# the harness itself broke. Timing belongs here, not in make check.
set -u

rounds=4
grants=5000
bound=20
scenarios="a b c d f"
. "$(dirname "$0")/lib.sh"
bench_smoke "$@" && rounds=1 grants=300 bound=1
set -- "${BENCH_ARGS[@]+"${BENCH_ARGS[@]}"}"
while getopts r:n:t:s: opt; do
        case $opt in
        r) rounds=$OPTARG ;;
        n) grants=$OPTARG ;;
        t) bound=$OPTARG ;;
        s) scenarios=$OPTARG ;;
        *) echo "usage: $0 [--smoke] [-r ROUNDS] [-n GRANTS] [-t SECONDS] [-s SCENARIOS]" >&2; exit 2 ;;
        esac
done
bench_counts "$rounds" "$grants" "$bound"
bin=$abs_top_builddir/bench/fairness
grant_bin=$abs_top_builddir/bench/grant
floor_bin=$abs_top_builddir/bench/floor
bench_setup "$bin" "$grant_bin" "$floor_bin" "$SOCKBROKERD"

GOOD=65534
BAD=65533
HOARDERS=(60001 60002 60003 60004 60005 60006 60007 60008)
SPEC=inet/raw/icmp

T=$(mktemp -d /tmp/sockbroker-fairness.XXXXXX)
chmod 0755 "$T"
NS=sbfair$$
DPID=
LOAD_PIDS=()

cleanup() {
        exec 7>&-
        for p in "${LOAD_PIDS[@]+"${LOAD_PIDS[@]}"}" $DPID; do
                kill "$p" 2>/dev/null
        done
        wait 2>/dev/null
        ip netns del "$NS" 2>/dev/null
        rm -rf "$T"
}
trap cleanup EXIT

{ ip netns add "$NS" && ip -n "$NS" link set lo up; } || broke "cannot create a network namespace"
install -m 0755 "$bin" "$T/fairness"
install -m 0755 "$grant_bin" "$T/grant"
mkfifo -m 0644 "$T/hold"

# as UID PROGRAM ARGS...: execs PROGRAM (fairness or grant) in the
# namespace, as UID,
# against the current scenario's daemon; so call it in a subshell or in
# the background, where $! is then the client's pid.
as() {
        local uid=$1
        shift
        exec nsenter --net="/run/netns/$NS" setpriv --reuid="$uid" --regid="$uid" --clear-groups \
                env SOCKBROKER_SOCKET="$D/sock" "$T/$@"
}

# The well-behaved uid's grant loop: sockbrokerd's through bench/fairness.c,
# or the floor's through bench/grant.c; both print the same counts.
TARGET=sockbroker
grant_loop() {
        local opt=() out=$1
        shift
        [ "${1:-}" = --persistent ] && opt=(--persistent) && shift
        if [ "$TARGET" = floor ]; then
                as "$GOOD" grant latency --target floor "${opt[@]+"${opt[@]}"}" -S "$D/sock" \
                        -t "$bound" -o "$out" -n "$grants" "$SPEC"
        else
                as "$GOOD" fairness grant-loop "${opt[@]+"${opt[@]}"}" -t "$bound" -o "$out" "$SPEC" "$grants"
        fi
}

# daemon_start NAME ARGS...: a fresh daemon for scenario NAME in $D;
# for the floor, the floor.
daemon_start() {
        D=$T/$1
        shift
        mkdir -p "$D"
        chmod 0755 "$D"
        if [ "$TARGET" = floor ]; then
                nsenter --net="/run/netns/$NS" "$floor_bin" "$D/sock" </dev/null >"$D/floor.out" \
                        2>"$D/daemon.log" &
                DPID=$!
                wait_for 10 grep -qx ready "$D/floor.out" || { cat "$D/daemon.log" >&2; broke "the floor did not start"; }
                return
        fi
        {
                echo "# Ping for the uids of the benchmark; nothing else."
                for u in 65530 65531 65532 65533 65534; do
                        echo "allow uid=$u inet raw proto=icmp"
                done
        } >"$D/policy.conf"
        chmod 0644 "$D/policy.conf"
        start_daemon_in "$NS" "$D" "$@" || { cat "$D/daemon.log" >&2; broke "sockbrokerd did not start"; }
}

daemon_stop() {
        kill "$DPID" && wait "$DPID"
        DPID=
}

# measure PHASE VARIANT ROUND: one grant-loop of the well-behaved uid;
# its samples go to $D/PHASE.VARIANT.ROUND.ns, its line to
# $D/PHASE.VARIANT.lines.
measure() {
        local phase=$1 variant=$2 round=$3 line opt=() ns
        ns=$D/$phase.$variant.$round.ns
        [ "$variant" = persistent ] && opt=(--persistent)
        # The client writes its samples as its own uid.
        : >"$ns" && chown "$GOOD" "$ns" || broke "cannot create $ns"
        line=$(grant_loop "$ns" "${opt[@]+"${opt[@]}"}") ||
                broke "grant-loop failed ($phase, $variant)"
        [[ $line == n=* ]] || broke "grant-loop said nothing ($phase, $variant)"
        echo "$line" >>"$D/$phase.$variant.lines"
        printf '  %-6s %-10s %s\n' "$phase" "$variant" "$line"
}

# The attacks. load_on starts one and waits until it is under way;
# load_off ends it and shows what it did. An attack outlasts the two
# loaded measurements, each of which may overrun its bound by a grant
# that libsockbroker gives 30 s.
load_seconds=$((2 * (bound + 30) + 30))
load_on() {
        local u i
        LOAD_PIDS=()
        case $1 in
        churn)
                as "$BAD" fairness churn "$load_seconds" >"$D/load.0" 2>&1 &
                LOAD_PIDS=($!)
                ;;
        hoard)
                # The hoarders hold until the fifo's last writer, fd 7, closes.
                exec 7<>"$T/hold"
                i=0
                for u in "${HOARDERS[@]}"; do
                        as "$u" fairness hoard --refill 8 <"$T/hold" >"$D/load.$i" 2>&1 7>&- &
                        LOAD_PIDS+=($!)
                        i=$((i + 1))
                done
                ;;
        flood)
                as "$BAD" fairness flood -c 8 -w 4 "$load_seconds" >"$D/load.0" 2>&1 &
                LOAD_PIDS=($!)
                ;;
        inflight)
                as "$BAD" fairness flood -c 16 -w 4 -s "$SPEC" "$load_seconds" >"$D/load.0" 2>&1 &
                LOAD_PIDS=($!)
                ;;
        esac
        for ((i = 0; i < ${#LOAD_PIDS[@]}; i++)); do
                wait_for 30 grep -qE '^(churning|holding|flooding)' "$D/load.$i" ||
                        broke "the $1 load did not start: $(cat "$D/load.$i")"
        done
        if [ "$1" = hoard ]; then
                for ((i = 0; i < ${#LOAD_PIDS[@]}; i++)); do
                        grep -q '^holding 8$' "$D/load.$i" ||
                                echo "  note: hoarder $i: $(head -n1 "$D/load.$i")"
                done
        fi
}

load_off() {
        local p i
        [ "$1" = hoard ] && exec 7>&-
        for p in "${LOAD_PIDS[@]}"; do
                kill -TERM "$p" 2>/dev/null
        done
        for p in "${LOAD_PIDS[@]}"; do
                wait "$p"
        done
        for ((i = 0; i < ${#LOAD_PIDS[@]}; i++)); do
                echo "  load   $1.$i      $(tail -n1 "$D/load.$i")"
        done
        LOAD_PIDS=()
}

# scenario NAME LOAD DAEMON-ARGS...
scenario() {
        local name=$1 load=$2 r v
        shift 2
        if [ "$TARGET" = floor ]; then
                echo "scenario $name ($load): bench/floor"
        else
                echo "scenario $name ($load): sockbrokerd $*"
        fi
        daemon_start "$name" "$@"
        # Warm the daemon and the caches; not counted.
        (grants=200 grant_loop /dev/null >/dev/null) || broke "warm-up failed"
        for ((r = 1; r <= rounds; r++)); do
                for v in connect persistent; do
                        measure idle "$v" "$r"
                done
                load_on "$load"
                for v in connect persistent; do
                        measure loaded "$v" "$r"
                done
                load_off "$load"
        done
        daemon_stop
}

# pct FILES...: pooled p50 and p99 in microseconds (nearest rank).
pct() {
        cat "$@" | sort -n | awk '
                function rank(p) { r = int(p * NR); if (r < p * NR) r++; return r < 1 ? 1 : r }
                { v[NR] = $1 }
                END { if (NR == 0) print "- -"; else printf "%.0f %.0f\n", v[rank(0.5)] / 1000, v[rank(0.99)] / 1000 }'
}

# total KEY FILE: the sum of KEY=... over the lines of FILE.
total() {
        awk -v k="$1" '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) s += kv[2] } }
                END { print s + 0 }' "$2"
}

# row NAME LABEL TARGET: the table's rows for scenario NAME. A grant
# that failed otherwise than by a refusal (a timeout, say) counts
# against "0 refused" as well, and shows beside the refusals.
rows=()
notes=()
row() {
        local name=$1 label=$2 target=$3 v i50 i99 l50 l99 ratio refused errors cell tried met
        D=$T/$name
        for v in connect persistent; do
                read -r i50 i99 < <(pct "$D"/idle."$v".*.ns)
                read -r l50 l99 < <(pct "$D"/loaded."$v".*.ns)
                ratio=$(awk -v a="$i99" -v b="$l99" \
                        'BEGIN { if (a != "-" && b != "-" && a > 0) printf "%.1f", b / a; else print "-" }')
                refused=$(total refused "$D/loaded.$v.lines")
                errors=$(total errors "$D/loaded.$v.lines")
                cell=$refused
                ((errors > 0)) && cell="$refused +${errors} err"
                (($(total refused "$D/idle.$v.lines") + $(total errors "$D/idle.$v.lines") > 0)) &&
                        notes+=("$label, $v: idle: $(total refused "$D/idle.$v.lines") refused, $(total errors "$D/idle.$v.lines") error(s)")
                tried=$(total n "$D/loaded.$v.lines")
                ((tried < rounds * grants)) &&
                        notes+=("$label, $v: $tried of $((rounds * grants)) grants tried while loaded: a measurement stops after ${bound}s")
                met=met
                [[ $target == none* ]] && met=-
                case $target in
                *refused*) [ "$refused" = 0 ] && [ "$errors" = 0 ] || met=missed ;;
                esac
                case $target in
                *5x*) awk -v r="$ratio" 'BEGIN { exit !(r != "-" && r <= 5) }' || met=missed ;;
                esac
                rows+=("$(printf '| %-22s | %13s | %15s | %9s | %11s | %-20s | %-10s |' \
                        "$label, $v" "$i50/$i99" "$l50/$l99" "${ratio}x" "$cell" "$target" "$met")")
                bench_row "$label, $v: p99 loaded/idle, refused" "$l99 us, $cell" "$i99 us" \
                        "${ratio}x" "$target" "${met#-}"
        done
}

for s in $scenarios; do
        case $s in
        a) scenario a churn ;;
        b) scenario b hoard --max-connections=64 --max-connections-per-uid=8 ;;
        c) scenario c flood ;;
        d) scenario d inflight --max-inflight=8 --max-inflight-per-uid=4 ;;
        f) TARGET=floor scenario f churn ;;
        *) broke "unknown scenario '$s' (a, b, c, d or f)" ;;
        esac
done

for s in $scenarios; do
        case $s in
        a) row a "a churn" "0 refused, p99 <= 5x" ;;
        b) row b "b hoard" "0 refused" ;;
        c) row c "c flood" "p99 <= 5x" ;;
        d) row d "d inflight" "0 refused" ;;
        f) row f "f floor" "none: the machine's" ;;
        esac
done

echo
echo "Well-behaved uid $GOOD, $SPEC; $rounds round(s) of up to $grants grants per measurement:"
printf '| %-22s | %13s | %15s | %9s | %11s | %-20s | %-10s |\n' scenario "idle p50/p99" "loaded p50/p99" \
        "p99 ratio" refused target met/missed
echo "|------------------------|---------------|-----------------|-----------|-------------|----------------------|------------|"
printf '%s\n' "${rows[@]}"
echo "(latencies in µs; refused: refusals while loaded, all rounds, and +N err for grants that failed otherwise)"
# Under the same churn, sockbrokerd's tail against the floor's.
if [ -d "$T/a" ] && [ -d "$T/f" ]; then
        for v in connect persistent; do
                read -r _ a99 < <(pct "$T/a"/loaded."$v".*.ns)
                read -r _ f99 < <(pct "$T/f"/loaded."$v".*.ns)
                echo "churn, $v: sockbrokerd's loaded p99 is $(awk -v a="$a99" -v f="$f99" \
                        'BEGIN { if (f > 0) printf "%.2f", a / f; else print "-" }')x the floor's ($a99 / $f99 µs)"
        done
fi
for n in "${notes[@]+"${notes[@]}"}"; do
        echo "note: $n"
done
exit 0
