/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * spares.c - raw IP sockets the opener made ahead (see spares.h).
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "common/fdmsg.h"
#include "common/util.h"
#include "daemon/broker/spares.h"

_Static_assert(OPENER_MAX_SPARES <= FDMSG_MAX_FDS, "one SPARES message carries them all");

bool spares_eligible(const struct opener_open *m)
{
        return (m->family == AF_INET || m->family == AF_INET6) && m->addr_flags == 0;
}

static void shape_key(const struct opener_open *m, struct opener_open *ret)
{
        *ret = *m;
        memset(&ret->hdr, 0, sizeof(ret->hdr));
        ret->count = 0;
}

static struct spare_shape *shape_find(struct spares *s, const struct opener_open *m)
{
        struct opener_open key;

        shape_key(m, &key);
        for (unsigned i = 0; i < SPARES_SHAPES; i++) {
                struct spare_shape *sh = &s->shapes[i];

                if (sh->used && !sh->stale && memcmp(&sh->key, &key, sizeof(key)) == 0)
                        return sh;
        }
        return NULL;
}

/* Closes sh's spares from the oldest, keep of them left. */
static void shape_close_oldest(struct spares *s, struct spare_shape *sh, unsigned keep)
{
        unsigned drop = sh->n > keep ? sh->n - keep : 0;

        for (unsigned i = 0; i < drop; i++)
                safe_close(sh->fds[i]);
        memmove(sh->fds, sh->fds + drop, (sh->n - drop) * sizeof(sh->fds[0]));
        memmove(sh->made_usec, sh->made_usec + drop, (sh->n - drop) * sizeof(sh->made_usec[0]));
        sh->n -= drop;
        s->n_fds -= drop;
}

static void shape_free(struct spares *s, struct spare_shape *sh)
{
        shape_close_oldest(s, sh, 0);
        memset(sh, 0, sizeof(*sh));
}

/*
 * Discards what fd received while it waited, unread. Returns false when
 * it keeps receiving: more than SPARES_MAX_DRAIN datagrams queued.
 */
static bool spare_drain(int fd)
{
        for (unsigned i = 0; i <= SPARES_MAX_DRAIN; i++) {
                struct msghdr mh = {};

                if (recvmsg(fd, &mh, MSG_DONTWAIT | MSG_TRUNC) < 0 && errno == EAGAIN)
                        return true;
                /* A datagram gone, or a pending error reported and cleared. */
        }
        return false;
}

int spares_take(struct spares *s, const struct opener_open *m, uint64_t now)
{
        struct spare_shape *sh = shape_find(s, m);

        if (!sh)
                return -1;
        sh->last_used = now;
        while (sh->n > 0) {
                /* The youngest first: the oldest expire. */
                int fd = sh->fds[--sh->n];
                uint64_t made = sh->made_usec[sh->n];

                s->n_fds--;
                if (now - made <= SPARES_MAX_AGE_USEC && spare_drain(fd))
                        return fd;
                safe_close(fd);
        }
        return -1;
}

bool spares_want(struct spares *s, const struct opener_open *m, uint32_t seq, uint64_t now,
                 struct opener_open *ret)
{
        struct spare_shape *sh = shape_find(s, m);

        if (!sh) {
                struct spare_shape *victim = NULL;

                for (unsigned i = 0; i < SPARES_SHAPES; i++) {
                        struct spare_shape *c = &s->shapes[i];

                        if (!c->used) {
                                victim = c;
                                break;
                        }
                        if (!c->refilling && (!victim || c->last_used < victim->last_used))
                                victim = c;
                }
                if (!victim)
                        return false;
                shape_free(s, victim);
                sh = victim;
                sh->used = true;
                shape_key(m, &sh->key);
                sh->last_used = now;
        }
        if (sh->refilling || sh->n > SPARES_LOW)
                return false;

        sh->refilling = true;
        sh->refill_seq = seq;
        *ret = sh->key;
        ret->hdr = (struct opener_hdr) { OPENER_PROTO_VERSION, OPENER_MSG_SPARE, seq };
        ret->count = OPENER_MAX_SPARES - sh->n;
        return true;
}

static struct spare_shape *shape_refilling(struct spares *s, uint32_t seq)
{
        for (unsigned i = 0; i < SPARES_SHAPES; i++)
                if (s->shapes[i].used && s->shapes[i].refilling && s->shapes[i].refill_seq == seq)
                        return &s->shapes[i];
        return NULL;
}

void spares_refill_failed(struct spares *s, uint32_t seq)
{
        struct spare_shape *sh = shape_refilling(s, seq);

        if (!sh)
                return;
        sh->refilling = false;
        if (sh->stale)
                shape_free(s, sh);
}

bool spares_fill(struct spares *s, uint32_t seq, const int *fds, size_t n, uint64_t now)
{
        struct spare_shape *sh = shape_refilling(s, seq);
        size_t i = 0;

        if (sh && !sh->stale)
                for (; i < n && sh->n < OPENER_MAX_SPARES; i++, sh->n++, s->n_fds++) {
                        sh->fds[sh->n] = fds[i];
                        sh->made_usec[sh->n] = now;
                }
        for (; i < n; i++)
                safe_close(fds[i]);
        if (!sh)
                return false;
        sh->refilling = false;
        if (sh->stale)
                shape_free(s, sh);
        return true;
}

void spares_clear(struct spares *s, bool forget)
{
        for (unsigned i = 0; i < SPARES_SHAPES; i++) {
                struct spare_shape *sh = &s->shapes[i];

                if (!sh->used)
                        continue;
                if (sh->refilling && !forget) {
                        shape_close_oldest(s, sh, 0);
                        sh->stale = true;
                } else {
                        shape_free(s, sh);
                }
        }
}

void spares_expire(struct spares *s, uint64_t now)
{
        for (unsigned i = 0; i < SPARES_SHAPES; i++) {
                struct spare_shape *sh = &s->shapes[i];
                unsigned young = 0;

                /* Oldest first: the young ones are at the end. */
                for (unsigned j = 0; j < sh->n; j++)
                        if (now - sh->made_usec[j] <= SPARES_MAX_AGE_USEC)
                                young++;
                shape_close_oldest(s, sh, young);
        }
}

uint64_t spares_next_expiry(const struct spares *s)
{
        uint64_t next = UINT64_MAX;

        for (unsigned i = 0; i < SPARES_SHAPES; i++)
                if (s->shapes[i].n > 0 && s->shapes[i].made_usec[0] + SPARES_MAX_AGE_USEC < next)
                        next = s->shapes[i].made_usec[0] + SPARES_MAX_AGE_USEC;
        return next;
}
