/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * client.h - libsockbroker internals: one request to the broker.
 */
#pragma once

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "client-lib/broker/spec.h"
#include "proto/protocol.h"

/*
 * Sends req (with fd_in when >= 0) to the broker on a connection of its
 * own and waits for the reply. Returns the granted descriptor (or 0 when
 * the operation grants none), or a negative errno: the broker's refusal,
 * or the error reaching it (then -ENOENT, -ECONNREFUSED, ... from
 * connect(2)). The broker's message and rule are kept per thread.
 */
int sb_client_call(SbRequest *req, int fd_in);

/* sb_client_call(), also copying the reply's data, up to size bytes, to
 * data (-EMSGSIZE when it holds more); *ret_n is its length. */
int sb_client_call_data(SbRequest *req, int fd_in, void *data, size_t size, size_t *ret_n);

/* Builds and sends an Open for a parsed spec; returns as sb_client_call. */
int sb_client_open(const struct sb_spec *spec, int sock_flags);

/* The same, for a packet socket with the program's own filter (n_filter
 * instructions, at most SB_PROTO_MAX_FILTER) after the broker's
 * confinement; -EMSGSIZE for a longer one. */
int sb_client_open_filter(const struct sb_spec *spec, int sock_flags,
                          const struct sock_filter *filter, size_t n_filter);

/* Path of the broker's socket: $SOCKBROKER_SOCKET or the default. */
const char *sb_client_socket_path(void);

/* A new connection to the broker, close-on-exec, with a timeout on its
 * sends and receives; -errno, with the reason in sb_broker_message(). */
int sb_client_connect(void);

/*
 * The connection a call uses, and what becomes of it. Each product links
 * one implementation: libsockbroker keeps a connection per thread
 * (client-lib/broker/conn-kept.c); the preload shim, which must stay
 * async-signal-safe and stateless, makes one per call
 * (client-lib/preload/conn-percall.c). sb_conn_get() sets *ret_reused
 * when the connection served an earlier call; sb_conn_put() returns it
 * after a complete exchange, sb_conn_drop() after anything else, and
 * closes it.
 */
int sb_conn_get(bool *ret_reused);
void sb_conn_put(int fd);
void sb_conn_drop(int fd);

void sb_client_set_message(const char *message, const char *rule);

/* Whether this thread's last call got as far as the broker. */
bool sb_client_reached(void);

/*
 * Privileged operations on a socket the caller already holds; the socket
 * travels with the request, and the daemon checks the real socket's
 * SO_DOMAIN, SO_TYPE and SO_PROTOCOL and the policy before it performs
 * exactly this one operation. Return 0 or a negative errno.
 */
int sb_client_bind(int fd, const struct sockaddr *sa, socklen_t len);
int sb_client_setsockopt(int fd, int level, int name, const void *value, socklen_t len);
