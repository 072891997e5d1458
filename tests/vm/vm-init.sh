#!/bin/sh
# shellcheck shell=sh
# PID 1 of the test VM (busybox sh, inside the initramfs built by vm-setup.sh).
#
# It loads the modules listed in /modules/order, mounts the host's root
# filesystem read-only over 9p with a throw-away tmpfs overlay on top, binds
# the read-write shares listed by the host, chroots into the result and runs
# the command script the host prepared.  The command's output and exit code go
# back to the host through the "harness" 9p share; the exit code is also
# reported through the isa-debug-exit port, then the VM powers off.
#
# Files on the harness share (written by vm-run.sh):
#   cmd.sh   the command script, run with /bin/sh of the host root
#   rw       "TAG PATH" lines: 9p shares to mount read-write at PATH
#   keep     a path under /tmp to keep visible after /tmp becomes a tmpfs
# Files written back:
#   output   stdout and stderr of the command
#   rc       its exit status

PATH=/bin
export PATH
umask 022

NEWROOT=/newroot
P9OPTS=trans=virtio,version=9p2000.L,msize=512000

msg() {
	echo "vm-init: $*"
}

# Leave the VM.  The host treats a missing rc file as a harness failure
# (exit 125) and shows the console log, where these messages end up.
halt() {
	sync
	poweroff -f
	# poweroff -f does not return; if it did, stop here.
	sleep 5
	exit 1
}

fail() {
	msg "ERROR: $*"
	halt
}

mkdir -p /proc /sys /dev
mount -t proc proc /proc || fail "cannot mount /proc"
mount -t sysfs sysfs /sys || fail "cannot mount /sys"
mount -t devtmpfs devtmpfs /dev || fail "cannot mount /dev"
exec </dev/console >/dev/console 2>&1

# Modules, in dependency order, with their parameters (insmod does not apply
# module.param=value from the kernel command line).
if [ -r /modules/order ]; then
	while read -r ko params; do
		[ -n "$ko" ] || continue
		# shellcheck disable=SC2086 # params is a space-separated list
		insmod "/modules/$ko" $params || msg "WARNING: insmod $ko $params failed"
	done </modules/order
else
	msg "WARNING: /modules/order is missing"
fi

ip link set lo up || msg "WARNING: cannot bring up lo"

mkdir -p /harness /lower /ovl "$NEWROOT"
mount -t 9p -o "$P9OPTS,cache=none" harness /harness ||
	fail "cannot mount the harness share"
mount -t 9p -o "$P9OPTS,cache=loose,ro" hostroot /lower ||
	fail "cannot mount the host root share"
mount -t tmpfs -o mode=0755 tmpfs /ovl || fail "cannot mount the overlay tmpfs"
mkdir -p /ovl/upper /ovl/work
mount -t overlay -o lowerdir=/lower,upperdir=/ovl/upper,workdir=/ovl/work \
	overlay "$NEWROOT" || fail "cannot mount the overlay root"

for d in proc sys dev run tmp; do
	mkdir -p "$NEWROOT/$d"
done
mount -t proc proc "$NEWROOT/proc" || fail "cannot mount proc in the new root"
mount -t sysfs sysfs "$NEWROOT/sys" || fail "cannot mount sysfs in the new root"
mount -t devtmpfs devtmpfs "$NEWROOT/dev" || fail "cannot mount devtmpfs in the new root"
mkdir -p "$NEWROOT/dev/pts" "$NEWROOT/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$NEWROOT/dev/pts" ||
	fail "cannot mount devpts in the new root"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$NEWROOT/dev/shm" ||
	fail "cannot mount /dev/shm in the new root"
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs "$NEWROOT/run" ||
	fail "cannot mount /run in the new root"

# /tmp becomes an empty tmpfs.  A working directory below /tmp that is not a
# read-write share stays visible (with throw-away writes) through a bind.
keep=
if [ -s /harness/keep ]; then
	read -r keep </harness/keep || true
fi
if [ -n "$keep" ] && [ -d "$NEWROOT$keep" ]; then
	mkdir -p /keep
	mount -o bind "$NEWROOT$keep" /keep || keep=
else
	keep=
fi
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$NEWROOT/tmp" ||
	fail "cannot mount /tmp in the new root"
if [ -n "$keep" ]; then
	mkdir -p "$NEWROOT$keep"
	mount -o bind /keep "$NEWROOT$keep" || msg "WARNING: cannot keep $keep visible"
fi

# Read-write shares, bound at their host paths.
if [ -s /harness/rw ]; then
	while read -r tag path; do
		[ -n "$tag" ] || continue
		mkdir -p "$NEWROOT$path" || fail "cannot create $path in the new root"
		mount -t 9p -o "$P9OPTS,cache=mmap" "$tag" "$NEWROOT$path" ||
			fail "cannot mount the read-write share $path"
	done </harness/rw
fi

mkdir -p "$NEWROOT/run/sockbroker-vm"
cp /harness/cmd.sh "$NEWROOT/run/sockbroker-vm/cmd.sh" ||
	fail "cannot copy the command script"

# Output to a file, not a pipe, so that stray children cannot hold up the end.
env -i chroot "$NEWROOT" /bin/sh /run/sockbroker-vm/cmd.sh \
	</dev/null >/harness/output 2>&1
rc=$?

if ! { echo "$rc" >/harness/rc.new && mv /harness/rc.new /harness/rc; }; then
	msg "ERROR: cannot write the exit code"
fi
sync
# isa-debug-exit at port 0xf4 (244): qemu exits at once.
# shellcheck disable=SC2059 # the format is the octal escape of one byte
printf "\\$(printf %03o "$rc")" | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
halt
