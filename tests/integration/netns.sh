#!/bin/bash
# netns.sh - containers: a client in its own user, network, mount and pid
# namespaces (unshare, as a rootless container runtime makes them) gets
# packet sockets in its own network namespace (netns=client) or in the
# daemon's (netns=host), as the rule says, and its uid is the one the
# user namespace maps it to. And a daemon in a user namespace of its own
# refuses peers whose uid it cannot name.
#
#   A: the daemon's namespace (the "host"); interface vh0
#   C: the container's namespace, made by unshare; interface vc0, the
#      other end of vh0
set -u
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root"
command -v unshare >/dev/null && command -v nsenter >/dev/null || skip_all "needs util-linux"
ensure_broker_user

T=$(mktemp -d /tmp/sockbroker-netns.XXXXXX)
chmod 0755 "$T"
# The daemon runs here as uids that may not reach the checkout.
mkdir -m 0755 "$T/bin"
stage_programs "$T/bin" || skip_all "cannot copy the programs to $T/bin"
A=sbna$$
DPID=
CPID=

UPID=

cleanup() {
        [ -n "$UPID" ] && kill "$UPID" 2>/dev/null
        [ -n "$CPID" ] && kill "$CPID" 2>/dev/null
        [ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
        ip netns del "$A" 2>/dev/null
        [ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT

ip netns add "$A" || skip_all "cannot create network namespaces"
ip -n "$A" link set lo up
install -m 0755 "$SBTEST" "$T/sbtest"
mkdir -m 0755 "$T/run"
# Where the test and the container (uid 65534 outside) exchange commands.
mkdir -m 0755 "$T/x"
chown 65534:65534 "$T/x"

cat >"$T/policy.conf" <<'P'
allow uid=65534 packet raw proto=0x88b5 iface=vc0
allow uid=65534 packet raw proto=0x88b6 iface=vh0 netns=host
P
chmod 0644 "$T/policy.conf"

# The daemon listens in a directory the container gets by a bind mount.
nsenter --net="/run/netns/$A" "$SOCKBROKERD" -p "$T/policy.conf" -d "$T/policy.d" \
        -s "$T/run/sock" </dev/null >/dev/null 2>>"$T/daemon.log" &
DPID=$!
check "sockbrokerd starts" wait_for 10 grep -q 'ready:' "$T/daemon.log"

# The container: uid 65534 outside, root inside its user namespace. It
# waits for its interface, then runs the commands the test writes to
# $T/cmd, one at a time, with the socket directory bind-mounted at
# /mnt/sockbroker.
cat >"$T/container.sh" <<'C'
set -u
mount -t tmpfs none /mnt
mkdir /mnt/sockbroker
mount --bind "$T/run" /mnt/sockbroker
export SOCKBROKER_SOCKET=/mnt/sockbroker/sock
i=0
while [ $i -lt 400 ] && ! ip link show vc0 >/dev/null 2>&1; do sleep 0.05; i=$((i + 1)); done
ip link set vc0 up
echo ready >"$T/x/container.ready"
# Ends with the test: when its folder is gone, or after ten minutes.
end=$(($(date +%s) + 600))
while [ -d "$T/x" ] && [ "$(date +%s)" -lt "$end" ]; do
        if [ -f "$T/x/cmd" ]; then
                mv "$T/x/cmd" "$T/x/cmd.run" || exit 1
                sh "$T/x/cmd.run" >"$T/x/cmd.out" 2>&1
                echo $? >"$T/x/cmd.rc"
        fi
        sleep 0.05
done
C
nsenter --net="/run/netns/$A" setpriv --reuid=65534 --regid=65534 --clear-groups \
        unshare --user --map-root-user --net --mount --pid --fork --kill-child \
        env T="$T" sh "$T/container.sh" </dev/null >"$T/container.log" 2>&1 &
CPID=$!

# The container's namespaces are unshare's own once it has called
# unshare(2): wait for that, then move vc0 there.
cns=
for _ in $(seq 200); do
        if [ "$(readlink "/proc/$CPID/ns/net")" != "$(readlink "/proc/$DPID/ns/net")" ]; then
                cns=$CPID
                break
        fi
        sleep 0.05
done
ip -n "$A" link add vh0 type veth peer name vc0
ip -n "$A" link set vc0 netns "$cns"
ip -n "$A" link set vh0 up
check "the container is up, with vc0 in its own network namespace" \
        wait_for 10 test -f "$T/x/container.ready"

# in_container SCRIPT: runs SCRIPT in the container; prints its output.
in_container() {
        rm -f "$T/x/cmd.rc" "$T/x/cmd.out"
        printf '%s\n' "$1" >"$T/x/cmd.tmp" && mv "$T/x/cmd.tmp" "$T/x/cmd"
        wait_for 20 test -f "$T/x/cmd.rc"
        cat "$T/x/cmd.out"
        return "$(cat "$T/x/cmd.rc")"
}

out=$(in_container 'id -u; ls /proc/self/ns/net -l | sed "s/.*-> //"')
check "inside, the client is root of its user namespace" test "$(head -n1 <<<"$out")" = 0
check "and in a network namespace other than the daemon's" \
        test "$(tail -n1 <<<"$out")" != "$(readlink "/proc/$DPID/ns/net")"

# netns=client: the socket is made in the container's namespace, on vc0,
# which does not exist in the daemon's.
in_container "$T/sbtest recv packet/raw/0x88b5@vc0 0x88b5 5000" >"$T/recv.out" 2>&1 &
rp=$!
sleep 0.5
ip netns exec "$A" "$T/sbtest" send vh0 0x88b5 40 100 &
sp=$!
wait "$rp"
rc=$?
wait "$sp"
check "netns=client: a packet socket bound to the container's vc0 receives its traffic (rc=$rc)" \
        grep -q 'received .* of 0x88b5 on vc0' "$T/recv.out"
diag "$(cat "$T/recv.out")"
check "the uid the user namespace maps (0 inside, 65534 outside) matched uid=65534" \
        grep -q 'decision=granted uid=65534 .*interface=vc0' "$T/daemon.log"

# netns=host: the socket is made in the daemon's namespace, on vh0, and
# receives what arrives there: frames the container sends on vc0 (as root
# of its own user namespace it may, in its own network namespace).
in_container "$T/sbtest recv packet/raw/0x88b6@vh0 0x88b6 5000 & sleep 0.5
$T/sbtest send vc0 0x88b6 40 100; wait \$!" >"$T/recv2.out" 2>&1
rc=$?
# The frame arrived on an interface index that means nothing inside the
# container ("?"): the socket lives in the daemon's namespace.
check "netns=host: the same container gets a socket on the host's vh0 (rc=$rc)" \
        grep -q 'received .* of 0x88b6 on ?$' "$T/recv2.out"
diag "$(cat "$T/recv2.out")"

out=$(in_container "$T/sbtest open packet/raw/0x88b5@vh0" 2>&1)
check "a host interface under a netns=client rule is refused" grep -q 'refused errno=1' <<<"$out"

# The daemon itself in a user namespace, as in a rootless container: it
# maps uids and gids 0-999 only. A peer outside that range reaches the
# daemon as uid 65534, the kernel's name for any uid it cannot map here,
# so it is refused even under a rule for uid 65534; a mapped uid is
# matched as itself.
mkdir -m 0755 "$T/u" "$T/u/run"
cat >"$T/u/policy.conf" <<'P'
allow uid=65534 inet raw proto=icmp netns=host
allow uid=7 inet raw proto=icmp netns=host
P
chmod 0644 "$T/u/policy.conf"
unshare --user --net bash -c 'until grep -q . /proc/self/uid_map; do sleep 0.05; done
        ip link set lo up
        exec "$1" -p "$2/policy.conf" -d "$2/policy.d" -s "$2/run/sock"' \
        sh "$SOCKBROKERD" "$T/u" </dev/null >/dev/null 2>"$T/u/daemon.log" &
UPID=$!
# unshare execs in place: once its user namespace differs from ours, the map is its to get.
wait_for 5 bash -c "test \"\$(readlink /proc/$UPID/ns/user)\" != \"\$(readlink /proc/self/ns/user)\""
echo "0 0 1000" >"/proc/$UPID/uid_map"
echo "0 0 1000" >"/proc/$UPID/gid_map"
check "sockbrokerd starts in a user namespace that maps uids 0-999" \
        wait_for 10 grep -q 'ready:' "$T/u/daemon.log"
as_user() { setpriv --reuid="$1" --regid="$1" --clear-groups env SOCKBROKER_SOCKET="$T/u/run/sock" "$T/sbtest" open inet/raw/icmp 2>&1; }
out=$(as_user 7)
check "a mapped uid (7) is matched as itself" grep -q "^granted .*policy.conf:2" <<<"$out"
diag "$out"
for u in 1001 65534; do
        out=$(as_user "$u")
        check "host uid $u, not mapped there, is refused though a rule names uid 65534" \
                grep -q "refused errno=1 .*does not map" <<<"$out"
        diag "$out"
done
check "the refusals are logged as such" grep -q 'decision=denied uid=65534 .*reason="uid not mapped here"' "$T/u/daemon.log"
kill "$UPID"
wait "$UPID"
UPID=

finish
