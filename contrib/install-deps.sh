#!/bin/bash
# install-deps.sh - installs what sockbroker needs to build and test, from
# Debian's archive, and creates the sockbroker system user. Idempotent;
# run as root.
set -euo pipefail

packages=(
        # build
        build-essential autoconf automake libtool pkg-config
        libsystemd-dev libprotobuf-c-dev protobuf-c-compiler libmnl-dev libseccomp-dev check
        # tests
        iproute2 util-linux procps python3 python3-yaml mandoc valgrind clang libclang-rt-14-dev
        # unmodified programs under `sockbroker run`: a capture tool, a Go
        # program, a static C program (libc6-dev has libc.a), scapy
        tcpdump golang-go python3-scapy
        # the benchmark's alternatives: a helper with file capabilities, a bus
        libcap2-bin dbus-daemon
        # the units and the container tests
        systemd systemd-container
        # the Debian packages
        debhelper dh-python fakeroot lintian
        # the VM tier (CAN and Bluetooth on a real kernel)
        qemu-system-x86 busybox-static cpio kmod can-utils bluez bluez-test-tools
)

[ "$(id -u)" = 0 ] || { echo "install-deps.sh: run as root" >&2; exit 1; }

missing=()
for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
                missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
        echo "install-deps.sh: installing ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
                "${missing[@]}" >/dev/null
fi

# The broker's and the opener's own users, as systemd-sysusers would
# create them on install.
for u in sockbroker sockbroker-opener; do
        getent passwd "$u" >/dev/null ||
                useradd --system --no-create-home --home-dir / --shell /usr/sbin/nologin "$u"
done
