#!/bin/bash
# examples.sh - the reference's examples, written in C in examples/, run
# and checked: the echo servers and clients over IPv4 and IPv6, the
# recvmsg_into() example, descriptor passing, the timeout rules, a raw
# ICMP socket, and the CAN examples where the kernel has AF_CAN.
set -u
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

EX=$abs_top_builddir/examples
T=$(mktemp -d /tmp/sockbroker-examples.XXXXXX)
SERVER=
cleanup() {
        [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null
        rm -rf "$T"
}
trap cleanup EXIT

# skip DESCRIPTION REASON: a test point that could not run here.
skip() {
        tap_n=$((tap_n + 1))
        echo "ok $tap_n - $1 # SKIP $2"
}

# same NAME EXPECTED ACTUAL: one test point for exact output.
same() {
        if [ "$2" = "$3" ]; then
                ok "$1"
        else
                not_ok "$1"
                diag "expected:
$2
got:
$3"
        fi
}

# echo_round NAME "SERVER-ARGS" HOST PEER-PATTERN: one echo server, one
# client; the server must report the client's address as PEER-PATTERN.
echo_round() {
        local name=$1 sargs=$2 host=$3 peer=$4 out rc port
        # shellcheck disable=SC2086
        "$EX/echo-server" $sargs 0 >"$T/$name.out" 2>&1 &
        SERVER=$!
        if ! wait_for 10 grep -q '^Listening on ' "$T/$name.out"; then
                not_ok "$name: server listens"
                diag "$(cat "$T/$name.out")"
                return
        fi
        port=$(sed -n 's/^Listening on .*:\([0-9]*\)$/\1/p' "$T/$name.out")
        out=$("$EX/echo-client" "$host" "$port" 2>&1)
        same "$name: client gets its echo" "Received b'Hello, world'" "$out"
        wait "$SERVER"
        rc=$?
        SERVER=
        check "$name: server exits 0" test "$rc" -eq 0
        check "$name: server saw the client as $peer" grep -q "^Connected by $peer" "$T/$name.out"
}

echo_round "echo IPv4" "" 127.0.0.1 '127\.0\.0\.1:[0-9]'
if [ -e /proc/net/if_inet6 ]; then
        echo_round "echo IPv6" "-6" ::1 '\[::1\]:[0-9]'
        echo_round "echo IPv6 server, IPv4 client" "-6" 127.0.0.1 \
                '\[::ffff:127\.0\.0\.1\]:[0-9]\|127\.0\.0\.1:[0-9]'
else
        skip "echo IPv6" "no IPv6 in this kernel"
fi

# Nothing listens on a port the kernel just gave back: every attempt
# fails, and the client prints each one's error.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null || echo 9)
out=$("$EX/echo-client" 127.0.0.1 "$port" 2>&1)
rc=$?
check "echo client to a closed port fails" test "$rc" -eq 1
same "echo client reports every attempt" "could not open socket
  127.0.0.1:$port: Connection refused" "$out"

same "recvmsg_into example" "22
(22, [], 0, None)
[bytearray(b'Mary'), bytearray(b'01 had a 9'), bytearray(b'little lamb---')]" \
        "$("$EX/recvmsg-into" 2>&1)"

same "send_fds and recv_fds" "received b'pipe' with 1 descriptor(s)
read from the pipe: hello through a passed descriptor
received 2 of 3 descriptors, MSG_CTRUNC" "$("$EX/fd-passing" 2>&1)"

same "timeouts" "connect to a full backlog, timeout 0.2 s: Connection timed out
recv with nothing to read, timeout 0.2 s: Connection timed out
sendall of 8 MiB nobody reads, timeout 0.5 s: Connection timed out
  sent part of it
recv in non-blocking mode: Resource temporarily unavailable" "$("$EX/timeouts" 2>&1)"

out=$("$EX/raw-icmp" 127.0.0.1 2>&1)
rc=$?
if [ "$rc" -eq 77 ]; then
        skip "raw ICMP socket" "no CAP_NET_RAW and no broker: $out"
else
        same "raw ICMP socket pings 127.0.0.1" "reply from 127.0.0.1: icmp_seq=1" "$out"
fi

# CAN needs AF_CAN and a vcan interface, made in a network namespace of
# our own when we may; can-raw echoes the frame can-bcm sends. can-bcm on
# a missing interface tells which of the two is absent.
can_test() {
        ip link add dev vcan0 type vcan 2>/dev/null || { echo "no vcan"; return 77; }
        ip link set vcan0 up || return 1
        "$EX/can-raw" vcan0 1 >"$T/can-raw.out" 2>&1 &
        local raw=$! rc
        sleep 0.2
        "$EX/can-bcm" vcan0 >"$T/can-bcm.out" 2>&1 || return $?
        wait "$raw"
        rc=$?
        cat "$T/can-raw.out"
        return "$rc"
}
out=$("$EX/can-bcm" sbnosuchcan0 2>&1)
rc=$?
if [ "$rc" -eq 77 ] && grep -q '^socket:' <<<"$out"; then
        skip "CAN raw and BCM examples" "no AF_CAN in this kernel"
elif [ "$rc" -ne 77 ]; then
        not_ok "can-bcm refuses a missing interface"
        diag "exit $rc: $out"
elif [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null || ! command -v ip >/dev/null; then
        skip "CAN raw and BCM examples" "needs root, unshare and ip to make a vcan interface"
else
        export -f can_test
        out=$(EX=$EX T=$T unshare -n bash -c can_test 2>&1)
        rc=$?
        if [ "$rc" -eq 77 ]; then
                skip "CAN raw and BCM examples" "no vcan in this kernel"
        else
                same "CAN raw socket echoes a BCM frame" \
                        "Received: can_id=1, can_dlc=3, data=b'\\x01\\x02\\x03'" "$out"
        fi
fi

finish
