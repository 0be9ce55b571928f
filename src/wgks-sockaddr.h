/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A peer endpoint's socket address, as WireGuard takes it, and the few
 * things done with one. */
#ifndef WGKS_SOCKADDR_H
#define WGKS_SOCKADDR_H

#include <glib.h>
#include <netinet/in.h>

/* struct sockaddr_in or sockaddr_in6 */
typedef union {
	struct sockaddr     sa;
	struct sockaddr_in  in4;
	struct sockaddr_in6 in6;
} WgksSockaddr;

/* "192.0.2.1:51820", "[2001:db8::1]:51820" or "(none)" */
char    *wgks_sockaddr_to_string (const WgksSockaddr *addr);
gboolean wgks_sockaddr_equal     (const WgksSockaddr *a, const WgksSockaddr *b);

#endif
