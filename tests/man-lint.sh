#!/bin/bash
# man-lint.sh - every man page passes mandoc's linter at warning level.
set -u
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

command -v mandoc >/dev/null || skip_all "mandoc is not installed"
for page in "$abs_top_srcdir"/man/*.[1-8]; do
        out=$(mandoc -Tlint -W warning "$page" 2>&1)
        check "${page##*/} passes mandoc -Tlint -W warning" test -z "$out"
        [ -z "$out" ] || diag "$out"
done
finish
