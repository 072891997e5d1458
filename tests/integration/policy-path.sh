#!/bin/bash
# policy-path.sh - strict mode against the attack on the policy's path:
# uid 65534 may write a directory that holds the policy, and replaces the
# file with a symbolic link to a root-owned, read-only file whose content
# it chose (as /proc/PID/cmdline of a setuid program is). Neither the
# daemon, at start or on SIGHUP, nor `sockbroker check` may accept it; a
# root-owned link in a directory only root can write still works.
#
# The daemon runs in our own network namespace, on a socket in the test's
# directory. Clients run as uid 65534.
set -u
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root (root-owned trees, the daemon)"
command -v setpriv >/dev/null || skip_all "needs setpriv"
ensure_broker_user

T=$(mktemp -d /tmp/sockbroker-path.XXXXXX)
chmod 0755 "$T"
DPID=

cleanup() {
        [ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
        rm -rf "$T"
}
trap cleanup EXIT

install -m 0755 "$SBTEST" "$T/sbtest"

# policy FILE: writes FILE from stdin, root's, mode 0644.
policy() {
        cat >"$1"
        chmod 0644 "$1"
}

as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
# ping_as_nobody RUNDIR: asks the daemon listening in RUNDIR for a raw ICMP socket.
ping_as_nobody() { as_nobody env SOCKBROKER_SOCKET="$1/sock" "$T/sbtest" open inet/raw/icmp 2>&1; }

# The policy that denies: uid 65534 gets UDP sockets, not raw ICMP ones
# (uid 1's rule keeps CAP_NET_RAW in the opener, so a reload could grant
# raw sockets at all).
DENY='allow uid=1 inet raw proto=icmp
allow uid=65534 inet dgram proto=udp'

# What uid 65534 would have the policy say: a root-owned, read-only file
# elsewhere whose content it chose.
mkdir -m 0755 "$T/evil"
printf 'allow uid=65534 inet raw proto=icmp\n' >"$T/evil/cmdline"
chmod 0444 "$T/evil/cmdline"
EVIL=$T/evil/cmdline

# --- the safe path: the daemon starts and denies --------------------------------------------
S=$T/safe
mkdir -m 0755 "$S"
policy "$S/policy.conf" <<<"$DENY"
if ! start_daemon_in "" "$S"; then
        not_ok "sockbrokerd starts with its policy in a safe directory"
        diag "$(cat "$S/daemon.log")"
        finish
        exit
fi
ok "sockbrokerd starts with its policy in a safe directory"
out=$(ping_as_nobody "$S")
check "and refuses uid 65534 a raw ICMP socket" grep -q 'refused errno=1 ' <<<"$out"
diag "$out"
kill "$DPID"
wait "$DPID"
DPID=

# --- 1. the policy in a directory others can write: refused at start ---------------------------------
D=$T/open
mkdir -m 0777 "$D"
chmod 0777 "$D"
policy "$D/policy.conf" <<<"$DENY"
mkdir -m 0755 "$T/run1"
out=$(timeout 20 "$SOCKBROKERD" -p "$D/policy.conf" -d "$D/policy.d" -s "$T/run1/sock" </dev/null 2>&1)
rc=$?
check "sockbrokerd refuses to start with its policy in a world-writable directory (rc=$rc)" test "$rc" = 1
check "and names that directory" \
        grep -qF "$D/policy.conf: refusing: $D is writable by group or others (mode 0777)" <<<"$out"
diag "$out"

# --- 2. sockbroker check says the same ----------------------------------------------------------------
out=$("$SOCKBROKER" check "$D/policy.conf" 2>&1)
rc=$?
check "sockbroker check refuses it too, with the same reason (rc=$rc)" \
        bash -c "test $rc = 1 && grep -qxF '$D/policy.conf: refusing: $D is writable by group or others (mode 0777)' <<<'$out'"
diag "$out"

# uid 65534 mounts the attack on that directory.
as_nobody ln -sfn "$EVIL" "$D/policy.conf"
check "uid 65534 has replaced the policy with a link to a file it chose" \
        test "$(readlink "$D/policy.conf")" = "$EVIL"
out=$("$SOCKBROKER" check "$D/policy.conf" 2>&1)
rc=$?
check "sockbroker check refuses the link in a directory others can write (rc=$rc)" \
        bash -c "test $rc = 1 && grep -qxF '$D/policy.conf: refusing: a symbolic link in a directory others can write' <<<'$out'"
diag "$out"
out=$(timeout 20 "$SOCKBROKERD" -p "$D/policy.conf" -d "$D/policy.d" -s "$T/run1/sock" </dev/null 2>&1)
rc=$?
check "and so does sockbrokerd at start (rc=$rc)" \
        bash -c "test $rc = 1 && grep -qF '$D/policy.conf: refusing: a symbolic link in a directory others can write' <<<'$out'"
diag "$out"

# --- 3. the reload: the directory becomes writable after the start -------------------------------------
R=$T/reload
mkdir -m 0755 "$R" "$T/run"
policy "$R/policy.conf" <<<"$DENY"
if ! start_daemon_in "" "$T/run" -p "$R/policy.conf" -d "$R/policy.d"; then
        not_ok "sockbrokerd starts with its policy in reload/, mode 0755"
        diag "$(cat "$T/run/daemon.log")"
        finish
        exit
fi
ok "sockbrokerd starts with its policy in reload/, mode 0755"
out=$(ping_as_nobody "$T/run")
check "uid 65534 is refused a raw ICMP socket" grep -q 'refused errno=1 ' <<<"$out"

chmod 0777 "$R"
as_nobody ln -sfn "$EVIL" "$R/policy.conf"
check "once reload/ is mode 0777, uid 65534 replaces the policy with a link" \
        test "$(readlink "$R/policy.conf")" = "$EVIL"
kill -HUP "$DPID"
check "SIGHUP: the reload has an outcome" \
        wait_for 10 grep -qE 'reload failed|policy generation 2' "$T/run/daemon.log"
check "the reload is refused: still serving generation 1" \
        grep -q 'reload failed; still serving policy generation 1' "$T/run/daemon.log"
check "the log names the link in the directory others can write" \
        grep -qF "policy not loaded: $R/policy.conf: refusing: a symbolic link in a directory others can write" \
        "$T/run/daemon.log"
out=$(ping_as_nobody "$T/run")
check "uid 65534 is still refused a raw ICMP socket" grep -q 'refused errno=1 ' <<<"$out"
diag "$out"
diag "$(grep -E 'policy|reload' "$T/run/daemon.log")"

# --- not over-broad: root's own link from a directory only root can write -------------------------------
rm -f "$R/policy.conf"
chmod 0755 "$R"
mkdir -m 0755 "$T/etc"
policy "$T/etc/ping.conf" <<<'allow uid=65534 inet raw proto=icmp'
ln -s ../etc/ping.conf "$R/policy.conf"
out=$("$SOCKBROKER" check "$R/policy.conf" 2>&1)
check "sockbroker check accepts root's link in a safe directory to a safe file" \
        grep -qxF "$R/policy.conf: OK: 1 rule(s) in 1 file(s)" <<<"$out"
diag "$out"
kill -HUP "$DPID"
check "SIGHUP loads it (generation 2)" wait_for 10 grep -q 'policy generation 2' "$T/run/daemon.log"
out=$(ping_as_nobody "$T/run")
check "and uid 65534 now gets its raw ICMP socket, as root's policy says" grep -q '^granted ' <<<"$out"
diag "$out"

kill -TERM "$DPID"
wait "$DPID"
DPID=

# --- drop-ins ---------------------------------------------------------------------------------------------------
mkdir -m 0755 "$T/main" "$T/run2"
policy "$T/main/policy.conf" <<<"$DENY"

mkdir -m 0777 "$T/dropins-open"
chmod 0777 "$T/dropins-open"
out=$(timeout 20 "$SOCKBROKERD" -p "$T/main/policy.conf" -d "$T/dropins-open" -s "$T/run2/sock" </dev/null 2>&1)
rc=$?
check "a drop-in directory others can write is refused at start (rc=$rc)" \
        bash -c "test $rc = 1 && grep -qF '$T/dropins-open: refusing: writable by group or others (mode 0777)' <<<'$out'"
diag "$out"

mkdir -m 0777 "$T/above"
chmod 0777 "$T/above"
mkdir -m 0755 "$T/above/policy.d"
policy "$T/above/policy.d/50-ping.conf" <<<'allow uid=65534 inet raw proto=icmp'
out=$(timeout 20 "$SOCKBROKERD" -p "$T/main/policy.conf" -d "$T/above/policy.d" -s "$T/run2/sock" </dev/null 2>&1)
rc=$?
check "a drop-in directory in a directory others can write is refused at start (rc=$rc)" \
        bash -c "test $rc = 1 && grep -qF '$T/above/policy.d: refusing: $T/above is writable by group or others (mode 0777)' <<<'$out'"
diag "$out"
out=$("$SOCKBROKER" check --policy-dir "$T/above/policy.d" "$T/main/policy.conf" 2>&1)
rc=$?
check "and by sockbroker check (rc=$rc)" \
        bash -c "test $rc = 1 && grep -qxF '$T/above/policy.d: refusing: $T/above is writable by group or others (mode 0777)' <<<'$out'"
diag "$out"

finish
