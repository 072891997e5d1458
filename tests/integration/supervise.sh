#!/bin/bash
# supervise.sh - `sockbroker run`'s seccomp supervisor against the real
# sockbrokerd: static binaries, raw system calls, a Go program, python3 and
# tcpdump, as unprivileged uids, in network namespaces this test creates
# and removes. Nothing here can be reached through LD_PRELOAD alone.
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
PROBE=$abs_top_builddir/tests/supervise-probe
THREADS=$abs_top_builddir/tests/preload-threads-static
SHIM=$abs_top_builddir/.libs/libsockbroker-preload.so
[ -x "$PROBE" ] && [ -x "$THREADS" ] || skip_all "the static test programs are not built"
ensure_broker_user

veth_test supervise
mkdir "$T/out"
chmod 1777 "$T/out"

# What the unprivileged uids run, where they can reach it.
install -m 0755 "$SBTEST" "$T/sbtest"
install -m 0755 "$SOCKBROKER" "$T/sockbroker"
install -m 0755 "$PROBE" "$T/supervise-probe"
install -m 0755 "$THREADS" "$T/threads"
install -m 0644 "$SHIM" "$T/libsockbroker-preload.so"

cat >"$T/policy.conf" <<'P'
# plain: packet sockets on any interface, raw ICMP, port 80, SO_MARK 1-100
allow uid=65534 packet raw
allow uid=65534 inet   raw proto=icmp
allow uid=65534 inet   stream proto=tcp bind=80
allow uid=65534 inet   dgram option=mark:1-100
# confined: packet sockets bound to va0, under a locked filter
allow uid=65533 packet raw iface=va0
P
chmod 0644 "$T/policy.conf"

# run_as UID RUN-ARGS...: `sockbroker run RUN-ARGS` as UID in A.
run_as() {
        local uid=$1
        shift
        as "$uid" "$T/sockbroker" run "$@"
}
# sv UID CMD...: CMD under the supervisor alone, as UID.
sv() {
        local uid=$1
        shift
        run_as "$uid" --mode=seccomp -- "$@"
}

# spawn OUT UID RUN-ARGS...: `sockbroker run RUN-ARGS` as UID in A, in the
# background, output to OUT; every step execs, so P is the pid of
# sockbroker run itself, for kill and wait.
spawn() {
        local out=$1 uid=$2
        shift 2
        (exec nsenter --net="/run/netns/$A" setpriv --reuid="$uid" --regid="$uid" --clear-groups \
                env SOCKBROKER_SOCKET="$T/sock" "$T/sockbroker" run "$@" >"$out" 2>&1) &
        P=$!
        BG+=("$P")
}

if ! start_daemon_in "$A" "$T"; then
        not_ok "sockbrokerd starts"
        diag "$(cat "$T/daemon.log")"
        finish
        exit
fi
ok "sockbrokerd starts and is ready"

# --- the probe is what LD_PRELOAD cannot reach ---------------------------------------------------
check "the probe is statically linked: no program interpreter" \
        eval '! LC_ALL=C readelf -l "$T/supervise-probe" | grep -q "Requesting program interpreter"'
out=$(as 65534 "$T/supervise-probe" ping 127.0.0.1 2>&1)
check "without sockbroker run, its raw socket is refused (EPERM)" test "$out" = "socket: error EPERM"
out=$(run_as 65534 --mode=preload -- "$T/supervise-probe" ping 127.0.0.1 2>&1)
check "--mode=preload cannot reach it either" test "$out" = "socket: error EPERM"

# --- socket() -----------------------------------------------------------------------------------
out=$(sv 65534 "$T/supervise-probe" ping 127.0.0.1 2>&1)
check "--mode=seccomp: the static probe's raw ICMP socket pings 127.0.0.1" \
        test "$out" = "echo reply from 127.0.0.1"
out=$(run_as 65534 -- "$T/supervise-probe" ping 127.0.0.1 2>&1)
check "--mode=auto (the default) serves it too" test "$out" = "echo reply from 127.0.0.1"
out=$(sv 65534 "$T/supervise-probe" socket inet raw 1 2>&1)
check "the granted socket is the lowest free number, with no flag asked: none ($out)" \
        eval '[[ $out =~ ^fd\ [0-9]+\ lowest$ ]]'
out=$(sv 65534 "$T/supervise-probe" socket inet raw 1 nonblock cloexec 2>&1)
check "SOCK_NONBLOCK and SOCK_CLOEXEC are honoured ($out)" \
        eval '[[ $out =~ ^fd\ [0-9]+\ lowest\ nonblock\ cloexec$ ]]'
out=$(sv 65534 "$T/supervise-probe" socket packet raw 0x0300 2>&1)
check "a packet socket, from socket() alone ($out)" eval '[[ $out =~ ^fd\ [0-9]+\ lowest$ ]]'
out=$(sv 65534 "$T/supervise-probe" socket inet6 raw 58 2>&1)
check "no rule for raw ICMPv6: the kernel's EPERM, as without the broker" test "$out" = "error EPERM"
out=$(sv 65532 "$T/supervise-probe" socket inet raw 1 2>&1)
check "a uid without rules: EPERM" test "$out" = "error EPERM"
out=$(run_as 65532 --mode=seccomp --debug -- "$T/supervise-probe" socket inet6 raw 58 2>&1)
check "--debug names the refusal and says the kernel answers" \
        eval 'grep -q "^sockbroker run: socket(inet6/raw/[^)]*) by pid [0-9]*: denied: .*; the kernel answers the call$" <<<"$out" && grep -q "^error EPERM$" <<<"$out"'
diag "$out"
# CAN and Bluetooth sockets notify too. This kernel has neither family,
# and no rule names them: the program gets the kernel's own answer.
for fam in "29 raw 1" "31 raw 1" "31 5 0"; do
        # shellcheck disable=SC2086 # family, type and protocol
        want=$(as 65534 "$T/supervise-probe" socket $fam 2>&1)
        # shellcheck disable=SC2086
        out=$(sv 65534 "$T/supervise-probe" socket $fam 2>&1)
        check "socket($fam) under the supervisor: $out, as without it ($want)" test "$out" = "$want"
done
out=$(sv 65534 "$T/supervise-probe" emfile 2>&1)
check "a full descriptor table: EMFILE, as the kernel would say" test "$out" = "error EMFILE"
out=$(sv 65534 "$T/supervise-probe" socket inet stream 0 2>&1)
check "an ordinary TCP socket is the kernel's own" eval '[[ $out =~ ^fd\ [0-9]+\ lowest$ ]]'

# --- bind() and setsockopt() --------------------------------------------------------------------
out=$(sv 65534 "$T/supervise-probe" bind 80 2>&1)
check "bind to port 80 (bind=80): done by the broker" test "$out" = "bound to port 80"
out=$(sv 65534 "$T/supervise-probe" bind 81 2>&1)
check "bind to port 81 (no rule): the kernel's EACCES" test "$out" = "bind: error EACCES"
out=$(sv 65534 "$T/supervise-probe" bind 8080 2>&1)
check "bind to port 8080 needs no privilege and no broker" test "$out" = "bound to port 8080"
out=$(sv 65534 "$T/supervise-probe" mark 5 2>&1)
check "SO_MARK 5 (option=mark:1-100): set" test "$out" = "mark 5"
out=$(sv 65534 "$T/supervise-probe" mark 500 2>&1)
check "SO_MARK 500: the kernel's EPERM" test "$out" = "setsockopt: error EPERM"
# The address is read once: a port flipped to 81 while the bind is
# pending can make it fail, never land on 81.
out=$(sv 65534 timeout 60 "$T/supervise-probe" bind-race 300 2>&1)
rc=$?
check "bind() with its address changing under the supervisor never binds port 81 (rc=$rc)" test "$rc" = 0
diag "$out"

# --- whole process trees ----------------------------------------------------------------------
out=$(sv 65534 timeout 60 "$T/threads" threads 8 100 2>&1)
rc=$?
check "8 threads at once, 800 raw sockets, each with the flags it asked for (rc=$rc)" test "$rc" = 0
diag "$out"
out=$(sv 65534 timeout 60 "$T/threads" fork 40 2>&1)
rc=$?
check "40 children forked from a threaded process are served (rc=$rc)" test "$rc" = 0
diag "$out"
out=$(sv 65534 timeout 60 "$T/threads" signal 300 2>&1)
rc=$?
check "300 sockets from SIGALRM handlers, calls interrupted at any point (rc=$rc)" test "$rc" = 0
diag "$out"
out=$(sv 65534 sh -c '"$0" ping 127.0.0.1' "$T/supervise-probe" 2>&1)
check "a program the command executes is served" test "$out" = "echo reply from 127.0.0.1"

# --- exit status and signals --------------------------------------------------------------------
sv 65534 sh -c 'exit 7' 2>/dev/null
check "run exits with the command's status" test $? = 7
sv 65534 sh -c 'kill -TERM $$' 2>/dev/null
rc=$?
check "a command killed by SIGTERM: run ends the same way (rc=$rc)" test "$rc" = 143
sv 65534 /nonexistent/cmd 2>/dev/null
check "a command that does not exist: 127" test $? = 127
sv 65534 /etc/passwd 2>/dev/null
check "a command that is not executable: 126" test $? = 126
sv 65534 sh -c '"$0" ping 127.0.0.1 >"$1" & exit 3' "$T/supervise-probe" "$T/out/bg" 2>/dev/null
rc=$?
check "a background child outliving the command is served; run waits for it, with the command's status (rc=$rc)" \
        eval 'test "$rc" = 3 && test "$(cat "$T/out/bg")" = "echo reply from 127.0.0.1"'
# A term handler in the command proves the signal was forwarded to it.
spawn "$T/term.out" 65534 --mode=seccomp -- \
        sh -c 'trap "exit 9" TERM; echo ready; while :; do sleep 0.1; done'
wait_for 10 grep -q ready "$T/term.out"
kill -TERM "$P"
wait "$P"
rc=$?
check "SIGTERM sent to sockbroker run reaches the command (rc=$rc)" test "$rc" = 9

# --- set-user-ID programs -------------------------------------------------------------------------
install -m 4755 /bin/true "$T/suid-true"
out=$(run_as 65534 -- "$T/suid-true" 2>&1)
rc=$?
check "a set-user-ID command is refused with 126, and the message says why" \
        eval 'test "$rc" = 126 && grep -q "is set-user-ID: neither LD_PRELOAD nor the seccomp filter applies" <<<"$out"'
diag "$out"
out=$(as 65534 env PATH="$T:/usr/bin:/bin" "$T/sockbroker" run -- suid-true 2>&1)
check "also when found through PATH" eval 'grep -q "is set-user-ID" <<<"$out"'

out=$(sv 65534 grep NoNewPrivs /proc/self/status 2>&1)
check "under the supervisor the whole tree has no_new_privs ($out)" grep -q "^NoNewPrivs:[[:space:]]*1$" <<<"$out"
out=$(run_as 65534 --mode=preload -- grep NoNewPrivs /proc/self/status 2>&1)
check "with the shim alone it does not ($out)" grep -q "^NoNewPrivs:[[:space:]]*0$" <<<"$out"

# --- who is served ------------------------------------------------------------------------------
status=$(as 65534 "$T/sockbroker" run --mode=seccomp -- sh -c 'cat /proc/$PPID/status' 2>&1)
check "the supervisor runs with no capability" \
        eval 'grep -q "^CapEff:[[:space:]]*0*$" <<<"$status" && grep -q "^CapPrm:[[:space:]]*0*$" <<<"$status"'
status=$(in_a "$T/sockbroker" run --mode=seccomp -- sh -c 'cat /proc/$PPID/status' 2>&1)
check "started by root, the supervisor drops every capability" \
        eval 'grep -q "^CapEff:[[:space:]]*0*$" <<<"$status" && grep -q "^CapPrm:[[:space:]]*0*$" <<<"$status"'
out=$(in_a env SOCKBROKER_SOCKET="$T/sock" "$T/sockbroker" run --mode=seccomp -- \
        "$T/supervise-probe" socket packet raw 0 2>&1)
check "a command with CAP_NET_RAW of its own creates its socket itself" \
        eval '[[ $out =~ ^fd\ [0-9]+\ lowest$ ]]'
asked=$(grep -c 'decision=[a-z]* uid=0 ' "$T/daemon.log")
check "and the broker was not asked for it ($asked requests from uid 0)" test "$asked" = 0
out=$(in_a env SOCKBROKER_SOCKET="$T/sock" "$T/sockbroker" run --mode=seccomp -- \
        setpriv --reuid=65534 --regid=65534 --clear-groups "$T/supervise-probe" ping 127.0.0.1 2>&1)
check "a process that changed its uid is not served with the supervisor's identity" \
        test "$out" = "socket: error EPERM"

# A command that kills its supervisor is no longer served: the kernel
# answers ENOSYS once the listener has gone.
out=$(sv 65534 sh -c 'kill -KILL $PPID
        while grep -q "^State:[[:space:]]*[RSD]" /proc/$PPID/status 2>/dev/null; do sleep 0.01; done
        "$0" socket inet raw 1' "$T/supervise-probe" 2>&1)
check "a command that kills its supervisor: its next raw socket fails with ENOSYS ($out)" \
        test "$out" = "error ENOSYS"

# --- the kernel refuses the filter --------------------------------------------------------------
out=$(as 65534 "$T/supervise-probe" no-seccomp "$T/sockbroker" run --mode=seccomp -- true 2>&1)
rc=$?
check "--mode=seccomp without seccomp: exits 1 and says why (rc=$rc)" \
        eval 'test "$rc" = 1 && grep -q "no seccomp user notification" <<<"$out"'
if command -v python3 >/dev/null; then
        cat >"$T/ping.py" <<'PY'
import os, socket, struct, sys

def checksum(b):
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
        chmod 0644 "$T/ping.py"
        out=$(as 65534 "$T/supervise-probe" no-seccomp "$T/sockbroker" run -- python3 "$T/ping.py" 127.0.0.1 2>&1)
        check "--mode=auto without seccomp: the shim alone serves python3" \
                test "$out" = "echo reply from 127.0.0.1"
        out=$(sv 65534 python3 "$T/ping.py" 127.0.0.1 2>&1)
        check "python3's raw socket under the supervisor alone" test "$out" = "echo reply from 127.0.0.1"
else
        skip_test "python3 is not installed"
        skip_test "python3 is not installed"
fi

if busybox=$(command -v busybox) && ! LC_ALL=C readelf -l "$busybox" | grep -q "program interpreter"; then
        out=$(sv 65534 "$busybox" ping -c 1 -W 5 127.0.0.1 2>&1)
        check "a static busybox ping" grep -q "^1 packets transmitted, 1 packets received" <<<"$out"
        diag "$out"
else
        skip_test "no static busybox (busybox-static) is installed"
fi

# --- packet capture -----------------------------------------------------------------------------
spawn "$T/cap.out" 65534 --mode=seccomp -- "$T/supervise-probe" capture va0 88b5
send_while "$P" vb0 0x88b5
wait "$P"
check "the static probe captures on va0 with a brokered packet socket" \
        grep -q "^captured [0-9]* bytes of 0x88b5 on va0$" "$T/cap.out"
diag "$(cat "$T/cap.out")"

# capture OUT UID RUN-OPTION...: tcpdump -i va0 under `sockbroker run
# RUN-OPTION... --`, as UID, until it has 2 frames of 0x88b5 sent from B;
# tcpdump says "listening on" once its socket is set up. Sets rc.
capture() {
        local out=$1 uid=$2
        shift 2
        spawn "$out" "$uid" "$@" -- timeout 20 tcpdump -i va0 -c 2 -n ether proto 0x88b5
        wait_for 10 grep -q "listening on va0" "$out"
        send_while "$P" vb0 0x88b5
        wait "$P"
        rc=$?
}

if command -v tcpdump >/dev/null; then
        capture "$T/td.out" 65534 --mode=seccomp
        check "tcpdump -i va0 under the supervisor alone captures 2 frames, plain rule (rc=$rc)" \
                eval 'test "$rc" = 0 && grep -q "^2 packets captured" "$T/td.out"'
        diag "$(cat "$T/td.out")"

        capture "$T/td2.out" 65533 --mode=seccomp --iface va0
        check "confined rule: tcpdump gets the locked socket; its own filter, on a ring the supervisor cannot move, runs in user space (rc=$rc)" \
                eval 'test "$rc" = 0 && grep -q "^2 packets captured" "$T/td2.out" &&
                      grep -q "Kernel filter failed: Operation not permitted" "$T/td2.out"'
        diag "$(cat "$T/td2.out")"

        # No hint: the interface comes from tcpdump's own bind().
        capture "$T/td3.out" 65533 --mode=seccomp --debug
        check "no hint: tcpdump -i va0 under an iface=va0 rule captures 2 frames, without --iface (rc=$rc)" \
                eval 'test "$rc" = 0 && grep -q "^2 packets captured" "$T/td3.out" &&
                      grep -q "a placeholder until bind() names the interface" "$T/td3.out"'
        diag "$(cat "$T/td3.out")"
        out=$(run_as 65533 --mode=seccomp --debug -- timeout 10 tcpdump -i any -c 1 2>&1)
        check "no hint: tcpdump -i any, a dgram socket no rule allows: EPERM, and --debug says the broker denied it" \
                eval 'grep -q "Operation not permitted" <<<"$out" &&
                      grep -q "denied: no rule allows packet/dgram" <<<"$out" && ! grep -q placeholder <<<"$out"'
        diag "$out"
        out=$(run_as 65533 --mode=seccomp -- timeout 10 tcpdump -i va1 -c 1 2>&1)
        rc=$?
        check "no hint: tcpdump -i va1, which the rule does not name, fails with EPERM (rc=$rc)" \
                eval 'test "$rc" = 1 && grep -q "Operation not permitted" <<<"$out"'
        diag "$out"
        out=$(run_as 65532 --mode=seccomp -- timeout 10 tcpdump -i va0 -c 1 2>&1)
        rc=$?
        check "no rule at all: tcpdump fails with EPERM, as without the broker (rc=$rc)" \
                eval 'test "$rc" = 1 && grep -q "Operation not permitted" <<<"$out"'
        diag "$out"
else
        for i in 1 2 3 4 5 6; do skip_test "tcpdump is not installed"; done
fi

# No hint, raw system calls: the static probe binds its socket to va0.
for extra in "" options; do
        spawn "$T/cap2.out" 65533 --mode=seccomp -- "$T/supervise-probe" capture va0 88b5 $extra
        send_while "$P" vb0 0x88b5
        wait "$P"
        rc=$?
        if [ -z "$extra" ]; then
                check "no hint: the static probe's socket takes the interface its bind() names (rc=$rc)" \
                        grep -q "^captured [0-9]* bytes of 0x88b5 on va0$" "$T/cap2.out"
        else
                check "SO_RCVBUF and PACKET_AUXDATA set before that bind are kept, on a packet socket (rc=$rc)" \
                        grep -q "^options kept: captured [0-9]* bytes of 0x88b5 on va0$" "$T/cap2.out"
        fi
        diag "$(cat "$T/cap2.out")"
done
out=$(run_as 65533 --mode=seccomp --debug -- "$T/supervise-probe" unbound 2>&1)
check "a placeholder refuses PACKET_FANOUT_DATA (EINVAL) and PACKET_HDRLEN (EPERM); reading it unbound ends at once" \
        grep -q "^fanout-data EINVAL; hdrlen EPERM; read returned 0$" <<<"$out"
check "--debug names the interfaces the policy allows packet sockets on (va0)" \
        grep -q "not bound to an interface.*; the policy allows them on: va0; EPERM$" <<<"$out"
diag "$out"
# A program's own filter on the confined socket, from raw system calls:
# attached to the placeholder, it goes with the request at bind(); after
# it, on the broker's locked socket, the supervisor puts the broker's
# socket with both filters in its place. Only what it passes arrives.
for when in before after; do
        spawn "$T/filt-$when.out" 65533 --mode=seccomp --debug -- \
                "$T/supervise-probe" filtered va0 88b5 5 "$when"
        send_while "$P" vb0 0x88b6 0x88b5
        wait "$P"
        rc=$?
        check "the static probe's own filter, attached $when bind, runs in the kernel: 5 of 0x88b5, none of 0x88b6 (rc=$rc)" \
                eval 'test "$rc" = 0 && grep -q "^filtered: 5 of 0x88b5, 0 other$" "$T/filt-$when.out"'
        diag "$(cat "$T/filt-$when.out")"
done

if command -v python3 >/dev/null; then
        cat >"$T/sniff.py" <<'PY'
# An ordinary AF_PACKET sniffer; it knows nothing of sockbroker.
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x88b5))
s.bind((sys.argv[1], 0))
s.settimeout(10)
frame = s.recv(2048)
print("sniffed %d bytes of 0x%04x on %s" % (len(frame), int.from_bytes(frame[12:14], "big"), sys.argv[1]))
PY
        chmod 0644 "$T/sniff.py"
        spawn "$T/sniff.out" 65533 --mode=seccomp -- python3 "$T/sniff.py" va0
        send_while "$P" vb0 0x88b5
        wait "$P"
        check "no hint: python3's AF_PACKET socket, bound with (\"va0\", 0), sniffs under the iface=va0 rule" \
                grep -q "^sniffed [0-9]* bytes of 0x88b5 on va0$" "$T/sniff.out"
        diag "$(cat "$T/sniff.out")"
else
        skip_test "python3 is not installed"
fi

# --- a Go program --------------------------------------------------------------------------------
if command -v go >/dev/null; then
        mkdir -p "$T/go"
        cp "$abs_top_srcdir/tests/supervise-go.go" "$T/go/main.go"
        if (cd "$T/go" && GOCACHE="$T/go/cache" GOPATH="$T/go/path" GO111MODULE=off CGO_ENABLED=0 \
                go build -o "$T/supervise-go" main.go) >"$T/go/build.log" 2>&1; then
                chmod 0755 "$T/supervise-go"
                out=$(as 65534 "$T/supervise-go" syscall 2>&1)
                check "without sockbroker run, Go's syscall.Socket is refused" \
                        test "$out" = "error: operation not permitted"
                out=$(sv 65534 "$T/supervise-go" syscall 2>&1)
                check "Go: syscall.Socket(AF_INET, SOCK_RAW, ICMP) is served" \
                        test "$out" = "syscall.Socket: granted"
                out=$(sv 65534 "$T/supervise-go" ping 127.0.0.1 2>&1)
                check "Go: net.ListenPacket(\"ip4:icmp\") pings 127.0.0.1" \
                        test "$out" = "echo reply from 127.0.0.1"
                out=$(sv 65534 timeout 60 "$T/supervise-go" goroutines 16 50 2>&1)
                check "Go: 16 goroutines, 800 raw sockets, through the runtime's preemption signals" \
                        test "$out" = "goroutines: 800 granted, 0 refused"
                diag "$out"
        else
                diag "$(cat "$T/go/build.log")"
                for i in 1 2 3 4; do not_ok "the Go probe builds"; done
        fi
else
        for i in 1 2 3 4; do skip_test "the Go toolchain (golang-go) is not installed"; done
fi

# --- clean stop ---------------------------------------------------------------------------------
kill -TERM "$DPID"
wait "$DPID"
rc=$?
check "SIGTERM stops the daemon cleanly (rc=$rc)" test "$rc" = 0
DPID=
no_leftovers() { ! pgrep -f -- "$T" >/dev/null; }
check "no process of the test is left: daemon, supervisors, programs" wait_for 5 no_leftovers
no_leftovers || diag "$(pgrep -a -f -- "$T")"

finish
