#!/bin/bash
# Prepare the kernel and initramfs of the VM test tier.
#
# Usage: vm-setup.sh [CACHE_DIR]
#
# Fetches Debian's current stock kernel package (the one linux-image-amd64
# depends on) with `apt-get download`, unpacks it into a scratch folder without
# installing it, extracts the uncompressed ELF vmlinux and builds an
# uncompressed initramfs holding busybox, the kernel modules the tests need and
# the guest init (vm-init.sh).  Results go to CACHE_DIR (default:
# ${SOCKBROKER_VM_CACHE:-/var/cache/sockbroker-vm}); a complete cache that
# matches the kernel package and the init/module configuration is left alone.
#
# Exit status: 0 ready, 77 cannot be done here (no qemu, no kernel package,
# missing host tools), 1 other errors.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd -P)
# shellcheck source-path=SCRIPTDIR source=vm-lib.sh
. "$HERE/vm-lib.sh"

PYTHON=/usr/bin/python3
BUSYBOX=/bin/busybox

skip() {
	printf 'vm-setup: SKIP: %s\n' "$*" >&2
	exit 77
}

die() {
	printf 'vm-setup: ERROR: %s\n' "$*" >&2
	exit 1
}

note() {
	printf 'vm-setup: %s\n' "$*" >&2
}

usage() {
	printf 'usage: %s [CACHE_DIR]\n' "$0"
}

case "${1:-}" in
-h | --help)
	usage
	exit 0
	;;
-*)
	usage >&2
	exit 2
	;;
esac
[ "$#" -le 1 ] || {
	usage >&2
	exit 2
}

CACHE=${1:-$(vm_cache_dir)}
START=$SECONDS

# ---------------------------------------------------------------- host tools
DEPS_HINT="install the VM test dependencies with $HERE/vm-deps.sh (as root)"
command -v qemu-system-x86_64 >/dev/null 2>&1 ||
	skip "qemu-system-x86_64 not found; $DEPS_HINT"
for tool in apt-cache apt-get dpkg dpkg-deb cpio depmod modprobe sha256sum flock; do
	command -v "$tool" >/dev/null 2>&1 || skip "$tool not found; $DEPS_HINT"
done
[ -x "$PYTHON" ] || skip "$PYTHON not found; $DEPS_HINT"
"$PYTHON" -c 'import lzma' 2>/dev/null || skip "$PYTHON lacks the lzma module"
[ -x "$BUSYBOX" ] || skip "$BUSYBOX not found; $DEPS_HINT"
# The initramfs holds no shared libraries: busybox must be the static build.
"$PYTHON" - "$BUSYBOX" <<'PY' || skip "$BUSYBOX is not statically linked (install busybox-static)"
import struct, sys
with open(sys.argv[1], "rb") as f:
    data = f.read()
if data[:4] != b"\x7fELF" or data[4] != 2:
    sys.exit(1)
phoff, = struct.unpack_from("<Q", data, 0x20)
phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
for i in range(phnum):
    p_type, = struct.unpack_from("<I", data, phoff + i * phentsize)
    if p_type == 3:  # PT_INTERP: dynamically linked
        sys.exit(1)
PY

# ---------------------------------------------------------------- kernel package
updated=0
apt_update() {
	if [ "$updated" -eq 0 ] && [ "$(id -u)" -eq 0 ]; then
		updated=1
		note "refreshing the package lists (apt-get update)"
		apt-get update -qq >/dev/null 2>&1 || true
		return 0
	fi
	return 1
}

# The kernel package is the one the linux-image-amd64 metapackage depends on
# (what `apt-cache depends linux-image-amd64` names).  Its Depends field
# usually pins the version as well, which saves a second apt-cache call: on
# hosts without apt's binary cache each call parses all package lists.
resolve_kernel() {
	local line dep re
	local -a deps
	KPKG=""
	KVER=""
	line=$(apt-cache show --no-all-versions linux-image-amd64 2>/dev/null |
		sed -n 's/^Depends: //p' | head -n 1) || line=
	re='^[[:space:]]*(linux-image-[0-9][^[:space:]|,]*)([[:space:]]*\(=[[:space:]]*([^)[:space:]]+)[[:space:]]*\))?'
	IFS=',' read -r -a deps <<<"$line" || true
	for dep in "${deps[@]}"; do
		if [[ "$dep" =~ $re ]]; then
			KPKG=${BASH_REMATCH[1]}
			KVER=${BASH_REMATCH[3]}
			break
		fi
	done
	[ -n "$KPKG" ] || return 1
	if [ -z "$KVER" ]; then
		KVER=$(apt-cache policy "$KPKG" 2>/dev/null |
			awk '$1 == "Candidate:" { print $2; exit }') || KVER=
		[ "$KVER" != "(none)" ] || KVER=
	fi
	[ -n "$KVER" ]
}

if ! resolve_kernel && ! { apt_update && resolve_kernel; }; then
	if vm_cache_complete "$CACHE"; then
		note "cannot look up the kernel package; using the cached kernel" \
			"$(vm_stamp_get "$CACHE/stamp" kernel_release || true)"
		exit 0
	fi
	skip "cannot find the kernel package that linux-image-amd64 depends on (apt-cache depends linux-image-amd64); is apt set up?"
fi

if vm_cache_complete "$CACHE" "$KPKG" "$KVER"; then
	note "up to date: $KPKG $KVER in $CACHE"
	exit 0
fi

# ---------------------------------------------------------------- cache + lock
mkdir -p "$CACHE" 2>/dev/null ||
	die "cannot create the cache folder $CACHE (set SOCKBROKER_VM_CACHE or pass CACHE_DIR)"
CACHE=$(cd "$CACHE" && pwd -P)
[ -w "$CACHE" ] ||
	die "the cache folder $CACHE is not writable (set SOCKBROKER_VM_CACHE or pass CACHE_DIR)"

exec {lockfd}>"$CACHE/.lock"
flock -w 1800 "$lockfd" || die "timed out waiting for another vm-setup on $CACHE"

# Another vm-setup may have finished the same work while we waited.
if vm_cache_complete "$CACHE" "$KPKG" "$KVER"; then
	note "up to date: $KPKG $KVER in $CACHE"
	exit 0
fi

note "building the VM kernel and initramfs from $KPKG $KVER in $CACHE"

WORK=$(mktemp -d "$CACHE/.build.XXXXXX")
cleanup() {
	rm -rf -- "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A previously downloaded package of the same version is reused.
find_cached_deb() {
	local deb
	for deb in "$CACHE"/debs/*.deb; do
		[ -f "$deb" ] || continue
		if [ "$(dpkg-deb -f "$deb" Package 2>/dev/null)" = "$KPKG" ] &&
			[ "$(dpkg-deb -f "$deb" Version 2>/dev/null)" = "$KVER" ]; then
			printf '%s\n' "$deb"
			return 0
		fi
	done
	return 1
}

download_deb() {
	local dl="$WORK/download" opts=(-q)
	rm -rf -- "$dl"
	mkdir -p "$dl"
	# As root, apt would try to drop to its sandbox user, which may not reach
	# the cache folder; the package is checked against the signed index anyway.
	[ "$(id -u)" -ne 0 ] || opts+=(-o APT::Sandbox::User=root)
	(cd "$dl" && apt-get download "${opts[@]}" "$KPKG=$KVER") >"$WORK/download.log" 2>&1 ||
		return 1
	DEB=$(find "$dl" -maxdepth 1 -name '*.deb' -print -quit)
	[ -n "$DEB" ]
}

if DEB=$(find_cached_deb); then
	note "using the cached package $DEB"
else
	if ! download_deb; then
		if apt_update && resolve_kernel && download_deb; then
			:
		else
			sed 's/^/  /' "$WORK/download.log" >&2 || true
			skip "cannot download $KPKG $KVER (apt-get download)"
		fi
	fi
	[ "$(dpkg-deb -f "$DEB" Package)" = "$KPKG" ] ||
		die "downloaded $DEB is not $KPKG"
	KVER=$(dpkg-deb -f "$DEB" Version)
	mkdir -p "$CACHE/debs"
	rm -f -- "$CACHE"/debs/*.deb
	mv -- "$DEB" "$CACHE/debs/"
	DEB="$CACHE/debs/$(basename -- "$DEB")"
fi

# ---------------------------------------------------------------- unpack
ROOT="$WORK/root"
dpkg -x "$DEB" "$ROOT" || die "dpkg -x $DEB failed"
# Newer packages ship modules under usr/lib; depmod -b looks under lib.
if [ ! -d "$ROOT/lib/modules" ] && [ -d "$ROOT/usr/lib/modules" ]; then
	ln -s usr/lib "$ROOT/lib"
fi
KREL=
for d in "$ROOT"/lib/modules/*/; do
	[ -d "$d" ] || continue
	[ -z "$KREL" ] || die "$DEB holds more than one module tree"
	KREL=$(basename -- "$d")
done
[ -n "$KREL" ] || die "$DEB holds no kernel modules"
VMLINUZ=
for f in "$ROOT/boot/vmlinuz-$KREL" "$ROOT/usr/lib/modules/$KREL/vmlinuz" "$ROOT/lib/modules/$KREL/vmlinuz"; do
	if [ -f "$f" ]; then
		VMLINUZ=$f
		break
	fi
done
[ -n "$VMLINUZ" ] || die "$DEB holds no vmlinuz for $KREL"
depmod -b "$ROOT" "$KREL" || die "depmod -b $ROOT $KREL failed"

# ---------------------------------------------------------------- vmlinux
# The ELF vmlinux boots through its PVH entry point, twice as fast as vmlinuz.
IMAGE=vmlinux
if ! "$PYTHON" - "$VMLINUZ" "$WORK/vmlinux" <<'PY'; then
import lzma, sys
src, dst = sys.argv[1], sys.argv[2]
with open(src, "rb") as f:
    data = f.read()
magic = b"\xfd7zXZ\x00"
pos = data.find(magic)
while pos != -1:
    try:
        out = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(data[pos:])
    except lzma.LZMAError:
        out = b""
    if out[:4] == b"\x7fELF":
        with open(dst, "wb") as f:
            f.write(out)
        sys.exit(0)
    pos = data.find(magic, pos + 1)
sys.exit(1)
PY
	note "WARNING: no xz-compressed ELF vmlinux found in $VMLINUZ; booting vmlinuz (slower)"
	IMAGE=vmlinuz
	cp -- "$VMLINUZ" "$WORK/vmlinuz"
fi

# ---------------------------------------------------------------- modules
INITRD="$WORK/initrd"
mkdir -p "$INITRD"/{bin,modules,proc,sys,dev}
declare -A seen=()
modlist="$WORK/modules.txt"
: >"$modlist"
for m in "${VM_MODULES[@]}"; do
	if ! mdeps=$(modprobe -C /dev/null -d "$ROOT" -S "$KREL" --show-depends "$m" 2>&1); then
		note "WARNING: module $m not found in $KREL: $mdeps"
		continue
	fi
	while read -r kind path _; do
		[ "$kind" = insmod ] || continue
		[ -z "${seen[$path]:-}" ] || continue
		seen[$path]=1
		name=$(basename -- "$path")
		name=${name%%.ko*}
		printf '%s\t%s\n' "$path" "$(vm_module_params "$name")" >>"$modlist"
	done <<<"$mdeps"
done
NMOD=$(wc -l <"$modlist")
[ "$NMOD" -gt 0 ] || die "no modules resolved for $KREL"

# Copy the modules, decompressed, without their appended signatures (the
# kernel does not need them and loading them costs time), and write the load
# order with parameters.
"$PYTHON" - "$modlist" "$INITRD/modules" <<'PY' || die "cannot prepare the kernel modules"
import lzma, os, shutil, struct, subprocess, sys
modlist, dest = sys.argv[1], sys.argv[2]
MARKER = b"~Module signature appended~\n"
order = []
with open(modlist) as f:
    entries = [line.rstrip("\n").split("\t", 1) for line in f if line.strip()]
for path, params in entries:
    base = os.path.basename(path)
    if base.endswith(".ko.xz"):
        with open(path, "rb") as f:
            data = lzma.decompress(f.read())
    elif base.endswith(".ko.zst"):
        if not shutil.which("zstd"):
            sys.exit(f"{path}: zstd is needed to decompress it")
        data = subprocess.run(["zstd", "-dc", path], check=True, stdout=subprocess.PIPE).stdout
    elif base.endswith(".ko.gz"):
        import gzip
        with open(path, "rb") as f:
            data = gzip.decompress(f.read())
    else:
        with open(path, "rb") as f:
            data = f.read()
    if data.endswith(MARKER):
        # struct module_signature (12 bytes) precedes the marker; its last
        # field is the big-endian signature length.
        end = len(data) - len(MARKER)
        sig_len, = struct.unpack(">I", data[end - 4:end])
        cut = end - 12 - sig_len
        if cut <= 0 or data[:4] != b"\x7fELF":
            sys.exit(f"{path}: malformed module signature")
        data = data[:cut]
    name = base[:base.index(".ko")] + ".ko"
    with open(os.path.join(dest, name), "wb") as f:
        f.write(data)
    order.append(f"{name} {params}".rstrip())
with open(os.path.join(dest, "order"), "w") as f:
    f.write("\n".join(order) + "\n")
PY

# ---------------------------------------------------------------- initramfs
cp -- "$BUSYBOX" "$INITRD/bin/busybox"
while read -r applet; do
	case "$applet" in
	"" | busybox) continue ;;
	esac
	ln -s busybox "$INITRD/bin/$applet"
done < <("$BUSYBOX" --list)
cp -- "$VM_INIT" "$INITRD/init"
chmod 0755 "$INITRD/init"
(cd "$INITRD" && find . -print0 | LC_ALL=C sort -z |
	cpio --null --quiet -o -H newc -R 0:0) >"$WORK/initrd.cpio" ||
	die "cpio failed"

# ---------------------------------------------------------------- install
cat >"$WORK/stamp" <<EOF
format=$VM_FORMAT
kernel_package=$KPKG
kernel_package_version=$KVER
kernel_release=$KREL
kernel_image=$IMAGE
config_hash=$(vm_config_hash)
modules=$NMOD
EOF
cp -- "$ROOT/boot/config-$KREL" "$WORK/config" 2>/dev/null || : >"$WORK/config"
chmod 0644 "$WORK/$IMAGE" "$WORK/initrd.cpio" "$WORK/stamp" "$WORK/config"

# The stamp goes last, so an interrupted install never looks complete.
rm -f -- "$CACHE/stamp"
rm -f -- "$CACHE/vmlinux" "$CACHE/vmlinuz"
mv -- "$WORK/$IMAGE" "$CACHE/$IMAGE"
mv -- "$WORK/initrd.cpio" "$CACHE/initrd.cpio"
mv -- "$WORK/config" "$CACHE/config"
mv -- "$WORK/stamp" "$CACHE/stamp"

note "ready: kernel $KREL ($IMAGE), initramfs with $NMOD modules, in $CACHE ($((SECONDS - START)) s)"
