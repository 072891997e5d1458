/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sbhostile - a hostile client of sockbrokerd, for the integration tests.
 *
 * `sbhostile cases FIRST COUNT` runs part of a table of bad requests.
 * Each case goes out on a connection of its own and says exactly what the
 * daemon must do with it: answer with an errno and a message that starts
 * so, grant, or close the connection. After it, the same connection must
 * still serve a good request (unless it was to be closed), and a
 * well-behaved client on a connection of its own must be served. One line
 * per case, "ok - ..." or "not ok - ...", for tests/integration/hostile.sh
 * to number; a case the daemon is known to answer wrongly today carries a
 * TAP "# TODO" naming the defect, unless --strict.
 *
 * `sbhostile grants SECONDS MAX` is that well-behaved client alone, in a
 * loop, with the latency of its grants.
 *
 * The other commands are the pieces tests/integration/attacks.sh mounts
 * its attacks with: holding connections, churning them, pipelining
 * requests, flooding the log, hanging up early, and sending a socket of
 * another network namespace. Each is bounded in time and count.
 *
 * Well-formed parts are encoded with protobuf-c; malformed ones are byte
 * strings written here, since no encoder would produce them.
 */
#include "config.h"

#include <errno.h>
#include <linux/filter.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "client-lib/broker/client.h"
#include "common/fdmsg.h"
#include "common/util.h"
#include "proto/protocol.h"
#include "sockbroker/sockbroker.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

/* How long any answer of the daemon may take. */
#define REPLY_TIMEOUT_MS 5000
/* The id of the good request that follows each case on its connection. */
#define PROBE_ID 0x50be5u
/* The most descriptors one message can carry (the kernel's SCM_MAX_FD). */
#define MAX_SEND_FDS 253u
/* The largest message a case sends. */
#define MAX_SEND 65536u

/* The well-behaved client's request, through libsockbroker. */
#define WELL_BEHAVED_SPEC "inet/raw/icmp"
/* The table's own good request: raw Open of inet/raw/udp, which the test
 * policy allows with netns=host, so it needs no descriptor. */
#define GOOD_FAMILY AF_INET
#define GOOD_TYPE SOCK_RAW
#define GOOD_PROTOCOL 17

#define BAD "bad request:"
#define UNSUPPORTED "unsupported:"

static bool strict;
static const char *log_path;

static uint64_t now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static const char *errno_name(int e)
{
        const char *s = e > 0 ? strerrorname_np(e) : NULL;

        return s ? s : e == 0 ? "0" : "?";
}

/* ---- connections and answers ---------------------------------------------- */

static int broker_connect(void)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        struct timeval tv = { .tv_sec = REPLY_TIMEOUT_MS / 1000 };
        int fd;

        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sb_client_socket_path());
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -1;
        /* Sends block at most this long; reads are polled. */
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                safe_close(fd);
                return -1;
        }
        return fd;
}

enum answer_kind {
        ANSWER_REPLY,
        ANSWER_CLOSED,           /* end of stream, or reset */
        ANSWER_TIMEOUT,
        ANSWER_BAD,              /* a reply that does not decode, or a failed read */
};

struct answer {
        enum answer_kind kind;
        int error;
        uint32_t id;
        unsigned n_fds;
        int fd;                  /* the granted socket, or -1 */
        char message[SB_PROTO_MAX_REASON];
};

static void answer_done(struct answer *a)
{
        a->fd = safe_close(a->fd);
}

/* Reads the daemon's next answer on sock, waiting at most timeout_ms. */
static void answer_read(int sock, int timeout_ms, struct answer *a)
{
        uint8_t buf[SB_PROTO_MAX_MESSAGE];
        struct pollfd pfd = { .fd = sock, .events = POLLIN };
        char why[SB_PROTO_MAX_REASON];
        int fds[FDMSG_MAX_FDS];
        SbReply *r = NULL;
        size_t n_fds;
        ssize_t n;

        *a = (struct answer) { .kind = ANSWER_BAD, .fd = -1 };
        if (poll(&pfd, 1, timeout_ms) <= 0) {
                a->kind = ANSWER_TIMEOUT;
                return;
        }
        n = fdmsg_recv(sock, buf, sizeof(buf), fds, FDMSG_MAX_FDS, &n_fds, MSG_DONTWAIT);
        if (n == 0 || n == -ECONNRESET) {
                a->kind = ANSWER_CLOSED;
                return;
        }
        if (n < 0) {
                snprintf(a->message, sizeof(a->message), "read failed: %s", strerror((int)-n));
                return;
        }
        if (sb_proto_reply_decode(buf, (size_t)n, n_fds, &r, why, sizeof(why)) < 0) {
                fdmsg_close_all(fds, n_fds);
                snprintf(a->message, sizeof(a->message), "undecodable reply: %s", why);
                return;
        }
        a->kind = ANSWER_REPLY;
        a->error = r->has_error ? r->error : 0;
        a->id = r->has_id ? r->id : 0;
        a->n_fds = (unsigned)n_fds;
        a->fd = n_fds > 0 ? fds[0] : -1;
        for (size_t i = 1; i < n_fds; i++)
                safe_close(fds[i]);
        snprintf(a->message, sizeof(a->message), "%s", r->message ?: "");
        sb_proto_reply_free(r);
}

static void answer_describe(const struct answer *a, char *buf, size_t size)
{
        switch (a->kind) {
        case ANSWER_REPLY:
                snprintf(buf, size, "%s, %u fd(s), id %" PRIu32 ", \"%s\"", errno_name(a->error),
                         a->n_fds, a->id, a->message);
                break;
        case ANSWER_CLOSED:
                snprintf(buf, size, "the connection was closed");
                break;
        case ANSWER_TIMEOUT:
                snprintf(buf, size, "no answer in %d ms", REPLY_TIMEOUT_MS);
                break;
        case ANSWER_BAD:
                snprintf(buf, size, "%s", a->message);
                break;
        }
}

/* Sends len bytes with n_fds descriptors, up to MAX_SEND_FDS: more than
 * fdmsg_send() would ever send. */
static int send_with_fds(int sock, const void *buf, size_t len, const int *fds, size_t n_fds)
{
        static union {
                struct cmsghdr align;
                char buf[CMSG_SPACE(sizeof(int) * MAX_SEND_FDS)];
        } control;
        struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

        if (n_fds > MAX_SEND_FDS)
                return -EINVAL;
        if (n_fds > 0) {
                struct cmsghdr *c;

                memset(&control, 0, sizeof(control));
                mh.msg_control = control.buf;
                mh.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
                c = CMSG_FIRSTHDR(&mh);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
                memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
        }
        return sendmsg(sock, &mh, MSG_NOSIGNAL) < 0 ? negative_errno() : 0;
}

/* ---- requests ---------------------------------------------------------- */

/* The parts of a request, wired together by req_init(); a case's build
 * function picks an operation and changes what it needs. */
struct req {
        SbRequest r;
        Sockbroker__Open open;
        Sockbroker__Bind bind;
        Sockbroker__SetOption setopt;
        Sockbroker__LinkConfig link;
        Sockbroker__HciCommand hci;
        Sockbroker__Status status;
        Sockbroker__Address addr;
        Sockbroker__PacketAddress packet;
        Sockbroker__InetAddress inet;
        Sockbroker__BluetoothAddress bt;
        uint8_t data[512];       /* what bytes fields point to */
        char name[512];          /* what string fields point to */
};

enum fd_kind {
        FD_NONE,
        FD_TCP,
        FD_UDP,
        FD_UNIX,                 /* a socket of the wrong family */
        FD_PIPE,
        FD_DEVNULL,
        FD_MEMFD,
        FD_OPATH,
        FD_EPOLL,
        FD_CONN,                 /* the connection the request goes on */
};

/* What goes on the wire for one case. */
struct msg {
        uint8_t buf[MAX_SEND];
        size_t len;
        bool done;               /* set by the build function: send as it is */
        enum fd_kind fd_kind;
        unsigned n_fds;
};

/* A string field of this form goes out with its \x01 as a NUL: protobuf-c
 * packs strings with strlen(), so the NUL is put in after packing. */
#define NUL_MARK "lo\x01"

static void req_init(struct req *q, uint32_t id)
{
        memset(q, 0, sizeof(*q));
        q->r = (SbRequest) SOCKBROKER__REQUEST__INIT;
        q->open = (Sockbroker__Open) SOCKBROKER__OPEN__INIT;
        q->bind = (Sockbroker__Bind) SOCKBROKER__BIND__INIT;
        q->setopt = (Sockbroker__SetOption) SOCKBROKER__SET_OPTION__INIT;
        q->link = (Sockbroker__LinkConfig) SOCKBROKER__LINK_CONFIG__INIT;
        q->hci = (Sockbroker__HciCommand) SOCKBROKER__HCI_COMMAND__INIT;
        q->status = (Sockbroker__Status) SOCKBROKER__STATUS__INIT;
        q->addr = (Sockbroker__Address) SOCKBROKER__ADDRESS__INIT;
        q->packet = (Sockbroker__PacketAddress) SOCKBROKER__PACKET_ADDRESS__INIT;
        q->inet = (Sockbroker__InetAddress) SOCKBROKER__INET_ADDRESS__INIT;
        q->bt = (Sockbroker__BluetoothAddress) SOCKBROKER__BLUETOOTH_ADDRESS__INIT;
        q->r.has_version = q->r.has_id = true;
        q->r.version = SB_PROTO_VERSION;
        q->r.id = id;
}

static void msg_put(struct msg *m, const void *p, size_t n)
{
        if (n > sizeof(m->buf) - m->len)
                n = sizeof(m->buf) - m->len;
        memcpy(m->buf + m->len, p, n);
        m->len += n;
        m->done = true;
}

static void msg_put_varint(struct msg *m, uint64_t v)
{
        uint8_t b[10];
        size_t n = 0;

        do {
                b[n] = (uint8_t)(v & 0x7f);
                v >>= 7;
                if (v)
                        b[n] |= 0x80;
                n++;
        } while (v);
        msg_put(m, b, n);
}

static void msg_put_tag(struct msg *m, uint32_t field, unsigned wire_type)
{
        msg_put_varint(m, (uint64_t)field << 3 | wire_type);
}

/* Appends a length-delimited field. */
static void msg_put_field(struct msg *m, uint32_t field, const void *p, size_t n)
{
        msg_put_tag(m, field, 2);
        msg_put_varint(m, n);
        msg_put(m, p, n);
}

/* Appends the packed request, with NUL_MARK's \x01 made a NUL. */
static void msg_pack(struct msg *m, const struct req *q)
{
        size_t n = sockbroker__request__get_packed_size(&q->r);
        uint8_t *p;

        if (n > sizeof(m->buf) - m->len)
                abort();
        sockbroker__request__pack(&q->r, m->buf + m->len);
        p = memmem(m->buf + m->len, n, NUL_MARK, strlen(NUL_MARK));
        if (p)
                p[2] = 0;
        m->len += n;
        m->done = true;
}

/* The operations, each set up as a request the test policy grants (or,
 * for link-config and hci-command, that is well-formed). */
static void as_open(struct req *q)
{
        q->r.op_case = SOCKBROKER__REQUEST__OP_OPEN;
        q->r.open = &q->open;
        q->open.has_family = q->open.has_type = q->open.has_protocol = true;
        q->open.family = GOOD_FAMILY;
        q->open.type = GOOD_TYPE;
        q->open.protocol = GOOD_PROTOCOL;
}

/* packet/raw/0x88b5@NAME, which the test policy grants on lo. */
static void as_packet(struct req *q, const char *name)
{
        as_open(q);
        q->open.family = AF_PACKET;
        q->open.protocol = 0x88b5;
        snprintf(q->name, sizeof(q->name), "%s", name);
        q->open.address = &q->addr;
        q->addr.kind_case = SOCKBROKER__ADDRESS__KIND_PACKET;
        q->addr.packet = &q->packet;
        q->packet.ifname = q->name;
}

/* Binds a TCP socket to port 80, as bind=80 allows. */
static void as_bind(struct req *q, struct msg *m)
{
        q->r.op_case = SOCKBROKER__REQUEST__OP_BIND;
        q->r.bind = &q->bind;
        q->bind.address = &q->addr;
        q->addr.kind_case = SOCKBROKER__ADDRESS__KIND_INET;
        q->addr.inet = &q->inet;
        q->inet.has_port = true;
        q->inet.port = 80;
        m->fd_kind = FD_TCP;
        m->n_fds = 1;
}

/* An address for a Bind whose bdaddr has n bytes. */
static void bind_bdaddr(struct req *q, struct msg *m, size_t n)
{
        as_bind(q, m);
        q->addr.kind_case = SOCKBROKER__ADDRESS__KIND_BLUETOOTH;
        q->addr.bluetooth = &q->bt;
        q->bt.has_psm = true;
        q->bt.psm = 0x1001;
        q->bt.has_bdaddr = true;
        q->bt.bdaddr.data = q->data;
        q->bt.bdaddr.len = n;
}

static void bind_address(struct req *q, struct msg *m, size_t n)
{
        as_bind(q, m);
        q->inet.has_address = true;
        q->inet.address.data = q->data;
        q->inet.address.len = n;
}

/* SO_MARK 42 on a UDP socket, as option=mark:1-100 allows. */
static void as_setopt(struct req *q, struct msg *m)
{
        q->r.op_case = SOCKBROKER__REQUEST__OP_SET_OPTION;
        q->r.set_option = &q->setopt;
        q->setopt.has_level = q->setopt.has_name = q->setopt.has_value = true;
        q->setopt.level = SOL_SOCKET;
        q->setopt.name = SO_MARK;
        q->setopt.value = 42;
        m->fd_kind = FD_UDP;
        m->n_fds = 1;
}

static void as_bindtodevice(struct req *q, struct msg *m, const char *name)
{
        as_setopt(q, m);
        q->setopt.name = SO_BINDTODEVICE;
        q->setopt.has_value = false;
        if (name) {
                snprintf(q->name, sizeof(q->name), "%s", name);
                q->setopt.ifname = q->name;
        }
}

static void as_link(struct req *q, const char *name)
{
        q->r.op_case = SOCKBROKER__REQUEST__OP_LINK_CONFIG;
        q->r.link_config = &q->link;
        q->link.has_up = true;
        q->link.up = true;
        if (name) {
                snprintf(q->name, sizeof(q->name), "%s", name);
                q->link.ifname = q->name;
        }
}

/* HCI_Reset on hci0, which takes no parameters. */
static void as_hci(struct req *q)
{
        q->r.op_case = SOCKBROKER__REQUEST__OP_HCI_COMMAND;
        q->r.hci_command = &q->hci;
        q->hci.has_dev = q->hci.has_opcode = true;
        q->hci.dev = 0;
        q->hci.opcode = 0x0c03;
}

static void as_status(struct req *q)
{
        q->r.op_case = SOCKBROKER__REQUEST__OP_STATUS;
        q->r.status = &q->status;
}

/* Sends the table's good request, with id, on sock; no descriptor. */
static int send_good(int sock, uint32_t id)
{
        uint8_t buf[64];
        struct req q;
        size_t n;

        req_init(&q, id);
        as_open(&q);
        n = sockbroker__request__pack(&q.r, buf);
        return send(sock, buf, n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 ? negative_errno() : 0;
}

static int send_status(int sock, uint32_t id)
{
        uint8_t buf[64];
        struct req q;
        size_t n;

        req_init(&q, id);
        as_status(&q);
        n = sockbroker__request__pack(&q.r, buf);
        return send(sock, buf, n, MSG_NOSIGNAL) < 0 ? negative_errno() : 0;
}

/* ---- the cases --------------------------------------------------------- */

#define BUILD(fn, ...) static void fn(struct req *q, struct msg *m) { __VA_ARGS__; }
#define RAW(s) msg_put(m, s, sizeof(s) - 1)

/* framing */
BUILD(b_empty, m->done = true)
BUILD(b_empty_fd, m->done = true; m->fd_kind = FD_DEVNULL; m->n_fds = 1)
BUILD(b_one_byte, RAW("\xff"))
BUILD(b_fill_4096_valid,
      as_open(q);
      msg_pack(m, q);
      /* an unknown field (99) pads the request to exactly the limit: a
       * two-byte tag, a two-byte length and its content */
      size_t pad = SB_PROTO_MAX_MESSAGE - m->len - 4;
      msg_put_tag(m, 99, 2);
      msg_put_varint(m, pad);
      memset(m->buf + m->len, 'x', pad);
      m->len += pad)
BUILD(b_fill_4096_garbage, memset(m->buf, 0xff, 4096); m->len = 4096; m->done = true)
BUILD(b_fill_4097, memset(m->buf, 0xff, 4097); m->len = 4097; m->done = true)
BUILD(b_fill_64k, memset(m->buf, 0x08, MAX_SEND); m->len = MAX_SEND; m->done = true)
BUILD(b_random,
      uint32_t x = 0x5eed1e55;
      for (size_t i = 0; i < 256; i++) {
              x ^= x << 13;
              x ^= x >> 17;
              x ^= x << 5;
              m->buf[i] = (uint8_t)x;
      }
      m->len = 256;
      m->done = true)
BUILD(b_varint_cut, RAW("\x08\x80"))
BUILD(b_varint_11, RAW("\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"))
BUILD(b_tag_0, RAW("\x00\x01"))
BUILD(b_wire_type_7, RAW("\x08\x01\x0f"))
BUILD(b_version_as_bytes, RAW("\x0a\x01\x01"))
BUILD(b_open_as_varint, RAW("\x08\x01\x50\x01"))
BUILD(b_groups,
      for (int i = 0; i < 100; i++)
              msg_put_tag(m, 99, 3);
      for (int i = 0; i < 100; i++)
              msg_put_tag(m, 99, 4))
BUILD(b_trailing_garbage, as_open(q); msg_pack(m, q); RAW("\xde\xad\xbe"))
BUILD(b_unknown_fields,
      as_open(q);
      msg_pack(m, q);
      msg_put_tag(m, 50, 0);
      msg_put_varint(m, UINT64_MAX);
      msg_put_tag(m, 51, 1);
      RAW("12345678");
      msg_put_field(m, 52, "unknown", 7);
      msg_put_tag(m, 53, 5);
      RAW("1234"))
BUILD(b_unknown_nested,
      /* 1000 messages, each the only field (1) of the one around it,
       * built from the inside out */
      static uint8_t nest[4096];
      size_t at = sizeof(nest);
      for (int i = 0; i < 1000; i++) {
              size_t len = sizeof(nest) - at;
              uint8_t hdr[4];
              size_t h = 0;

              hdr[h++] = 0x0a;
              do {
                      hdr[h] = (uint8_t)(len & 0x7f);
                      len >>= 7;
                      if (len)
                              hdr[h] |= 0x80;
                      h++;
              } while (len);
              at -= h;
              memcpy(nest + at, hdr, h);
      }
      as_open(q);
      msg_pack(m, q);
      msg_put_field(m, 99, nest + at, sizeof(nest) - at))
BUILD(b_length_2_32, RAW("\x08\x01\x52\xff\xff\xff\xff\x0f"))
BUILD(b_length_2_63, RAW("\x08\x01\x52\xff\xff\xff\xff\xff\xff\xff\xff\x7f"))
BUILD(b_length_past_end, RAW("\x08\x01\x52\x05\x08\x02"))
BUILD(b_inner_past_outer, RAW("\x08\x01\x52\x03\x22\x05\x01"))

/* version */
BUILD(b_version_missing, as_open(q); q->r.has_version = false)
BUILD(b_version_0, as_open(q); q->r.version = 0)
BUILD(b_version_2, as_open(q); q->r.version = 2)
BUILD(b_version_max, as_open(q); q->r.version = UINT32_MAX)

/* operations */
BUILD(b_no_op, (void)q)
BUILD(b_op_16, msg_pack(m, q); msg_put_field(m, 16, "", 0))
BUILD(b_op_100,
      uint8_t open[64];
      as_open(q);
      size_t n = sockbroker__open__pack(&q->open, open);
      q->r.op_case = SOCKBROKER__REQUEST__OP__NOT_SET;
      msg_pack(m, q);
      msg_put_field(m, 100, open, n))
BUILD(b_open_no_family, as_open(q); q->open.has_family = false)
BUILD(b_open_no_type, as_open(q); q->open.has_type = false)
BUILD(b_family_0, as_open(q); q->open.family = 0)
BUILD(b_family_255, as_open(q); q->open.family = 255)
BUILD(b_family_65536, as_open(q); q->open.family = 65536)
BUILD(b_family_neg, as_open(q); q->open.family = -1)
BUILD(b_type_0, as_open(q); q->open.type = 0)
BUILD(b_type_11, as_open(q); q->open.type = 11)
BUILD(b_type_huge, as_open(q); q->open.type = INT32_MAX)
BUILD(b_type_cloexec, as_open(q); q->open.type = SOCK_RAW | SOCK_CLOEXEC)
BUILD(b_protocol_65536, as_open(q); q->open.protocol = 65536)
BUILD(b_protocol_neg, as_open(q); q->open.protocol = -1)
BUILD(b_flags_2, as_open(q); q->open.has_flags = true; q->open.flags = 2)
BUILD(b_flags_all, as_open(q); q->open.has_flags = true; q->open.flags = UINT32_MAX)
BUILD(b_address_no_kind, as_open(q); q->open.address = &q->addr)
BUILD(b_kind_mismatch,
      as_packet(q, "lo");
      q->addr.kind_case = SOCKBROKER__ADDRESS__KIND_INET;
      q->addr.inet = &q->inet)
BUILD(b_ethertype_differs, as_packet(q, "lo"); q->packet.has_protocol = true; q->packet.protocol = 0x88b6)
/* A packet socket's own filter (Open.filter), struct sock_filter bytes. */
static struct sock_filter filter_code[SB_PROTO_MAX_FILTER + 1];
static void with_filter(struct req *q, size_t n_insns, size_t extra_bytes)
{
        for (size_t i = 0; i < n_insns; i++)
                filter_code[i] = (struct sock_filter) BPF_STMT(BPF_RET | BPF_K, 0xffff);
        q->open.has_filter = true;
        q->open.filter.data = (uint8_t *)filter_code;
        q->open.filter.len = n_insns * sizeof(struct sock_filter) + extra_bytes;
}
BUILD(b_filter_granted, as_packet(q, "lo"); with_filter(q, 2, 0);
      filter_code[0] = (struct sock_filter) BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12))
BUILD(b_filter_raw_ip, as_open(q); with_filter(q, 1, 0))
BUILD(b_filter_7_bytes, as_packet(q, "lo"); with_filter(q, 0, 7))
BUILD(b_filter_empty, as_packet(q, "lo"); with_filter(q, 0, 0))
BUILD(b_filter_481, as_packet(q, "lo"); with_filter(q, SB_PROTO_MAX_FILTER + 1, 0))
BUILD(b_filter_past_end, as_packet(q, "lo"); with_filter(q, 2, 0);
      filter_code[0] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 1, 0))
BUILD(b_filter_ja_past_end, as_packet(q, "lo"); with_filter(q, 2, 0);
      filter_code[0] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JA, 5, 0, 0))
BUILD(b_filter_no_return, as_packet(q, "lo"); with_filter(q, 2, 0);
      filter_code[1] = (struct sock_filter) BPF_STMT(BPF_LD | BPF_IMM, 0))
BUILD(b_filter_opcode, as_packet(q, "lo"); with_filter(q, 2, 0); filter_code[0].code = 0xffff)
BUILD(b_filter_mem_16, as_packet(q, "lo"); with_filter(q, 2, 0);
      filter_code[0] = (struct sock_filter) BPF_STMT(BPF_ST, 16))
BUILD(b_filter_div_0, as_packet(q, "lo"); with_filter(q, 2, 0);
      filter_code[0] = (struct sock_filter) BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 0))
BUILD(b_raw_local_address,
      as_open(q);
      q->open.address = &q->addr;
      q->addr.kind_case = SOCKBROKER__ADDRESS__KIND_INET;
      q->addr.inet = &q->inet;
      q->inet.has_address = true;
      q->inet.address.data = q->data;
      q->inet.address.len = 4)
BUILD(b_bind_no_address, as_bind(q, m); q->bind.address = NULL)
BUILD(b_setopt_no_level, as_setopt(q, m); q->setopt.has_level = false)
BUILD(b_setopt_no_name, as_setopt(q, m); q->setopt.has_name = false)
BUILD(b_setopt_no_value, as_setopt(q, m); q->setopt.has_value = false)
BUILD(b_link_no_ifname, as_link(q, NULL))
BUILD(b_link_up_and_bitrate, as_link(q, "lo"); q->link.has_bitrate = true; q->link.bitrate = 500000)
BUILD(b_hci_no_dev, as_hci(q); q->hci.has_dev = false)
BUILD(b_hci_no_opcode, as_hci(q); q->hci.has_opcode = false)
BUILD(b_hci_params_256,
      as_hci(q);
      q->hci.has_params = true;
      q->hci.params.data = q->data;
      q->hci.params.len = 256)
BUILD(b_hci_opcode_big, as_hci(q); q->hci.opcode = 0x10000)
BUILD(b_hci_dev_big, as_hci(q); q->hci.dev = 0x10000)
BUILD(b_status_offset_list,
      as_status(q);
      q->status.has_list = q->status.list = true;
      q->status.has_offset = true;
      q->status.offset = 1)
BUILD(b_status_after_no_list, as_status(q); q->status.has_after = true; q->status.after = 5)

/* strings */
BUILD(b_ifname_empty, as_packet(q, ""))
BUILD(b_ifname_16, as_packet(q, "abcdefghijklmnop"))
BUILD(b_ifname_300, as_packet(q, ""); memset(q->name, 'a', 300); q->name[300] = 0)
BUILD(b_ifname_slash, as_packet(q, "../lo"))
BUILD(b_ifname_colon, as_packet(q, "lo:0"))
BUILD(b_ifname_space, as_packet(q, "l o"))
BUILD(b_ifname_newline, as_packet(q, "lo\n"))
BUILD(b_ifname_dot, as_packet(q, "."))
BUILD(b_ifname_dotdot, as_packet(q, ".."))
BUILD(b_ifname_nul, as_packet(q, NUL_MARK "x"))
BUILD(b_ifname_utf8, as_packet(q, "l\xc3\x28"))
BUILD(b_bindtodevice_nul, as_bindtodevice(q, m, NUL_MARK "xx"))
BUILD(b_link_nul, as_link(q, NUL_MARK "xx"))

/* descriptors */
BUILD(b_bind_no_fd, as_bind(q, m); m->n_fds = 0)
BUILD(b_setopt_no_fd, as_setopt(q, m); m->n_fds = 0)
BUILD(b_open_2_fds, as_open(q); m->fd_kind = FD_DEVNULL; m->n_fds = 2)
BUILD(b_bind_2_fds, as_bind(q, m); m->n_fds = 2)
BUILD(b_open_5_fds, as_open(q); m->fd_kind = FD_DEVNULL; m->n_fds = 5)
BUILD(b_open_253_fds, as_open(q); m->fd_kind = FD_DEVNULL; m->n_fds = MAX_SEND_FDS)
BUILD(b_bind_pipe, as_bind(q, m); m->fd_kind = FD_PIPE)
BUILD(b_setopt_devnull, as_setopt(q, m); m->fd_kind = FD_DEVNULL)
BUILD(b_bind_memfd, as_bind(q, m); m->fd_kind = FD_MEMFD)
BUILD(b_setopt_epoll, as_setopt(q, m); m->fd_kind = FD_EPOLL)
BUILD(b_bind_opath, as_bind(q, m); m->fd_kind = FD_OPATH)
BUILD(b_bind_unix, as_bind(q, m); m->fd_kind = FD_UNIX)
BUILD(b_open_udp, as_open(q); m->fd_kind = FD_UDP; m->n_fds = 1)
BUILD(b_open_pipe, as_open(q); m->fd_kind = FD_PIPE; m->n_fds = 1)
BUILD(b_open_conn, as_open(q); m->fd_kind = FD_CONN; m->n_fds = 1)
BUILD(b_status_fd, as_status(q); m->fd_kind = FD_UDP; m->n_fds = 1)
BUILD(b_hci_fd, as_hci(q); m->fd_kind = FD_UDP; m->n_fds = 1)

/* bind */
BUILD(b_bdaddr_0, bind_bdaddr(q, m, 0))
BUILD(b_bdaddr_1, bind_bdaddr(q, m, 1))
BUILD(b_bdaddr_5, bind_bdaddr(q, m, 5))
BUILD(b_bdaddr_7, bind_bdaddr(q, m, 7))
BUILD(b_inet_3, bind_address(q, m, 3))
BUILD(b_inet_5, bind_address(q, m, 5))
BUILD(b_inet_15, bind_address(q, m, 15))
BUILD(b_inet_17, bind_address(q, m, 17))
BUILD(b_bind_port_big, as_bind(q, m); q->inet.port = 80 + 65536)
BUILD(b_bind_scope_inet, as_bind(q, m); q->inet.has_scope_id = true; q->inet.scope_id = 1)

/* set-option */
BUILD(b_setopt_level_ip, as_setopt(q, m); q->setopt.level = 0)
BUILD(b_setopt_name_9999, as_setopt(q, m); q->setopt.name = 9999)
BUILD(b_setopt_so_debug, as_setopt(q, m); q->setopt.name = SO_DEBUG)
BUILD(b_setopt_neg, as_setopt(q, m); q->setopt.value = -1)
BUILD(b_setopt_2_32, as_setopt(q, m); q->setopt.value = (int64_t)UINT32_MAX + 1)
BUILD(b_bindtodevice_no_ifname, as_bindtodevice(q, m, NULL))

/* status and ids */
BUILD(b_status, as_status(q))
BUILD(b_id_0, as_open(q); q->r.id = 0)
BUILD(b_id_max, as_open(q); q->r.id = UINT32_MAX)
BUILD(b_open, as_open(q))

enum {
        CASE_CLOSES = 1 << 0,    /* the daemon closes the connection after the answers */
        CASE_CHECK_ID = 1 << 1,  /* every answer echoes the request's id */
        CASE_AUDITED = 1 << 2,   /* the log has the refusal, with this client's pid */
        CASE_PIPELINED = 1 << 3, /* all copies go out before the first answer is read */
};

struct hcase {
        const char *name;
        void (*build)(struct req *q, struct msg *m);
        int error;               /* the errno each answer carries; 0 for success */
        const char *prefix;      /* how its message starts */
        const char *contains;    /* and a word it holds, or NULL */
        unsigned copies;         /* the case is sent this many times (0: once) */
        unsigned flags;
        const char *defect;      /* how the daemon answers today, where that is wrong */
};

static const struct hcase cases[] = {
        /* framing */
        { "framing: an empty message", b_empty, EBADMSG, BAD },
        { "framing: an empty message with a descriptor", b_empty_fd, EBADMSG, BAD },
        { "framing: one garbage byte", b_one_byte, EBADMSG, BAD },
        { "framing: a request padded to exactly 4096 bytes by an unknown field is served",
          b_fill_4096_valid, 0, "granted " },
        { "framing: 4096 bytes of garbage are decoded and refused, not too large", b_fill_4096_garbage,
          EBADMSG, BAD },
        { "framing: 4097 bytes (MSG_TRUNC)", b_fill_4097, EMSGSIZE, BAD },
        { "framing: 65536 bytes", b_fill_64k, EMSGSIZE, BAD },
        { "framing: 256 random bytes", b_random, EBADMSG, BAD },
        { "framing: a varint cut short", b_varint_cut, EBADMSG, BAD },
        { "framing: a varint of 11 bytes", b_varint_11, EBADMSG, BAD },
        { "framing: field number 0", b_tag_0, EBADMSG, BAD },
        { "framing: wire type 7", b_wire_type_7, EBADMSG, BAD },
        { "framing: the version as a length-delimited field (wrong wire type)", b_version_as_bytes,
          EBADMSG, BAD },
        { "framing: the Open as a varint (wrong wire type)", b_open_as_varint, EBADMSG, BAD },
        { "framing: groups nested 100 deep", b_groups, EBADMSG, BAD },
        { "framing: a good request with trailing garbage", b_trailing_garbage, EBADMSG, BAD },
        { "framing: a good request with unknown fields of every wire type is served", b_unknown_fields,
          0, "granted " },
        { "framing: a good request with an unknown field nesting 1000 messages is served",
          b_unknown_nested, 0, "granted " },
        { "framing: a length prefix of 2^32-1", b_length_2_32, EBADMSG, BAD },
        { "framing: a length prefix of 2^63-1", b_length_2_63, EBADMSG, BAD },
        { "framing: the Open's length runs past the end", b_length_past_end, EBADMSG, BAD },
        { "framing: the address's length runs past the Open's", b_inner_past_outer, EBADMSG, BAD },

        /* version */
        { "version: missing", b_version_missing, EBADMSG, BAD },
        { "version: 0", b_version_0, EPROTONOSUPPORT, BAD, "speaks 1" },
        { "version: 2", b_version_2, EPROTONOSUPPORT, BAD, "speaks 1" },
        { "version: 0xffffffff", b_version_max, EPROTONOSUPPORT, BAD, "speaks 1" },

        /* operations */
        { "op: none", b_no_op, EOPNOTSUPP, UNSUPPORTED },
        { "op: an unknown operation, field 16", b_op_16, EOPNOTSUPP, UNSUPPORTED },
        { "op: an Open in unknown field 100", b_op_100, EOPNOTSUPP, UNSUPPORTED },
        { "open: no family", b_open_no_family, EBADMSG, BAD },
        { "open: no type", b_open_no_type, EBADMSG, BAD },
        { "open: family 0", b_family_0, EBADMSG, BAD },
        { "open: family 255", b_family_255, EBADMSG, BAD },
        { "open: family 65536", b_family_65536, EBADMSG, BAD },
        { "open: family -1", b_family_neg, EBADMSG, BAD },
        { "open: type 0", b_type_0, EBADMSG, BAD },
        { "open: type 11", b_type_11, EBADMSG, BAD },
        { "open: type 2^31-1", b_type_huge, EBADMSG, BAD },
        { "open: type with SOCK_CLOEXEC, a flag", b_type_cloexec, EBADMSG, BAD },
        { "open: protocol 65536", b_protocol_65536, EBADMSG, BAD },
        { "open: protocol -1", b_protocol_neg, EBADMSG, BAD },
        { "open: an unknown flag (2)", b_flags_2, EBADMSG, BAD },
        { "open: every flag bit", b_flags_all, EBADMSG, BAD },
        { "open: an address of no kind", b_address_no_kind, EBADMSG, BAD },
        { "open: an inet address for a packet socket", b_kind_mismatch, EBADMSG, BAD },
        { "open: an address EtherType other than the socket's", b_ethertype_differs, EINVAL, "invalid:" },
        { "open: a local address for a raw IP socket", b_raw_local_address, EOPNOTSUPP, "unsupported:" },
        { "open: a packet socket with a filter of its own is granted", b_filter_granted, 0, "granted " },
        { "open: a filter on a raw IP socket", b_filter_raw_ip, EOPNOTSUPP, "unsupported:" },
        { "open: a filter of 7 bytes", b_filter_7_bytes, EBADMSG, BAD, "instructions of 8 bytes" },
        { "open: a filter of no bytes", b_filter_empty, EBADMSG, BAD, "instructions of 8 bytes" },
        { "open: a filter of 481 instructions", b_filter_481, EBADMSG, BAD, "1 to 480" },
        { "open: a filter whose jump goes past its end", b_filter_past_end, EINVAL,
          "invalid: a filter jumps past its end" },
        { "open: a filter whose ja goes past its end", b_filter_ja_past_end, EINVAL,
          "invalid: a filter jumps past its end" },
        { "open: a filter that does not end with a return", b_filter_no_return, EINVAL,
          "invalid: a filter does not end with a return" },
        { "open: a filter with an unknown opcode", b_filter_opcode, EINVAL,
          "invalid: a filter instruction has an unknown opcode" },
        { "open: a filter storing to M[16]", b_filter_mem_16, EINVAL,
          "invalid: a filter uses scratch memory beyond M[15]" },
        { "open: a filter dividing by a constant zero", b_filter_div_0, EINVAL,
          "invalid: a filter divides by a constant zero" },
        { "bind: no address", b_bind_no_address, EINVAL, BAD, "address is required" },
        { "set-option: no level", b_setopt_no_level, EOPNOTSUPP, UNSUPPORTED },
        { "set-option: no name", b_setopt_no_name, EOPNOTSUPP, UNSUPPORTED },
        { "set-option: no value", b_setopt_no_value, EINVAL, BAD, "range" },
        { "link-config: no interface name", b_link_no_ifname, EBADMSG, BAD },
        { "link-config: both up and bitrate", b_link_up_and_bitrate, EBADMSG, BAD },
        { "hci-command: no dev", b_hci_no_dev, EBADMSG, BAD },
        { "hci-command: no opcode", b_hci_no_opcode, EBADMSG, BAD },
        { "hci-command: 256 parameter bytes", b_hci_params_256, EBADMSG, BAD },
        { "hci-command: opcode 0x10000", b_hci_opcode_big, EBADMSG, BAD },
        { "hci-command: dev 0x10000", b_hci_dev_big, EBADMSG, BAD },
        { "status: an offset with the list", b_status_offset_list, EBADMSG, BAD },
        { "status: 'after' without the list", b_status_after_no_list, EBADMSG, BAD },

        /* strings */
        { "ifname: empty", b_ifname_empty, EBADMSG, BAD },
        { "ifname: 16 bytes", b_ifname_16, EBADMSG, BAD },
        { "ifname: 300 bytes", b_ifname_300, EBADMSG, BAD },
        { "ifname: with '/'", b_ifname_slash, EBADMSG, BAD },
        { "ifname: with ':'", b_ifname_colon, EBADMSG, BAD },
        { "ifname: with a space", b_ifname_space, EBADMSG, BAD },
        { "ifname: with a newline", b_ifname_newline, EBADMSG, BAD },
        { "ifname: \".\"", b_ifname_dot, EBADMSG, BAD },
        { "ifname: \"..\"", b_ifname_dotdot, EBADMSG, BAD },
        { "ifname: \"lo\\0x\", an embedded NUL", b_ifname_nul, EINVAL, BAD, "NUL" },
        { "ifname: invalid UTF-8", b_ifname_utf8, EBADMSG, BAD },
        { "set-option: bindtodevice \"lo\\0xx\", an embedded NUL", b_bindtodevice_nul, EINVAL, BAD,
          "NUL" },
        { "link-config: ifname \"lo\\0xx\", an embedded NUL", b_link_nul, EINVAL, BAD, "NUL" },

        /* descriptors */
        { "fds: none with a bind", b_bind_no_fd, EBADF, BAD },
        { "fds: none with a set-option", b_setopt_no_fd, EBADF, BAD },
        /* Up to FDMSG_MAX_FDS fit the control buffer and are counted
         * against the operation; more truncate it. */
        { "fds: two with an open", b_open_2_fds, EBADF, BAD, "carries 2 descriptor(s)" },
        { "fds: two with a bind", b_bind_2_fds, EBADF, BAD, "carries 2 descriptor(s)" },
        { "fds: five with an open (MSG_CTRUNC)", b_open_5_fds, EBADMSG, BAD, "truncated" },
        { "fds: 253 with an open (MSG_CTRUNC)", b_open_253_fds, EBADMSG, BAD, "truncated" },
        { "fds: a pipe with a bind", b_bind_pipe, ENOTSOCK, BAD },
        { "fds: /dev/null with a set-option", b_setopt_devnull, ENOTSOCK, BAD },
        { "fds: a memfd with a bind", b_bind_memfd, ENOTSOCK, BAD },
        { "fds: an epoll descriptor with a set-option", b_setopt_epoll, ENOTSOCK, BAD },
        { "fds: an O_PATH descriptor with a bind", b_bind_opath, EBADF, BAD },
        { "fds: an AF_UNIX socket with a bind (wrong family)", b_bind_unix, EAFNOSUPPORT, "unsupported:" },
        /* The namespace of a netns=client rule is the connection's own. */
        { "fds: a UDP socket with an open", b_open_udp, EBADF, BAD, "descriptor" },
        { "fds: a pipe with an open", b_open_pipe, EBADF, BAD, "descriptor" },
        { "fds: the connection itself with an open", b_open_conn, EBADF, BAD, "descriptor" },
        { "fds: a socket with a status", b_status_fd, EBADF, BAD },
        { "fds: a socket with an hci-command", b_hci_fd, EBADF, BAD },

        /* bind: checked field by field before the socket is looked at */
        { "bind: an L2CAP address with a bdaddr of 0 bytes", b_bdaddr_0, EINVAL, BAD, "bdaddr is 0 bytes" },
        { "bind: an L2CAP address with a bdaddr of 1 byte", b_bdaddr_1, EINVAL, BAD, "bdaddr is 1 bytes" },
        { "bind: an L2CAP address with a bdaddr of 5 bytes", b_bdaddr_5, EINVAL, BAD, "bdaddr is 5 bytes" },
        { "bind: an L2CAP address with a bdaddr of 7 bytes", b_bdaddr_7, EINVAL, BAD, "bdaddr is 7 bytes" },
        { "bind: an inet address of 3 bytes", b_inet_3, EINVAL, BAD, "4 or 16" },
        { "bind: an inet address of 5 bytes", b_inet_5, EINVAL, BAD, "4 or 16" },
        { "bind: an inet address of 15 bytes", b_inet_15, EINVAL, BAD, "4 or 16" },
        { "bind: an inet address of 17 bytes", b_inet_17, EINVAL, BAD, "4 or 16" },
        { "bind: port 65616 (80 + 65536)", b_bind_port_big, EBADMSG, BAD, "port" },
        { "bind: a scope id on an AF_INET socket", b_bind_scope_inet, EINVAL, BAD, "scope id" },

        /* set-option */
        { "set-option: level IPPROTO_IP", b_setopt_level_ip, EOPNOTSUPP, UNSUPPORTED },
        { "set-option: option 9999", b_setopt_name_9999, EOPNOTSUPP, UNSUPPORTED },
        { "set-option: SO_DEBUG, which is not brokered", b_setopt_so_debug, EOPNOTSUPP, UNSUPPORTED },
        { "set-option: value -1", b_setopt_neg, EINVAL, BAD, "range" },
        { "set-option: value 2^32", b_setopt_2_32, EINVAL, BAD, "range" },
        { "set-option: bindtodevice without an interface name", b_bindtodevice_no_ifname, EINVAL, BAD,
          "interface name" },

        /* status and ids */
        { "status: as uid 65534, refused and audited", b_status, EPERM, "denied:", NULL, 0, CASE_AUDITED },
        { "id: 0 is echoed", b_id_0, 0, "granted ", NULL, 0, CASE_CHECK_ID },
        { "id: 0xffffffff is echoed", b_id_max, 0, "granted ", NULL, 0, CASE_CHECK_ID },
        { "id: the same id twice, pipelined, both answered", b_open, 0, "granted ", NULL, 2,
          CASE_CHECK_ID | CASE_PIPELINED },

        /* the limit on malformed requests */
        { "strikes: two malformed requests, and the connection still serves", b_one_byte, EBADMSG, BAD,
          NULL, 2 },
        { "strikes: three malformed requests, and the daemon closes the connection", b_one_byte,
          EBADMSG, BAD, NULL, 3, CASE_CLOSES },
        { "strikes: unsupported requests are not held against the connection", b_op_16,
          EOPNOTSUPP, UNSUPPORTED, NULL, 4 },
};

/* ---- running a case -------------------------------------------------------- */

static int fd_new(enum fd_kind kind, int conn)
{
        int p[2], fd;

        switch (kind) {
        case FD_NONE:
                return -1;
        case FD_TCP:
                return socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        case FD_UDP:
                return socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        case FD_UNIX:
                return socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        case FD_PIPE:
                if (pipe2(p, O_CLOEXEC) < 0)
                        return -1;
                safe_close(p[1]);
                return p[0];
        case FD_DEVNULL:
                return open("/dev/null", O_RDONLY | O_CLOEXEC);
        case FD_MEMFD:
                return memfd_create("sbhostile", MFD_CLOEXEC);
        case FD_OPATH:
                return open("/dev/null", O_PATH | O_CLOEXEC);
        case FD_EPOLL:
                return epoll_create1(EPOLL_CLOEXEC);
        case FD_CONN:
                fd = fcntl(conn, F_DUPFD_CLOEXEC, 3);
                return fd;
        }
        return -1;
}

/* Sends what m holds on sock, with its descriptors, made anew. */
static int msg_send(int sock, const struct msg *m)
{
        static int fds[MAX_SEND_FDS];
        unsigned n = 0;
        int r;

        for (; n < m->n_fds; n++) {
                fds[n] = fd_new(m->fd_kind, sock);
                if (fds[n] < 0) {
                        r = negative_errno();
                        fdmsg_close_all(fds, n);
                        return r;
                }
        }
        r = send_with_fds(sock, m->buf, m->len, fds, n);
        fdmsg_close_all(fds, n);
        return r;
}

/* Whether a answers as c says for a request with id. */
static bool answer_expected(const struct hcase *c, const struct answer *a, uint32_t id)
{
        bool grant = c->error == 0 && strneq(c->prefix, "granted", 7);

        return a->kind == ANSWER_REPLY && a->error == c->error &&
               strneq(a->message, c->prefix, strlen(c->prefix)) &&
               (!c->contains || strstr(a->message, c->contains)) &&
               a->n_fds == (grant ? 1u : 0u) &&
               (!(c->flags & CASE_CHECK_ID) || a->id == id);
}

static void expectation_describe(const struct hcase *c, char *buf, size_t size)
{
        snprintf(buf, size, "%s%s \"%s...\"%s%s%s%s", c->copies > 1 ? "each " : "", errno_name(c->error),
                 c->prefix, c->contains ? " with \"" : "", c->contains ?: "", c->contains ? "\"" : "",
                 c->flags & CASE_CLOSES ? ", then the connection closed" : "");
}

/* Whether the daemon's log has this process's refusal of a Status. */
static bool status_audited(void)
{
        _cleanup_free_ char *line = NULL;
        char head[128];
        size_t size = 0;
        bool found = false;
        FILE *f;

        if (!log_path)
                return false;
        f = fopen(log_path, "re");
        if (!f)
                return false;
        snprintf(head, sizeof(head), "decision=denied uid=%u gid=%u pid=%d ", getuid(), getgid(), getpid());
        while (!found && getline(&line, &size, f) > 0)
                found = strstr(line, head) && strstr(line, " request=status");
        fclose(f);
        return found;
}

/* Sends the table's good request on sock; says what went wrong, if anything. */
static bool probe(int sock, char *why, size_t size)
{
        char got[SB_PROTO_MAX_REASON + 64];
        struct answer a;
        int r;

        r = send_good(sock, PROBE_ID);
        if (r < 0) {
                snprintf(why, size, "a good request on the same connection cannot be sent: %s", strerror(-r));
                return false;
        }
        answer_read(sock, REPLY_TIMEOUT_MS, &a);
        if (a.kind == ANSWER_REPLY && a.error == 0 && a.n_fds == 1 && a.id == PROBE_ID) {
                answer_done(&a);
                return true;
        }
        answer_describe(&a, got, sizeof(got));
        answer_done(&a);
        snprintf(why, size, "a good request on the same connection got %s", got);
        return false;
}

/* A client that does everything right, through libsockbroker. */
static bool well_behaved(char *why, size_t size)
{
        int fd = sb_open(WELL_BEHAVED_SPEC, 0);

        if (fd >= 0) {
                safe_close(fd);
                return true;
        }
        snprintf(why, size, "a well-behaved client was refused %s: %s \"%s\"", WELL_BEHAVED_SPEC,
                 errno_name(errno), sb_broker_message());
        return false;
}

/* Runs c; prints its line. Returns whether it passed. */
static bool case_run(const struct hcase *c, unsigned index)
{
        static struct msg m;
        char want[300], got[SB_PROTO_MAX_REASON + 64] = "", why[600] = "";
        unsigned copies = c->copies ? c->copies : 1;
        _cleanup_close_ int sock = -1;
        struct answer a;
        bool pass = true;
        struct req q;
        int r;

        expectation_describe(c, want, sizeof(want));
        memset(&m, 0, sizeof(m));
        req_init(&q, 1000 + index);
        c->build(&q, &m);
        if (!m.done)
                msg_pack(&m, &q);

        sock = broker_connect();
        if (sock < 0) {
                snprintf(why, sizeof(why), "cannot connect: %m");
                pass = false;
        }
        /* Each copy and its answer in turn, or all copies, then all answers. */
        for (unsigned i = 0; pass && i < copies; i++) {
                unsigned burst = !(c->flags & CASE_PIPELINED) ? 1 : i == 0 ? copies : 0;

                for (unsigned k = 0; pass && k < burst; k++) {
                        r = msg_send(sock, &m);
                        if (r < 0) {
                                snprintf(why, sizeof(why), "send %u failed: %s", i + k + 1, strerror(-r));
                                pass = false;
                        }
                }
                if (!pass)
                        break;
                answer_read(sock, REPLY_TIMEOUT_MS, &a);
                answer_describe(&a, got, sizeof(got));
                if (!answer_expected(c, &a, q.r.id)) {
                        snprintf(why, sizeof(why), "answer %u: expected %s, got %s", i + 1, want, got);
                        pass = false;
                }
                answer_done(&a);
        }

        if (pass && (c->flags & CASE_CLOSES)) {
                answer_read(sock, REPLY_TIMEOUT_MS, &a);
                if (a.kind != ANSWER_CLOSED) {
                        char more[SB_PROTO_MAX_REASON + 64];

                        answer_describe(&a, more, sizeof(more));
                        snprintf(why, sizeof(why), "expected the connection closed after %u answers, got %s",
                                 copies, more);
                        pass = false;
                }
                answer_done(&a);
        } else if (pass) {
                pass = probe(sock, why, sizeof(why));
        }
        if (pass && (c->flags & CASE_AUDITED) && !status_audited()) {
                snprintf(why, sizeof(why), "the refusal is not in the log (%s)", log_path ?: "no --log");
                pass = false;
        }
        sock = safe_close(sock);
        if (pass)
                pass = well_behaved(why, sizeof(why));

        if (pass)
                printf("ok - %s: %s%s", c->name, got, c->flags & CASE_CLOSES ? ", then closed" : "");
        else
                printf("not ok - %s: %s", c->name, why);
        if (c->defect && !strict)
                printf(" # TODO %s", c->defect);
        printf("\n");
        return pass;
}

static unsigned long parse_ulong(const char *s)
{
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(s, &end, 0);
        if (errno || end == s || *end) {
                fprintf(stderr, "sbhostile: '%s' is not a number\n", s);
                exit(2);
        }
        return v;
}

/* cases FIRST COUNT */
static int cmd_cases(int argc, char **argv)
{
        unsigned long first, count;
        int failed = 0;

        if (argc != 2)
                return 2;
        first = parse_ulong(argv[0]);
        count = parse_ulong(argv[1]);
        for (unsigned long i = first; i < first + count && i < ELEMENTSOF(cases); i++)
                if (!case_run(&cases[i], (unsigned)i))
                        failed++;
        return failed ? 1 : 0;
}

/* case NAME: the case of that name alone */
static int cmd_case(int argc, char **argv)
{
        if (argc != 1)
                return 2;
        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                if (streq(cases[i].name, argv[0]))
                        return case_run(&cases[i], (unsigned)i) ? 0 : 1;
        fprintf(stderr, "sbhostile: no case '%s'\n", argv[0]);
        return 2;
}

static int cmd_count(int argc, char **argv)
{
        printf("%zu\n", ELEMENTSOF(cases));
        return 0;
}

/* ---- the attacks' pieces ---------------------------------------------------- */

/*
 * hold N [SECONDS]: N connections, each shown to be accepted by a Status
 * request and its answer; prints "held H refused R", then "closed I" for
 * each the daemon closes, and any other answer, until killed or SECONDS
 * (default 120) pass.
 */
static int cmd_hold(int argc, char **argv)
{
        unsigned long n, seconds = 120;
        struct pollfd *pfd;
        unsigned held = 0, refused = 0;
        uint64_t end;

        if (argc < 1 || argc > 2)
                return 2;
        n = parse_ulong(argv[0]);
        if (argc == 2)
                seconds = parse_ulong(argv[1]);
        pfd = calloc(n ? n : 1, sizeof(*pfd));
        if (!pfd)
                return 1;
        for (unsigned long i = 0; i < n; i++) {
                struct answer a;
                int sock = broker_connect();

                pfd[i] = (struct pollfd) { .fd = -1, .events = POLLIN | POLLRDHUP };
                if (sock < 0 || send_status(sock, (uint32_t)i + 1) < 0) {
                        printf("connection %lu: %m\n", i);
                        refused++;
                        safe_close(sock);
                        continue;
                }
                answer_read(sock, REPLY_TIMEOUT_MS, &a);
                if (a.kind == ANSWER_REPLY && a.error == EPERM) {
                        pfd[i].fd = sock;
                        held++;
                } else {
                        char got[SB_PROTO_MAX_REASON + 64];

                        answer_describe(&a, got, sizeof(got));
                        printf("connection %lu refused: %s\n", i, got);
                        refused++;
                        safe_close(sock);
                }
                answer_done(&a);
        }
        printf("held %u refused %u\n", held, refused);
        fflush(stdout);

        end = now_usec() + seconds * 1000000u;
        while (now_usec() < end) {
                int r = poll(pfd, n, (int)((end - now_usec()) / 1000) + 1);

                if (r < 0 && errno != EINTR)
                        break;
                for (unsigned long i = 0; r > 0 && i < n; i++) {
                        struct answer a;
                        char got[SB_PROTO_MAX_REASON + 64];

                        if (pfd[i].fd < 0 || !pfd[i].revents)
                                continue;
                        answer_read(pfd[i].fd, 0, &a);
                        answer_describe(&a, got, sizeof(got));
                        if (a.kind == ANSWER_CLOSED || a.kind == ANSWER_BAD ||
                            ((pfd[i].revents & (POLLHUP | POLLERR)) && a.kind == ANSWER_TIMEOUT)) {
                                printf("closed %lu\n", i);
                                pfd[i].fd = safe_close(pfd[i].fd);
                        } else {
                                printf("answer %lu: %s\n", i, got);
                        }
                        answer_done(&a);
                        fflush(stdout);
                }
        }
        return 0;
}

/* churn COUNT SECONDS: connects and closes at once, COUNT times or for
 * SECONDS, whichever ends first. */
static int cmd_churn(int argc, char **argv)
{
        unsigned long count, seconds, done = 0, failed = 0;
        int last = 0;
        uint64_t end;

        if (argc != 2)
                return 2;
        count = parse_ulong(argv[0]);
        seconds = parse_ulong(argv[1]);
        printf("churning\n");
        fflush(stdout);
        end = now_usec() + seconds * 1000000u;
        for (; done < count && now_usec() < end; done++) {
                int sock = broker_connect();

                if (sock < 0) {
                        failed++;
                        last = errno;
                }
                safe_close(sock);
        }
        printf("churned %lu connections, %lu failed to connect (last: %s)\n", done, failed,
               last ? strerror(last) : "none");
        return 0;
}

static int cmp_u64(const void *a, const void *b)
{
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

        return x < y ? -1 : x > y;
}

/* grants SECONDS MAX: the well-behaved client's grant, again and again,
 * each on a connection of its own; prints the refusals and the latency. */
static int cmd_grants(int argc, char **argv)
{
        unsigned long seconds, max, n = 0, refused = 0;
        uint64_t *lat, end;

        if (argc != 2)
                return 2;
        seconds = parse_ulong(argv[0]);
        max = parse_ulong(argv[1]);
        lat = calloc(max ? max : 1, sizeof(*lat));
        if (!lat)
                return 1;
        end = now_usec() + seconds * 1000000u;
        for (unsigned long i = 0; i < max && (i == 0 || now_usec() < end); i++) {
                uint64_t t = now_usec();
                int fd = sb_open(WELL_BEHAVED_SPEC, 0);

                if (fd < 0) {
                        if (refused++ < 10)
                                printf("refused errno=%d (%s) message=\"%s\"\n", errno, errno_name(errno),
                                       sb_broker_message());
                        continue;
                }
                lat[n++] = now_usec() - t;
                safe_close(fd);
        }
        qsort(lat, n, sizeof(*lat), cmp_u64);
        printf("grants %lu refused %lu p50 %" PRIu64 " p99 %" PRIu64 "\n", n, refused,
               n ? lat[n / 2] : 0, n ? lat[n * 99 / 100] : 0);
        free(lat);
        return refused ? 1 : 0;
}

/*
 * pipeline CONNS PER SECONDS: CONNS connections, each sending PER good
 * requests at once; prints "sent S", then waits up to SECONDS for every
 * answer and prints how they went.
 */
static int cmd_pipeline(int argc, char **argv)
{
        unsigned long conns, per, seconds;
        unsigned sent = 0, answered = 0, granted = 0, busy = 0, other = 0;
        struct pollfd *pfd;
        uint64_t end;

        if (argc != 3)
                return 2;
        conns = parse_ulong(argv[0]);
        per = parse_ulong(argv[1]);
        seconds = parse_ulong(argv[2]);
        pfd = calloc(conns ? conns : 1, sizeof(*pfd));
        if (!pfd)
                return 1;
        for (unsigned long i = 0; i < conns; i++) {
                pfd[i] = (struct pollfd) { .fd = broker_connect(), .events = POLLIN };
                if (pfd[i].fd < 0) {
                        printf("connection %lu: %m\n", i);
                        continue;
                }
                for (unsigned long k = 0; k < per; k++) {
                        int r = send_good(pfd[i].fd, (uint32_t)(i * per + k + 1));

                        if (r < 0) {
                                printf("connection %lu, request %lu: %s\n", i, k, strerror(-r));
                                break;
                        }
                        sent++;
                }
        }
        printf("sent %u\n", sent);
        fflush(stdout);

        end = now_usec() + seconds * 1000000u;
        while (answered < sent && now_usec() < end) {
                int r = poll(pfd, conns, (int)((end - now_usec()) / 1000) + 1);

                if (r < 0 && errno != EINTR)
                        break;
                for (unsigned long i = 0; r > 0 && i < conns; i++) {
                        struct answer a;

                        if (pfd[i].fd < 0 || !pfd[i].revents)
                                continue;
                        answer_read(pfd[i].fd, 0, &a);
                        if (a.kind == ANSWER_REPLY) {
                                answered++;
                                if (a.error == 0 && a.n_fds == 1)
                                        granted++;
                                else if (a.error == EAGAIN || a.error == EUSERS)
                                        busy++;
                                else
                                        other++;
                                if (a.error != 0 && busy + other <= 5)
                                        printf("answer on connection %lu: %s \"%s\"\n", i,
                                               errno_name(a.error), a.message);
                        } else if (a.kind != ANSWER_TIMEOUT) {
                                printf("connection %lu closed\n", i);
                                pfd[i].fd = safe_close(pfd[i].fd);
                        }
                        answer_done(&a);
                }
        }
        printf("answered %u of %u: granted %u busy %u other %u\n", answered, sent, granted, busy, other);
        return answered == sent && granted == sent ? 0 : 1;
}

/* flood SECONDS: grants, denials and malformed requests, as fast as they go. */
static int cmd_flood(int argc, char **argv)
{
        unsigned long seconds, grants = 0, denials = 0, bad = 0;
        uint64_t end;

        if (argc != 1)
                return 2;
        seconds = parse_ulong(argv[0]);
        end = now_usec() + seconds * 1000000u;
        while (now_usec() < end) {
                struct answer a;
                int fd, sock;

                fd = sb_open(WELL_BEHAVED_SPEC, 0);
                if (fd >= 0)
                        grants++;
                safe_close(fd);
                fd = sb_open("inet6/raw/udp", 0);
                if (fd < 0 && errno == EPERM)
                        denials++;
                safe_close(fd);
                sock = broker_connect();
                if (sock >= 0 && send(sock, "\xff", 1, MSG_NOSIGNAL) == 1) {
                        answer_read(sock, REPLY_TIMEOUT_MS, &a);
                        if (a.kind == ANSWER_REPLY && a.error == EBADMSG)
                                bad++;
                        answer_done(&a);
                }
                safe_close(sock);
        }
        printf("flood: %lu grants, %lu denials, %lu bad requests\n", grants, denials, bad);
        return 0;
}

/* hangup: sends a good request and waits to be killed before its answer. */
static int cmd_hangup(int argc, char **argv)
{
        int sock = broker_connect();

        if (sock < 0 || send_good(sock, 7) < 0) {
                printf("cannot send: %m\n");
                return 1;
        }
        printf("sent pid=%d\n", getpid());
        fflush(stdout);
        (void)poll(NULL, 0, 60 * 1000);
        return 1;
}

/* loris INTERVAL_MS MAX_MS: one malformed byte every INTERVAL_MS until the
 * daemon closes the connection, or MAX_MS pass. */
static int cmd_loris(int argc, char **argv)
{
        unsigned long interval, max;
        unsigned sent = 0, answers = 0;
        uint64_t start, next;
        int sock;

        if (argc != 2)
                return 2;
        interval = parse_ulong(argv[0]);
        max = parse_ulong(argv[1]);
        sock = broker_connect();
        if (sock < 0) {
                printf("cannot connect: %m\n");
                return 1;
        }
        start = next = now_usec();
        while (now_usec() - start < max * 1000u) {
                struct answer a;
                uint64_t now = now_usec();

                if (now >= next) {
                        /* A send to a closed connection fails; the read below sees why. */
                        if (send(sock, "\xff", 1, MSG_NOSIGNAL) == 1)
                                sent++;
                        next += interval * 1000u;
                        continue;
                }
                answer_read(sock, (int)((next - now) / 1000) + 1, &a);
                if (a.kind == ANSWER_CLOSED) {
                        printf("closed after %" PRIu64 " ms: %u malformed bytes sent, %u answers\n",
                               (now_usec() - start) / 1000, sent, answers);
                        return 0;
                }
                if (a.kind == ANSWER_REPLY)
                        answers++;
                answer_done(&a);
        }
        printf("still open after %lu ms: %u malformed bytes sent, %u answers\n", max, sent, answers);
        return 1;
}

/* hostsock CMD...: runs CMD with a UDP socket of this network namespace
 * as its descriptor 3. */
static int cmd_hostsock(int argc, char **argv)
{
        int fd;

        if (argc < 1)
                return 2;
        fd = socket(AF_INET, SOCK_DGRAM, 0);
        if (fd < 0 || (fd != 3 && dup2(fd, 3) < 0)) {
                fprintf(stderr, "sbhostile hostsock: %m\n");
                return 1;
        }
        execvp(argv[0], argv);
        fprintf(stderr, "sbhostile hostsock: %s: %m\n", argv[0]);
        return 1;
}

static int netns_cookie(int fd, uint64_t *ret)
{
        socklen_t len = sizeof(*ret);

        return getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, ret, &len) < 0 ? negative_errno() : 0;
}

/*
 * witness FD: from a network namespace of its own, asks for
 * packet/raw/all@lo under a netns=client rule, once with FD (a socket of
 * another namespace) attached, once with nothing. Prints a line per
 * check, as the table does.
 */
static int cmd_witness(int argc, char **argv)
{
        char got[SB_PROTO_MAX_REASON + 64];
        _cleanup_close_ int own = -1, sock = -1;
        uint64_t own_cookie, host_cookie, cookie;
        int host, failed = 0;
        struct answer a;
        struct req q;
        uint8_t buf[128];
        size_t n;

        if (argc != 1)
                return 2;
        host = (int)parse_ulong(argv[0]);
        own = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (own < 0 || netns_cookie(own, &own_cookie) < 0 || netns_cookie(host, &host_cookie) < 0) {
                printf("not ok - cannot read the network namespace cookies: %m\n");
                return 1;
        }
        if (own_cookie == host_cookie) {
                printf("not ok - the client is in the namespace of the socket it holds\n");
                return 1;
        }

        req_init(&q, 1);
        as_packet(&q, "lo");
        q.open.protocol = 3; /* ETH_P_ALL */
        n = sockbroker__request__pack(&q.r, buf);

        sock = broker_connect();
        if (sock < 0 || send_with_fds(sock, buf, n, &host, 1) < 0) {
                printf("not ok - cannot send the request: %m\n");
                return 1;
        }
        answer_read(sock, REPLY_TIMEOUT_MS, &a);
        answer_describe(&a, got, sizeof(got));
        if (a.kind == ANSWER_REPLY && a.error == EBADF && strneq(a.message, BAD, strlen(BAD)))
                printf("ok - an Open carrying a socket of the daemon's network namespace is refused: %s\n", got);
        else {
                if (a.fd >= 0 && netns_cookie(a.fd, &cookie) == 0)
                        snprintf(got + strlen(got), sizeof(got) - strlen(got), ", in the %s namespace",
                                 cookie == host_cookie ? "daemon's" : cookie == own_cookie ? "client's" : "a third");
                printf("not ok - an Open carrying a socket of the daemon's network namespace: expected "
                       "EBADF \"%s...\", got %s\n", BAD, got);
                failed++;
        }
        answer_done(&a);

        q.r.id = 2;
        n = sockbroker__request__pack(&q.r, buf);
        if (send_with_fds(sock, buf, n, NULL, 0) < 0) {
                printf("not ok - cannot send the request: %m\n");
                return 1;
        }
        answer_read(sock, REPLY_TIMEOUT_MS, &a);
        answer_describe(&a, got, sizeof(got));
        if (a.kind == ANSWER_REPLY && a.error == 0 && a.fd >= 0 && netns_cookie(a.fd, &cookie) == 0 &&
            cookie == own_cookie)
                printf("ok - an Open with nothing attached gets a socket of the client's own namespace "
                       "(cookie %" PRIu64 ")\n", cookie);
        else {
                if (a.fd >= 0 && netns_cookie(a.fd, &cookie) == 0)
                        snprintf(got + strlen(got), sizeof(got) - strlen(got), ", cookie %" PRIu64, cookie);
                printf("not ok - an Open with nothing attached: expected a socket with the client's "
                       "cookie %" PRIu64 " (the daemon's is %" PRIu64 "), got %s\n", own_cookie, host_cookie,
                       got);
                failed++;
        }
        answer_done(&a);
        return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
        static const struct {
                const char *name;
                int (*fn)(int, char **);
        } cmds[] = {
                { "cases", cmd_cases },
                { "case", cmd_case },
                { "count", cmd_count },
                { "hold", cmd_hold },
                { "churn", cmd_churn },
                { "grants", cmd_grants },
                { "pipeline", cmd_pipeline },
                { "flood", cmd_flood },
                { "hangup", cmd_hangup },
                { "loris", cmd_loris },
                { "hostsock", cmd_hostsock },
                { "witness", cmd_witness },
        };
        int i = 1;

        setvbuf(stdout, NULL, _IOLBF, 0);
        for (; i < argc && strneq(argv[i], "--", 2); i++) {
                if (streq(argv[i], "--strict"))
                        strict = true;
                else if (streq(argv[i], "--log") && i + 1 < argc)
                        log_path = argv[++i];
                else
                        break;
        }
        if (i < argc)
                for (size_t k = 0; k < ELEMENTSOF(cmds); k++)
                        if (streq(argv[i], cmds[k].name))
                                return cmds[k].fn(argc - i - 1, argv + i + 1);
        fprintf(stderr, "usage: sbhostile [--strict] [--log FILE] "
                        "cases FIRST COUNT|case NAME|count|hold N [SECONDS]|churn COUNT SECONDS|\n"
                        "       grants SECONDS MAX|pipeline CONNS PER SECONDS|flood SECONDS|hangup|\n"
                        "       loris INTERVAL_MS MAX_MS|hostsock CMD...|witness FD\n");
        return 2;
}
