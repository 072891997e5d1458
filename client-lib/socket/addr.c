/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * addr.c - socket addresses to and from text; the formats are documented
 * in sockbroker/addr.h.
 *
 * Each family has a parse_*() and a format_*() function, side by side,
 * and the pair is kept exactly symmetric: format writes only what parse
 * accepts, and parse accepts back exactly what format writes. Where a
 * struct can hold a value the text cannot express (a NUL inside an
 * abstract AF_UNIX name, an RTR flag in an ISO-TP id, a flow label wider
 * than 20 bits), format refuses with EINVAL rather than write something
 * that would parse back as a different address. Where a field has two
 * spellings (a keyword and a number), format picks one and parse takes
 * both; that is the only looseness.
 *
 * Parsing works on spans of the caller's string and never allocates.
 * Tokens that must reach a libc function as C strings (inet_pton(),
 * if_nametoindex(), names_parse_uint()) are copied into fixed stack
 * buffers after their length has been checked. Numbers go through
 * names_parse_uint(), so a number means the same here as in the policy
 * language: no sign, no spaces, no octal, and an explicit range per
 * field instead of whatever fits an unsigned long.
 *
 * The result is built in a local sockaddr_storage and copied out only on
 * success, so the caller's buffers are never left half-written. Output
 * goes through a writer that counts the full length of the text while
 * writing only what fits; ENOSPC is decided once, at the end, and a
 * failed call leaves an empty string rather than a truncated address.
 *
 * Internally everything returns a negative errno; the two exported
 * functions convert that to -1 and errno, like the socket calls they sit
 * next to.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/can.h>
#include <linux/can/j1939.h>
#include <linux/if_alg.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/qrtr.h>
#include <linux/tipc.h>
#include <linux/vm_sockets.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "common/bt.h"
#include "common/names.h"
#include "common/util.h"
#include "client-lib/broker/spec.h"
#include "sockbroker/addr.h"

#define offsetofend(type, member) \
        (offsetof(type, member) + sizeof(((type *)NULL)->member))

static_assert(sizeof(struct sockaddr_un) <= sizeof(struct sockaddr_storage), "storage");
static_assert(sizeof(struct sockaddr_alg) <= sizeof(struct sockaddr_storage), "storage");
static_assert(sizeof(struct sockaddr_can) <= sizeof(struct sockaddr_storage), "storage");

/* ---- spans ------------------------------------------------------------ */

/* A piece of the caller's string; not NUL-terminated. */
typedef struct Span {
        const char *ptr;
        size_t len;
} Span;

static Span span_new(const char *s)
{
        return (Span){ .ptr = s, .len = strlen(s) };
}

static bool span_eq(Span s, const char *word)
{
        size_t n = strlen(word);

        return s.len == n && memcmp(s.ptr, word, n) == 0;
}

static bool span_is_digits(Span s)
{
        if (s.len == 0)
                return false;
        for (size_t i = 0; i < s.len; i++)
                if (s.ptr[i] < '0' || s.ptr[i] > '9')
                        return false;
        return true;
}

static bool span_skip_prefix(Span *s, const char *prefix)
{
        size_t n = strlen(prefix);

        if (s->len < n || memcmp(s->ptr, prefix, n) != 0)
                return false;
        s->ptr += n;
        s->len -= n;
        return true;
}

/*
 * Cuts *s at the first sep: *head gets what comes before it and *s what
 * comes after. Without a sep, *head gets all of *s, *s is left empty, and
 * the result is false.
 */
static bool span_cut(Span *s, char sep, Span *head)
{
        const char *p = memchr(s->ptr, sep, s->len);

        if (!p) {
                *head = *s;
                s->ptr += s->len;
                s->len = 0;
                return false;
        }
        head->ptr = s->ptr;
        head->len = (size_t)(p - s->ptr);
        s->len -= head->len + 1;
        s->ptr = p + 1;
        return true;
}

/*
 * Splits s at each ',' into n_min..n_max fields. With nested, a ',' inside
 * parentheses does not split, and the parentheses must balance. An empty
 * s is one empty field; the field parsers decide whether that is valid.
 */
static int span_fields(Span s, bool nested, Span *fields, size_t n_min, size_t n_max,
                       size_t *ret_n)
{
        size_t n = 0, start = 0, depth = 0;

        for (size_t i = 0;; i++) {
                bool end = i == s.len;

                if (!end && nested && s.ptr[i] == '(') {
                        depth++;
                } else if (!end && nested && s.ptr[i] == ')') {
                        if (depth == 0)
                                return -EINVAL;
                        depth--;
                } else if (end || (s.ptr[i] == ',' && depth == 0)) {
                        if (n == n_max)
                                return -EINVAL;
                        fields[n++] = (Span){ .ptr = s.ptr + start, .len = i - start };
                        start = i + 1;
                        if (end)
                                break;
                }
        }

        if (depth > 0 || n < n_min)
                return -EINVAL;
        *ret_n = n;
        return 0;
}

/* Copies s into buf as a C string; -EINVAL if it does not fit. */
static int span_to_cstr(Span s, char *buf, size_t size)
{
        if (s.len >= size)
                return -EINVAL;
        memcpy(buf, s.ptr, s.len);
        buf[s.len] = '\0';
        return 0;
}

/* ---- numbers and keywords ---------------------------------------------- */

/* Longest NUMBER accepted, in characters; more is EINVAL. Generous: the
 * longest value without leading zeros is 20 digits. */
#define NUMBER_MAX_CHARS 31

static int parse_uint(Span s, uint64_t max, uint64_t *ret)
{
        char buf[NUMBER_MAX_CHARS + 1];
        uint64_t v;

        if (span_to_cstr(s, buf, sizeof(buf)) < 0)
                return -EINVAL;
        /* names_parse_uint() distinguishes -ERANGE; addr.h promises
         * EINVAL for any bad text. */
        if (names_parse_uint(buf, max, &v) < 0)
                return -EINVAL;
        *ret = v;
        return 0;
}

static int parse_u32(Span s, uint32_t max, uint32_t *ret)
{
        uint64_t v;
        int r;

        r = parse_uint(s, max, &v);
        if (r < 0)
                return r;
        *ret = (uint32_t)v;
        return 0;
}

typedef struct Keyword {
        const char *name;
        uint32_t value;
} Keyword;

static const Keyword *keyword_by_name(const Keyword *table, size_t n, Span s)
{
        for (size_t i = 0; i < n; i++)
                if (span_eq(s, table[i].name))
                        return &table[i];
        return NULL;
}

static const char *keyword_by_value(const Keyword *table, size_t n, uint32_t value)
{
        for (size_t i = 0; i < n; i++)
                if (table[i].value == value)
                        return table[i].name;
        return NULL;
}

/* A keyword from table, or else a NUMBER up to max. */
static int parse_keyword_or_u32(Span s, const Keyword *table, size_t n, uint32_t max,
                                uint32_t *ret)
{
        const Keyword *k = keyword_by_name(table, n, s);

        if (k) {
                *ret = k->value;
                return 0;
        }
        return parse_u32(s, max, ret);
}

/* "xx:xx:...": 1..max bytes of exactly two hex digits each. */
static int parse_hex_bytes(Span s, uint8_t *bytes, size_t max, size_t *ret_n)
{
        size_t n = 0, i = 0;

        for (;;) {
                int hi, lo;

                if (n == max || s.len - i < 2)
                        return -EINVAL;
                hi = unhexchar(s.ptr[i]);
                lo = unhexchar(s.ptr[i + 1]);
                if (hi < 0 || lo < 0)
                        return -EINVAL;
                bytes[n++] = (uint8_t)(hi << 4 | lo);
                i += 2;
                if (i == s.len)
                        break;
                if (s.ptr[i] != ':')
                        return -EINVAL;
                i++;
        }

        *ret_n = n;
        return 0;
}

/* ---- output ------------------------------------------------------------ */

/*
 * Writes as much as fits into buf and counts everything, so the caller
 * learns at the end whether the whole text fitted. Never writes past
 * size; the NUL is added by out_finish().
 */
typedef struct Out {
        char *buf;
        size_t size;
        size_t len;
        int error;
} Out;

static void out_write(Out *o, const char *s, size_t n)
{
        if (o->len < o->size) {
                size_t room = o->size - o->len;

                memcpy(o->buf + o->len, s, n < room ? n : room);
        }
        o->len += n;
}

static void out_puts(Out *o, const char *s)
{
        out_write(o, s, strlen(s));
}

static void out_putc(Out *o, char c)
{
        out_write(o, &c, 1);
}

_printf_(2, 3) static void out_printf(Out *o, const char *format, ...)
{
        size_t room = o->len < o->size ? o->size - o->len : 0;
        va_list ap;
        int n;

        va_start(ap, format);
        n = vsnprintf(room > 0 ? o->buf + o->len : NULL, room, format, ap);
        va_end(ap);

        if (n < 0)
                o->error = -EINVAL;
        else
                o->len += (size_t)n;
}

/* Completes the text, or turns a failure r into an empty string. */
static int out_finish(Out *o, int r)
{
        if (r >= 0)
                r = o->error;
        if (r >= 0 && o->len >= o->size)
                r = -ENOSPC;
        if (r < 0) {
                if (o->size > 0)
                        o->buf[0] = '\0';
                return r;
        }
        o->buf[o->len] = '\0';
        return 0;
}

/* ---- interfaces ---------------------------------------------------------- */

/*
 * Whether a name may appear as an IFACE: that is, whether it reads back
 * as the same name. The kernel allows more (dev_valid_name()): anything
 * but '/', ':' and white space. Separators of the text forms, bytes
 * outside printable ASCII, all-digit names (those are indexes) and "any"
 * (the keyword) are refused here; such interfaces are written by index.
 */
static bool ifname_is_valid(const char *s, size_t n)
{
        bool digits = true;

        if (n == 0 || n >= IF_NAMESIZE)
                return false;
        if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
                return false;
        if (n == 3 && memcmp(s, "any", 3) == 0)
                return false;

        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)s[i];

                if (c <= ' ' || c >= 0x7f || strchr("/:,%[]", c))
                        return false;
                if (c < '0' || c > '9')
                        digits = false;
        }

        return !digits;
}

/*
 * Where a spec (client-lib/broker/spec.c) holds an address, interface
 * names stay names: the broker resolves them in its own network
 * namespace, which need not be the caller's, and explain must work on a
 * machine without the interface. With an IfaceOut, parse_iface() copies
 * a name there and gives index 0 instead of looking the name up, and
 * out_iface() writes the name it is given.
 */
typedef struct IfaceOut {
        char *name;             /* IF_NAMESIZE bytes; "" unless a name was given */
} IfaceOut;

/*
 * IFACE -> interface index, up to max. With allow_any, "" and "any" are
 * index 0. Only here does parsing look anything up, and only without ifo.
 */
static int parse_iface(Span s, bool allow_any, uint32_t max, IfaceOut *ifo, uint32_t *ret)
{
        char name[IF_NAMESIZE];
        int saved_errno;
        unsigned idx;

        if (allow_any && (s.len == 0 || span_eq(s, "any"))) {
                *ret = 0;
                return 0;
        }
        if (span_is_digits(s))
                return parse_u32(s, max, ret);

        if (!ifname_is_valid(s.ptr, s.len))
                return -EINVAL;
        memcpy(name, s.ptr, s.len);
        name[s.len] = '\0';
        if (ifo) {
                memcpy(ifo->name, name, s.len + 1);
                *ret = 0;
                return 0;
        }

        saved_errno = errno;
        errno = 0;
        idx = if_nametoindex(name);
        if (idx == 0)
                return errno > 0 ? -errno : -ENODEV;
        errno = saved_errno;
        if (idx > max)
                return -EINVAL;

        *ret = idx;
        return 0;
}

/* ifname, when not NULL or empty, is written in place of idx; the
 * caller has checked it with ifname_is_valid(). */
static void out_iface(Out *o, uint32_t idx, bool zero_is_any, const char *ifname)
{
        char name[IF_NAMESIZE];
        int saved_errno = errno;

        if (ifname && ifname[0])
                out_puts(o, ifname);
        else if (idx == 0 && zero_is_any)
                out_puts(o, "any");
        else if (idx > 0 && if_indextoname(idx, name) &&
                 ifname_is_valid(name, strnlen(name, sizeof(name))))
                out_puts(o, name);
        else
                out_printf(o, "%" PRIu32, idx);

        /* A name that does not resolve is not an error here. */
        errno = saved_errno;
}

/* Copies the caller's address into a zeroed local of the family's type;
 * the caller checks len first. Avoids unaligned and aliased access. */
static void sa_load(void *dst, size_t size, const struct sockaddr *sa, socklen_t len)
{
        memset(dst, 0, size);
        memcpy(dst, sa, len < size ? len : size);
}

static int sa_store(struct sockaddr_storage *ss, socklen_t *len, const void *sa, size_t n)
{
        memcpy(ss, sa, n);
        *len = (socklen_t)n;
        return 0;
}

/* ---- AF_INET ------------------------------------------------------------- */

static int parse_inet(Span s, struct sockaddr_storage *ss, socklen_t *len)
{
        struct sockaddr_in sin = { .sin_family = AF_INET };
        char host[INET_ADDRSTRLEN];
        uint32_t port;
        Span h;
        int r;

        if (!span_cut(&s, ':', &h))
                return -EINVAL;

        if (h.len == 0) {
                sin.sin_addr.s_addr = htonl(INADDR_ANY);
        } else if (span_eq(h, "<broadcast>")) {
                sin.sin_addr.s_addr = htonl(INADDR_BROADCAST);
        } else {
                r = span_to_cstr(h, host, sizeof(host));
                if (r < 0)
                        return r;
                if (inet_pton(AF_INET, host, &sin.sin_addr) != 1)
                        return -EINVAL;
        }

        r = parse_u32(s, UINT16_MAX, &port);
        if (r < 0)
                return r;
        sin.sin_port = htons((uint16_t)port);

        return sa_store(ss, len, &sin, sizeof(sin));
}

static int format_inet(const struct sockaddr *sa, socklen_t len, Out *o)
{
        struct sockaddr_in sin;
        char host[INET_ADDRSTRLEN];

        if (len < sizeof(sin))
                return -EINVAL;
        sa_load(&sin, sizeof(sin), sa, len);

        if (!inet_ntop(AF_INET, &sin.sin_addr, host, sizeof(host)))
                return -EINVAL;
        out_printf(o, "%s:%u", host, (unsigned)ntohs(sin.sin_port));
        return 0;
}

/* ---- AF_INET6 ------------------------------------------------------------ */

/* The flow label; the reference refuses wider values, and so do we. */
#define FLOWINFO_MAX 0xfffffu

static int parse_inet6(Span s, struct sockaddr_storage *ss, socklen_t *len)
{
        struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
        char host[INET6_ADDRSTRLEN];
        uint32_t port, flowinfo = 0, scope_id = 0;
        Span inner, addr, p;
        int r;

        if (!span_skip_prefix(&s, "["))
                return -EINVAL;
        if (!span_cut(&s, ']', &inner))
                return -EINVAL;
        if (!span_skip_prefix(&s, ":"))
                return -EINVAL;

        if (span_cut(&inner, '%', &addr)) {
                r = parse_iface(inner, false, UINT32_MAX, NULL, &scope_id);
                if (r < 0)
                        return r;
        }
        r = span_to_cstr(addr, host, sizeof(host));
        if (r < 0)
                return r;
        if (inet_pton(AF_INET6, host, &sin6.sin6_addr) != 1)
                return -EINVAL;

        if (span_cut(&s, ',', &p)) {
                r = parse_u32(s, FLOWINFO_MAX, &flowinfo);
                if (r < 0)
                        return r;
        }
        r = parse_u32(p, UINT16_MAX, &port);
        if (r < 0)
                return r;

        sin6.sin6_port = htons((uint16_t)port);
        sin6.sin6_flowinfo = htonl(flowinfo);
        sin6.sin6_scope_id = scope_id;

        return sa_store(ss, len, &sin6, sizeof(sin6));
}

static int format_inet6(const struct sockaddr *sa, socklen_t len, Out *o)
{
        struct sockaddr_in6 sin6;
        char host[INET6_ADDRSTRLEN];
        uint32_t flowinfo;

        if (len < sizeof(sin6))
                return -EINVAL;
        sa_load(&sin6, sizeof(sin6), sa, len);

        flowinfo = ntohl(sin6.sin6_flowinfo);
        if (flowinfo > FLOWINFO_MAX)
                return -EINVAL;
        if (!inet_ntop(AF_INET6, &sin6.sin6_addr, host, sizeof(host)))
                return -EINVAL;

        out_printf(o, "[%s", host);
        if (sin6.sin6_scope_id != 0) {
                out_putc(o, '%');
                out_iface(o, sin6.sin6_scope_id, false, NULL);
        }
        out_printf(o, "]:%u", (unsigned)ntohs(sin6.sin6_port));
        if (flowinfo != 0)
                out_printf(o, ",0x%" PRIx32, flowinfo);
        return 0;
}

/* ---- AF_UNIX ------------------------------------------------------------- */

/*
 * Every AF_UNIX address has exactly one text, and every text one address:
 *
 *   ""        the address of sun_family alone (length sizeof(sa_family_t)):
 *             bind(2) autobinds it to an abstract name of five hex digits,
 *             and getsockname(2) of an unbound socket returns it
 *   "@NAME"   an abstract name, NAME being zero or more bytes (so "@" alone
 *             is the abstract name of no bytes, another address than "")
 *   "PATH"    a file system path; "\@" writes a leading '@' of a path,
 *             which would otherwise read as abstract
 *
 * In NAME and PATH, '\' escapes: "\\" is a backslash, "\@" an '@' and
 * "\xHH" the byte HH. Formatting escapes every byte outside printable
 * ASCII, the backslash, and a path's leading '@', and nothing else; so a
 * NUL inside an abstract name has a text too ("\x00"). A path cannot hold
 * a NUL: the kernel reads it up to the first one.
 */

/* Longest path or abstract name: sun_path less the NUL in front of an
 * abstract name or behind a path. */
#define UNIX_NAME_MAX (sizeof(((struct sockaddr_un *)NULL)->sun_path) - 1)

/* "@" and every byte of the longest name as "\xHH" is the longest text of
 * all families. */
static_assert(1 + 4 * UNIX_NAME_MAX < SB_ADDR_STRLEN_MAX, "SB_ADDR_STRLEN_MAX too small");

/* Undoes the escapes of s into buf (max bytes); -EINVAL for a bad escape
 * or a name too long. */
static int unix_unescape(Span s, char *buf, size_t max, size_t *ret_n)
{
        size_t n = 0;

        for (size_t i = 0; i < s.len; i++) {
                char c = s.ptr[i];

                if (c == '\\') {
                        if (i + 1 == s.len)
                                return -EINVAL;
                        c = s.ptr[++i];
                        if (c == 'x') {
                                int hi, lo;

                                if (s.len - i < 3)
                                        return -EINVAL;
                                hi = unhexchar(s.ptr[i + 1]);
                                lo = unhexchar(s.ptr[i + 2]);
                                if (hi < 0 || lo < 0)
                                        return -EINVAL;
                                c = (char)(hi << 4 | lo);
                                i += 2;
                        } else if (c != '\\' && c != '@') {
                                return -EINVAL;
                        }
                }
                if (n == max)
                        return -EINVAL;
                buf[n++] = c;
        }

        *ret_n = n;
        return 0;
}

static void out_unix_escaped(Out *o, const char *s, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)s[i];

                if (c == '\\')
                        out_puts(o, "\\\\");
                else if (c < 0x20 || c >= 0x7f)
                        out_printf(o, "\\x%02x", (unsigned)c);
                else
                        out_putc(o, (char)c);
        }
}

static int parse_unix(Span s, struct sockaddr_storage *ss, socklen_t *len)
{
        const size_t off = offsetof(struct sockaddr_un, sun_path);
        struct sockaddr_un un = { .sun_family = AF_UNIX };
        size_t n;
        int r;

        /* Autobind: bind(2) sees only sun_family. */
        if (s.len == 0)
                return sa_store(ss, len, &un, off);

        if (span_skip_prefix(&s, "@")) {
                r = unix_unescape(s, un.sun_path + 1, UNIX_NAME_MAX, &n);
                if (r < 0)
                        return r;
                return sa_store(ss, len, &un, off + 1 + n);
        }

        r = unix_unescape(s, un.sun_path, UNIX_NAME_MAX, &n);
        if (r < 0)
                return r;
        /* "\x00" would end the path early: the text says more than the
         * address; and a path needs at least one byte. */
        if (n == 0 || memchr(un.sun_path, '\0', n))
                return -EINVAL;
        return sa_store(ss, len, &un, off + n + 1);
}

static int format_unix(const struct sockaddr *sa, socklen_t len, Out *o)
{
        const size_t off = offsetof(struct sockaddr_un, sun_path);
        struct sockaddr_un un;
        size_t n;

        /* More than the struct is refused by the kernel too. */
        if (len < off || len > sizeof(un))
                return -EINVAL;
        sa_load(&un, sizeof(un), sa, len);
        n = len - off;

        if (n == 0)
                return 0;

        if (un.sun_path[0] == '\0') {
                out_putc(o, '@');
                out_unix_escaped(o, un.sun_path + 1, n - 1);
                return 0;
        }

        /* The kernel reads a path up to the first NUL, or to the end of
         * len; a path filling all of sun_path has no room for the NUL
         * that parsing adds, so it cannot be parsed back. */
        n = strnlen(un.sun_path, n);
        if (n > UNIX_NAME_MAX)
                return -EINVAL;
        if (un.sun_path[0] == '@') {
                out_puts(o, "\\@");
                out_unix_escaped(o, un.sun_path + 1, n - 1);
        } else {
                out_unix_escaped(o, un.sun_path, n);
        }
        return 0;
}

/* ---- AF_CAN -------------------------------------------------------------- */

/* The shortest address the kernel accepts per protocol: the
 * *_MIN_NAMELEN of net/can/, which getsockname() returns as well. */
static int can_min_len(int protocol, size_t *ret)
{
        switch (protocol) {
        case CAN_RAW:
        case CAN_BCM:
                *ret = offsetofend(struct sockaddr_can, can_ifindex);
                return 0;
        case CAN_ISOTP:
                *ret = offsetofend(struct sockaddr_can, can_addr.tp);
                return 0;
        case CAN_J1939:
                *ret = offsetofend(struct sockaddr_can, can_addr.j1939);
                return 0;
        default:
                return -EPROTONOSUPPORT;
        }
}

/*
 * A CAN id as ISO-TP takes it: standard ids up to 0x7ff, extended ids
 * up to 0x1fffffff with CAN_EFF_FLAG set for them, or given with the flag
 * already set (the only way to say "extended" for an id below 0x800).
 * RTR and ERR flags are not addresses; the kernel refuses them too.
 */
static int parse_can_id(Span s, canid_t *ret)
{
        uint32_t v;
        int r;

        r = parse_u32(s, UINT32_MAX, &v);
        if (r < 0)
                return r;

        if (v & CAN_EFF_FLAG) {
                if (v & ~(CAN_EFF_FLAG | CAN_EFF_MASK))
                        return -EINVAL;
        } else if (v > CAN_EFF_MASK) {
                return -EINVAL;
        } else if (v > CAN_SFF_MASK) {
                v |= CAN_EFF_FLAG;
        }

        *ret = v;
        return 0;
}

static int format_can_id(Out *o, canid_t id)
{
        if (id & CAN_EFF_FLAG) {
                if (id & ~(CAN_EFF_FLAG | CAN_EFF_MASK))
                        return -EINVAL;
                if ((id & CAN_EFF_MASK) > CAN_SFF_MASK)
                        id &= CAN_EFF_MASK;
        } else if (id > CAN_SFF_MASK) {
                return -EINVAL;
        }

        out_printf(o, "0x%" PRIx32, (uint32_t)id);
        return 0;
}

/* "-" is the J1939_NO_* value of a field, else a NUMBER up to max. */
static int parse_j1939_field(Span s, uint64_t none, uint64_t max, uint64_t *ret)
{
        if (span_eq(s, "-")) {
                *ret = none;
                return 0;
        }
        return parse_uint(s, max, ret);
}

static int parse_can(Span s, int protocol, IfaceOut *ifo, struct sockaddr_storage *ss,
                     socklen_t *len)
{
        struct sockaddr_can can = { .can_family = AF_CAN };
        uint64_t name, pgn, addr;
        uint32_t ifindex;
        size_t n_fields, n;
        Span f[4];
        int r;

        switch (protocol) {
        case CAN_RAW:
        case CAN_BCM:
                n_fields = 1;
                break;
        case CAN_ISOTP:
                n_fields = 3;
                break;
        case CAN_J1939:
                n_fields = 4;
                break;
        default:
                return -EPROTONOSUPPORT;
        }

        r = span_fields(s, false, f, n_fields, n_fields, &n);
        if (r < 0)
                return r;

        r = parse_iface(f[0], true, INT_MAX, ifo, &ifindex);
        if (r < 0)
                return r;
        can.can_ifindex = (int)ifindex;

        switch (protocol) {
        case CAN_ISOTP:
                r = parse_can_id(f[1], &can.can_addr.tp.rx_id);
                if (r < 0)
                        return r;
                r = parse_can_id(f[2], &can.can_addr.tp.tx_id);
                if (r < 0)
                        return r;
                break;
        case CAN_J1939:
                r = parse_j1939_field(f[1], J1939_NO_NAME, UINT64_MAX, &name);
                if (r < 0)
                        return r;
                /* J1939_NO_PGN as a number too: it is the same value,
                 * and specs used to spell it that way. */
                r = parse_j1939_field(f[2], J1939_NO_PGN, J1939_NO_PGN, &pgn);
                if (r < 0)
                        return r;
                r = parse_j1939_field(f[3], J1939_NO_ADDR, UINT8_MAX, &addr);
                if (r < 0)
                        return r;
                can.can_addr.j1939.name = name;
                can.can_addr.j1939.pgn = (uint32_t)pgn;
                can.can_addr.j1939.addr = (uint8_t)addr;
                break;
        default:
                break;
        }

        return sa_store(ss, len, &can, sizeof(can));
}

static int format_can(const struct sockaddr *sa, socklen_t len, int protocol, const char *ifname,
                      Out *o)
{
        struct sockaddr_can can;
        size_t min_len;
        int r;

        r = can_min_len(protocol, &min_len);
        if (r < 0)
                return r;
        if (len < min_len)
                return -EINVAL;
        sa_load(&can, sizeof(can), sa, len);

        if (can.can_ifindex < 0)
                return -EINVAL;
        out_iface(o, (uint32_t)can.can_ifindex, true, ifname);

        switch (protocol) {
        case CAN_ISOTP:
                out_putc(o, ',');
                r = format_can_id(o, can.can_addr.tp.rx_id);
                if (r < 0)
                        return r;
                out_putc(o, ',');
                return format_can_id(o, can.can_addr.tp.tx_id);
        case CAN_J1939:
                if (can.can_addr.j1939.pgn > J1939_PGN_MAX &&
                    can.can_addr.j1939.pgn != J1939_NO_PGN)
                        return -EINVAL;

                if (can.can_addr.j1939.name == J1939_NO_NAME)
                        out_puts(o, ",-");
                else
                        out_printf(o, ",0x%" PRIx64, (uint64_t)can.can_addr.j1939.name);
                if (can.can_addr.j1939.pgn == J1939_NO_PGN)
                        out_puts(o, ",-");
                else
                        out_printf(o, ",0x%" PRIx32, (uint32_t)can.can_addr.j1939.pgn);
                if (can.can_addr.j1939.addr == J1939_NO_ADDR)
                        out_puts(o, ",-");
                else
                        out_printf(o, ",0x%x", (unsigned)can.can_addr.j1939.addr);
                return 0;
        default:
                return 0;
        }
}

/* ---- AF_PACKET ----------------------------------------------------------- */

static const Keyword pkttype_names[] = {
        { "host",       PACKET_HOST },
        { "broadcast",  PACKET_BROADCAST },
        { "multicast",  PACKET_MULTICAST },
        { "otherhost",  PACKET_OTHERHOST },
        { "outgoing",   PACKET_OUTGOING },
        { "loopback",   PACKET_LOOPBACK },
        { "user",       PACKET_USER },
        { "kernel",     PACKET_KERNEL },
};

/* Longest EtherType name or number handed to names_protocol_from_string(). */
#define ETHERTYPE_MAX_CHARS 31

/*
 * An EtherType is a name of the policy language ("ip", "ptp", ...) or a
 * NUMBER in hexadecimal with 0x. A decimal number is refused: "1588" is
 * PTP's name (0x88f7) in the policy language, and if other decimals were
 * numbers, "1588" alone would not be 0x0634 -- a trap for anyone who
 * writes EtherTypes as Python's integers. So text of digits only is
 * either that name or an error, never a number.
 */
static int parse_ethertype(Span s, uint32_t *ret)
{
        char text[ETHERTYPE_MAX_CHARS + 1];
        uint32_t v;
        int r;

        r = span_to_cstr(s, text, sizeof(text));
        if (r < 0)
                return r;
        if (names_protocol_from_string(AF_PACKET, text, &v) < 0 || v > UINT16_MAX)
                return -EINVAL;
        if (span_is_digits(s) && !span_eq(s, "1588"))
                return -EINVAL;

        *ret = v;
        return 0;
}

int sb_addr_parse_ethertype(const char *text, uint32_t *ret)
{
        if (!text || !ret)
                return -EINVAL;
        return parse_ethertype(span_new(text), ret);
}

static int parse_packet(Span s, IfaceOut *ifo, struct sockaddr_storage *ss, socklen_t *len)
{
        struct sockaddr_ll sll = { .sll_family = AF_PACKET };
        uint32_t ifindex, proto = 0, pkttype = PACKET_HOST, hatype = 0;
        size_t n, halen = 0;
        Span f[5];
        int r;

        r = span_fields(s, false, f, 1, 5, &n);
        if (r < 0)
                return r;

        r = parse_iface(f[0], true, INT_MAX, ifo, &ifindex);
        if (r < 0)
                return r;

        /* Without PROTO, 0: bind(2) then keeps the socket's protocol. */
        if (n > 1) {
                r = parse_ethertype(f[1], &proto);
                if (r < 0)
                        return r;
        }

        if (n > 2) {
                r = parse_keyword_or_u32(f[2], pkttype_names, ELEMENTSOF(pkttype_names),
                                         UINT8_MAX, &pkttype);
                if (r < 0)
                        return r;
        }
        if (n > 3) {
                r = parse_u32(f[3], UINT16_MAX, &hatype);
                if (r < 0)
                        return r;
        }
        if (n > 4) {
                r = parse_hex_bytes(f[4], sll.sll_addr, sizeof(sll.sll_addr), &halen);
                if (r < 0)
                        return r;
        }

        sll.sll_ifindex = (int)ifindex;
        sll.sll_protocol = htons((uint16_t)proto);
        sll.sll_pkttype = (unsigned char)pkttype;
        sll.sll_hatype = (unsigned short)hatype;
        sll.sll_halen = (unsigned char)halen;

        return sa_store(ss, len, &sll, sizeof(sll));
}

static int format_packet(const struct sockaddr *sa, socklen_t len, const char *ifname, Out *o)
{
        const size_t off = offsetof(struct sockaddr_ll, sll_addr);
        struct sockaddr_ll sll;
        const char *pkttype;

        /* The kernel returns offsetof(sll_addr) + sll_halen bytes, which
         * can be less than the struct. */
        if (len < off)
                return -EINVAL;
        sa_load(&sll, sizeof(sll), sa, len);
        if (sll.sll_halen > sizeof(sll.sll_addr) || sll.sll_halen > len - off)
                return -EINVAL;
        if (sll.sll_ifindex < 0)
                return -EINVAL;

        out_iface(o, (uint32_t)sll.sll_ifindex, true, ifname);
        if (sll.sll_protocol == 0 && sll.sll_pkttype == PACKET_HOST && sll.sll_hatype == 0 &&
            sll.sll_halen == 0)
                return 0;
        out_printf(o, ",0x%04x", (unsigned)ntohs(sll.sll_protocol));

        if (sll.sll_pkttype == PACKET_HOST && sll.sll_hatype == 0 && sll.sll_halen == 0)
                return 0;
        pkttype = keyword_by_value(pkttype_names, ELEMENTSOF(pkttype_names), sll.sll_pkttype);
        if (pkttype)
                out_printf(o, ",%s", pkttype);
        else
                out_printf(o, ",%u", (unsigned)sll.sll_pkttype);

        if (sll.sll_hatype == 0 && sll.sll_halen == 0)
                return 0;
        out_printf(o, ",%u", (unsigned)sll.sll_hatype);

        for (size_t i = 0; i < sll.sll_halen; i++)
                out_printf(o, "%c%02x", i == 0 ? ',' : ':', (unsigned)sll.sll_addr[i]);
        return 0;
}

/* ---- AF_BLUETOOTH -------------------------------------------------------- */

static const Keyword bt_addrtype_names[] = {
        { "bredr",      BDADDR_BREDR },
        { "le-public",  BDADDR_LE_PUBLIC },
        { "le-random",  BDADDR_LE_RANDOM },
};

static const Keyword hci_channel_names[] = {
        { "raw",        HCI_CHANNEL_RAW },
        { "user",       HCI_CHANNEL_USER },
        { "monitor",    HCI_CHANNEL_MONITOR },
        { "control",    HCI_CHANNEL_CONTROL },
        { "logging",    HCI_CHANNEL_LOGGING },
};

/* The channels the kernel binds only without a controller (HCI_DEV_NONE):
 * written alone, "monitor" for "none,monitor", as a spec always has. */
static const Keyword hci_nodev_channel_names[] = {
        { "monitor",    HCI_CHANNEL_MONITOR },
        { "control",    HCI_CHANNEL_CONTROL },
        { "logging",    HCI_CHANNEL_LOGGING },
};

/* Text order is most significant byte first; bdaddr_t is the reverse. */
static int parse_bdaddr(Span s, bdaddr_t *ret)
{
        static const uint8_t local[6] = { 0xff, 0xff, 0xff, 0x00, 0x00, 0x00 };
        uint8_t b[6];
        size_t n;
        int r;

        if (span_eq(s, "any")) {
                memset(ret->b, 0, sizeof(ret->b));
                return 0;
        }
        if (span_eq(s, "local")) {
                memcpy(ret->b, local, sizeof(ret->b));
                return 0;
        }

        r = parse_hex_bytes(s, b, sizeof(b), &n);
        if (r < 0)
                return r;
        if (n != sizeof(b))
                return -EINVAL;
        for (size_t i = 0; i < sizeof(b); i++)
                ret->b[i] = b[sizeof(b) - 1 - i];
        return 0;
}

static void out_bdaddr(Out *o, const bdaddr_t *ba)
{
        out_printf(o, "%02X:%02X:%02X:%02X:%02X:%02X",
                   ba->b[5], ba->b[4], ba->b[3], ba->b[2], ba->b[1], ba->b[0]);
}

/* "hciN" (decimal N), "none", or a NUMBER. */
static int parse_hci_dev(Span s, uint32_t *ret)
{
        if (span_eq(s, "none")) {
                *ret = HCI_DEV_NONE;
                return 0;
        }
        if (span_skip_prefix(&s, "hci") && !span_is_digits(s))
                return -EINVAL;
        return parse_u32(s, UINT16_MAX, ret);
}

static int parse_bluetooth(Span s, int protocol, struct sockaddr_storage *ss, socklen_t *len)
{
        uint32_t v, dev, channel = HCI_CHANNEL_RAW;
        Span f[4];
        size_t n;
        int r;

        switch (protocol) {
        case BTPROTO_L2CAP: {
                struct sockaddr_l2 l2 = { .l2_family = AF_BLUETOOTH };
                const Keyword *k;

                r = span_fields(s, false, f, 2, 4, &n);
                if (r < 0)
                        return r;
                r = parse_bdaddr(f[0], &l2.l2_bdaddr);
                if (r < 0)
                        return r;
                r = parse_u32(f[1], UINT16_MAX, &v);
                if (r < 0)
                        return r;
                l2.l2_psm = htole16((uint16_t)v);
                if (n > 2) {
                        r = parse_u32(f[2], UINT16_MAX, &v);
                        if (r < 0)
                                return r;
                        l2.l2_cid = htole16((uint16_t)v);
                }
                if (n > 3) {
                        k = keyword_by_name(bt_addrtype_names, ELEMENTSOF(bt_addrtype_names), f[3]);
                        if (!k)
                                return -EINVAL;
                        l2.l2_bdaddr_type = (uint8_t)k->value;
                }
                return sa_store(ss, len, &l2, sizeof(l2));
        }
        case BTPROTO_HCI: {
                struct sockaddr_hci hci = { .hci_family = AF_BLUETOOTH };
                const Keyword *k;

                r = span_fields(s, false, f, 1, 2, &n);
                if (r < 0)
                        return r;
                /* The channels that take no controller, alone. */
                k = n == 1 ? keyword_by_name(hci_nodev_channel_names,
                                             ELEMENTSOF(hci_nodev_channel_names), f[0])
                           : NULL;
                if (k) {
                        hci.hci_dev = HCI_DEV_NONE;
                        hci.hci_channel = (unsigned short)k->value;
                        return sa_store(ss, len, &hci, sizeof(hci));
                }
                r = parse_hci_dev(f[0], &dev);
                if (r < 0)
                        return r;
                if (n > 1) {
                        r = parse_keyword_or_u32(f[1], hci_channel_names,
                                                 ELEMENTSOF(hci_channel_names), UINT16_MAX,
                                                 &channel);
                        if (r < 0)
                                return r;
                }
                hci.hci_dev = (unsigned short)dev;
                hci.hci_channel = (unsigned short)channel;
                return sa_store(ss, len, &hci, sizeof(hci));
        }
        case BTPROTO_SCO: {
                struct sockaddr_sco sco = { .sco_family = AF_BLUETOOTH };

                r = parse_bdaddr(s, &sco.sco_bdaddr);
                if (r < 0)
                        return r;
                return sa_store(ss, len, &sco, sizeof(sco));
        }
        case BTPROTO_RFCOMM: {
                struct sockaddr_rc rc = { .rc_family = AF_BLUETOOTH };

                r = span_fields(s, false, f, 2, 2, &n);
                if (r < 0)
                        return r;
                r = parse_bdaddr(f[0], &rc.rc_bdaddr);
                if (r < 0)
                        return r;
                r = parse_u32(f[1], RFCOMM_CHANNEL_MAX, &v);
                if (r < 0)
                        return r;
                rc.rc_channel = (uint8_t)v;
                return sa_store(ss, len, &rc, sizeof(rc));
        }
        default:
                return -EPROTONOSUPPORT;
        }
}

static int format_bluetooth(const struct sockaddr *sa, socklen_t len, int protocol, Out *o)
{
        switch (protocol) {
        case BTPROTO_L2CAP: {
                struct sockaddr_l2 l2;
                const char *type;

                if (len < sizeof(l2))
                        return -EINVAL;
                sa_load(&l2, sizeof(l2), sa, len);
                type = keyword_by_value(bt_addrtype_names, ELEMENTSOF(bt_addrtype_names),
                                        l2.l2_bdaddr_type);
                if (!type)
                        return -EINVAL;

                out_bdaddr(o, &l2.l2_bdaddr);
                /* Hex, as the Bluetooth specifications and BlueZ write
                 * PSMs and CIDs, and as a spec writes its PSM. */
                out_printf(o, ",0x%04x", (unsigned)le16toh(l2.l2_psm));
                if (l2.l2_cid != 0 || l2.l2_bdaddr_type != BDADDR_BREDR)
                        out_printf(o, ",0x%04x", (unsigned)le16toh(l2.l2_cid));
                if (l2.l2_bdaddr_type != BDADDR_BREDR)
                        out_printf(o, ",%s", type);
                return 0;
        }
        case BTPROTO_HCI: {
                struct sockaddr_hci hci;
                const char *channel;

                if (len < sizeof(hci))
                        return -EINVAL;
                sa_load(&hci, sizeof(hci), sa, len);

                channel = keyword_by_value(hci_nodev_channel_names,
                                           ELEMENTSOF(hci_nodev_channel_names), hci.hci_channel);
                if (hci.hci_dev == HCI_DEV_NONE && channel) {
                        out_puts(o, channel);
                        return 0;
                }
                if (hci.hci_dev == HCI_DEV_NONE)
                        out_puts(o, "none");
                else
                        out_printf(o, "hci%u", (unsigned)hci.hci_dev);
                if (hci.hci_channel == HCI_CHANNEL_RAW)
                        return 0;
                channel = keyword_by_value(hci_channel_names, ELEMENTSOF(hci_channel_names),
                                           hci.hci_channel);
                if (channel)
                        out_printf(o, ",%s", channel);
                else
                        out_printf(o, ",%u", (unsigned)hci.hci_channel);
                return 0;
        }
        case BTPROTO_SCO: {
                struct sockaddr_sco sco;

                if (len < sizeof(sco))
                        return -EINVAL;
                sa_load(&sco, sizeof(sco), sa, len);
                out_bdaddr(o, &sco.sco_bdaddr);
                return 0;
        }
        case BTPROTO_RFCOMM: {
                struct sockaddr_rc rc;

                if (len < sizeof(rc))
                        return -EINVAL;
                sa_load(&rc, sizeof(rc), sa, len);
                if (rc.rc_channel > RFCOMM_CHANNEL_MAX)
                        return -EINVAL;
                out_bdaddr(o, &rc.rc_bdaddr);
                out_printf(o, ",%u", (unsigned)rc.rc_channel);
                return 0;
        }
        default:
                return -EPROTONOSUPPORT;
        }
}

/* ---- AF_NETLINK ---------------------------------------------------------- */

static int parse_netlink(Span s, struct sockaddr_storage *ss, socklen_t *len)
{
        struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
        Span f[2];
        size_t n;
        int r;

        r = span_fields(s, false, f, 2, 2, &n);
        if (r < 0)
                return r;
        r = parse_u32(f[0], UINT32_MAX, &nl.nl_pid);
        if (r < 0)
                return r;
        r = parse_u32(f[1], UINT32_MAX, &nl.nl_groups);
        if (r < 0)
                return r;

        return sa_store(ss, len, &nl, sizeof(nl));
}

static int format_netlink(const struct sockaddr *sa, socklen_t len, Out *o)
{
        struct sockaddr_nl nl;

        if (len < sizeof(nl))
                return -EINVAL;
        sa_load(&nl, sizeof(nl), sa, len);
        out_printf(o, "%" PRIu32 ",0x%" PRIx32, (uint32_t)nl.nl_pid, (uint32_t)nl.nl_groups);
        return 0;
}

/* ---- AF_VSOCK ------------------------------------------------------------ */

static const Keyword vsock_cid_names[] = {
        { "any",        VMADDR_CID_ANY },
        { "hypervisor", VMADDR_CID_HYPERVISOR },
        { "local",      VMADDR_CID_LOCAL },
        { "host",       VMADDR_CID_HOST },
};

static const Keyword vsock_port_names[] = {
        { "any",        VMADDR_PORT_ANY },
};

static int parse_vsock(Span s, struct sockaddr_storage *ss, socklen_t *len)
{
        struct sockaddr_vm svm = { .svm_family = AF_VSOCK };
        uint32_t flags = 0;
        Span cid, f[2];
        size_t n;
        int r;

        if (!span_cut(&s, ':', &cid))
                return -EINVAL;
        r = parse_keyword_or_u32(cid, vsock_cid_names, ELEMENTSOF(vsock_cid_names), UINT32_MAX,
                                 &svm.svm_cid);
        if (r < 0)
                return r;

        r = span_fields(s, false, f, 1, 2, &n);
        if (r < 0)
                return r;
        r = parse_keyword_or_u32(f[0], vsock_port_names, ELEMENTSOF(vsock_port_names),
                                 UINT32_MAX, &svm.svm_port);
        if (r < 0)
                return r;
        if (n > 1) {
                r = parse_u32(f[1], UINT8_MAX, &flags);
                if (r < 0)
                        return r;
        }
        svm.svm_flags = (uint8_t)flags;

        return sa_store(ss, len, &svm, sizeof(svm));
}

static int format_vsock(const struct sockaddr *sa, socklen_t len, Out *o)
{
        struct sockaddr_vm svm;
        const char *name;

        if (len < sizeof(svm))
                return -EINVAL;
        sa_load(&svm, sizeof(svm), sa, len);

        name = keyword_by_value(vsock_cid_names, ELEMENTSOF(vsock_cid_names), svm.svm_cid);
        if (name)
                out_puts(o, name);
        else
                out_printf(o, "%u", svm.svm_cid);

        if (svm.svm_port == VMADDR_PORT_ANY)
                out_puts(o, ":any");
        else
                out_printf(o, ":%u", svm.svm_port);

        if (svm.svm_flags != 0)
                out_printf(o, ",0x%x", (unsigned)svm.svm_flags);
        return 0;
}

/* ---- AF_TIPC ------------------------------------------------------------- */

static const Keyword tipc_scope_names[] = {
        { "zone",       TIPC_ZONE_SCOPE },
        { "cluster",    TIPC_CLUSTER_SCOPE },
        { "node",       TIPC_NODE_SCOPE },
};

/* A scope keyword, or a signed decimal (or hex) number -128..127. */
static int parse_tipc_scope(Span s, signed char *ret)
{
        const Keyword *k;
        bool negative;
        uint32_t v;
        int r;

        k = keyword_by_name(tipc_scope_names, ELEMENTSOF(tipc_scope_names), s);
        if (k) {
                *ret = (signed char)k->value;
                return 0;
        }

        negative = span_skip_prefix(&s, "-");
        r = parse_u32(s, negative ? (uint32_t)-SCHAR_MIN : SCHAR_MAX, &v);
        if (r < 0)
                return r;

        *ret = (signed char)(negative ? -(int)v : (int)v);
        return 0;
}

static int parse_tipc(Span s, struct sockaddr_storage *ss, socklen_t *len)
{
        struct sockaddr_tipc tipc = { .family = AF_TIPC };
        size_t n, n_values;
        uint32_t v[3];
        Span kind, f[4];
        int r;

        if (!span_cut(&s, ':', &kind))
                return -EINVAL;
        if (span_eq(kind, "nameseq")) {
                tipc.addrtype = TIPC_ADDR_NAMESEQ;
                n_values = 3;
        } else if (span_eq(kind, "name")) {
                tipc.addrtype = TIPC_ADDR_NAME;
                n_values = 3;
        } else if (span_eq(kind, "id")) {
                tipc.addrtype = TIPC_ADDR_ID;
                n_values = 2;
        } else {
                return -EINVAL;
        }

        r = span_fields(s, false, f, n_values, n_values + 1, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n_values; i++) {
                r = parse_u32(f[i], UINT32_MAX, &v[i]);
                if (r < 0)
                        return r;
        }
        if (n > n_values) {
                r = parse_tipc_scope(f[n_values], &tipc.scope);
                if (r < 0)
                        return r;
        }

        switch (tipc.addrtype) {
        case TIPC_ADDR_NAMESEQ:
                tipc.addr.nameseq.type = v[0];
                tipc.addr.nameseq.lower = v[1];
                tipc.addr.nameseq.upper = v[2];
                break;
        case TIPC_ADDR_NAME:
                tipc.addr.name.name.type = v[0];
                tipc.addr.name.name.instance = v[1];
                tipc.addr.name.domain = v[2];
                break;
        default:
                tipc.addr.id.node = v[0];
                tipc.addr.id.ref = v[1];
                break;
        }

        return sa_store(ss, len, &tipc, sizeof(tipc));
}

static int format_tipc(const struct sockaddr *sa, socklen_t len, Out *o)
{
        struct sockaddr_tipc tipc;
        const char *scope;

        if (len < sizeof(tipc))
                return -EINVAL;
        sa_load(&tipc, sizeof(tipc), sa, len);

        switch (tipc.addrtype) {
        case TIPC_ADDR_NAMESEQ:
                out_printf(o, "nameseq:%" PRIu32 ",%" PRIu32 ",%" PRIu32,
                           (uint32_t)tipc.addr.nameseq.type, (uint32_t)tipc.addr.nameseq.lower,
                           (uint32_t)tipc.addr.nameseq.upper);
                break;
        case TIPC_ADDR_NAME:
                out_printf(o, "name:%" PRIu32 ",%" PRIu32 ",0x%" PRIx32,
                           (uint32_t)tipc.addr.name.name.type,
                           (uint32_t)tipc.addr.name.name.instance,
                           (uint32_t)tipc.addr.name.domain);
                break;
        case TIPC_ADDR_ID:
                out_printf(o, "id:0x%" PRIx32 ",%" PRIu32,
                           (uint32_t)tipc.addr.id.node, (uint32_t)tipc.addr.id.ref);
                break;
        default:
                return -EINVAL;
        }

        if (tipc.scope == 0)
                return 0;
        scope = tipc.scope > 0 ? keyword_by_value(tipc_scope_names, ELEMENTSOF(tipc_scope_names),
                                                  (uint32_t)tipc.scope)
                               : NULL;
        if (scope)
                out_printf(o, ",%s", scope);
        else
                out_printf(o, ",%d", (int)tipc.scope);
        return 0;
}

/* ---- AF_ALG -------------------------------------------------------------- */

/*
 * Whether s can be an AF_ALG type (nested false) or name (nested true):
 * printable ASCII, and for names balanced parentheses with ',' only inside
 * them, so that the field splits off unambiguously. Types have none of
 * ',', '(' or ')'.
 */
static bool alg_text_is_valid(const char *s, size_t n, bool nested)
{
        size_t depth = 0;

        if (n == 0)
                return false;

        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)s[i];

                if (c <= ' ' || c >= 0x7f)
                        return false;
                if (!nested && (c == ',' || c == '(' || c == ')'))
                        return false;
                if (c == '(') {
                        depth++;
                } else if (c == ')') {
                        if (depth == 0)
                                return false;
                        depth--;
                } else if (c == ',' && depth == 0) {
                        return false;
                }
        }

        return depth == 0;
}

/* "TYPE,NAME,0xFEAT,0xMASK" */
static_assert(sizeof(((struct sockaddr_alg *)NULL)->salg_type) - 1 + 1 +
              sizeof(((struct sockaddr_alg *)NULL)->salg_name) - 1 + 2 * (1 + 10) <
              SB_ADDR_STRLEN, "SB_ADDR_STRLEN too small");

static int parse_alg(Span s, struct sockaddr_storage *ss, socklen_t *len)
{
        struct sockaddr_alg alg = { .salg_family = AF_ALG };
        Span f[4];
        size_t n;
        int r;

        r = span_fields(s, true, f, 2, 4, &n);
        if (r < 0)
                return r;

        /* Both are stored NUL-terminated, as the kernel forces them to be. */
        if (f[0].len >= sizeof(alg.salg_type) || !alg_text_is_valid(f[0].ptr, f[0].len, false))
                return -EINVAL;
        if (f[1].len >= sizeof(alg.salg_name) || !alg_text_is_valid(f[1].ptr, f[1].len, true))
                return -EINVAL;
        memcpy(alg.salg_type, f[0].ptr, f[0].len);
        memcpy(alg.salg_name, f[1].ptr, f[1].len);

        if (n > 2) {
                r = parse_u32(f[2], UINT32_MAX, &alg.salg_feat);
                if (r < 0)
                        return r;
        }
        if (n > 3) {
                r = parse_u32(f[3], UINT32_MAX, &alg.salg_mask);
                if (r < 0)
                        return r;
        }

        return sa_store(ss, len, &alg, sizeof(alg));
}

static int format_alg(const struct sockaddr *sa, socklen_t len, Out *o)
{
        struct sockaddr_alg alg;
        const char *type, *name;
        size_t type_len, name_len;

        /* Longer addresses (struct sockaddr_alg_new) only matter for names
         * of 64 bytes and more, which have no text form here. */
        if (len < sizeof(alg))
                return -EINVAL;
        sa_load(&alg, sizeof(alg), sa, len);

        type = (const char *)alg.salg_type;
        name = (const char *)alg.salg_name;
        type_len = strnlen(type, sizeof(alg.salg_type));
        name_len = strnlen(name, sizeof(alg.salg_name));
        if (type_len >= sizeof(alg.salg_type) || !alg_text_is_valid(type, type_len, false))
                return -EINVAL;
        if (name_len >= sizeof(alg.salg_name) || !alg_text_is_valid(name, name_len, true))
                return -EINVAL;

        out_write(o, type, type_len);
        out_putc(o, ',');
        out_write(o, name, name_len);
        if (alg.salg_feat != 0 || alg.salg_mask != 0)
                out_printf(o, ",0x%" PRIx32, (uint32_t)alg.salg_feat);
        if (alg.salg_mask != 0)
                out_printf(o, ",0x%" PRIx32, (uint32_t)alg.salg_mask);
        return 0;
}

/* ---- AF_QIPCRTR ---------------------------------------------------------- */

static int parse_qipcrtr(Span s, struct sockaddr_storage *ss, socklen_t *len)
{
        struct sockaddr_qrtr sq = { .sq_family = AF_QIPCRTR };
        Span node;
        int r;

        if (!span_cut(&s, ':', &node))
                return -EINVAL;
        r = parse_u32(node, UINT32_MAX, &sq.sq_node);
        if (r < 0)
                return r;
        r = parse_u32(s, UINT32_MAX, &sq.sq_port);
        if (r < 0)
                return r;

        return sa_store(ss, len, &sq, sizeof(sq));
}

static int format_qipcrtr(const struct sockaddr *sa, socklen_t len, Out *o)
{
        struct sockaddr_qrtr sq;

        if (len < sizeof(sq))
                return -EINVAL;
        sa_load(&sq, sizeof(sq), sa, len);
        out_printf(o, "%" PRIu32 ":%" PRIu32, (uint32_t)sq.sq_node, (uint32_t)sq.sq_port);
        return 0;
}

/* ---- entry points -------------------------------------------------------- */

static int addr_parse(int family, int protocol, Span s, IfaceOut *ifo,
                      struct sockaddr_storage *ss, socklen_t *len)
{
        switch (family) {
        case AF_INET:
                return parse_inet(s, ss, len);
        case AF_INET6:
                return parse_inet6(s, ss, len);
        case AF_UNIX:
                return parse_unix(s, ss, len);
        case AF_CAN:
                return parse_can(s, protocol, ifo, ss, len);
        case AF_PACKET:
                return parse_packet(s, ifo, ss, len);
        case AF_BLUETOOTH:
                return parse_bluetooth(s, protocol, ss, len);
        case AF_NETLINK:
                return parse_netlink(s, ss, len);
        case AF_VSOCK:
                return parse_vsock(s, ss, len);
        case AF_TIPC:
                return parse_tipc(s, ss, len);
        case AF_ALG:
                return parse_alg(s, ss, len);
        case AF_QIPCRTR:
                return parse_qipcrtr(s, ss, len);
        default:
                return -EAFNOSUPPORT;
        }
}

static int addr_format(const struct sockaddr *sa, socklen_t len, int protocol,
                       const char *ifname, Out *o)
{
        sa_family_t family;

        if (len < offsetofend(struct sockaddr, sa_family))
                return -EINVAL;
        memcpy(&family, (const char *)sa + offsetof(struct sockaddr, sa_family), sizeof(family));

        switch (family) {
        case AF_INET:
                return format_inet(sa, len, o);
        case AF_INET6:
                return format_inet6(sa, len, o);
        case AF_UNIX:
                return format_unix(sa, len, o);
        case AF_CAN:
                return format_can(sa, len, protocol, ifname, o);
        case AF_PACKET:
                return format_packet(sa, len, ifname, o);
        case AF_BLUETOOTH:
                return format_bluetooth(sa, len, protocol, o);
        case AF_NETLINK:
                return format_netlink(sa, len, o);
        case AF_VSOCK:
                return format_vsock(sa, len, o);
        case AF_TIPC:
                return format_tipc(sa, len, o);
        case AF_ALG:
                return format_alg(sa, len, o);
        case AF_QIPCRTR:
                return format_qipcrtr(sa, len, o);
        default:
                return -EAFNOSUPPORT;
        }
}

int sb_addr_parse(int family, int protocol, const char *text, struct sockaddr_storage *ss,
                  socklen_t *len)
{
        struct sockaddr_storage tmp = {};
        socklen_t tmp_len = 0;
        int r;

        if (!text || !ss || !len) {
                errno = EINVAL;
                return -1;
        }

        r = addr_parse(family, protocol, span_new(text), NULL, &tmp, &tmp_len);
        if (r < 0) {
                errno = -r;
                return -1;
        }

        *ss = tmp;
        *len = tmp_len;
        return 0;
}

int sb_addr_format(const struct sockaddr *sa, socklen_t len, int protocol, char *buf,
                   size_t size)
{
        Out o = { .buf = buf, .size = size };
        int r;

        if (!buf && size > 0) {
                errno = EINVAL;
                return -1;
        }
        if (!sa) {
                r = out_finish(&o, -EINVAL);
                errno = -r;
                return -1;
        }

        r = out_finish(&o, addr_format(sa, len, protocol, NULL, &o));
        if (r < 0) {
                errno = -r;
                return -1;
        }
        return 0;
}

/* ---- for specs ----------------------------------------------------------- */

int sb_addr_parse_unresolved(int family, int protocol, const char *text,
                             struct sockaddr_storage *ss, socklen_t *len, char *ifname)
{
        struct sockaddr_storage tmp = {};
        char name[IF_NAMESIZE] = "";
        IfaceOut ifo = { .name = name };
        socklen_t tmp_len = 0;
        int r;

        if (!text || !ss || !len || !ifname)
                return -EINVAL;

        r = addr_parse(family, protocol, span_new(text), &ifo, &tmp, &tmp_len);
        if (r < 0)
                return r;

        *ss = tmp;
        *len = tmp_len;
        memcpy(ifname, name, sizeof(name));
        return 0;
}

int sb_addr_format_unresolved(const struct sockaddr *sa, socklen_t len, int protocol,
                              const char *ifname, char *buf, size_t size)
{
        Out o = { .buf = buf, .size = size };

        if (!buf && size > 0)
                return -EINVAL;
        if (!sa || (ifname && ifname[0] && !ifname_is_valid(ifname, strnlen(ifname, IF_NAMESIZE))))
                return out_finish(&o, -EINVAL);

        return out_finish(&o, addr_format(sa, len, protocol, ifname, &o));
}
