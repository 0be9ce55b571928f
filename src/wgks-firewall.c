/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wgks-firewall.h"

#include <arpa/inet.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <nftables/libnftables.h>
#include <stdio.h>
#include <string.h>

G_DEFINE_QUARK (wgks-firewall-error-quark, wgks_firewall_error)

#define TABLE WGKS_FIREWALL_FAMILY " " WGKS_FIREWALL_TABLE

/* RFC 1918, link-local, CGNAT is not "local"; broadcast; multicast only
 * local-network control (224.0.0.0/24), administratively scoped (239/8) and
 * link- to site-local IPv6 scopes: globally routed multicast is no LAN. */
static const char *const lan4[] = {
	"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "224.0.0.0/24",
	"239.0.0.0/8", "255.255.255.255/32", NULL,
};
static const char *const lan6[] = {
	"fe80::/10", "fc00::/7", "ff02::/16", "ff03::/16", "ff04::/16", "ff05::/16", NULL,
};

const char *
wgks_firewall_state_to_string (WgksFirewallState state)
{
	switch (state) {
	case WGKS_FIREWALL_OFF:
		return "off";
	case WGKS_FIREWALL_CONNECTING:
		return "connecting";
	case WGKS_FIREWALL_CONNECTED:
		return "connected";
	case WGKS_FIREWALL_BLOCKED:
		return "blocked";
	}
	return "unknown";
}

static void
append_set (GString *out, const char *name, const char *type, gboolean interval, GPtrArray *elements)
{
	guint i;

	g_string_append_printf (out, "\tset %s {\n\t\ttype %s\n", name, type);
	if (interval)
		g_string_append (out, "\t\tflags interval\n\t\tauto-merge\n");
	if (elements && elements->len) {
		g_string_append (out, "\t\telements = { ");
		for (i = 0; i < elements->len; i++)
			g_string_append_printf (out, "%s%s", i ? ", " : "", (const char *) elements->pdata[i]);
		g_string_append (out, " }\n");
	}
	g_string_append (out, "\t}\n");
}

/* The uplink's DNS servers expire in the kernel itself: if the service dies
 * while it resolves a name, its (marked-only) exception ends anyway. */
static void
append_resolver_set (GString *out, const char *name, const char *type, GPtrArray *elements)
{
	guint i;

	g_string_append_printf (out, "\tset %s {\n\t\ttype %s\n\t\tflags timeout\n", name, type);
	if (elements->len) {
		g_string_append (out, "\t\telements = { ");
		for (i = 0; i < elements->len; i++)
			g_string_append_printf (out, "%s%s timeout %us", i ? ", " : "", (const char *) elements->pdata[i],
			                        WGKS_FIREWALL_RESOLVER_TIMEOUT_S);
		g_string_append (out, " }\n");
	}
	g_string_append (out, "\t}\n");
}

static void
split_addresses (GPtrArray *addresses, GPtrArray *v4, GPtrArray *v6)
{
	guint i;

	for (i = 0; addresses && i < addresses->len; i++) {
		const char *a = addresses->pdata[i];

		GPtrArray *to = strchr (a, ':') ? v6 : v4;

		if (to)
			g_ptr_array_add (to, g_strdup (a));
	}
}

static void
split_endpoints (GArray *endpoints, GPtrArray *v4, GPtrArray *v6)
{
	char buf[INET6_ADDRSTRLEN];
	guint i;

	for (i = 0; endpoints && i < endpoints->len; i++) {
		const WgksFirewallEndpoint *ep = &g_array_index (endpoints, WgksFirewallEndpoint, i);

		inet_ntop (ep->family, ep->addr, buf, sizeof buf);
		g_ptr_array_add (ep->family == AF_INET6 ? v6 : v4, g_strdup_printf ("%s . %u", buf, ep->port));
	}
}

static void
split_prefixes (GPtrArray *prefixes, GPtrArray *v4, GPtrArray *v6)
{
	guint i;

	for (i = 0; prefixes && i < prefixes->len; i++) {
		WgksPrefix p = *(const WgksPrefix *) prefixes->pdata[i];

		wgks_prefix_mask (&p);
		g_ptr_array_add (p.family == AF_INET6 ? v6 : v4, wgks_prefix_to_string (&p));
	}
}

static GPtrArray *
strv_to_array (const char *const *strv)
{
	GPtrArray *a = g_ptr_array_new_with_free_func (g_free);

	for (; *strv; strv++)
		g_ptr_array_add (a, g_strdup (*strv));
	return a;
}

/* Sets: addresses go in sets so that the rules stay few for any number of
 * peers and prefixes. */
static void
render_sets (GString *out, const WgksFirewallSpec *spec)
{
	g_autoptr (GPtrArray) ep4 = g_ptr_array_new_with_free_func (g_free);
	g_autoptr (GPtrArray) ep6 = g_ptr_array_new_with_free_func (g_free);
	g_autoptr (GPtrArray) dns4 = g_ptr_array_new_with_free_func (g_free);
	g_autoptr (GPtrArray) dns6 = g_ptr_array_new_with_free_func (g_free);
	g_autoptr (GPtrArray) res4 = g_ptr_array_new_with_free_func (g_free);
	g_autoptr (GPtrArray) res6 = g_ptr_array_new_with_free_func (g_free);
	g_autoptr (GPtrArray) prot4 = g_ptr_array_new_with_free_func (g_free);
	g_autoptr (GPtrArray) prot6 = g_ptr_array_new_with_free_func (g_free);
	g_autoptr (GPtrArray) own4 = g_ptr_array_new_with_free_func (g_free);
	g_autoptr (GPtrArray) own6 = g_ptr_array_new_with_free_func (g_free);
	g_autoptr (GPtrArray) l4 = strv_to_array (lan4);
	g_autoptr (GPtrArray) l6 = strv_to_array (lan6);
	g_autoptr (GPtrArray) up4 = g_ptr_array_new_with_free_func (g_free);

	split_endpoints (spec->endpoints, ep4, ep6);
	split_addresses (spec->tunnel_dns, dns4, dns6);
	split_addresses (spec->tunnel_addresses, own4, own6);
	split_addresses (spec->resolvers, res4, res6);
	split_prefixes (spec->protected_prefixes, prot4, prot6);
	split_addresses (spec->uplink_subnets4, up4, NULL);

	append_set (out, "endpoints4", "ipv4_addr . inet_service", FALSE, ep4);
	append_set (out, "endpoints6", "ipv6_addr . inet_service", FALSE, ep6);
	append_set (out, "tunnel_dns4", "ipv4_addr", FALSE, dns4);
	append_set (out, "tunnel_dns6", "ipv6_addr", FALSE, dns6);
	append_set (out, "tunnel_addr4", "ipv4_addr", FALSE, own4);
	append_set (out, "tunnel_addr6", "ipv6_addr", FALSE, own6);
	append_resolver_set (out, "resolvers4", "ipv4_addr", res4);
	append_resolver_set (out, "resolvers6", "ipv6_addr", res6);
	append_set (out, "lan4", "ipv4_addr", TRUE, spec->allow_lan ? l4 : NULL);
	append_set (out, "lan6", "ipv6_addr", TRUE, spec->allow_lan ? l6 : NULL);
	append_set (out, "uplink_nets4", "ipv4_addr", TRUE, up4);
	if (spec->protected_prefixes) {
		append_set (out, "protected4", "ipv4_addr", TRUE, prot4);
		append_set (out, "protected6", "ipv6_addr", TRUE, prot6);
	}
}

/* Verdict for what no rule accepted: fail fast, so applications do not hang. */
static void
render_reject (GString *out, const char *counter)
{
	g_string_append_printf (out, "\t\tcounter name %s\n", counter);
	g_string_append (out, "\t\tmeta l4proto tcp reject with tcp reset\n");
	g_string_append (out, "\t\treject with icmpx type admin-prohibited\n");
}

/* Split tunnel: only traffic for the protected prefixes must not leave
 * outside the tunnel; everything else goes on as without VPN. */
static void
render_split_bypass (GString *out, const WgksFirewallSpec *spec, gboolean output)
{
	const char *dir = output ? "daddr" : "saddr";

	if (!spec->protected_prefixes)
		return;
	g_string_append_printf (out, "\t\tip %s != @protected4 meta nfproto ipv4 accept\n", dir);
	g_string_append_printf (out, "\t\tip6 %s != @protected6 meta nfproto ipv6 accept\n", dir);
}

/* While the service resolves endpoint names: its own queries, from sockets
 * with the tunnel's mark (only a privileged process can set one), to the
 * uplink's DNS servers, and their answers. Ahead of the DNS guard, and
 * absent whenever no name is being resolved. */
static void
render_resolvers (GString *out, const WgksFirewallSpec *spec, gboolean output)
{
	if (!spec->resolvers || spec->resolvers->len == 0)
		return;
	if (output) {
		g_string_append_printf (out, "\t\tmeta mark 0x%x ip daddr @resolvers4 meta l4proto { tcp, udp } th dport 53 accept\n",
		                        spec->fwmark);
		g_string_append_printf (out, "\t\tmeta mark 0x%x ip6 daddr @resolvers6 meta l4proto { tcp, udp } th dport 53 accept\n",
		                        spec->fwmark);
	} else {
		g_string_append (out, "\t\tip saddr @resolvers4 meta l4proto { tcp, udp } th sport 53 accept\n");
		g_string_append (out, "\t\tip6 saddr @resolvers6 meta l4proto { tcp, udp } th sport 53 accept\n");
	}
}

static void
render_dns_guard (GString *out, const WgksFirewallSpec *spec)
{
	if (!spec->dns_leak_protection)
		return;
	/* Wherever a query comes from (an application that ignores resolv.conf,
	 * a local resolver's upstream), it may reach only the tunnel's DNS. */
	g_string_append (out, "\t\tmeta l4proto { tcp, udp } th dport { 53, 853 } ip daddr != @tunnel_dns4 "
	                      "jump dns_reject\n");
	g_string_append (out, "\t\tmeta l4proto { tcp, udp } th dport { 53, 853 } ip6 daddr != @tunnel_dns6 "
	                      "jump dns_reject\n");
}

/* Names that leave beside DNS, outside the tunnel (the tunnel's own
 * packets were accepted before): LLMNR asks everyone on the link; mDNS only
 * to its groups and only with allow-lan (printers: the firewall cannot read
 * the name, resolvers send only .local there); DNS over TLS and over QUIC
 * only to the tunnel's DNS servers, in a split tunnel too. */
static void
render_dns_side_channels (GString *out, const WgksFirewallSpec *spec)
{
	if (!spec->dns_leak_protection)
		return;
	g_string_append (out, "\t\tmeta l4proto { tcp, udp } th dport 5355 jump dns_reject\n");
	if (spec->allow_lan) {
		g_string_append (out, "\t\tudp dport 5353 ip daddr != 224.0.0.251 jump dns_reject\n");
		g_string_append (out, "\t\tudp dport 5353 ip6 daddr != ff02::fb jump dns_reject\n");
	} else {
		g_string_append (out, "\t\tudp dport 5353 jump dns_reject\n");
	}
	g_string_append (out, "\t\tmeta l4proto { tcp, udp } th dport 853 ip daddr != @tunnel_dns4 jump dns_reject\n");
	g_string_append (out, "\t\tmeta l4proto { tcp, udp } th dport 853 ip6 daddr != @tunnel_dns6 jump dns_reject\n");
}

/* DHCP and neighbour discovery, as narrow as the protocols allow. Port 68
 * proves nothing (a raw socket, CAP_NET_BIND_SERVICE or a lowered
 * ip_unprivileged_port_start get it), so DHCPv4 may only go to the link:
 * broadcast, or a unicast renewal within the uplinks' own subnets, which the
 * service reads from the kernel when it writes the table (a server behind a
 * relay is then not reached by unicast, and the client rebinds by broadcast).
 * No rule without addresses can do this: a hop limit of 1 would still hand
 * the packet to the ISP's router. DHCPv6 and ND stay on the link by their
 * addresses, and ND by hop limit 255, which no router forwards. */
static void
render_link_out (GString *out)
{
	g_string_append (out, "\t\tudp sport 68 ip daddr 255.255.255.255 udp dport 67 accept\n");
	g_string_append (out, "\t\tudp sport 68 ip daddr @uplink_nets4 udp dport 67 accept\n");
	g_string_append (out, "\t\tip6 saddr fe80::/10 udp sport 546 ip6 daddr ff02::1:2 udp dport 547 accept\n");
	g_string_append (out, "\t\ticmpv6 type nd-router-solicit ip6 daddr ff02::2 ip6 hoplimit 255 accept\n");
	g_string_append (out, "\t\ticmpv6 type nd-neighbor-solicit ip6 daddr { ff02::1:ff00:0/104, fe80::/10 } "
	                      "ip6 hoplimit 255 accept\n");
	g_string_append (out, "\t\ticmpv6 type nd-neighbor-advert ip6 daddr fe80::/10 ip6 hoplimit 255 accept\n");
}

/* Replies: a DHCPv4 server or relay answers before the client has an
 * address, so only the ports tell. Solicitations and advertisements from
 * any source but only with hop limit 255, i.e. from the link itself: a
 * neighbour answers from the address asked for, which may be global. */
static void
render_link_in (GString *out)
{
	g_string_append (out, "\t\tudp sport 67 udp dport 68 accept\n");
	g_string_append (out, "\t\tip6 saddr fe80::/10 udp sport 547 udp dport 546 accept\n");
	g_string_append (out, "\t\ticmpv6 type { nd-router-advert, nd-redirect } ip6 saddr fe80::/10 "
	                      "ip6 hoplimit 255 accept\n");
	g_string_append (out, "\t\ticmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } ip6 hoplimit 255 accept\n");
}

/* Into the tunnel, in the output and the forward chain: DNS only to the
 * tunnel's servers, the rest as it is. The first rules of the chain, so that
 * a packet of the tunnel's data path is decided after two comparisons of the
 * interface index; only DNS ports walk the guard. */
static void
render_tunnel_out (GString *out, const WgksFirewallSpec *spec)
{
	if (spec->state != WGKS_FIREWALL_CONNECTED)
		return;
	if (spec->dns_leak_protection)
		g_string_append_printf (out, "\t\toif %u meta l4proto { tcp, udp } th dport { 53, 853 } jump dns_guard\n",
		                        spec->tunnel_ifindex);
	g_string_append_printf (out, "\t\toif %u accept\n", spec->tunnel_ifindex);
}

static void
render_output (GString *out, const WgksFirewallSpec *spec)
{
	g_string_append (out, "\tchain output {\n\t\ttype filter hook output priority filter - 10; policy drop;\n");
	render_tunnel_out (out, spec);
	g_string_append (out, "\t\toifname \"lo\" accept\n");
	/* The tunnel's own encrypted packets: to an endpoint, and marked; never
	 * with a tunnel address as source. While the uplink has no address of
	 * the family yet (after a link flap, before SLAAC), the kernel picks the
	 * tunnel's address; the endpoint would then answer into the tunnel
	 * itself and the tunnel would loop until the next handshake. */
	g_string_append_printf (out, "\t\tmeta mark 0x%x ip saddr != @tunnel_addr4 ip daddr . udp dport @endpoints4 accept\n",
	                        spec->fwmark);
	g_string_append_printf (out, "\t\tmeta mark 0x%x ip6 saddr != @tunnel_addr6 ip6 daddr . udp dport @endpoints6 accept\n",
	                        spec->fwmark);
	render_dns_side_channels (out, spec);
	render_link_out (out);
	render_resolvers (out, spec, TRUE);
	/* A full tunnel owns DNS: not even a LAN resolver may answer outside it.
	 * A split tunnel leaves other names to the uplink's resolver. */
	if (!spec->protected_prefixes)
		g_string_append (out, "\t\tjump dns_guard\n");
	g_string_append (out, "\t\tip daddr @lan4 accept\n\t\tip6 daddr @lan6 accept\n");
	render_split_bypass (out, spec, TRUE);
	render_reject (out, "blocked_out");
	g_string_append (out, "\t}\n");
}

static void
render_input (GString *out, const WgksFirewallSpec *spec)
{
	g_string_append (out, "\tchain input {\n\t\ttype filter hook input priority filter - 10; policy drop;\n");
	/* What comes out of the tunnel first: the data path's one rule. */
	if (spec->state == WGKS_FIREWALL_CONNECTED)
		g_string_append_printf (out, "\t\tiif %u accept\n", spec->tunnel_ifindex);
	g_string_append (out, "\t\tiifname \"lo\" accept\n");
	/* CVE-2019-14899: a neighbour probing for the tunnel's address on the
	 * uplink (answers and resets reveal it and the connections in the
	 * tunnel). Before any LAN or DHCP rule. */
	if (spec->state == WGKS_FIREWALL_CONNECTED) {
		g_string_append_printf (out, "\t\tiif != %u ip daddr @tunnel_addr4 drop\n", spec->tunnel_ifindex);
		g_string_append_printf (out, "\t\tiif != %u ip6 daddr @tunnel_addr6 drop\n", spec->tunnel_ifindex);
	} else {
		g_string_append (out, "\t\tip daddr @tunnel_addr4 drop\n\t\tip6 daddr @tunnel_addr6 drop\n");
	}
	g_string_append (out, "\t\tip saddr . udp sport @endpoints4 accept\n");
	g_string_append (out, "\t\tip6 saddr . udp sport @endpoints6 accept\n");
	render_link_in (out);
	g_string_append (out, "\t\tip saddr @lan4 accept\n\t\tip6 saddr @lan6 accept\n");
	render_resolvers (out, spec, FALSE);
	render_split_bypass (out, spec, FALSE);
	g_string_append (out, "\t\tcounter name blocked_in\n\t\tdrop\n\t}\n");
}

/* Forwarded traffic (containers, VMs, a shared connection) obeys the same rule. */
static void
render_forward (GString *out, const WgksFirewallSpec *spec)
{
	g_string_append (out, "\tchain forward {\n\t\ttype filter hook forward priority filter - 10; policy drop;\n");
	render_tunnel_out (out, spec);
	/* From the tunnel only the replies to what was forwarded into it (a
	 * container's or VM's connections); nobody on the VPN's side reaches
	 * the LAN or the containers behind this host. A ct expression switches
	 * connection tracking on for every packet of the namespace, which costs
	 * the tunnel's data path more than all the rules together: only when
	 * the system forwards at all, and then its NAT tracks connections
	 * anyway. */
	if (spec->state == WGKS_FIREWALL_CONNECTED) {
		if (spec->forwarding)
			g_string_append_printf (out, "\t\tiif %u ct state established,related accept\n",
			                        spec->tunnel_ifindex);
		g_string_append_printf (out, "\t\tiif %u counter name blocked_fwd drop\n", spec->tunnel_ifindex);
	}
	/* Containers' and VMs' DNS is guarded like the host's, before the LAN. */
	if (!spec->protected_prefixes)
		g_string_append (out, "\t\tjump dns_guard\n");
	render_dns_side_channels (out, spec);
	g_string_append (out, "\t\tip daddr @lan4 ip saddr @lan4 accept\n\t\tip6 daddr @lan6 ip6 saddr @lan6 accept\n");
	render_split_bypass (out, spec, TRUE);
	g_string_append (out, "\t\tcounter name blocked_fwd\n\t\tdrop\n\t}\n");
}

char *
wgks_firewall_render (const WgksFirewallSpec *spec)
{
	GString *out = g_string_sized_new (4096);

	/* "add" + "delete" + definition in one transaction: replaced atomically,
	 * whether or not the table existed, never flushed and refilled. */
	g_string_append (out, "add table " TABLE "\ndelete table " TABLE "\n");
	if (spec->state == WGKS_FIREWALL_OFF)
		return g_string_free (out, FALSE);

	g_string_append_printf (out, "table " TABLE " {\n\tcomment \"wireguard-killswitch state=%s\"\n",
	                        wgks_firewall_state_to_string (spec->state));
	g_string_append (out, "\tcounter blocked_out { }\n\tcounter blocked_in { }\n\tcounter blocked_fwd { }\n"
	                      "\tcounter blocked_dns { }\n");
	render_sets (out, spec);
	g_string_append (out, "\tchain dns_reject {\n\t\tcounter name blocked_dns\n");
	g_string_append (out, "\t\tmeta l4proto tcp reject with tcp reset\n\t\treject with icmpx type admin-prohibited\n\t}\n");
	g_string_append (out, "\tchain dns_guard {\n");
	render_dns_guard (out, spec);
	g_string_append (out, "\t}\n");
	render_output (out, spec);
	render_input (out, spec);
	render_forward (out, spec);
	g_string_append (out, "}\n");
	return g_string_free (out, FALSE);
}

/* One libnftables context for all the commands of a burst (the writes and
 * checks of a state change): freeing a context closes its netlink socket,
 * and the kernel waits for an RCU grace period there (about 10 ms on the
 * benchmark machine, ten times the transaction). */
static struct nft_ctx *kept_ctx;

static struct nft_ctx *
shared_context (void)
{
	if (!kept_ctx) {
		kept_ctx = nft_ctx_new (NFT_CTX_DEFAULT);
		if (kept_ctx) {
			nft_ctx_buffer_output (kept_ctx);
			nft_ctx_buffer_error (kept_ctx);
		}
	}
	return kept_ctx;
}

/* Between bursts of table writes the context is only memory (its cache of
 * the ruleset, the parser's tables): give it back, with what the allocator
 * kept of the burst. The next command opens a new one. */
void
wgks_firewall_release_memory (void)
{
	if (kept_ctx)
		nft_ctx_free (kept_ctx);
	kept_ctx = NULL;
#ifdef __GLIBC__
	malloc_trim (0);
#endif
}

gboolean
wgks_firewall_run (const char *script, gboolean dry_run, char **output, GError **error)
{
	struct nft_ctx *ctx = shared_context ();
	const char *errors, *out;
	gboolean ok;

	if (!ctx) {
		g_set_error (error, WGKS_FIREWALL_ERROR, WGKS_FIREWALL_ERROR_INTERNAL, "libnftables: no context");
		return FALSE;
	}
	nft_ctx_set_dry_run (ctx, dry_run);
	ok = nft_run_cmd_from_buffer (ctx, script) == 0;
	/* Reading a buffer rewinds it: nothing carries over to the next command. */
	errors = nft_ctx_get_error_buffer (ctx);
	out = nft_ctx_get_output_buffer (ctx);
	if (!ok) {
		g_autofree char *msg = g_strdup (errors);

		g_set_error (error, WGKS_FIREWALL_ERROR, WGKS_FIREWALL_ERROR_APPLY, "nftables refused the ruleset: %s",
		             g_strstrip (msg));
	} else if (output) {
		*output = g_strdup (out);
	}
	return ok;
}

/* Counters change with every packet, and the uplink's DNS servers expire
 * by themselves (also after the service died): the rules are what matters. */
char *
wgks_firewall_normalize (const char *listing)
{
	g_autoptr (GRegex) re = g_regex_new ("packets [0-9]+ bytes [0-9]+", 0, 0, NULL);
	g_autoptr (GRegex) expiring = g_regex_new ("\t*elements = \\{[^}]* timeout [^}]*\\}\n", 0, 0, NULL);
	g_autofree char *counters = g_regex_replace_literal (re, listing, -1, 0, "packets 0 bytes 0", 0, NULL);

	return g_regex_replace_literal (expiring, counters, -1, 0, "", 0, NULL);
}

gboolean
wgks_firewall_listing_equal (const char *a, const char *b)
{
	g_autofree char *na = a ? wgks_firewall_normalize (a) : NULL;
	g_autofree char *nb = b ? wgks_firewall_normalize (b) : NULL;

	return g_strcmp0 (na, nb) == 0;
}

char *
wgks_firewall_list (GError **error)
{
	g_autoptr (GError) local = NULL;
	char *output = NULL;

	if (!wgks_firewall_run ("list table " TABLE, FALSE, &output, &local)) {
		/* "No such file or directory": there is no table, which is no error */
		if (local && strstr (local->message, "No such file"))
			return NULL;
		g_propagate_error (error, g_steal_pointer (&local));
		return NULL;
	}
	return output;
}

static guint
count_substr (const char *haystack, const char *needle)
{
	guint n = 0;

	for (const char *p = haystack; (p = strstr (p, needle)); p += strlen (needle))
		n++;
	return n;
}

/* Read back: the table must exist with its three base chains dropping by
 * policy and the state we wrote. Anything else fails closed. */
static gboolean
verify_listing (const WgksFirewallSpec *spec, const char *listing, GError **error)
{
	g_autofree char *state = g_strdup_printf ("state=%s\"", wgks_firewall_state_to_string (spec->state));

	if (spec->state == WGKS_FIREWALL_OFF) {
		if (listing) {
			g_set_error (error, WGKS_FIREWALL_ERROR, WGKS_FIREWALL_ERROR_VERIFY,
			             "table %s still present after removal", WGKS_FIREWALL_TABLE);
			return FALSE;
		}
		return TRUE;
	}
	if (!listing || !strstr (listing, state) || count_substr (listing, "policy drop;") != 3
	    || !strstr (listing, "hook output") || !strstr (listing, "hook input") || !strstr (listing, "hook forward")
	    || !strstr (listing, "counter name \"blocked_out\"")) {
		g_set_error (error, WGKS_FIREWALL_ERROR, WGKS_FIREWALL_ERROR_VERIFY,
		             "table %s read back does not match the %s ruleset", WGKS_FIREWALL_TABLE,
		             wgks_firewall_state_to_string (spec->state));
		return FALSE;
	}
	return TRUE;
}

gboolean
wgks_firewall_apply (const WgksFirewallSpec *spec, char **snapshot, GError **error)
{
	g_autofree char *script = NULL;
	g_autofree char *listing = NULL;
	GError *list_error = NULL;

	if (spec->state == WGKS_FIREWALL_CONNECTED && spec->tunnel_ifindex == 0) {
		g_set_error (error, WGKS_FIREWALL_ERROR, WGKS_FIREWALL_ERROR_INTERNAL,
		             "no tunnel interface index for the kill switch");
		return FALSE;
	}
	script = wgks_firewall_render (spec);
	if (!wgks_firewall_run (script, FALSE, NULL, error))
		return FALSE;
	listing = wgks_firewall_list (&list_error);
	if (list_error) {
		g_propagate_error (error, list_error);
		return FALSE;
	}
	if (!verify_listing (spec, listing, error))
		return FALSE;
	if (snapshot)
		*snapshot = g_steal_pointer (&listing);
	return TRUE;
}

gboolean
wgks_firewall_remove (GError **error)
{
	WgksFirewallSpec off = { .state = WGKS_FIREWALL_OFF };

	return wgks_firewall_apply (&off, NULL, error);
}

static gint64
counter_packets (const char *listing, const char *name)
{
	g_autofree char *head = g_strdup_printf ("counter %s {", name);
	const char *p = strstr (listing, head);
	const char *pk;

	if (!p)
		return 0;
	pk = strstr (p, "packets ");
	return pk ? g_ascii_strtoll (pk + 8, NULL, 10) : 0;
}

gint64
wgks_firewall_blocked_packets (void)
{
	g_autofree char *listing = wgks_firewall_list (NULL);

	if (!listing)
		return -1;
	return counter_packets (listing, "blocked_out") + counter_packets (listing, "blocked_in")
	       + counter_packets (listing, "blocked_fwd") + counter_packets (listing, "blocked_dns");
}

gboolean
wgks_firewall_apply_script (const char *script, WgksFirewallState state, char **snapshot, GError **error)
{
	WgksFirewallSpec spec = { .state = state };
	g_autofree char *listing = NULL;
	GError *list_error = NULL;

	if (!wgks_firewall_run (script, FALSE, NULL, error))
		return FALSE;
	listing = wgks_firewall_list (&list_error);
	if (list_error) {
		g_propagate_error (error, list_error);
		return FALSE;
	}
	if (!verify_listing (&spec, listing, error))
		return FALSE;
	if (snapshot)
		*snapshot = g_steal_pointer (&listing);
	return TRUE;
}
