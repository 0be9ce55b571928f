/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wgks-ip-config.h"

#include <NetworkManager.h>
#include <arpa/inet.h>
#include <string.h>

#include "wgks-log.h"

static const WgksPrefix *
first_address (const WgksConfig *config, int family)
{
	guint i;

	for (i = 0; i < config->addresses->len; i++) {
		const WgksPrefix *p = config->addresses->pdata[i];

		if (p->family == family)
			return p;
	}
	return NULL;
}

gboolean
wgks_ip_config_has_family (const WgksConfig *config, int family)
{
	return first_address (config, family) != NULL;
}

static GVariant *
bytes_variant (const guint8 *addr, gsize len)
{
	return g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, addr, len, 1);
}

static guint32
addr4 (const guint8 *addr)
{
	guint32 v;

	memcpy (&v, addr, sizeof v);   /* already network order */
	return v;
}

GVariant *
wgks_ip_config_generic (const WgksConfig *config, const char *ifname, const WgksSockaddr *gateway)
{
	GVariantBuilder b;

	g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add (&b, "{sv}", NM_VPN_PLUGIN_CONFIG_TUNDEV, g_variant_new_string (ifname));
	if (gateway->sa.sa_family == AF_INET6)
		g_variant_builder_add (&b, "{sv}", NM_VPN_PLUGIN_CONFIG_EXT_GATEWAY,
		                       bytes_variant (gateway->in6.sin6_addr.s6_addr, 16));
	else
		g_variant_builder_add (&b, "{sv}", NM_VPN_PLUGIN_CONFIG_EXT_GATEWAY,
		                       g_variant_new_uint32 (gateway->in4.sin_addr.s_addr));
	g_variant_builder_add (&b, "{sv}", NM_VPN_PLUGIN_CONFIG_MTU,
	                       g_variant_new_uint32 (config->mtu ? config->mtu : WGKS_DEFAULT_MTU));
	g_variant_builder_add (&b, "{sv}", NM_VPN_PLUGIN_CONFIG_HAS_IP4,
	                       g_variant_new_boolean (wgks_ip_config_has_family (config, AF_INET)));
	g_variant_builder_add (&b, "{sv}", NM_VPN_PLUGIN_CONFIG_HAS_IP6,
	                       g_variant_new_boolean (wgks_ip_config_has_family (config, AF_INET6)));
	/* The tunnel survives the uplink going away (vpn.persistent). */
	g_variant_builder_add (&b, "{sv}", NM_VPN_PLUGIN_CAN_PERSIST, g_variant_new_boolean (TRUE));
	return g_variant_builder_end (&b);
}

/* Non-default AllowedIPs of the family, masked and without duplicates. */
static GPtrArray *
collect_routes (const WgksConfig *config, int family)
{
	GPtrArray *routes = g_ptr_array_new_with_free_func (g_free);
	guint i, j, k;

	if (config->table == WGKS_TABLE_OFF)
		return routes;
	for (i = 0; i < config->peers->len; i++) {
		const WgksPeer *peer = config->peers->pdata[i];

		for (j = 0; j < peer->allowed_ips->len; j++) {
			WgksPrefix *p = wgks_prefix_dup (peer->allowed_ips->pdata[j]);
			gboolean dup = FALSE;

			wgks_prefix_mask (p);
			for (k = 0; k < routes->len && !dup; k++)
				dup = wgks_prefix_equal (routes->pdata[k], p);
			if (p->family != family || wgks_prefix_is_default (p) || dup)
				g_free (p);
			else
				g_ptr_array_add (routes, p);
		}
	}
	return routes;
}

static GVariant *
routes4_variant (GPtrArray *routes)
{
	GVariantBuilder b;
	guint i;

	g_variant_builder_init (&b, G_VARIANT_TYPE ("aau"));
	for (i = 0; i < routes->len; i++) {
		const WgksPrefix *p = routes->pdata[i];
		guint32 r[4] = { addr4 (p->addr), p->plen, 0, 0 };

		g_variant_builder_add_value (&b, g_variant_new_fixed_array (G_VARIANT_TYPE_UINT32, r, 4, sizeof r[0]));
	}
	return g_variant_builder_end (&b);
}

static GVariant *
routes6_variant (GPtrArray *routes)
{
	static const guint8 zero[16];
	GVariantBuilder b;
	guint i;

	g_variant_builder_init (&b, G_VARIANT_TYPE ("a(ayuayu)"));
	for (i = 0; i < routes->len; i++) {
		const WgksPrefix *p = routes->pdata[i];

		g_variant_builder_add (&b, "(@ayu@ayu)", bytes_variant (p->addr, 16), p->plen,
		                       bytes_variant (zero, 16), 0u);
	}
	return g_variant_builder_end (&b);
}

static GVariant *
dns_variant (const WgksConfig *config, int family)
{
	GVariantBuilder b;
	guint i;

	g_variant_builder_init (&b, family == AF_INET ? G_VARIANT_TYPE ("au") : G_VARIANT_TYPE ("aay"));
	for (i = 0; i < config->dns_servers->len; i++) {
		guint8 addr[16];
		int f;

		if (!wgks_ip_parse (config->dns_servers->pdata[i], &f, addr) || f != family)
			continue;
		if (family == AF_INET)
			g_variant_builder_add (&b, "u", addr4 (addr));
		else
			g_variant_builder_add_value (&b, bytes_variant (addr, 16));
	}
	return g_variant_builder_end (&b);
}

static GVariant *
domains_variant (const WgksConfig *config, int family)
{
	GVariantBuilder b;
	gboolean has_route_all = FALSE;
	guint i;

	g_variant_builder_init (&b, G_VARIANT_TYPE ("as"));
	for (i = 0; i < config->dns_domains->len; i++) {
		const char *d = config->dns_domains->pdata[i];

		has_route_all |= strcmp (d, "~.") == 0;
		g_variant_builder_add (&b, "s", d);
	}
	/* A full tunnel with leak protection sends every name to the tunnel's DNS. */
	if (!has_route_all && config->dns_leak_protection && config->dns_servers->len > 0
	    && wgks_config_is_full_tunnel (config, family) && config->table != WGKS_TABLE_OFF)
		g_variant_builder_add (&b, "s", "~.");
	return g_variant_builder_end (&b);
}

GVariant *
wgks_ip_config_for_family (const WgksConfig *config, int family)
{
	const WgksPrefix *address = first_address (config, family);
	g_autoptr (GPtrArray) routes = NULL;
	gboolean never_default;
	GVariantBuilder b;

	if (!address)
		return NULL;
	g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
	if (family == AF_INET)
		g_variant_builder_add (&b, "{sv}", NM_VPN_PLUGIN_IP4_CONFIG_ADDRESS,
		                       g_variant_new_uint32 (addr4 (address->addr)));
	else
		g_variant_builder_add (&b, "{sv}", NM_VPN_PLUGIN_IP6_CONFIG_ADDRESS,
		                       bytes_variant (address->addr, 16));
	/* The remaining keys are the same strings for IPv4 and IPv6. */
	g_variant_builder_add (&b, "{sv}", NM_VPN_PLUGIN_IP4_CONFIG_PREFIX, g_variant_new_uint32 (address->plen));
	g_variant_builder_add (&b, "{sv}", NM_VPN_PLUGIN_IP4_CONFIG_DNS, dns_variant (config, family));
	g_variant_builder_add (&b, "{sv}", NM_VPN_PLUGIN_IP4_CONFIG_DOMAINS, domains_variant (config, family));

	routes = collect_routes (config, family);
	if (routes->len)
		g_variant_builder_add (&b, "{sv}", NM_VPN_PLUGIN_IP4_CONFIG_ROUTES,
		                       family == AF_INET ? routes4_variant (routes) : routes6_variant (routes));
	/* The default route is not a route here: NetworkManager adds it when
	 * never-default is unset, together with the host route to the gateway. */
	never_default = config->table == WGKS_TABLE_OFF || !wgks_config_is_full_tunnel (config, family);
	if (never_default)
		g_variant_builder_add (&b, "{sv}", NM_VPN_PLUGIN_IP4_CONFIG_NEVER_DEFAULT, g_variant_new_boolean (TRUE));
	return g_variant_builder_end (&b);
}
