/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The allocator settings the service gives itself before main() runs
 * (nm-wgks-main.c). They are for the service's own heap: the programs it
 * starts do not inherit them (wgks-device-uapi.c). */
#define WGKS_OWN_G_SLICE        "always-malloc"
#define WGKS_OWN_GLIBC_TUNABLES "glibc.malloc.tcache_count=0"
