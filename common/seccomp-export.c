/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * seccomp-export.c - a libseccomp filter as the BPF program the kernel
 * takes, through a memfd: libseccomp exports to a descriptor only.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/seccomp-export.h"
#include "common/util.h"

int seccomp_export_program(scmp_filter_ctx ctx, struct sock_fprog *ret)
{
        _cleanup_free_ struct sock_filter *code = NULL;
        _cleanup_close_ int fd = -1;
        off_t size;
        int r;

        fd = memfd_create("seccomp-export", MFD_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        r = seccomp_export_bpf(ctx, fd);
        if (r < 0)
                return r;
        size = lseek(fd, 0, SEEK_END);
        if (size <= 0 || size % (off_t)sizeof(*code) != 0 ||
            size / (off_t)sizeof(*code) > BPF_MAXINSNS)
                return -EINVAL;
        code = malloc((size_t)size);
        if (!code)
                return -ENOMEM;
        if (pread(fd, code, (size_t)size, 0) != size)
                return -EIO;
        *ret = (struct sock_fprog) {
                .len = (unsigned short)(size / (off_t)sizeof(*code)),
                .filter = TAKE_PTR(code),
        };
        return 0;
}
