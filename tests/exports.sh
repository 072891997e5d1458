#!/bin/bash
# exports.sh - libsockbroker exports exactly what its headers declare,
# each by name in its version script; and its pkg-config file works with
# no more than the library's own headers installed.
set -u
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

so=$abs_top_builddir/.libs/libsockbroker.so
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

grep -ho 'SB_EXPORT [^(]*(' "$abs_top_srcdir"/client-lib/include/sockbroker/*.h |
        sed -nE 's/.*[ *](sb_[a-z0-9_]+)\($/\1/p' | sort >"$tmp/headers"
sed -nE 's/^[[:space:]]+(sb_[a-z0-9_]+);$/\1/p' "$abs_top_srcdir/client-lib/libsockbroker.sym" |
        sort >"$tmp/script"
nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRV]$/ { sub(/@.*/, "", $3); print $3 }' |
        sort >"$tmp/library"

check "the headers declare functions" test -s "$tmp/headers"
check "the version script names every declared function, and no other" \
        diff -u "$tmp/headers" "$tmp/script"
check "the library exports exactly the declared functions" \
        diff -u "$tmp/headers" "$tmp/library"
check "the version script has no wildcard export" \
        bash -c "! sed -n '/global:/,/local:/p' '$abs_top_srcdir/client-lib/libsockbroker.sym' | grep -q '[*]'"

# pkg-config with nothing but libsockbroker.pc on its path: no public
# header needs protobuf-c, so --cflags must not ask for its .pc file;
# static linking still needs the library itself.
# (configure needs pkg-config, so it is here.)
pc() { PKG_CONFIG_LIBDIR=$abs_top_builddir/client-lib PKG_CONFIG_PATH='' pkg-config "$@"; }
check "pkg-config --cflags libsockbroker needs no other .pc file" pc --cflags libsockbroker
check "pkg-config --libs libsockbroker needs no other .pc file" pc --libs libsockbroker
pc --static --libs libsockbroker >"$tmp/static" 2>&1
check "pkg-config --static --libs libsockbroker names protobuf-c" grep -q -- -lprotobuf-c "$tmp/static"
finish
