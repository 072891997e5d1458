#!/bin/bash
# preload.sh - unmodified programs (tcpdump, python3, a threaded C test
# program) through `sockbroker run` and the preload shim, against the real
# sockbrokerd, as unprivileged uids, in network namespaces this test
# creates and removes.
#
#   A: the daemon and its clients; interfaces va0 and va1
#   B: the far ends vb0 and vb1, from which frames are sent
#
# uid 65534 has rules without iface= (plain), uid 65533 a packet rule with
# iface=va0 (confined: bound, locked filter), uid 65532 no rule at all.
set -u
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root (network namespaces, the daemon)"
command -v ip >/dev/null && command -v setpriv >/dev/null || skip_all "needs ip and setpriv"
SHIM=$abs_top_builddir/.libs/libsockbroker-preload.so
THREADS=$abs_top_builddir/tests/preload-threads
[ -e "$SHIM" ] || skip_all "libsockbroker-preload.so is not built"
[ -x "$THREADS" ] || skip_all "tests/preload-threads is not built"
ensure_broker_user

veth_test preload
mkdir "$T/out"
chmod 1777 "$T/out"

# Unprivileged users must be able to run and load these from here.
install -m 0755 "$SBTEST" "$T/sbtest"
install -m 0755 "$SOCKBROKER" "$T/sockbroker"
install -m 0755 "$THREADS" "$T/preload-threads"
install -m 0644 "$SHIM" "$T/libsockbroker-preload.so"

cat >"$T/policy.conf" <<'P'
# plain: packet sockets on any interface, raw ICMP, port 80, SO_MARK
allow uid=65534 packet raw
allow uid=65534 inet   raw proto=icmp
allow uid=65534 inet   stream proto=tcp bind=80
allow uid=65534 inet   dgram option=mark:1-100
# confined: packet sockets bound to va0, under a locked filter
allow uid=65533 packet raw iface=va0
P
chmod 0644 "$T/policy.conf"

cat >"$T/sniff.py" <<'PY'
# An ordinary AF_PACKET sniffer; it knows nothing of sockbroker.
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x88b5))
s.bind((sys.argv[1], 0))
s.settimeout(10)
frame = s.recv(2048)
print("sniffed %d bytes of 0x%04x on %s" % (len(frame), int.from_bytes(frame[12:14], "big"), sys.argv[1]))
PY
cat >"$T/ping.py" <<'PY'
# An ordinary raw-socket ping; it knows nothing of sockbroker.
import os, socket, struct, sys

def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF

ident = os.getpid() & 0xFFFF
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.settimeout(5)
pkt = struct.pack("!BBHHH", 8, 0, 0, ident, 1) + b"sockbroker"
pkt = pkt[:2] + struct.pack("!H", checksum(pkt)) + pkt[4:]
s.sendto(pkt, (sys.argv[1], 0))
while True:
    data, addr = s.recvfrom(1500)
    ihl = (data[0] & 15) * 4
    kind, _, _, rid, _ = struct.unpack("!BBHHH", data[ihl:ihl + 8])
    if kind == 0 and rid == ident:
        print("echo reply from %s" % addr[0])
        break
PY
chmod 0644 "$T/sniff.py" "$T/ping.py"

run_as() {
        local uid=$1
        shift
        as "$uid" "$T/sockbroker" run --mode=preload "$@"
}

# spawn OUT UID RUN-ARGS...: `sockbroker run RUN-ARGS` as UID in A, in the
# background, output to OUT. Every step execs, so P is the pid of the
# program itself (timeout(1), in most cases), for kill and wait.
spawn() {
        local out=$1 uid=$2
        shift 2
        (exec nsenter --net="/run/netns/$A" setpriv --reuid="$uid" --regid="$uid" --clear-groups \
                env SOCKBROKER_SOCKET="$T/sock" SOCKBROKER_PRELOAD="$T/libsockbroker-preload.so" \
                "$T/sockbroker" run --mode=preload "$@" >"$out" 2>&1) &
        P=$!
        BG+=("$P")
}

# finish_spawned: waits for P; sets rc to its exit status.
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

# --- the shim as built ------------------------------------------------------------------
if command -v nm >/dev/null; then
        out=$(nm -D --undefined-only "$SHIM")
        check "the shim exports socket, bind, setsockopt and getsockopt, and nothing else" \
                test "$(nm -D --defined-only "$SHIM" | awk '{ print $3 }' | sort | tr '\n' ' ')" = "bind getsockopt setsockopt socket "
        check "it calls no allocator (protobuf-c decodes into an arena)" \
                eval '! grep -Eq " (malloc|calloc|realloc|free|__tls_get_addr)(@|$)" <<<"$out"'
else
        skip_test "nm (binutils) is not installed"
        skip_test "nm (binutils) is not installed"
fi

# --- sockbroker run itself --------------------------------------------------------------
out=$(run_as 65534 -- sh -c 'echo "$LD_PRELOAD"' 2>&1)
check "run puts the shim in LD_PRELOAD" test "$out" = "$T/libsockbroker-preload.so"
out=$(as 65534 env LD_PRELOAD=/lib/other.so "$T/sockbroker" run --mode=preload -- sh -c 'echo "$LD_PRELOAD"' 2>/dev/null)
check "run keeps existing LD_PRELOAD entries, after the shim ($out)" \
        test "$out" = "$T/libsockbroker-preload.so:/lib/other.so"
# ASAN_OPTIONS here and below: in an ASan build, sockbroker would refuse
# to start with a library preloaded ahead of ASan's runtime.
out=$(run_as 65534 -- env ASAN_OPTIONS=verify_asan_link_order=0 \
        "$T/sockbroker" run --mode=preload -- sh -c 'echo "$LD_PRELOAD"' 2>&1)
check "a nested run does not add the shim twice" test "$out" = "$T/libsockbroker-preload.so"
out=$(run_as 65534 --iface va0 --socket /x/y.sock -- sh -c 'echo "$SOCKBROKER_IFACE $SOCKBROKER_SOCKET"' 2>&1)
check "run --iface and --socket set SOCKBROKER_IFACE and SOCKBROKER_SOCKET" test "$out" = "va0 /x/y.sock"
run_as 65534 -- sh -c 'exit 7' 2>/dev/null
check "run exits with the command's status" test $? = 7
run_as 65534 -- /nonexistent/cmd 2>/dev/null
check "run exits 127 for a command that does not exist" test $? = 127
run_as 65534 2>/dev/null
check "run without a command is a usage error (2)" test $? = 2
run_as 65534 --iface 'a/b' -- true 2>/dev/null
check "run --iface with an invalid name is a usage error (2)" test $? = 2
out=$(as 65534 env SOCKBROKER_PRELOAD="$T/missing.so" "$T/sockbroker" run --mode=preload -- true 2>&1)
rc=$?
check "run exits 1 when the shim is missing, and says where it looked (rc=$rc)" \
        eval 'test "$rc" = 1 && grep -q "$T/missing.so" <<<"$out"'

# --- tcpdump, plain rule: a packet socket on any interface ------------------------------------
# libpcap: socket(AF_PACKET, SOCK_RAW, 0), TPACKET_V3 ring and mmap, bind
# to va0, PACKET_MR_PROMISC, and the filter compiled into the kernel.
if command -v tcpdump >/dev/null; then
        spawn "$T/plain.out" 65534 -- timeout 20 tcpdump -i va0 -c 5 -w "$T/out/plain.pcap" 'ether proto 0x88b5'
        send_while "$P" vb0 0x88b6 0x88b5
        finish_spawned
        check "tcpdump -i va0 -c 5 -w FILE, plain rule: 5 frames captured (rc=$rc)" \
                eval 'test "$rc" = 0 && grep -q "^5 packets captured" "$T/plain.out"'
        check "and the kernel filter was attached (no userland fallback)" \
                eval '! grep -q "Kernel filter failed" "$T/plain.out"'
        diag "$(cat "$T/plain.out")"
        out=$(as 65534 tcpdump -r "$T/out/plain.pcap" -nn -e 2>/dev/null)
        check "tcpdump -r reads back 5 frames, all of EtherType 0x88b5 ('ether proto 0x88b5')" \
                eval 'test "$(grep -c "^[0-9]" <<<"$out")" = 5 && test "$(grep -c "^[0-9].*ethertype Unknown (0x88b5)" <<<"$out")" = 5'

        # --- tcpdump, confined rule: --iface va0 ------------------------------------------------
        # The broker binds the socket to va0 and locks a filter on it; the
        # program's own SO_ATTACH_FILTER makes the shim put the broker's
        # socket with both filters in its place (tests/integration/filter.sh).
        spawn "$T/confined.out" 65533 --iface va0 -- \
                timeout 20 tcpdump -i va0 -c 5 -w "$T/out/confined.pcap" 'ether proto 0x88b5'
        send_while "$P" vb0 0x88b6 0x88b5
        finish_spawned
        check "tcpdump with --iface va0, iface= rule: 5 frames captured (rc=$rc)" \
                eval 'test "$rc" = 0 && grep -q "^5 packets captured" "$T/confined.out"'
        check "libpcap's filter runs in the kernel after the broker's: no userland fallback" \
                eval '! grep -q "Kernel filter failed" "$T/confined.out"'
        diag "$(cat "$T/confined.out")"
        out=$(as 65533 tcpdump -r "$T/out/confined.pcap" -nn -e 2>/dev/null)
        check "tcpdump -r: 5 frames, all 0x88b5" \
                eval 'test "$(grep -c "^[0-9]" <<<"$out")" = 5 && test "$(grep -c "^[0-9].*ethertype Unknown (0x88b5)" <<<"$out")" = 5'

        spawn "$T/va1.out" 65533 --iface va0 -- timeout -s INT 3 tcpdump -i va1 -c 1 -w "$T/out/va1.pcap"
        send_while "$P" vb1 0x88b5
        finish_spawned
        check "confined to va0: tcpdump -i va1 on the same socket captures nothing from va1" \
                grep -q '^0 packets captured' "$T/va1.out"
        diag "$(cat "$T/va1.out")"

        # No hint: the shim's placeholder until tcpdump's bind() names va0.
        spawn "$T/nohint.out" 65533 -- timeout 20 tcpdump -i va0 -c 2 -w "$T/out/nohint.pcap" 'ether proto 0x88b5'
        send_while "$P" vb0 0x88b6 0x88b5
        finish_spawned
        check "no hint: tcpdump -i va0 under an iface=va0 rule captures, without --iface (rc=$rc)" \
                eval 'test "$rc" = 0 && grep -q "^2 packets captured" "$T/nohint.out"'
        diag "$(cat "$T/nohint.out")"
        out=$(as 65533 env SOCKBROKER_DEBUG=1 "$T/sockbroker" run --mode=preload -- \
                timeout 10 tcpdump -i any -c 1 -w "$T/out/x.pcap" 2>&1)
        check "no hint: tcpdump -i any, a dgram socket no rule allows: tcpdump's usual EPERM message, no placeholder" \
                eval 'grep -q "You don.t have permission to .*capture on that device" <<<"$out" &&
                      grep -q "denied: no rule allows packet/dgram" <<<"$out" && ! grep -q placeholder <<<"$out"'
        diag "$out"
        out=$(run_as 65533 -- timeout 10 tcpdump -i va1 -c 1 -w "$T/out/x.pcap" 2>&1)
        check "no hint: tcpdump -i va1, which the rule does not name, fails with EPERM" \
                grep -q "Operation not permitted" <<<"$out"
        diag "$out"

        # --- tcpdump as the child of a python3 program (as scapy runs it) -----------------
        spawn "$T/child.out" 65534 -- timeout 20 /usr/bin/python3 -c 'import subprocess, sys
sys.exit(subprocess.run(["tcpdump", "-i", "va0", "-c", "1", "-w", sys.argv[1], "ether proto 0x88b5"]).returncode)' \
                "$T/out/child.pcap"
        send_while "$P" vb0 0x88b5
        finish_spawned
        check "tcpdump run by python3's subprocess inherits the shim (rc=$rc)" \
                eval 'test "$rc" = 0 && grep -q "^1 packet captured" "$T/child.out"'
else
        for i in $(seq 11); do skip_test "tcpdump is not installed"; done
fi

# --- python3 ---------------------------------------------------------------------------------
if [ -x /usr/bin/python3 ]; then
        # Through sh, so python3 is a child process of the command run starts.
        spawn "$T/sniff.out" 65534 -- timeout 20 sh -c '/usr/bin/python3 "$0" va0 && echo done' "$T/sniff.py"
        send_while "$P" vb0 0x88b5
        finish_spawned
        check "python3 sniffs a frame with socket(AF_PACKET, SOCK_RAW), as a grandchild (rc=$rc)" \
                eval 'test "$rc" = 0 && grep -q "^sniffed 64 bytes of 0x88b5 on va0" "$T/sniff.out"'
        diag "$(cat "$T/sniff.out")"

        # No hint, under an iface= rule: the shim's placeholder, bound by
        # python3 itself; one never bound answers SOL_PACKET with EPERM,
        # and SOCKBROKER_DEBUG names the interfaces the policy allows.
        spawn "$T/sniff-nohint.out" 65533 -- timeout 20 /usr/bin/python3 "$T/sniff.py" va0
        send_while "$P" vb0 0x88b5
        finish_spawned
        check "no hint: python3's socket(AF_PACKET), bound with (\"va0\", 0), sniffs under the iface=va0 rule (rc=$rc)" \
                eval 'test "$rc" = 0 && grep -q "^sniffed 64 bytes of 0x88b5 on va0" "$T/sniff-nohint.out"'
        diag "$(cat "$T/sniff-nohint.out")"
        out=$(as 65533 env SOCKBROKER_DEBUG=1 "$T/sockbroker" run --mode=preload -- /usr/bin/python3 -c '
import socket
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x88b5))
try:
    s.getsockopt(263, 11)   # SOL_PACKET, PACKET_HDRLEN
    print("no error")
except PermissionError:
    print("PermissionError")
print("read %d bytes" % len(s.recv(10)))' 2>&1)
        check "a placeholder never bound: PermissionError, reads end at once, and the debug line names va0" \
                eval 'grep -q "^PermissionError$" <<<"$out" && grep -q "^read 0 bytes$" <<<"$out" &&
                      grep -q "not bound to an interface.*; the policy allows them on: va0; EPERM$" <<<"$out"'
        diag "$out"

        out=$(run_as 65534 -- /usr/bin/python3 "$T/ping.py" 127.0.0.1 2>&1)
        check "python3 gets an echo reply from 127.0.0.1 over a raw ICMP socket" \
                grep -q '^echo reply from 127.0.0.1' <<<"$out"
        diag "$out"

        # --- bind() and setsockopt() -------------------------------------------------
        out=$(run_as 65534 -- /usr/bin/python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 80))
s.listen()
c = socket.create_connection(("127.0.0.1", 80))
print("listening on %s:%d, connection accepted from %s" % (s.getsockname() + (s.accept()[1][0],)))' 2>&1)
        check "python3 binds a TCP socket to port 80 (bind=80) and accepts on it" \
                grep -q '^listening on 127.0.0.1:80, connection accepted' <<<"$out"
        diag "$out"
        out=$(run_as 65534 -- /usr/bin/python3 -c 'import socket
socket.socket().bind(("127.0.0.1", 81))' 2>&1)
        check "port 81: python3's usual PermissionError, with the kernel's EACCES [Errno 13]" \
                grep -q '^PermissionError: \[Errno 13\] Permission denied' <<<"$out"
        out=$(run_as 65534 -- /usr/bin/python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_MARK, 42)
print("SO_MARK now %d" % s.getsockopt(socket.SOL_SOCKET, socket.SO_MARK))' 2>&1)
        check "python3 sets SO_MARK 42 on a UDP socket (option=mark:1-100)" grep -q '^SO_MARK now 42$' <<<"$out"
        diag "$out"

        # --- refusals: the program's own message -------------------------------------
        out=$(run_as 65532 -- /usr/bin/python3 "$T/ping.py" 127.0.0.1 2>&1)
        rc=$?
        check "no rule: python3's usual PermissionError [Errno 1] (rc=$rc)" \
                grep -q '^PermissionError: \[Errno 1\] Operation not permitted' <<<"$out"
        check "and nothing from the shim without SOCKBROKER_DEBUG" eval '! grep -q "^sockbroker-preload:" <<<"$out"'
        out=$(run_as 65532 --debug -- /usr/bin/python3 "$T/ping.py" 127.0.0.1 2>&1)
        check "--debug: one line says why" test "$(grep -c '^sockbroker-preload: ' <<<"$out")" = 1
        check "naming the request, the broker's reason and the errno returned" \
                grep -q '^sockbroker-preload: socket(inet/raw/icmp): denied: no rule allows inet/raw/icmp for uid 65532 .*; returning EPERM$' <<<"$out"
        diag "$out"
        out=$(run_as 65534 --debug --socket "$T/none" -- /usr/bin/python3 "$T/ping.py" 127.0.0.1 2>&1)
        check "broker absent: PermissionError, and --debug says it cannot reach the broker" \
                eval 'grep -q "^PermissionError: \[Errno 1\]" <<<"$out" && grep -q "cannot reach sockbrokerd" <<<"$out"'
        diag "$out"
else
        for i in $(seq 12); do skip_test "/usr/bin/python3 is not installed"; done
fi
if command -v tcpdump >/dev/null; then
        out=$(run_as 65532 -- timeout 10 tcpdump -i va0 -c 1 2>&1)
        check "no rule: tcpdump's usual message" grep -q "You don't have permission to .*capture on that device" <<<"$out"
else
        skip_test "tcpdump is not installed"
fi

# --- threads, fork, signal handlers ------------------------------------------------------------
out=$(run_as 65534 -- timeout 60 "$T/preload-threads" threads 8 25 2>&1)
rc=$?
check "8 threads at once, 200 brokered sockets, each with the flags it asked for (rc=$rc)" test "$rc" = 0
diag "$out"
out=$(run_as 65534 -- timeout 60 "$T/preload-threads" fork 40 2>&1)
rc=$?
check "40 children forked from a threaded process each get a brokered socket (rc=$rc)" test "$rc" = 0
diag "$out"
# Without tcache, every malloc() takes the arena lock (the idle second
# thread makes glibc lock at all): a broker call that allocated in a
# handler interrupting malloc() would hang here.
out=$(run_as 65534 -- env GLIBC_TUNABLES=glibc.malloc.tcache_count=0 \
        timeout 60 "$T/preload-threads" signal 500 2>&1)
rc=$?
check "500 brokered sockets from SIGALRM handlers interrupting malloc()/free() (rc=$rc)" test "$rc" = 0
diag "$out"

# --- no recursion, no descriptor left behind ---------------------------------------------------
if command -v "${CC:-cc}" >/dev/null &&
        "${CC:-cc}" -shared -fPIC -o "$T/count.so" "$abs_top_srcdir/tests/integration/preload-count.c" -ldl; then
        chmod 0644 "$T/count.so"
        out=$(as 65534 env LD_PRELOAD="$T/count.so" ASAN_OPTIONS=verify_asan_link_order=0 "$T/sockbroker" run --mode=preload -- "$T/preload-threads" once 2>&1)
        check "a brokered socket(): one direct call and one AF_UNIX socket reach libc, nothing more" \
                eval 'grep -q "^once: granted" <<<"$out" && grep -q "^preload-count: inet=1 unix=1 other=0$" <<<"$out"'
        diag "$out"
        out=$(as 65534 env LD_PRELOAD="$T/count.so" ASAN_OPTIONS=verify_asan_link_order=0 "$T/sockbroker" run --mode=preload -- "$T/preload-threads" once deny-unix 2>&1)
        check "with AF_UNIX sockets refused (seccomp): the kernel's EPERM, still two calls" \
                eval 'grep -q "^once: refused errno=1 " <<<"$out" && grep -q "^preload-count: inet=1 unix=1 other=0$" <<<"$out"'
        diag "$out"
else
        skip_test "no C compiler for the counting library"
        skip_test "no C compiler for the counting library"
fi

out=$(run_as 65534 -- "$T/preload-threads" exec-check 2>&1)
rc=$?
check "after brokered calls, the only new descriptors are the granted sockets, the lowest free first (rc=$rc)" \
        test "$rc" = 0
check "across exec only the inheritable one survives: no broker connection, no CLOEXEC socket" \
        test "$(grep 'socket' <<<"$out" | grep -v '^exec-check' | tr -d '\n')" = \
             "fd $(sed -n 's/^exec-check: granted fd \([0-9]*\) .*/\1/p' <<<"$out"): socket domain=inet type=3 cloexec=0"
diag "$out"
out=$(run_as 65534 -- sh -c 'ls -l /proc/self/fd' 2>&1)
check "sockbroker run itself leaves no socket to the command" eval '! grep -q "socket:" <<<"$out"'
diag "$out"

# --- clean stop ----------------------------------------------------------------------------------------
kill -TERM "$DPID"
wait "$DPID"
rc=$?
check "SIGTERM stops the daemon cleanly (rc=$rc)" test "$rc" = 0
DPID=
no_leftovers() { ! pgrep -f -- "$T" >/dev/null; }
check "no process of the test is left: daemon, opener, programs" wait_for 5 no_leftovers
no_leftovers || diag "$(pgrep -a -f -- "$T")"

finish
