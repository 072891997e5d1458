# shellcheck shell=bash
# lib.sh - what the bench/run-*.sh scripts share. Each sources it first:
# the build directory is the current one unless make bench gives it, and
# tests/lib.sh gives the daemon's paths and ensure_broker_user.

abs_top_builddir=${abs_top_builddir:-$PWD}
abs_top_srcdir=${abs_top_srcdir:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
export abs_top_builddir abs_top_srcdir
. "$(dirname "${BASH_SOURCE[0]}")/../tests/lib.sh"

# bench_smoke ARG...: whether --smoke is among a script's arguments, the
# short run CI makes to keep the harness working; the other arguments
# are left in BENCH_ARGS, for getopts.
bench_smoke() {
        local a smoke=1
        BENCH_ARGS=()
        for a in "$@"; do
                if [ "$a" = --smoke ]; then
                        smoke=0
                else
                        BENCH_ARGS+=("$a")
                fi
        done
        return "$smoke"
}

# bench_counts VALUE...: each must be a count, 1 to 9999999; else exit 2.
bench_counts() {
        local v
        for v in "$@"; do
                [[ $v =~ ^[1-9][0-9]{0,6}$ ]] || { echo "$0: '$v' is not a count" >&2; exit 2; }
        done
}

# bench_setup FILE... [-- COMMAND...]: the FILEs must exist (built by
# make bench), and the COMMANDs besides ip, nsenter and setpriv be there.
# Without root it says it skips and exits 0. Creates the daemon's users.
bench_setup() {
        local c tools=(ip nsenter setpriv)
        while [ $# -gt 0 ] && [ "$1" != -- ]; do
                [ -e "$1" ] || { echo "$0: $1 not found; run 'make bench'" >&2; exit 1; }
                shift
        done
        [ "${1:-}" = -- ] && shift && tools+=("$@")
        if [ "$(id -u)" != 0 ]; then
                echo "$0: skipped: needs root (a network namespace, the daemon, another uid)"
                exit 0
        fi
        for c in "${tools[@]}"; do
                command -v "$c" >/dev/null || { echo "$0: needs $c" >&2; exit 1; }
        done
        ensure_broker_user
}

# field KEY LINE: the value of KEY=... in LINE, a client's one-line
# report (bench/grant.c, bench/dataplane.c).
field() {
        awk -v k="$1" '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) print kv[2] } }' <<<"$2"
}

# median [VALUE...]: the median of the VALUEs, or of the lines on stdin
# when none is given: the middle one, or the mean of the middle two;
# "-" for none.
median() {
        { if [ $# -gt 0 ]; then printf '%s\n' "$@"; else cat; fi; } | sort -g | awk '{ v[NR] = $1 } END {
                if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# broke MESSAGE: the harness itself failed.
broke() {
        echo "$0: $*" >&2
        exit 1
}

# bench_row FIGURE SOCKBROKER OTHER RATIO TARGET VERDICT: one row of the
# table `make bench` ends with (bench/summary.sh), appended to the file
# $BENCH_SUMMARY names, if it names one. SOCKBROKER is sockbroker's
# figure, OTHER the floor's or the alternative's ("" for none), RATIO
# theirs, TARGET and VERDICT ("met", "missed" or "") as the script's own
# table gives them.
bench_row() {
        [ -n "${BENCH_SUMMARY:-}" ] || return 0
        local IFS=$'\x1f'
        # Fields apart by the unit separator: any of them may be empty.
        printf '%s\n' "${0##*/}${IFS}$*" >>"$BENCH_SUMMARY"
}
