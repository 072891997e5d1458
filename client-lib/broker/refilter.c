/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * refilter.c - a packet socket with the program's own filter after the
 * broker's confinement, in place of the one it replaces
 * (client-lib/broker/refilter.h).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/packet_diag.h>
#include <linux/sock_diag.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client-lib/broker/client.h"
#include "client-lib/broker/placeholder.h"
#include "client-lib/broker/refilter.h"
#include "client-lib/broker/spec.h"
#include "common/util.h"
#include "sockbroker/sockbroker.h"

#ifndef SO_LOCK_FILTER
#define SO_LOCK_FILTER 44
#endif

/* Memberships one socket may carry over; more is refused. */
#define REFILTER_MAX_MEMBERSHIPS 16u

const int sb_refilter_options[] = {
        SO_RCVBUF, SO_SNDBUF, SO_RCVLOWAT, SO_RCVTIMEO, SO_SNDTIMEO,
        SO_TIMESTAMP, SO_TIMESTAMPNS, SO_RXQ_OVFL, SO_PRIORITY, SO_BUSY_POLL,
};
const size_t sb_refilter_n_options = ELEMENTSOF(sb_refilter_options);

/* Integer SOL_PACKET options the kernel reports, in the order they are
 * set: PACKET_VNET_HDR, PACKET_VERSION and PACKET_RESERVE before a ring,
 * which freezes them. */
static const int packet_options[] = {
        PACKET_VNET_HDR, PACKET_VERSION, PACKET_RESERVE, PACKET_AUXDATA, PACKET_ORIGDEV,
        PACKET_TIMESTAMP, PACKET_QDISC_BYPASS, PACKET_LOSS, PACKET_IGNORE_OUTGOING,
};

bool sb_refilter_locked(int fd)
{
        int locked = 0, domain = 0;
        socklen_t a = sizeof(locked), b = sizeof(domain);

        return getsockopt(fd, SOL_SOCKET, SO_LOCK_FILTER, &locked, &a) == 0 && locked &&
               getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &b) == 0 && domain == AF_PACKET;
}

bool sb_refilter_has_own(const struct sock_filter *prog, size_t n)
{
        size_t pc = 0;

        /* Each test of the confinement: ld [SKF_AD_...]; jeq #k, 1, 0; ret #0. */
        while (pc + 3 <= n && prog[pc].code == (BPF_LD | BPF_W | BPF_ABS) &&
               prog[pc + 1].code == (BPF_JMP | BPF_JEQ | BPF_K) &&
               prog[pc + 2].code == (BPF_RET | BPF_K) && prog[pc + 2].k == 0)
                pc += 3;
        /* Then either "ret #-1", alone, or "ld #0; ldx #0" and the client's. */
        return pc + 2 < n && prog[pc].code == (BPF_LD | BPF_IMM) && prog[pc].k == 0 &&
               prog[pc + 1].code == (BPF_LDX | BPF_IMM) && prog[pc + 1].k == 0;
}

int sb_refilter_fd_has_own(int fd)
{
        struct sock_filter prog[SB_PROTO_MAX_FILTER + 8];
        socklen_t n = ELEMENTSOF(prog);

        /* SO_GET_FILTER counts in instructions. */
        if (getsockopt(fd, SOL_SOCKET, SO_GET_FILTER, prog, &n) < 0)
                return negative_errno();
        return sb_refilter_has_own(prog, n);
}

/* ---- what sock_diag says of the old socket ---------------------------------- */

struct packet_state {
        bool has_rx_ring, has_tx_ring;
        struct packet_diag_ring rx, tx;
        size_t n_mc;
        struct packet_diag_mclist mc[REFILTER_MAX_MEMBERSHIPS];
};

static int diag_parse(const struct nlmsghdr *h, struct packet_state *st)
{
        const struct packet_diag_msg *m = NLMSG_DATA(h);
        size_t left = h->nlmsg_len - NLMSG_LENGTH(sizeof(*m));
        const struct nlattr *a = (const struct nlattr *)((const char *)m + NLMSG_ALIGN(sizeof(*m)));

        while (left >= sizeof(*a) && a->nla_len >= sizeof(*a) && a->nla_len <= left) {
                const void *data = (const char *)a + NLA_HDRLEN;
                size_t len = a->nla_len - NLA_HDRLEN;

                switch (a->nla_type) {
                case PACKET_DIAG_RX_RING:
                case PACKET_DIAG_TX_RING:
                        if (len < sizeof(struct packet_diag_ring))
                                return -EBADMSG;
                        if (a->nla_type == PACKET_DIAG_RX_RING) {
                                memcpy(&st->rx, data, sizeof(st->rx));
                                st->has_rx_ring = true;
                        } else {
                                memcpy(&st->tx, data, sizeof(st->tx));
                                st->has_tx_ring = true;
                        }
                        break;
                case PACKET_DIAG_MCLIST:
                        if (len % sizeof(struct packet_diag_mclist) != 0 ||
                            len / sizeof(struct packet_diag_mclist) > REFILTER_MAX_MEMBERSHIPS)
                                return -E2BIG;
                        st->n_mc = len / sizeof(struct packet_diag_mclist);
                        memcpy(st->mc, data, len);
                        break;
                }
                if ((size_t)NLA_ALIGN(a->nla_len) >= left)
                        break;
                left -= (size_t)NLA_ALIGN(a->nla_len);
                a = (const struct nlattr *)((const char *)a + NLA_ALIGN(a->nla_len));
        }
        return 0;
}

/* Reads the rings and memberships of the packet socket with inode ino
 * in this network namespace; -ENOENT when it is not there. */
static int diag_read(uint32_t ino, struct packet_state *st)
{
        struct {
                struct nlmsghdr h;
                struct packet_diag_req r;
        } req = {
                .h = {
                        .nlmsg_len = sizeof(req),
                        .nlmsg_type = SOCK_DIAG_BY_FAMILY,
                        .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
                        .nlmsg_seq = 1,
                },
                .r = {
                        .sdiag_family = AF_PACKET,
                        .pdiag_ino = ino,
                        .pdiag_show = PACKET_SHOW_MCLIST | PACKET_SHOW_RING_CFG,
                },
        };
        _cleanup_close_ int nl = -1;
        long buf[8192 / sizeof(long)];
        bool found = false;
        int r = 0;

        nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
        if (nl < 0)
                return negative_errno();
        if (send(nl, &req, sizeof(req), 0) < 0)
                return negative_errno();
        for (;;) {
                ssize_t got = recv(nl, buf, sizeof(buf), 0);
                const struct nlmsghdr *h;
                int n = (int)got;

                if (got < 0)
                        return negative_errno();
                for (h = (const struct nlmsghdr *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
                        if (h->nlmsg_type == NLMSG_DONE)
                                return r < 0 ? r : found ? 0 : -ENOENT;
                        if (h->nlmsg_type == NLMSG_ERROR)
                                return -EIO;
                        if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
                            h->nlmsg_len < NLMSG_LENGTH(sizeof(struct packet_diag_msg)))
                                continue;
                        if (((const struct packet_diag_msg *)NLMSG_DATA(h))->pdiag_ino != ino || found)
                                continue;
                        found = true;
                        r = diag_parse(h, st);
                }
        }
}

/* ---- the mapping of the old socket's ring ---------------------------------- */

/* Whether line (NUL-terminated, one of /proc/self/maps) maps name;
 * then its range and protection. */
static bool maps_line(const char *line, const char *name, uintptr_t *start, uintptr_t *end,
                      int *prot)
{
        char perms[5];
        int off = 0;

        if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %4s %*s %*s %*s %n", start, end, perms,
                   &off) != 3 || off == 0 || strcmp(line + off, name) != 0)
                return false;
        *prot = (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0);
        return true;
}

/*
 * Where this process maps the socket with inode ino, from
 * /proc/self/maps, read with read(2) into a buffer on the stack: the
 * preload shim calls this, and allocates nothing. 0 for one mapping;
 * -ENOENT for none, -EBUSY for more.
 */
static int ring_mapping(uint64_t ino, uintptr_t *ret_start, size_t *ret_len, int *ret_prot)
{
        char buf[4096], name[64];
        _cleanup_close_ int fd = -1;
        size_t have = 0;
        int n = 0;

        snprintf(name, sizeof(name), "socket:[%" PRIu64 "]", ino);
        fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        for (;;) {
                ssize_t got = read(fd, buf + have, sizeof(buf) - 1 - have);
                char *line = buf, *nl;

                if (got < 0)
                        return negative_errno();
                have += (size_t)got;
                buf[have] = '\0';
                while ((nl = strchr(line, '\n'))) {
                        uintptr_t start, end;
                        int prot;

                        *nl = '\0';
                        if (maps_line(line, name, &start, &end, &prot)) {
                                *ret_start = start;
                                *ret_len = end - start;
                                *ret_prot = prot;
                                n++;
                        }
                        line = nl + 1;
                }
                /* A line longer than the buffer is a path, not a socket. */
                have = line == buf && have == sizeof(buf) - 1 ? 0 : have - (size_t)(line - buf);
                memmove(buf, line, have);
                if (got == 0)
                        break;
        }
        /* One mapping of the whole, as libpcap makes. */
        return n == 1 ? 0 : n == 0 ? -ENOENT : -EBUSY;
}

static int set_ring(int fd, int name, const struct packet_diag_ring *d)
{
        struct tpacket_req3 req = {
                .tp_block_size = d->pdr_block_size,
                .tp_block_nr = d->pdr_block_nr,
                .tp_frame_size = d->pdr_frame_size,
                .tp_frame_nr = d->pdr_frame_nr,
                .tp_retire_blk_tov = d->pdr_retire_tmo,
                .tp_sizeof_priv = d->pdr_sizeof_priv,
                .tp_feature_req_word = d->pdr_features,
        };

        return setsockopt(fd, SOL_PACKET, name, &req, sizeof(req)) < 0 ? negative_errno() : 0;
}

/* ---- carrying the old socket's state over ----------------------------------- */

_printf_(3, 4)
static int fail_why(char *why, size_t size, const char *fmt, ...)
{
        int e = errno;
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(why, size, fmt, ap);
        va_end(ap);
        return e > 0 ? -e : -EIO;
}

/* Sets on `to` each SOL_SOCKET option of sb_refilter_options whose value
 * on `from` differs from that on `fresh`, a socket of from's kind as
 * the kernel makes it. */
static int carry_socket_options(int from, int to, int fresh, char *why, size_t why_size)
{
        for (size_t i = 0; i < sb_refilter_n_options; i++) {
                int name = sb_refilter_options[i];
                unsigned char a[32], b[32];
                socklen_t la = sizeof(a), lb = sizeof(b);
                int v;

                if (getsockopt(from, SOL_SOCKET, name, a, &la) < 0 ||
                    getsockopt(fresh, SOL_SOCKET, name, b, &lb) < 0 ||
                    (la == lb && memcmp(a, b, la) == 0))
                        continue;
                /* The kernel doubles buffer sizes as they are set. */
                if ((name == SO_RCVBUF || name == SO_SNDBUF) && la == sizeof(v)) {
                        memcpy(&v, a, sizeof(v));
                        v /= 2;
                        memcpy(a, &v, sizeof(v));
                }
                if (setsockopt(to, SOL_SOCKET, name, a, la) < 0)
                        return fail_why(why, why_size, "SOL_SOCKET option %d: %m", name);
        }
        return 0;
}

static int carry_options(int from, int to, char *why, size_t why_size)
{
        for (size_t i = 0; i < ELEMENTSOF(packet_options); i++) {
                int a = 0, b = 0;
                socklen_t la = sizeof(a), lb = sizeof(b);

                if (getsockopt(from, SOL_PACKET, packet_options[i], &a, &la) < 0 ||
                    getsockopt(to, SOL_PACKET, packet_options[i], &b, &lb) < 0 || a == b)
                        continue;
                if (setsockopt(to, SOL_PACKET, packet_options[i], &a, sizeof(a)) < 0)
                        return fail_why(why, why_size, "SOL_PACKET option %d: %m", packet_options[i]);
        }
        return carry_socket_options(from, to, to, why, why_size);
}

static int carry_memberships(const struct packet_state *st, int to, char *why, size_t why_size)
{
        for (size_t i = 0; i < st->n_mc; i++) {
                const struct packet_diag_mclist *m = &st->mc[i];
                struct {
                        int ifindex;
                        unsigned short type, alen;
                        unsigned char address[32];
                } mreq = {
                        .ifindex = (int)m->pdmc_index,
                        .type = m->pdmc_type,
                        .alen = m->pdmc_alen,
                };

                if (m->pdmc_alen > sizeof(mreq.address))
                        return fail_why(why, why_size, "a membership of %u address bytes",
                                        m->pdmc_alen);
                memcpy(mreq.address, m->pdmc_addr, m->pdmc_alen);
                /* Each addition counts; the kernel keeps the count. */
                for (uint32_t k = 0; k < m->pdmc_count && k < 64; k++)
                        if (setsockopt(to, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mreq, sizeof(mreq)) < 0)
                                return fail_why(why, why_size, "membership of interface %u: %m",
                                                m->pdmc_index);
        }
        return 0;
}

/* Sets up st's rings on `to` and maps them where this process maps the
 * old socket's; sb_refilter_open() has refused a ring it may not move. */
static int carry_rings(const struct packet_state *st, uint64_t ino, int to, char *why,
                       size_t why_size)
{
        uintptr_t start = 0;
        size_t len = 0, want = 0;
        int prot = 0, r;

        if (!st->has_rx_ring && !st->has_tx_ring)
                return 0;
        if (st->has_rx_ring)
                want += (size_t)st->rx.pdr_block_size * st->rx.pdr_block_nr;
        if (st->has_tx_ring)
                want += (size_t)st->tx.pdr_block_size * st->tx.pdr_block_nr;
        r = ring_mapping(ino, &start, &len, &prot);
        if (r < 0 || len != want) {
                snprintf(why, why_size, "the socket's ring is not mapped once, whole");
                return r < 0 ? r : -EBUSY;
        }
        if (st->has_rx_ring && set_ring(to, PACKET_RX_RING, &st->rx) < 0)
                return fail_why(why, why_size, "the receive ring: %m");
        if (st->has_tx_ring && set_ring(to, PACKET_TX_RING, &st->tx) < 0)
                return fail_why(why, why_size, "the transmit ring: %m");
        /* The program's pointers into the ring stay valid: the new ring
         * is mapped where the old one was, and the old mapping goes. */
        if (mmap((void *)start, len, prot, MAP_SHARED | MAP_FIXED, to, 0) == MAP_FAILED)
                return fail_why(why, why_size, "mapping the new ring: %m");
        return 0;
}

int sb_refilter_open(int fd, const struct sock_filter *filter, size_t n, bool move_ring,
                     char *why, size_t why_size)
{
        struct sockaddr_ll ll = {};
        socklen_t len = sizeof(ll);
        struct packet_state st = {};
        char ifname[IF_NAMESIZE] = "";
        _cleanup_close_ int to = -1;
        struct sb_spec spec;
        struct stat sb;
        int type = 0, fl, r;
        socklen_t tlen = sizeof(type);

        why[0] = '\0';
        if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) < 0 ||
            getsockname(fd, (struct sockaddr *)&ll, &len) < 0 || fstat(fd, &sb) < 0)
                return negative_errno();
        if (ll.sll_family != AF_PACKET)
                return -ENOTSUP;
        if (ll.sll_ifindex > 0 && !if_indextoname((unsigned)ll.sll_ifindex, ifname))
                return fail_why(why, why_size, "the socket's interface %d: %m", ll.sll_ifindex);

        /* What the program set: the rings and memberships, which only
         * sock_diag reports, in this network namespace. */
        r = diag_read((uint32_t)sb.st_ino, &st);
        if (r < 0) {
                snprintf(why, why_size, "sock_diag does not report the socket (%s): it is not "
                         "of this network namespace", strerror(-r));
                return -EBUSY;
        }
        if ((st.has_rx_ring || st.has_tx_ring) && !move_ring) {
                snprintf(why, why_size, "the socket has a ring, which cannot be moved from "
                         "outside the program");
                return -EBUSY;
        }

        r = sb_spec_from_socket(AF_PACKET, type, ll.sll_protocol, ifname[0] ? ifname : NULL, &spec);
        if (r < 0)
                return r;
        fl = fcntl(fd, F_GETFL);
        to = sb_client_open_filter(&spec, fl >= 0 && (fl & O_NONBLOCK) ? SOCK_NONBLOCK : 0,
                                   filter, n);
        if (to < 0)
                return to;

        r = carry_options(fd, to, why, why_size);
        if (r >= 0)
                r = carry_memberships(&st, to, why, why_size);
        if (r >= 0)
                r = carry_rings(&st, sb.st_ino, to, why, why_size);
        if (r < 0)
                return r;
        return TAKE_FD(to);
}

int sb_refilter_replace(int fd, const struct sock_filter *filter, size_t n, char *why,
                        size_t why_size)
{
        _cleanup_close_ int to = -1;
        int fdflags;

        fdflags = fcntl(fd, F_GETFD);
        if (fdflags < 0)
                return negative_errno();
        to = sb_refilter_open(fd, filter, n, true, why, why_size);
        if (to < 0)
                return to;
        if (dup3(to, fd, (fdflags & FD_CLOEXEC) ? O_CLOEXEC : 0) < 0)
                return fail_why(why, why_size, "dup3: %m");
        return 0;
}

/* ---- placeholders ------------------------------------------------------------ */

static int socket_identity(int fd, uint64_t *ret_dev, uint64_t *ret_ino)
{
        struct stat st;

        if (fstat(fd, &st) < 0)
                return negative_errno();
        *ret_dev = st.st_dev;
        *ret_ino = st.st_ino;
        return 0;
}

int sb_placeholder_new(struct sb_placeholders *t, const struct sb_spec *spec, int type)
{
        static const char mark[] = "; allowed on: ";
        const char *on = strstr(sb_broker_message(), mark);
        struct sb_placeholder *p;
        _cleanup_close_ int fd = -1;
        uint64_t dev, ino;
        int r;

        /* No rule allows the user such a socket on any address: no
         * bind() would be granted either. */
        if (!on)
                return -EPERM;
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | (type & SOCK_NONBLOCK), 0);
        if (fd < 0)
                return negative_errno();
        (void)shutdown(fd, SHUT_RDWR);
        r = socket_identity(fd, &dev, &ino);
        if (r < 0)
                return r;
        p = sb_placeholder_add(t, dev, ino, spec->family, spec->type, (uint16_t)spec->protocol);
        snprintf(p->allowed_on, sizeof(p->allowed_on), "%s", on + strlen(mark));
        return TAKE_FD(fd);
}

struct sb_placeholder *sb_placeholder_of(struct sb_placeholders *t, int fd)
{
        uint64_t dev, ino;

        if (socket_identity(fd, &dev, &ino) < 0)
                return NULL;
        return sb_placeholder_find(t, dev, ino);
}

/*
 * Moves what the program set on `from` onto `to`, the socket that
 * replaces it: placeholder p's held SOL_PACKET options in order, then
 * each SOL_SOCKET option of sb_refilter_options whose value differs from
 * that of a fresh socket of from's kind. (A filter went with the request
 * for `to`.)
 */
static int placeholder_replay(const struct sb_placeholder *p, int from, int to, char *why,
                              size_t why_size)
{
        _cleanup_close_ int fresh = -1;
        int family = AF_UNIX, type = SOCK_DGRAM, protocol = 0;
        socklen_t len = sizeof(int);

        for (unsigned i = 0; p && i < p->n_options; i++) {
                const struct sb_held_option *o = &p->options[i];

                if (setsockopt(to, SOL_PACKET, o->name, o->value, o->len) < 0)
                        return fail_why(why, why_size, "SOL_PACKET option %d set before bind(): %m",
                                        o->name);
        }
        if (!p && (getsockopt(from, SOL_SOCKET, SO_DOMAIN, &family, &len) < 0 ||
                   getsockopt(from, SOL_SOCKET, SO_TYPE, &type, &len) < 0 ||
                   getsockopt(from, SOL_SOCKET, SO_PROTOCOL, &protocol, &len) < 0))
                return fail_why(why, why_size, "the socket's kind: %m");
        fresh = socket(family, type | SOCK_CLOEXEC, protocol);
        if (fresh < 0)
                return fail_why(why, why_size, "a socket of its kind to compare with: %m");
        return carry_socket_options(from, to, fresh, why, why_size);
}

/* The broker's socket of spec, with filter, and what the program set on
 * fd moved onto it. */
static int placeholder_grant(const struct sb_placeholder *p, int fd, const struct sb_spec *spec,
                             const struct sock_filter *filter, size_t n_filter, char *why,
                             size_t why_size)
{
        _cleanup_close_ int granted = -1;
        int fl, r;

        why[0] = '\0';
        fl = fcntl(fd, F_GETFL);
        granted = sb_client_open_filter(spec, fl >= 0 && (fl & O_NONBLOCK) ? SOCK_NONBLOCK : 0,
                                        filter, n_filter);
        if (granted < 0)
                return granted;
        r = placeholder_replay(p, fd, granted, why, why_size);
        if (r < 0)
                return r;
        return TAKE_FD(granted);
}

int sb_placeholder_open(const struct sb_placeholder *p, int fd, const struct sockaddr_ll *ll,
                        char *call, size_t call_size, char *why, size_t why_size)
{
        struct sock_filter filter[SB_PROTO_MAX_FILTER];
        socklen_t n_filter = ELEMENTSOF(filter);
        char ifname[IF_NAMESIZE], what[SB_SPEC_MAX];
        struct sb_spec spec;

        why[0] = '\0';
        snprintf(call, call_size, "bind(packet)");
        if (ll->sll_ifindex <= 0 || !if_indextoname((unsigned)ll->sll_ifindex, ifname)) {
                snprintf(why, why_size, "%s; the broker grants this user packet sockets only on "
                         "an interface that bind() names%s%s",
                         ll->sll_ifindex == 0 ? "every interface" : "no such interface",
                         p->allowed_on[0] ? ", and the policy allows them on: " : "", p->allowed_on);
                return ll->sll_ifindex == 0 ? -EPERM : -ENODEV;
        }
        (void)sb_spec_from_socket(AF_PACKET, p->type,
                                  htons(ll->sll_protocol ? ntohs(ll->sll_protocol) : p->protocol),
                                  ifname, &spec);
        if (sb_spec_format(&spec, what, sizeof(what)) < 0)
                snprintf(what, sizeof(what), "packet@%s", ifname);
        snprintf(call, call_size, "bind(%s)", what);

        /* A filter the program attached to the placeholder goes after
         * the broker's confinement (SO_GET_FILTER counts instructions). */
        if (getsockopt(fd, SOL_SOCKET, SO_GET_FILTER, filter, &n_filter) < 0)
                n_filter = 0;
        return placeholder_grant(p, fd, &spec, filter, n_filter, why, why_size);
}

int sb_placeholder_open_spec(const struct sb_placeholder *p, int fd, const struct sb_spec *spec,
                             char *why, size_t why_size)
{
        return placeholder_grant(p, fd, spec, NULL, 0, why, why_size);
}
