#!/bin/bash
# faults.sh - what the broker does when its opener fails it, against the
# real sockbrokerd with clients as uid 65534:
#
#   a. the opener is stopped (SIGSTOP): the request in flight is answered
#      with ETIMEDOUT after --opener-timeout, and the broker exits with
#      status 4;
#   b. the opener is killed: the broker says how it ended and exits with
#      status 4;
#   c. the broker exits cleanly when told to, with status 0.
#
# Restarting both halves is systemd's part (Restart=on-failure); the
# units are tested doing it under real systemd in systemd.sh.
set -u
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root (network namespaces, the daemon)"
for c in ip setpriv nsenter pgrep; do
        command -v "$c" >/dev/null || skip_all "needs $c"
done
ensure_broker_user

T=$(mktemp -d /tmp/sockbroker-faults.XXXXXX)
chmod 0755 "$T"
A=sbfa$$
DPID=
OPID=

cleanup() {
        [ -n "$OPID" ] && kill -CONT "$OPID" 2>/dev/null
        [ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
        ip netns del "$A" 2>/dev/null
        rm -rf "$T"
}
trap cleanup EXIT

ip netns add "$A" || skip_all "cannot create network namespaces"
ip -n "$A" link set lo up
install -m 0755 "$SBTEST" "$T/sbtest"
printf 'allow uid=65534 inet raw proto=icmp\n' >"$T/policy.conf"
chmod 0644 "$T/policy.conf"

as_nobody() {
        nsenter --net="/run/netns/$A" setpriv --reuid=65534 --regid=65534 --clear-groups \
                env SOCKBROKER_SOCKET="$T/sock" "$@"
}

# daemon ARGS...: a fresh daemon; sets DPID and OPID.
daemon() {
        : >"$T/daemon.log"
        rm -f "$T/sock"
        start_daemon_in "$A" "$T" "$@" || return 1
        OPID=$(pgrep -P "$DPID" | head -n1)
        [ -n "$OPID" ]
}

# --- a. a stopped opener --------------------------------------------------------------------
if daemon --opener-timeout=2; then
        ok "a: sockbrokerd starts with --opener-timeout=2"
        out=$(as_nobody "$T/sbtest" open inet/raw/icmp 2>&1)
        check "a: the opener serves before it is stopped" grep -q '^granted' <<<"$out"
        kill -STOP "$OPID"
        start=$SECONDS
        out=$(as_nobody "$T/sbtest" open inet/raw/icmp 2>&1)
        took=$((SECONDS - start))
        check "a: a request to the stopped opener is answered with ETIMEDOUT ($took s)" \
                grep -q "refused errno=110 .*the opener did not answer within 2s" <<<"$out"
        diag "$out"
        check "a: within the timeout and a little more (at most 6 s)" test "$took" -le 6
        if exited "$DPID"; then
                check "a: the broker then exits with status 4 (rc=$rc)" test "$rc" = 4
        else
                not_ok "a: the broker then exits with status 4 (still running)"
        fi
        check "a: its log says why" grep -q 'the opener did not answer within 2s' "$T/daemon.log"
        check "a: the log says the stopped opener is still there" \
                grep -q 'the opener (pid [0-9]*) is still there' "$T/daemon.log"
        # The broker, another uid, cannot signal it: it ends by itself
        # once it runs again and finds the socketpair hung up.
        kill -CONT "$OPID"
        check "a: once continued, the opener finds the broker gone and ends" wait_for 5 gone "$OPID"
        DPID= OPID=
else
        not_ok "a: sockbrokerd starts with --opener-timeout=2"
        diag "$(cat "$T/daemon.log")"
fi

# --- b. a killed opener ---------------------------------------------------------------------
if daemon; then
        ok "b: sockbrokerd starts"
        kill -KILL "$OPID"
        if exited "$DPID"; then
                check "b: with its opener killed, the broker exits with status 4 (rc=$rc)" test "$rc" = 4
        else
                not_ok "b: with its opener killed, the broker exits with status 4 (still running)"
        fi
        check "b: its log says how the opener ended (signal 9)" \
                grep -q 'the opener (pid [0-9]*) was killed by signal 9' "$T/daemon.log"
        diag "$(grep -E 'opener' "$T/daemon.log" | tail -n 3)"
        DPID= OPID=
else
        not_ok "b: sockbrokerd starts"
fi

# --- c. a clean stop ------------------------------------------------------------------------
if daemon; then
        ok "c: sockbrokerd starts"
        kill -TERM "$DPID"
        if exited "$DPID"; then
                check "c: SIGTERM: status 0 (rc=$rc)" test "$rc" = 0
        else
                not_ok "c: SIGTERM: status 0 (still running)"
        fi
        check "c: and the opener is gone too" wait_for 5 gone "$OPID"
        DPID= OPID=
else
        not_ok "c: sockbrokerd starts"
fi

finish
