#!/bin/bash
# vm-tier.sh - the tests that need AF_CAN and AF_BLUETOOTH, run in one
# boot of Debian's stock kernel (vm-run.sh), as a TAP test: guest-tier.sh,
# which ends with guest-broker.sh (the real daemon). Where the host kernel
# has AF_CAN itself, the same guest script runs natively.
set -u
. "${abs_top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

HERE=$abs_top_srcdir/tests/vm
: "${SOCKET_API_RST:=$abs_top_srcdir/../shared/reference/socket-api.rst}"
export SOCKET_API_RST abs_top_builddir abs_top_srcdir

[ "$(id -u)" = 0 ] || skip_all "needs root"
# contrib/test.sh boots the VM in its first build only.
[ -z "${SOCKBROKER_SKIP_VM:-}" ] || skip_all "SOCKBROKER_SKIP_VM is set"

if /usr/bin/python3 -c 'import socket; socket.socket(socket.AF_CAN, socket.SOCK_RAW, socket.CAN_RAW)' 2>/dev/null; then
        out=$(bash "$HERE/guest-tier.sh" 2>&1)
        rc=0
else
        setup_rc=0
        "$HERE/vm-setup.sh" >/dev/null 2>"$abs_top_builddir/vm-setup.err" || setup_rc=$?
        [ "$setup_rc" = 77 ] && skip_all "the VM cannot be prepared here"
        # The guest sees the host's root, but a fresh /tmp: share the trees
        # (and the reference) explicitly, outermost first.
        shares=()
        for d in "$abs_top_srcdir" "$abs_top_builddir" "$(dirname "$SOCKET_API_RST")"; do
                [ -d "$d" ] || continue
                d=$(cd "$d" && pwd -P)
                inside=
                for s in "${shares[@]}"; do
                        case $d/ in "$s"/*) inside=1 ;; esac
                done
                [ -n "$inside" ] || shares+=("$d")
        done
        rw=()
        for s in "${shares[@]}"; do rw+=(--rw "$s"); done
        out=$(VM_PASS_ENV="SOCKET_API_RST abs_top_builddir abs_top_srcdir" \
                "$HERE/vm-run.sh" --timeout 600 "${rw[@]}" -- bash "$HERE/guest-tier.sh" 2>&1)
        rc=$?
fi

while IFS= read -r line; do
        case $line in
        "ok - "*) ok "${line#ok - }" ;;
        "not ok - "*) not_ok "${line#not ok - }" ;;
        *) diag "$line" ;;
        esac
done <<<"$out"
check "the VM run ended normally (rc=$rc)" test "$rc" = 0
finish
