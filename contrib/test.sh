#!/bin/bash
# test.sh - installs what is missing, builds, and runs every test:
#   1. make check with -Werror, one tier at a time: check-pure (Check
#      suites and the other tests without root), check-root (integration
#      tests) and check-vm (the VM tier)
#   2. the pure and root tiers under AddressSanitizer and
#      UndefinedBehaviorSanitizer (the VM tier, which tests the kernel's
#      side, runs in step 1 only)
#   3. the Check suites under valgrind
#   4. make distcheck (without the VM tier)
#   5. the Debian packages: dpkg-buildpackage, lintian, their contents, and
#      an install, reload and purge in a container booted with systemd
# and ends with one line: "tests: N passed, N failed". Run as root; run
# through sudo, it gives the files it made in the tree to the user.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc)
. "$top/contrib/hand-back.sh"
trap 'hand_back "$top"' EXIT
passed=0
failed=0
skipped=0
# What the summary lists: each skip with its reason, each failure with
# its first diagnostic line and its log.
skips=$(mktemp)
failures=$(mktemp)

step_start=$SECONDS
step() {
        [ -n "${step_name:-}" ] && printf '=== %s: %d s\n' "$step_name" $((SECONDS - step_start))
        step_name=$*
        step_start=$SECONDS
        printf '\n=== %s\n' "$*"
}

# Adds a build's automake test totals to the count.
count_suite() {
        local log=$1/test-suite.log p f
        if [ ! -f "$log" ]; then
                failed=$((failed + 1))
                return
        fi
        p=$(awk '/^# PASS:/ { print $3 }' "$log")
        f=$(awk '/^# (FAIL|ERROR|XPASS):/ { s += $3 } END { print s + 0 }' "$log")
        s=$(awk '/^# SKIP:/ { print $3 }' "$log")
        passed=$((passed + ${p:-0}))
        failed=$((failed + ${f:-0}))
        skipped=$((skipped + ${s:-0}))
        grep -E '^SKIP: ' "$log" | sed "s|^SKIP: |  ${1##*/}: |" >>"$skips"
        # A failing point, then the first "# " line its script printed
        # after it; the script's own log has the rest.
        awk -v dir="$1" '
                /^(FAIL|ERROR|XPASS): / {
                        if (pending) print "    (no diagnostic)"
                        line = $0; sub(/^[A-Z]+: /, "", line)
                        script = line; sub(/ .*/, "", script); sub(/\.sh$|$/, "", script)
                        print "  " $0; print "    log: " dir "/" script ".log"
                        pending = 1; next
                }
                pending && /^# / { print "    " $0; pending = 0; next }
                /^(PASS|SKIP|XFAIL): / { if (pending) print "    (no diagnostic)"; pending = 0 }
                END { if (pending) print "    (no diagnostic)" }' "$log" >>"$failures"
}

# count_tap LOG COMMAND...: runs a TAP test, its output in LOG, and adds
# its points, skips and failures to the count and the summary.
count_tap() {
        local log=$1 name=${1##*/} line pending= rc
        name=${name%.log}
        shift
        "$@" >"$log" 2>&1
        rc=$?
        local f0=$failed
        while IFS= read -r line; do
                case $line in
                "1..0 # SKIP "*)
                        skipped=$((skipped + 1))
                        echo "  $name: ${line#1..0 # SKIP }" >>"$skips" ;;
                "ok "*"# SKIP "*)
                        skipped=$((skipped + 1))
                        echo "  $name: ${line##*# SKIP }" >>"$skips" ;;
                "ok "*|"not ok "*"# TODO "*)
                        passed=$((passed + 1)) ;;
                "not ok "*)
                        [ -n "$pending" ] && echo "    (no diagnostic)" >>"$failures"
                        failed=$((failed + 1))
                        printf '  %s: %s\n    log: %s\n' "$name" "$line" "$log" >>"$failures"
                        pending=1
                        continue ;;
                "# "*)
                        [ -n "$pending" ] && echo "    $line" >>"$failures" ;;
                *) continue ;;
                esac
                pending=
        done <"$log"
        [ -n "$pending" ] && echo "    (no diagnostic)" >>"$failures"
        # A script that failed without a failing point failed as a whole.
        if [ "$rc" -ne 0 ] && [ "$failed" -eq "$f0" ]; then
                failed=$((failed + 1))
                printf '  %s: exited with status %d\n    log: %s\n' "$name" "$rc" "$log" >>"$failures"
        fi
}

# check_tiers BUILD TIER...: make check-TIER in BUILD for each tier,
# counted, with its duration noted for the summary.
tier_times=()
check_tiers() {
        local dir=$1 tier t0
        shift
        for tier in "$@"; do
                t0=$SECONDS
                (cd "$dir" && make -s -j"$jobs" "check-$tier") || cat "$dir/test-suite.log"
                count_suite "$dir"
                tier_times+=("${dir##*/} $tier: $((SECONDS - t0)) s")
                printf '=== %s, %s tier: %d s\n' "${dir##*/}" "$tier" $((SECONDS - t0))
        done
}

# A step that is one test of its own.
count_step() {
        if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}

summary() {
        step "done"
        echo
        if [ -s "$skips" ]; then
                echo "skipped: $skipped, each with its reason:"
                cat "$skips"
        fi
        if [ -s "$failures" ]; then
                echo "failed:"
                cat "$failures"
        fi
        rm -f "$skips" "$failures"
        if [ "${#tier_times[@]}" -gt 0 ]; then
                echo "test tiers:"
                printf '  %s\n' "${tier_times[@]}"
        fi
        echo "tests: $passed passed, $failed failed"
        [ "$failed" -eq 0 ]
}

step "dependencies"
"$top/contrib/install-deps.sh" || { failed=1; summary; exit 1; }

step "autogen"
(cd "$top" && ./autogen.sh >/dev/null 2>&1) || { echo "autogen failed"; failed=1; summary; exit 1; }

build() {
        local dir=$1
        shift
        rm -rf "$dir" && mkdir -p "$dir" &&
                (cd "$dir" && "$top/configure" -q "$@" && make -s -j"$jobs")
}

step "build with -Werror, make check"
if build "$top/build" --enable-werror --enable-test-hooks; then
        check_tiers "$top/build" pure root vm
else
        failed=$((failed + 1))
fi

step "benchmark harness, smoke run (reports, never fails on a figure)"
count_step bash -c "cd '$top/build' && make -s bench-smoke"

step "ASan + UBSan build, make check"
if build "$top/build-asan" --enable-werror --enable-test-hooks --enable-asan --enable-ubsan; then
        # The broker drops privileges and becomes undumpable, so LeakSanitizer
        # cannot stop its threads; leaks are checked under valgrind below.
        ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
                check_tiers "$top/build-asan" pure root
else
        failed=$((failed + 1))
fi

step "Check suites under valgrind"
for runner in check-daemon check-socket check-client check-preload check-supervise; do
        count_step env CK_FORK=no valgrind -q --error-exitcode=1 --leak-check=full \
                --errors-for-leak-kinds=definite "$top/build/tests/$runner" >/dev/null
done

step "make distcheck"
count_step bash -c "cd '$top/build' && SOCKBROKER_SKIP_VM=1 make -s distcheck DISTCHECK_CONFIGURE_FLAGS=--enable-werror >/dev/null"

step "Debian packages: build, lintian, contents, install under systemd"
# Built from the files git tracks, copied out of the tree, so that the
# build leaves nothing in it.
# The checkout may belong to the user who ran this through sudo.
git_top() { git -c safe.directory="$top" -C "$top" "$@"; }
if git_top rev-parse --git-dir >/dev/null 2>&1; then
        deb=$(mktemp -d /tmp/sockbroker-deb.XXXXXX)
        mkdir "$deb/sockbroker"
        git_top ls-files -z | (cd "$top" && tar --null -T - -cf -) | tar -C "$deb/sockbroker" -xf -
        count_step bash -c "cd '$deb/sockbroker' && dpkg-buildpackage -us -uc -b -Jauto >'$top/build/deb-build.log' 2>&1 ||
                { tail -n 30 '$top/build/deb-build.log'; false; }"
        count_step lintian --info --display-info --fail-on error,warning "$deb"/sockbroker_*.changes
        count_tap "$top/build/package.log" env abs_top_srcdir="$top" bash "$top/tests/package.sh" "$deb"
        count_tap "$top/build/package-install.log" \
                env abs_top_srcdir="$top" bash "$top/tests/package-install.sh" "$deb"
        rm -rf "$deb"
else
        skipped=$((skipped + 1))
        echo "  Debian packages: not a git checkout; debian/ builds from the files git tracks" >>"$skips"
fi

summary
