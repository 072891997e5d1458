#!/bin/bash
# Install the host packages the VM test tier needs (Debian/Ubuntu, needs root).
#
# Idempotent: does nothing when every package is already installed, and runs
# `apt-get update` only when something has to be installed.
set -euo pipefail

PACKAGES=(
	qemu-system-x86
	busybox-static
	cpio
	kmod
	iproute2
	can-utils
	bluez
	bluez-test-tools
	python3
)

die() {
	printf 'vm-deps: %s\n' "$*" >&2
	exit 1
}

command -v dpkg-query >/dev/null 2>&1 || die "dpkg-query not found: this script supports Debian-based hosts only"

missing=()
for pkg in "${PACKAGES[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
	if [ "$status" != "installed" ]; then
		missing+=("$pkg")
	fi
done

if [ "${#missing[@]}" -eq 0 ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	die "missing packages: ${missing[*]}; run this script as root (or: sudo apt-get install ${missing[*]})"
fi

printf 'vm-deps: installing %s\n' "${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null || die "apt-get update failed"
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
	die "apt-get install failed for: ${missing[*]}"
