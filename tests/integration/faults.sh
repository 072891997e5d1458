#!/bin/bash
# faults.sh - what the broker does when its opener fails it, against the
# real sockbrokerd with clients as uid 65534:
#
#   a. the opener is stopped (SIGSTOP): the request in flight is answered
#      with ETIMEDOUT after --opener-timeout, and the broker exits with
#      status 4;
#   b. the opener is killed: the broker says how it ended and exits with
#      status 4;
#   c. the broker exits cleanly when told to, with status 0;
#   d. an opener on its own (--opener-socket), started as a service
#      manager starts it: a reload that needs capabilities it dropped
#      makes it exit, and a killed one is gone; each time the broker
#      stays, its clients keep their connections, and the next opener
#      started on the socket serves; with none, the broker exits with
#      status 4 after --opener-timeout;
#   e. an opener that switches, at a reload, to a policy the broker's
#      import refuses (tests/fake-opener, with a rule's selector
#      corrupted, which the opener's own import does not read): the
#      broker exits with status 1 rather than decide with another policy
#      than the opener's; one that switches to a good one is followed.
#
# Starting the next opener, and restarting a broker that exited, is
# systemd's part; the units are tested doing it under real systemd in
# systemd.sh.
set -u
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root (network namespaces, the daemon)"
for c in ip setpriv nsenter pgrep systemd-socket-activate; do
        command -v "$c" >/dev/null || skip_all "needs $c"
done
ensure_broker_user

T=$(mktemp -d /tmp/sockbroker-faults.XXXXXX)
chmod 0755 "$T"
A=sbfa$$
DPID=
OPID=
SPID=

cleanup() {
        [ -n "$OPID" ] && kill -CONT "$OPID" 2>/dev/null
        [ -n "$SPID" ] && kill "$SPID" 2>/dev/null
        [ -n "${FPID:-}" ] && kill "$FPID" 2>/dev/null
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
        # The grant had the opener make spares of its kind: those are
        # handed out without it, and the request after them waits for it.
        check "a: after the grant, the broker holds 4 spares" wait_for 5 test_eq 4 spare_count "$DPID"
        kill -STOP "$OPID"
        granted=0
        for _ in 1 2 3 4; do
                as_nobody "$T/sbtest" open inet/raw/icmp 2>&1 | grep -q '^granted' && granted=$((granted + 1))
        done
        check "a: with the opener stopped, the 4 spares are granted ($granted)" test "$granted" = 4
        start=$SECONDS
        out=$(as_nobody "$T/sbtest" open inet/raw/icmp 2>&1)
        took=$((SECONDS - start))
        check "a: a request to the stopped opener is answered with ETIMEDOUT ($took s)" \
                grep -q "refused errno=110 .*the opener did not answer within 2s" <<<"$out"
        diag "$out"
        check "a: within the timeout and a little more (at most 6 s)" test "$took" -le 6
        check_exit "a: the broker then exits with status 4" "$DPID" 4
        check "a: its log says why" grep -q 'the opener did not answer within 2s' "$T/daemon.log"
        check "a: the log says the stopped opener is still there" \
                grep -q 'the opener (pid [0-9]*) is still there' "$T/daemon.log"
        # The broker, another uid, cannot signal it: it ends by itself
        # once it runs again and finds the socketpair hung up.
        kill -CONT "$OPID"
        check "a: once continued, the opener finds the broker gone and ends" wait_for 5 gone "$OPID"
        # Should it not have exited, it goes now, not with the test.
        kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
        DPID= OPID=
else
        not_ok "a: sockbrokerd starts with --opener-timeout=2"
        diag "$(cat "$T/daemon.log")"
fi

# --- b. a killed opener ---------------------------------------------------------------------
if daemon; then
        ok "b: sockbrokerd starts"
        kill -KILL "$OPID"
        check_exit "b: with its opener killed, the broker exits with status 4" "$DPID" 4
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
        check_exit "c: SIGTERM: status 0" "$DPID" 0
        check "c: and the opener is gone too" wait_for 5 gone "$OPID"
        DPID= OPID=
else
        not_ok "c: sockbrokerd starts"
fi

# --- d. an opener on its own, and the next one -----------------------------------------------
OSOCK=$T/opener.sock
spares_held() { [ "$(spare_count "$DPID")" -gt 0 ]; }

# opener_start: an opener on OSOCK, as sockbroker-opener.socket and
# .service run it: the listening socket from the manager, root:sockbroker
# 0660. It is bound beside OSOCK and renamed into place once its mode is
# set, as the broker may be connecting to OSOCK all the while. Sets SPID.
opener_start() {
        rm -f "$OSOCK" "$OSOCK.new"
        nsenter --net="/run/netns/$A" systemd-socket-activate --seqpacket -l "$OSOCK.new" \
                "$SOCKBROKER_OPENER" -p "$T/policy.conf" -d "$T/policy.d" </dev/null >>"$T/opener.log" 2>&1 &
        SPID=$!
        wait_for 5 test -S "$OSOCK.new" &&
                chown root:sockbroker "$OSOCK.new" && chmod 0660 "$OSOCK.new" && mv "$OSOCK.new" "$OSOCK"
}

: >"$T/policy.conf"
: >"$T/opener.log"
: >"$T/daemon.log"
rm -f "$T/sock"
if opener_start && start_daemon_in "$A" "$T" --opener-socket="$OSOCK" --opener-timeout=3; then
        ok "d: sockbrokerd --opener-socket starts with an opener on its own and no rule"
        OPID=$SPID
        out=$(as_nobody "$T/sbtest" open inet/raw/icmp 2>&1)
        check "d: no rule: denied" grep -q '^refused errno=1 ' <<<"$out"
        # A policy that needs CAP_NET_RAW, which the opener dropped.
        printf 'allow uid=65534 inet raw proto=icmp\n' >"$T/policy.conf"
        kill -HUP "$DPID"
        check "d: a reload that needs dropped capabilities: the opener exits" wait_for 10 gone "$OPID"
        wait "$OPID" 2>/dev/null
        check "d: ... saying why" grep -q 'exiting to be started again with them' "$T/opener.log"
        check "d: ... and the broker stays, connecting to the next" \
                bash -c "kill -0 $DPID && grep -q 'connecting to the next' '$T/daemon.log'"
        # A client that asks now waits, unread, for the next opener.
        as_nobody "$T/sbtest" open inet/raw/icmp >"$T/waiting.out" 2>&1 &
        waiting=$!
        opener_start
        OPID=$SPID
        wait "$waiting"
        check "d: the next opener serves the new policy to the client that waited" \
                grep -q '^granted' "$T/waiting.out"
        diag "$(cat "$T/waiting.out")"
        check "d: the broker says so" grep -q 'the next opener serves policy generation 1' "$T/daemon.log"
        out=$(as_nobody "$T/sbtest" open inet/raw/icmp 2>&1)
        check "d: and serves the next client" grep -q '^granted' <<<"$out"
        check "d: the broker holds spares the opener made" wait_for 5 spares_held
        kill -KILL "$OPID"
        wait "$OPID" 2>/dev/null
        check "d: once the opener has gone, none" wait_for 5 test_eq 0 spare_count "$DPID"
        opener_start
        OPID=$SPID
        out=$(wait_for 10 bash -c "grep -c 'the next opener serves' '$T/daemon.log' | grep -qx 2" &&
                as_nobody "$T/sbtest" open inet/raw/icmp 2>&1)
        check "d: a killed opener: the next one serves, the same broker" \
                bash -c "grep -q '^granted' <<<'$out' && kill -0 $DPID"
        kill -KILL "$OPID"
        wait "$OPID" 2>/dev/null
        OPID= SPID=
        start=$SECONDS
        check_exit "d: with no next opener, the broker exits with status 4" "$DPID" 4
        check "d: after --opener-timeout=3, saying so ($((SECONDS - start)) s)" \
                grep -q 'sent a policy within 3s; exiting' "$T/daemon.log"
        diag "$(grep -E 'opener' "$T/daemon.log" | tail -n 6)"
        DPID=
else
        not_ok "d: sockbrokerd --opener-socket starts with an opener on its own and no rule"
        diag "$(cat "$T/daemon.log" "$T/opener.log")"
fi

# --- e. an opener that switches to a policy the broker cannot take ------------------------
FAKE=$abs_top_builddir/tests/fake-opener
FSOCK=$T/fake.sock
FPID=
printf 'allow uid=65534 inet raw proto=icmp\n' >"$T/policy.conf"

# fake_start MODE: the fake opener on FSOCK, in A; sets FPID once it listens.
fake_start() {
        rm -f "$FSOCK"
        : >"$T/fake.out"
        nsenter --net="/run/netns/$A" "$FAKE" "$FSOCK" "$T/policy.conf" "$1" >"$T/fake.out" 2>&1 &
        FPID=$!
        wait_for 5 grep -qx ready "$T/fake.out"
}

for mode in same bad-selectors; do
        : >"$T/daemon.log"
        rm -f "$T/sock"
        if fake_start "$mode" && start_daemon_in "$A" "$T" --opener-socket="$FSOCK" --opener-timeout=3; then
                ok "e: $mode: sockbrokerd starts with the fake opener's policy"
                kill -HUP "$DPID"
                check "e: $mode: at the reload, the opener sends generation 2" \
                        wait_for 10 grep -q '^sent generation 2' "$T/fake.out"
                if [ "$mode" = same ]; then
                        check "e: same: the broker follows it" \
                                wait_for 10 grep -q 'policy generation 2: 1 rule' "$T/daemon.log"
                        out=$(as_nobody "$T/sbtest" open inet/raw/icmp 2>&1)
                        check "e: same: and answers from it (the fake opener refuses to open)" \
                                grep -q '^refused errno=13 ' <<<"$out"
                        diag "$out"
                        kill -TERM "$DPID"
                        check_exit "e: same: SIGTERM: status 0" "$DPID" 0
                else
                        check_exit "e: bad-selectors: the broker exits with status 1" "$DPID" 1
                        check "e: bad-selectors: its log says why" \
                                grep -q 'cannot follow the opener to policy generation 2; exiting' \
                                "$T/daemon.log"
                        check "e: bad-selectors: having refused the image" \
                                grep -q 'cannot import the compiled policy' "$T/daemon.log"
                fi
                diag "$(grep -E 'policy|opener' "$T/daemon.log" | tail -n 4)"
                check "e: $mode: the fake opener saw only valid messages" wait_for 5 gone "$FPID"
                wait "$FPID"
                check "e: $mode: ... and ended cleanly" test "$?" = 0
                FPID= DPID=
        else
                not_ok "e: $mode: sockbrokerd starts with the fake opener's policy"
                diag "$(cat "$T/daemon.log" "$T/fake.out")"
                kill "$FPID" 2>/dev/null
                FPID=
        fi
done

finish
