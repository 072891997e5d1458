#!/bin/bash
# hand-back.sh - contrib/hand-back.sh: test.sh and demo.sh, run through
# sudo in a user's clone, give the files they made to that user and touch
# nothing else.
set -u
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$abs_top_srcdir/contrib/hand-back.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root (files of other owners)"
T=$(mktemp -d /tmp/sockbroker-hand-back.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/tree/build/sub"
touch "$T/tree/build/sub/made-by-root" "$T/tree/mine" "$T/tree/theirs"
ln -s /etc/passwd "$T/tree/link"
chown 1000:1000 "$T/tree" "$T/tree/mine"
chown 1001:1001 "$T/tree/theirs"

SUDO_UID=1000 SUDO_GID=1000 hand_back "$T/tree"
check "root's files in the tree go to SUDO_UID:SUDO_GID" \
        test "$(stat -c %u:%g "$T/tree/build/sub/made-by-root" "$T/tree/build" | sort -u)" = 1000:1000
check "another user's file stays theirs" test "$(stat -c %u "$T/tree/theirs")" = 1001
check "a symbolic link is changed, never what it points to" \
        eval 'test "$(stat -c %u /etc/passwd)" = 0 && test "$(stat -c %u "$T/tree/link")" = 1000'
touch "$T/tree/again"
SUDO_UID=0 SUDO_GID=0 hand_back "$T/tree"
unset SUDO_UID SUDO_GID
hand_back "$T/tree"
check "without SUDO_UID, or with 0, nothing changes" test "$(stat -c %u "$T/tree/again")" = 0
finish
