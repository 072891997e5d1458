# shellcheck shell=bash
# lib.sh - TAP helpers for sockbroker's shell tests.
#
# Each test script sources this, calls ok/not_ok/check for every
# assertion, and ends with finish, which prints the plan last (TAP
# allows a trailing plan) and exits non-zero if anything failed.

tap_n=0
tap_failed=0

ok() {
        tap_n=$((tap_n + 1))
        echo "ok $tap_n - $*"
}

# A point whose description ends in "# TODO REASON" is expected to fail
# (TAP's XFAIL): it does not fail the script. Should it pass, the driver
# reports an XPASS, which fails the run until the mark goes.
not_ok() {
        tap_n=$((tap_n + 1))
        case $* in
        *"# TODO "*) ;;
        *) tap_failed=$((tap_failed + 1)) ;;
        esac
        echo "not ok $tap_n - $*"
}

# check DESCRIPTION COMMAND...: one test point for a command's success.
check() {
        local desc=$1
        shift
        if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# diag TEXT...: a comment line in the TAP stream.
diag() {
        sed 's/^/# /' <<<"$*"
}

# skip_test REASON: one test point that did not run.
skip_test() {
        tap_n=$((tap_n + 1))
        echo "ok $tap_n # SKIP $*"
}

skip_all() {
        echo "1..0 # SKIP $*"
        exit 0
}

finish() {
        echo "1..$tap_n"
        [ "$tap_failed" -eq 0 ]
}

# --- a container booted with this system's own systemd ----------------------
# nspawn_unavailable: prints why no container can be booted here, or
# nothing.
nspawn_unavailable() {
        if ! command -v systemd-nspawn >/dev/null || ! command -v unshare >/dev/null; then
                echo "needs systemd-nspawn and unshare"
        elif [ -d /run/systemd/system ] && ! command -v systemd-run >/dev/null; then
                echo "systemd runs this machine, and systemd-run is missing"
        fi
}

# systemd-nspawn --keep-unit leaves "payload" and "supervisor" cgroups
# under ours; these are the ones it made, to remove when it is done.
NSPAWN_CGROUPS=()
nspawn_cgroups_clean() {
        local d
        for d in "${NSPAWN_CGROUPS[@]}"; do
                [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
        done
        NSPAWN_CGROUPS=()
}

# nspawn_boot DIR SECONDS SETUP [NSPAWN-OPTION...]: boots this system's
# systemd in a container whose root is a tmpfs overlay of /, in the
# background, for at most SECONDS; sets NSPID. SETUP is shell code run
# first, with $R the container's root, to add units or remove files.
# The overlay's upper layer, what the container itself changed, is
# bound read-only at /run/overlay-upper in it. Everything is undone
# when the private mount namespace goes away.
# nspawn's output goes to DIR/nspawn.log.
nspawn_boot() {
        local dir=$1 secs=$2 setup=$3 ctl path base d scope=()
        shift 3
        mkdir -p "$dir/ovl"
        while IFS=: read -r _ ctl path; do
                case $ctl in
                name=systemd) base=/sys/fs/cgroup/systemd ;;
                "") base=$(findmnt -rn -t cgroup2 -o TARGET | head -n1) ;;
                *) continue ;;
                esac
                for d in payload supervisor; do
                        [ -n "$base" ] && [ ! -e "$base${path%/}/$d" ] && NSPAWN_CGROUPS+=("$base${path%/}/$d")
                done
        done </proc/self/cgroup
        # Where systemd runs the machine, the container gets a scope of
        # its own with its cgroup delegated, as nspawn --keep-unit needs;
        # elsewhere it takes subgroups of ours (NSPAWN_CGROUPS).
        [ -d /run/systemd/system ] &&
                scope=(systemd-run --quiet --scope --collect -p Delegate=yes
                       --unit="sockbroker-test-nspawn-$$-$RANDOM")
        timeout "$secs" "${scope[@]}" unshare --mount --propagation private bash -c '
                set -e
                O=$1 setup=$2
                shift 2
                mount -t tmpfs tmpfs /run
                mount -t tmpfs tmpfs "$O"
                mkdir "$O/upper" "$O/work" "$O/root"
                mount -t overlay overlay -o "lowerdir=/,upperdir=$O/upper,workdir=$O/work" "$O/root"
                R=$O/root
                eval "$setup"
                exec systemd-nspawn -q -D "$R" --private-network --register=no --keep-unit -b \
                        --bind-ro="$O/upper:/run/overlay-upper" "$@"
        ' sh "$dir/ovl" "$setup" "$@" </dev/null >"$dir/nspawn.log" 2>&1 &
        NSPID=$!
}

# nspawn_results DIR PREFIX FILE: waits for the container of nspawn_boot
# DIR and turns FILE, which the checks in it wrote ("booted", then
# "ok - ...", "not ok - ..." and "# ..." lines, then "done"), into test
# points named PREFIX: ....
nspawn_results() {
        local dir=$1 prefix=$2 file=$3 line
        wait "$NSPID"
        nspawn_cgroups_clean
        if ! grep -q '^booted$' "$file" 2>/dev/null; then
                ok "$prefix # SKIP the container did not boot here"
                diag "$(tail -n 5 "$dir/nspawn.log")"
                return
        fi
        while IFS= read -r line; do
                case $line in
                "ok - "*) ok "$prefix: ${line#ok - }" ;;
                "not ok - "*) not_ok "$prefix: ${line#not ok - }" ;;
                "# "*) diag "${line#\# }" ;;
                esac
        done <"$file"
        check "$prefix: the checks ran to the end" grep -q '^done$' "$file"
}

# The broker and the opener run as these users; the install creates them
# (systemd/sysusers).
ensure_broker_user() {
        local u
        for u in sockbroker sockbroker-opener; do
                getent passwd "$u" >/dev/null && continue
                # A change to the host that stays: say so.
                echo "# creating the system user $u, as the package's sysusers.d would; it is kept"
                useradd --system --no-create-home --home-dir / --shell /usr/sbin/nologin "$u"
        done
}

# wait_for SECONDS COMMAND...: polls COMMAND every 50 ms.
wait_for() {
        local deadline=$((SECONDS + $1))
        shift
        until "$@"; do
                [ "$SECONDS" -lt "$deadline" ] || return 1
                sleep 0.05
        done
}

: "${abs_top_builddir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${abs_top_srcdir:=$abs_top_builddir}"
SOCKBROKERD=$abs_top_builddir/sockbrokerd
SOCKBROKER=$abs_top_builddir/sockbroker
SBTEST=$abs_top_builddir/tests/sbtest
# The opener sockbrokerd executes: the build tree's, not the installed one.
SOCKBROKER_OPENER=$abs_top_builddir/sockbroker-opener
export SOCKBROKERD SOCKBROKER SBTEST SOCKBROKER_OPENER

# stage_programs DIR: copies sockbrokerd, sockbroker-opener (and
# sockbroker-compiler, which it runs from its own directory), sockbroker
# and tests/sbtest into DIR and points SOCKBROKERD, SOCKBROKER_OPENER,
# SOCKBROKER and SBTEST at the copies. A test that runs them as a uid
# without CAP_DAC_OVERRIDE over the checkout (another user, the opener's
# own user, root in a user namespace) runs the copies: the checkout may
# be in a 0700 home directory. DIR must be reachable by that uid.
stage_programs() {
        local dir=$1 f
        for f in "$SOCKBROKERD" "$SOCKBROKER_OPENER" "${SOCKBROKER_OPENER%/*}/sockbroker-compiler" \
                "$SOCKBROKER" "$SBTEST"; do
                install -m 0755 "$f" "$dir/" || return 1
        done
        SOCKBROKERD=$dir/${SOCKBROKERD##*/}
        SOCKBROKER_OPENER=$dir/${SOCKBROKER_OPENER##*/}
        SOCKBROKER=$dir/${SOCKBROKER##*/}
        SBTEST=$dir/${SBTEST##*/}
}

# start_daemon_in NETNS DIR [ARGS...]: runs sockbrokerd in the network
# namespace NETNS (ours when NETNS is "") with DIR/policy.conf, listening
# on DIR/sock, logging to DIR/daemon.log; sets DPID (nsenter execs, so it
# is the daemon's pid) and waits until it is ready. ARGS come last, so a
# -p or -d there names another policy.
start_daemon_in() {
        local ns=$1 dir=$2 enter=()
        shift 2
        [ -n "$ns" ] && enter=(nsenter --net="/run/netns/$ns")
        "${enter[@]}" "$SOCKBROKERD" -p "$dir/policy.conf" -d "$dir/policy.d" \
                -s "$dir/sock" "$@" </dev/null >/dev/null 2>>"$dir/daemon.log" &
        DPID=$!
        wait_for 10 grep -q 'ready:' "$dir/daemon.log"
}

# veth_test NAME: the setting of a test with the daemon in network
# namespace A and frames from B (veth_namespaces): a private,
# world-readable directory T (/tmp/sockbroker-NAME.*), A and B, DPID
# for the daemon and BG for background pids, all killed and removed on
# exit. Skips the whole test when the namespaces cannot be made.
veth_test() {
        T=$(mktemp -d "/tmp/sockbroker-$1.XXXXXX") || skip_all "cannot make a directory in /tmp"
        chmod 0755 "$T"
        A=sb${1:0:4}a$$
        B=sb${1:0:4}b$$
        DPID=
        BG=()
        trap veth_test_cleanup EXIT
        veth_namespaces "$A" "$B" || skip_all "cannot create network namespaces"
}
veth_test_cleanup() {
        local p
        for p in "${BG[@]}"; do kill "$p" 2>/dev/null; done
        [ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
        ip netns del "$A" 2>/dev/null
        ip netns del "$B" 2>/dev/null
        rm -rf "$T"
}

# in_a CMD..., in_b CMD...: CMD in veth_test's namespace A, or B.
in_a() { nsenter --net="/run/netns/$A" "$@"; }
in_b() { ip netns exec "$B" "$@"; }
# as UID CMD...: CMD as UID in A, with the daemon at $T/sock and the
# shim copied to $T/libsockbroker-preload.so.
as() {
        local uid=$1
        shift
        in_a setpriv --reuid="$uid" --regid="$uid" --clear-groups \
                env SOCKBROKER_SOCKET="$T/sock" SOCKBROKER_PRELOAD="$T/libsockbroker-preload.so" "$@"
}

# send_while PID IFACE ETHERTYPE...: from veth_test's namespace B, one
# frame of each EtherType in turn every 50 ms, for as long as PID runs
# (20 s at most). The frames are a capture test's far end, not its
# synchronisation: the capture ends once it has what it waits for.
send_while() {
        local pid=$1 ifc=$2 deadline=$((SECONDS + 20)) t
        shift 2
        while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do
                for t in "$@"; do ip netns exec "$B" "$SBTEST" send "$ifc" "$t" 1 0; done
                sleep 0.05
        done
}

# veth_namespaces A B: network namespaces A and B joined by two veth pairs,
# va0-vb0 and va1-vb1, all up, and A's loopback up. Fails when network
# namespaces cannot be made here.
veth_namespaces() {
        local a=$1 b=$2 i
        ip netns add "$a" && ip netns add "$b" || return 1
        ip -n "$a" link set lo up
        for i in 0 1; do
                ip -n "$a" link add "va$i" type veth peer name "vb$i" netns "$b" &&
                        ip -n "$a" link set "va$i" up &&
                        ip -n "$b" link set "vb$i" up || return 1
        done
}

# status_field PID FIELD: a field of /proc/PID/status.
status_field() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

# fd_targets PID: what each descriptor of PID refers to, one a line.
fd_targets() {
        local f
        for f in "/proc/$1/fd/"*; do
                readlink "$f" 2>/dev/null
        done
}

# raw_sockets PID: "socket:[INODE]" for each raw IP socket of PID's
# network namespace (/proc/PID/net/raw and raw6), one per line.
raw_sockets() {
        awk 'FNR > 1 { print "socket:[" $10 "]" }' "/proc/$1/net/raw" "/proc/$1/net/raw6" 2>/dev/null
}

# spare_count PID: how many raw IP sockets the broker PID holds: its
# spares, made ahead by the opener (daemon/broker/spares.h).
spare_count() {
        fd_targets "$1" | awk 'NR == FNR { raw[$0]; next } $0 in raw { n++ } END { print n + 0 }' \
                <(raw_sockets "$1") -
}

# test_eq VALUE COMMAND...: COMMAND prints VALUE (for wait_for).
test_eq() {
        local want=$1
        shift
        [ "$("$@")" = "$want" ]
}

# gone PID: the process has ended (or is a zombie nobody has reaped).
gone() {
        local st
        st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
        [ -z "$st" ] || [ "$st" = Z ]
}

# running PID...: each process is there and not a zombie (kill -0
# succeeds on one that has died unreaped).
running() {
        local p
        for p in "$@"; do
                ! gone "$p" || return 1
        done
}

# exited PID: waits up to 10 s for PID, a child of this shell, to end;
# sets rc to its exit status.
exited() {
        wait_for 10 bash -c "! kill -0 $1 2>/dev/null" || return 1
        wait "$1"
        rc=$?
        return 0
}

# check_exit NAME PID STATUS: the test point NAME, that PID, a child of
# this shell, exits within 10 s with STATUS; the status it had, or
# "still running", goes in parentheses after NAME.
check_exit() {
        if exited "$2"; then
                check "$1 (rc=$rc)" test "$rc" = "$3"
        else
                not_ok "$1 (still running)"
        fi
}
