/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wgks-ruleset.h"

#include <arpa/inet.h>
#include <string.h>

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
wgks_ruleset_state_to_string (WgksFirewallState state)
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

typedef enum {
	WGKS_SET_PLAIN,
	WGKS_SET_INTERVAL,  /* prefixes, merged */
	WGKS_SET_TIMEOUT,   /* each element expires */
} WgksSetFlags;

/* A pair of sets, NAME4 and NAME6 (TYPE6 NULL: NAME4 alone). */
typedef struct {
	const char  *name;
	const char  *type4;
	const char  *type6;
	WgksSetFlags flags;
} WgksSetDef;

/* In the order of the rendering; the index is the set's WgksSetId. */
typedef enum {
	WGKS_SET_ENDPOINTS,
	WGKS_SET_TUNNEL_DNS,
	WGKS_SET_TUNNEL_ADDR,
	WGKS_SET_RESOLVERS,
	WGKS_SET_LAN,
	WGKS_SET_UPLINK_NETS,
	WGKS_SET_PROTECTED,
	WGKS_N_SETS
} WgksSetId;

static const WgksSetDef set_defs[WGKS_N_SETS] = {
	[WGKS_SET_ENDPOINTS] = { "endpoints", "ipv4_addr . inet_service", "ipv6_addr . inet_service", WGKS_SET_PLAIN },
	[WGKS_SET_TUNNEL_DNS] = { "tunnel_dns", "ipv4_addr", "ipv6_addr", WGKS_SET_PLAIN },
	[WGKS_SET_TUNNEL_ADDR] = { "tunnel_addr", "ipv4_addr", "ipv6_addr", WGKS_SET_PLAIN },
	/* The uplink's DNS servers expire in the kernel itself: if the service
	 * dies while it resolves a name, its (marked-only) exception ends anyway. */
	[WGKS_SET_RESOLVERS] = { "resolvers", "ipv4_addr", "ipv6_addr", WGKS_SET_TIMEOUT },
	[WGKS_SET_LAN] = { "lan", "ipv4_addr", "ipv6_addr", WGKS_SET_INTERVAL },
	[WGKS_SET_UPLINK_NETS] = { "uplink_nets", "ipv4_addr", NULL, WGKS_SET_INTERVAL },
	[WGKS_SET_PROTECTED] = { "protected", "ipv4_addr", "ipv6_addr", WGKS_SET_INTERVAL },
};

static void
append_set (GString *out, const WgksSetDef *def, char family, const char *type, GPtrArray *elements)
{
	guint i;

	g_string_append_printf (out, "\tset %s%c {\n\t\ttype %s\n", def->name, family, type);
	if (def->flags == WGKS_SET_INTERVAL)
		g_string_append (out, "\t\tflags interval\n\t\tauto-merge\n");
	else if (def->flags == WGKS_SET_TIMEOUT)
		g_string_append (out, "\t\tflags timeout\n");
	if (elements->len) {
		g_string_append (out, "\t\telements = { ");
		for (i = 0; i < elements->len; i++) {
			g_string_append_printf (out, "%s%s", i ? ", " : "", (const char *) elements->pdata[i]);
			if (def->flags == WGKS_SET_TIMEOUT)
				g_string_append_printf (out, " timeout %us", WGKS_FIREWALL_RESOLVER_TIMEOUT_S);
		}
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

static void
strv_append (GPtrArray *to, const char *const *strv)
{
	for (; *strv; strv++)
		g_ptr_array_add (to, g_strdup (*strv));
}

/* Each set's elements, by family. */
static void
split_sets (const WgksFirewallSpec *spec, GPtrArray **v4, GPtrArray **v6)
{
	split_endpoints (spec->endpoints, v4[WGKS_SET_ENDPOINTS], v6[WGKS_SET_ENDPOINTS]);
	split_addresses (spec->tunnel_dns, v4[WGKS_SET_TUNNEL_DNS], v6[WGKS_SET_TUNNEL_DNS]);
	split_addresses (spec->tunnel_addresses, v4[WGKS_SET_TUNNEL_ADDR], v6[WGKS_SET_TUNNEL_ADDR]);
	split_addresses (spec->resolvers, v4[WGKS_SET_RESOLVERS], v6[WGKS_SET_RESOLVERS]);
	if (spec->allow_lan) {
		strv_append (v4[WGKS_SET_LAN], lan4);
		strv_append (v6[WGKS_SET_LAN], lan6);
	}
	split_addresses (spec->uplink_subnets4, v4[WGKS_SET_UPLINK_NETS], NULL);
	split_prefixes (spec->protected_prefixes, v4[WGKS_SET_PROTECTED], v6[WGKS_SET_PROTECTED]);
}

/* Sets: addresses go in sets so that the rules stay few for any number of
 * peers and prefixes. */
static void
render_sets (GString *out, const WgksFirewallSpec *spec)
{
	GPtrArray *v4[WGKS_N_SETS], *v6[WGKS_N_SETS];
	guint i;

	for (i = 0; i < WGKS_N_SETS; i++) {
		v4[i] = g_ptr_array_new_with_free_func (g_free);
		v6[i] = g_ptr_array_new_with_free_func (g_free);
	}
	split_sets (spec, v4, v6);
	for (i = 0; i < WGKS_N_SETS; i++) {
		const WgksSetDef *def = &set_defs[i];

		/* Only a split tunnel has protected prefixes; without, no set at all. */
		if (i != WGKS_SET_PROTECTED || spec->protected_prefixes) {
			append_set (out, def, '4', def->type4, v4[i]);
			if (def->type6)
				append_set (out, def, '6', def->type6, v6[i]);
		}
		g_ptr_array_unref (v4[i]);
		g_ptr_array_unref (v6[i]);
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

/* Into the tunnel, in the output and the forward chain: a packet of the
 * tunnel's data path is decided first, by its interface index and one
 * lookup of its port. Only DNS ports (and what has no port to read) walk
 * the guard, which checks the protocol itself. */
static void
render_tunnel_out (GString *out, const WgksFirewallSpec *spec)
{
	/* Two comparisons rather than a set: nothing but the rule itself is
	 * read for each packet. */
	if (spec->state == WGKS_FIREWALL_CONNECTED && spec->dns_leak_protection)
		g_string_append_printf (out, "\t\toif %u th dport != 53 th dport != 853 accept\n", spec->tunnel_ifindex);
}

/* The rest into the tunnel: DNS only to the tunnel's servers. */
static void
render_tunnel_dns_out (GString *out, const WgksFirewallSpec *spec)
{
	if (spec->state != WGKS_FIREWALL_CONNECTED)
		return;
	if (spec->dns_leak_protection)
		g_string_append_printf (out, "\t\toif %u jump dns_guard\n", spec->tunnel_ifindex);
	g_string_append_printf (out, "\t\toif %u accept\n", spec->tunnel_ifindex);
}

/* The last endpoint of FAMILY, and in *n how many there are. */
static const WgksFirewallEndpoint *
family_endpoint (GArray *endpoints, int family, guint *n)
{
	const WgksFirewallEndpoint *found = NULL;

	*n = 0;
	for (guint i = 0; endpoints && i < endpoints->len; i++) {
		const WgksFirewallEndpoint *ep = &g_array_index (endpoints, WgksFirewallEndpoint, i);

		if (ep->family == family) {
			found = ep;
			(*n)++;
		}
	}
	return found;
}

/* The same for addresses written as text (IPv6: with a colon). */
static const char *
family_address (GPtrArray *addresses, gboolean v6, guint *n)
{
	const char *found = NULL;

	*n = 0;
	for (guint i = 0; addresses && i < addresses->len; i++) {
		const char *a = addresses->pdata[i];

		if ((strchr (a, ':') != NULL) == v6) {
			found = a;
			(*n)++;
		}
	}
	return found;
}

/* The encrypted packets' match for one family: "FAMILY daddr ADDR udp
 * dport PORT" (DIR 'd') or with saddr and sport (DIR 's'), then "FAMILY
 * OTHER-DIR != TUNNEL-ADDRESS". A profile has one endpoint and one tunnel
 * address per family, mostly: those are written into the rule, so that a
 * busy tunnel's packets read no set; more go through the sets. NULL when
 * the family has no endpoint (the rule would never match). */
static char *
transport_match (const WgksFirewallSpec *spec, gboolean v6, char dir)
{
	const WgksFirewallEndpoint *ep;
	const char *fam = v6 ? "ip6" : "ip";
	const char *addr;
	char other = dir == 'd' ? 's' : 'd';
	char buf[INET6_ADDRSTRLEN];
	g_autofree char *peer = NULL;
	g_autofree char *not_tunnel = NULL;
	guint n;

	ep = family_endpoint (spec->endpoints, v6 ? AF_INET6 : AF_INET, &n);
	if (n == 0)
		return NULL;
	if (n == 1)
		peer = g_strdup_printf ("%s %caddr %s udp %cport %u", fam, dir,
		                        inet_ntop (ep->family, ep->addr, buf, sizeof buf), dir, ep->port);
	else
		peer = g_strdup_printf ("%s %caddr . udp %cport @endpoints%c", fam, dir, dir, v6 ? '6' : '4');
	addr = family_address (spec->tunnel_addresses, v6, &n);
	if (n == 1)
		not_tunnel = g_strdup_printf (" %s %caddr != %s", fam, other, addr);
	else if (n > 1)
		not_tunnel = g_strdup_printf (" %s %caddr != @tunnel_addr%c", fam, other, v6 ? '6' : '4');
	return g_strconcat (peer, not_tunnel, NULL);
}

/* The tunnel's own encrypted packets, as many as the tunnel's: to an
 * endpoint, and marked; never with a tunnel address as source. While the
 * uplink has no address of the family yet (after a link flap, before
 * SLAAC), the kernel picks the tunnel's address; the endpoint would then
 * answer into the tunnel itself and the tunnel would loop until the next
 * handshake. */
static void
render_transport_out (GString *out, const WgksFirewallSpec *spec)
{
	for (int v6 = 0; v6 <= 1; v6++) {
		g_autofree char *match = transport_match (spec, v6, 'd');

		if (match)
			g_string_append_printf (out, "\t\tmeta mark 0x%x %s accept\n", spec->fwmark, match);
	}
}

/* Their answers: from an endpoint, never to a tunnel address (the
 * CVE-2019-14899 drop below then catches a spoofed "endpoint" packet). */
static void
render_transport_in (GString *out, const WgksFirewallSpec *spec)
{
	for (int v6 = 0; v6 <= 1; v6++) {
		g_autofree char *match = transport_match (spec, v6, 's');

		if (match)
			g_string_append_printf (out, "\t\t%s accept\n", match);
	}
}

static void
render_output (GString *out, const WgksFirewallSpec *spec)
{
	g_string_append (out, "\tchain output {\n\t\ttype filter hook output priority filter - 10; policy drop;\n");
	render_tunnel_out (out, spec);
	render_transport_out (out, spec);
	render_tunnel_dns_out (out, spec);
	g_string_append (out, "\t\toifname \"lo\" accept\n");
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
	/* Then the tunnel's encrypted packets, as many as those. */
	render_transport_in (out, spec);
	g_string_append (out, "\t\tiifname \"lo\" accept\n");
	/* CVE-2019-14899: a neighbour probing for the tunnel's address on the
	 * uplink (answers and resets reveal it and the connections in the
	 * tunnel), also with an endpoint's address and port as source. Before
	 * any LAN or DHCP rule. */
	if (spec->state == WGKS_FIREWALL_CONNECTED) {
		g_string_append_printf (out, "\t\tiif != %u ip daddr @tunnel_addr4 drop\n", spec->tunnel_ifindex);
		g_string_append_printf (out, "\t\tiif != %u ip6 daddr @tunnel_addr6 drop\n", spec->tunnel_ifindex);
	} else {
		g_string_append (out, "\t\tip daddr @tunnel_addr4 drop\n\t\tip6 daddr @tunnel_addr6 drop\n");
	}
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
	render_tunnel_dns_out (out, spec);
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
wgks_ruleset_render (const WgksFirewallSpec *spec)
{
	GString *out = g_string_sized_new (4096);

	/* "add" + "delete" + definition in one transaction: replaced atomically,
	 * whether or not the table existed, never flushed and refilled. */
	g_string_append (out, "add table " TABLE "\ndelete table " TABLE "\n");
	if (spec->state == WGKS_FIREWALL_OFF)
		return g_string_free (out, FALSE);

	g_string_append_printf (out, "table " TABLE " {\n\tcomment \"wireguard-killswitch state=%s\"\n",
	                        wgks_ruleset_state_to_string (spec->state));
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
