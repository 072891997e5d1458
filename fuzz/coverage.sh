#!/bin/bash
# coverage.sh - the source lines the fuzz corpora reach: `make fuzz-coverage`.
#
#   fuzz/coverage.sh [DIR...]
#
# Run it from a build configured for clang's source-based coverage:
#
#   ../configure CC=clang CFLAGS='-O1 -g -fprofile-instr-generate -fcoverage-mapping' \
#                LDFLAGS=-fprofile-instr-generate
#
# Each target's replay build (fuzz/fuzz-X, linked with fuzz-main.c) runs
# over fuzz/corpus/X and over DIR/X for each DIR given, for instance the
# new inputs of a `make fuzz` run (fuzz-out). One line per target gives
# the share of lines, and of branches, covered in the files it is there
# to test. FUZZ_TARGETS, when set, names the targets to report.
set -u

here=$(cd "$(dirname "$0")" && pwd)
srcdir=${abs_top_srcdir:-$here/..}
builddir=${abs_top_builddir:-.}
profdata=${LLVM_PROFDATA:-llvm-profdata}
cov=${LLVM_COV:-llvm-cov}
extra=("$@")

# target: the files under test, relative to the source tree
declare -A files=(
        [request]="proto/protocol.c"
        [reply]="proto/protocol.c"
        [policy-image]="policy/policy-image.c policy/policy-check.c policy/policy-decide.c"
        [policy-text]="policy/policy-compile.c policy/policy.c"
        [addr]="client-lib/socket/addr.c"
        [spec]="client-lib/broker/spec.c"
        [opener-msg]="daemon/shared/opener-proto.c"
        [opener-handlers]="daemon/opener/opener.c daemon/shared/opener-proto.c"
        [request-chain]="daemon/broker/request.c daemon/shared/opener-proto.c policy/policy-check.c policy/policy-decide.c"
        [broker]="daemon/broker/broker.c daemon/broker/conn.c"
        [hci-event]="daemon/opener/bluetooth.c"
)
order=${FUZZ_TARGETS:-request reply policy-image policy-text addr spec opener-msg opener-handlers request-chain broker hci-event}

declare -A tested=()
objects=()
profiles=()
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

printf '%-16s %-58s %8s %8s\n' target "files under test" lines branches
for t in $order; do
        bin=$builddir/fuzz/fuzz-$t
        [ -x "$bin" ] || { echo "coverage.sh: $bin is not built" >&2; exit 2; }
        inputs=("$srcdir/fuzz/corpus/$t")
        for d in ${extra[@]+"${extra[@]}"}; do
                [ -d "$d/$t/new" ] && inputs+=("$d/$t/new")
                [ -d "$d/$t" ] && [ ! -d "$d/$t/new" ] && inputs+=("$d/$t")
        done
        LLVM_PROFILE_FILE="$tmp/$t.profraw" "$bin" "${inputs[@]}" >/dev/null 2>"$tmp/$t.err" || {
                echo "coverage.sh: fuzz-$t failed:" >&2
                tail -n 20 "$tmp/$t.err" >&2
                exit 1
        }
        "$profdata" merge -sparse -o "$tmp/$t.profdata" "$tmp/$t.profraw"
        srcs=()
        for f in ${files[$t]}; do
                srcs+=("$srcdir/$f")
        done
        # The TOTAL line: regions, missed, cover; functions...; lines, missed,
        # cover; branches, missed, cover.
        total=$("$cov" report "$bin" -instr-profile="$tmp/$t.profdata" "${srcs[@]}" | grep '^TOTAL')
        read -r -a f <<<"$total"
        printf '%-16s %-58s %8s %8s\n' "$t" "${files[$t]}" "${f[9]}" "${f[12]}"
        objects+=(-object "$bin")
        profiles+=("$tmp/$t.profraw")
        for f in ${files[$t]}; do
                tested[$f]=1
        done
done

# A file can hold more than one target's code (protocol.c both codecs,
# opener.c its main loop beside its handlers): per file, all targets
# together.
"$profdata" merge -sparse -o "$tmp/all.profdata" "${profiles[@]}"
echo
printf '%-75s %8s %8s\n' "file, all targets together" lines branches
for f in $(printf '%s\n' "${!tested[@]}" | sort); do
        read -r -a r <<<"$("$cov" report "${objects[@]:1}" -instr-profile="$tmp/all.profdata" \
                           "$srcdir/$f" | grep '^TOTAL')"
        printf '%-75s %8s %8s\n' "$f" "${r[9]}" "${r[12]}"
done
