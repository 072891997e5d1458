#!/bin/bash
# TAP smoke test of the VM test tier: the kernel can be prepared, one boot
# runs guest-side checks (CAN over vcan, AF_CAN for an unprivileged uid,
# virtual Bluetooth controllers, harness plumbing), and a timeout is reported
# as such.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd -P)
VM_SETUP="$HERE/vm-setup.sh"
VM_RUN="$HERE/vm-run.sh"

now_ms() {
	local ns
	ns=$(date +%s%N)
	printf '%s\n' "$((ns / 1000000))"
}

elapsed() {
	local ms=$(($(now_ms) - $1))
	printf '%d.%03d s' "$((ms / 1000))" "$((ms % 1000))"
}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/sockbroker-vm-smoke.XXXXXX")
# shellcheck disable=SC2317 # called through the EXIT trap
cleanup() {
	rm -rf -- "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- setup
# contrib/test.sh boots the VM in its first build only.
if [ -n "${SOCKBROKER_SKIP_VM:-}" ]; then
	printf '1..0 # SKIP SOCKBROKER_SKIP_VM is set\n'
	exit 0
fi

t0=$(now_ms)
setup_rc=0
"$VM_SETUP" 2>"$TMP/setup.err" || setup_rc=$?
setup_time=$(elapsed "$t0")
if [ "$setup_rc" -eq 77 ]; then
	reason=$(sed -n 's/^vm-setup: SKIP: //p' "$TMP/setup.err" | tail -n 1)
	printf '1..0 # SKIP %s\n' "${reason:-the VM cannot be prepared here}"
	exit 0
fi

N=12
printf '1..%d\n' "$N"
n=0
failed=0
tap() { # tap STATUS DESCRIPTION: STATUS 0 is ok
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		printf 'ok %d - %s\n' "$n" "$2"
	else
		printf 'not ok %d - %s\n' "$n" "$2"
		failed=1
	fi
}
diag() {
	sed 's/^/# /' "$@"
}

if [ "$setup_rc" -ne 0 ]; then
	tap 1 "vm-setup prepares the kernel and initramfs (exit $setup_rc)"
	diag "$TMP/setup.err"
	while [ "$n" -lt "$N" ]; do
		tap 1 "skipped: no VM"
	done
	exit 1
fi
tap 0 "vm-setup prepares the kernel and initramfs ($setup_time)"
diag "$TMP/setup.err"

# ---------------------------------------------------------------- guest checks
SHARE="$TMP/share"
mkdir -p "$SHARE"
token="it's a \"token\" with \$dollar, \`ticks\` and spaces"
printf '%s' "$token" >"$SHARE/token"

cat >"$SHARE/guest.sh" <<'EOF'
#!/bin/sh
# Runs inside the VM, as root, in the shared folder given as $1.
dir=$1
report() {
	printf 'vmcheck %s %s\n' "$1" "$2" | tee -a "$dir/results"
}
check() {
	name=$1
	shift
	if "$@"; then report "$name" ok; else report "$name" fail; fi
}

echo "kernel: $(uname -r)"

check cwd test "$(pwd -P)" = "$dir"
check env sh -c '[ "$SOCKBROKER_VM_SMOKE_TOKEN" = "$(cat "$1/token")" ] &&
	[ "${SMOKE_PASSED:-}" = yes ] && [ -z "${SMOKE_HIDDEN+set}" ]' sh "$dir"
check tmp sh -c '[ "$(stat -f -c %T /tmp)" = tmpfs ] && echo x >/tmp/vm-smoke.tmp'
check nobody getent passwd 65534

check vcan sh -c 'ip link add dev vcan0 type vcan && ip link set vcan0 up'

# candump first, in the background; cansend until it has seen a frame.
timeout 10 candump -n 1 vcan0 >"$dir/candump.out" 2>&1 &
cpid=$!
i=0
while kill -0 "$cpid" 2>/dev/null && [ "$i" -lt 50 ]; do
	cansend vcan0 123#DEADBEEF
	sleep 0.1
	i=$((i + 1))
done
wait "$cpid"
cat "$dir/candump.out"
check candump grep -q '123.*DE AD BE EF' "$dir/candump.out"

check af_can_nobody timeout 30 setpriv --reuid=65534 --regid=65534 --clear-groups \
	/usr/bin/python3 -c 'import socket; socket.socket(socket.AF_CAN, socket.SOCK_RAW, socket.CAN_RAW)'

btvirt -l2 >"$dir/btvirt.log" 2>&1 &
bpid=$!
i=0
while [ "$i" -lt 100 ] &&
	! { [ -e /sys/class/bluetooth/hci0 ] && [ -e /sys/class/bluetooth/hci1 ]; }; do
	sleep 0.1
	i=$((i + 1))
done
check btvirt test -e /sys/class/bluetooth/hci0 -a -e /sys/class/bluetooth/hci1
# SIGKILL: btvirt takes seconds to shut down cleanly on SIGTERM.
kill -KILL "$bpid" 2>/dev/null
wait "$bpid" 2>/dev/null

exit 42
EOF

t0=$(now_ms)
run_rc=0
(cd "$SHARE" &&
	SOCKBROKER_VM_SMOKE_TOKEN=$token SMOKE_PASSED=yes SMOKE_HIDDEN=no \
		VM_PASS_ENV="SMOKE_PASSED ${VM_PASS_ENV:-}" \
		"$VM_RUN" --timeout 300 --rw "$SHARE" -- /bin/sh "$SHARE/guest.sh" "$SHARE") \
	>"$TMP/run.out" 2>"$TMP/run.err" || run_rc=$?
run_time=$(elapsed "$t0")

tap "$([ "$run_rc" -eq 42 ] && echo 0 || echo 1)" \
	"one boot runs the guest checks and returns their exit code 42 (got $run_rc, $run_time)"
[ "$run_rc" -eq 42 ] || diag "$TMP/run.out" "$TMP/run.err"

guest_ok() {
	grep -q "^vmcheck $1 ok\$" "$TMP/run.out"
}
t() { # t CHECK DESCRIPTION
	local st=0
	guest_ok "$1" || st=1
	tap "$st" "$2"
	if [ "$st" -ne 0 ] && [ "$run_rc" -eq 42 ]; then
		diag "$TMP/run.out"
	fi
}
t cwd "the working folder is the same in the guest"
t env "SOCKBROKER_* and VM_PASS_ENV variables pass in intact, others do not"
t tmp "/tmp is a writable tmpfs in the guest"
t nobody "uid 65534 exists in the guest"
t vcan "vcan0 can be created and brought up"
t candump "candump -n 1 vcan0 sees cansend vcan0 123#DEADBEEF"
t af_can_nobody "uid 65534 can open an AF_CAN raw socket"
t btvirt "btvirt -l2 gives hci0 and hci1"

st=1
if [ -f "$SHARE/results" ] && [ "$(grep -c '^vmcheck ' "$SHARE/results")" -eq 8 ]; then
	st=0
fi
tap "$st" "files written to a --rw folder come back to the host"

# ---------------------------------------------------------------- timeout
t0=$(now_ms)
to_rc=0
"$VM_RUN" --timeout 5 -- sleep 60 >"$TMP/to.out" 2>"$TMP/to.err" || to_rc=$?
to_time=$(elapsed "$t0")
st=1
if [ "$to_rc" -eq 124 ] && grep -q '^vm-run: timeout after 5 s' "$TMP/to.err"; then
	st=0
fi
tap "$st" "vm-run --timeout 5 -- sleep 60 exits 124 (got $to_rc, $to_time)"
[ "$st" -eq 0 ] || diag "$TMP/to.out" "$TMP/to.err"

printf '# times: vm-setup %s, boot with checks %s, timeout run %s\n' \
	"$setup_time" "$run_time" "$to_time"
exit "$failed"
