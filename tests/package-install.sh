#!/bin/bash
# package-install.sh DIR - installs the Debian packages in DIR (the .deb
# files debian/ builds) as an administrator would, in a container booted
# with this system's own systemd over a throw-away overlay of /, and
# checks them in use:
#   - apt-get install ./*.deb creates the users and starts both sockets;
#   - the policy.conf shipped grants nothing, and the example policy,
#     checked and loaded with systemctl reload, gives uid 65534 its
#     sockets: through the tool, the Python module, a C program built
#     against libsockbroker-dev, and `sockbroker run`;
#   - sockbroker status reads the daemon;
#   - apt-get purge stops everything and leaves nothing behind but the
#     two system users, which Debian policy keeps.
#
#   dpkg-buildpackage -us -uc -b && abs_top_srcdir=$PWD tests/package-install.sh ..
set -u
. "${abs_top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

dir=${1:-}
[ -n "$dir" ] && [ -d "$dir" ] || { echo "usage: package-install.sh DIR (the directory of the .deb files)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || skip_all "needs root (a container)"
why=$(nspawn_unavailable)
[ -z "$why" ] || skip_all "$why"

T=$(mktemp -d /tmp/sockbroker-package.XXXXXX)
chmod 0755 "$T"
NSPID=
cleanup() {
        [ -n "$NSPID" ] && kill "$NSPID" 2>/dev/null && wait "$NSPID" 2>/dev/null
        nspawn_cgroups_clean
        rm -rf "$T"
}
trap cleanup EXIT

mkdir -p "$T/debs" "$T/results" "$T/units"
for p in sockbroker libsockbroker0 libsockbroker-dev python3-sockbroker; do
        shopt -s nullglob
        found=("$dir/${p}_"*.deb)
        shopt -u nullglob
        [ "${#found[@]}" -eq 1 ] || skip_all "no single ${p}_*.deb in $dir (found ${#found[@]})"
        cp "${found[0]}" "$T/debs/"
done
chmod -R a+rX "$T/debs"

cat >"$T/units/sbpackage.service" <<'EOF'
[Unit]
Description=sockbroker package checks
After=multi-user.target

[Service]
Type=oneshot
ExecStart=/bin/bash /results/check.sh
ExecStopPost=/bin/systemctl --no-block poweroff
EOF

cat >"$T/results/check.sh" <<'EOF'
# Runs inside the container; one "ok"/"not ok" line per check.
exec >/results/out.txt 2>&1
echo booted
export DEBIAN_FRONTEND=noninteractive
pkgs="sockbroker libsockbroker0 libsockbroker-dev python3-sockbroker"
t() { local d=$1; shift; if "$@" >/results/last.txt 2>&1; then echo "ok - $d"; else echo "not ok - $d"; sed 's/^/# /' /results/last.txt | tail -n 5; fi; }
wait_for() { local i; for i in $(seq 100); do "$@" && return 0; sleep 0.1; done; return 1; }
nobody() { setpriv --reuid=65534 --regid=65534 --init-groups "$@"; }
# Every path on the root file system but the package manager's own
# state, logs and caches.
paths() {
        find / -xdev \( -path /var/lib/dpkg -o -path /var/lib/apt -o -path /var/lib/PackageKit -o -path /var/cache \
                -o -path /var/log -o -path /var/lib/systemd -o -path /var/tmp \) -prune -o -print | sort
}
ip link set lo up
# This system's test setup made the daemon's users; the package makes
# its own.
userdel sockbroker 2>/dev/null
userdel sockbroker-opener 2>/dev/null
paths >/results/before.txt

t "apt-get install ./*.deb" apt-get install -y -q --no-install-recommends /debs/*.deb
t "dpkg: the four packages are installed" \
        test "$(dpkg-query -W -f='${db:Status-Status} ' $pkgs)" = "installed installed installed installed "
t "postinst: the users sockbroker and sockbroker-opener exist" \
        getent passwd sockbroker sockbroker-opener
t "sockbroker.socket and sockbroker-opener.socket are enabled" \
        test "$(systemctl is-enabled sockbroker.socket sockbroker-opener.socket | xargs)" = "enabled enabled"
t "sockbroker.socket and sockbroker-opener.socket are listening" \
        test "$(systemctl is-active sockbroker.socket sockbroker-opener.socket | xargs)" = "active active"
t "/run/sockbroker/sockbroker.sock is a socket, mode 0666" \
        test "$(stat -c '%F %a' /run/sockbroker/sockbroker.sock)" = "socket 666"
t "the shipped policy.conf passes sockbroker check" sockbroker check /etc/sockbroker/policy.conf
out=$(nobody sockbroker open inet/raw/icmp -- true 2>&1)
echo "# $out"
t "as shipped, uid 65534 is refused a raw ICMP socket" grep -q denied <<<"$out"
t "the first client started sockbroker.service" systemctl is-active sockbroker.service
t "sockbroker status as root: generation 1, no rule" bash -c 'sockbroker status | grep -q "generation 1, 0 rules"'

# The shipped policy needs no capability, so the opener kept none; the
# example's rules need CAP_NET_RAW, CAP_NET_ADMIN and CAP_SYS_ADMIN. The
# reload makes the opener restart with them; the broker stays.
M=$(systemctl show -p MainPID --value sockbroker.service)
O=$(systemctl show -p MainPID --value sockbroker-opener.service)
cp /usr/share/doc/sockbroker/examples/example.conf /etc/sockbroker/policy.conf
t "the example policy passes sockbroker check" sockbroker check /etc/sockbroker/policy.conf
t "systemctl reload sockbroker.service" systemctl reload sockbroker.service
serving() { sockbroker status 2>/dev/null | grep -Eq "generation $1, $2 rules"; }
t "a reload that needs capabilities restarts the opener: the example's 2 rules are served" \
        wait_for serving 1 2
t "... by a new opener" test "$(systemctl show -p MainPID --value sockbroker-opener.service)" != "$O"
t "... and the same broker" test "$(systemctl show -p MainPID --value sockbroker.service)" = "$M"
journalctl -u sockbroker.service -u sockbroker-opener.service --no-pager |
        grep -E 'capabilities|restart' | tail -n 4 | sed 's/^/# /'
t "sockbroker open: uid 65534 (group nogroup) gets a raw ICMP socket" \
        nobody sockbroker open inet/raw/icmp -- python3 -c '
import socket
s = socket.socket(fileno=3)
assert (s.family, s.type, s.proto) == (socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP), s'
t "python3-sockbroker: uid 65534 gets an AF_PACKET socket, a socket.socket" \
        nobody python3 -c '
import socket, sockbroker
s = sockbroker.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
assert isinstance(s, socket.socket) and s.family == socket.AF_PACKET, s'
cat >/tmp/sbopen.c <<'C'
#include <stdio.h>
#include <unistd.h>
#include <sockbroker/sockbroker.h>
int main(void)
{
        int fd = sb_open("inet/raw/icmp", 0);
        if (fd < 0) {
                perror("sb_open");
                return 1;
        }
        close(fd);
        return 0;
}
C
t "libsockbroker-dev: a program built with pkg-config's flags" \
        bash -c 'gcc -o /tmp/sbopen /tmp/sbopen.c $(pkg-config --cflags --libs libsockbroker) && chmod 0755 /tmp/sbopen'
t "... gets a raw ICMP socket as uid 65534" nobody /tmp/sbopen
t "sockbroker run: an unmodified python3 gets a raw ICMP socket as uid 65534" \
        nobody sockbroker run -- python3 -c '
import socket
socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)'
t "sockbroker run --mode=preload: the packaged preload module serves" \
        nobody sockbroker run --mode=preload -- python3 -c '
import socket
socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)'
rm -f /tmp/sbopen /tmp/sbopen.c

# A reload that needs no new capability is one, in place; a bad one
# keeps the old policy.
M=$(systemctl show -p MainPID --value sockbroker.service)
mkdir -p /etc/sockbroker/policy.d
echo 'allow uid=65534 inet6 raw proto=ipv6-icmp' >/etc/sockbroker/policy.d/local.conf
t "a drop-in: systemctl reload" systemctl reload sockbroker.service
t "... loads it in place: generation 2, 3 rules" wait_for serving 2 3
t "... in the same broker" test "$(systemctl show -p MainPID --value sockbroker.service)" = "$M"
echo 'allow uid=65534 inet6 raw bogus=1' >/etc/sockbroker/policy.d/local.conf
t "a bad drop-in: sockbroker check refuses it" bash -c '! sockbroker check /etc/sockbroker/policy.conf'
systemctl reload sockbroker.service
t "... and the reload keeps generation 2" \
        wait_for bash -c 'journalctl -u sockbroker.service --no-pager | grep -q "reload failed; still serving policy generation 2"'
t "... which still serves" serving 2 3
rm /etc/sockbroker/policy.d/local.conf
journalctl -u sockbroker.service -u sockbroker-opener.service --no-pager | tail -n 20 | sed 's/^/# /'

t "apt-get purge" apt-get purge -y -q $pkgs
t "dpkg: nothing of the four packages is left" \
        bash -c "! dpkg-query -W -f='\${db:Status-Status}\n' $pkgs 2>/dev/null | grep -qv '^not-installed$'"
t "no sockbroker process runs" bash -c '! pgrep "^sockbroker(d|-open)"'
t "no sockbroker unit is loaded" \
        bash -c '! systemctl list-units --all --plain --no-legend "sockbroker*" | grep -q .'
t "/run/sockbroker holds no socket" bash -c '! find /run/sockbroker -type s 2>/dev/null | grep -q .'
paths >/results/after.txt
# Only what the container wrote counts: the host below the overlay
# may change meanwhile.
comm -13 /results/before.txt /results/after.txt | while IFS= read -r p; do
        [ -e "/run/overlay-upper$p" ] || [ -L "/run/overlay-upper$p" ] && printf '%s\n' "$p"
done >/results/left.txt
sed 's/^/# left: /' /results/left.txt | head -n 20
t "purge leaves no file or directory behind" test ! -s /results/left.txt
t "the users stay, as Debian policy says" getent passwd sockbroker sockbroker-opener
echo done
EOF

nspawn_boot "$T" 300 '
        mkdir -p "$R/etc/systemd/system/multi-user.target.wants"
        cp "'"$T"'/units/sbpackage.service" "$R/etc/systemd/system/"
        ln -s ../sbpackage.service "$R/etc/systemd/system/multi-user.target.wants/"
        # What this system has installed of sockbroker, if anything, is
        # not the package.
        rm -rf "$R/etc/sockbroker"
        # A container image may forbid maintainer scripts to start
        # services (policy-rc.d exits 101); a booted Debian does not.
        rm -f "$R/usr/sbin/policy-rc.d"
' --bind="$T/results:/results" --bind-ro="$T/debs:/debs"
nspawn_results "$T" package "$T/results/out.txt"
NSPID=
finish
