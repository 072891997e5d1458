#!/bin/bash
# filter.sh - a program's own packet filter on a socket the broker
# confined (iface=, a locked filter), against the real sockbrokerd, as an
# unprivileged uid, in network namespaces this test creates and removes:
#   - libsockbroker's sb_attach_filter(): the broker's socket with the
#     confinement and then the program's filter takes the old one's
#     number; only the frames the filter passes arrive, and the
#     confinement still holds after a re-bind; sb_detach_filter() goes
#     back to the bare confinement;
#   - tcpdump, unmodified, through `sockbroker run` with the preload shim
#     and in the default mode (the supervisor leaves its ring to the
#     shim): its filter runs in the kernel, not in userland;
#   - scapy's sniff() with a filter, through the shim and through the
#     seccomp supervisor alone.
# tests/integration/supervise.sh has a static program's filter, attached
# before and after bind().
# The broker's refusals of bad filters are rows of tests/sbhostile.c.
#
#   A: the daemon and its clients; interfaces va0 and va1
#   B: the far ends vb0 and vb1, from which frames are sent
set -u
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root (network namespaces, the daemon)"
command -v ip >/dev/null && command -v setpriv >/dev/null || skip_all "needs ip and setpriv"
SHIM=$abs_top_builddir/.libs/libsockbroker-preload.so
[ -e "$SHIM" ] || skip_all "libsockbroker-preload.so is not built"
ensure_broker_user

veth_test filter
mkdir "$T/out"
chmod 1777 "$T/out"
install -m 0755 "$SBTEST" "$T/sbtest"
install -m 0755 "$SOCKBROKER" "$T/sockbroker"
install -m 0644 "$SHIM" "$T/libsockbroker-preload.so"

cat >"$T/policy.conf" <<'P'
# confined: packet sockets bound to va0, under a locked filter
allow uid=65533 packet raw iface=va0
allow uid=65533 inet raw proto=icmp
P
chmod 0644 "$T/policy.conf"

# spawn OUT UID CMD...: CMD as UID in A, in the background, output to OUT.
spawn() {
        local out=$1 uid=$2
        shift 2
        (exec nsenter --net="/run/netns/$A" setpriv --reuid="$uid" --regid="$uid" --clear-groups \
                env SOCKBROKER_SOCKET="$T/sock" SOCKBROKER_PRELOAD="$T/libsockbroker-preload.so" \
                "$@" >"$out" 2>&1) &
        P=$!
        BG+=("$P")
}
finish_spawned() {
        wait "$P"
        rc=$?
}

if ! start_daemon_in "$A" "$T"; then
        not_ok "sockbrokerd starts"
        diag "$(cat "$T/daemon.log")"
        finish
        exit
fi
ok "sockbrokerd starts and is ready"

# --- libsockbroker ---------------------------------------------------------------------------
spawn "$T/lib.out" 65533 "$T/sbtest" filter packet/raw/all@va0 0x88b5 5 5000 detach
send_while "$P" vb0 0x88b6 0x88b5
finish_spawned
diag "$(cat "$T/lib.out")"
check "sb_attach_filter on a confined socket: the replacement has the same number, and the SO_RCVBUF set before (rc=$rc)" \
        eval 'test "$rc" = 0 && grep -q "^attached: same number yes, rcvbuf 131072$" "$T/lib.out"'
check "... and the socket receives only what the program's filter passes: 5 of 0x88b5, none of 0x88b6" \
        grep -q "^filtered: 5 of 0x88b5, 0 other$" "$T/lib.out"
check "sb_detach_filter goes back to the bare confinement: 0x88b6 arrives again" \
        grep -Eq "^detached: 5 of 0x88b5, [1-9][0-9]* other$" "$T/lib.out"
check "a second detach: ENOENT, nothing of the program's is attached" \
        grep -q "^detach again: ENOENT$" "$T/lib.out"

spawn "$T/rebind.out" 65533 "$T/sbtest" filter packet/raw/all@va0 0x88b5 1 2000 rebind va1
send_while "$P" vb1 0x88b5
finish_spawned
diag "$(cat "$T/rebind.out")"
check "re-bound to va1 under its own filter, the socket still receives nothing from va1 (rc=$rc)" \
        eval 'test "$rc" = 0 && grep -q "^rebound to va1$" "$T/rebind.out" && grep -q "^filtered: 0 of 0x88b5, 0 other$" "$T/rebind.out"'

# --- tcpdump ---------------------------------------------------------------------------------------
# libpcap: TPACKET_V3 ring, mmap, bind, promiscuous, then its filter, which
# replaces the socket twice (a "drop all" first, then the real one); the
# ring is mapped anew where it was.
if command -v tcpdump >/dev/null; then
        # preload: the shim alone; auto, the default: the supervisor leaves
        # a socket with a ring to the shim, which maps the new ring; and
        # with no hint, where tcpdump's own bind() names va0 to the
        # supervisor's placeholder or the shim's.
        for mode in preload auto auto-nohint preload-nohint; do
                hint=(--mode="${mode%-nohint}" --iface va0)
                [ "$mode" = auto-nohint ] && hint=()
                [ "$mode" = preload-nohint ] && hint=(--mode=preload)
                promisc=
                spawn "$T/tcpdump-$mode.out" 65533 "$T/sockbroker" run "${hint[@]}" -- \
                        timeout 20 tcpdump -i va0 -c 6 -w "$T/out/tcpdump-$mode.pcap" 'ether proto 0x88b5'
                # tcpdump says it listens once its filter is set. Then six
                # frames of each kind, alternating, the matching one last:
                # PACKET_STATISTICS counts what passed the socket's filter,
                # so a filter in the kernel counts 6 and one in userland 12.
                if wait_for 10 grep -q "^tcpdump: listening on va0" "$T/tcpdump-$mode.out"; then
                        # Its socket, replaced twice, is still promiscuous:
                        # the membership came along (tcpdump waits for the
                        # frames below, so the socket is open).
                        promisc=$(in_a ip -d link show va0 | sed -n 's/.* promiscuity \([0-9]*\) .*/\1/p')
                        for i in 1 2 3 4 5 6; do
                                in_b "$T/sbtest" send vb0 0x88b6 1 0
                                in_b "$T/sbtest" send vb0 0x88b5 1 0
                        done
                fi
                finish_spawned
                diag "$(cat "$T/tcpdump-$mode.out")"
                check "${hint[*]:-no option}: tcpdump with its filter on a confined socket: 6 frames captured (rc=$rc)" \
                        eval 'test "$rc" = 0 && grep -q "^6 packets captured" "$T/tcpdump-$mode.out"'
                check "... with its filter in the kernel: no userland fallback" \
                        eval '! grep -q "Kernel filter failed" "$T/tcpdump-$mode.out"'
                check "... the socket received only the 6 matching frames of the 12 sent" \
                        grep -q "^6 packets received by filter" "$T/tcpdump-$mode.out"
                check "... and va0 was promiscuous while it ran: the membership came along (promiscuity ${promisc:-?})" \
                        test "${promisc:-0}" -ge 1
                out=$(as 65533 tcpdump -r "$T/out/tcpdump-$mode.pcap" -nn -e 2>/dev/null)
                check "... tcpdump -r: 6 frames, all 0x88b5" \
                        eval 'test "$(grep -c "^[0-9]" <<<"$out")" = 6 && test "$(grep -c "^[0-9].*ethertype Unknown (0x88b5)" <<<"$out")" = 6'
        done
else
        for i in $(seq 20); do skip_test "tcpdump is not installed"; done
fi

# --- scapy -------------------------------------------------------------------------------------------
# scapy compiles the filter with tcpdump -ddd and attaches it before
# bind(); it filters nothing itself, so what sniff() returns is what the
# kernel let through.
if /usr/bin/python3 -c 'import scapy' 2>/dev/null && command -v tcpdump >/dev/null; then
        cat >"$T/sniff-filter.py" <<'PY'
import sys
from scapy.all import sniff, conf
conf.verb = 0
pkts = sniff(iface="va0", filter="ether proto 0x88b5", count=5, timeout=15)
print("sniffed %d: %s" % (len(pkts), " ".join("0x%04x" % p.type for p in pkts)))
PY
        chmod 0644 "$T/sniff-filter.py"
        # The supervisor alone serves it too: the socket has no ring. And
        # with no hint, scapy's socket is a placeholder until its bind()
        # names va0, and its filter and its promiscuous membership, set
        # before, go with it.
        for mode in preload seccomp auto-nohint preload-nohint; do
                hint=(--mode="${mode%-nohint}" --iface va0)
                [ "$mode" = auto-nohint ] && hint=()
                [ "$mode" = preload-nohint ] && hint=(--mode=preload)
                spawn "$T/scapy-$mode.out" 65533 "$T/sockbroker" run "${hint[@]}" -- \
                        timeout 30 /usr/bin/python3 "$T/sniff-filter.py"
                send_while "$P" vb0 0x88b6 0x88b5
                finish_spawned
                diag "$(cat "$T/scapy-$mode.out")"
                check "${hint[*]:-no option}: scapy's sniff(filter=...) on a confined socket: 5 frames, all 0x88b5 (rc=$rc)" \
                        eval 'test "$rc" = 0 && grep -q "^sniffed 5: 0x88b5 0x88b5 0x88b5 0x88b5 0x88b5$" "$T/scapy-$mode.out"'
        done
else
        for i in 1 2 3 4; do skip_test "python3-scapy is not installed"; done
fi

# --- the daemon ------------------------------------------------------------------------------------
check "sockbrokerd still runs" running "$DPID"
finish
