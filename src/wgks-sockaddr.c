/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wgks-sockaddr.h"

#include <arpa/inet.h>
#include <string.h>

char *
wgks_sockaddr_to_string (const WgksSockaddr *addr)
{
	char buf[INET6_ADDRSTRLEN];

	if (addr->sa.sa_family == AF_INET6) {
		inet_ntop (AF_INET6, &addr->in6.sin6_addr, buf, sizeof buf);
		return g_strdup_printf ("[%s]:%u", buf, ntohs (addr->in6.sin6_port));
	}
	if (addr->sa.sa_family == AF_INET) {
		inet_ntop (AF_INET, &addr->in4.sin_addr, buf, sizeof buf);
		return g_strdup_printf ("%s:%u", buf, ntohs (addr->in4.sin_port));
	}
	return g_strdup ("(none)");
}

gboolean
wgks_sockaddr_equal (const WgksSockaddr *a, const WgksSockaddr *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return FALSE;
	if (a->sa.sa_family == AF_INET6)
		return a->in6.sin6_port == b->in6.sin6_port
		       && memcmp (&a->in6.sin6_addr, &b->in6.sin6_addr, 16) == 0;
	return a->in4.sin_port == b->in4.sin_port && a->in4.sin_addr.s_addr == b->in4.sin_addr.s_addr;
}
