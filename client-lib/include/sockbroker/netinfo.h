/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sockbroker/netinfo.h - the reference's network information functions
 * that libc does not already provide in the same shape: interface names
 * with bounded buffers, getfqdn(), and one error text for errno values
 * and getaddrinfo(3) codes alike.
 *
 * Functions return 0 (or the value asked for) on success and -1 with
 * errno set on failure. getaddrinfo(3), getnameinfo(3), gethostname(2),
 * inet_pton(3) and the byte order functions are the mirror themselves.
 */
#ifndef SOCKBROKER_NETINFO_H
#define SOCKBROKER_NETINFO_H

#include <stddef.h>

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

/* IF_NAMESIZE of <net/if.h>: an interface name and its NUL. */
#define SB_IF_NAMESIZE 16

struct sb_if_nameindex {
        unsigned int index;
        char name[SB_IF_NAMESIZE];
};

/*
 * The interfaces of the caller's network namespace: stores a new array
 * in *ret_list, ended by an element of index 0 and name "", and its
 * length (without that element) in *ret_n. Free it with
 * sb_if_nameindex_free().
 */
SB_EXPORT int sb_if_nameindex(struct sb_if_nameindex **ret_list, size_t *ret_n);

/* Frees a list of sb_if_nameindex(); takes NULL; returns NULL. */
SB_EXPORT struct sb_if_nameindex *sb_if_nameindex_free(struct sb_if_nameindex *list);

/* The index of the interface name (> 0), or -1: ENODEV when there is no
 * such interface, EINVAL for NULL. */
SB_EXPORT int sb_if_nametoindex(const char *name);

/* Writes the name of interface index into buf of size bytes
 * (SB_IF_NAMESIZE suffice). ENXIO when there is no such interface,
 * ENOSPC when buf is too small. */
SB_EXPORT int sb_if_indextoname(unsigned int index, char *buf, size_t size);

/* NI_MAXHOST: a buffer of this size holds any name sb_getfqdn() writes. */
#define SB_FQDN_MAX 1025

/*
 * The reference's getfqdn(): writes a fully qualified name for name into
 * buf. name NULL, empty (after leading and trailing white space are
 * removed), "0.0.0.0" or "::" is this host (gethostname(2)). The address
 * of name is looked up with getaddrinfo(3), and its names with
 * gethostbyaddr_r(3); the first of the primary name and the aliases that
 * has a '.' wins, else the primary name. If the lookups fail, name itself
 * (or the host name) is written. ENOSPC when buf is too small (nothing is
 * truncated), ENAMETOOLONG for a name of SB_FQDN_MAX bytes or more.
 */
SB_EXPORT int sb_getfqdn(const char *name, char *buf, size_t size);

/* A buffer of this size holds any text of sb_strerror() in full. */
#define SB_STRERROR_MAX 128

/*
 * Resolver errors, the reference's gaierror. getaddrinfo(3) reports its
 * failures as EAI_* codes outside errno; the library puts them in errno
 * as SB_EAI_ERRNO(code), a range no errno value reaches, so that
 * EAI_AGAIN ("try again later") never reads as EAGAIN ("would block").
 * EAI_SYSTEM is not in the range: the errno it carries is the error.
 */
#define SB_EAI_BASE 0x10000
#define SB_EAI_ERRNO(code) (SB_EAI_BASE - (code))     /* EAI_* codes are < 0 */

/* 1 if err is SB_EAI_ERRNO() of a resolver code, else 0. */
SB_EXPORT int sb_is_gaierror(int err);

/* The EAI_* code in err, or 0 when err is not a resolver error. */
SB_EXPORT int sb_gaierror_code(int err);

/*
 * The text of an error: an errno value (strerror_r(3)), a resolver error
 * in errno's range above (gai_strerror(3)), or an EAI_* code itself (< 0).
 * Writes at most size bytes, NUL included, into buf and returns buf;
 * returns "" when buf is NULL or size is 0.
 */
SB_EXPORT const char *sb_strerror(int error, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* SOCKBROKER_NETINFO_H */
