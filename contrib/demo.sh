#!/bin/bash
# demo.sh - installs what is missing, builds, and shows sockbroker at work:
# sockbrokerd runs with the shipped example policy, and the unprivileged
# user "nobody" gets a raw ICMP socket from it and pings 127.0.0.1 with
# an unmodified python3, with no setcap anywhere. Run as root.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/contrib/hand-back.sh"
trap 'hand_back "$top"' EXIT
"$top/contrib/install-deps.sh"
(cd "$top" && ./autogen.sh >/dev/null 2>&1)
mkdir -p "$top/build"
(cd "$top/build" && { [ -f Makefile ] || "$top/configure" -q; } && make -s -j"$(nproc)")

demo=$(mktemp -d /tmp/sockbroker-demo.XXXXXX)
chmod 0755 "$demo"
daemon=
trap '[ -n "$daemon" ] && kill "$daemon" 2>/dev/null; rm -rf "$demo"; hand_back "$top"' EXIT
install -m 0644 "$top/policy/example.conf" "$demo/policy.conf"
install -m 0755 "$top/build/sockbroker" "$demo/sockbroker"

say() { printf '\n\033[1m%s\033[0m\n' "$*"; }

say "1. The example policy (policy/example.conf), active rules:"
grep -v -e '^#' -e '^$' "$demo/policy.conf"

say "2. sockbrokerd starts: an unprivileged broker and a privileged opener."
SOCKBROKER_OPENER="$top/build/sockbroker-opener" "$top/build/sockbrokerd" -p "$demo/policy.conf" -d "$demo/policy.d" -s "$demo/sock" 2>"$demo/log" &
daemon=$!
for _ in $(seq 100); do grep -q 'ready:' "$demo/log" && break; sleep 0.05; done
cat "$demo/log"
ps -o pid,user,args --ppid "$daemon" --pid "$daemon" | sed 's/^/   /'

as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups env SOCKBROKER_SOCKET="$demo/sock" "$@"; }

say "3. Without the broker, nobody cannot open a raw socket:"
as_nobody /usr/bin/python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)' 2>&1 |
        tail -n1 || true

say "4. With it, an unmodified python3 gets the socket as fd 3 and pings 127.0.0.1:"
as_nobody "$demo/sockbroker" open inet/raw/icmp -- /usr/bin/python3 -c '
import os, socket, struct
s = socket.socket(fileno=3)
print("   got", s, "as uid", os.getuid())
def csum(b):
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    t = (t >> 16) + (t & 0xffff)
    return ~(t + (t >> 16)) & 0xffff
body = b"sockbroker demo!"
pkt = struct.pack("!BBHHH", 8, 0, 0, 0x5b, 1) + body
pkt = pkt[:2] + struct.pack("!H", csum(pkt)) + pkt[4:]
s.sendto(pkt, ("127.0.0.1", 0))
s.settimeout(3)
while True:
    data = s.recv(1500)
    ihl = (data[0] & 15) * 4
    if data[ihl] == 0:
        print("   echo reply from 127.0.0.1:", data[ihl + 8:].decode())
        break
'

say "5. What the policy does not allow is refused, with the reason:"
as_nobody "$demo/sockbroker" open inet6/raw/ipv6-icmp || true

say "6. The broker's log, one line per decision:"
grep decision= "$demo/log" | sed 's/^/   /'
