# shellcheck shell=bash
# Shared definitions of the VM test tier, sourced by vm-setup.sh and vm-run.sh.

# Bump when the layout of the cache or of the initramfs changes.
VM_FORMAT=1

# Modules put in the initramfs, in load order.  vm-setup.sh resolves each one
# with `modprobe --show-depends`, so dependencies missing here are still added
# before the module that needs them.
VM_MODULES=(
	virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci
	virtio_mmio
	9pnet 9pnet_virtio netfs fscache 9p
	overlay
	can can-raw can-bcm can-isotp can-j1939 can-dev vcan
	veth
	af_alg algif_hash algif_skcipher ecb cmac
	crc16 ecc rfkill ecdh_generic bluetooth hci_vhci rfcomm
)

# Module parameters, applied by the guest init through insmod.
declare -A VM_MODULE_PARAMS=(
	[bluetooth]="enable_ecred=1"
)

VM_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
VM_INIT="$VM_HERE/vm-init.sh"

vm_cache_dir() {
	printf '%s\n' "${SOCKBROKER_VM_CACHE:-/var/cache/sockbroker-vm}"
}

# Normalized module name: modprobe treats - and _ alike.
vm_modname() {
	printf '%s\n' "${1//-/_}"
}

vm_module_params() {
	local name
	name=$(vm_modname "$1")
	printf '%s\n' "${VM_MODULE_PARAMS[$name]:-}"
}

# Hash of everything that goes into the initramfs besides the kernel modules
# themselves: the init script, the module list and the module parameters.
vm_config_hash() {
	local m
	{
		printf 'format %s\n' "$VM_FORMAT"
		cat "$VM_INIT"
		for m in "${VM_MODULES[@]}"; do
			printf 'module %s %s\n' "$m" "${VM_MODULE_PARAMS[${m//-/_}]:-}"
		done
	} | sha256sum | cut -d' ' -f1
}

# vm_stamp_get FILE KEY: print the value of KEY=VALUE in FILE.
vm_stamp_get() {
	local file=$1 key=$2 line
	[ -r "$file" ] || return 1
	while IFS= read -r line; do
		if [ "${line%%=*}" = "$key" ]; then
			printf '%s\n' "${line#*=}"
			return 0
		fi
	done <"$file"
	return 1
}

# vm_cache_complete CACHE [KERNEL_PKG KERNEL_DEBVER]: true when CACHE holds a
# kernel image and an initramfs built from the current configuration (and, if
# given, from that kernel package and version).
vm_cache_complete() {
	local cache=$1 pkg=${2:-} ver=${3:-} stamp image
	stamp="$cache/stamp"
	[ -r "$stamp" ] || return 1
	[ "$(vm_stamp_get "$stamp" config_hash)" = "$(vm_config_hash)" ] || return 1
	image=$(vm_stamp_get "$stamp" kernel_image) || return 1
	[ -s "$cache/$image" ] && [ -s "$cache/initrd.cpio" ] || return 1
	if [ -n "$pkg" ]; then
		[ "$(vm_stamp_get "$stamp" kernel_package)" = "$pkg" ] || return 1
		[ "$(vm_stamp_get "$stamp" kernel_package_version)" = "$ver" ] || return 1
	fi
	return 0
}
