#!/bin/bash
# man-pages.sh - `man FUNCTION` works for every function libsockbroker
# exports, and every section 3 page fits a terminal of 80 columns.
#
# The functions are the SB_EXPORT declarations of the public headers
# (client-lib/libsockbroker.sym exports sb_* by pattern, so it names
# none), and those the built library exports. The pages are looked up
# as man(1) finds them once installed: man/ is linked as man3/ of a
# temporary hierarchy, so that ".so man3/GROUP.3" resolves, and each
# page is rendered by `man -M` at MANWIDTH=80. A page may name a
# function the library does not export yet; an exported function
# without a page fails.
set -u
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

command -v man >/dev/null || skip_all "man is not installed"
# Widths are counted in characters: the rendering has UTF-8 quotes and
# hyphens, and ${#line} counts characters in a UTF-8 locale.
export LC_ALL=C.UTF-8 MANWIDTH=80 MAN_KEEP_FORMATTING= MANPAGER=cat PAGER=cat
unset MANPATH MANOPT

MAN=$abs_top_srcdir/man
HEADERS=$abs_top_srcdir/client-lib/include/sockbroker
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/man3"
for page in "$MAN"/*.3; do
        ln -s "$page" "$tmp/man3/${page##*/}"
done

# The exported functions: SB_EXPORT declarations outside the
# preprocessor lines, whose name is the word before the first '('.
syms=$(grep -hv '^[[:space:]]*#' "$HEADERS"/*.h | tr '\n' ' ' | grep -oE 'SB_EXPORT [^;(#]*\(' |
        sed -E 's/\($//; s/.*[ *]//' | sort -u)
count=$(wc -w <<<"$syms")
check "the public headers declare SB_EXPORT functions ($count)" test "$count" -gt 40

# (That the library exports exactly these is tests/exports.sh's.)

# render NAME: the page of NAME as `man 3 NAME` shows it; its errors
# in $tmp/err.
render() { man -M "$tmp" 3 "$1" 2>"$tmp/err"; }

# overlong FILE: the lines of FILE wider than 80 columns.
overlong() {
        local line
        while IFS= read -r line; do
                [ "${#line}" -le 80 ] || printf '%s: %s\n' "${#line}" "$line"
        done <"$1"
}

for s in $syms; do
        if ! render "$s" >"$tmp/out" || [ -s "$tmp/err" ] || ! [ -s "$tmp/out" ]; then
                not_ok "man 3 $s renders"
                diag "$(cat "$tmp/err")"
                continue
        fi
        ok "man 3 $s renders"
        check "man 3 $s mentions $s()" grep -qF "$s(" "$tmp/out"
        check "man 3 $s lists $s in NAME" \
                bash -c 'sed -n "/^NAME/,/^[A-Z]/p" "$1" | grep -qE "(^| )$2(,|\$| )"' _ "$tmp/out" "$s"
done

# Every function a group page names has a page that resolves to it, so
# that a function documented ahead of its export is found as well.
for page in "$MAN"/*.3; do
        grep -q '^\.so ' "$page" && continue
        for f in $(sed -n '/^\.Sh NAME/,/^\.Sh/s/^\.Nm \(sb_[a-z0-9_]*\).*/\1/p' "$page"); do
                check "${page##*/} names $f, and man/$f.3 leads there" \
                        test "$f.3" = "${page##*/}" -o "$(cat "$MAN/$f.3" 2>/dev/null)" = ".so man3/${page##*/}"
        done
done

# Every section 3 page fits 80 columns, and renders without a warning.
for page in "$MAN"/*.3; do
        grep -q '^\.so ' "$page" && continue
        name=${page##*/}
        render "${name%.3}" >"$tmp/out"
        check "$name renders without warnings" test ! -s "$tmp/err"
        [ -s "$tmp/err" ] && diag "$(cat "$tmp/err")"
        long=$(overlong "$tmp/out")
        check "$name fits 80 columns" test -z "$long"
        [ -z "$long" ] || diag "$long"
done
finish
