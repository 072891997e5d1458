#!/bin/bash
# hostile.sh - the table of hostile requests in tests/sbhostile.c against
# the real daemon, as uid 65534, in a network namespace this test creates
# and removes. One test point per case: the daemon's answer (or its
# closing the connection) is exactly the one the case states, and the
# daemon then still serves a good request on that connection and a
# well-behaved client on its own. After every 10 cases and at the end,
# the broker's and the opener's descriptors are back at their count
# before the first case, and neither has grown by more than RSS_SLACK_KB.
set -u
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root (network namespaces, the daemon)"
for c in ip setpriv nsenter pgrep; do
        command -v "$c" >/dev/null || skip_all "needs $c"
done
ensure_broker_user

SBHOSTILE=$abs_top_builddir/tests/sbhostile
T=$(mktemp -d /tmp/sockbroker-hostile.XXXXXX)
chmod 0755 "$T"
A=sbha$$
DPID=
BATCH=10
# What the broker and the opener may grow by over the whole table: 4 MiB.
# An AddressSanitizer build holds freed memory back, in a quarantine of
# 256 MiB by default; it is 16 MiB here, and the bound grows by as much.
RSS_SLACK_KB=4096
if ldd "$SOCKBROKERD" 2>/dev/null | grep -q libasan; then
        export ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}quarantine_size_mb=16"
        RSS_SLACK_KB=$((RSS_SLACK_KB + 16 * 1024))
fi

cleanup() {
        [ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
        ip netns del "$A" 2>/dev/null
        rm -rf "$T"
}
trap cleanup EXIT

ip netns add "$A" || skip_all "cannot create network namespaces"
ip -n "$A" link set lo up
install -m 0755 "$SBHOSTILE" "$T/sbhostile"

# The well-behaved client's grant goes through libsockbroker (netns=client);
# the table's own good request, raw udp, is allowed in the daemon's
# namespace, so it needs no descriptor; packet sockets on lo carry the
# interface names; port 80 and two options are the Bind and SetOption.
cat >"$T/policy.conf" <<'P'
allow uid=65534 inet   raw proto=icmp
allow uid=65534 inet   raw proto=udp netns=host
allow uid=65534 packet raw proto=0x88b5 iface=lo netns=host
allow uid=65534 inet   stream proto=tcp bind=80
allow uid=65534 inet   dgram option=mark:1-100
allow uid=65534 inet   dgram option=bindtodevice iface=lo
P
chmod 0644 "$T/policy.conf"

as_nobody() {
        nsenter --net="/run/netns/$A" setpriv --reuid=65534 --regid=65534 --clear-groups \
                env SOCKBROKER_SOCKET="$T/sock" "$@"
}

# Every refusal is logged: the Status case looks for its own record.
if ! start_daemon_in "$A" "$T" --log-rate=100000; then
        not_ok "sockbrokerd starts"
        diag "$(cat "$T/daemon.log")"
        finish
        exit
fi
OPID=$(pgrep -P "$DPID" | head -n1)

# The broker's spares (raw IP sockets made ahead, at most 32) come and
# go with the requests; they are not counted.
fd_count() { echo $(($(fd_targets "$1" | wc -l) - $(spare_count "$1"))); }
rss_kb() { status_field "$1" VmRSS; }

# One grant first, so that what the daemon sets up on first use is part
# of the baseline.
out=$(as_nobody "$T/sbhostile" grants 1 1 2>&1)
check "a well-behaved client is served before the table" grep -q '^grants 1 refused 0' <<<"$out"
fd_broker=$(fd_count "$DPID")
fd_opener=$(fd_count "$OPID")
rss_broker=$(rss_kb "$DPID")
rss_opener=$(rss_kb "$OPID")
diag "baseline: broker pid $DPID, $fd_broker fds, VmRSS $rss_broker kB;" \
        "opener pid $OPID, $fd_opener fds, VmRSS $rss_opener kB; RSS bound +$RSS_SLACK_KB kB"

fds_at_baseline() {
        [ "$(fd_count "$DPID")" = "$fd_broker" ] && [ "$(fd_count "$OPID")" = "$fd_opener" ]
}

# checkpoint AFTER: both processes still run, their descriptors come back
# to the baseline (closes are asynchronous: the opener closes a socket
# whose client has gone), and their memory stays within the bound.
checkpoint() {
        local rb ro
        if ! kill -0 "$DPID" 2>/dev/null || ! kill -0 "$OPID" 2>/dev/null; then
                not_ok "after $1 cases: the broker and the opener still run"
                diag "$(tail -n 20 "$T/daemon.log")"
                return
        fi
        if wait_for 5 fds_at_baseline; then
                ok "after $1 cases: descriptors at baseline (broker $fd_broker, opener $fd_opener)"
        else
                not_ok "after $1 cases: descriptors at baseline: broker $(fd_count "$DPID") (was $fd_broker)," \
                        "opener $(fd_count "$OPID") (was $fd_opener)"
                diag "broker: $(fd_targets "$DPID" | sort | uniq -c | tr '\n' ';')"
                diag "opener: $(fd_targets "$OPID" | sort | uniq -c | tr '\n' ';')"
        fi
        rb=$(rss_kb "$DPID")
        ro=$(rss_kb "$OPID")
        check "after $1 cases: VmRSS within baseline + $RSS_SLACK_KB kB (broker $rss_broker -> $rb, opener $rss_opener -> $ro)" \
                test "$rb" -le $((rss_broker + RSS_SLACK_KB)) -a "$ro" -le $((rss_opener + RSS_SLACK_KB))
}

n=$(as_nobody "$T/sbhostile" count)
for ((first = 0; first < n; first += BATCH)); do
        while IFS= read -r line; do
                case $line in
                "ok - "*) ok "${line#ok - }" ;;
                "not ok - "*) not_ok "${line#not ok - }" ;;
                *) diag "$line" ;;
                esac
        done < <(as_nobody "$T/sbhostile" --log "$T/daemon.log" cases "$first" "$BATCH" 2>&1)
        checkpoint $((first + BATCH < n ? first + BATCH : n))
done

check "the table ran all $n cases" test "$tap_n" -ge "$n"
diag "$(grep -c 'decision=bad-request' "$T/daemon.log") bad requests logged"

kill -TERM "$DPID"
wait "$DPID"
rc=$?
check "SIGTERM stops the daemon cleanly after the table (rc=$rc)" test "$rc" = 0
DPID=

finish
