#!/bin/bash
# seccomp.sh - what each half of the real sockbrokerd runs with, read from
# /proc/PID/status, and what its seccomp filter does to a call outside its
# allowlist:
#
#   a. for three policies, each needing other capabilities: the broker
#      has Seccomp 2, NoNewPrivs 1, no capabilities and is not root; the
#      opener has Seccomp 2, NoNewPrivs 1, is not root, and has exactly
#      the capabilities its policy needs; and a client is served;
#      sockbroker-compiler, the opener's child, has Seccomp 2, NoNewPrivs 1,
#      no capability in any set, the opener's uid, and no descriptor but
#      stdin, stdout, stderr and its socket to the opener; the opener maps
#      only the C library and libmnl, the compiler only the C library, and
#      the broker no libseccomp;
#   b. (--enable-test-hooks) each half makes a forbidden call as it starts
#      on a request (daemon/shared/test-hook.h): the filter kills it with
#      SIGSYS, and the other half does what sockbrokerd(8) says: a killed
#      broker leaves an opener that ends by itself; a killed opener makes
#      the broker answer the client and exit with status 4; a compiler
#      killed on a reload fails that reload and every later one, and the
#      daemon keeps serving the policy it has.
set -u
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root (network namespaces, the daemon)"
for c in ip setpriv nsenter pgrep; do
        command -v "$c" >/dev/null || skip_all "needs $c"
done
grep -q '^Seccomp:' /proc/self/status || skip_all "this kernel has no seccomp"
ensure_broker_user

T=$(mktemp -d /tmp/sockbroker-seccomp.XXXXXX)
chmod 0755 "$T"
A=sbsc$$
C=sbsC$$
DPID=
OPID=
CPID=

cleanup() {
        [ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
        ip netns del "$A" 2>/dev/null
        ip netns del "$C" 2>/dev/null
        rm -rf "$T"
}
trap cleanup EXIT

ip netns add "$A" || skip_all "cannot create network namespaces"
ip -n "$A" link set lo up
# The client's own namespace, with an address only it has: a socket made
# there (netns=client, by setns() in the opener) can ping it.
ip netns add "$C" || skip_all "cannot create network namespaces"
ip -n "$C" link set lo up
ip -n "$C" addr add 10.251.0.1/32 dev lo
install -m 0755 "$SBTEST" "$T/sbtest"

as_nobody() {
        nsenter --net="/run/netns/${NS:-$A}" setpriv --reuid=65534 --regid=65534 --clear-groups \
                env SOCKBROKER_SOCKET="$T/sock" "$@"
}

policy() {
        printf '%s\n' "$1" >"$T/policy.conf"
        chmod 0644 "$T/policy.conf"
}

# daemon [ARGS...]: a fresh daemon; sets DPID, OPID and CPID (the
# compiler).
daemon() {
        : >"$T/daemon.log"
        rm -f "$T/sock"
        start_daemon_in "$A" "$T" "$@" || return 1
        OPID=$(pgrep -P "$DPID" | head -n1)
        CPID=$(pgrep -P "$OPID" | head -n1)
        [ -n "$OPID" ] && [ -n "$CPID" ]
}

# only_fds PID: PID's descriptors are 0, 1, 2 and 3, a socket.
only_fds() {
        local fds
        fds=$(ls "/proc/$1/fd" | sort -n | xargs)
        [ "$fds" = "0 1 2 3" ] || { diag "descriptors of $1: $fds"; return 1; }
        [[ $(readlink "/proc/$1/fd/3") == socket:* ]]
}

# stop: a clean stop of the daemon.
stop() {
        kill "$DPID" 2>/dev/null
        wait "$DPID" 2>/dev/null
        DPID= OPID= CPID=
}

# confined WHO PID: Seccomp, NoNewPrivs and the uid, one line.
confined() {
        echo "$1: Seccomp $(status_field "$2" Seccomp) NoNewPrivs $(status_field "$2" NoNewPrivs)" \
             "filters $(status_field "$2" Seccomp_filters) uid $(status_field "$2" Uid)" \
             "CapEff $(status_field "$2" CapEff) CapPrm $(status_field "$2" CapPrm)"
}

# libraries PID: the shared objects PID maps, by name without directory
# or version ("libc", "libmnl"), sorted, on one line; not the dynamic
# loader, and not the sanitizers' runtimes and what they bring in a build
# with them.
SANITIZER_LIBS='^(libasan|libubsan|libstdc\+\+|libm|libgcc_s)$'
ldd "$SOCKBROKER_OPENER" | grep -q 'lib\(a\|ub\)san' || SANITIZER_LIBS='^$'
libraries() {
        awk '$6 ~ /\.so/ { n = $6; sub(/.*\//, "", n); sub(/\.so.*/, "", n); print n }' "/proc/$1/maps" |
                grep -v '^ld-' | grep -Ev "$SANITIZER_LIBS" | sort -u | xargs
}

# not_mapped NAME PID: PID maps no library NAME.
not_mapped() {
        ! grep -q "/$1\.so" "/proc/$2/maps"
}

# same_threads PID...: every thread of each PID has the Seccomp mode,
# filter count, NoNewPrivs, uids and capability sets of its process, and
# each PID runs more than one thread (the closer), so that this compares
# something.
same_threads() {
        local pid t f want got n
        for pid; do
                n=0
                for t in /proc/"$pid"/task/*; do
                        n=$((n + 1))
                        for f in Seccomp Seccomp_filters NoNewPrivs Uid CapEff CapPrm CapInh CapBnd; do
                                want=$(awk -v k="$f:" '$1 == k { $1 = ""; print }' "/proc/$pid/status")
                                got=$(awk -v k="$f:" '$1 == k { $1 = ""; print }' "$t/status")
                                [ "$want" = "$got" ] || { diag "${t}: $f is$got, not$want"; return 1; }
                        done
                done
                [ "$n" -gt 1 ] || { diag "$pid runs $n thread"; return 1; }
        done
}

# --- a. both halves, under three policies ---------------------------------------------------
# What each policy needs (policy/policy-check.c, policy_capabilities()):
# a raw socket in the daemon's namespace CAP_NET_RAW; the same in the
# client's namespace also CAP_SYS_ADMIN (setns) and CAP_NET_ADMIN (the
# namespace of the client's socket); a privileged port
# CAP_NET_BIND_SERVICE. The netns=client client is in a namespace of its
# own, so that the opener's setns(fd, CLONE_NEWNET) runs under its filter.
declare -A POLICY=(
        [host]='allow uid=65534 inet raw proto=icmp netns=host'
        [client]='allow uid=65534 inet raw proto=icmp'
        [bind]='allow uid=65534 inet stream proto=tcp bind=80 netns=host'
)
declare -A CAPS=(
        [host]=0000000000002000
        [client]=0000000000203000
        [bind]=0000000000000400
)
declare -A CLIENT=(
        [host]='ping inet/raw/icmp 127.0.0.1'
        [client]='ping inet/raw/icmp 10.251.0.1'
        [bind]='bind 80'
)
declare -A NETNS=([host]=$A [client]=$C [bind]=$A)
declare -A SERVED=([host]='echo reply' [client]='echo reply from 10.251.0.1' [bind]='bound to 127.0.0.1:80')
for p in host client bind; do
        policy "${POLICY[$p]}"
        if ! daemon; then
                not_ok "a/$p: sockbrokerd starts with '${POLICY[$p]}'"
                diag "$(cat "$T/daemon.log")"
                continue
        fi
        ok "a/$p: sockbrokerd starts with '${POLICY[$p]}'"
        b=$(confined broker "$DPID")
        o=$(confined opener "$OPID")
        diag "$b"
        diag "$o"
        check "a/$p: the broker has a seccomp filter (Seccomp 2) and no_new_privs" \
                test "$(status_field "$DPID" Seccomp)/$(status_field "$DPID" NoNewPrivs)" = 2/1
        check "a/$p: the broker has no capability (CapEff, CapPrm 0) and is not root" \
                test "$(status_field "$DPID" CapEff)/$(status_field "$DPID" CapPrm)" = \
                        0000000000000000/0000000000000000 -a "$(status_field "$DPID" Uid)" != 0
        check "a/$p: the opener has a seccomp filter (Seccomp 2) and no_new_privs" \
                test "$(status_field "$OPID" Seccomp)/$(status_field "$OPID" NoNewPrivs)" = 2/1
        check "a/$p: the opener is not root (uid $(status_field "$OPID" Uid))" \
                test "$(status_field "$OPID" Uid)" != 0
        check "a/$p: the opener's CapEff is exactly what the policy needs (${CAPS[$p]})" \
                test "$(status_field "$OPID" CapEff)/$(status_field "$OPID" CapPrm)" = "${CAPS[$p]}/${CAPS[$p]}"
        # Filters and capabilities are per thread: each half's closer
        # thread (and any other) must carry exactly what the process does.
        check "a/$p: every thread of both halves has the filter, the uid and the capabilities of its process" \
                same_threads "$DPID" "$OPID"
        diag "$(confined compiler "$CPID") CapBnd $(status_field "$CPID" CapBnd)"
        check "a/$p: the compiler has a seccomp filter (Seccomp 2) and no_new_privs" \
                test "$(status_field "$CPID" Seccomp)/$(status_field "$CPID" NoNewPrivs)" = 2/1
        check "a/$p: the compiler has no capability (CapEff, CapPrm, CapBnd, CapAmb 0)" \
                test "$(status_field "$CPID" CapEff)/$(status_field "$CPID" CapPrm)/$(status_field "$CPID" CapBnd)/$(status_field "$CPID" CapAmb)" = \
                        0000000000000000/0000000000000000/0000000000000000/0000000000000000
        check "a/$p: the compiler runs as the opener's uid ($(status_field "$OPID" Uid)), not root" \
                test "$(status_field "$CPID" Uid)" = "$(status_field "$OPID" Uid)" -a "$(status_field "$CPID" Uid)" != 0
        check "a/$p: the compiler holds only stdio and its socket to the opener" only_fds "$CPID"
        # The filters were compiled at build time; the opener sets its
        # capabilities with capset() itself.
        diag "maps: broker $(libraries "$DPID"); opener $(libraries "$OPID"); compiler $(libraries "$CPID")"
        check "a/$p: the opener maps the C library and libmnl, and no other library" \
                test "$(libraries "$OPID")" = "libc libmnl"
        check "a/$p: the compiler maps the C library only" test "$(libraries "$CPID")" = libc
        check "a/$p: the broker maps no libseccomp" not_mapped libseccomp "$DPID"
        out=$(NS=${NETNS[$p]} as_nobody "$T/sbtest" ${CLIENT[$p]} 2>&1)
        check "a/$p: and a client is served through both filters" grep -q "${SERVED[$p]}" <<<"$out"
        diag "$out"
        stop
done

# A reload to a large policy, under all three filters: each process
# that imports it sorts its index (the broker) or compiles it (the
# compiler), and the C library's qsort() asks the kernel how much memory
# there is first (sysinfo()), which once killed the broker.
policy 'allow uid=65534 inet raw proto=icmp netns=host'
if daemon; then
        awk 'BEGIN { for (i = 1; i < 3000; i++) printf "allow gid=%d inet raw proto=icmp netns=host\n", 20000 + i
                     print "allow uid=65534 inet raw proto=icmp netns=host" }' >"$T/policy.conf"
        kill -HUP "$DPID"
        check "a/large: a reload to 3000 rules is loaded" \
                wait_for 10 grep -q 'policy generation 2: 3000 rule' "$T/daemon.log"
        check "a/large: the broker, the opener and the compiler still run" running "$DPID" "$OPID" "$CPID"
        out=$(as_nobody "$T/sbtest" ping inet/raw/icmp 127.0.0.1 2>&1)
        check "a/large: and the last rule serves a client" grep -q 'echo reply' <<<"$out"
        stop
else
        not_ok "a/large: sockbrokerd starts"
        diag "$(cat "$T/daemon.log")"
fi

# A reload to 200 drop-in files: the compiler sorts their names, and
# qsort() of more than 128 of them asks sysinfo() too.
policy 'allow uid=65534 inet raw proto=icmp netns=host'
if daemon; then
        mkdir -m 0755 "$T/policy.d"
        for ((i = 0; i < 200; i++)); do
                printf 'allow gid=%d inet raw proto=icmp netns=host\n' $((30000 + i)) \
                        >"$T/policy.d/$(printf '%03d' "$i")-rule.conf"
        done
        chmod 0644 "$T"/policy.d/*.conf
        kill -HUP "$DPID"
        check "a/dropins: a reload to 200 drop-in files is loaded" \
                wait_for 10 grep -q 'policy generation 2: 201 rule(s) from 201 file(s)' "$T/daemon.log"
        check "a/dropins: the broker, the opener and the compiler still run" running "$DPID" "$OPID" "$CPID"
        stop
        rm -rf "$T/policy.d"
else
        not_ok "a/dropins: sockbrokerd starts"
        diag "$(cat "$T/daemon.log")"
fi

# The programs in a directory that only root can search, as a checkout
# in a 0700 directory is: the opener opens the compiler before it
# switches users, and executes it by that descriptor as its own user.
P=$(mktemp -d /tmp/sockbroker-private.XXXXXX)
install -m 0755 "$SOCKBROKERD" "$SOCKBROKER_OPENER" "${SOCKBROKER_OPENER%/*}/sockbroker-compiler" "$P/"
policy 'allow uid=65534 inet raw proto=icmp netns=host'
if SOCKBROKERD=$P/sockbrokerd SOCKBROKER_OPENER=$P/sockbroker-opener daemon; then
        ok "a/private: sockbrokerd starts from a directory only root can search ($(stat -c %a "$P"))"
        check "a/private: its compiler runs as the opener's uid, not root" \
                test "$(status_field "$CPID" Uid)" = "$(status_field "$OPID" Uid)" -a "$(status_field "$CPID" Uid)" != 0
        stop
else
        not_ok "a/private: sockbrokerd starts from a directory only root can search"
        diag "$(cat "$T/daemon.log")"
fi
rm -rf "$P"

# --- b. a forbidden call kills the half that makes it ---------------------------------------
if [ "${SB_TEST_HOOKS:-no}" != yes ]; then
        ok "b: # SKIP built without --enable-test-hooks: the halves cannot be made to break their filters"
        finish
        exit $?
fi
policy 'allow uid=65534 inet raw proto=icmp netns=host'

# The broker's allowlist has none of these (connect() only with an
# --opener-socket); each kills it as it reads a request. Its opener,
# finding the socketpair hung up, ends by itself.
for call in acct execve fork socket-inet connect mprotect-exec; do
        if ! SOCKBROKER_TEST_FORBIDDEN_SYSCALL=broker:$call daemon; then
                not_ok "b/broker:$call: sockbrokerd starts"
                diag "$(cat "$T/daemon.log")"
                continue
        fi
        out=$(as_nobody "$T/sbtest" open inet/raw/icmp 2>&1)
        check_exit "b/broker:$call: the broker is killed by SIGSYS, 128+31" "$DPID" 159
        check "b/broker:$call: the client is not granted anything, and does not hang" \
                bash -c "! grep -q '^granted' <<<'$out'"
        check "b/broker:$call: the opener then ends by itself" wait_for 5 gone "$OPID"
        diag "$out"
        DPID= OPID=
done

# The opener's allowlist has these calls only with other arguments, or
# not at all: setns() into anything but a network namespace, an ioctl
# that sets an interface's flags, a process (clone() without
# CLONE_THREAD), execve(), executable memory, acct().
for call in acct setns-user ioctl-ifflags fork execve mprotect-exec; do
        if ! SOCKBROKER_TEST_FORBIDDEN_SYSCALL=opener:$call daemon; then
                not_ok "b/opener:$call: sockbrokerd starts"
                diag "$(cat "$T/daemon.log")"
                continue
        fi
        out=$(as_nobody "$T/sbtest" open inet/raw/icmp 2>&1)
        check "b/opener:$call: the client is answered with an error, not a socket" \
                grep -q '^refused errno=' <<<"$out"
        diag "$out"
        check_exit "b/opener:$call: the broker exits with status 4" "$DPID" 4
        check "b/opener:$call: its log says the opener was killed by signal 31" \
                grep -q 'the opener (pid [0-9]*) was killed by signal 31' "$T/daemon.log"
        diag "$(grep 'opener' "$T/daemon.log" | tail -n 2)"
        DPID= OPID=
done

# The compiler's allowlist has none of these. It is killed on the reload
# it was asked for: that reload fails, and so does the next, for want of
# a compiler; the opener and the broker stay, serving the first policy.
for call in acct execve fork socket-inet mprotect-exec; do
        if ! SOCKBROKER_TEST_FORBIDDEN_SYSCALL=compiler:$call daemon; then
                not_ok "b/compiler:$call: sockbrokerd starts"
                diag "$(cat "$T/daemon.log")"
                continue
        fi
        c=$CPID
        kill -HUP "$DPID"
        check "b/compiler:$call: the reload fails: the compiler exited" \
                wait_for 5 grep -q 'policy not loaded: the policy compiler exited; restart sockbrokerd' "$T/daemon.log"
        check "b/compiler:$call: the compiler is gone" wait_for 5 gone "$c"
        kill -HUP "$DPID"
        check "b/compiler:$call: the next reload says there is none" \
                wait_for 5 grep -q 'policy not loaded: the policy compiler is not running' "$T/daemon.log"
        check "b/compiler:$call: the broker and the opener still run" \
                running "$DPID" "$OPID"
        out=$(as_nobody "$T/sbtest" ping inet/raw/icmp 127.0.0.1 2>&1)
        check "b/compiler:$call: and a client is served with the policy loaded at start" \
                grep -q 'echo reply' <<<"$out"
        diag "$(grep 'policy' "$T/daemon.log" | tail -n 3)"
        stop
done

finish
