#!/bin/bash
# confinement.sh - what a granted socket still lets its holder do, measured
# against the real sockbrokerd: uid 65534 gets sockets from the daemon and
# tries, and the far end of a veth pair, the interface's flags or the
# routing rules show what the kernel let through. Each point asserts what
# the kernel does today, so that sockbrokerd(8), sockbroker.policy(5) and
# docs/SECURITY.md cannot claim more than that.
#
#   A: the daemon and its clients; va0 10.0.0.1 and fd00::1,
#      va1 10.1.0.1 and fe80::a1
#   B: the far ends; vb0 10.0.0.2 and fd00::2, vb1 10.1.0.2 and fe80::b1
set -u
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root (network namespaces, the daemon)"
command -v ip >/dev/null && command -v setpriv >/dev/null || skip_all "needs ip and setpriv"
ensure_broker_user

T=$(mktemp -d /tmp/sockbroker-confine.XXXXXX)
chmod 0755 "$T"
A=sbca$$
B=sbcb$$
DPID=

cleanup() {
        exec 9>&- 2>/dev/null
        [ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
        ip netns del "$A" 2>/dev/null
        ip netns del "$B" 2>/dev/null
        rm -rf "$T"
}
trap cleanup EXIT

veth_namespaces "$A" "$B" || skip_all "cannot create network namespaces"
ip -n "$A" addr add 10.0.0.1/24 dev va0
ip -n "$A" addr add 10.1.0.1/24 dev va1
ip -n "$A" addr add fe80::a1/64 dev va1 nodad
ip -n "$A" addr add fd00::1/64 dev va0 nodad
ip -n "$B" addr add 10.0.0.2/24 dev vb0
ip -n "$B" addr add 10.1.0.2/24 dev vb1
ip -n "$B" addr add fe80::b1/64 dev vb1 nodad
ip -n "$B" addr add fd00::2/64 dev vb0 nodad

install -m 0755 "$SBTEST" "$T/sbtest"
cat >"$T/policy.conf" <<'P'
allow uid=65534 inet   raw proto=icmp iface=va0
allow uid=65534 inet   raw proto=icmp
allow uid=65534 inet6  raw proto=ipv6-icmp iface=va0
allow uid=65534 packet raw proto=0x88b5 iface=va0
P
chmod 0644 "$T/policy.conf"

as_nobody() {
        in_a setpriv --reuid=65534 --regid=65534 --clear-groups \
                env SOCKBROKER_SOCKET="$T/sock" "$@"
}

# sniff_start NAME IFNAME MARKER: watches IFNAME in B for a frame carrying
# MARKER, into $T/NAME.sniff, and returns once it sees every frame.
sniff_start() {
        in_b "$T/sbtest" sniff "$2" "$3" "${4:-3000}" >"$T/$1.sniff" 2>&1 &
        SNIFF=$!
        wait_for 10 grep -q '^ready$' "$T/$1.sniff"
}

# sniff_result NAME: waits for the watcher; its exit status is 0 when the
# frame came, 3 when it did not.
sniff_result() {
        wait "$SNIFF"
        local rc=$?
        diag "$(grep -v '^ready$' "$T/$1.sniff")"
        return "$rc"
}

if ! start_daemon_in "$A" "$T"; then
        not_ok "sockbrokerd starts"
        diag "$(cat "$T/daemon.log")"
        finish
        exit
fi
ok "sockbrokerd starts and is ready"

# --- raw IPv4 pinned to va0 with SO_BINDTODEVICE -------------------------------------
# 10.1.0.2 is reachable only through va1.
sniff_start pin0 vb1 SBPIN0 1500
out=$(as_nobody "$T/sbtest" oif-send inet/raw/icmp@va0 none va1 10.1.0.2 SBPIN0 2>&1)
sniff_result pin0
rc=$?
check "raw IPv4 pinned to va0: an echo to 10.1.0.2 does not leave through va1 (rc=$rc)" test "$rc" = 3
diag "$out"

sniff_start pktinfo vb1 SBPKTINFO
out=$(as_nobody "$T/sbtest" oif-send inet/raw/icmp@va0 pktinfo va1 10.1.0.2 SBPKTINFO 2>&1)
sniff_result pktinfo
rc=$?
check "IP_PKTINFO naming va1 sends out of va1 despite the pin: documented gap (rc=$rc)" \
        grep -q 'protocol 1 source 10.1.0.1' "$T/pktinfo.sniff"
diag "$out"

out=$(as_nobody "$T/sbtest" oif-send inet/raw/icmp@va0 unicast-if va1 10.1.0.2 SBUCIF 2>&1)
check "IP_UNICAST_IF naming va1 is refused on the pinned socket (EINVAL)" \
        grep -q '^IP_UNICAST_IF: errno=22 ' <<<"$out"
diag "$out"

out=$(as_nobody "$T/sbtest" oif-send inet/raw/icmp@va0 bindtodevice va1 10.1.0.2 SBBTD 2>&1)
check "SO_BINDTODEVICE cannot move the pin to va1 without CAP_NET_RAW (EPERM)" \
        grep -q '^SO_BINDTODEVICE: errno=1 ' <<<"$out"
diag "$out"

# --- raw IPv6 pinned to va0 ------------------------------------------------------------
sniff_start scope vb1 SBSCOPE
out=$(as_nobody "$T/sbtest" oif-send inet6/raw/ipv6-icmp@va0 scope va1 fe80::b1 SBSCOPE 2>&1)
sniff_result scope
rc=$?
check "sin6_scope_id naming va1 sends to fe80::b1 out of va1 despite the pin: documented gap (rc=$rc)" \
        grep -q 'protocol 58 source fe80::' "$T/scope.sniff"
diag "$out"

out=$(as_nobody "$T/sbtest" oif-send inet6/raw/ipv6-icmp@va0 pktinfo va1 fe80::b1 SBPKT6 2>&1)
check "IPV6_PKTINFO naming va1 is refused on the pinned socket (EINVAL)" \
        grep -q '^sendmsg: errno=22 ' <<<"$out"
diag "$out"

# --- IP_HDRINCL and IPV6_HDRINCL on an ICMP socket -----------------------------------
for c in "inet/raw/icmp@va0 17 udp 192.0.2.66 10.0.0.2" \
        "inet/raw/icmp@va0 47 gre 192.0.2.66 10.0.0.2" \
        "inet6/raw/ipv6-icmp@va0 17 udp 2001:db8::66 fd00::2"; do
        read -r spec proto name src dst <<<"$c"
        m=SBHDR$proto${spec%%/*}
        sniff_start "$m" vb0 "$m"
        out=$(as_nobody "$T/sbtest" hdrincl-send "$spec" "$proto" "$src" "$dst" "$m" 2>&1)
        sniff_result "$m"
        rc=$?
        check "${spec%@*}: HDRINCL needs no privilege, and $name from the forged source $src leaves va0: documented gap (rc=$rc)" \
                grep -q "protocol $proto source $src\$" "$T/$m.sniff"
        diag "$out"
done

# --- packet sockets ------------------------------------------------------------------------
sniff_start ptx vb1 SBPTX
out=$(as_nobody "$T/sbtest" packet-send packet/raw/0x88b5@va0 va1 0x88b5 SBPTX 2>&1)
sniff_result ptx
rc=$?
check "a packet socket granted for va0 transmits on va1 through sll_ifindex: documented gap (rc=$rc)" \
        grep -q 'ethertype 0x88b5' "$T/ptx.sniff"
diag "$out"

promiscuity() { ip -n "$A" -d link show "$1" | sed -n 's/.* promiscuity \([0-9]*\) .*/\1/p'; }
before=$(promiscuity va1)
mkfifo "$T/hold"
as_nobody "$T/sbtest" promisc packet/raw/0x88b5@va0 va1 <"$T/hold" >"$T/promisc.out" 2>&1 &
pp=$!
exec 9>"$T/hold"
wait_for 10 grep -q 'promisc set\|errno=' "$T/promisc.out"
check "PACKET_ADD_MEMBERSHIP PACKET_MR_PROMISC on va1 succeeds on a socket granted for va0" \
        grep -q '^promisc set on va1$' "$T/promisc.out"
during=$(promiscuity va1)
check "va1 is promiscuous while that socket is open (promiscuity $before -> $during): documented gap" \
        test "$before" = 0 -a "$during" = 1
# dev_get_flags() reports IFF_PROMISC only when set through SIOCSIFFLAGS.
flags=$(ip -n "$A" link show va1 | head -n1)
check "ip link does not show it as a PROMISC flag, only ip -d link as a count" \
        bash -c "! grep -q PROMISC <<<'$flags'"
diag "$(cat "$T/promisc.out")"
diag "$flags"
exec 9>&-
wait "$pp"
check "and no longer once it is closed (promiscuity $(promiscuity va1))" test "$(promiscuity va1)" = 0

# --- who owns a granted socket -----------------------------------------------------------
OPID=$(pgrep -P "$DPID" | head -n1)
opener_caps=$(status_field "$OPID" CapEff)
check "the opener holds no CAP_CHOWN (CapEff 0x$opener_caps)" test $((0x$opener_caps & 1)) = 0

out=$(as_nobody "$T/sbtest" uid-of inet/raw/icmp 2>&1)
ouid=$(id -u sockbroker-opener)
check "a granted raw socket is owned by the opener's uid $ouid, its fsuid at socket()" \
        grep -q "^owner uid $ouid\$" <<<"$out"
diag "$out"

ip -n "$A" rule add uidrange 65534-65534 prohibit
out=$(as_nobody "$T/sbtest" udp-send 10.0.0.2 SBUDP 2>&1)
check "control: with 'ip rule uidrange 65534-65534 prohibit', uid 65534's own UDP socket is refused (EACCES)" \
        grep -q '^sendto: errno=13 ' <<<"$out"
diag "$out"

sniff_start uid vb0 SBUID
out=$(as_nobody "$T/sbtest" oif-send inet/raw/icmp none va0 10.0.0.2 SBUID 2>&1)
sniff_result uid
rc=$?
check "the rule does not stop uid 65534's granted raw socket (sk_uid $ouid): documented gap (rc=$rc)" \
        grep -q 'protocol 1 source 10.0.0.1' "$T/uid.sniff"
diag "$out"

# What closing it would take: fchown() of the socket sets sk_uid
# (sockfs_setattr), but giving a file to another uid needs CAP_CHOWN.
out=$(in_a "$T/sbtest" chown-raw 65534 10.0.0.2 SBCHOWN 2>&1)
check "with CAP_CHOWN, fchown() to 65534 makes the rule apply to the socket (EACCES)" \
        grep -q '^sendto: errno=13 ' <<<"$out"
diag "$out"
# Root with exactly the opener's capabilities, as setpriv names them.
keep=-all
for i in $(seq 0 63); do
        [ $(((0x$opener_caps >> i) & 1)) = 1 ] && keep+=",+cap_$i"
done
out=$(in_a setpriv --inh-caps=-all --bounding-set="$keep" \
        "$T/sbtest" chown-raw 65534 10.0.0.2 SBCHOWN 2>&1)
check "as root with only the opener's capabilities ($keep), fchown() is refused (EPERM)" \
        grep -q '^fchown: errno=1 ' <<<"$out"
diag "$out"
ip -n "$A" rule del uidrange 65534-65534 prohibit

kill -TERM "$DPID"
wait "$DPID"
rc=$?
check "sockbrokerd stops cleanly (rc=$rc)" test "$rc" = 0
DPID=

finish
