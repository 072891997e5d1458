#!/bin/bash
# systemd.sh - the systemd units, checked on paper and in use.
#
#   1. the units as shipped: systemd-analyze verify, and the exposure that
#      systemd-analyze security gives, against the figure docs/systemd.md
#      records;
#   2. the capabilities: the daemon under exactly the unit's bounding set
#      and no_new_privs works, and without any one of them does not start;
#   3. sysusers.d and tmpfiles.d, applied to a scratch root;
#   4. socket activation with systemd-socket-activate, readiness, watchdog
#      and reload seen on a notify socket this test owns;
#   5. a restart while the listening socket is held, as systemd holds it;
#   6. the real thing: the units under systemd itself, booted with
#      systemd-nspawn over a throw-away overlay of this system (skipped
#      where that cannot boot).
set -u
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root (the daemon, network namespaces)"
for c in systemd-analyze systemd-socket-activate setpriv ip nsenter; do
        command -v "$c" >/dev/null || skip_all "needs $c"
done
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3) || skip_all "needs python3"
ensure_broker_user

T=$(mktemp -d /tmp/sockbroker-systemd.XXXXXX)
chmod 0755 "$T"
# The daemon runs here as uids that may not reach the checkout.
mkdir -m 0755 "$T/bin"
stage_programs "$T/bin" || skip_all "cannot copy the programs to $T/bin"
N=sbsd$$
NC=
PIDS=()

cleanup() {
        local p
        for p in "${PIDS[@]}"; do
                kill "$p" 2>/dev/null
        done
        for p in "${PIDS[@]}"; do
                wait "$p" 2>/dev/null
        done
        nspawn_cgroups_clean
        ip netns del "$N" 2>/dev/null
        ip netns del "$NC" 2>/dev/null
        rm -rf "$T"
}
trap cleanup EXIT

SERVICE_IN=$abs_top_srcdir/systemd/sockbroker.service.in
OPENER_IN=$abs_top_srcdir/systemd/sockbroker-opener.service.in
SOCKET_UNIT=$abs_top_srcdir/systemd/sockbroker.socket
OPENER_SOCKET_UNIT=$abs_top_srcdir/systemd/sockbroker-opener.socket
DOC=$abs_top_srcdir/docs/systemd.md

# --- 1. the units as shipped ---------------------------------------------------------
mkdir "$T/units"
for u in sockbroker sockbroker-opener; do
        sed "s|@sbindir@|$abs_top_builddir|g; s|@pkglibexecdir@|$abs_top_builddir|g" \
                "$abs_top_srcdir/systemd/$u.service.in" >"$T/units/$u.service"
        check "$u.service.in has no substitution but @sbindir@ and @pkglibexecdir@" \
                bash -c "! grep -Eq '@[a-z_]+@' '$T/units/$u.service'"
        built=$abs_top_builddir/systemd/$u.service
        exe=sockbrokerd
        [ "$u" = sockbroker-opener ] && exe=sockbroker-opener
        if [ -f "$built" ]; then
                check "the built $u.service runs an absolute .../$exe" \
                        grep -Eq "^ExecStart=/([^@ ]*/)?$exe( |\$)" "$built"
                check "and differs from the template in ExecStart= only" \
                        diff <(grep -v '^ExecStart=' "$built") \
                             <(grep -v '^ExecStart=' "$abs_top_srcdir/systemd/$u.service.in")
        else
                ok "the built $u.service # SKIP not built here (make all builds it)"
        fi
done
cp "$SOCKET_UNIT" "$OPENER_SOCKET_UNIT" "$T/units/"

out=$(cd "$T/units" && systemd-analyze verify --man=no ./sockbroker.socket ./sockbroker-opener.socket \
        ./sockbroker.service ./sockbroker-opener.service 2>&1)
rc=$?
check "systemd-analyze verify passes the four units, silently (rc=$rc)" test "$rc" = 0 -a -z "$out"
[ -n "$out" ] && diag "$out"

# exposure DIR UNIT: the figure systemd-analyze security gives UNIT in DIR.
exposure() {
        (cd "$1" && systemd-analyze security --offline=yes "./$2.service" 2>&1) |
                sed -n "s/.*Overall exposure level for $2.service: \([0-9][0-9.]*\).*/\1/p"
}
# recorded LABEL: the figure docs/systemd.md records after "LABEL: ".
recorded() { sed -n "s/.*$1: \([0-9][0-9.]*\).*/\1/p" "$DOC" | head -n1; }
at_most() { awk -v a="${1:-99}" -v b="${2:--1}" 'BEGIN { exit !(a + 0 <= b + 0) }'; }

e=$(exposure "$T/units" sockbroker) r=$(recorded 'Recorded figure for sockbroker.service')
check "systemd-analyze security rates sockbroker.service ${e:-?}, at most the ${r:-?} docs/systemd.md records" \
        at_most "$e" "$r"
check "and that is 2.0 or less" at_most "$e" 2.0
e=$(exposure "$T/units" sockbroker-opener) r=$(recorded 'Recorded figure for sockbroker-opener.service')
check "it rates sockbroker-opener.service ${e:-?}, at most the ${r:-?} recorded" at_most "$e" "$r"

# The host-only drop-in for the opener, exactly as docs/systemd.md gives it.
mkdir -p "$T/units-host/sockbroker-opener.service.d"
cp "$T/units/sockbroker-opener.service" "$T/units-host/"
sed -n '/<!-- drop-in: host-only -->/,/^```$/{/^```/d;/^<!--/d;p}' "$DOC" \
        >"$T/units-host/sockbroker-opener.service.d/host-only.conf"
e=$(exposure "$T/units-host" sockbroker-opener) r=$(recorded 'Recorded figure with the host-only drop-in')
check "with the host-only drop-in the opener rates ${e:-?}, at most the ${r:-?} recorded" at_most "$e" "$r"
host_caps=$(cd "$T/units-host" && SYSTEMD_LOG_LEVEL=err systemd-analyze security --offline=yes --json=short ./sockbroker-opener.service 2>/dev/null |
        "$PY" -c 'import json, sys
print(" ".join(sorted(i["name"] for i in json.load(sys.stdin) if i["name"].startswith("CapabilityBoundingSet=~CAP_SYS_ADMIN") and i.get("exposure") in (None, "0.0", 0))))')
check "and it takes CAP_SYS_ADMIN out of the bounding set" test "$host_caps" = "CapabilityBoundingSet=~CAP_SYS_ADMIN"

# Every setting the analyzer still counts against a unit must be one that
# docs/systemd.md explains for it; a new one is a regression.
for u in sockbroker sockbroker-opener; do
        failing=$(cd "$T/units" && systemd-analyze security --offline=yes --json=short "./$u.service" 2>/dev/null |
                "$PY" -c 'import json, sys
for i in json.load(sys.stdin):
    if i.get("exposure") not in (None, "0.0", 0):
        print(i["name"])')
        documented=$(sed -n "/<!-- exposure-items $u -->/,/<!-- \/exposure-items -->/s/^- \`\([^\`]*\)\`.*/\1/p" "$DOC")
        unexplained=$(comm -23 <(sort <<<"$failing") <(sort <<<"$documented"))
        check "every setting still counted against $u.service is explained in docs/systemd.md" \
                test -n "$documented" -a -z "$unexplained"
        [ -n "$unexplained" ] && diag "not explained: $unexplained"
        gone=$(comm -13 <(sort <<<"$failing") <(sort <<<"$documented"))
        [ -n "$gone" ] && diag "docs/systemd.md explains settings that no longer count; update it: $gone"
done

unit_caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$OPENER_IN")
check "the opener's bounding set is the five capabilities docs/systemd.md lists" \
        test "$(tr ' ' '\n' <<<"$unit_caps" | sort | xargs)" = \
             "CAP_NET_ADMIN CAP_NET_BIND_SERVICE CAP_NET_RAW CAP_SETPCAP CAP_SYS_ADMIN"
check "the broker's bounding set is empty" grep -qx 'CapabilityBoundingSet=' "$SERVICE_IN"
for k in 'User=sockbroker' 'NoNewPrivileges=yes' 'Type=notify' 'NotifyAccess=main' 'ProtectSystem=strict' \
         'PrivateTmp=yes' 'PrivateNetwork=yes' 'RestrictAddressFamilies=AF_UNIX' 'IPAddressDeny=any' \
         'MemoryDenyWriteExecute=yes' 'SystemCallArchitectures=native' 'LockPersonality=yes' \
         'ExecReload=/bin/kill -HUP $MAINPID' \
         'ExecStart=@sbindir@/sockbrokerd --opener-socket=/run/sockbroker/opener.sock'; do
        check "sockbroker.service sets $k" grep -qxF "$k" "$SERVICE_IN"
done
check "sockbroker.service sets WatchdogSec=" grep -Eq '^WatchdogSec=[1-9]' "$SERVICE_IN"
for k in 'NoNewPrivileges=yes' 'Type=notify' 'NotifyAccess=main' 'ProtectSystem=strict' 'PrivateTmp=yes' \
         'MemoryDenyWriteExecute=yes' 'SystemCallArchitectures=native' 'LockPersonality=yes' \
         'ExecStart=@pkglibexecdir@/sockbroker-opener'; do
        check "sockbroker-opener.service sets $k" grep -qxF "$k" "$OPENER_IN"
done
check "sockbroker.socket listens on the daemon's default path, mode 0666" \
        bash -c "grep -qx 'ListenSequentialPacket=/run/sockbroker/sockbroker.sock' '$SOCKET_UNIT' &&
                 grep -qx 'SocketMode=0666' '$SOCKET_UNIT' &&
                 '$SOCKBROKERD' --help | grep -q '(default /run/sockbroker/sockbroker.sock)'"
check "sockbroker-opener.socket: where the broker looks, root:sockbroker 0660" \
        bash -c "grep -qx 'ListenSequentialPacket=/run/sockbroker/opener.sock' '$OPENER_SOCKET_UNIT' &&
                 grep -qx 'SocketUser=root' '$OPENER_SOCKET_UNIT' &&
                 grep -qx 'SocketGroup=sockbroker' '$OPENER_SOCKET_UNIT' &&
                 grep -qx 'SocketMode=0660' '$OPENER_SOCKET_UNIT'"

# --- 6. under systemd itself (started now, in the background; read at the end) ---------------------------
# Boots this system's own systemd in a container whose root is a tmpfs
# overlay of /, with only these units enabled, and runs the checks below
# in it as a oneshot service. Everything is undone when the private mount
# namespace goes away.
mkdir -p "$T/nspawn/system/sockets.target.wants" "$T/nspawn/system/multi-user.target.wants" \
        "$T/nspawn/etc" "$T/nspawn/results"
chmod 0755 "$T/nspawn/etc"
for u in sockbroker sockbroker-opener; do
        sed "s|@sbindir@|/opt/sockbroker-build|g; s|@pkglibexecdir@|/opt/sockbroker-build|g" \
                "$abs_top_srcdir/systemd/$u.service.in" >"$T/nspawn/system/$u.service"
        # A sanitizer build reads its options from the environment, which
        # the services do not inherit from this test.
        if [ -n "${ASAN_OPTIONS:-}${UBSAN_OPTIONS:-}" ]; then
                mkdir -p "$T/nspawn/system/$u.service.d"
                printf '[Service]\nEnvironment="ASAN_OPTIONS=%s" "UBSAN_OPTIONS=%s"\n' \
                        "${ASAN_OPTIONS:-}" "${UBSAN_OPTIONS:-}" >"$T/nspawn/system/$u.service.d/sanitizers.conf"
        fi
done
cp "$SOCKET_UNIT" "$OPENER_SOCKET_UNIT" "$T/nspawn/system/"
ln -s ../sockbroker.socket ../sockbroker-opener.socket "$T/nspawn/system/sockets.target.wants/"
ln -s ../sbcheck.service "$T/nspawn/system/multi-user.target.wants/"
cat >"$T/nspawn/system/sbcheck.service" <<'EOF'
[Unit]
Description=sockbroker checks
Requires=sockbroker.socket
After=sockbroker.socket multi-user.target

[Service]
Type=oneshot
ExecStart=/bin/bash /results/check.sh
ExecStopPost=/bin/systemctl --no-block poweroff
EOF
printf 'allow uid=65534 inet raw proto=icmp\nallow uid=65534 packet raw proto=all iface=lo\n' \
        >"$T/nspawn/etc/policy.conf"
chmod 0644 "$T/nspawn/etc/policy.conf"
cat >"$T/nspawn/results/check.sh" <<'EOF'
# Runs inside the container; one "ok"/"not ok" line per check.
exec >/results/out.txt 2>&1
echo booted
B=/opt/sockbroker-build
S=/run/sockbroker/sockbroker.sock
t() { local d=$1; shift; if "$@" >/dev/null 2>&1; then echo "ok - $d"; else echo "not ok - $d"; fi; }
wait_for() { local i; for i in $(seq 100); do "$@" && return 0; sleep 0.1; done; return 1; }
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
export -f nobody
prop() { systemctl show -p "$1" --value sockbroker.service; }
status() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
ip link set lo up

t "sockbroker.socket and sockbroker-opener.socket are listening" \
        test "$(systemctl is-active sockbroker.socket sockbroker-opener.socket | xargs)" = "active active"
t "the clients' socket is mode 0666 in a 0755 directory" \
        test "$(stat -c %a $S)/$(stat -c %a /run/sockbroker)" = 666/755
t "the opener's socket is root:sockbroker 0660" \
        test "$(stat -c '%U:%G %a' /run/sockbroker/opener.sock)" = "root:sockbroker 660"
t "sockbroker.service waits for the first client" test "$(prop ActiveState)" = inactive
out=$(nobody $B/tests/sbtest ping inet/raw/icmp 127.0.0.1)
echo "# $out"
t "uid 65534 connects, which starts the service, and pings through it" grep -q 'echo reply' <<<"$out"
t "the service is active and says so in STATUS=" \
        bash -c "test '$(prop ActiveState)' = active && grep -q '^Serving 2 rules' <<<'$(prop StatusText)'"
M=$(prop MainPID)
O=$(systemctl show -p MainPID --value sockbroker-opener.service)
t "the broker's first connection started the opener" \
        test "$(systemctl is-active sockbroker-opener.service)" = active
echo "# broker $M: $(grep -E '^(Uid|CapBnd|NoNewPrivs|Seccomp):' /proc/$M/status | xargs)"
echo "# opener $O: $(grep -E '^(Uid|CapBnd|NoNewPrivs|Seccomp):' /proc/$O/status | xargs)"
t "the broker, as sockbroker.service: uid sockbroker, no capabilities, no_new_privs, seccomp" \
        test "$(status $M Uid)/$(status $M CapEff)/$(status $M CapBnd)/$(status $M NoNewPrivs)/$(status $M Seccomp)" \
             = "$(id -u sockbroker)/0000000000000000/0000000000000000/1/2"
t "the opener, as sockbroker-opener.service: uid sockbroker-opener with what the policy needs (CAP_NET_RAW, CAP_NET_ADMIN, CAP_SYS_ADMIN), no_new_privs, seccomp" \
        test "$(status $O Uid)/$(status $O CapEff)/$(status $O CapBnd)/$(status $O NoNewPrivs)/$(status $O Seccomp)" \
             = "$(id -u sockbroker-opener)/0000000000203000/0000000000203000/1/2"
out=$(nobody $B/tests/sbtest open packet/raw/all@lo)
t "a packet socket passes RestrictAddressFamilies= and the seccomp filter" grep -q '^granted' <<<"$out"
out=$(unshare --net bash -c "ip link set lo up && ip addr add 10.251.0.1/32 dev lo &&
        setpriv --reuid=65534 --regid=65534 --clear-groups $B/tests/sbtest ping inet/raw/icmp 10.251.0.1" 2>&1)
echo "# $out"
t "a client in its own network namespace gets its socket there (setns() under RestrictNamespaces=net)" \
        grep -q 'echo reply from 10.251.0.1' <<<"$out"
t "the broker reads its peers' cgroups: the log names unit=sbcheck.service" \
        bash -c "journalctl -u sockbroker.service | grep -q 'decision=granted .* unit=sbcheck.service'"

printf 'allow uid=65534 inet raw proto=icmp\nallow uid=65534 inet6 raw proto=ipv6-icmp\n' >/etc/sockbroker/policy.conf
t "systemctl reload succeeds (ExecReload= can signal the broker)" systemctl reload sockbroker.service
t "and the new policy takes effect" wait_for bash -c "nobody $B/tests/sbtest open inet6/raw/ipv6-icmp | grep -q '^granted'"
printf 'allow uid=65534 inet raw proto=icmp bogus=1\n' >/etc/sockbroker/policy.conf
systemctl reload sockbroker.service
t "a bad policy is refused, in the journal" \
        wait_for bash -c "journalctl -u sockbroker.service | grep -q 'policy not loaded: /etc/sockbroker/policy.conf:1:'"
t "while the old one keeps serving" bash -c "nobody $B/tests/sbtest open inet6/raw/ipv6-icmp | grep -q '^granted'"
t "and the service stays active" test "$(prop ActiveState)" = active

printf 'allow uid=65534 inet raw proto=icmp\n' >/etc/sockbroker/policy.conf
mkdir -p /run/systemd/system/sockbroker.service.d
printf '[Service]\nWatchdogSec=1s\n' >/run/systemd/system/sockbroker.service.d/watchdog.conf
systemctl daemon-reload
systemctl restart sockbroker.service
w1=$(prop WatchdogTimestampMonotonic)
sleep 2.5
w2=$(prop WatchdogTimestampMonotonic)
t "WatchdogSec=1s: the pings reach systemd ($w1 -> $w2) and nothing restarts" \
        test "$w2" -gt "$w1" -a "$(prop NRestarts)" = 0 -a "$(prop ActiveState)" = active

systemctl stop sockbroker.service
out=$(nobody $B/tests/sbtest ping inet/raw/icmp 127.0.0.1)
t "after a stop, the next client starts it again and is served" grep -q 'echo reply' <<<"$out"
t "the broker runs in a network namespace of its own (PrivateNetwork=yes)" \
        test "$(readlink /proc/$(prop MainPID)/ns/net)" != "$(readlink /proc/1/ns/net)"
# Faults: a killed opener is started again (Restart=on-failure, and the
# broker connecting to its socket); the broker stays, and serves again
# once the next one has sent its policy.
O=$(systemctl show -p MainPID --value sockbroker-opener.service)
M=$(prop MainPID)
kill -KILL "$O"
out=$(wait_for bash -c "nobody $B/tests/sbtest ping inet/raw/icmp 127.0.0.1 | grep -q 'echo reply'" && echo served)
t "with its opener killed, the next client is served by a new opener" \
        bash -c "test '$out' = served -a \"\$(systemctl show -p MainPID --value sockbroker-opener.service)\" != '$O'"
t "... and by the same broker, which never restarted" \
        test "$(prop MainPID)/$(prop NRestarts)" = "$M/0"
t "the broker says it connected to the next opener" \
        bash -c "journalctl -u sockbroker.service --no-pager | grep -q 'the next opener serves policy generation'"
systemctl stop sockbroker.service sockbroker-opener.service
t "systemctl stop of both: clean exits, no process left" \
        test "$(prop Result)/$(prop ExecMainStatus)/$(systemctl show -p Result --value sockbroker-opener.service)/$(pgrep -c '^sockbroker(d|-open)')" = "success/0/success/0"
journalctl -u sockbroker.service -u sockbroker-opener.service --no-pager | tail -n 40 | sed 's/^/# /'
echo done
EOF

nspawn_skip=$(nspawn_unavailable)
if [ -z "$nspawn_skip" ]; then
        nspawn_boot "$T/nspawn" 90 : \
                --bind="$T/nspawn/results:/results" --bind="$T/nspawn/etc:/etc/sockbroker" \
                --bind-ro="$abs_top_builddir:/opt/sockbroker-build" \
                --bind-ro="$T/nspawn/system:/etc/systemd/system"
        PIDS+=("$NSPID")
fi

# --- 2. the capabilities, found by running ----------------------------------------------------
# Three policies, each needing something the others do not: a raw socket
# in the daemon's own namespace (CAP_NET_RAW), one in the client's
# namespace (netns=client, the default: also CAP_SYS_ADMIN and
# CAP_NET_ADMIN), and a privileged port (CAP_NET_BIND_SERVICE). The two
# halves run as their units would: the opener as root under its unit's
# bounding set, the broker as sockbroker with none, both with
# no_new_privs. All three policies work; without any one capability of
# the opener's, the policy that needs it does not.
ip netns add "$N" || skip_all "cannot create a network namespace"
ip -n "$N" link set lo up
NC=sbsc$$
ip netns add "$NC"
ip -n "$NC" link set lo up
# An address only the client's namespace has.
ip -n "$NC" addr add 10.251.0.1/32 dev lo
in_n() { nsenter --net="/run/netns/$N" "$@"; }
as_nobody() { in_n setpriv --reuid=65534 --regid=65534 --clear-groups env SOCKBROKER_SOCKET="$1" "${@:2}"; }

install -m 0755 "$SBTEST" "$T/sbtest"
write_policy() {
        cat >"$T/policy.conf"
        chmod 0644 "$T/policy.conf"
}

declare -A CAP_POLICY=(
        [host]='allow uid=65534 inet raw proto=icmp netns=host'
        [client]='allow uid=65534 inet raw proto=icmp'
        [bind]='allow uid=65534 inet stream proto=tcp bind=80 netns=host'
)
declare -A CAP_CLIENT=(
        [host]="$N ping inet/raw/icmp 127.0.0.1"
        [client]="$NC ping inet/raw/icmp 10.251.0.1"
        [bind]="$N bind 80"
)
declare -A CAP_OK=([host]='echo reply' [client]='echo reply from 10.251.0.1' [bind]='bound to 127.0.0.1:80')
# Which of the three each capability is needed for.
declare -A CAP_NEEDED_BY=(
        [setpcap]=host [net_raw]=host [sys_admin]=client [net_admin]=client [net_bind_service]=bind
)

# run_bounded CAPS POLICY: runs the opener as its units would, socket-
# activated with the bounding set CAPS, and the broker as sockbroker with
# none, both with no_new_privs, and the client of POLICY; prints "served",
# or what went wrong.
run_bounded() {
        local sock=$T/cap/sock osock=$T/cap-opener.sock log=$T/cap.log olog=$T/cap-opener.log
        local pid opid r cns cmd
        read -r cns cmd <<<"${CAP_CLIENT[$2]}"
        # The broker, as sockbroker, makes its own listening socket here.
        mkdir -p "$T/cap"
        chown sockbroker "$T/cap"
        printf '%s\n' "${CAP_POLICY[$2]}" | write_policy
        rm -f "$sock" "$osock"
        : >"$log"
        : >"$olog"
        # systemd-socket-activate and setpriv exec in place: $! is the
        # opener, started as its unit starts it: its own user, with the
        # unit's capabilities as ambient ones.
        # (setpriv needs CAP_SETUID and CAP_SETGID for the switch, which
        # the service manager makes itself, and leaves them out after.)
        nsenter --net="/run/netns/$N" setpriv --bounding-set="-all,$1,+setuid,+setgid" \
                systemd-socket-activate --seqpacket -l "$osock" \
                "$(command -v setpriv)" --reuid=sockbroker-opener --regid=sockbroker-opener --clear-groups \
                --inh-caps="-all,$1" --ambient-caps="-all,$1" --bounding-set="-all,$1" --no-new-privs \
                "$SOCKBROKER_OPENER" -p "$T/policy.conf" -d "$T/policy.d" </dev/null >"$olog" 2>&1 &
        opid=$!
        wait_for 5 test -S "$osock"
        # What sockbroker-opener.socket sets.
        chown root:sockbroker "$osock"
        chmod 0660 "$osock"
        nsenter --net="/run/netns/$N" setpriv --reuid=sockbroker --regid=sockbroker --clear-groups \
                --inh-caps=-all --bounding-set=-all --no-new-privs \
                "$SOCKBROKERD" --opener-socket="$osock" -s "$sock" </dev/null >"$log" 2>&1 &
        pid=$!
        wait_for 10 bash -c "grep -q 'ready:' '$log' || ! kill -0 $pid 2>/dev/null"
        if grep -q 'ready:' "$log"; then
                # shellcheck disable=SC2086
                r=$(nsenter --net="/run/netns/$cns" setpriv --reuid=65534 --regid=65534 --clear-groups \
                        env SOCKBROKER_SOCKET="$sock" "$T/sbtest" $cmd 2>&1)
                grep -q "${CAP_OK[$2]}" <<<"$r" && echo served || echo "not served: $(tail -n1 <<<"$r")"
                kill "$pid" "$opid" 2>/dev/null
                wait "$pid" "$opid" 2>/dev/null
        else
                kill "$pid" 2>/dev/null
                wait "$pid" 2>/dev/null
                wait_for 5 bash -c "! kill -0 $opid 2>/dev/null"
                kill "$opid" 2>/dev/null
                wait "$opid"
                echo "exit $?: $(grep '^sockbrokerd' "$olog" | head -n1)"
        fi
}
bset=$(tr ' ' '\n' <<<"$unit_caps" | sed 's/^CAP_//' | tr '[:upper:]' '[:lower:]' | sed 's/^/+/' | paste -sd,)
for p in host client bind; do
        r=$(run_bounded "$bset" "$p")
        check "under the units' bounding sets and no_new_privs: '${CAP_POLICY[$p]}' is served" test "$r" = served
        [ "$r" = served ] || diag "$r"
done
for c in ${bset//,/ }; do
        p=${CAP_NEEDED_BY[${c#+}]:-}
        if [ -z "$p" ]; then
                not_ok "${c#+} is in the unit, and this test knows no policy that needs it"
                continue
        fi
        r=$(run_bounded "$(tr , '\n' <<<"$bset" | grep -vxF -- "$c" | paste -sd,)" "$p")
        check "without ${c#+}, '${CAP_POLICY[$p]}' fails at start" grep -q '^exit 1: ' <<<"$r"
        diag "${c#+}: $r"
done

write_policy <<'P'
allow uid=65534 inet raw proto=icmp netns=host
P

# --- 3. sysusers.d and tmpfiles.d ------------------------------------------------------
mkdir -p "$T/root/etc"
if command -v systemd-sysusers >/dev/null && command -v systemd-tmpfiles >/dev/null; then
        systemd-sysusers --root="$T/root" "$abs_top_srcdir/systemd/sysusers.d/sockbroker.conf" >/dev/null 2>&1
        check "sysusers.d creates the system user sockbroker with no login shell" \
                grep -Eq '^sockbroker:x:[0-9]{1,3}:[0-9]+:[^:]*:/:/usr/sbin/nologin$' "$T/root/etc/passwd"
        systemd-tmpfiles --root="$T/root" --create "$abs_top_srcdir/systemd/tmpfiles.d/sockbroker.conf" >/dev/null 2>&1
        check "tmpfiles.d creates /run/sockbroker, 0755 root:root" \
                test "$(stat -c '%a %u %g' "$T/root/run/sockbroker" 2>&1)" = "755 0 0"
else
        ok "sysusers.d and tmpfiles.d # SKIP no systemd-sysusers or systemd-tmpfiles"
fi

# --- 4. socket activation, readiness, watchdog, reload ---------------------------------------------
# The test's service manager: a datagram socket that logs every message
# with the sender's pid (SCM_CREDENTIALS), one line per assignment.
cat >"$T/notify.py" <<'EOF'
import os, socket, struct, sys, time
path, log = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o666)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
with open(log, "a", buffering=1) as f:
    while True:
        msg, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(12))
        pid = 0
        for level, kind, data in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                pid = struct.unpack("iII", data[:12])[0]
        for line in msg.decode(errors="replace").split("\n"):
            if line:
                f.write("%.3f pid=%d %s\n" % (time.monotonic(), pid, line))
EOF
"$PY" "$T/notify.py" "$T/notify" "$T/notify.log" &
PIDS+=($!)
wait_for 5 test -S "$T/notify" || { not_ok "the notify listener starts"; finish; exit; }
: >>"$T/notify.log"

# nsenter and systemd-socket-activate exec in place: $! is the daemon.
nsenter --net="/run/netns/$N" systemd-socket-activate --seqpacket -l "$T/sock" \
        -E NOTIFY_SOCKET="$T/notify" -E WATCHDOG_USEC=200000 -E SOCKBROKER_OPENER="$SOCKBROKER_OPENER" \
        "$SOCKBROKERD" -p "$T/policy.conf" -d "$T/policy.d" </dev/null >/dev/null 2>"$T/daemon.log" &
DPID=$!
PIDS+=("$DPID")
wait_for 5 test -S "$T/sock"
chmod 0666 "$T/sock"
sleep 0.2
check "systemd-socket-activate holds the socket and starts nothing before a client comes" \
        test "$(cat "/proc/$DPID/comm" 2>&1)" = systemd-socket-
out=$(as_nobody "$T/sock" "$T/sbtest" ping inet/raw/icmp 127.0.0.1 2>&1)
check "the first client starts the daemon and is served" grep -q 'echo reply' <<<"$out"
diag "$out"
check "the daemon runs in place of the activator" test "$(cat "/proc/$DPID/comm" 2>&1)" = sockbrokerd
inode=$(awk -v p="$T/sock" '$8 == p { print $7 }' "/proc/$DPID/net/unix")
check "it serves the inherited socket, as fd 3 (inode $inode)" \
        test -n "$inode" -a "$(readlink "/proc/$DPID/fd/3")" = "socket:[$inode]"
OPID=$(pgrep -P "$DPID" | head -n1)

check "READY=1 arrives from the main process" wait_for 5 grep -q "pid=$DPID READY=1\$" "$T/notify.log"
check "STATUS= says what it serves" grep -q "pid=$DPID STATUS=Serving 1 rules from 1 file(s), policy generation 1" "$T/notify.log"
sleep 1
n=$(grep -c "pid=$DPID WATCHDOG=1\$" "$T/notify.log")
check "WATCHDOG_USEC=200000: the sd-event loop pings ($n WATCHDOG=1 in about a second)" test "$n" -ge 4
others=$(grep -v " pid=$DPID " "$T/notify.log")
check "only the main process notifies (NotifyAccess=main): never the opener ($OPID)" test -z "$others"
[ -n "$others" ] && diag "$others"

# Waits for RELOADING=1 and then READY=1, both after line $1 of the log.
reload_seen() {
        tail -n +"$(($1 + 1))" "$T/notify.log" | grep -v WATCHDOG=1 |
                awk '/ RELOADING=1$/ { r = 1 } / MONOTONIC_USEC=[0-9]+$/ && r { m = 1 }
                     / READY=1$/ && m { ok = 1 } END { exit !ok }'
}

write_policy <<'P'
allow uid=65534 inet raw proto=icmp netns=host
allow uid=65534 inet6 raw proto=ipv6-icmp netns=host
P
mark=$(wc -l <"$T/notify.log")
kill -HUP "$DPID"
check "SIGHUP: RELOADING=1 with MONOTONIC_USEC=, then READY=1" wait_for 5 reload_seen "$mark"
check "and STATUS= moves to generation 2" wait_for 5 grep -q 'STATUS=Serving 2 rules from 1 file(s), policy generation 2' "$T/notify.log"
out=$(as_nobody "$T/sock" "$T/sbtest" open inet6/raw/ipv6-icmp 2>&1)
check "the new rule takes effect" grep -q '^granted ' <<<"$out"

write_policy <<'P'
allow uid=65534 inet raw proto=icmp netns=host bogus=1
P
mark=$(wc -l <"$T/notify.log")
kill -HUP "$DPID"
check "SIGHUP with a bad policy: RELOADING=1, then READY=1 all the same" wait_for 5 reload_seen "$mark"
check "the daemon says why it refused it" wait_for 5 grep -q "policy not loaded: $T/policy.conf:1:" "$T/daemon.log"
out=$(as_nobody "$T/sock" "$T/sbtest" open inet6/raw/ipv6-icmp 2>&1)
check "and the old policy keeps serving" grep -q '^granted ' <<<"$out"
check "STATUS= still says generation 2" \
        bash -c "tail -n +$((mark + 1)) '$T/notify.log' | grep -q 'STATUS=.*generation 2\$'"

# KillMode=mixed: the manager's SIGTERM reaches the main process only. The
# opener would ignore it anyway; it leaves when the broker hangs up.
kill -TERM "$OPID"
sleep 0.2
out=$(as_nobody "$T/sock" "$T/sbtest" ping inet/raw/icmp 127.0.0.1 2>&1)
check "SIGTERM to the opener alone is ignored: it keeps serving" \
        bash -c "kill -0 $OPID && grep -q 'echo reply' <<<'$out'"
kill -TERM "$DPID"
wait "$DPID"
rc=$?
check "SIGTERM to the main process: STOPPING=1, exit status 0 (rc=$rc)" \
        bash -c "test $rc = 0 && grep -q 'pid=$DPID STOPPING=1\$' '$T/notify.log'"
check "and the opener is gone with it" bash -c "! kill -0 $OPID 2>/dev/null"

# --- 5. a restart while the socket is held ------------------------------------------------------------
# What systemd does for sockbroker.socket: hold the listening socket and
# hand it to each new daemon (fd 3, LISTEN_FDS=1, LISTEN_PID = its pid).
# SIGUSR1 starts a daemon (its pid goes to the pid file); SIGTERM ends all.
cat >"$T/holder.py" <<'EOF'
import os, signal, socket, sys
path, pidfile, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.bind(path)
os.chmod(path, 0o666)
s.listen(16)
child = 0

def start(*_):
    global child
    if child:
        return
    pid = os.fork()
    if pid == 0:
        os.dup2(s.fileno(), 3)
        os.set_inheritable(3, True)
        env = dict(os.environ, LISTEN_FDS="1", LISTEN_PID=str(os.getpid()))
        os.execve(cmd[0], cmd, env)
    child = pid
    with open(pidfile + ".tmp", "w") as f:
        f.write("%d\n" % pid)
    os.rename(pidfile + ".tmp", pidfile)

def reap(*_):
    global child
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        if pid == child:
            child = 0

def stop(*_):
    if child:
        os.kill(child, signal.SIGTERM)
        os.waitpid(child, 0)
    sys.exit(0)

signal.signal(signal.SIGUSR1, start)
signal.signal(signal.SIGCHLD, reap)
signal.signal(signal.SIGTERM, stop)
start()
while True:
    signal.pause()
EOF
write_policy <<'P'
allow uid=65534 inet raw proto=icmp netns=host
P
nsenter --net="/run/netns/$N" "$PY" "$T/holder.py" "$T/held.sock" "$T/held.pid" \
        "$SOCKBROKERD" -p "$T/policy.conf" -d "$T/policy.d" </dev/null >/dev/null 2>"$T/held.log" &
HPID=$!
PIDS+=("$HPID")
ready_count() { test "$(grep -c 'ready:' "$T/held.log")" -ge "$1"; }
if wait_for 5 ready_count 1; then
        P1=$(cat "$T/held.pid")
        out=$(as_nobody "$T/held.sock" "$T/sbtest" ping inet/raw/icmp 127.0.0.1 2>&1)
        check "a daemon on a held socket serves" grep -q 'echo reply' <<<"$out"

        kill -TERM "$P1"
        wait_for 5 bash -c "! kill -0 $P1 2>/dev/null"
        check "with the daemon stopped, the held socket is still there" test -S "$T/held.sock"
        as_nobody "$T/held.sock" "$T/sbtest" ping inet/raw/icmp 127.0.0.1 >"$T/queued.out" 2>&1 &
        cpid=$!
        sleep 0.5
        check "a client connecting meanwhile is not refused: it waits in the backlog" kill -0 "$cpid"
        kill -USR1 "$HPID"
        wait "$cpid"
        rc=$?
        check "once the daemon is back, that client is served (rc=$rc)" grep -q 'echo reply' "$T/queued.out"
        diag "$(cat "$T/queued.out")"
        P2=$(cat "$T/held.pid")
        check "by a new daemon ($P1 -> $P2)" test "$P2" != "$P1" -a "$(grep -c 'ready:' "$T/held.log")" = 2
        kill -TERM "$HPID"
        wait "$HPID"
else
        not_ok "a daemon on a held socket starts"
        diag "$(cat "$T/held.log")"
fi

# --- 6. under systemd itself: the results -------------------------------------------------------------
if [ -n "$nspawn_skip" ]; then
        ok "under systemd # SKIP $nspawn_skip"
else
        nspawn_results "$T/nspawn" systemd "$T/nspawn/results/out.txt"
fi


finish
