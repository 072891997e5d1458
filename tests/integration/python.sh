#!/bin/bash
# python.sh - the Python module sockbroker (python/sockbroker/) against the
# real sockbrokerd, as unprivileged uids, in network namespaces this test
# creates and removes. The module and the build tree's libsockbroker are
# copied to a private, world-readable directory, from which the clients
# import and load them.
#
#   A: the daemon and its clients; interfaces va0 and va1
#   B: the far ends vb0 and vb1, from which frames are sent
#
# uid 65534 has rules, uid 65532 none.
set -u
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

PYTHON=/usr/bin/python3
MODULE=$abs_top_srcdir/python/sockbroker/__init__.py
LIBRARY=$abs_top_builddir/.libs/libsockbroker.so.0

[ "$(id -u)" = 0 ] || skip_all "needs root (network namespaces, the daemon)"
[ -x "$PYTHON" ] || skip_all "needs $PYTHON"
command -v ip >/dev/null && command -v setpriv >/dev/null || skip_all "needs ip and setpriv"
[ -e "$LIBRARY" ] && [ -x "$SBTEST" ] || skip_all "libsockbroker or tests/sbtest is not built"
ensure_broker_user

veth_test python

# What the unprivileged uids import and load, where they can reach it.
install -d -m 0755 "$T/py/sockbroker"
install -m 0644 "$MODULE" "$T/py/sockbroker/__init__.py"
install -m 0644 "$LIBRARY" "$T/libsockbroker.so.0"

cat >"$T/policy.conf" <<'P'
allow uid=65534 packet raw iface=va0
allow uid=65534 inet   raw proto=icmp
allow uid=65534 inet   stream proto=tcp bind=80
allow uid=65534 inet   dgram option=mark:1-100
deny  uid=65534 inet6  any
P
chmod 0644 "$T/policy.conf"

# The clients: one command each, printing one line for the shell to check.
cat >"$T/client.py" <<'PY'
import os, socket, struct, sys
import sockbroker

SO_DOMAIN = getattr(socket, "SO_DOMAIN", 39)
SO_MARK = getattr(socket, "SO_MARK", 36)


def checksum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ping(s, host):
    ident = os.getpid() & 0xFFFF
    pkt = struct.pack("!BBHHH", 8, 0, 0, ident, 1) + b"sockbroker"
    pkt = pkt[:2] + struct.pack("!H", checksum(pkt)) + pkt[4:]
    s.settimeout(5)
    s.sendto(pkt, (host, 0))
    while True:
        data, addr = s.recvfrom(1500)
        ihl = (data[0] & 15) * 4
        kind, _, _, rid, _ = struct.unpack("!BBHHH", data[ihl:ihl + 8])
        if kind == 0 and rid == ident:
            return "echo reply from %s" % addr[0]


def packet(iface):
    s = sockbroker.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x88b5), iface=iface)
    domain = s.getsockopt(socket.SOL_SOCKET, SO_DOMAIN)
    s.settimeout(10)
    frame = s.recv(2048)
    return "domain %s: %d bytes of 0x%04x" % (
        "AF_PACKET" if domain == socket.AF_PACKET else domain, len(frame),
        int.from_bytes(frame[12:14], "big"))


def raw_ping(host):
    s = sockbroker.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    return "%s %s, inheritable %s: %s" % (type(s).__name__, s.proto, s.get_inheritable(),
                                           ping(s, host))


def nonblock():
    s = sockbroker.socket(socket.AF_INET, socket.SOCK_RAW | socket.SOCK_NONBLOCK, socket.IPPROTO_ICMP)
    o = sockbroker.open("inet/raw/icmp", nonblock=True)
    return "timeouts %s %s, blocking %s %s" % (s.gettimeout(), o.gettimeout(),
                                               s.getblocking(), o.getblocking())


def dgram():
    s = sockbroker.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.sendto(b"hello", s.getsockname())
    s.settimeout(5)
    return "%s type %d: %r" % (type(s).__name__, s.type, s.recv(16))


def denied(family):
    try:
        if family == "inet6":
            sockbroker.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
        else:
            sockbroker.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    except PermissionError as e:
        return "PermissionError: %s" % e
    return "granted"


def open_spec(spec):
    try:
        s = sockbroker.open(spec)
    except PermissionError as e:
        return "PermissionError: %s" % e
    return "%s family %d type %d proto %d" % (type(s).__name__, s.family, s.type, s.proto)


def bind(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sockbroker.bind(s, ("0.0.0.0", int(port)))
    except PermissionError as e:
        return "PermissionError: %s" % e
    return "bound to port %d" % s.getsockname()[1]


def mark(value):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sockbroker.setsockopt(s, socket.SOL_SOCKET, SO_MARK, int(value))
    except PermissionError as e:
        return "PermissionError: %s" % e
    return "mark %d" % s.getsockopt(socket.SOL_SOCKET, SO_MARK)


def link(ifname):
    try:
        sockbroker.link_set_up(ifname, False)
    except PermissionError as e:
        return "PermissionError: %s" % e
    return "done"


commands = {"packet": packet, "ping": raw_ping, "nonblock": nonblock, "dgram": dgram,
            "denied": denied, "open": open_spec, "bind": bind, "mark": mark, "link": link}
print(commands[sys.argv[1]](*sys.argv[2:]), flush=True)
PY
chmod 0644 "$T/client.py"

# A sanitizer build's library needs its runtimes loaded first: python3
# itself is not built with them.
SANITIZERS=$(ldd "$LIBRARY" | awk '/lib(asan|ubsan)\.so/ { printf "%s%s", sep, $3; sep = ":" }')

# client UID [ENV...] -- ARGS...: client.py ARGS as UID in A, with the test's
# broker, module and library; ENV overrides.
client() {
        local uid=$1 env=()
        shift
        while [ "$1" != -- ]; do env+=("$1"); shift; done
        shift
        [ -n "$SANITIZERS" ] && env+=(LD_PRELOAD="$SANITIZERS" ASAN_OPTIONS=detect_leaks=0)
        in_a setpriv --reuid="$uid" --regid="$uid" --clear-groups \
                env SOCKBROKER_SOCKET="$T/sock" SOCKBROKER_LIBRARY="$T/libsockbroker.so.0" \
                PYTHONPATH="$T/py" PYTHONDONTWRITEBYTECODE=1 "${env[@]}" \
                "$PYTHON" "$T/client.py" "$@"
}

start_daemon_in "$A" "$T" || {
        not_ok "sockbrokerd starts"
        diag "$(cat "$T/daemon.log")"
        finish
        exit
}
ok "sockbrokerd starts and is ready"

# --- sockbroker.socket() ------------------------------------------------------------------------
client 65534 -- packet va0 >"$T/packet.out" 2>&1 &
P=$!
BG+=("$P")
send_while "$P" vb0 0x88b5
wait "$P"
out=$(cat "$T/packet.out")
check "socket(AF_PACKET, SOCK_RAW, htons(0x88b5), iface=\"va0\") under an iface=va0 rule receives a frame from B ($out)" \
        eval '[[ $out =~ ^domain\ AF_PACKET:\ [0-9]+\ bytes\ of\ 0x88b5$ ]]'
out=$(client 65534 -- ping 127.0.0.1 2>&1)
check "socket(AF_INET, SOCK_RAW, IPPROTO_ICMP) is a non-inheritable socket.socket that pings 127.0.0.1" \
        test "$out" = "socket 1, inheritable False: echo reply from 127.0.0.1"
diag "$out"
out=$(client 65534 -- nonblock 2>&1)
check "SOCK_NONBLOCK, and open(nonblock=True), give non-blocking sockets ($out)" \
        test "$out" = "timeouts 0.0 0.0, blocking False False"
out=$(client 65534 SOCKBROKER_SOCKET="$T/nonexistent" -- dgram 2>&1)
check "socket(AF_INET, SOCK_DGRAM) is the kernel's, with no broker to reach ($out)" \
        test "$out" = "socket type 2: b'hello'"
out=$(client 65532 -- denied inet 2>&1)
check "a uid without rules: PermissionError with the broker's reason" \
        eval 'grep -q "^PermissionError: \[Errno 1\] .*no rule allows inet/raw/icmp for uid 65532" <<<"$out"'
diag "$out"
out=$(client 65534 -- denied inet6 2>&1)
check "a deny rule: PermissionError naming the rule that decided" \
        eval 'grep -qF "PermissionError: [Errno 1] Operation not permitted: denied by rule ($T/policy.conf:5)" <<<"$out"'
diag "$out"

# --- sockbroker.open() --------------------------------------------------------------------------
out=$(client 65534 -- open inet/raw/icmp 2>&1)
check "open(\"inet/raw/icmp\") is a socket.socket with proto IPPROTO_ICMP ($out)" \
        test "$out" = "socket family 2 type 3 proto 1"
out=$(client 65534 -- open packet/raw/0x88b5@va1 2>&1)
check "open() of a packet socket on va1, which the rule does not name: PermissionError" \
        eval 'grep -q "^PermissionError: \[Errno 1\] .*no rule allows" <<<"$out"'
diag "$out"

# --- bind(), setsockopt() and the broker's own operations -----------------------------------------
out=$(client 65534 -- bind 80 2>&1)
check "bind(s, (\"0.0.0.0\", 80)) under bind=80: done by the broker ($out)" test "$out" = "bound to port 80"
out=$(client 65534 -- bind 81 2>&1)
check "bind to port 81 (no rule): PermissionError with the broker's reason" \
        eval 'grep -q "^PermissionError: \[Errno 13\] .*no rule allows" <<<"$out"'
diag "$out"
out=$(client 65534 -- bind 8080 2>&1)
check "bind to port 8080 needs no broker ($out)" test "$out" = "bound to port 8080"
out=$(client 65534 -- mark 5 2>&1)
check "setsockopt SO_MARK 5 under option=mark:1-100: set ($out)" test "$out" = "mark 5"
out=$(client 65534 -- mark 500 2>&1)
check "setsockopt SO_MARK 500: PermissionError" \
        eval 'grep -q "^PermissionError: \[Errno 1\] .*denied" <<<"$out"'
diag "$out"
out=$(client 65534 -- link va1 2>&1)
check "link_set_up(\"va1\", False) without a link rule: PermissionError" \
        eval 'grep -q "^PermissionError: \[Errno 1\] .*no rule allows" <<<"$out"'
diag "$out"

# --- clean stop ---------------------------------------------------------------------------------
kill -TERM "$DPID"
wait "$DPID"
rc=$?
check "SIGTERM stops the daemon cleanly (rc=$rc)" test "$rc" = 0
DPID=
no_leftovers() { ! pgrep -f -- "$T" >/dev/null; }
check "no process of the test is left" wait_for 5 no_leftovers
no_leftovers || diag "$(pgrep -a -f -- "$T")"

finish
