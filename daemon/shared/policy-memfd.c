/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * policy-memfd.c - importing a policy image from a sealed memfd, as the
 * opener does with the compiler's and the broker with the opener's.
 *
 * The seals are what make one image the same for both: once a memfd is
 * sealed against writing, shrinking and growing, no holder of it can
 * change what the next reader maps.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "common/util.h"
#include "daemon/shared/opener-proto.h"
#include "daemon/shared/policy-memfd.h"

int policy_memfd_import(int fd, uint64_t size, policy_importer import, policy **ret)
{
        const int need = F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW;
        struct stat st;
        void *map;
        int seals, r;

        seals = fcntl(fd, F_GET_SEALS);
        if (seals < 0)
                return negative_errno();
        if ((seals & need) != need)
                return -EPERM;
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (size == 0 || (uint64_t)st.st_size != size || size > OPENER_MAX_POLICY_IMAGE)
                return -EBADMSG;

        map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED)
                return negative_errno();
        r = import(map, size, ret);
        munmap(map, size);
        return r;
}
