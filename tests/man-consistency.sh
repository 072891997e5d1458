#!/bin/bash
# man-consistency.sh - the man pages say what the code does: every option
# of sockbrokerd and of each sockbroker command, every sockbroker command
# and exit status, every policy word and every exported library function
# appears in its page.
set -u
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

MAN=$abs_top_srcdir/man

# mdoc escapes '-' as '\-'.
mdoc_flag() { printf 'Fl \\-%s' "$(sed 's/-/\\-/g' <<<"$1")"; }

# exit_section PAGE: the text of PAGE's EXIT STATUS section.
exit_section() { sed -n '/^\.Sh EXIT STATUS/,/^\.Sh [A-Z]/p' "$1"; }

# has_exit PAGE N: the EXIT STATUS section of PAGE names status N.
has_exit() { exit_section "$1" | grep -qE "(^|[^0-9.])$2([^0-9]|\$)"; }

# has PAGE TEXT: PAGE contains TEXT, literally.
has() { grep -qF -- "$2" "$1"; }

# long_options: the --options a --help text lists, one per line.
long_options() { grep -oE -- '--[a-z][a-z-]*' | sed 's/^--//' | sort -u; }

# 1. sockbrokerd(8): every option and exit status.
for opt in $("$SOCKBROKERD" --help | long_options); do
        check "sockbrokerd(8) documents --$opt" has "$MAN/sockbrokerd.8" "$(mdoc_flag "$opt")"
done
for code in 0 1 2; do
        check "sockbrokerd(8) documents exit status $code" has_exit "$MAN/sockbrokerd.8" "$code"
done

# 2. sockbroker(1): every command, its options, and every exit status.
commands=$("$SOCKBROKER" --help | sed -n 's/^  \([a-z][a-z]*\) .*/\1/p; s/^  \([a-z][a-z]*\)$/\1/p' | sort -u)
check "sockbroker --help lists commands" test -n "$commands"
for cmd in $commands; do
        check "sockbroker(1) documents the $cmd command" grep -qE "^\.It Cm $cmd( |\$)" "$MAN/sockbroker.1"
        for opt in $("$SOCKBROKER" "$cmd" --help | long_options); do
                check "sockbroker(1) documents $cmd --$opt" has "$MAN/sockbroker.1" "$(mdoc_flag "$opt")"
        done
done
codes=$(cat "$abs_top_srcdir"/tools/sockbroker.[ch] |
        sed -n '/^enum {/,/^};/s/^ *EXIT_[A-Z_]* *= *\([0-9][0-9]*\),.*/\1/p' | sort -un)
check "tools/sockbroker.c has exit statuses" test -n "$codes"
for code in $codes; do
        check "sockbroker(1) documents exit status $code" has_exit "$MAN/sockbroker.1" "$code"
done

# 3. sockbroker.policy(5): every selector, option word, socket option,
#    link operation and HCI channel the parser knows.
words=$(sed -n 's/^ *{ "\([a-z][a-z0-9-]*\)", *[A-Z_]*, *\(selector\|option\)_parse_.*/\1/p;
               s/^ *{ "\([a-z][a-z0-9-]*\)", *[A-Z_]*, *"[^"]*", *\(true\|false\), *option_parse_.*/\1/p;
               s/^ *{ "\([a-z][a-z0-9-]*\)", *[A-Z_]*, *NULL, *\(true\|false\), *option_parse_.*/\1/p;
               s/^ *\[POLICY_SOCKOPT_[A-Z]*\] *= { "\([a-z]*\)".*/\1/p;
               s/^ *{ "\([a-z]*\)", *POLICY_LINK_[A-Z]* },/\1/p;
               s/^ *{ "\([a-z]*\)", *1u << POLICY_HCI_CHANNEL_[A-Z]* },/\1/p' \
        "$abs_top_srcdir/policy/policy.c" "$abs_top_srcdir/policy/policy-compile.c" | sort -u)
check "policy/policy.c and policy-compile.c yield the policy words" test "$(wc -w <<<"$words")" -ge 30
for w in $words everyone admin any; do
        check "sockbroker.policy(5) documents '$w'" grep -qE "(^\.| )Cm $w( |\$)" "$MAN/sockbroker.policy.5"
done

# 4. libsockbroker(3): every function the library exports has a page of
#    its own name, which is its group's page or sources it (.so), and
#    that page names it in NAME and declares it in SYNOPSIS.
lib=$abs_top_builddir/.libs/libsockbroker.so
if [ -e "$lib" ] && command -v nm >/dev/null; then
        syms=$(nm -D --defined-only "$lib" | awk '$2 == "T" && $3 ~ /^sb_/ { sub(/@.*/, "", $3); print $3 }' | sort -u)
        check "libsockbroker.so exports functions" test -n "$syms"
        for s in $syms; do
                page=$MAN/$s.3
                target=$(sed -n '1s/^\.so man3\/\(.*\)$/\1/p' "$page" 2>/dev/null)
                [ -z "$target" ] || page=$MAN/$target
                check "$s(3) names $s" grep -qE "^\.Nm $s( ,)?\$" "$page"
                check "$s(3) declares $s()" grep -qE "^\.(Fn|Fo) $s( |\$)" "$page"
                group=${page##*/}
                check "libsockbroker(3) lists ${group%.3}(3)" grep -qF ".Xr ${group%.3} 3" "$MAN/libsockbroker.3"
        done
else
        ok "libsockbroker(3) against the library # SKIP no shared library or nm"
fi
finish
