#!/bin/bash
# package.sh DIR - checks the Debian packages built from debian/ (the .deb
# files in DIR): each file in the package it belongs to and in no other,
# the conffile, the dependencies, the library's SONAME, shlibs and symbols,
# the maintainer scripts, and the paths compiled into the programs. Reads
# the .deb files with dpkg-deb only; needs neither root nor network.
#
#   dpkg-buildpackage -us -uc -b && abs_top_srcdir=$PWD tests/package.sh ..
set -u
. "${abs_top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

dir=${1:-}
[ -n "$dir" ] && [ -d "$dir" ] || { echo "usage: package.sh DIR (the directory of the .deb files)" >&2; exit 2; }
command -v dpkg-deb >/dev/null || skip_all "dpkg-deb not installed"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pkgs=(sockbroker libsockbroker0 libsockbroker-dev python3-sockbroker)
declare -A deb

# --- the four packages, one .deb each, of one version ------------------
missing=0
for p in "${pkgs[@]}"; do
        shopt -s nullglob
        found=("$dir/${p}_"*.deb)
        shopt -u nullglob
        if [ "${#found[@]}" -eq 1 ]; then
                deb[$p]=${found[0]}
                ok "$p: one .deb (${found[0]##*/})"
        else
                not_ok "$p: one .deb in $dir (found ${#found[@]})"
                missing=1
        fi
done
if [ "$missing" -ne 0 ]; then
        diag "packages missing: nothing more to check"
        finish
        exit
fi

field() { dpkg-deb -f "${deb[$1]}" "$2"; }
# lacks ARGS...: grep ARGS finds nothing.
lacks() { ! grep "$@" >/dev/null; }
version=$(field sockbroker Version)
arch=$(field sockbroker Architecture)
for p in "${pkgs[@]}"; do
        check "$p: version $version" [ "$(field "$p" Version)" = "$version" ]
        src=$(field "$p" Source)
        src=${src%% *}
        check "$p: source sockbroker" [ "${src:-$p}" = sockbroker ]
done
for p in sockbroker libsockbroker0 libsockbroker-dev; do
        check "$p: architecture $arch" [ "$(field "$p" Architecture)" = "$arch" ]
done
check "python3-sockbroker: architecture all" [ "$(field python3-sockbroker Architecture)" = all ]

triplet=$(dpkg-architecture -a"$arch" -qDEB_HOST_MULTIARCH 2>/dev/null) ||
        triplet=$(dpkg-deb -c "${deb[libsockbroker0]}" |
                sed -n 's|.* \./usr/lib/\([^/]*\)/libsockbroker\.so\.0 .*|\1|p')
check "multiarch triplet known ($triplet)" [ -n "$triplet" ]
L=/usr/lib/$triplet

# --- contents ---------------------------------------------------------
# The listing of each package, one path a line, directories left out;
# a symlink as "PATH -> TARGET".
for p in "${pkgs[@]}"; do
        dpkg-deb -c "${deb[$p]}" >"$tmp/$p.ls"
        awk '$1 !~ /^d/ { $1 = $2 = $3 = $4 = $5 = ""; sub(/^ +/, ""); sub(/^\./, ""); print }' \
                "$tmp/$p.ls" >"$tmp/$p.files"
        sed 's/ -> .*//' "$tmp/$p.files" >"$tmp/$p.paths"
        mkdir -p "$tmp/root/$p"
        dpkg-deb -x "${deb[$p]}" "$tmp/root/$p"
        check "$p: every entry owned by root:root" \
                awk '$2 != "root/root" { bad = 1; print "# " $0 } END { exit bad }' "$tmp/$p.ls"
done

# has PKG PATH: PKG ships PATH (a file or a symlink).
has() { grep -qxF -- "$2" "$tmp/$1.paths"; }

# The man pages of the tree, by section, each as installed (gzipped).
srcman=$abs_top_srcdir/man
man_of() {
        local f
        for f in "$srcman"/*."$1"; do
                [ -e "$f" ] && echo "/usr/share/man/man$1/${f##*/}.gz"
        done
}

declare -A expect
expect[sockbroker]="
/usr/sbin/sockbrokerd
/usr/bin/sockbroker
/usr/libexec/sockbroker/sockbroker-compiler
/usr/libexec/sockbroker/sockbroker-opener
/lib/systemd/system/sockbroker.socket
/lib/systemd/system/sockbroker-opener.socket
/lib/systemd/system/sockbroker.service
/lib/systemd/system/sockbroker-opener.service
/usr/lib/sysusers.d/sockbroker.conf
/usr/lib/tmpfiles.d/sockbroker.conf
/usr/lib/systemd/catalog/sockbroker.catalog
/etc/sockbroker/policy.conf
/usr/share/doc/sockbroker/examples/example.conf
/usr/share/doc/sockbroker/copyright
$(man_of 1)
$(man_of 5)
$(man_of 7)
$(man_of 8)"
expect[libsockbroker0]="
$L/libsockbroker.so.0
$L/libsockbroker.so.0.0.0
$L/sockbroker/libsockbroker-preload.so
/usr/share/doc/libsockbroker0/copyright"
expect[libsockbroker-dev]="
$L/libsockbroker.so
$L/pkgconfig/libsockbroker.pc
/usr/share/doc/libsockbroker-dev/copyright
$(for h in "$abs_top_srcdir"/client-lib/include/sockbroker/*.h; do echo "/usr/include/sockbroker/${h##*/}"; done)
$(man_of 3)"
expect[python3-sockbroker]="
/usr/lib/python3/dist-packages/sockbroker/__init__.py
/usr/share/doc/python3-sockbroker/copyright"

every_section() {
        local s
        for s in 1 3 5 7 8; do [ -n "$(man_of $s)" ] || return 1; done
}
check "the tree has man pages of sections 1, 3, 5, 7 and 8" every_section

for p in "${pkgs[@]}"; do
        while read -r f; do
                [ -n "$f" ] || continue
                check "$p: ships $f" has "$p" "$f"
        done <<<"${expect[$p]}"
done

# Nothing else, but for the package's own documentation and lintian
# overrides.
for p in "${pkgs[@]}"; do
        printf '%s\n' "${expect[$p]}" | sed '/^$/d' | sort >"$tmp/$p.expected"
        grep -vE "^/usr/share/(doc/$p/|lintian/overrides/$p\$)" "$tmp/$p.paths" | sort |
                comm -23 - "$tmp/$p.expected" >"$tmp/$p.extra"
        if [ -s "$tmp/$p.extra" ]; then
                not_ok "$p: ships nothing unexpected"
                diag "$(cat "$tmp/$p.extra")"
        else
                ok "$p: ships nothing unexpected"
        fi
done

sort "$tmp"/*.paths | uniq -d >"$tmp/dups"
if [ -s "$tmp/dups" ]; then
        not_ok "no path in two packages"
        diag "$(cat "$tmp/dups")"
else
        ok "no path in two packages"
fi

check "no libtool archive (.la) in any package" lacks -h '\.la$' "$tmp"/*.paths
check "no byte-code (__pycache__, .pyc) in python3-sockbroker" \
        lacks -E '__pycache__|\.pyc$' "$tmp/python3-sockbroker.paths"
check "libsockbroker.so.0 -> libsockbroker.so.0.0.0" \
        grep -qxF "$L/libsockbroker.so.0 -> libsockbroker.so.0.0.0" "$tmp/libsockbroker0.files"
check "libsockbroker-dev: libsockbroker.so -> libsockbroker.so.0.0.0" \
        grep -qxF "$L/libsockbroker.so -> libsockbroker.so.0.0.0" "$tmp/libsockbroker-dev.files"
# Every symlink resolves inside its own package or one it depends on.
for p in "${pkgs[@]}"; do
        bad=$(sed -n 's/ -> /\t/p' "$tmp/$p.files" | while IFS=$'\t' read -r link target; do
                case $target in /*) t=$target ;; *) t=$(dirname "$link")/$target ;; esac
                t=$(realpath -m "$t")
                grep -qxF "$t" "$tmp/$p.paths" "$tmp/libsockbroker0.paths" || echo "$link -> $target"
        done)
        if [ -z "$bad" ]; then ok "$p: every symlink resolves"; else not_ok "$p: every symlink resolves"; diag "$bad"; fi
done
for f in /usr/sbin/sockbrokerd /usr/bin/sockbroker /usr/libexec/sockbroker/sockbroker-opener \
        /usr/libexec/sockbroker/sockbroker-compiler; do
        check "sockbroker: $f is executable (0755)" \
                grep -qE "^-rwxr-xr-x .* \.$f\$" "$tmp/sockbroker.ls"
done

# --- control fields: dependencies -------------------------------------
# depends_on PKG DEP: PKG's Depends has DEP as one of its clauses.
depends_on() {
        field "$1" Depends | tr ',' '\n' | sed 's/^ *//; s/ *$//' | grep -qxF -- "$2"
}
# depends_any PKG NAME: some clause of PKG's Depends names NAME.
depends_any() {
        field "$1" Depends | tr ',|' '\n\n' | sed 's/^ *//; s/[ (].*//' | grep -qxF -- "$2"
}
check "sockbroker depends on libsockbroker0 (= $version) (the preload module)" \
        depends_on sockbroker "libsockbroker0 (= $version)"
check "sockbroker depends on systemd-sysusers (its postinst runs it)" \
        depends_on sockbroker "systemd | systemd-standalone-sysusers | systemd-sysusers"
for lib in libc6 libsystemd0 libprotobuf-c1 libmnl0 libseccomp2; do
        check "sockbroker depends on $lib" depends_any sockbroker "$lib"
done
# Capabilities are set with prctl(2) and capset(2) (daemon/shared/privileges.c).
no_depends() { ! depends_any "$@"; }
check "sockbroker does not depend on libcap2 (no program links it)" \
        no_depends sockbroker libcap2
check "libsockbroker0 depends on libc6" depends_any libsockbroker0 libc6
check "libsockbroker0 depends on libprotobuf-c1" depends_any libsockbroker0 libprotobuf-c1
check "libsockbroker0 depends on no other sockbroker package" \
        lacks sockbroker <<<"$(field libsockbroker0 Depends)"
check "libsockbroker-dev depends on libsockbroker0 (= $version)" \
        depends_on libsockbroker-dev "libsockbroker0 (= $version)"
check "python3-sockbroker depends on python3" depends_any python3-sockbroker python3:any
check "python3-sockbroker depends on libsockbroker0 (>= $version) (ctypes loads libsockbroker.so.0)" \
        depends_on python3-sockbroker "libsockbroker0 (>= $version)"
check "libsockbroker0 is Multi-Arch: same" [ "$(field libsockbroker0 Multi-Arch)" = same ]
check "libsockbroker-dev is Multi-Arch: same" [ "$(field libsockbroker-dev Multi-Arch)" = same ]
check "libsockbroker0 is in section libs" [ "$(field libsockbroker0 Section)" = libs ]
check "libsockbroker-dev is in section libdevel" [ "$(field libsockbroker-dev Section)" = libdevel ]
check "python3-sockbroker is in section python" [ "$(field python3-sockbroker Section)" = python ]

# --- control files: conffiles, shlibs, symbols, scripts -------------------
ctl() { mkdir -p "$tmp/ctl/$1" && dpkg-deb -e "${deb[$1]}" "$tmp/ctl/$1/DEBIAN"; }
for p in "${pkgs[@]}"; do ctl "$p"; done
C=$tmp/ctl

check "sockbroker: conffiles is /etc/sockbroker/policy.conf alone" \
        [ "$(cat "$C/sockbroker/DEBIAN/conffiles" 2>/dev/null)" = /etc/sockbroker/policy.conf ]
for p in libsockbroker0 libsockbroker-dev python3-sockbroker; do
        check "$p: no conffiles" [ ! -s "$C/$p/DEBIAN/conffiles" ]
done

policy=$tmp/root/sockbroker/etc/sockbroker/policy.conf
check "policy.conf: the example policy's text" \
        grep -q 'which local peers may have which sockets' "$policy"
check "policy.conf: grants nothing as shipped (every rule commented out)" \
        lacks -E '^[[:space:]]*(allow|deny)[[:space:]]' "$policy"
check "policy.conf: mode 0644" grep -qE '^-rw-r--r-- .* \./etc/sockbroker/policy\.conf$' "$tmp/sockbroker.ls"
example=$tmp/root/sockbroker/usr/share/doc/sockbroker/examples/example.conf
check "examples/example.conf is policy/example.conf" cmp -s "$example" "$abs_top_srcdir/policy/example.conf"

check "libsockbroker0: shlibs is 'libsockbroker 0 libsockbroker0 (>= ...)'" \
        grep -qE '^libsockbroker 0 libsockbroker0 \(>= [^)]+\)$' "$C/libsockbroker0/DEBIAN/shlibs"
check "libsockbroker0: no shlibs line for the preload module" \
        lacks preload "$C/libsockbroker0/DEBIAN/shlibs"
symbols=$C/libsockbroker0/DEBIAN/symbols
check "libsockbroker0: symbols file for libsockbroker.so.0" \
        grep -qxF 'libsockbroker.so.0 libsockbroker0 #MINVER#' "$symbols"
check "libsockbroker0: symbols file names its -dev package" \
        grep -qxF '* Build-Depends-Package: libsockbroker-dev' "$symbols"
check "libsockbroker0: symbols file covers one library" \
        [ "$(grep -c '^[^ *]' "$symbols" 2>/dev/null)" = 1 ]
check "libsockbroker0: ldconfig trigger" grep -q '^activate-noawait ldconfig' "$C/libsockbroker0/DEBIAN/triggers"

# The symbols file against the version script, client-lib/libsockbroker.sym.
sed -n 's/^ \([a-z_0-9]*\)@LIBSOCKBROKER_0[.0-9]* .*/\1/p' "$symbols" | sort >"$tmp/sym.deb"
sed -n 's/^[[:space:]]*\([a-z_][a-z_0-9]*\);[[:space:]]*$/\1/p' "$abs_top_srcdir/client-lib/libsockbroker.sym" |
        sort >"$tmp/sym.src"
if [ -s "$tmp/sym.src" ] && cmp -s "$tmp/sym.deb" "$tmp/sym.src"; then
        ok "libsockbroker0: symbols file lists the version script's $(wc -l <"$tmp/sym.src") symbols"
else
        not_ok "libsockbroker0: symbols file lists the version script's symbols"
        diag "$(diff "$tmp/sym.src" "$tmp/sym.deb")"
fi

lib=$tmp/root/libsockbroker0$L/libsockbroker.so.0.0.0
shim=$tmp/root/libsockbroker0$L/sockbroker/libsockbroker-preload.so
if command -v readelf >/dev/null; then
        soname() { readelf -d "$1" 2>/dev/null | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p'; }
        check "libsockbroker.so.0.0.0: SONAME libsockbroker.so.0" [ "$(soname "$lib")" = libsockbroker.so.0 ]
        readelf --dyn-syms --wide "$lib" |
                awk '$5 == "GLOBAL" && $7 != "UND" && $8 ~ /^sb_.*@LIBSOCKBROKER_0[.0-9]*$/ { sub(/@.*/, "", $8); print $8 }' |
                sort -u >"$tmp/sym.elf"
        if [ -s "$tmp/sym.elf" ] && cmp -s "$tmp/sym.elf" "$tmp/sym.deb"; then
                ok "libsockbroker.so.0.0.0: exports what the symbols file lists"
        else
                not_ok "libsockbroker.so.0.0.0: exports what the symbols file lists"
                diag "$(diff "$tmp/sym.deb" "$tmp/sym.elf")"
        fi
        check "libsockbroker-preload.so: exports socket, bind, setsockopt, getsockopt only" \
                [ "$(readelf --dyn-syms --wide "$shim" |
                        awk '$5 == "GLOBAL" && $7 != "UND" && $6 == "DEFAULT" { print $8 }' | sort | xargs)" \
                  = "bind getsockopt setsockopt socket" ]
        pie() { readelf -h "$1" | grep -q 'Type:.*DYN'; }
        bind_now() { readelf -d "$1" | grep -Eq 'BIND_NOW|FLAGS_1.*NOW'; }
        for f in usr/sbin/sockbrokerd usr/bin/sockbroker usr/libexec/sockbroker/sockbroker-opener \
                usr/libexec/sockbroker/sockbroker-compiler; do
                check "sockbroker: /$f is a PIE" pie "$tmp/root/sockbroker/$f"
                check "sockbroker: /$f is linked with BIND_NOW" bind_now "$tmp/root/sockbroker/$f"
        done
else
        skip_test "readelf (binutils) not installed: SONAME and exported symbols not checked"
fi

# The paths compiled into the programs name files of the packages.
check "sockbroker: 'sockbroker run' looks for the preload module where libsockbroker0 puts it" \
        grep -qaF "$L/sockbroker/libsockbroker-preload.so" "$tmp/root/sockbroker/usr/bin/sockbroker"
check "sockbroker: sockbrokerd executes the packaged opener" \
        grep -qaF /usr/libexec/sockbroker/sockbroker-opener "$tmp/root/sockbroker/usr/sbin/sockbrokerd"
check "python3-sockbroker: loads libsockbroker.so.0" \
        grep -qF '"libsockbroker.so.0"' "$tmp/root/python3-sockbroker/usr/lib/python3/dist-packages/sockbroker/__init__.py"
units=$tmp/root/sockbroker/lib/systemd/system
check "sockbroker.service: ExecStart is the packaged sockbrokerd" \
        grep -q '^ExecStart=/usr/sbin/sockbrokerd ' "$units/sockbroker.service"
check "sockbroker-opener.service: ExecStart is the packaged opener" \
        grep -qx 'ExecStart=/usr/libexec/sockbroker/sockbroker-opener' "$units/sockbroker-opener.service"
check "the units name no unexpanded @variable@" lacks '@[a-z]*@' "$units"/*

# The packaged tool accepts the packaged policy, when it can run here.
if [ "$arch" = "$(dpkg --print-architecture 2>/dev/null)" ] &&
        "$tmp/root/sockbroker/usr/bin/sockbroker" --help >/dev/null 2>&1; then
        if out=$("$tmp/root/sockbroker/usr/bin/sockbroker" check --no-strict "$policy" 2>&1); then
                ok "sockbroker check --no-strict accepts the shipped policy.conf"
        else
                not_ok "sockbroker check --no-strict accepts the shipped policy.conf"
        fi
        diag "${out//$tmp\/root\/sockbroker/}"
else
        skip_test "the packaged sockbroker cannot run here: policy.conf not loaded"
fi

# --- maintainer scripts -----------------------------------------------
post=$C/sockbroker/DEBIAN/postinst
check "sockbroker postinst: systemd-sysusers sockbroker.conf" \
        grep -q 'systemd-sysusers .*sockbroker\.conf' "$post"
check "sockbroker postinst: systemd-tmpfiles --create sockbroker.conf" \
        grep -q 'systemd-tmpfiles .*--create sockbroker\.conf' "$post"
# first_line PATTERN FILE: the number of the first line with PATTERN.
first_line() { grep -n -m1 -F -- "$1" "$2" | cut -d: -f1; }
users_first() {
        local a b
        a=$(first_line systemd-sysusers "$post")
        b=$(first_line deb-systemd-invoke "$post")
        [ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ]
}
check "sockbroker postinst: users created before the units are started" users_first
for u in sockbroker.socket sockbroker-opener.socket; do
        check "sockbroker postinst: enables $u" grep -qF "deb-systemd-helper enable '$u'" "$post"
done
# shellcheck disable=SC2016 # the script's own variable, verbatim
start=$(grep -F 'deb-systemd-invoke $_dh_action' "$post")
starts_sockets() {
        [[ $start == *"'sockbroker.socket'"* && $start == *"'sockbroker-opener.socket'"* ]]
}
check "sockbroker postinst: starts both sockets" starts_sockets
check "sockbroker postinst: starts no service (they are socket-activated)" \
        lacks -E 'deb-systemd-invoke .*\.service' "$post"
# A service is enabled again only where the administrator had enabled it:
# each enable of it sits in a debian-installed guard.
for u in sockbroker.service sockbroker-opener.service; do
        check "sockbroker postinst: does not enable $u on install" \
                [ "$(grep -cF "deb-systemd-helper enable '$u'" "$post")" = \
                  "$(grep -cF "deb-systemd-helper debian-installed '$u'" "$post")" ]
done
check "sockbroker prerm: stops the sockets on removal" \
        grep -qF "deb-systemd-invoke stop 'sockbroker-opener.socket' 'sockbroker.socket'" "$C/sockbroker/DEBIAN/prerm"
check "sockbroker postrm: forgets the units on purge" \
        grep -q "deb-systemd-helper purge .*'sockbroker.socket'" "$C/sockbroker/DEBIAN/postrm"
check "python3-sockbroker postinst: byte-compiles with py3compile" \
        grep -q 'py3compile -p python3-sockbroker' "$C/python3-sockbroker/DEBIAN/postinst"

finish
