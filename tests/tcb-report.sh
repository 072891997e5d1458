#!/bin/bash
# tcb-report.sh - the lines of code of this tree that sockbroker-opener,
# the privileged half, is built from: its sources, the convenience
# libraries it links, and every header of the tree they include. Lines
# that are blank or only comment do not count.
#
#   tcb-report.sh [--check] FILE...
#
# With --check it is a TAP test that fails when the count exceeds the
# figure recorded below, which docs/ARCHITECTURE.md also gives: the
# opener may shrink, and growing it is a decision to record here.
set -u
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

RECORDED=4318

check=
[ "${1:-}" = --check ] && { check=1; shift; }
cd "$abs_top_srcdir" || exit 1

# The files named, and the tree's headers they include, transitively.
declare -A seen=()
queue=("$@")
while [ "${#queue[@]}" -gt 0 ]; do
        f=${queue[0]}
        queue=("${queue[@]:1}")
        [ -f "$f" ] && [ -z "${seen[$f]:-}" ] || continue
        seen[$f]=1
        while read -r inc; do
                [ -f "$inc" ] && queue+=("$inc")
        done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
done

# Code lines: neither blank nor inside or made only of a comment.
count() {
        awk '
        {
                line = $0; code = 0
                while (length(line) > 0) {
                        if (incomment) {
                                i = index(line, "*/")
                                if (i == 0) { line = ""; break }
                                line = substr(line, i + 2); incomment = 0
                        } else {
                                i = index(line, "/*")
                                pre = i ? substr(line, 1, i - 1) : line
                                sub(/\/\/.*/, "", pre)
                                if (pre ~ /[^ \t]/) code = 1
                                if (i == 0) break
                                line = substr(line, i + 2); incomment = 1
                        }
                }
                if (code) n++
        }
        END { print n + 0 }' "$1"
}

total=0
report=$(for f in "${!seen[@]}"; do printf '%6d %s\n' "$(count "$f")" "$f"; done | sort -k2)
while read -r n _; do total=$((total + n)); done <<<"$report"

if [ -z "$check" ]; then
        echo "$report"
        printf '%6d in all (recorded: %d)\n' "$total" "$RECORDED"
        exit 0
fi
diag "$report"
check "sockbroker-opener is built from $total lines of this tree's code, at most the $RECORDED recorded" \
        test "$total" -le "$RECORDED"
finish
