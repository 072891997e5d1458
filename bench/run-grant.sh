#!/bin/bash
# run-grant.sh - what one grant costs from sockbrokerd, measured against
# the floor (bench/floor.c, the least a broker can be) in the same run:
# both in a network namespace of their own, asked by bench/grant.c as
# uid 65534.
#
#   run-grant.sh [--smoke] [-r ROUNDS] [-n GRANTS] [-t SECONDS]
#
# Each figure is measured ROUNDS times for sockbroker and for the floor
# alternately (A B A B ...), so that drift hits both alike, after a
# warm-up of 200 grants each that is not counted; latencies are pooled
# over the rounds (nearest-rank percentiles), throughputs are the median
# of the rounds. The figures:
#   ICMP latency (inet/raw/icmp), one grant at a time, on one kept
#     connection (persistent) and on a connection per grant (connect, as
#     libsockbroker does), each unpinned, with client, broker, opener and
#     floor all on CPU 0 (same CPU), and with the client on CPU 1 and the
#     servers on CPU 0 (across CPUs); targets p50 <= 2x and p99 <= 4x
#     the floor's;
#   packet latency (packet/raw/all@lo), persistent and connect, unpinned,
#     the same targets;
#   ICMP throughput, 1, 4, 16 and 64 clients each on a kept connection of
#     its own, asking as fast as answered for SECONDS; target >= 0.5x the
#     floor's at 64 clients;
#   against the alternatives, ICMP and packet: sockbroker with a
#     connection per grant, then bench/helper.c with CAP_NET_RAW in its
#     file capabilities, run per grant with fork and exec, and its static
#     build run with posix_spawn, then sockbroker on a kept connection
#     (what a program's second and later sb_open() cost, libsockbroker
#     keeping a connection per thread); GRANTS / 5 grants each (helpers
#     take milliseconds); target: sockbroker's p50 >= 25x faster, given
#     for both of sockbroker's figures. Where
#     dbus-daemon is installed, also a D-Bus method call that returns
#     the socket (bench/dbus-service.c on a bus of its own), against
#     sockbroker on a kept connection, ICMP, GRANTS grants; no target.
# Defaults: -r 5 -n 5000 -t 3. --smoke: one round of 200 grants and
# throughput runs of a second, so that CI keeps the harness working.
#
# Run as root from the build directory, or with abs_top_builddir set (make
# bench does). Ends with one table; it never fails on a figure, only when
# the harness itself broke (a client failed, or got no grant at all).
# Timing belongs here, not in make check.
set -u

rounds=5
grants=5000
tput_seconds=3
. "$(dirname "$0")/lib.sh"
bench_smoke "$@" && rounds=1 grants=200 tput_seconds=1
set -- "${BENCH_ARGS[@]+"${BENCH_ARGS[@]}"}"
while getopts r:n:t: opt; do
        case $opt in
        r) rounds=$OPTARG ;;
        n) grants=$OPTARG ;;
        t) tput_seconds=$OPTARG ;;
        *) echo "usage: $0 [--smoke] [-r ROUNDS] [-n GRANTS] [-t SECONDS]" >&2; exit 2 ;;
        esac
done
bench_counts "$rounds" "$grants" "$tput_seconds"
grant_bin=$abs_top_builddir/bench/grant
floor_bin=$abs_top_builddir/bench/floor
helper_bin=$abs_top_builddir/bench/helper
helper_static_bin=$abs_top_builddir/bench/helper-static
dbus_service_bin=$abs_top_builddir/bench/dbus-service
bench_setup "$grant_bin" "$floor_bin" "$helper_bin" "$helper_static_bin" "$dbus_service_bin" "$SOCKBROKERD" \
        "$SOCKBROKER_OPENER" -- taskset setcap

CLIENT=65534
NCPU=$(nproc)
ALL_CPUS=0-$((NCPU - 1))
ICMP=inet/raw/icmp
PACKET=packet/raw/all@lo

T=$(mktemp -d /tmp/sockbroker-grant.XXXXXX)
chmod 0755 "$T"
NS=sbgrant$$
DPID=
FPID=
BUS_PIDS=()

cleanup() {
        local p
        for p in $FPID $DPID "${BUS_PIDS[@]+"${BUS_PIDS[@]}"}"; do
                kill "$p" 2>/dev/null
        done
        wait 2>/dev/null
        ip netns del "$NS" 2>/dev/null
        rm -rf "$T"
}
trap cleanup EXIT

{ ip netns add "$NS" && ip -n "$NS" link set lo up; } || broke "cannot create a network namespace"
install -m 0755 "$grant_bin" "$T/grant"
install -m 0755 "$helper_bin" "$T/helper"
install -m 0755 "$helper_static_bin" "$T/helper-static"
setcap cap_net_raw+ep "$T/helper" && setcap cap_net_raw+ep "$T/helper-static" ||
        broke "cannot give the helpers CAP_NET_RAW"
mkdir -m 0755 "$T/sb" "$T/floor" "$T/res"

# The broker, its limits per uid raised so that 64 clients of one uid,
# each with one request in flight, are not refused as "busy".
{
        echo "# The benchmark's uid: ping and capture on lo; nothing else."
        echo "allow uid=$CLIENT inet raw proto=icmp"
        echo "allow uid=$CLIENT packet raw proto=all iface=lo"
} >"$T/sb/policy.conf"
chmod 0644 "$T/sb/policy.conf"
DAEMON_ARGS=(--max-connections-per-uid=128 --max-inflight-per-uid=128)
start_daemon_in "$NS" "$T/sb" "${DAEMON_ARGS[@]}" ||
        { cat "$T/sb/daemon.log" >&2; broke "sockbrokerd did not start"; }

nsenter --net="/run/netns/$NS" "$floor_bin" "$T/floor/sock" </dev/null >"$T/floor/out" \
        2>"$T/floor/err" &
FPID=$!
wait_for 10 grep -qx ready "$T/floor/out" || { cat "$T/floor/err" >&2; broke "the floor did not start"; }

# descendants PID: PID and every process below it.
descendants() {
        local c
        echo "$1"
        for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
                descendants "$c"
        done
}

# pin_servers CPUS: the daemon (broker, opener, all their threads) and
# the floor to CPUS.
pin_servers() {
        local p
        for p in $(descendants "$DPID") $FPID; do
                taskset -apc "$1" "$p" >/dev/null || broke "cannot pin $p to $1"
        done
}
# The processes pinned: PID:NAME ...; the opener must be among them.
SERVERS=$(for p in $(descendants "$DPID") $FPID; do printf '%s:%s ' "$p" "$(cat "/proc/$p/comm")"; done)
[[ $SERVERS == *:sockbroker-ope* ]] || broke "no sockbroker-opener below sockbrokerd: $SERVERS"

# as ARGS...: execs bench/grant in the namespace as the client's uid; so
# call it in a subshell.
as() {
        exec nsenter --net="/run/netns/$NS" setpriv --reuid="$CLIENT" --regid="$CLIENT" \
                --clear-groups "$T/grant" "$@"
}

sock_of() {
        case $1 in
        sockbroker) echo "$T/sb/sock" ;;
        floor) echo "$T/floor/sock" ;;
        fork-exec) echo "$T/helper" ;;
        spawn) echo "$T/helper-static" ;;
        dbus) echo "unix:path=$T/bus/socket" ;;
        esac
}

notes=()

# measure FIG TARGET ROUND ARGS...: one grant latency run; its samples go
# to res/FIG.TARGET.ROUND.ns, its line to res/FIG.TARGET.lines.
measure() {
        local fig=$1 target=$2 round=$3 ns line
        shift 3
        ns=$T/res/$fig.$target.$round.ns
        # The client writes its samples as its own uid.
        : >"$ns" && chown "$CLIENT" "$ns" || broke "cannot create $ns"
        line=$(as latency --target "$target" -S "$(sock_of "$target")" -o "$ns" "$@") ||
                broke "grant latency failed ($fig, $target)"
        [[ $line == n=* ]] || broke "grant latency said nothing ($fig, $target)"
        (($(field granted "$line") > 0)) || broke "no grant at all ($fig, $target): $line"
        (($(field granted "$line") < $(field n "$line"))) &&
                notes+=("$fig, $target, round $round: $(field granted "$line") of $(field n "$line") granted ($line)")
        echo "$line" >>"$T/res/$fig.$target.lines"
        printf '  %-22s %-10s %s\n' "$fig" "$target" "$line"
}

# latency_figure FIG PIN SPEC MODE: ROUNDS rounds of sockbroker, floor.
latency_figure() {
        local fig=$1 pin=$2 spec=$3 mode=$4 cpu=() opt=() r tg
        case $pin in
        unpinned) pin_servers "$ALL_CPUS" ;;
        same) pin_servers 0 && cpu=(--cpu 0) ;;
        across) pin_servers 0 && cpu=(--cpu 1) ;;
        esac
        [ "$mode" = persistent ] && opt=(--persistent)
        for tg in sockbroker floor; do
                (as latency --target "$tg" -S "$(sock_of "$tg")" "${cpu[@]+"${cpu[@]}"}" \
                        "${opt[@]+"${opt[@]}"}" -n 200 "$spec" >/dev/null) || broke "warm-up failed ($fig, $tg)"
        done
        for ((r = 1; r <= rounds; r++)); do
                for tg in sockbroker floor; do
                        measure "$fig" "$tg" "$r" "${cpu[@]+"${cpu[@]}"}" "${opt[@]+"${opt[@]}"}" \
                                -n "$grants" "$spec"
                done
        done
        pin_servers "$ALL_CPUS"
}

# throughput_figure FIG CLIENTS: ROUNDS rounds of sockbroker, floor.
throughput_figure() {
        local fig=$1 clients=$2 r tg line
        for ((r = 1; r <= rounds; r++)); do
                for tg in sockbroker floor; do
                        line=$(as throughput --target "$tg" -S "$(sock_of "$tg")" -c "$clients" \
                                -t "$tput_seconds" "$ICMP") || broke "grant throughput failed ($fig, $tg)"
                        [[ $line == grants_per_s=* ]] || broke "grant throughput said nothing ($fig, $tg)"
                        (($(field granted "$line") > 0)) || broke "no grant at all ($fig, $tg): $line"
                        (($(field errors "$line") + $(field busy "$line") + $(field reset "$line") > 0)) &&
                                notes+=("$fig, $tg, round $r: $line")
                        echo "$line" >>"$T/res/$fig.$tg.lines"
                        printf '  %-22s %-10s %s\n' "$fig" "$tg" "$line"
                done
        done
}

# pct P FILES...: the pooled P-th percentile in microseconds (nearest rank).
pct() {
        local p=$1
        shift
        cat "$@" | sort -n | awk -v p="$p" '
                { v[NR] = $1 }
                END {
                        if (NR == 0) { print "-"; exit }
                        r = int(p * NR); if (r < p * NR) r++; if (r < 1) r = 1
                        printf "%.0f\n", v[r] / 1000
                }'
}

# field_median KEY FILE: the median over the lines of FILE of KEY=...;
# of an even count, the lower of the middle two.
field_median() {
        awk -v k="$1" '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) print kv[2] } }' "$2" |
                sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else print v[int((NR + 1) / 2)] }'
}

rows=()
# row LABEL SB FLOOR UNIT TARGET: TARGET is "<= Nx" or ">= Nx" of the
# floor's figure, or "-".
row() {
        local label=$1 sb=$2 fl=$3 unit=$4 target=$5 ratio met=-
        # Two decimals, three below 0.1 (a floor that waits on a close).
        ratio=$(awk -v a="$sb" -v b="$fl" 'BEGIN {
                if (a == "-" || b == "-" || b <= 0) print "-"
                else printf (a / b < 0.1 ? "%.3f" : "%.2f"), a / b }')
        case $target in
        "<= "*) met=$(awk -v r="$ratio" -v t="${target#<= }" 'BEGIN { sub("x", "", t); print (r != "-" && r <= t + 0) ? "met" : "missed" }') ;;
        ">= "*) met=$(awk -v r="$ratio" -v t="${target#>= }" 'BEGIN { sub("x", "", t); print (r != "-" && r >= t + 0) ? "met" : "missed" }') ;;
        esac
        rows+=("$(printf '| %-34s | %10s | %10s | %6s | %-7s | %-10s |' "$label" "$sb$unit" "$fl$unit" \
                "${ratio}x" "$target" "$met")")
        bench_row "$label (floor)" "$sb$unit" "$fl$unit" "${ratio}x" "$target" "${met#-}"
}

latency_rows() {
        local fig=$1 label=$2
        [ -e "$T/res/$fig.sockbroker.lines" ] || return 0
        row "$label, p50" "$(pct 0.50 "$T/res/$fig".sockbroker.*.ns)" \
                "$(pct 0.50 "$T/res/$fig".floor.*.ns)" " us" "<= 2x"
        row "$label, p99" "$(pct 0.99 "$T/res/$fig".sockbroker.*.ns)" \
                "$(pct 0.99 "$T/res/$fig".floor.*.ns)" " us" "<= 4x"
}

echo "sockbrokerd ${DAEMON_ARGS[*]}; servers: $SERVERS"
for mode in persistent connect; do
        for pin in unpinned same across; do
                if [ "$pin" = across ] && ((NCPU < 2)); then
                        notes+=("icmp $mode, across CPUs: skipped, one CPU only")
                        continue
                fi
                echo "ICMP latency, $mode, $pin"
                latency_figure "icmp-$mode-$pin" "$pin" "$ICMP" "$mode"
        done
done
for mode in persistent connect; do
        echo "packet latency, $mode, unpinned"
        latency_figure "packet-$mode-unpinned" unpinned "$PACKET" "$mode"
done
for c in 1 4 16 64; do
        echo "ICMP throughput, $c client(s)"
        throughput_figure "tput-$c" "$c"
done
# A bus of the benchmark's own, where any uid may call the service.
dbus=
if command -v dbus-daemon >/dev/null; then
        mkdir -m 0755 "$T/bus"
        cat >"$T/bus/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>custom</type>
  <listen>unix:path=$T/bus/socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
EOF
        dbus-daemon --config-file="$T/bus/bus.conf" --nofork --nopidfile </dev/null >"$T/bus/daemon.log" 2>&1 &
        BUS_PIDS+=($!)
        wait_for 10 test -S "$T/bus/socket" || broke "dbus-daemon did not start: $(cat "$T/bus/daemon.log")"
        nsenter --net="/run/netns/$NS" "$dbus_service_bin" "unix:path=$T/bus/socket" </dev/null \
                >"$T/bus/service.out" 2>&1 &
        BUS_PIDS+=($!)
        wait_for 10 grep -qx ready "$T/bus/service.out" ||
                broke "the D-Bus service did not start: $(cat "$T/bus/service.out")"
        dbus=yes
        echo "D-Bus call against sockbroker, kept connections, $ICMP"
        for ((r = 1; r <= rounds; r++)); do
                for tg in sockbroker dbus; do
                        measure alt-dbus "$tg" "$r" --persistent -n "$grants" "$ICMP"
                done
        done
else
        notes+=("the D-Bus alternative: skipped, no dbus-daemon")
fi
alt_grants=$((grants / 5 > 0 ? grants / 5 : 1))
for spec in "$ICMP" "$PACKET"; do
        fig=alt-${spec%%/*}
        echo "against the alternatives, $spec, unpinned"
        for ((r = 1; r <= rounds; r++)); do
                for tg in sockbroker fork-exec spawn; do
                        measure "$fig" "$tg" "$r" -n "$alt_grants" "$spec"
                done
                measure "$fig-kept" sockbroker "$r" --persistent -n "$alt_grants" "$spec"
        done
done

declare -A PIN_LABEL=([unpinned]=unpinned [same]="same CPU" [across]="across CPUs")
for mode in persistent connect; do
        for pin in unpinned same across; do
                latency_rows "icmp-$mode-$pin" "ICMP $mode, ${PIN_LABEL[$pin]}"
        done
done
for mode in persistent connect; do
        latency_rows "packet-$mode-unpinned" "packet $mode, unpinned"
done
for c in 1 4 16 64; do
        target=-
        ((c == 64)) && target=">= 0.5x"
        row "ICMP throughput, $c client(s)" "$(field_median grants_per_s "$T/res/tput-$c.sockbroker.lines")" \
                "$(field_median grants_per_s "$T/res/tput-$c.floor.lines")" "/s" "$target"
done

echo
echo "$(date -u '+%a %b %e %H:%M UTC %Y'), kernel $(uname -r), $NCPU CPUs (nproc)," \
        "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
echo "uid $CLIENT; $rounds round(s) of $grants grants per latency measurement," \
        "${tput_seconds}s per throughput measurement; sockbroker and floor alternately:"
printf '| %-34s | %10s | %10s | %6s | %-7s | %-10s |\n' figure sockbroker floor ratio target met/missed
echo "|------------------------------------|------------|------------|--------|---------|------------|"
printf '%s\n' "${rows[@]}"
echo "(latencies in us, pooled over the rounds, nearest rank; throughput in grants/s, the median of the rounds; ratio: sockbroker / floor)"
echo
echo "Against the alternatives, unpinned; $rounds round(s) of $alt_grants grants, alternately; sockbroker"
echo "with a connection per grant, and (kept) on one kept connection, as libsockbroker's sb_open() keeps one per thread:"
printf '| %-40s | %10s | %10s | %7s | %-8s | %-10s |\n' figure sockbroker other faster target met/missed
echo "|------------------------------------------|------------|------------|---------|----------|------------|"
for spec in "$ICMP" "$PACKET"; do
        fig=alt-${spec%%/*}
        for tg in fork-exec spawn; do
                label=ICMP
                [ "$spec" = "$PACKET" ] && label=packet
                label="$label, $([ "$tg" = spawn ] && echo "posix_spawn, static" || echo "fork+exec")"
                alt=$(pct 0.50 "$T/res/$fig.$tg".*.ns)
                for kept in "" -kept; do
                        sb=$(pct 0.50 "$T/res/$fig$kept".sockbroker.*.ns)
                        faster=$(awk -v a="$alt" -v b="$sb" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "-" }')
                        met=$(awk -v f="$faster" 'BEGIN { print (f != "-" && f >= 25) ? "met" : "missed" }')
                        printf '| %-40s | %10s | %10s | %6sx | %-8s | %-10s |\n' "$label, p50${kept:+ (kept)}" \
                                "$sb us" "$alt us" "$faster" ">= 25x" "$met"
                        bench_row "$label, p50${kept:+, kept} (faster)" "$sb us" "$alt us" "${faster}x" \
                                ">= 25x" "$met"
                done
        done
done
if [ -n "$dbus" ]; then
        for p in 0.50 0.99; do
                sb=$(pct "$p" "$T/res/alt-dbus".sockbroker.*.ns)
                alt=$(pct "$p" "$T/res/alt-dbus".dbus.*.ns)
                faster=$(awk -v a="$alt" -v b="$sb" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "-" }')
                printf '| %-40s | %10s | %10s | %6sx | %-8s | %-10s |\n' \
                        "ICMP, D-Bus call, kept, p${p#0.}" "$sb us" "$alt us" "$faster" - -
                bench_row "ICMP, D-Bus call, kept, p${p#0.} (faster)" "$sb us" "$alt us" "${faster}x" "" ""
        done
fi
echo "(faster: the alternative's figure / sockbroker's)"
for n in "${notes[@]+"${notes[@]}"}"; do
        echo "note: $n"
done
exit 0
