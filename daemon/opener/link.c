/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * link.c - link configuration over rtnetlink, with libmnl.
 *
 * One request per call on a fresh NETLINK_ROUTE socket, acknowledged by
 * the kernel: the socket lives in the calling thread's namespace, and the
 * interface is named in the request (IFLA_IFNAME), so it is looked up in
 * that namespace too. The kernel checks CAP_NET_ADMIN against the socket's
 * opener and the sender, both the opener itself.
 */
#include "config.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/can/netlink.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include "common/util.h"
#include "daemon/opener/link.h"

/* How long the kernel may take to acknowledge. */
#define LINK_ACK_TIMEOUT_SEC 5
/* A request, or an answer: an ACK, or an error quoting the request. */
#define LINK_BUFFER_SIZE 8192

static void mnl_socket_closep(struct mnl_socket **nl)
{
        if (*nl)
                mnl_socket_close(*nl);
}

/* Starts an RTM_NEWLINK request for ifname in buf. */
static struct nlmsghdr *newlink_start(void *buf, const char *ifname, uint32_t seq,
                                      struct ifinfomsg **ret_ifi)
{
        struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
        struct ifinfomsg *ifi;

        nlh->nlmsg_type = RTM_NEWLINK;
        nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
        nlh->nlmsg_seq = seq;
        ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
        ifi->ifi_family = AF_UNSPEC;
        mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
        *ret_ifi = ifi;
        return nlh;
}

/* Sends nlh and waits for the kernel's acknowledgement. */
static int request(struct nlmsghdr *nlh)
{
        _cleanup_(mnl_socket_closep) struct mnl_socket *nl = NULL;
        struct timeval tv = { .tv_sec = LINK_ACK_TIMEOUT_SEC };
        char buf[LINK_BUFFER_SIZE];
        unsigned portid;
        ssize_t n;
        int r;

        nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
        if (!nl)
                return negative_errno();
        if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
                return negative_errno();
        if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
                return negative_errno();
        portid = mnl_socket_get_portid(nl);

        if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
                return negative_errno();
        for (;;) {
                n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
                if (n < 0)
                        return errno == EAGAIN ? -ETIMEDOUT : negative_errno();
                /* An error or the ACK (an error of 0) ends the callback run. */
                r = mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, portid, NULL, NULL);
                if (r < 0)
                        return negative_errno();
                if (r == MNL_CB_STOP)
                        return 0;
        }
}

/*
 * Whether ifname, in this thread's namespace, is a CAN interface: link=
 * rules are about CAN links, and a rule without iface= must not reach
 * eth0. -ENODEV when there is no such interface, -EPERM when it is not
 * CAN.
 */
static int check_can(const char *ifname)
{
        struct ifreq ifr = {};
        _cleanup_close_ int fd = -1;

        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return negative_errno();
        memcpy(ifr.ifr_name, ifname, strlen(ifname));
        if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
                return negative_errno();
        return ifr.ifr_hwaddr.sa_family == ARPHRD_CAN ? 0 : -EPERM;
}

static uint32_t next_seq(void)
{
        static uint32_t seq;

        if (seq == 0)
                seq = (uint32_t)time(NULL);
        return ++seq;
}

int link_set_up(const char *ifname, bool up)
{
        char buf[LINK_BUFFER_SIZE];
        struct ifinfomsg *ifi;
        struct nlmsghdr *nlh;

        int r;

        if (!ifname || !ifname[0] || strlen(ifname) >= IFNAMSIZ)
                return -EINVAL;
        r = check_can(ifname);
        if (r < 0)
                return r;
        nlh = newlink_start(buf, ifname, next_seq(), &ifi);
        ifi->ifi_change = IFF_UP;
        ifi->ifi_flags = up ? IFF_UP : 0;
        return request(nlh);
}

int link_set_can_bitrate(const char *ifname, uint32_t bitrate)
{
        struct can_bittiming bt = { .bitrate = bitrate };
        char buf[LINK_BUFFER_SIZE];
        struct nlattr *linkinfo, *data;
        struct ifinfomsg *ifi;
        struct nlmsghdr *nlh;

        int r;

        if (!ifname || !ifname[0] || strlen(ifname) >= IFNAMSIZ || bitrate == 0)
                return -EINVAL;
        r = check_can(ifname);
        if (r < 0)
                return r;
        nlh = newlink_start(buf, ifname, next_seq(), &ifi);
        linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
        mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "can");
        data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
        mnl_attr_put(nlh, IFLA_CAN_BITTIMING, sizeof(bt), &bt);
        mnl_attr_nest_end(nlh, data);
        mnl_attr_nest_end(nlh, linkinfo);
        return request(nlh);
}
