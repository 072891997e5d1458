/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sockbroker/socket.h - the socket interface of Python's socket module,
 * mirrored in C on plain file descriptors.
 *
 * There is no socket object: every function takes and returns ordinary
 * descriptors, and a socket's state (its mode, its options) lives in the
 * kernel, so these functions compose with any other code holding the same
 * descriptor. Every function returns -1 (or NULL) and sets errno on
 * failure, like the call it mirrors. Descriptors the library creates are
 * close-on-exec. docs/socket-api-mapping.md and libsockbroker(3) list each
 * entry of the reference with its C counterpart; where libc already is
 * the mirror (getaddrinfo, inet_pton, htons, shutdown, ...) there is no
 * function here.
 *
 * Modes and timeouts
 * ------------------
 * A socket is in one of the reference's three modes, kept in the kernel
 * where every holder of the descriptor sees it:
 *
 *   blocking      O_NONBLOCK clear, SO_RCVTIMEO and SO_SNDTIMEO 0
 *   non-blocking  O_NONBLOCK set
 *   timeout T     O_NONBLOCK clear, SO_RCVTIMEO and SO_SNDTIMEO T
 *
 * The calls here that wait (sb_accept, sb_connect, sb_recv*, sb_send*,
 * sb_sendall, sb_sendfile, sb_send_fds, sb_recv_fds) read the mode at each
 * call. In timeout mode they fail with ETIMEDOUT once the timeout has
 * passed; in non-blocking mode with EAGAIN (EINPROGRESS for connect). A
 * plain recv(2) or send(2) on a socket in timeout mode is bounded by the
 * kernel too, and fails with EAGAIN. Every call here retries when a
 * signal interrupts it (EINTR, PEP 475), with only the time that is left;
 * to stop one early, use a timeout or shutdown(2).
 *
 * Reads (recv, accept) use SO_RCVTIMEO and writes (send, connect) use
 * SO_SNDTIMEO, as the kernel does; sb_settimeout() sets both.
 *
 * The broker
 * ----------
 * Sockets are created with sb_socket(), so raw and packet sockets come
 * from sockbrokerd when the kernel refuses them; sb_bind() and
 * sb_setsockopt() ask the broker for the privileged operations listed
 * below. When the broker is absent or refuses, the kernel's errno comes
 * back, and sb_broker_message() says why.
 */
#ifndef SOCKBROKER_SOCKET_H
#define SOCKBROKER_SOCKET_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <sockbroker/addr.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Timeouts ---------------------------------------------------------- */

/* Seconds: negative is blocking (the reference's None), 0 non-blocking. */
#define SB_TIMEOUT_NONE (-1.0)
/* The largest timeout, in seconds (about 31 years); more is ERANGE. */
#define SB_TIMEOUT_MAX 1e9

/*
 * Sets the mode of a socket: seconds < 0 blocking, 0 non-blocking, > 0 a
 * timeout (rounded up to a microsecond, then by the kernel to its clock
 * tick). Changes O_NONBLOCK, SO_RCVTIMEO and SO_SNDTIMEO, which every
 * descriptor of the same socket shares. EINVAL for NaN, ERANGE above
 * SB_TIMEOUT_MAX, ENOTSOCK.
 */
SB_EXPORT int sb_settimeout(int fd, double seconds);

/* Stores the mode in *ret_seconds: -1.0 blocking, 0.0 non-blocking, or
 * the timeout (from SO_RCVTIMEO, as the kernel rounded it). */
SB_EXPORT int sb_gettimeout(int fd, double *ret_seconds);

/* sb_settimeout(fd, -1) when blocking is non-zero, else sb_settimeout(fd, 0). */
SB_EXPORT int sb_setblocking(int fd, int blocking);

/* 1 in blocking or timeout mode, 0 in non-blocking mode, -1 on error. */
SB_EXPORT int sb_getblocking(int fd);

/*
 * The timeout the library gives every socket it creates, process-wide,
 * in seconds as for sb_settimeout(); initially blocking (-1). Every call
 * that creates a socket applies it unless the call asks for SOCK_NONBLOCK:
 * sb_socket, sb_open, sb_socketpair, sb_fromfd, sb_accept's new socket and
 * sb_create_server. Two calls do not: sb_create_connection, which takes
 * its own timeout, and sb_dup, whose copy keeps the mode it shares with
 * the original.
 */
SB_EXPORT int sb_setdefaulttimeout(double seconds);
SB_EXPORT double sb_getdefaulttimeout(void);

/* ---- Creating sockets ---------------------------------------------------- */

/*
 * socketpair(2) with the reference's defaults: family 0 is AF_UNIX, a type
 * of 0 (flags aside) is SOCK_STREAM. Both descriptors are close-on-exec;
 * SOCK_NONBLOCK in type makes both non-blocking, otherwise both get the
 * default timeout.
 */
SB_EXPORT int sb_socketpair(int family, int type, int protocol, int sv[2]);

/*
 * A close-on-exec duplicate of fd (3 or above) with the default timeout
 * applied, as the reference's fromfd() does. The mode lives in the
 * kernel and every descriptor of a socket shares it, so applying the
 * default changes fd's mode too; sb_dup() keeps it.
 */
SB_EXPORT int sb_fromfd(int fd);

/*
 * The reference's dup(): a close-on-exec duplicate of the socket fd (3 or
 * above) in the mode fd has, blocking, non-blocking or its timeout.
 * Duplicates are one socket in the kernel: its mode, options, address,
 * queues and shutdown(2) are shared, and a change made through one
 * descriptor shows through every other; only close(2) and close-on-exec
 * are per descriptor. ENOTSOCK when fd is not a socket.
 */
SB_EXPORT int sb_dup(int fd);

/* One failed attempt of sb_create_connection(). */
struct sb_attempt {
        /* An errno value: a resolver error is SB_EAI_ERRNO(code)
         * (sockbroker/netinfo.h); sb_strerror() has the text of either. */
        int error;
        /* The address tried, as sb_addr_format() writes it; empty when
         * the host name itself did not resolve. */
        char address[SB_ADDR_STRLEN];
};

/*
 * The flags of the whole API are distinct bits, clear of SOCK_NONBLOCK
 * and SOCK_CLOEXEC, and every function refuses one it does not take
 * with EINVAL: a flag passed to the wrong function is an error, never a
 * different option.
 */

/* Record every failed attempt, not only the last (all_errors=True). */
#define SB_ALL_ERRORS 0x00010000

/*
 * Connects a TCP socket to host and port, trying every address
 * getaddrinfo(3) returns for host (IPv4 and IPv6) in turn until one
 * connects. host NULL is the loopback address. Each socket gets
 * timeout (seconds as for sb_settimeout(); pass sb_getdefaulttimeout()
 * for the reference's default) before it is bound and connected, and
 * keeps it. When source_host or source_port is set (not NULL or 0), the
 * socket is bound to that address of the same family first, through
 * sb_bind().
 *
 * When every attempt fails, errno is the error of the last one; a host
 * that does not resolve gives SB_EAI_ERRNO() of getaddrinfo(3)'s code, the
 * reference's gaierror (sb_is_gaierror() tells it from an errno, and
 * EAI_SYSTEM gives the errno it carries). attempts and n_attempts may be
 * NULL. If
 * not, *n_attempts is the capacity of attempts on input, and on output
 * the number of failed attempts: all of them with SB_ALL_ERRORS (only the
 * first *n_attempts are stored), else only the last one.
 */
SB_EXPORT int sb_create_connection(const char *host, uint16_t port, double timeout,
                                   const char *source_host, uint16_t source_port,
                                   int flags, struct sb_attempt *attempts,
                                   size_t *n_attempts);

/*
 * sb_create_connection() with the ports as text, as the reference's
 * (host, port) takes them: a number or a name of services(5), such as
 * "http". source_service NULL or "" is any port.
 */
SB_EXPORT int sb_create_connection_service(const char *host, const char *service,
                                           double timeout, const char *source_host,
                                           const char *source_service, int flags,
                                           struct sb_attempt *attempts, size_t *n_attempts);

/* Flags of sb_create_server(). */
#define SB_REUSE_PORT      0x00020000  /* set SO_REUSEPORT */
#define SB_DUALSTACK_IPV6  0x00040000  /* AF_INET6 that accepts IPv4 too */

/*
 * A listening TCP socket bound to host and port. host NULL or "" is every
 * interface; family is AF_INET (also for 0) or AF_INET6. SO_REUSEADDR is
 * set, as the reference does on POSIX. For AF_INET6, IPV6_V6ONLY is set
 * unless SB_DUALSTACK_IPV6 clears it. backlog <= 0 is the default of
 * sb_listen(). The socket gets the default timeout. Binding goes through
 * sb_bind(), so a privileged port may come from the broker. A host that
 * does not resolve is SB_EAI_ERRNO() of the resolver's code, as for
 * sb_create_connection().
 * EINVAL: SB_DUALSTACK_IPV6 without AF_INET6, or unknown flags;
 * EOPNOTSUPP: SB_DUALSTACK_IPV6 where sb_has_dualstack_ipv6() is 0.
 */
SB_EXPORT int sb_create_server(const char *host, uint16_t port, int family, int backlog,
                               int flags);

/* 1 if an AF_INET6 TCP socket can accept IPv4 connections too, else 0. */
SB_EXPORT int sb_has_dualstack_ipv6(void);

/* 1 if this kernel has IPv6 (an AF_INET6 socket can be made), else 0: the
 * reference's has_ipv6, asked of the running kernel rather than fixed
 * when the library was built. */
SB_EXPORT int sb_has_ipv6(void);

/* ---- Socket methods --------------------------------------------------- */

/*
 * accept4(2), always close-on-exec; flags may hold SOCK_NONBLOCK (and
 * SOCK_CLOEXEC). Waits as the listening socket's mode says. The new
 * socket's mode follows the reference: SOCK_NONBLOCK, else the default
 * timeout if one is set, else blocking (the kernel would otherwise copy
 * the listening socket's timeouts).
 */
SB_EXPORT int sb_accept(int fd, struct sockaddr *sa, socklen_t *len, int flags);

/*
 * bind(2). When the kernel refuses with EACCES an AF_INET or AF_INET6
 * port, or an L2CAP PSM, below the unprivileged range, the broker is
 * asked to bind the socket; if it does not, errno is EACCES again.
 */
SB_EXPORT int sb_bind(int fd, const struct sockaddr *sa, socklen_t len);

/*
 * connect(2) in the socket's mode. In timeout mode the connection is
 * made without blocking and waited for with poll(2); past the timeout it
 * fails with ETIMEDOUT (the attempt may still complete: close the
 * socket). Interrupted by a signal, a blocking connect waits for the
 * connection to complete; a non-blocking one fails with EINPROGRESS or
 * EINTR, as connect(2) does.
 */
SB_EXPORT int sb_connect(int fd, const struct sockaddr *sa, socklen_t len);

/* sb_connect() that returns 0 or the errno value (also left in errno). */
SB_EXPORT int sb_connect_ex(int fd, const struct sockaddr *sa, socklen_t len);

/* The reference's default backlog: min(SOMAXCONN, 128). */
#define SB_LISTEN_BACKLOG ((SOMAXCONN) < 128 ? (SOMAXCONN) : 128)

/* listen(2); a negative backlog is SB_LISTEN_BACKLOG. */
SB_EXPORT int sb_listen(int fd, int backlog);

/*
 * The socket's own or its peer's address as text, as sb_addr_format()
 * writes it (SB_ADDR_STRLEN bytes suffice); an unnamed AF_UNIX socket is
 * "", as in the reference. Errors of getsockname(2), getpeername(2) and
 * sb_addr_format().
 */
SB_EXPORT int sb_getsockname_text(int fd, char *buf, size_t size);
SB_EXPORT int sb_getpeername_text(int fd, char *buf, size_t size);

/* getsockopt(2) of an integer option (also one the kernel returns as a
 * single byte). SO_DOMAIN, SO_TYPE and SO_PROTOCOL are the reference's
 * family, type and proto attributes. */
SB_EXPORT int sb_getsockopt_int(int fd, int level, int name, int *ret_value);

/*
 * setsockopt(2): value may be NULL with a len, as setsockopt(2) allows.
 * When the kernel refuses with EPERM a change of SO_BINDTODEVICE, or
 * SO_MARK, SO_PRIORITY above 6, SO_RCVBUFFORCE or SO_SNDBUFFORCE (all at
 * SOL_SOCKET), the broker is asked to set it; if it does not, errno is
 * EPERM again.
 */
SB_EXPORT int sb_setsockopt(int fd, int level, int name, const void *value, socklen_t len);
SB_EXPORT int sb_setsockopt_int(int fd, int level, int name, int value);

/*
 * A stdio stream on a close-on-exec duplicate of fd: closing it does not
 * close fd. mode holds 'r', 'w' or both, and optionally 'b' (ignored);
 * NULL is "r". "rw" is fdopen(3)'s "r+", which needs fflush(3) between
 * writing and reading, so two streams are simpler. EINVAL for another mode.
 */
SB_EXPORT FILE *sb_makefile(int fd, const char *mode);

/*
 * recv(2), recvfrom(2) and recvmsg(2) in the socket's mode. They are also
 * the reference's recv_into, recvfrom_into and recvmsg_into: the caller
 * always provides the buffers. sb_recvmsg() adds MSG_CMSG_CLOEXEC.
 */
SB_EXPORT ssize_t sb_recv(int fd, void *buf, size_t len, int flags);
SB_EXPORT ssize_t sb_recvfrom(int fd, void *buf, size_t len, int flags,
                              struct sockaddr *sa, socklen_t *salen);
SB_EXPORT ssize_t sb_recvmsg(int fd, struct msghdr *msg, int flags);

/*
 * send(2), sendto(2) and sendmsg(2) in the socket's mode, with
 * MSG_NOSIGNAL added: a broken connection is EPIPE, never SIGPIPE (the
 * reference's interpreter ignores SIGPIPE).
 */
SB_EXPORT ssize_t sb_send(int fd, const void *buf, size_t len, int flags);
SB_EXPORT ssize_t sb_sendto(int fd, const void *buf, size_t len, int flags,
                            const struct sockaddr *sa, socklen_t salen);
SB_EXPORT ssize_t sb_sendmsg(int fd, const struct msghdr *msg, int flags);

/*
 * Sends all len bytes. In timeout mode the timeout bounds the whole call,
 * not each send. Returns 0 or -1; either way *ret_sent (if not NULL) is
 * the number of bytes sent.
 */
SB_EXPORT int sb_sendall(int fd, const void *buf, size_t len, int flags, size_t *ret_sent);

/*
 * Sends count bytes (0: up to end of file) of file_fd from offset on a
 * SOCK_STREAM socket with sendfile(2), or with read(2) and send when
 * file_fd is not a regular file or sendfile(2) does not apply. Afterwards,
 * also on failure, a seekable file_fd's position is offset plus the bytes
 * sent, and *ret_sent (if not NULL) is the bytes sent. A file that cannot
 * seek must be read from offset 0 (else ESPIPE). EINVAL for a non-blocking
 * socket (not supported, as in the reference) or another socket type. In
 * timeout mode the timeout bounds each wait, not the whole transfer, and
 * a signal does not restart it. A peer that has gone is EPIPE, never
 * SIGPIPE: the signal is blocked in the calling thread for the call and
 * one it raised is taken back, with the process's disposition untouched.
 */
SB_EXPORT int sb_sendfile(int fd, int file_fd, uint64_t offset, uint64_t count,
                          uint64_t *ret_sent);

/*
 * sendmsg(2) on an AF_ALG operation socket, with the control messages of
 * the reference's sendmsg_afalg: op (ALG_OP_ENCRYPT, ALG_OP_DECRYPT), iv
 * of ivlen bytes unless iv is NULL (at most 256 bytes), and the AEAD
 * associated data length unless assoclen is negative.
 */
SB_EXPORT ssize_t sb_sendmsg_afalg(int fd, const struct iovec *iov, size_t iovcnt, int op,
                                   const void *iv, size_t ivlen, int assoclen, int flags);

/* ---- Descriptors and ancillary data ---------------------------------- */

/*
 * sb_sendmsg() of msg with the n_fds descriptors of fds (at most 253) as
 * one SCM_RIGHTS item. msg gives the data and, optionally, the address;
 * its control data must be empty (EINVAL).
 */
SB_EXPORT ssize_t sb_send_fds(int fd, const struct msghdr *msg, int flags, const int *fds,
                              size_t n_fds);

/*
 * sb_recvmsg() into msg's buffers (and msg_name, if set), receiving up to
 * max_fds descriptors (at most 253 are kept), close-on-exec, into fds and
 * their number into *ret_n_fds. msg's control data must be empty: the
 * function uses its own, sized so that the kernel never passes more than
 * max_fds; when more were sent, the kernel closes the rest and sets
 * MSG_CTRUNC in msg->msg_flags. Bytes of a truncated int at the end of an
 * item are ignored, as the reference says; descriptors that arrive
 * anyway beyond max_fds are closed, never leaked.
 */
SB_EXPORT ssize_t sb_recv_fds(int fd, struct msghdr *msg, int flags, int *fds, size_t max_fds,
                              size_t *ret_n_fds);

/* CMSG_LEN() and CMSG_SPACE() with overflow checks: -1 and EOVERFLOW
 * when the result would exceed INT_MAX, the most control data the
 * kernel takes. */
SB_EXPORT ssize_t sb_cmsg_len(size_t length);
SB_EXPORT ssize_t sb_cmsg_space(size_t length);

#ifdef __cplusplus
}
#endif

#endif /* SOCKBROKER_SOCKET_H */
