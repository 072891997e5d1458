# shellcheck shell=bash
# hand-back.sh - sourced by test.sh and demo.sh, which run as root, often
# through sudo in a user's own clone: hand_back gives the files they
# created there (builds, autogen's output) to the user who ran sudo, so
# that building by hand afterwards works. Files that are already the
# user's, or another's, are left alone.
hand_back() {
        local top=$1
        [[ ${SUDO_UID:-} =~ ^[1-9][0-9]*$ && ${SUDO_GID:-} =~ ^[0-9]+$ ]] || return 0
        find "$top" -xdev -uid 0 -exec chown -h "$SUDO_UID:$SUDO_GID" {} + 2>/dev/null
        return 0
}
