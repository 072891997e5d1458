#!/usr/bin/python3
# bt-client.py - the Bluetooth side of tests/vm/guest-broker.sh, inside the
# VM, with btvirt's linked controllers hci0 and hci1.
#
# Each mode uses the sockets `sockbroker open SPEC... -- bt-client.py MODE`
# passes as fds 3, 4, ... and prints what really went over the controllers,
# one fact per line, for the shell to check. Every wait is bounded; the exit
# status is 0 only when the traffic arrived as expected.
#
#   hci SOCKBROKER SOCK   fd 3: raw HCI on hci0, fd 4: the monitor channel.
#                         Runs `sockbroker hci hci0 read-bd-addr` and finds
#                         its Command Complete on both
#   lescan SOCKBROKER SOCK ADDR
#                         fd 3: raw HCI on hci0. Has the broker start an LE
#                         scan and waits for an advertising report from ADDR
#   user                  fd 3: the user channel of a controller that is down;
#                         sends Read_BD_ADDR on it directly
#   l2cap PEER            fd 3: L2CAP bound by the broker; listens, and a
#                         socket of this process bound to PEER connects to it
#   rfcomm PEER           the same with RFCOMM
#   sco PEER              fd 3: SCO bound by the broker; tries a connect
import os
import re
import socket
import struct
import subprocess
import sys
import time

TIMEOUT = 30.0
SO_DOMAIN = getattr(socket, "SO_DOMAIN", 39)
SO_PROTOCOL = getattr(socket, "SO_PROTOCOL", 38)
HCI_COMMAND_PKT, HCI_EVENT_PKT = 0x01, 0x04
EVT_CMD_COMPLETE, EVT_CMD_STATUS, EVT_LE_META = 0x0E, 0x0F, 0x3E
HCI_MON_COMMAND_PKT, HCI_MON_EVENT_PKT = 2, 3
OP_READ_BD_ADDR, OP_LE_SET_SCAN_ENABLE = 0x1009, 0x200C


def say(*args):
    print(*args, flush=True)


def fds():
    n = int(os.environ.get("LISTEN_FDS", "0"))
    # With the family given, Python does not call getsockname(), which
    # CAN_BCM and an unbound HCI monitor socket do not support.
    return [socket.socket(socket.AF_BLUETOOTH, fileno=3 + i) for i in range(n)]


def describe(s):
    """What the kernel says the socket is, not what Python was told."""
    return "family=%d type=%d proto=%d" % tuple(
        s.getsockopt(socket.SOL_SOCKET, opt) for opt in (SO_DOMAIN, socket.SO_TYPE, SO_PROTOCOL))


def bdaddr(b):
    return ":".join("%02X" % x for x in reversed(b[:6]))


def hexbytes(b):
    return " ".join("%02x" % x for x in b)


def tool(sockbroker, sock, *args):
    """Runs `sockbroker hci` as this process's uid; returns the parameter bytes."""
    p = subprocess.run([sockbroker, "hci", "--socket", sock, *args], capture_output=True,
                       text=True, timeout=TIMEOUT)
    say("sockbroker hci %s: exit %d, stdout %r, stderr %r" %
        (" ".join(args), p.returncode, p.stdout.strip(), p.stderr.strip()))
    if p.returncode != 0:
        return None
    text = p.stdout.strip()
    pairs = re.findall(r"\b(?:0x)?([0-9a-fA-F]{2})\b", text)
    if pairs:
        return bytes(int(x, 16) for x in pairs)
    return bytes.fromhex(re.sub(r"[\s:]", "", text))


def hci_events(s, deadline):
    """Yields (event code, parameters) read from a raw HCI socket."""
    while time.monotonic() < deadline:
        s.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            pkt = s.recv(1024)
        except socket.timeout:
            return
        if len(pkt) >= 3 and pkt[0] == HCI_EVENT_PKT:
            yield pkt[1], pkt[3:3 + pkt[2]]


def own_command(s, opcode, params):
    """The client sending a command itself: the kernel's answer."""
    try:
        s.send(struct.pack("<BHB", HCI_COMMAND_PKT, opcode, len(params)) + params)
        return "sent"
    except OSError as e:
        return "errno %d (%s)" % (e.errno, os.strerror(e.errno))


def filter_text(s):
    raw = s.getsockopt(socket.SOL_HCI, socket.HCI_FILTER, 16)
    type_mask, ev0, ev1 = struct.unpack_from("<III", raw)
    events = [i for i in range(64) if ((ev1 << 32) | ev0) >> i & 1]
    return "type_mask 0x%x events %s" % (type_mask, " ".join("0x%02x" % e for e in events))


def mode_hci(sockbroker, sock):
    raw, mon = fds()[:2]
    say("fd 3:", describe(raw), "fd 4:", describe(mon))
    say("fd 3 filter:", filter_text(raw))
    # The kernel lets an unprivileged sender use only a few commands.
    say("own le-set-scan-enable on fd 3:",
        own_command(raw, OP_LE_SET_SCAN_ENABLE, b"\x00\x00"))
    params = tool(sockbroker, sock, "hci0", "read-bd-addr")
    if params is not None and len(params) == 7:
        say("tool: status 0x%02x address %s" % (params[0], bdaddr(params[1:])))
    ok = params is not None and len(params) == 7 and params[0] == 0
    seen_raw = False
    for code, p in hci_events(raw, time.monotonic() + TIMEOUT):
        if code == EVT_CMD_COMPLETE and len(p) >= 10 and \
                struct.unpack_from("<H", p, 1)[0] == OP_READ_BD_ADDR:
            say("fd 3: Command Complete for 0x1009: status 0x%02x address %s" %
                (p[3], bdaddr(p[4:])))
            seen_raw = p[3:10] == params if params else False
            break
        say("fd 3: event 0x%02x %s" % (code, hexbytes(p)))
    say("fd 3 saw the tool's Command Complete:", "yes" if seen_raw else "no")
    seen_cmd = seen_evt = False
    n = 0
    deadline = time.monotonic() + TIMEOUT
    while not (seen_cmd and seen_evt) and time.monotonic() < deadline:
        mon.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            pkt = mon.recv(2048)
        except socket.timeout:
            break
        n += 1
        op, index, length = struct.unpack_from("<HHH", pkt)
        data = pkt[6:6 + length]
        if op == HCI_MON_COMMAND_PKT and struct.unpack_from("<H", data)[0] == OP_READ_BD_ADDR:
            seen_cmd = True
            say("fd 4: monitor: hci%d command 0x1009" % index)
        if op == HCI_MON_EVENT_PKT and data[0] == EVT_CMD_COMPLETE and \
                struct.unpack_from("<H", data, 3)[0] == OP_READ_BD_ADDR:
            seen_evt = True
            say("fd 4: monitor: hci%d event Command Complete 0x1009 address %s" %
                (index, bdaddr(data[6:])))
    say("fd 4: %d monitor packets; command %s, event %s" %
        (n, "seen" if seen_cmd else "missing", "seen" if seen_evt else "missing"))
    return 0 if ok and seen_raw and seen_cmd and seen_evt else 1


def mode_lescan(sockbroker, sock, adv_addr):
    raw = fds()[0]
    say("fd 3:", describe(raw), "filter:", filter_text(raw))
    say("own le-set-scan-enable on fd 3:",
        own_command(raw, OP_LE_SET_SCAN_ENABLE, b"\x01\x00"))
    # Passive, interval and window 0x0010 (10 ms), public address, no
    # accept list; then enable, duplicates not filtered.
    p1 = tool(sockbroker, sock, "hci0", "le-set-scan-parameters", "00100010000000")
    p2 = tool(sockbroker, sock, "hci0", "le-set-scan-enable", "0100")
    found = None
    n = 0
    for code, p in hci_events(raw, time.monotonic() + TIMEOUT):
        if code != EVT_LE_META:
            say("fd 3: event 0x%02x %s" % (code, hexbytes(p)))
            continue
        n += 1
        if p[0] == 0x02 and p[1] >= 1:
            addr = bdaddr(p[4:10])
            say("fd 3: LE Meta: advertising report, type %d, from %s" % (p[2], addr))
            if addr == adv_addr.upper():
                found = addr
                break
        else:
            say("fd 3: LE Meta subevent 0x%02x %s" % (p[0], hexbytes(p)))
    say("fd 3: %d LE Meta events; report from %s: %s" % (n, adv_addr, "yes" if found else "no"))
    tool(sockbroker, sock, "hci0", "le-set-scan-enable", "0000")
    good = p1 == b"\x00" and p2 == b"\x00" and found
    return 0 if good else 1


def mode_user():
    s = fds()[0]
    say("fd 3:", describe(s))
    s.send(struct.pack("<BHB", HCI_COMMAND_PKT, OP_READ_BD_ADDR, 0))
    for code, p in hci_events(s, time.monotonic() + TIMEOUT):
        if code == EVT_CMD_COMPLETE and struct.unpack_from("<H", p, 1)[0] == OP_READ_BD_ADDR:
            say("user channel: Read_BD_ADDR status 0x%02x address %s" % (p[3], bdaddr(p[4:])))
            return 0 if p[3] == 0 else 1
        say("user channel: event 0x%02x %s" % (code, hexbytes(p)))
    say("user channel: no Command Complete")
    return 1


def exchange(srv, cli, what):
    """srv: a listening brokered socket; cli: connecting, of this process."""
    srv.settimeout(TIMEOUT)
    conn, peer = srv.accept()
    conn.settimeout(TIMEOUT)
    say("%s: accepted a connection from %s" % (what, peer))
    ok = True
    for tx, rx, data in ((cli, conn, b"ping from hci1"), (conn, cli, b"pong from hci0")):
        tx.send(data)
        got = rx.recv(100)
        ok = ok and got == data
        say("%s: sent %r, received %r" % (what, data, got))
    conn.close()
    return ok


def mode_l2cap(peer):
    socks = fds()
    srv = socks[0]
    addr, psm = srv.getsockname()
    say("fd 3:", describe(srv), "bound to %s psm 0x%04x" % (addr, psm))
    for extra in socks[1:]:
        say("fd %d:" % extra.fileno(), describe(extra), "bound to", extra.getsockname())
    # Without the broker, this process may not bind such a PSM.
    own = socket.socket(socket.AF_BLUETOOTH, socket.SOCK_SEQPACKET, socket.BTPROTO_L2CAP)
    try:
        own.bind((addr, psm + 2))
        say("own bind to psm 0x%04x: allowed" % (psm + 2))
    except OSError as e:
        say("own bind to psm 0x%04x: errno %d (%s)" % (psm + 2, e.errno, os.strerror(e.errno)))
    own.close()
    srv.listen(1)
    cli = socket.socket(socket.AF_BLUETOOTH, socket.SOCK_SEQPACKET, socket.BTPROTO_L2CAP)
    cli.bind((peer, 0))
    cli.settimeout(TIMEOUT)
    cli.connect((addr, psm))
    say("l2cap: %s connected to %s psm 0x%04x" % (cli.getsockname()[0], addr, psm))
    return 0 if exchange(srv, cli, "l2cap") else 1


def mode_rfcomm(peer):
    srv = fds()[0]
    addr, channel = srv.getsockname()
    say("fd 3:", describe(srv), "bound to %s channel %d" % (addr, channel))
    srv.listen(1)
    cli = socket.socket(socket.AF_BLUETOOTH, socket.SOCK_STREAM, socket.BTPROTO_RFCOMM)
    cli.bind((peer, 0))
    cli.settimeout(TIMEOUT)
    cli.connect((addr, channel))
    say("rfcomm: %s connected to %s channel %d" % (peer, addr, channel))
    return 0 if exchange(srv, cli, "rfcomm") else 1


def mode_sco(peer):
    s = fds()[0]
    addr = s.getsockname()
    say("fd 3:", describe(s), "bound to", addr)
    # Bookworm's btvirt has no SCO buffers: the connect is refused or never
    # accepted. It only shows the socket is usable; see the shell's note.
    s.settimeout(10)
    try:
        s.connect(peer.encode())
        say("sco connect to %s: connected" % peer)
    except OSError as e:
        say("sco connect to %s: %s" % (peer, e))
    return 0


MODES = {"hci": mode_hci, "lescan": mode_lescan, "user": mode_user, "l2cap": mode_l2cap,
         "rfcomm": mode_rfcomm, "sco": mode_sco}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in MODES:
        sys.exit("usage: bt-client.py %s [ARG...]" % "|".join(MODES))
    try:
        sys.exit(MODES[sys.argv[1]](*sys.argv[2:]))
    except (OSError, ValueError, IndexError, subprocess.SubprocessError) as e:
        say("error:", repr(e))
        sys.exit(1)
