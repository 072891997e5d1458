#!/bin/bash
# man-lint.sh - every man page passes mandoc's linter at warning level.
# A page that only sources another (.so man3/PAGE.3, so that `man
# FUNCTION` finds its group's page) is one line naming a page of the
# same section that exists and is itself a page.
set -u
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

command -v mandoc >/dev/null || skip_all "mandoc is not installed"

# so_target PAGE: the page PAGE sources, if it is only a .so line.
so_target() { sed -n '1s/^\.so man\([1-8]\)\/\([^/ ]*\.\1\)$/\2/p' "$1"; }

for page in "$abs_top_srcdir"/man/*.[1-8]; do
        name=${page##*/}
        target=$(so_target "$page")
        if [ -n "$target" ]; then
                check "$name is one .so line" test "$(wc -l <"$page")" -eq 1
                check "$name sources man/$target, a page" \
                        test -f "$abs_top_srcdir/man/$target" -a -z "$(so_target "$abs_top_srcdir/man/$target" 2>/dev/null)"
                check "$name and man/$target are of one section" test "${name##*.}" = "${target##*.}"
                continue
        fi
        out=$(mandoc -Tlint -W warning "$page" 2>&1)
        check "$name passes mandoc -Tlint -W warning" test -z "$out"
        [ -z "$out" ] || diag "$out"
done
finish
