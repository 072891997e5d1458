#!/bin/bash
# identity.sh - the cgroup the broker names a peer by, against the real
# sockbrokerd: one process that connects again and again, as the preload
# shim does for every call, is named by the cgroup it is in at each
# connection, also when it moves between them, and `unit=` rules follow.
# The cgroups are made in the unified hierarchy and removed at the end;
# the client is uid 65534 in a network namespace this test creates.
set -u
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root (network namespaces, cgroups, the daemon)"
command -v ip >/dev/null && command -v setpriv >/dev/null || skip_all "needs ip and setpriv"
command -v python3 >/dev/null || skip_all "needs python3"
SHIM=$abs_top_builddir/.libs/libsockbroker-preload.so
[ -e "$SHIM" ] || skip_all "libsockbroker-preload.so is not built"
ensure_broker_user

# The unified hierarchy: /sys/fs/cgroup itself, or its "unified" part.
CGROOT=
for d in /sys/fs/cgroup /sys/fs/cgroup/unified; do
        [ -e "$d/cgroup.procs" ] && [ "$(stat -f -c %T "$d")" = cgroup2fs ] && CGROOT=$d && break
done
[ -n "$CGROOT" ] || skip_all "no cgroup2 hierarchy"
# The path /proc shows is from our cgroup namespace's root, which is
# where this hierarchy is mounted unless we are in a container.
SLICE=sbid$$.slice
mkdir "$CGROOT/$SLICE" 2>/dev/null || skip_all "cannot make a cgroup in $CGROOT"

T=$(mktemp -d /tmp/sockbroker-identity.XXXXXX)
chmod 0755 "$T"
A=sbid$$
DPID=
CPID=

cleanup() {
        [ -n "$CPID" ] && kill "$CPID" 2>/dev/null && wait "$CPID" 2>/dev/null
        [ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
        rmdir "$CGROOT/$SLICE"/*.service "$CGROOT/$SLICE" 2>/dev/null
        ip netns del "$A" 2>/dev/null
        rm -rf "$T"
}
trap cleanup EXIT

ip netns add "$A" || skip_all "cannot create network namespaces"
ip -n "$A" link set lo up
in_a() { nsenter --net="/run/netns/$A" "$@"; }

UNIT_A=sbid$$-a.service
UNIT_B=sbid$$-b.service
mkdir "$CGROOT/$SLICE/$UNIT_A" "$CGROOT/$SLICE/$UNIT_B"
install -m 0644 "$SHIM" "$T/libsockbroker-preload.so"
mkdir -m 0755 "$T/policy.d"
cat >"$T/policy.conf" <<P
allow uid=65534 unit=$UNIT_A inet raw proto=icmp
P
chmod 0644 "$T/policy.conf"

start_daemon_in "$A" "$T" || { cat "$T/daemon.log" >&2; skip_all "sockbrokerd did not start"; }

# The client: one raw ICMP socket per line it reads, through the shim,
# so one connection each; prints "granted" or the error's name.
cat >"$T/client.py" <<'PY'
import errno, socket, sys

print("ready", flush=True)
for _ in sys.stdin:
    try:
        socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP).close()
        print("granted", flush=True)
    except OSError as e:
        print(errno.errorcode.get(e.errno, str(e.errno)), flush=True)
PY
chmod 0644 "$T/client.py"

coproc CLIENT {
        exec nsenter --net="/run/netns/$A" setpriv --reuid=65534 --regid=65534 --clear-groups \
                env SOCKBROKER_SOCKET="$T/sock" LD_PRELOAD="$T/libsockbroker-preload.so" \
                python3 "$T/client.py" 2>"$T/client.err"
}
CPID=$CLIENT_PID
read -r -t 20 line <&"${CLIENT[0]}" && [ "$line" = ready ] ||
        { cat "$T/client.err" >&2; skip_all "the client did not start"; }

# move UNIT: the client into the cgroup of UNIT.
move() { echo "$CPID" >"$CGROOT/$SLICE/$1/cgroup.procs"; }
# ask: one socket; its outcome on stdout.
ask() {
        local r
        echo try >&"${CLIENT[1]}"
        read -r -t 20 r <&"${CLIENT[0]}" || r=timeout
        echo "$r"
}
# logged DECISION UNIT N: the daemon has logged N decisions for the
# client's pid in UNIT.
logged() {
        test "$(grep -c "decision=$1 uid=65534 .*pid=$CPID unit=$2 " "$T/daemon.log")" = "$3"
}

move "$UNIT_A"
check "in $UNIT_A, the first connection is granted" test "$(ask)" = granted
check "and the second, from the same process" test "$(ask)" = granted
check "both logged with unit=$UNIT_A" logged granted "$UNIT_A" 2

move "$UNIT_B"
check "moved to $UNIT_B, its next connection is refused" test "$(ask)" = EPERM
check "logged with unit=$UNIT_B" logged denied "$UNIT_B" 1
check "and the next one" test "$(ask)" = EPERM

move "$UNIT_A"
check "moved back to $UNIT_A, granted again" test "$(ask)" = granted
check "logged with unit=$UNIT_A" logged granted "$UNIT_A" 3

# The client's stdin closed: it ends.
exec {CLIENT[1]}>&-
wait "$CPID" 2>/dev/null
CPID=
serves() { SOCKBROKER_SOCKET=$T/sock "$SOCKBROKER" status >/dev/null; }
check "the daemon still serves" serves

finish
