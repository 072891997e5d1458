#!/bin/bash
# run-supervise.sh - what `sockbroker run --mode=seccomp` costs a program,
# measured in the same run against the same program without it: both in
# a network namespace of their own, as uid 65534, with bench/supervise.c.
#
#   run-supervise.sh [--smoke] [-r ROUNDS] [-n CONNECTS] [-g GRANTS]
#
# Two figures, each measured ROUNDS times for A and B alternately
# (A B B A ...), so that drift hits both alike, the client and the
# supervisor on CPU 0; each compares medians:
#   overhead   TCP connect + close on 127.0.0.1, calls the filter never
#              sends to the supervisor: A without sockbroker run, B under
#              the supervisor; target: B/A <= 1.02; and the same for
#              getppid(), the cheapest call, whose difference is the
#              filter's cost per system call;
#   ifindex    ioctl(SIOCGIFINDEX), which notifies (a placeholder CAN
#              socket's names its interface) and which the supervisor
#              returns to the kernel on any other descriptor: A without
#              sockbroker run, B under the supervisor; no target, the
#              cost of one notified call;
#   grant      socket(AF_INET, SOCK_RAW, IPPROTO_ICMP) from the broker,
#              p50 and p99: A through the preload shim
#              (--mode=preload), B through the supervisor
#              (--mode=seccomp).
# Defaults: -r 9 -n 20000 -g 2000. --smoke: one round, small counts, so
# that CI keeps the harness working.
#
# Run as root from the build directory, or with abs_top_builddir set (make
# bench does). It never fails on a figure, only when the harness broke.
set -u

rounds=9
connects=20000
grants=2000
. "$(dirname "$0")/lib.sh"
bench_smoke "$@" && rounds=1 connects=500 grants=100
set -- "${BENCH_ARGS[@]+"${BENCH_ARGS[@]}"}"
while getopts r:n:g: opt; do
        case $opt in
        r) rounds=$OPTARG ;;
        n) connects=$OPTARG ;;
        g) grants=$OPTARG ;;
        *) echo "usage: $0 [--smoke] [-r ROUNDS] [-n CONNECTS] [-g GRANTS]" >&2; exit 2 ;;
        esac
done
bench_counts "$rounds" "$connects" "$grants"
bin=$abs_top_builddir/bench/supervise
shim=$abs_top_builddir/.libs/libsockbroker-preload.so
bench_setup "$bin" "$shim" "$SOCKBROKERD" "$SOCKBROKER_OPENER" "$SOCKBROKER"

CLIENT=65534
T=$(mktemp -d /tmp/sockbroker-supervise-bench.XXXXXX)
chmod 0755 "$T"
NS=sbsv$$
DPID=

cleanup() {
        [ -n "$DPID" ] && kill "$DPID" 2>/dev/null
        wait 2>/dev/null
        ip netns del "$NS" 2>/dev/null
        rm -rf "$T"
}
trap cleanup EXIT

{ ip netns add "$NS" && ip -n "$NS" link set lo up; } || broke "cannot create a network namespace"
install -m 0755 "$bin" "$T/supervise"
install -m 0755 "$SOCKBROKER" "$T/sockbroker"
install -m 0644 "$shim" "$T/libsockbroker-preload.so"
mkdir -m 0755 "$T/sb"
echo "allow uid=$CLIENT inet raw proto=icmp" >"$T/sb/policy.conf"
chmod 0644 "$T/sb/policy.conf"
start_daemon_in "$NS" "$T/sb" || { cat "$T/sb/daemon.log" >&2; broke "sockbrokerd did not start"; }

# One CPU for the program, its acceptor thread and the supervisor, so
# that both variants meet the same scheduling.
pin=()
command -v taskset >/dev/null && pin=(taskset -c 0)

# client ARGS...: ARGS as the benchmark's uid in the namespace.
client() {
        nsenter --net="/run/netns/$NS" "${pin[@]}" setpriv --reuid="$CLIENT" --regid="$CLIENT" --clear-groups \
                env SOCKBROKER_SOCKET="$T/sb/sock" SOCKBROKER_PRELOAD="$T/libsockbroker-preload.so" \
                "$@"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b / a }'; }

# The figures: A then B in even rounds, B then A in odd ones.
tcp_a=() tcp_b=() sys_a=() sys_b=() if_a=() if_b=() g_a50=() g_a99=() g_b50=() g_b99=()
for ((i = 0; i < rounds; i++)); do
        for v in a b; do
                [ $((i % 2)) = 1 ] && v=$([ "$v" = a ] && echo b || echo a)
                if [ "$v" = a ]; then
                        r=$(client "$T/supervise" tcp "$connects") || broke "tcp without the supervisor failed"
                        tcp_a+=("$r")
                        [ -n "${SB_BENCH_VERBOSE:-}" ] && echo "round $i A tcp $r" >&2
                        r=$(client "$T/supervise" syscall $((connects * 50))) || broke "syscall loop failed"
                        sys_a+=("$r")
                        r=$(client "$T/supervise" ifindex $((connects / 10 + 1))) || broke "ioctl loop failed"
                        if_a+=("$r")
                        read -r p50 p99 < <(client "$T/sockbroker" run --mode=preload -- \
                                "$T/supervise" grant "$grants") || broke "grants through the shim failed"
                        g_a50+=("$p50") g_a99+=("$p99")
                else
                        r=$(client "$T/sockbroker" run --mode=seccomp -- "$T/supervise" tcp "$connects") ||
                                broke "tcp under the supervisor failed"
                        tcp_b+=("$r")
                        [ -n "${SB_BENCH_VERBOSE:-}" ] && echo "round $i B tcp $r" >&2
                        r=$(client "$T/sockbroker" run --mode=seccomp -- "$T/supervise" syscall \
                                $((connects * 50))) || broke "syscall loop under the supervisor failed"
                        sys_b+=("$r")
                        r=$(client "$T/sockbroker" run --mode=seccomp -- "$T/supervise" ifindex \
                                $((connects / 10 + 1))) || broke "ioctl loop under the supervisor failed"
                        if_b+=("$r")
                        read -r p50 p99 < <(client "$T/sockbroker" run --mode=seccomp -- \
                                "$T/supervise" grant "$grants") || broke "grants through the supervisor failed"
                        g_b50+=("$p50") g_b99+=("$p99")
                fi
        done
done
[ "${#g_a50[@]}" = "$rounds" ] && [ -n "${g_b50[0]:-}" ] || broke "a client printed nothing"

ta=$(printf '%s\n' "${tcp_a[@]}" | median)
tb=$(printf '%s\n' "${tcp_b[@]}" | median)
sa=$(printf '%s\n' "${sys_a[@]}" | median)
sb=$(printf '%s\n' "${sys_b[@]}" | median)
ia=$(printf '%s\n' "${if_a[@]}" | median)
ib=$(printf '%s\n' "${if_b[@]}" | median)
a50=$(printf '%s\n' "${g_a50[@]}" | median)
a99=$(printf '%s\n' "${g_a99[@]}" | median)
b50=$(printf '%s\n' "${g_b50[@]}" | median)
b99=$(printf '%s\n' "${g_b99[@]}" | median)

echo "sockbroker run --mode=seccomp, $rounds rounds, medians over rounds:"
printf '| figure | A | B | B/A |\n|---|---|---|---|\n'
printf '| TCP connect+close on lo, ns (A: no supervisor, B: supervised; %d each) | %s | %s | %s |\n' \
        "$connects" "$ta" "$tb" "$(ratio "$ta" "$tb")"
printf '| getppid(), ns (A: no supervisor, B: supervised; %d each) | %s | %s | %s |\n' \
        "$((connects * 50))" "$sa" "$sb" "$(ratio "$sa" "$sb")"
printf '| ioctl(SIOCGIFINDEX), ns (A: no supervisor, B: supervised, returned to the kernel; %d each) | %s | %s | %s |\n' \
        "$((connects / 10 + 1))" "$ia" "$ib" "$(ratio "$ia" "$ib")"
printf '| raw ICMP grant p50, ns (A: preload shim, B: supervisor; %d each) | %s | %s | %s |\n' \
        "$grants" "$a50" "$b50" "$(ratio "$a50" "$b50")"
printf '| raw ICMP grant p99, ns | %s | %s | %s |\n' "$a99" "$b99" "$(ratio "$a99" "$b99")"
echo "target: TCP B/A <= 1.02 (those calls never reach the supervisor)"
r_tcp=$(ratio "$ta" "$tb")
bench_row "TCP connect+close, supervised / not" "$tb ns" "$ta ns" "${r_tcp}x" "<= 1.02x" \
        "$(awk -v r="$r_tcp" 'BEGIN { print (r <= 1.02) ? "met" : "missed" }')"
bench_row "getppid(), supervised / not" "$sb ns" "$sa ns" "$(ratio "$sa" "$sb")x" "" ""
bench_row "ICMP grant p50, supervisor / preload shim" "$b50 ns" "$a50 ns" "$(ratio "$a50" "$b50")x" "" ""
