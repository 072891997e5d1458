#!/bin/bash
# spares.sh - raw IP sockets the opener makes ahead (daemon/broker/spares.h),
# against the real sockbrokerd with clients as uid 65534:
#
#   a. a raw IP grant has the opener make 4 spares of its kind, and the
#      next grants of that kind are answered from them;
#   b. what a spare received while it waited is not handed on: ICMP
#      echoes sent before the grant are queued on the spares, and the
#      socket a client gets holds none;
#   c. a client in another network namespace is not given a spare under
#      netns=client: its socket is made in its own namespace, and the
#      spares stay; under netns=host it is given one, in the daemon's;
#   d. a reload closes every spare, and a spare no request takes is
#      closed within 5 s.
set -u
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root (network namespaces, the daemon)"
for c in ip setpriv nsenter pgrep awk; do
        command -v "$c" >/dev/null || skip_all "needs $c"
done
ensure_broker_user

veth_test spares
install -m 0755 "$SBTEST" "$T/sbtest"
cat >"$T/policy.conf" <<'P'
allow uid=65534 inet raw proto=icmp
allow uid=65534 inet6 raw proto=icmpv6 netns=host
P
chmod 0644 "$T/policy.conf"

# as_in NS COMMAND...: COMMAND as uid 65534 in network namespace NS.
as_in() {
        local ns=$1
        shift
        nsenter --net="/run/netns/$ns" setpriv --reuid=65534 --regid=65534 --clear-groups \
                env SOCKBROKER_SOCKET="$T/sock" "$@"
}

# queued_spares PID: how many of the broker's spares have datagrams queued.
queued_spares() {
        local inodes
        inodes=$(fd_targets "$1" | sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p' | tr '\n' ' ')
        awk -v held=" $inodes" 'FNR > 1 && index(held, " " $10 " ") {
                split($5, q, ":"); if (q[2] != "00000000") n++
        } END { print n + 0 }' "/proc/$1/net/raw"
}

if ! start_daemon_in "$A" "$T"; then
        not_ok "sockbrokerd starts"
        diag "$(cat "$T/daemon.log")"
        finish
        exit
fi
ok "sockbrokerd starts"

# --- a. spares are made, and used ------------------------------------------------------------
check "a: before any grant, the broker holds no spare" test_eq 0 spare_count "$DPID"
out=$(as_in "$A" "$T/sbtest" queued inet/raw/icmp 2>&1)
check "a: an ICMP socket is granted" grep -q '^granted queued=0 same-netns=yes' <<<"$out"
diag "$out"
check "a: after it, the broker holds 4 spares of its kind" wait_for 5 test_eq 4 spare_count "$DPID"
out=$(as_in "$A" "$T/sbtest" ping inet/raw/icmp 127.0.0.1 2>&1)
check "a: the next grant, a spare, pings" grep -q '^echo reply from 127.0.0.1' <<<"$out"
diag "$out"
check "a: it was a spare: the broker holds 3" test_eq 3 spare_count "$DPID"

# --- b. a spare's queue is not handed on -----------------------------------------------------
out=$(ip netns exec "$A" "$T/sbtest" echo-direct 5 2>&1)
diag "$out"
check "b: echoes sent in the daemon's namespace are queued on its spares" \
        wait_for 5 test_eq 3 queued_spares "$DPID"
out=$(as_in "$A" "$T/sbtest" queued inet/raw/icmp 2>&1)
check "b: the socket granted from a spare holds none of them" \
        grep -q '^granted queued=0 same-netns=yes' <<<"$out"
diag "$out"

# --- c. network namespaces -------------------------------------------------------------------
before=$(spare_count "$DPID")
out=$(as_in "$B" "$T/sbtest" queued inet/raw/icmp 2>&1)
check "c: under netns=client, a client in another namespace gets a socket in its own" \
        grep -q '^granted queued=0 same-netns=yes' <<<"$out"
diag "$out"
check "c: and not a spare: the broker still holds $before" test_eq "$before" spare_count "$DPID"
out=$(as_in "$B" "$T/sbtest" queued inet6/raw/icmpv6 2>&1)
check "c: under netns=host, it gets a socket in the daemon's namespace" \
        grep -q '^granted queued=0 same-netns=no' <<<"$out"
check "c: which has the opener make spares of that kind too" \
        wait_for 5 test_eq $((before + 4)) spare_count "$DPID"
out=$(as_in "$B" "$T/sbtest" queued inet6/raw/icmpv6 2>&1)
check "c: and the next one is in the daemon's namespace too" \
        grep -q '^granted queued=0 same-netns=no' <<<"$out"
diag "$out"
check "c: it was a spare: the broker holds $((before + 3))" test_eq $((before + 3)) spare_count "$DPID"

# --- d. a reload, and age --------------------------------------------------------------------
kill -HUP "$DPID"
check "d: a reload closes every spare" wait_for 5 test_eq 0 spare_count "$DPID"
check "d: the daemon logs the new policy" wait_for 5 grep -q 'policy generation 2' "$T/daemon.log"
out=$(as_in "$A" "$T/sbtest" open inet/raw/icmp 2>&1)
check "d: after it, a grant is served by the opener" grep -q '^granted' <<<"$out"
check "d: and makes spares of the new policy" wait_for 5 test_eq 4 spare_count "$DPID"
start=$SECONDS
check "d: unused, they are closed within 5 s (and a little more)" wait_for 10 test_eq 0 spare_count "$DPID"
took=$((SECONDS - start))
check "d: and not long before ($took s)" test "$took" -ge 3
check "d: the broker and the opener still run" running "$DPID" "$(pgrep -P "$DPID" | head -n1)"

kill "$DPID"
wait "$DPID" 2>/dev/null
DPID=
finish
