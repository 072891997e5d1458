#!/usr/bin/python3
# can-client.py - the CAN side of tests/vm/guest-broker.sh, inside the VM.
#
# Each mode uses the sockets `sockbroker open SPEC... -- can-client.py MODE`
# passes as fds 3, 4, ... (LISTEN_FDS), never a socket of its own, and
# prints what really went over the bus, one fact per line, for the shell to
# check. Every wait is bounded; the exit status is 0 only when the traffic
# arrived as expected.
#
#   raw RXID DATA      fd 3 sends 5A1#C0FFEE01 and fd 4 (if given, a CAN FD
#                      socket) a 64-byte FD frame 5A2, once a second,
#                      until fd 3 receives RXID#DATA (from cansend)
#   send ID DATA       fd 3 sends ID#DATA every half second until killed
#   bcm                fd 3 (CAN_BCM): cyclic TX_SETUP of 456#11223344, and
#                      RX_SETUP on 0x333, reporting each RX_CHANGED
#   isotp              fd 3 and fd 4, ids swapped, exchange 4096 bytes each
#                      way
#   j1939 PGN A B      fd 3 (address A) and fd 4 (address B) send PGN to each
#                      other
#   netlink IFNAME     run as root: a NETLINK_ROUTE socket made as root, then
#                      the process drops to uid 65534 and asks for IFNAME
#                      down; then a socket made by uid 65534 asks the same
import errno
import hashlib
import os
import socket
import struct
import sys
import time

TIMEOUT = 30.0
SO_DOMAIN = getattr(socket, "SO_DOMAIN", 39)
SO_PROTOCOL = getattr(socket, "SO_PROTOCOL", 38)


def say(*args):
    print(*args, flush=True)


def fds():
    n = int(os.environ.get("LISTEN_FDS", "0"))
    # With the family given, Python does not call getsockname(), which
    # CAN_BCM and an unbound HCI monitor socket do not support.
    return [socket.socket(socket.AF_CAN, fileno=3 + i) for i in range(n)]


def describe(s):
    """What the kernel says the socket is, not what Python was told."""
    return "family=%d type=%d proto=%d" % tuple(
        s.getsockopt(socket.SOL_SOCKET, opt) for opt in (SO_DOMAIN, socket.SO_TYPE, SO_PROTOCOL))


def frame_text(can_id, data):
    return "%03X#%s" % (can_id, data.hex().upper())


CAN_FRAME = struct.Struct("=IB3x8s")
CANFD_FRAME = struct.Struct("=IBBxx64s")


def raw_recv_until(s, can_id, data, deadline):
    while time.monotonic() < deadline:
        s.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            buf = s.recv(CANFD_FRAME.size)
        except socket.timeout:
            break
        cid, dlc, payload = CAN_FRAME.unpack(buf[:CAN_FRAME.size])
        got = payload[:dlc]
        say("received", frame_text(cid & socket.CAN_EFF_MASK, got))
        if cid == can_id and got == data:
            return True
    return False


def mode_raw(rx_id, rx_data):
    socks = fds()
    s = socks[0]
    fd = socks[1] if len(socks) > 1 else None
    say("fd 3:", describe(s), "bound to", s.getsockname())
    if fd:
        say("fd 4:", describe(fd), "bound to", fd.getsockname(), "CAN_RAW_FD_FRAMES",
            fd.getsockopt(socket.SOL_CAN_RAW, socket.CAN_RAW_FD_FRAMES))
    data = bytes.fromhex("C0FFEE01")
    want = bytes.fromhex(rx_data)
    deadline = time.monotonic() + TIMEOUT
    got = False
    # Again every second, until cansend's frame arrives: the bus reader
    # may start late under emulation.
    while not got and time.monotonic() < deadline:
        s.send(CAN_FRAME.pack(0x5A1, len(data), data))
        say("sent", frame_text(0x5A1, data))
        if fd:
            fd.send(CANFD_FRAME.pack(0x5A2, 64, 0, bytes(range(64))))
            say("sent an FD frame 5A2 of 64 bytes")
        got = raw_recv_until(s, int(rx_id, 16), want, min(deadline, time.monotonic() + 1))
    say("got" if got else "did not get", frame_text(int(rx_id, 16), want))
    return 0 if got else 1


def mode_send(can_id, data):
    s = fds()[0]
    say("fd 3:", describe(s), "bound to", s.getsockname())
    say("interfaces here:", " ".join(name for _, name in socket.if_nameindex()))
    data = bytes.fromhex(data)
    # Every half second until killed or TIMEOUT: the bus reader may start
    # late under emulation.
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        s.send(CAN_FRAME.pack(int(can_id, 16), len(data), data))
        say("sent", frame_text(int(can_id, 16), data))
        time.sleep(0.5)
    return 0


# struct bcm_msg_head: opcode, flags, count, ival1, ival2, can_id, nframes,
# then the frames, 8-byte aligned.
BCM_HEAD = struct.Struct("@3I4l2I0q")


def bcm_msg(opcode, flags, count, ival1, ival2, can_id, frames):
    head = BCM_HEAD.pack(opcode, flags, count, ival1[0], ival1[1], ival2[0], ival2[1],
                         can_id, len(frames))
    return head + b"".join(CAN_FRAME.pack(cid, len(d), d.ljust(8, b"\0")) for cid, d in frames)


def mode_bcm():
    s = fds()[0]
    say("fd 3:", describe(s))
    data = bytes.fromhex("11223344")
    # Every 100 ms, until the socket closes.
    s.send(bcm_msg(socket.CAN_BCM_TX_SETUP, socket.CAN_BCM_SETTIMER | socket.CAN_BCM_STARTTIMER,
                   0, (0, 0), (0, 100000), 0x456, [(0x456, data)]))
    say("tx-setup", frame_text(0x456, data), "every 100 ms")
    # A change in any data byte is reported; the same frame again is not.
    s.send(bcm_msg(socket.CAN_BCM_RX_SETUP, 0, 0, (0, 0), (0, 0), 0x333,
                   [(0x333, b"\xff" * 8)]))
    say("rx-setup 333")
    changes = []
    quiet_until = None
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        # After the second change, wait a little for any report that
        # should not come.
        if len(changes) >= 2 and time.monotonic() > quiet_until:
            break
        s.settimeout(0.2)
        try:
            msg = s.recv(BCM_HEAD.size + CAN_FRAME.size)
        except socket.timeout:
            continue
        head = BCM_HEAD.unpack(msg[:BCM_HEAD.size])
        opcode, can_id, nframes = head[0], head[7], head[8]
        if opcode != socket.CAN_BCM_RX_CHANGED or nframes < 1:
            say("bcm message opcode", opcode)
            continue
        cid, dlc, payload = CAN_FRAME.unpack(msg[BCM_HEAD.size:BCM_HEAD.size + CAN_FRAME.size])
        changes.append(payload[:dlc].hex().upper())
        say("RX_CHANGED", frame_text(cid, payload[:dlc]))
        if len(changes) == 2:
            quiet_until = time.monotonic() + 1.0
    say("rx-changed 333:", " ".join(changes))
    s.send(bcm_msg(socket.CAN_BCM_TX_DELETE, 0, 0, (0, 0), (0, 0), 0x456, []))
    return 0 if changes == ["01", "02"] else 1


def pattern(n, seed):
    out = b""
    while len(out) < n:
        out += hashlib.sha256(seed + len(out).to_bytes(4, "big")).digest()
    return out[:n]


def mode_isotp():
    a, b = fds()[:2]
    say("fd 3:", describe(a), "fd 4:", describe(b))
    ok = True
    for name, tx, rx, seed in (("3 -> 4", a, b, b"a"), ("4 -> 3", b, a, b"b")):
        msg = pattern(4096, seed)
        tx.settimeout(TIMEOUT)
        rx.settimeout(TIMEOUT)
        # The receiving socket's flow control runs in the kernel, which
        # gives up after 1 s without it (ECOMM): a stalled emulator can
        # miss that, so a second try is allowed.
        for attempt in (1, 2):
            try:
                tx.send(msg)
                got = rx.recv(8192)
                break
            except OSError as e:
                if e.errno != errno.ECOMM or attempt == 2:
                    raise
                say("isotp %s: %s, once more" % (name, e))
        same = got == msg
        ok = ok and same
        say("isotp %s: %d bytes sent, %d received, %s" %
            (name, len(msg), len(got), "content equal" if same else "CONTENT DIFFERS"))
    return 0 if ok else 1


def mode_j1939(pgn, addr_a, addr_b):
    a, b = fds()[:2]
    pgn, addr_a, addr_b = int(pgn, 16), int(addr_a, 16), int(addr_b, 16)
    say("fd 3:", describe(a), a.getsockname(), "fd 4:", b.getsockname())
    ok = True
    for tx, rx, src, dst, data in ((a, b, addr_a, addr_b, b"J1939-AB"),
                                   (b, a, addr_b, addr_a, b"J1939-BA")):
        rx.settimeout(TIMEOUT)
        tx.sendto(data, ("", socket.J1939_NO_NAME, pgn, dst))
        got, frm = rx.recvfrom(64)
        good = got == data and frm[2] == pgn and frm[3] == src
        ok = ok and good
        say("j1939 0x%02x -> 0x%02x pgn 0x%05x: received %r from %r%s" %
            (src, dst, pgn, got, frm, "" if good else " MISMATCH"))
    return 0 if ok else 1


RTM_NEWLINK = 16
NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLMSG_ERROR = 2
IFF_UP = 1


def link_down(s, ifindex):
    body = struct.pack("=BxHiII", socket.AF_UNSPEC, 0, ifindex, 0, IFF_UP)
    hdr = struct.pack("=IHHII", 16 + len(body), RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, 1, 0)
    s.send(hdr + body)
    s.settimeout(TIMEOUT)
    reply = s.recv(4096)
    _, kind = struct.unpack_from("=IH", reply)
    if kind != NLMSG_ERROR:
        return None
    return -struct.unpack_from("=i", reply, 16)[0]


def mode_netlink(ifname):
    ifindex = socket.if_nametoindex(ifname)
    handed = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    os.setgroups([])
    os.setresgid(65534, 65534, 65534)
    os.setresuid(65534, 65534, 65534)
    results = []
    e = link_down(handed, ifindex)
    results.append(e)
    say("netlink socket made by root, used by uid %d: errno %s (%s)" %
        (os.getuid(), e, os.strerror(e) if e else "success"))
    own = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    e = link_down(own, ifindex)
    results.append(e)
    say("netlink socket made by uid %d: errno %s (%s)" %
        (os.getuid(), e, os.strerror(e) if e else "success"))
    return 0 if results == [errno.EPERM, errno.EPERM] else 1


MODES = {"raw": mode_raw, "send": mode_send, "bcm": mode_bcm, "isotp": mode_isotp,
         "j1939": mode_j1939, "netlink": mode_netlink}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in MODES:
        sys.exit("usage: can-client.py %s [ARG...]" % "|".join(MODES))
    try:
        sys.exit(MODES[sys.argv[1]](*sys.argv[2:]))
    except (OSError, ValueError, IndexError) as e:
        say("error:", repr(e))
        sys.exit(1)
