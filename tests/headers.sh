#!/bin/bash
# headers.sh - each public header compiles on its own, as C and as C++.
set -u
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

inc=$abs_top_srcdir/client-lib/include
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for h in "$inc"/sockbroker/*.h; do
        name=sockbroker/${h##*/}
        printf '#include <%s>\n#include <%s>\nint main(void) { return 0; }\n' "$name" "$name" >"$tmp/t.c"
        cp "$tmp/t.c" "$tmp/t.cc"
        check "$name compiles alone as C (twice: include guard)" \
                "${CC:-cc}" -std=c99 -Wall -Wextra -Werror -pedantic -I"$inc" -c "$tmp/t.c" -o "$tmp/t.o"
        check "$name compiles alone as C++" \
                "${CXX:-c++}" -std=c++11 -Wall -Wextra -Werror -I"$inc" -c "$tmp/t.cc" -o "$tmp/t.o"
done
finish
