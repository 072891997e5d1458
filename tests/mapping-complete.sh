#!/bin/bash
# mapping-complete.sh - every entry of the socket API reference has a row
# in the mapping table, in docs/socket-api-mapping.md and in
# libsockbroker(3).
#
# The entries are the names of the reference's `.. function::`,
# `.. method::`, `.. attribute::`, `.. data::`, `.. exception::` and
# `.. class::` directives, and the further names a `.. data::` directive
# lists on the lines after it. A row is `| \`NAME\` |` or
# `| \`NAME()\` |` in the Markdown, `.It Li NAME` or `.It Li NAME()` in
# the man page.
set -u
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

# The reference is not part of the tree: it sits in the shared folder
# beside the checkout, or wherever $SOCKET_API_RST says. Its entry names,
# and nothing else of it, are kept in tests/socket-api-names.txt, so that
# a clone without the reference checks against them; where the
# reference is there, the list must be exactly what it names.
rst=${SOCKET_API_RST:-$abs_top_srcdir/../shared/reference/socket-api.rst}
list=$abs_top_srcdir/tests/socket-api-names.txt
md=$abs_top_srcdir/docs/socket-api-mapping.md
man=$abs_top_srcdir/man/libsockbroker.3

reference_names() {
        awk '
/^\.\. (function|method|attribute|data|exception|class)::/ {
        line = $0
        sub(/^\.\. [a-z]+:: */, "", line)
        sub(/[( ].*$/, "", line)
        print line
        more = ($2 == "data::")
        next
}
more && /^[A-Za-z_][A-Za-z0-9_]*\*?$/ { print; next }
{ more = 0 }' "$1" | awk '!seen[$0]++'
}

names=$(grep -v '^#' "$list")
if [ -r "$rst" ]; then
        check "tests/socket-api-names.txt lists exactly the reference's entries" \
                test "$(reference_names "$rst")" = "$names"
else
        skip_test "no reference at $rst: the names come from tests/socket-api-names.txt"
fi

count=$(wc -l <<<"$names")
check "the reference has entries ($count)" test "$count" -gt 100

while IFS= read -r name; do
        in_md() {
                grep -qF -- "| \`$name\` |" "$md" || grep -qF -- "| \`$name()\` |" "$md"
        }
        in_man() {
                grep -qE -- "^\.It Li $(sed 's/[][\.*^$]/\\&/g' <<<"$name")(\(\))? Ta" "$man"
        }
        check "$name is in docs/socket-api-mapping.md" in_md
        check "$name is in libsockbroker(3)" in_man
done <<<"$names"
finish
