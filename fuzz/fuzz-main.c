/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-main.c - replays saved inputs through a fuzz target, without
 * libFuzzer.
 *
 * Linked with a target instead of -fsanitize=fuzzer, it turns the corpus
 * into an ordinary test that any compiler can build: every file named on
 * the command line, and every regular file in every directory named
 * (sorted, not recursive), goes through LLVMFuzzerTestOneInput() once. A
 * broken property aborts, so the test fails by crashing; otherwise the
 * driver prints one summary line to stderr and exits 0.
 *
 * Each input is copied into a buffer of exactly its size, so a read past
 * the end is a heap overflow that ASan or valgrind reports, as it would
 * be under libFuzzer. Inputs larger than FUZZ_MAX_INPUT are skipped with
 * a message: the corpora are kept far smaller, and a stray huge file
 * should not make the test slow. A missing or unreadable argument is an
 * error (exit 1), so a wrong corpus path cannot pass by replaying nothing.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "fuzz/fuzz.h"

#define FUZZ_MAX_INPUT (1024u * 1024u)

struct replay {
        unsigned n_replayed;
        unsigned n_skipped;
        unsigned n_errors;
};

/* Reads the regular file at dfd/name and runs it. Returns 0 or -errno. */
static int replay_file(struct replay *rp, int dfd, const char *name, const char *shown)
{
        _cleanup_close_ int fd = -1;
        _cleanup_free_ uint8_t *data = NULL;
        struct stat st;
        size_t size, got = 0;

        fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EISDIR;
        if ((uint64_t)st.st_size > FUZZ_MAX_INPUT) {
                fprintf(stderr, "%s: skipped, %jd bytes is more than %u\n", shown,
                        (intmax_t)st.st_size, FUZZ_MAX_INPUT);
                rp->n_skipped++;
                return 0;
        }

        size = (size_t)st.st_size;
        data = malloc(size > 0 ? size : 1);
        if (!data)
                return -ENOMEM;
        while (got < size) {
                ssize_t n = read(fd, data + got, size - got);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;  /* shrank while we read: run what is there */
                got += (size_t)n;
        }

        LLVMFuzzerTestOneInput(data, got);
        rp->n_replayed++;
        return 0;
}

static int filter_visible(const struct dirent *de)
{
        return de->d_name[0] != '.';
}

static int replay_dir(struct replay *rp, const char *path)
{
        _cleanup_close_ int dfd = -1;
        struct dirent **list = NULL;
        int n;

        dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        n = scandir(path, &list, filter_visible, alphasort);
        if (n < 0)
                return -errno;

        for (int i = 0; i < n; i++) {
                struct stat st;
                char shown[4096];

                snprintf(shown, sizeof(shown), "%s/%s", path, list[i]->d_name);
                if (fstatat(dfd, list[i]->d_name, &st, 0) < 0) {
                        fprintf(stderr, "%s: %s\n", shown, strerror(errno));
                        rp->n_errors++;
                } else if (S_ISREG(st.st_mode)) {
                        int r = replay_file(rp, dfd, list[i]->d_name, shown);

                        if (r < 0) {
                                fprintf(stderr, "%s: %s\n", shown, strerror(-r));
                                rp->n_errors++;
                        }
                }
                free(list[i]);
        }
        free(list);
        return 0;
}

int main(int argc, char *argv[])
{
        struct replay rp = {};

        if (argc < 2) {
                fprintf(stderr, "usage: %s FILE|DIRECTORY...\n"
                        "Runs each file, and each regular file in each directory, through the fuzz target.\n",
                        argv[0]);
                return 2;
        }

        for (int i = 1; i < argc; i++) {
                struct stat st;
                int r;

                if (stat(argv[i], &st) < 0)
                        r = -errno;
                else if (S_ISDIR(st.st_mode))
                        r = replay_dir(&rp, argv[i]);
                else
                        r = replay_file(&rp, AT_FDCWD, argv[i], argv[i]);
                if (r < 0) {
                        fprintf(stderr, "%s: %s\n", argv[i], strerror(-r));
                        rp.n_errors++;
                }
        }

        fprintf(stderr, "replayed %u inputs", rp.n_replayed);
        if (rp.n_skipped > 0)
                fprintf(stderr, ", skipped %u", rp.n_skipped);
        if (rp.n_errors > 0)
                fprintf(stderr, ", %u errors", rp.n_errors);
        fputc('\n', stderr);
        return rp.n_errors > 0 ? 1 : 0;
}
