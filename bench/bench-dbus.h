/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-dbus.h - the bus of the D-Bus alternative (bench/dbus-service.c
 * and bench/grant.c): its names, and a connection to it.
 */
#pragma once

#include <systemd/sd-bus.h>

#define BENCH_DBUS_NAME "org.sockbroker.Bench"
#define BENCH_DBUS_PATH "/org/sockbroker/Bench"

/* A client connection to the bus at address, able to pass descriptors;
 * 0 or a negative errno, with *ret set either way (NULL on failure). */
static inline int bench_dbus_open(const char *address, sd_bus **ret)
{
        sd_bus *bus = NULL;
        int r;

        r = sd_bus_new(&bus);
        if (r >= 0)
                r = sd_bus_set_address(bus, address);
        if (r >= 0)
                r = sd_bus_set_bus_client(bus, 1);
        if (r >= 0)
                r = sd_bus_negotiate_fds(bus, 1);
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r < 0)
                bus = sd_bus_flush_close_unref(bus);
        *ret = bus;
        return r < 0 ? r : 0;
}
