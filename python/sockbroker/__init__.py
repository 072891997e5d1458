# SPDX-License-Identifier: LGPL-2.1-or-later
"""sockbroker - Python sockets, with those the kernel refuses from sockbrokerd.

A thin layer of ctypes over libsockbroker(3). Every function that makes a
socket returns an ordinary socket.socket, close-on-exec and so
non-inheritable, as Python's own sockets are; the broker's part ends once
the socket is handed over.

    import socket, sockbroker

    s = sockbroker.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    p = sockbroker.open("packet/raw/0x88b5@eth0")
    t = socket.socket()
    sockbroker.bind(t, ("0.0.0.0", 80))

The broker is reached at $SOCKBROKER_SOCKET, else at
/run/sockbroker/sockbroker.sock. The library is loaded from
$SOCKBROKER_LIBRARY when that is set, else as libsockbroker.so.0.

A refusal raises PermissionError, whose text carries the broker's reason
and the rule that decided, when one did; every other failure raises
OSError with the errno of the call, as socket.socket's methods do.
"""

import ctypes
import errno as _errno
import os
import socket as _socket

__all__ = ["socket", "open", "bind", "setsockopt", "link_set_up", "link_set_bitrate",
           "hci_command"]

# Linux's numbers, for interpreters whose socket module lacks a name.
_SO_DOMAIN = getattr(_socket, "SO_DOMAIN", 39)
_SO_PROTOCOL = getattr(_socket, "SO_PROTOCOL", 38)
_SO_BINDTODEVICE = getattr(_socket, "SO_BINDTODEVICE", 25)
_AF_PACKET = getattr(_socket, "AF_PACKET", 17)
_AF_BLUETOOTH = getattr(_socket, "AF_BLUETOOTH", 31)

# The options sb_setsockopt() asks the broker for, at SOL_SOCKET.
_BROKERED_OPTIONS = frozenset(getattr(_socket, name, number) for name, number in (
    ("SO_PRIORITY", 12), ("SO_MARK", 36), ("SO_BINDTODEVICE", 25),
    ("SO_RCVBUFFORCE", 33), ("SO_SNDBUFFORCE", 32)))

# The families and types a spec names (sb_open(3)).
_SPEC_FAMILIES = {_socket.AF_INET: "inet", _socket.AF_INET6: "inet6", _AF_PACKET: "packet"}
_SPEC_TYPES = {_socket.SOCK_STREAM: "stream", _socket.SOCK_DGRAM: "dgram",
               _socket.SOCK_RAW: "raw", _socket.SOCK_SEQPACKET: "seqpacket",
               _socket.SOCK_RDM: "rdm"}
_TYPE_FLAGS = _socket.SOCK_NONBLOCK | _socket.SOCK_CLOEXEC

# 255 bytes always hold an HCI command's return parameters.
_HCI_RET_MAX = 255


class _SockaddrStorage(ctypes.Structure):
    """struct sockaddr_storage: 128 bytes, aligned as the largest address."""
    _fields_ = [("data", ctypes.c_uint64 * 16)]


def _load():
    lib = ctypes.CDLL(os.environ.get("SOCKBROKER_LIBRARY") or "libsockbroker.so.0",
                      use_errno=True)
    c_int, c_socklen = ctypes.c_int, ctypes.c_uint32
    prototypes = {
        "sb_socket": (c_int, [c_int, c_int, c_int]),
        "sb_open": (c_int, [ctypes.c_char_p, c_int]),
        "sb_addr_parse": (c_int, [c_int, c_int, ctypes.c_char_p,
                                  ctypes.POINTER(_SockaddrStorage), ctypes.POINTER(c_socklen)]),
        "sb_bind": (c_int, [c_int, ctypes.POINTER(_SockaddrStorage), c_socklen]),
        "sb_getsockopt_int": (c_int, [c_int, c_int, c_int, ctypes.POINTER(c_int)]),
        "sb_setsockopt": (c_int, [c_int, c_int, c_int, ctypes.c_char_p, c_socklen]),
        "sb_setsockopt_int": (c_int, [c_int, c_int, c_int, c_int]),
        "sb_link_set_up": (c_int, [ctypes.c_char_p, ctypes.c_bool]),
        "sb_link_set_bitrate": (c_int, [ctypes.c_char_p, ctypes.c_uint32]),
        "sb_hci_command": (ctypes.c_ssize_t, [ctypes.c_uint, ctypes.c_uint16, ctypes.c_char_p,
                                              ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t]),
        "sb_broker_message": (ctypes.c_char_p, []),
        "sb_broker_rule": (ctypes.c_char_p, []),
    }
    for name, (restype, argtypes) in prototypes.items():
        function = getattr(lib, name)
        function.restype = restype
        function.argtypes = argtypes
    return lib


_lib = _load()


def _error(brokered):
    """The exception for the errno of the call that just failed.

    brokered says whether the call went to the broker; only then is the
    broker's text about this call rather than an earlier one of the same
    thread, and it is added: the reason of a refusal and its rule, or why
    the broker could not be reached. OSError picks the subclass from the
    errno, so a refusal (EPERM, EACCES) is a PermissionError.
    """
    err = ctypes.get_errno()
    text = os.strerror(err)
    if brokered:
        message = _lib.sb_broker_message().decode("utf-8", "replace")
        rule = _lib.sb_broker_rule().decode("utf-8", "replace")
        if message:
            text += ": " + message
        if rule:
            text += " (" + rule + ")"
    return OSError(err, text)


def _check_range(what, value, maximum):
    # ctypes would silently truncate a number too large for the C type.
    if not 0 <= value <= maximum:
        raise ValueError("%s out of range: %d" % (what, value))


def _fileno(sock):
    fd = sock if isinstance(sock, int) else sock.fileno()
    if fd < 0:
        raise OSError(_errno.EBADF, os.strerror(_errno.EBADF))
    return fd


def _getsockopt_int(fd, name):
    value = ctypes.c_int()
    if _lib.sb_getsockopt_int(fd, _socket.SOL_SOCKET, name, ctypes.byref(value)) < 0:
        raise _error(False)
    return value.value


def _adopt(fd, family=-1, type=-1, proto=-1, nonblock=False):
    """A socket.socket owning fd; -1 asks the kernel for the attribute."""
    try:
        sock = _socket.socket(family, type, proto, fileno=fd)
    except BaseException:
        os.close(fd)
        raise
    if nonblock:
        sock.setblocking(False)
    return sock


def socket(family=_socket.AF_INET, type=_socket.SOCK_STREAM, proto=0, iface=None):
    """socket.socket(family, type, proto), with the broker's socket when the kernel refuses.

    The kernel is asked first; only when it refuses with EPERM or EACCES is
    the broker asked for the same family, type and protocol (for AF_PACKET
    an EtherType in network byte order, socket.htons(0x88b5)).
    SOCK_NONBLOCK and SOCK_CLOEXEC in type work as for socket.socket, and
    the socket is non-inheritable either way.

    iface, for AF_PACKET, AF_INET and AF_INET6, names an interface: a
    packet socket is bound to it, an IP socket pinned to it with
    SO_BINDTODEVICE. The broker then receives a spec naming the interface,
    "packet/raw/0x88b5@eth0", so rules with iface= can grant it.
    """
    if iface is None:
        fd = _lib.sb_socket(family, type, proto)
        if fd < 0:
            err = ctypes.get_errno()
            raise _error(err in (_errno.EPERM, _errno.EACCES))
        return _adopt(fd, family, type, proto)

    if family not in _SPEC_FAMILIES or type & ~_TYPE_FLAGS not in _SPEC_TYPES:
        raise ValueError("iface needs AF_PACKET, AF_INET or AF_INET6 and a known type")
    _check_range("proto", proto, 0xffff)
    try:
        sock = _socket.socket(family, type, proto)
    except PermissionError:
        sock = None
    if sock is None:
        number = _socket.ntohs(proto) if family == _AF_PACKET else proto
        spec = "%s/%s/0x%x@%s" % (_SPEC_FAMILIES[family], _SPEC_TYPES[type & ~_TYPE_FLAGS],
                                  number, iface)
        fd = _lib.sb_open(os.fsencode(spec), type & _socket.SOCK_NONBLOCK)
        if fd < 0:
            raise _error(True)
        return _adopt(fd, family, type, proto)
    try:
        if family == _AF_PACKET:
            sock.bind((iface, _socket.ntohs(proto)))
        else:
            setsockopt(sock, _socket.SOL_SOCKET, _SO_BINDTODEVICE, os.fsencode(iface))
    except BaseException:
        sock.close()
        raise
    return sock


def open(spec, nonblock=False):
    """The socket a spec describes, from the broker: sb_open(3).

    spec is "FAMILY/TYPE[/PROTOCOL][@ADDRESS]", such as "inet/raw/icmp",
    "packet/raw/0x88b5@eth0" or "can/isotp@can0,0x7e8,0x7e0"; the broker
    creates, binds and confines the socket before it hands it over. The
    kernel is not asked. The returned socket.socket has the family, type
    and proto the kernel reports; nonblock=True makes it non-blocking.
    """
    fd = _lib.sb_open(os.fsencode(spec), _socket.SOCK_NONBLOCK if nonblock else 0)
    if fd < 0:
        raise _error(True)
    return _adopt(fd, nonblock=nonblock)


def _numeric_host(family, host):
    if family == _socket.AF_INET and host in ("", "<broadcast>"):
        return host
    if family == _socket.AF_INET6 and host == "":
        return "::"
    try:
        _socket.inet_pton(family, host.partition("%")[0])
        return host
    except OSError:
        pass
    # A name, resolved as socket.bind would.
    return _socket.getaddrinfo(host, None, family)[0][4][0]


def _address_text(family, address):
    """address in the text grammar of sockbroker-addresses(7)."""
    if isinstance(address, (str, bytes)):
        return address
    if family == _socket.AF_INET:
        host, port = address
        return "%s:%d" % (_numeric_host(family, host), port)
    if family == _socket.AF_INET6:
        host, port, flowinfo, scope_id = (tuple(address) + (0, 0))[:4]
        host, _, scope = _numeric_host(family, host).partition("%")
        if scope_id:
            scope = str(scope_id)
        text = "[%s%s]:%d" % (host, "%" + scope if scope else "", port)
        return text + (",0x%x" % flowinfo if flowinfo else "")
    raise TypeError("address must be a string for address family %d" % family)


def bind(sock, address):
    """sock.bind(address), with the broker binding what the kernel refuses: sb_bind(3).

    The kernel is asked first; a port below the unprivileged range of an
    AF_INET or AF_INET6 socket, or an L2CAP PSM below 0x1001, that it
    refuses is bound by the broker, as the policy's bind= word allows.
    sock is a socket.socket or a descriptor. address is a tuple as
    socket.bind takes it for AF_INET and AF_INET6, ("0.0.0.0", 80), or
    text in the grammar of sockbroker-addresses(7) for any family,
    "0.0.0.0:80", "[::]:443", "00:00:00:00:00:00,0x0019".
    """
    fd = _fileno(sock)
    family = _getsockopt_int(fd, _SO_DOMAIN)
    text = _address_text(family, address)
    storage, length = _SockaddrStorage(), ctypes.c_uint32(ctypes.sizeof(_SockaddrStorage))
    if _lib.sb_addr_parse(family, _getsockopt_int(fd, _SO_PROTOCOL), os.fsencode(text),
                          ctypes.byref(storage), ctypes.byref(length)) < 0:
        raise _error(False)
    if _lib.sb_bind(fd, ctypes.byref(storage), length.value) < 0:
        err = ctypes.get_errno()
        raise _error(err in (_errno.EPERM, _errno.EACCES) and
                     family in (_socket.AF_INET, _socket.AF_INET6, _AF_BLUETOOTH))


def setsockopt(sock, level, name, value):
    """sock.setsockopt(level, name, value), with the broker setting what the kernel refuses.

    The kernel is asked first; when it refuses SO_BINDTODEVICE, SO_MARK,
    SO_PRIORITY above 6, SO_RCVBUFFORCE or SO_SNDBUFFORCE (at SOL_SOCKET)
    with EPERM, the broker sets the option, as the policy's option= word
    allows: sb_setsockopt(3). sock is a socket.socket or a descriptor;
    value an int or a bytes-like object, such as b"eth0".
    """
    fd = _fileno(sock)
    if isinstance(value, int):
        r = _lib.sb_setsockopt_int(fd, level, name, value)
    else:
        data = bytes(value)
        r = _lib.sb_setsockopt(fd, level, name, data, len(data))
    if r < 0:
        err = ctypes.get_errno()
        raise _error(err in (_errno.EPERM, _errno.EACCES) and
                     level == _socket.SOL_SOCKET and name in _BROKERED_OPTIONS)


def link_set_up(ifname, up=True):
    """Has the broker set interface ifname up, or down with up=False: sb_link_set_up(3)."""
    if _lib.sb_link_set_up(os.fsencode(ifname), bool(up)) < 0:
        raise _error(True)


def link_set_bitrate(ifname, bitrate):
    """Has the broker set CAN interface ifname's bitrate, in bit/s: sb_link_set_bitrate(3).

    The kernel changes it only while the link is down.
    """
    _check_range("bitrate", bitrate, 0xffffffff)
    if _lib.sb_link_set_bitrate(os.fsencode(ifname), bitrate) < 0:
        raise _error(True)


def hci_command(dev, opcode, params=b""):
    """Has the broker send an HCI command to controller hci<dev>: sb_hci_command(3).

    opcode is OGF << 10 | OCF, params the command's parameters (at most
    255 bytes). Returns the bytes of the Command Complete's return
    parameters, status first, or the Command Status's status byte; a
    status other than 0 is the controller's answer, not an exception.
    """
    _check_range("dev", dev, 0xffffffff)
    _check_range("opcode", opcode, 0xffff)
    data = bytes(params)
    ret = ctypes.create_string_buffer(_HCI_RET_MAX)
    n = _lib.sb_hci_command(dev, opcode, data, len(data), ret, len(ret))
    if n < 0:
        raise _error(True)
    return ret.raw[:n]
