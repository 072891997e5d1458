/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sockbroker/addr.h - socket addresses as text, for every address family
 * sockbroker can hand out.
 *
 * The text forms mirror the address tuples of the Python socket module,
 * written as one string. sb_addr_parse() turns text into a struct sockaddr
 * that can be passed to bind(2), connect(2) or sendto(2); sb_addr_format()
 * turns an address from the kernel (getsockname(2), recvfrom(2), ...) back
 * into text. Both are pure: no DNS, no service names, no files. The only
 * lookups are interface names, through if_nametoindex(3) and
 * if_indextoname(3), in the caller's network namespace. Both functions
 * are thread-safe and allocate nothing. sb_addr_parse_flags() with
 * SB_ADDR_RESOLVE is the one way to have a host name resolved, and only
 * when asked.
 *
 * The grammar, family by family, is in one place: the man page
 * sockbroker-addresses(7). It is also the ADDRESS of an sb_open() spec
 * ("can/isotp@can0,0x7e8,0x7e0"), wherever a spec carries the socket's
 * address.
 *
 * Round trip
 * ----------
 * sb_addr_format() writes one canonical spelling, and sb_addr_parse()
 * accepts it back: parse(format(a)) is a again (fields the kernel ignores,
 * such as padding, come back zeroed), and format(parse(t)) is the
 * canonical spelling of t. Every AF_UNIX address has a text, the unnamed
 * (autobind) address being "". An address that has no text form (for
 * example an AF_UNIX path that fills all of sun_path) fails to format
 * with EINVAL instead of being written lossily. Interface names tie a
 * text to the network namespace it was written in; indexes are written
 * where a name does not resolve.
 */
#ifndef SOCKBROKER_ADDR_H
#define SOCKBROKER_ADDR_H

#include <stddef.h>
#include <sys/socket.h>

#ifndef SB_EXPORT
#  if defined(__GNUC__) && __GNUC__ >= 4
#    define SB_EXPORT __attribute__((visibility("default")))
#  else
#    define SB_EXPORT
#  endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* A buffer of this size holds the text of any address sb_addr_format()
 * writes, terminating NUL included, except AF_UNIX names with bytes that
 * are escaped ("\x01" takes four characters); those can take up to
 * SB_ADDR_STRLEN_MAX. */
#define SB_ADDR_STRLEN 128
#define SB_ADDR_STRLEN_MAX 432

/*
 * Parses text as an address of the given family (AF_*). protocol selects
 * the form for AF_CAN and AF_BLUETOOTH and is ignored for other families.
 * On success, stores the address in *ss (unused bytes zeroed) and its
 * length in *len, and returns 0. On failure returns -1 with errno set and
 * leaves *ss and *len unchanged:
 *   EINVAL           malformed text, a number out of range, a name too
 *                    long, or a NULL argument
 *   ENODEV           an interface name that does not exist (other errors
 *                    of if_nametoindex(3), such as EMFILE, pass through)
 *   EAFNOSUPPORT     a family without a text form here
 *   EPROTONOSUPPORT  a protocol without a text form (AF_CAN, AF_BLUETOOTH)
 */
SB_EXPORT int sb_addr_parse(int family, int protocol, const char *text,
                            struct sockaddr_storage *ss, socklen_t *len);

/* For sb_addr_parse_flags(): resolve a host name. A value no other flag
 * of the library has. */
#define SB_ADDR_RESOLVE 0x00040000

/*
 * sb_addr_parse(), and with SB_ADDR_RESOLVE in flags, for AF_INET and
 * AF_INET6, the host part may also be a name, which getaddrinfo(3)
 * resolves in the family given: "localhost:80", "[www.example.org]:443".
 * The first address it returns is taken; the port stays numeric, and an
 * AF_INET6 scope and flow label are kept ("[name%eth0]:22,5"). Numeric
 * text is parsed as by sb_addr_parse() and never goes to the resolver.
 * Errors are those of sb_addr_parse(), and a name that does not resolve
 * sets errno to SB_EAI_ERRNO() of the resolver's code
 * (sockbroker/netinfo.h), the reference's gaierror; EINVAL for an unknown
 * flag.
 */
SB_EXPORT int sb_addr_parse_flags(int family, int protocol, const char *text, int flags,
                                  struct sockaddr_storage *ss, socklen_t *len);

/*
 * Writes the text of the address sa of len bytes into buf of size bytes,
 * NUL-terminated. protocol is as for sb_addr_parse(). Returns 0, or -1
 * with errno set; on failure buf holds an empty string if size > 0:
 *   ENOSPC           buf is too small for the whole text (buf may be NULL
 *                    when size is 0); nothing is ever truncated
 *   EINVAL           len is too short (or, for AF_UNIX, too long) for the
 *                    family and protocol, a field holds a value that has
 *                    no text form, sa is NULL, or buf is NULL with a
 *                    size
 *   EAFNOSUPPORT     a family without a text form here
 *   EPROTONOSUPPORT  a protocol without a text form (AF_CAN, AF_BLUETOOTH)
 */
SB_EXPORT int sb_addr_format(const struct sockaddr *sa, socklen_t len, int protocol,
                             char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* SOCKBROKER_ADDR_H */
