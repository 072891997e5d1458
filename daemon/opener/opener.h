/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * opener.h - the privileged half of sockbrokerd.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct opener_config {
        const char *policy_path;
        const char *policy_dir;
        uint64_t extra_caps;     /* capabilities kept beyond what the policy needs */
        uid_t uid;               /* the opener's own user, never 0 */
        gid_t gid;
        unsigned hci_timeout_ms; /* wait for a controller's answer this long */
        bool restartable;        /* its socket is the service manager's, which
                                  * starts it again on the next connection */
};

/* Runs the opener on its end of the socketpair until the broker hangs
 * up. Returns the process exit status. */
int opener_main(int sock, const struct opener_config *config);

/*
 * Runs the opener on its own (sockbrokerd --opener): serves brokers that
 * connect to listen_fd, one at a time, each only if the kernel says it
 * runs as broker_uid. Returns the process exit status on a fatal error.
 */
int opener_listen(int listen_fd, uid_t broker_uid, const struct opener_config *config);
