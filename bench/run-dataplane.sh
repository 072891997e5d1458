#!/bin/bash
# run-dataplane.sh - the data plane: frames per second through a socket
# sockbrokerd granted, against a socket the program made itself, in a
# network namespace of its own. Once granted, the broker is out of the
# path; what can differ is what the opener did to the socket first.
#
#   run-dataplane.sh [--smoke] [--can] [-r ROUNDS] [-t MS]
#
# Packet sockets, on a veth pair sbdp0-sbdp1. The policy allows uid 65534
# `packet raw proto=0x88b5 iface=sbdp0`, so the granted socket carries
# the confinement the opener locks on it: a classic BPF program that
# drops every frame not on sbdp0 or not of EtherType 0x88b5. The direct
# socket is bound to the same interface and EtherType, without one.
#   rx: `dataplane rx` sends a batch of 64 frames of 60 bytes on sbdp1
#       from a socket of its own, receives them on sbdp0 with the socket
#       under test, and again: a closed loop on CPU 0, whose rate is the
#       inverse of what a frame costs from end to end. Then the same
#       with a program of the client's own attached ("EtherType 0x88b5
#       or nothing", as tcpdump attaches one): directly on the direct
#       socket, through sb_attach_filter() on the granted one, which
#       the broker then replaces with a socket whose one locked program
#       is the confinement followed by the client's.
#   tx: `dataplane tx` sends 60-byte and 1514-byte frames on sbdp0 with
#       the socket under test, as fast as the kernel takes them, on CPU 0.
#
# CAN_RAW sockets, on a vcan interface sbcan0, under `can raw
# iface=sbcan0`: the same rx (the source on sbcan0 too) and tx with
# classic 8-byte frames. Where this kernel has no AF_CAN, that part runs
# in the VM of the test tier (tests/vm/vm-run.sh, Debian's stock kernel
# under qemu's emulation: compare its ratios, not its rates); --can runs
# only that part, here. The relay the CAN figures would also be compared
# with, socketcand, is not in Debian 12's archive; they compare the
# granted socket with a direct one only.
#
# Both targets run as uid 65534: the direct one makes its sockets as root
# first, as a program with file capabilities would, then changes uid.
#
# Each figure is measured ROUNDS times (default 15) for sockbroker and for
# the direct socket alternately, the order reversed every other round,
# so that drift hits both alike; MS defaults to 1000. The ratio,
# sockbroker / direct, is taken within each round; the table gives the
# median of each side over the rounds, the median ratio (target >= 0.98)
# and the lowest and highest round's ratio, which show how much the
# machine itself varied.
# --smoke: one round of 300 ms, so that CI keeps the harness working.
#
# Run as root from the build directory, or with abs_top_builddir set (make
# bench does). Ends with one table per family; it never fails on a
# figure, only when the harness itself broke.
set -u

rounds=15
ms=1000
can=
args=()
for a in "$@"; do
        case $a in
        --smoke) rounds=1 ms=300 ;;
        --can) can=1 ;;
        *) args+=("$a") ;;
        esac
done
set -- "${args[@]+"${args[@]}"}"
while getopts r:t: opt; do
        case $opt in
        r) rounds=$OPTARG ;;
        t) ms=$OPTARG ;;
        *) echo "usage: $0 [--smoke] [--can] [-r ROUNDS] [-t MS]" >&2; exit 2 ;;
        esac
done
. "$(dirname "$0")/lib.sh"
bench_counts "$rounds" "$ms"
dataplane_bin=$abs_top_builddir/bench/dataplane
bench_setup "$dataplane_bin" "$SOCKBROKERD" "$SOCKBROKER_OPENER"

CLIENT=65534
ETHERTYPE=0x88b5
T=$(mktemp -d /tmp/sockbroker-dataplane.XXXXXX)
chmod 0755 "$T"
NS=sbdp$$
DPID=

cleanup() {
        [ -n "$DPID" ] && kill "$DPID" 2>/dev/null
        wait 2>/dev/null
        ip netns del "$NS" 2>/dev/null
        rm -rf "$T"
}
trap cleanup EXIT

if [ -n "$can" ]; then
        FAMILY="CAN_RAW"
        RULE="can raw iface=sbcan0"
        LINKS="a vcan interface"
        {
                ip netns add "$NS" &&
                        ip -n "$NS" link set lo up &&
                        ip -n "$NS" link add sbcan0 type vcan &&
                        ip -n "$NS" link set sbcan0 up
        } || broke "cannot create a network namespace with a vcan interface"
else
        FAMILY="packet"
        RULE="packet raw proto=$ETHERTYPE iface=sbdp0"
        LINKS="a veth pair"
        {
                ip netns add "$NS" &&
                        ip -n "$NS" link set lo up &&
                        ip -n "$NS" link add sbdp0 type veth peer name sbdp1 &&
                        ip -n "$NS" link set sbdp0 up &&
                        ip -n "$NS" link set sbdp1 up
        } || broke "cannot create a network namespace with a veth pair"
fi
install -m 0755 "$dataplane_bin" "$T/dataplane"
mkdir -m 0755 "$T/sb"
{
        echo "# The benchmark's uid: frames on one interface."
        echo "allow uid=$CLIENT $RULE"
} >"$T/sb/policy.conf"
chmod 0644 "$T/sb/policy.conf"
start_daemon_in "$NS" "$T/sb" || { cat "$T/sb/daemon.log" >&2; broke "sockbrokerd did not start"; }

# run TARGET ARGS...: one `dataplane` measurement in the namespace; it
# ends as uid 65534 either way.
run() {
        local target=$1
        shift
        nsenter --net="/run/netns/$NS" env SOCKBROKER_SOCKET="$T/sb/sock" \
                "$T/dataplane" "$@" --target "$target" --user "$CLIENT" --cpu 0
}

declare -A fps lost ratios
figures=()
notes=()

# figure NAME ARGS...: ROUNDS rounds of sockbroker and direct.
figure() {
        local name=$1 r k tg line targets
        shift
        figures+=("$name")
        for ((r = 1; r <= rounds; r++)); do
                if ((r % 2)); then targets="sockbroker direct"; else targets="direct sockbroker"; fi
                for tg in $targets; do
                        line=$(run "$tg" "$@") || broke "dataplane $* failed ($tg)"
                        [[ $line == frames=* ]] || broke "dataplane $* said nothing ($tg)"
                        (($(field frames "$line") > 0)) || broke "no frame at all ($name, $tg): $line"
                        k="$name|$tg"
                        fps[$k]="${fps[$k]:-} $(field frames_per_s "$line")"
                        lost[$k]="${lost[$k]:-} $(field lost "$line")"
                        printf '  %-24s round %d %-10s %s\n' "$name" "$r" "$tg" "$line"
                done
                ratios[$name]="${ratios[$name]:-} $(awk -v a="${fps[$name|sockbroker]##* }" \
                        -v b="${fps[$name|direct]##* }" 'BEGIN { printf "%.3f", a / b }')"
        done
}

echo "frames through a granted $FAMILY socket and a direct one, $rounds round(s) of $ms ms:"
if [ -n "$can" ]; then
        figure "CAN rx, 8 B" rx --can -i sbcan0 --source sbcan0 -t "$ms"
        figure "CAN tx, 8 B" tx --can -i sbcan0 -t "$ms"
else
        figure "packet rx, 60 B" rx -i sbdp0 --source sbdp1 -p "$ETHERTYPE" -t "$ms"
        figure "packet rx, 60 B, filter" rx --filter -i sbdp0 --source sbdp1 -p "$ETHERTYPE" -t "$ms"
        figure "packet tx, 60 B" tx -i sbdp0 -p "$ETHERTYPE" -t "$ms" -s 60
        figure "packet tx, 1514 B" tx -i sbdp0 -p "$ETHERTYPE" -t "$ms" -s 1514
fi

echo
echo "sockbrokerd, uid $CLIENT, $RULE, $LINKS, kernel $(uname -r);"
echo "frames/s, the median of $rounds round(s) of $ms ms; ratio, sockbroker / direct, the median of the rounds' ratios:"
printf '| %-24s | %10s | %10s | %6s | %-13s | %-7s | %-10s |\n' \
        figure sockbroker direct ratio "low / high" target met/missed
echo "|--------------------------|------------|------------|--------|---------------|---------|------------|"
for name in "${figures[@]}"; do
        # shellcheck disable=SC2086 # the values are numbers, one per round
        sb=$(median ${fps[$name|sockbroker]})
        # shellcheck disable=SC2086
        di=$(median ${fps[$name|direct]})
        # shellcheck disable=SC2086
        ratio=$(median ${ratios[$name]})
        # shellcheck disable=SC2086
        spread=$(printf '%s\n' ${ratios[$name]} | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print lo " / " hi }')
        met=$(awk -v r="$ratio" 'BEGIN { print (r >= 0.98) ? "met" : "missed" }')
        printf '| %-24s | %10.0f | %10.0f | %6.3f | %-13s | %-7s | %-10s |\n' \
                "$name" "$sb" "$di" "$ratio" "$spread" ">= 0.98" "$met"
        bench_row "$name, frames/s (direct)" "$(printf %.0f "$sb")" \
                "$(printf %.0f "$di")" "$(printf %.3fx "$ratio")" ">= 0.98x" "$met"
        if [[ $name == *rx* ]]; then
                for tg in sockbroker direct; do
                        # shellcheck disable=SC2086
                        l=$(printf '%s\n' ${lost[$name|$tg]} | awk '{ s += $1 } END { print s + 0 }')
                        notes+=("$name, $tg: $l frames lost over all rounds")
                done
        fi
done
for n in "${notes[@]}"; do echo "($n)"; done
[ -n "$can" ] && exit 0

# The CAN figures: here where the kernel has AF_CAN, else in the VM.
cleanup
trap - EXIT
again=("$0" --can -r "$rounds" -t "$ms")
echo
if /usr/bin/python3 -c 'import socket; socket.socket(socket.AF_CAN, socket.SOCK_RAW, socket.CAN_RAW)' \
        2>/dev/null; then
        bash "${again[@]}"
        exit
fi
vm=$abs_top_srcdir/tests/vm
setup_rc=0
"$vm/vm-setup.sh" >"$abs_top_builddir/vm-setup.err" 2>&1 || setup_rc=$?
if [ "$setup_rc" = 77 ]; then
        echo "(CAN_RAW: skipped, this kernel has no AF_CAN and the VM cannot be prepared here)"
        exit 0
fi
[ "$setup_rc" = 0 ] || { cat "$abs_top_builddir/vm-setup.err" >&2; broke "tests/vm/vm-setup.sh failed"; }
echo "CAN_RAW, in the VM of tests/vm (this kernel has no AF_CAN):"
top=$(cd "$abs_top_srcdir" && pwd -P)
build=$(cd "$abs_top_builddir" && pwd -P)
rw=(--rw "$top")
case $build/ in "$top"/*) ;; *) rw+=(--rw "$build") ;; esac
VM_PASS_ENV="abs_top_builddir abs_top_srcdir BENCH_SUMMARY" abs_top_builddir=$build abs_top_srcdir=$top \
        "$vm/vm-run.sh" --timeout 900 "${rw[@]}" -- bash "$top/bench/run-dataplane.sh" --can \
        -r "$rounds" -t "$ms" || broke "the CAN figures failed in the VM"
exit 0
