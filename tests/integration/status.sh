#!/bin/bash
# status.sh - `sockbroker status` and `sockbroker list` against the real
# sockbrokerd: who may ask, that the counters and the record of grants
# follow what clients do, that both come whole through several pages,
# and that --json is one document that parses.
set -u
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root (network namespaces, the daemon)"
command -v ip >/dev/null && command -v setpriv >/dev/null || skip_all "needs ip and setpriv"
command -v python3 >/dev/null || skip_all "needs python3 to read the JSON"
ensure_broker_user

T=$(mktemp -d /tmp/sockbroker-status.XXXXXX)
chmod 0755 "$T"
A=sbsa$$
DPID=
SPID=

cleanup() {
        [ -n "$SPID" ] && kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
        [ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
        ip netns del "$A" 2>/dev/null
        rm -rf "$T"
}
trap cleanup EXIT

ip netns add "$A" || skip_all "cannot create network namespaces"
ip -n "$A" link set lo up

install -m 0755 "$SOCKBROKER" "$T/sockbroker"

write_policy() {
        cat >"$T/policy.conf"
        chmod 0644 "$T/policy.conf"
}

write_policy <<'P'
allow uid=65534 inet  raw proto=icmp
deny  uid=65534 inet6 any
P
# Drop-ins with long names, so that the file list takes several pages.
mkdir -m 0755 "$T/policy.d"
long=$(printf 'd%.0s' $(seq 1 200))
for i in $(seq -w 1 30); do
        echo "# drop-in $i" >"$T/policy.d/$i-$long.conf"
        chmod 0644 "$T/policy.d/$i-$long.conf"
done

as_nobody() {
        in_a setpriv --reuid=65534 --regid=65534 --clear-groups \
                env SOCKBROKER_SOCKET="$T/sock" "$@"
}
as_root() { SOCKBROKER_SOCKET=$T/sock "$SOCKBROKER" "$@"; }

# json EXPR: evaluates a Python expression over the document on stdin, d.
json() {
        python3 -c 'import json, sys; d = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"
}
parses() { python3 -c 'import json, sys; json.load(sys.stdin)' 2>/dev/null; }

if ! start_daemon_in "$A" "$T" --max-grants=64; then
        not_ok "sockbrokerd starts"
        diag "$(cat "$T/daemon.log")"
        finish
        exit
fi
ok "sockbrokerd starts with --max-grants=64"

# --- root: status ---------------------------------------------------------------------------------
out=$(as_root status 2>&1)
rc=$?
check "root gets the status (rc=$rc)" test "$rc" = 0
check "it names the version, the policy generation and its rules and files" \
        grep -Eq "^Policy: +generation 1, 2 rules in 31 files$" <<<"$out"
check "it lists every policy file, drop-ins over several pages included" \
        test "$(grep -c "^ *$T/policy" <<<"$out")" = 31
check "it shows the limits, max-grants too" grep -Eq "^Grants kept: +the newest 64$" <<<"$out"
diag "$(head -n 4 <<<"$out")"

before=$(as_root status --json)
check "status --json is one JSON document" parses <<<"$before"
check "whose version is the daemon's" test "$(json 'd["version"]' <<<"$before")" = \
        "$("$SOCKBROKERD" --version | awk '{ print $2 }')"
check "with all 31 policy files, in order" \
        test "$(json 'len(d["policy"]["files"]) == 31 and d["policy"]["files"] == sorted(d["policy"]["files"])' <<<"$before")" = True
check "and the limits given" \
        test "$(json 'd["limits"]["max_grants"], d["limits"]["max_connections"]' <<<"$before")" = "(64, 256)"

# --- a grant and a denial, counted ----------------------------------------------------------------
out=$(as_nobody "$T/sockbroker" open inet/raw/icmp 2>&1)
check "uid 65534 gets inet/raw/icmp" grep -q "^inet/raw/icmp fd=" <<<"$out"
as_nobody "$T/sockbroker" open inet6/raw/udp >/dev/null 2>&1
check "and is refused inet6/raw/udp" test $? = 1

after=$(as_root status --json)
count() { json "d['counters']['$1']['$2']" <<<"$3"; }
check "granted.inet went up by one" \
        test "$(count granted inet "$after")" = $(($(count granted inet "$before") + 1))
check "denied.inet6 went up by one" \
        test "$(count denied inet6 "$after")" = $(($(count denied inet6 "$before") + 1))
check "granted.inet6 did not move" \
        test "$(count granted inet6 "$after")" = "$(count granted inet6 "$before")"
out=$(as_root status)
check "the text form shows the same counters, aligned" \
        grep -Eq "^  inet +$(count granted inet "$after") +$(count denied inet "$after")$" <<<"$out"

# --- root: list --------------------------------------------------------------------------------------
out=$(as_root list 2>&1)
rc=$?
check "root gets the list (rc=$rc)" test "$rc" = 0
check "it groups the grant under its peer, uid 65534" grep -q "^uid 65534 gid 65534 pid [0-9]* (exited)" <<<"$out"
check "with the request and the rule that allowed it" \
        grep -Eq "^  [0-9-]+ [0-9:]+  inet/raw/icmp  $T/policy.conf:1$" <<<"$out"
diag "$out"

list=$(as_root list --json)
check "list --json is one JSON document" parses <<<"$list"
check "whose grant has uid 65534, the request and the rule" \
        test "$(json '[(p["uid"], g["what"], g["rule"]) for p in d["peers"] for g in p["grants"]]' <<<"$list")" = \
        "[(65534, 'inet/raw/icmp', '$T/policy.conf:1')]"

# A peer that keeps running: `open -- CMD` execs CMD in its own process,
# and nsenter and setpriv exec too, so $! is the peer.
nsenter --net="/run/netns/$A" setpriv --reuid=65534 --regid=65534 --clear-groups \
        env SOCKBROKER_SOCKET="$T/sock" "$T/sockbroker" open inet/raw/icmp -- sleep 60 \
        </dev/null >/dev/null 2>&1 &
SPID=$!
wait_for 10 bash -c "grep -c 'decision=granted' '$T/daemon.log' | grep -qx 2"
state() { as_root list --json | json "[p['state'] for p in d['peers'] if p['pid'] == $1]"; }
check "a peer that still runs is 'running'" test "$(state "$SPID")" = "['running']"
kill "$SPID"
wait "$SPID" 2>/dev/null
check "and 'exited' once it has gone" test "$(state "$SPID")" = "['exited']"
SPID=

# --- who may ask ---------------------------------------------------------------------------------------
out=$(as_nobody "$T/sockbroker" status 2>&1)
rc=$?
check "uid 65534 without an admin rule is refused the status with exit 1 (rc=$rc)" test "$rc" = 1
check "and told why" grep -q "^sockbroker status: denied: .*'admin' rule.* uid 65534" <<<"$out"
diag "$out"
out=$(as_nobody "$T/sockbroker" list --json 2>"$T/err")
rc=$?
check "and the list, with nothing on standard output (rc=$rc)" \
        test "$rc" = 1 -a -z "$out"
check "but the reason on standard error" grep -q '^sockbroker list: denied: ' "$T/err"
check "the refusals are audited as denials" \
        test "$(grep -c 'decision=denied uid=65534 .* request=status' "$T/daemon.log")" = 2
check "and counted under admin" \
        test "$(as_root status --json | json 'd["counters"]["denied"]["admin"]')" = 2

write_policy <<'P'
allow uid=65534 inet  raw proto=icmp
deny  uid=65534 inet6 any
allow uid=65534 admin
P
kill -HUP "$DPID"
check "SIGHUP loads a policy with 'allow uid=65534 admin'" \
        wait_for 10 grep -q 'policy generation 2' "$T/daemon.log"
out=$(as_nobody "$T/sockbroker" status --json 2>&1)
rc=$?
check "now uid 65534 gets the status (rc=$rc)" test "$rc" = 0
check "of policy generation 2" test "$(json 'd["policy"]["generation"]' <<<"$out")" = 2
out=$(as_nobody "$T/sockbroker" list 2>&1)
check "and the list" grep -q "^uid 65534 gid 65534 " <<<"$out"

# --- many grants: the ring turns, and the list comes in pages ---------------------------------------
specs=$(printf 'inet/raw/icmp %.0s' $(seq 1 50))
# shellcheck disable=SC2086
as_nobody "$T/sockbroker" open $specs >/dev/null 2>&1 &&
        as_nobody "$T/sockbroker" open $specs >/dev/null 2>&1
check "uid 65534 gets 100 more sockets" test $? = 0
list=$(as_root list --json)
check "the list holds the newest 64 grants" \
        test "$(json 'd["held"], d["capacity"], sum(len(p["grants"]) for p in d["peers"])' <<<"$list")" = "(64, 64, 64)"
check "with consecutive serials up to the newest" \
        test "$(json 'sorted(g["serial"] for p in d["peers"] for g in p["grants"]) == list(range(d["newest"] - 63, d["newest"] + 1)) and d["newest"] >= 102' <<<"$list")" = True
out=$(as_root list)
check "the text form says how many were forgotten" \
        grep -Eq "^64 grants shown; [0-9]+ older forgotten \(the daemon keeps the newest 64\)$" <<<"$out"

# --- a deny rule names itself ----------------------------------------------------------------------------
write_policy <<'P'
allow uid=65534 inet  raw proto=icmp
deny  uid=65534 inet6 any
deny  uid=65534 admin
allow uid=65534 admin
P
kill -HUP "$DPID"
check "SIGHUP loads a policy with 'deny uid=65534 admin' first" \
        wait_for 10 grep -q 'policy generation 3' "$T/daemon.log"
out=$(as_nobody "$T/sockbroker" status 2>&1)
rc=$?
check "the deny rule refuses uid 65534 and names itself (rc=$rc)" \
        test "$rc" = 1 -a "$out" = "sockbroker status: denied: $T/policy.conf:3 refuses the daemon's status to uid 65534"
check "root is not bound by it" parses < <(as_root status -j)

# --- the command line ----------------------------------------------------------------------------------
SOCKBROKER_SOCKET=$T/none "$SOCKBROKER" status >/dev/null 2>&1
check "status exits 4 when the broker is unreachable" test $? = 4
"$SOCKBROKER" list --bogus >/dev/null 2>&1
check "list with an unknown option exits 2" test $? = 2
"$SOCKBROKER" status extra >/dev/null 2>&1
check "status with an argument exits 2" test $? = 2
"$SOCKBROKER" status --help | grep -q -- "--json"
check "status --help describes --json" test $? = 0
out=$("$SOCKBROKERD" --max-grants=65537 2>&1)
rc=$?
check "sockbrokerd --max-grants beyond 65536 exits 2 and says why (rc=$rc)" \
        bash -c "test $rc = 2 && grep -q 'max-grants' <<<'$out'"

kill -TERM "$DPID"
wait "$DPID"
rc=$?
check "SIGTERM stops the daemon cleanly (rc=$rc)" test "$rc" = 0
DPID=

finish
