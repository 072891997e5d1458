/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * closer.c - a thread of its own for the closes that wait.
 *
 * The serving thread writes each descriptor's number to a pipe; the
 * closer thread reads them and closes them. The number stays the
 * process's until the closer closes it, so nothing else can reuse it in
 * between. The pipe's write end is non-blocking: should the closer fall
 * 16 thousand descriptors behind, the serving thread closes inline, which
 * is slow but never wrong. A 4-byte write is atomic and never split, so
 * every read returns whole numbers.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/shared/closer.h"

static int closer_fds[2] = { -1, -1 };

static void *closer_run(void *arg)
{
        int fds[64];

        /* Running: the thread's start (rseq, robust futexes) is done, so a
         * filter loaded from here on meets only what follows. */
        sem_post(arg);
        for (;;) {
                ssize_t n = read(closer_fds[0], fds, sizeof(fds));

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return NULL;
                for (size_t i = 0; i < (size_t)n / sizeof(int); i++)
                        (void)close(fds[i]);
        }
}

int closer_start(void)
{
        sigset_t all, old;
        pthread_attr_t attr;
        pthread_t t;
        sem_t started;
        int r;

        if (closer_fds[1] >= 0)
                return 0;
        if (pipe2(closer_fds, O_CLOEXEC) < 0)
                return -errno;
        if (fcntl(closer_fds[1], F_SETFL, O_NONBLOCK) < 0) {
                r = -errno;
                goto fail;
        }

        /* The thread starts with every signal blocked: they are the
         * serving thread's, through its signalfd or its handlers. */
        sigfillset(&all);
        if (sem_init(&started, 0, 0) < 0) {
                r = -errno;
                goto fail;
        }
        r = -pthread_attr_init(&attr);
        if (r < 0) {
                sem_destroy(&started);
                goto fail;
        }
        (void)pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        (void)pthread_attr_setstacksize(&attr, 64 * 1024);
        (void)pthread_sigmask(SIG_SETMASK, &all, &old);
        r = -pthread_create(&t, &attr, closer_run, &started);
        (void)pthread_sigmask(SIG_SETMASK, &old, NULL);
        pthread_attr_destroy(&attr);
        if (r == 0)
                while (sem_wait(&started) < 0 && errno == EINTR)
                        ;
        sem_destroy(&started);
        if (r < 0)
                goto fail;
        return 0;

fail:
        (void)close(closer_fds[0]);
        (void)close(closer_fds[1]);
        closer_fds[0] = closer_fds[1] = -1;
        return r;
}

bool closer_family_waits(int family)
{
        return family == AF_PACKET || family == AF_CAN || family == AF_UNSPEC;
}

void closer_close(int fd, int family)
{
        if (fd < 0)
                return;
        if (closer_fds[1] >= 0 && closer_family_waits(family) &&
            write(closer_fds[1], &fd, sizeof(fd)) == (ssize_t)sizeof(fd))
                return;
        (void)close(fd);
}
