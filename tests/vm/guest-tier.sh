#!/bin/bash
# guest-tier.sh - runs inside the VM (see vm-tier.sh), as root, on Debian's
# stock kernel, which has AF_CAN. Prints one line per check, "ok - ..."
# or "not ok - ...", for vm-tier.sh to number; "# ..." lines are notes.
#
# Environment: abs_top_builddir, abs_top_srcdir, SOCKET_API_RST.
set -u

pass() { echo "ok - $*"; }
fail() { echo "not ok - $*"; }
note() { sed 's/^/# /'; }

W=$(mktemp -d /tmp/sockbroker-guest.XXXXXX)
chmod 0755 "$W"
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
export SOCKBROKER_PRELOAD=$abs_top_builddir/.libs/libsockbroker-preload.so
SOCKBROKER=$abs_top_builddir/sockbroker

# 1. The socket reference's CAN examples as C programs (the others run
#    natively in tests/examples.sh): can-raw echoes the frame can-bcm sends.
EX=$abs_top_builddir/examples
ip link add dev vcan2 type vcan && ip link set vcan2 up
as_nobody "$EX/can-raw" vcan2 1 >"$W/can-raw.out" 2>&1 &
raw=$!
sleep 3
as_nobody "$EX/can-bcm" vcan2 >"$W/can-bcm.out" 2>&1
wait "$raw"
if grep -qF "Received: can_id=1, can_dlc=3, data=b'\\x01\\x02\\x03'" "$W/can-raw.out"; then
        pass "examples: the CAN raw socket receives the BCM example's frame, as uid 65534"
else
        fail "examples: the CAN raw socket receives the BCM example's frame, as uid 65534"
fi
note <"$W/can-raw.out"
note <"$W/can-bcm.out"

# 2. can-utils, unmodified, as uid 65534 under `sockbroker run`, in
#    each of its modes (CAN sockets need no privilege: the point is that
#    nothing in the way breaks them).
ip link add dev vcan1 type vcan && ip link set vcan1 up
for mode in preload seccomp; do
        as_nobody "$SOCKBROKER" run --mode=$mode -- timeout 40 candump -n 1 vcan1 >"$W/candump.out" 2>&1 &
        dump=$!
        # Under emulation a program can take seconds to start: send until seen.
        sleep 3
        for _ in $(seq 30); do
                as_nobody "$SOCKBROKER" run --mode=$mode -- cansend vcan1 123#DEADBEEF >"$W/cansend.out" 2>&1
                kill -0 "$dump" 2>/dev/null || break
                sleep 1
        done
        wait "$dump"
        if grep -q '123 *\[4\] *DE AD BE EF' "$W/candump.out"; then
                pass "candump under sockbroker run --mode=$mode sees cansend's frame, both as uid 65534"
        else
                fail "candump under sockbroker run --mode=$mode sees cansend's frame, both as uid 65534"
        fi
        note <"$W/candump.out"
        note <"$W/cansend.out"
done

# 3. The reference's CAN_RAW example, run as written under `sockbroker
#    run`, and with socket.socket replaced by sockbroker.socket (the
#    Python module over libsockbroker) and nothing else changed, as uid
#    65534: it prints the frame it receives and sends it back.
# can_example NAME SCRIPT CMD...: runs SCRIPT with CMD as uid 65534 on vcan0.
can_example() {
        local name=$1 script=$2 ex bus
        shift 2
        candump -T 60000 vcan0 >"$W/bus.out" 2>&1 &
        bus=$!
        # setpriv itself, not as_nobody: $! must be the process that the
        # kill below stops, not a subshell that would leave it echoing
        # frames on vcan0 for the checks after this one.
        setpriv --reuid=65534 --regid=65534 --clear-groups \
                "$@" timeout 60 /usr/bin/python3 -u "$script" >"$W/can-example.out" 2>&1 &
        ex=$!
        # Python starts slowly under emulation: send until it answers.
        sleep 3
        for _ in $(seq 45); do
                cansend vcan0 321#0102
                sleep 1
                grep -q Received "$W/can-example.out" && break
        done
        sleep 0.5
        kill "$ex" "$bus" 2>/dev/null
        wait "$ex" "$bus" 2>/dev/null
        # It prints what it receives, echoes it, and sends frame 0x001.
        if grep -qF "Received: can_id=321, can_dlc=2, data=b'\\x01\\x02'" "$W/can-example.out" &&
           [ "$(grep -c '321 *\[2\] *01 02' "$W/bus.out")" -ge 2 ] &&
           grep -q '001 *\[3\] *01 02 03' "$W/bus.out"; then
                pass "$name receives a frame and echoes it, as uid 65534"
        else
                fail "$name receives a frame and echoes it, as uid 65534"
        fi
        note <"$W/can-example.out"
        note <"$W/bus.out"
}
if [ -r "${SOCKET_API_RST:-}" ]; then
        sed -n '/^This last example might require special privileges::/,/^Running an example several times/p' \
                "$SOCKET_API_RST" | sed '1d;$d' |
                /usr/bin/python3 "$abs_top_srcdir/tests/vm/reindent-example.py" >"$W/can-example.py"
        sed -e 's/^import socket$/import socket, sockbroker/' -e 's/socket\.socket(/sockbroker.socket(/' \
                "$W/can-example.py" >"$W/can-example-sb.py"
        ip link add dev vcan0 type vcan && ip link set vcan0 up
        can_example "the reference's CAN_RAW example" "$W/can-example.py" "$SOCKBROKER" run --
        if grep -q "sockbroker.socket(socket.AF_CAN" "$W/can-example-sb.py"; then
                can_example "the reference's CAN_RAW example with sockbroker.socket" \
                        "$W/can-example-sb.py" env PYTHONPATH="$abs_top_srcdir/python" \
                        SOCKBROKER_LIBRARY="$abs_top_builddir/.libs/libsockbroker.so.0"
        else
                fail "the reference's CAN_RAW example names socket.socket, for sockbroker.socket"
        fi
else
        echo "# skipped: the reference's CAN examples (no socket-api.rst beside the tree)"
fi
rm -rf "$W"

# 4. The real sockbrokerd with CAN and Bluetooth, in the same boot.
bash "$abs_top_srcdir/tests/vm/guest-broker.sh"
