#!/usr/bin/python3
# unchroot.py CMD [ARG...] - run CMD, as root, where the kernel allows new
# user namespaces.
#
# The VM's init chroots into the guest's root instead of making it the root
# of the mount namespace, and the kernel refuses CLONE_NEWUSER to a
# chrooted process (EPERM). So this takes a private mount namespace, steps
# out of the chroot, moves the guest's root onto the namespace's root, as
# switch_root(8) does, and enters it there. Nothing outside this process
# and its children changes.
import ctypes
import os
import sys
import tempfile

CLONE_NEWNS, MS_MOVE, MS_REC, MS_PRIVATE = 0x20000, 0x2000, 0x4000, 1 << 18

libc = ctypes.CDLL(None, use_errno=True)
libc.mount.argtypes = (ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong,
                       ctypes.c_void_p)


def check(r, what):
    if r != 0:
        e = ctypes.get_errno()
        sys.exit("unchroot: %s: %s" % (what, os.strerror(e)))


def main(cmd):
    here, init = os.stat("/"), os.stat("/proc/1/root")
    if (here.st_dev, here.st_ino) == (init.st_dev, init.st_ino):
        os.execvp(cmd[0], cmd)  # not in a chroot: nothing to do
    check(libc.unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)")
    guest_root = os.open("/", os.O_RDONLY | os.O_DIRECTORY)
    # Out of the chroot: a root below the working directory, then up.
    below = tempfile.mkdtemp()
    os.chroot(below)
    os.fchdir(guest_root)
    for _ in range(64):
        os.chdir("..")
    os.chroot(".")
    check(libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "making the mounts private")
    # The guest's root, with its mounts, onto the namespace's root.
    os.fchdir(guest_root)
    check(libc.mount(b".", b"/", None, MS_MOVE, None), "moving the root")
    os.chroot(".")
    os.chdir("/")
    os.close(guest_root)
    os.rmdir(below)
    os.execvp(cmd[0], cmd)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: unchroot.py CMD [ARG...]")
    main(sys.argv[1:])
