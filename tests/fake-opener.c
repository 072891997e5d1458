/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fake-opener.c - an opener for tests/integration/faults.sh that leads
 * the broker to a policy: it listens on SOCKET as sockbroker-opener does
 * on its own, sends the broker that connects the image of POLICY as
 * generation 1 and, at each reload, the same image as the next
 * generation: unchanged with "same", and with "bad-selectors" with the
 * first rule's uid= set to -1, which no compiler writes and the broker's
 * import refuses. Every message is checked with the opener's own
 * opener_msg_check(); a request for a socket is refused with EACCES. It
 * prints "ready" once it listens and ends when the broker hangs up.
 *
 *   fake-opener SOCKET POLICY same|bad-selectors
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/fdmsg.h"
#include "common/util.h"
#include "daemon/shared/opener-proto.h"
#include "policy/policy-compile.h"
#include "policy/policy-internal.h"

__attribute__((noreturn)) _printf_(1, 2)
static void die(const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        fprintf(stderr, "fake-opener: ");
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
        exit(EXIT_FAILURE);
}

/* The image of the policy file at path. */
static void compile_file(const char *path, void **ret_buf, size_t *ret_len)
{
        static char text[65536];
        struct policy_source src = { .name = path, .text = text };
        struct policy_error err = {};
        policy *p = NULL;
        FILE *f = fopen(path, "re");

        if (!f)
                die("%s: %m", path);
        src.len = fread(text, 1, sizeof(text), f);
        fclose(f);
        if (policy_compile(&src, 1, &policy_resolver_system, &p, &err) < 0)
                die("%s:%u: %s", err.file, err.line, err.message);
        if (policy_export(p, ret_buf, ret_len) < 0)
                die("cannot export the policy");
        policy_free(p);
}

/* uid=-1 on the first rule: a selector the broker's import refuses and
 * the opener's leaves unread. */
static void corrupt_selectors(uint8_t *image, size_t len)
{
        struct policy_image_header h;
        struct policy_image_rule rec;
        size_t off;

        memcpy(&h, image, sizeof(h));
        off = sizeof(h) + (size_t)h.n_files * sizeof(uint32_t);
        if (h.n_rules == 0 || off + sizeof(rec) > len)
                die("the policy has no rule to corrupt");
        memcpy(&rec, image + off, sizeof(rec));
        rec.flags |= POLICY_IMAGE_RULE_UID;
        rec.uid = UINT32_MAX;
        memcpy(image + off, &rec, sizeof(rec));
}

static void send_policy(int sock, uint32_t generation, const void *image, size_t len)
{
        struct opener_policy m = {
                .hdr = { OPENER_PROTO_VERSION, OPENER_MSG_POLICY, 0 },
                .generation = generation,
                .size = len,
        };
        socklen_t n = sizeof(m.netns_cookie);
        int fd = memfd_create("fake-policy", MFD_CLOEXEC | MFD_ALLOW_SEALING);

        if (fd < 0 || write(fd, image, len) != (ssize_t)len ||
            fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
                die("cannot make the policy's memfd: %m");
        if (getsockopt(sock, SOL_SOCKET, SO_NETNS_COOKIE, &m.netns_cookie, &n) < 0)
                die("SO_NETNS_COOKIE: %m");
        if (fdmsg_send(sock, &m, sizeof(m), &fd, 1, 0) < 0)
                die("cannot send the policy");
        close(fd);
}

/* A refusal of what the broker asked for, in the answer its type wants. */
static void refuse_request(int sock, int type, uint32_t seq)
{
        union {
                struct opener_result result;
                struct opener_spares spares;
                struct opener_done done;
                struct opener_hci_done hci;
        } a;
        size_t len;

        memset(&a, 0, sizeof(a));
        switch (type) {
        case OPENER_MSG_OPEN:
                a.result = (struct opener_result){ { OPENER_PROTO_VERSION, OPENER_MSG_RESULT, seq },
                                                   EACCES, OPENER_STAGE_CREATE };
                len = sizeof(a.result);
                break;
        case OPENER_MSG_SPARE:
                a.spares = (struct opener_spares){ { OPENER_PROTO_VERSION, OPENER_MSG_SPARES, seq },
                                                   EACCES, OPENER_STAGE_CREATE, 0, 0 };
                len = sizeof(a.spares);
                break;
        case OPENER_MSG_HCI:
                a.hci.hdr = (struct opener_hdr){ OPENER_PROTO_VERSION, OPENER_MSG_HCI_DONE, seq };
                a.hci.error = EACCES;
                a.hci.stage = OPENER_STAGE_DEVICE;
                len = sizeof(a.hci);
                break;
        default:
                a.done = (struct opener_done){ { OPENER_PROTO_VERSION, OPENER_MSG_DONE, seq },
                                               EACCES, OPENER_STAGE_BIND };
                len = sizeof(a.done);
                break;
        }
        if (fdmsg_send(sock, &a, len, NULL, 0, 0) < 0)
                die("cannot answer the broker");
}

int main(int argc, char **argv)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        uint32_t generation = 1;
        void *image = NULL;
        size_t len;
        bool bad;
        int lfd, sock;

        if (argc != 4 || strlen(argv[1]) >= sizeof(sa.sun_path) ||
            (!streq(argv[3], "same") && !streq(argv[3], "bad-selectors")))
                die("usage: fake-opener SOCKET POLICY same|bad-selectors");
        bad = streq(argv[3], "bad-selectors");
        compile_file(argv[2], &image, &len);

        memcpy(sa.sun_path, argv[1], strlen(argv[1]));
        lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
            chmod(argv[1], 0666) < 0 || listen(lfd, 1) < 0)
                die("cannot listen at %s: %m", argv[1]);
        printf("ready\n");
        fflush(stdout);

        sock = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (sock < 0)
                die("accept: %m");
        send_policy(sock, generation, image, len);
        for (;;) {
                union {
                        struct opener_hdr hdr;
                        char raw[OPENER_MAX_MESSAGE];
                } buf;
                int fds[FDMSG_MAX_FDS], type;
                size_t n_fds;
                ssize_t n = fdmsg_recv(sock, &buf, sizeof(buf), fds, 1, &n_fds, 0);

                if (n == 0 && n_fds == 0)
                        break;
                if (n < 0)
                        die("receiving from the broker: %s", strerror((int)-n));
                type = opener_msg_check(&buf, (size_t)n, n_fds);
                fdmsg_close_all(fds, n_fds);
                if (type < 0)
                        die("the broker sent an invalid message: %s", strerror(-type));
                switch (type) {
                case OPENER_MSG_RELOAD:
                        if (bad)
                                corrupt_selectors(image, len);
                        send_policy(sock, ++generation, image, len);
                        printf("sent generation %u%s\n", generation, bad ? ", its selectors corrupted" : "");
                        fflush(stdout);
                        break;
                case OPENER_MSG_CLOSE:
                        break;
                default:
                        refuse_request(sock, type, buf.hdr.seq);
                        break;
                }
        }
        free(image);
        return EXIT_SUCCESS;
}
