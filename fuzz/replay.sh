#!/bin/bash
# replay.sh - runs every fuzz target over its saved corpus, one TAP test
# point per target.
#
# The targets here are the replay builds (fuzz/fuzz-X, linked with
# fuzz/fuzz-main.c), so this needs no libFuzzer and runs with any
# compiler. A target fails by crashing or by a failed property, which
# aborts; the point then shows the last lines it wrote. With
# SB_VALGRIND set (configure --enable-valgrind), each replay runs under
# valgrind and any error or leak fails it too.
set -u
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

targets="request reply policy-image policy-text addr spec opener-msg request-chain broker hci-event opener-handlers"

run=()
if [ -n "${SB_VALGRIND:-}" ]; then
        run=("$SB_VALGRIND" -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite)
fi

for t in $targets; do
        bin=$abs_top_builddir/fuzz/fuzz-$t
        corpus=$abs_top_srcdir/fuzz/corpus/$t
        if [ ! -x "$bin" ]; then
                not_ok "fuzz-$t: $bin is not built"
                continue
        fi
        if out=$(${run[@]+"${run[@]}"} "$bin" "$corpus" 2>&1); then
                # The driver's last line is "replayed N inputs[, ...]";
                # an empty corpus is as wrong as a missing one.
                last=${out##*$'\n'}
                if [[ $last =~ ^replayed\ ([0-9]+)\ inputs ]] && [ "${BASH_REMATCH[1]}" -gt 0 ]; then
                        ok "fuzz-$t: $last"
                else
                        not_ok "fuzz-$t: nothing replayed from $corpus"
                        diag "$out"
                fi
        else
                rc=$?
                not_ok "fuzz-$t: exit status $rc on $corpus"
                diag "$(tail -n 40 <<<"$out")"
        fi
done
finish
