/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wg-killswitch: look at and control the kill switch from a shell. */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <NetworkManager.h>

#include "nm-wgks-service-defines.h"
#include "wgks-cli-verify-dns.h"
#include "wgks-cli.h"
#include "wgks-dns-mode.h"
#include "wgks-firewall.h"
#include "wgks-guard.h"
#include "wgks-lockdown.h"
#include "wgks-program.h"
#include "wgks-statefile.h"

enum {
	EXIT_OK = 0,
	EXIT_LEAK = 1,
	EXIT_USAGE = 2,
	EXIT_FAILED = 3,
	EXIT_NOT_ROOT = 4,
};

#define PROBE_TIMEOUT_MS 2000

static gboolean
require_root (void)
{
	if (geteuid () == 0)
		return TRUE;
	g_printerr (_("wg-killswitch: must be run as root: the kill switch lives in the kernel's firewall\n"));
	return FALSE;
}

static const char *
table_state (const char *listing)
{
	static char buf[32];
	const char *p = listing ? strstr (listing, "state=") : NULL;
	gsize n = 0;

	if (!p)
		return NULL;
	p += 6;
	while (p[n] && p[n] != '"' && n < sizeof buf - 1)
		n++;
	memcpy (buf, p, n);
	buf[n] = '\0';
	return buf;
}

NMClient *
wgks_cli_nm_client (void)
{
	g_autoptr (GError) error = NULL;
	NMClient *client = nm_client_new (NULL, &error);

	if (!client)
		g_printerr (_("wg-killswitch: cannot ask NetworkManager: %s\n"), error->message);
	return client;
}

static void
print_dns_status (const WgksStatus *status)
{
	g_autoptr (NMClient) client = wgks_cli_nm_client ();
	g_autofree char *problem = NULL;
	WgksDnsOverTls dot;

	if (!client)
		return;
	if (!nm_client_get_nm_running (client)) {
		g_print (_("DNS mode:        NetworkManager is not running\n"));
		return;
	}
	g_print (_("DNS mode:        NetworkManager dns=%s, rc-manager=%s\n"), nm_client_get_dns_mode (client),
	         nm_client_get_dns_rc_manager (client));
	dot = wgks_cli_active_dns_over_tls (client, status ? status->connection : NULL);
	problem = wgks_dns_over_tls_problem (dot, nm_client_get_dns_mode (client));
	if (!problem && status)
		problem = wgks_cli_resolved_dns_over_tls_problem (dot, status->ifname);
	if (problem)
		g_print (_("DNS over TLS:    NOT ACTIVE: %s\n"), problem);
	else if (dot != WGKS_DNS_OVER_TLS_NO)
		g_print (_("DNS over TLS:    %s (systemd-resolved)\n"), wgks_dns_over_tls_to_string (dot));
	else
		g_print (_("DNS over TLS:    no\n"));
}

static int
cmd_status (void)
{
	g_autoptr (GError) error = NULL;
	g_autofree char *listing = wgks_firewall_list (&error);
	g_autofree char *snap_path = wgks_run_path (WGKS_RUN_SNAPSHOT);
	g_autofree char *snapshot = NULL;
	g_autoptr (WgksStatus) status = wgks_status_load (NULL);
	g_autoptr (WgksLockdown) lockdown = NULL;
	gboolean lockdown_exists = FALSE;

	if (error) {
		g_printerr (_("wg-killswitch: cannot read the firewall: %s\n"), error->message);
		return EXIT_FAILED;
	}
	lockdown = wgks_lockdown_load (&lockdown_exists, NULL);
	g_file_get_contents (snap_path, &snapshot, NULL, NULL);

	if (status && status->connection && *status->connection) {
		g_print (_("connection:      %s\n"), status->connection);
		g_print (_("tunnel state:    %s\n"), status->state);
		g_print (_("interface:       %s\n"), status->ifname);
		g_print (_("endpoints:       %s\n"), status->endpoints);
		g_print (_("kill switch:     %s\n"), status->kill_switch);
		if (status->last_handshake > 0)
			g_print (_("last handshake:  %lld s ago\n"),
			         (long long) (time (NULL) - status->last_handshake));
		else
			g_print (_("last handshake:  never\n"));
	} else {
		g_print (_("connection:      none\n"));
	}
	if (listing) {
		g_print (_("firewall table:  present, state %s, %s\n"), table_state (listing),
		         !snapshot ? _("no reference to compare with")
		         : wgks_firewall_listing_equal (snapshot, listing) ? _("intact") : _("MODIFIED by another program"));
		g_print (_("blocked packets: %lld\n"), (long long) wgks_firewall_blocked_packets ());
	} else {
		g_print (_("firewall table:  absent (traffic is not blocked)\n"));
	}
	g_print (_("lockdown:        %s\n"), !lockdown ? _("state file unreadable (boot will block)")
	                                     : lockdown->enabled ? _("on") : _("off"));
	print_dns_status (status);
	return EXIT_OK;
}

static gboolean
confirm (const char *question)
{
	char answer[16] = "";

	/* TRANSLATORS: the answer is matched by the C library's yes expression
	 * for your language (LC_MESSAGES), e.g. "j" in German, "o" in French. */
	g_print ("%s %s ", question, _("[y/N]"));
	fflush (stdout);
	if (!fgets (answer, sizeof answer, stdin))
		return FALSE;
	answer[strcspn (answer, "\r\n")] = '\0';
	return rpmatch (answer) == 1;
}

static int
cmd_release (gboolean yes)
{
	g_autoptr (GError) error = NULL;
	int lock;

	if (!yes && !confirm (_("Lift the kill switch? Traffic will leave without the VPN's protection.")))
		return EXIT_USAGE;
	/* The guardian's script first: once it is gone, nothing restores the table. */
	lock = wgks_statefile_lock ();
	wgks_blocked_clear ();
	wgks_status_clear ();
	if (!wgks_firewall_remove (&error)) {
		wgks_statefile_unlock (lock);
		g_printerr (_("wg-killswitch: cannot remove the kill switch: %s\n"), error->message);
		return EXIT_FAILED;
	}
	wgks_statefile_unlock (lock);
	g_print (_("Kill switch lifted: traffic flows without the VPN.\n"));
	if (wgks_lockdown_is_on ())
		g_print (_("Lockdown is still on and blocks again at the next boot: \"wg-killswitch lockdown off\" ends it.\n"));
	return EXIT_OK;
}

static gboolean
vpn_connected (void)
{
	g_autoptr (WgksStatus) status = wgks_status_load (NULL);

	return status && g_strcmp0 (status->state, "connected") == 0;
}

static int
lockdown_set (gboolean on)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (WgksLockdown) lockdown = NULL;
	WgksFirewallSpec spec;
	gboolean exists;

	lockdown = wgks_lockdown_load (&exists, NULL);
	if (!lockdown)  /* unreadable: start over from a clean state */
		lockdown = g_new0 (WgksLockdown, 1);
	if (!lockdown->endpoints)
		lockdown->endpoints = g_array_new (FALSE, TRUE, sizeof (WgksFirewallEndpoint));
	if (!lockdown->fwmark)
		lockdown->fwmark = WGKS_DEFAULT_FWMARK;
	lockdown->enabled = on;
	if (!wgks_lockdown_save (lockdown, &error)) {
		g_printerr (_("wg-killswitch: cannot save the lockdown state: %s\n"), error->message);
		return EXIT_FAILED;
	}
	if (vpn_connected ()) {
		g_print (on ? _("Lockdown on: it takes over when the VPN disconnects.\n")
		            : _("Lockdown off: the kill switch of the connected VPN stays until it disconnects.\n"));
		return EXIT_OK;
	}
	/* The table of a failed connection gives way to lockdown's, or goes. */
	wgks_blocked_clear ();
	if (on) {
		wgks_lockdown_to_spec (lockdown, &spec);
		if (!wgks_firewall_apply (&spec, NULL, &error)) {
			g_printerr (_("wg-killswitch: cannot install the blocking table: %s\n"), error->message);
			return EXIT_FAILED;
		}
		wgks_status_save_lockdown ();
		g_print (_("Lockdown on: all traffic outside the VPN is blocked, also after reboot.\n"));
	} else {
		if (!wgks_firewall_remove (&error)) {
			g_printerr (_("wg-killswitch: cannot remove the kill switch: %s\n"), error->message);
			return EXIT_FAILED;
		}
		wgks_status_clear ();
		g_print (_("Lockdown off: traffic flows without the VPN.\n"));
	}
	return EXIT_OK;
}

static int
cmd_lockdown (const char *arg)
{
	gboolean on;
	int lock, ret;

	if (g_strcmp0 (arg, "on") == 0)
		on = TRUE;
	else if (g_strcmp0 (arg, "off") == 0)
		on = FALSE;
	else {
		g_printerr (_("usage: wg-killswitch lockdown on|off\n"));
		return EXIT_USAGE;
	}
	lock = wgks_statefile_lock ();
	ret = lockdown_set (on);
	wgks_statefile_unlock (lock);
	return ret;
}

/* The one-shot form of what the guardian does first at boot: before any
 * interface comes up, block if lockdown was on,
 * and also when the state cannot be read (fail closed). */
static int
cmd_boot (void)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (GError) apply_error = NULL;
	g_autoptr (WgksLockdown) lockdown = NULL;
	WgksFirewallSpec spec;
	gboolean exists = FALSE;

	lockdown = wgks_lockdown_load (&exists, &error);
	if (lockdown && !lockdown->enabled)
		return EXIT_OK;
	if (!lockdown)
		g_printerr (_("wg-killswitch: lockdown state unreadable (%s): blocking all traffic\n"), error->message);
	wgks_lockdown_to_spec (lockdown, &spec);
	if (!wgks_firewall_apply (&spec, NULL, &apply_error)) {
		g_printerr (_("wg-killswitch: cannot install the blocking table: %s\n"), apply_error->message);
		return EXIT_FAILED;
	}
	wgks_status_save_lockdown ();
	return lockdown ? EXIT_OK : EXIT_FAILED;
}

static int
cmd_guard (void)
{
	g_autoptr (GError) error = NULL;

	if (!wgks_guard_run (&error)) {
		g_printerr (_("wg-killswitch: cannot guard the kill switch: %s\n"), error->message);
		return EXIT_FAILED;
	}
	return EXIT_OK;
}

/* ------------------------------------------------------------------ verify */

static gboolean
parse_target (const char *text, int *family, struct sockaddr_storage *ss, socklen_t *len)
{
	g_autofree char *host = NULL;
	guint16 port;
	const char *why;
	guint8 addr[16];

	if (!wgks_endpoint_parse (text, &host, &port, &why) || !wgks_ip_parse (host, family, addr))
		return FALSE;
	memset (ss, 0, sizeof *ss);
	if (*family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *) ss;

		in->sin_family = AF_INET;
		in->sin_port = htons (port);
		memcpy (&in->sin_addr, addr, 4);
		*len = sizeof *in;
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons (port);
		memcpy (&in6->sin6_addr, addr, 16);
		*len = sizeof *in6;
	}
	return TRUE;
}

gboolean
wgks_cli_probe_leaks (const char *ifname, const char *target, gboolean dns)
{
	static const guint8 query[] = { /* id 0x7767, RD, 1 question: example.com A */
		0x77, 0x67, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0x00, 0x01, 0x00, 0x01,
	};
	struct sockaddr_storage ss;
	socklen_t len;
	struct pollfd pfd;
	guint8 reply[512];
	int family, fd, r;
	gboolean leaked = FALSE;

	if (!parse_target (target, &family, &ss, &len))
		return FALSE;
	fd = socket (family, (dns ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return FALSE;
	if (ifname && setsockopt (fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, strlen (ifname)) < 0) {
		close (fd);
		return FALSE;
	}
	r = connect (fd, (struct sockaddr *) &ss, len);
	if (dns) {
		if (r == 0 && send (fd, query, sizeof query, 0) == (ssize_t) sizeof query) {
			pfd = (struct pollfd) { .fd = fd, .events = POLLIN };
			leaked = poll (&pfd, 1, PROBE_TIMEOUT_MS) == 1 && recv (fd, reply, sizeof reply, 0) > 0;
		}
	} else if (r == 0) {
		leaked = TRUE;
	} else if (errno == EINPROGRESS) {
		int err = 0;
		socklen_t elen = sizeof err;

		pfd = (struct pollfd) { .fd = fd, .events = POLLOUT };
		if (poll (&pfd, 1, PROBE_TIMEOUT_MS) == 1 && getsockopt (fd, SOL_SOCKET, SO_ERROR, &err, &elen) == 0)
			leaked = err == 0;
	}
	close (fd);
	return leaked;
}

static int
cmd_verify (char **targets, char **dns_servers)
{
	static const char *const default_targets[] = { "9.9.9.9:443", "[2620:fe::fe]:443", NULL };
	static const char *const default_dns[] = { "9.9.9.9:53", NULL };
	g_autoptr (WgksStatus) status = wgks_status_load (NULL);
	const char *const *t = targets ? (const char *const *) targets : default_targets;
	const char *const *d = dns_servers ? (const char *const *) dns_servers : default_dns;
	struct if_nameindex *ifs = if_nameindex (), *i;
	guint passed = 0, failed = 0;

	for (i = ifs; i && i->if_index; i++) {
		guint k;

		if (strcmp (i->if_name, "lo") == 0 || (status && g_strcmp0 (status->ifname, i->if_name) == 0))
			continue;
		for (k = 0; t[k]; k++) {
			gboolean leak = wgks_cli_probe_leaks (i->if_name, t[k], FALSE);

			g_print ("%s  %-10s tcp %s\n", leak ? "FAIL" : "PASS", i->if_name, t[k]);
			leak ? failed++ : passed++;
		}
		for (k = 0; d[k]; k++) {
			gboolean leak = wgks_cli_probe_leaks (i->if_name, d[k], TRUE);

			g_print ("%s  %-10s dns %s\n", leak ? "FAIL" : "PASS", i->if_name, d[k]);
			leak ? failed++ : passed++;
		}
	}
	if (ifs)
		if_freenameindex (ifs);
	if (status && g_strcmp0 (status->state, "connected") == 0 && status->ifname) {
		g_autofree char *listing = wgks_firewall_list (NULL);

		wgks_cli_verify_dns (status, listing && strstr (listing, "protected4"), &passed, &failed);
	}
	g_print (_("%u probes blocked, %u leaked\n"), passed, failed);
	return failed ? EXIT_LEAK : EXIT_OK;
}

static void
usage (void)
{
	g_printerr (_("usage: wg-killswitch status [--json]\n"
	              "       wg-killswitch verify [--target IP:PORT]... [--dns IP:PORT]...\n"
	              "       wg-killswitch release [--yes]\n"
	              "       wg-killswitch lockdown on|off\n"
	              "       wg-killswitch boot\n"
	              "       wg-killswitch guard\n"
	              "       wg-killswitch adopt NAME|UUID [--replace]\n"));
}

int
main (int argc, char **argv)
{
	g_auto (GStrv) targets = NULL;
	g_auto (GStrv) dns = NULL;
	gboolean yes = FALSE;
	gboolean json = FALSE;
	GOptionEntry entries[] = {
		{ "yes", 'y', 0, G_OPTION_ARG_NONE, &yes, N_("do not ask for confirmation"), NULL },
		{ "target", 't', 0, G_OPTION_ARG_STRING_ARRAY, &targets, N_("address:port to try to reach (verify)"), NULL },
		{ "dns", 'd', 0, G_OPTION_ARG_STRING_ARRAY, &dns, N_("DNS server address:port to query (verify)"), NULL },
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("print the status as JSON (status)"), NULL },
		{ NULL },
	};
	g_autoptr (GError) error = NULL;
	const char *cmd;

	wgks_program_init_i18n ();

	/* adopt has its own options and needs no root: NetworkManager decides. */
	if (argc >= 2 && strcmp (argv[1], "adopt") == 0)
		return wgks_cli_adopt (argc - 1, argv + 1);

	if (!wgks_program_parse_options (&argc, &argv, entries, _("COMMAND"),
	                                 _("Show and control the WireGuard kill switch.\n\n"
	                                   "Commands: status, verify, release, lockdown on|off, boot, guard, adopt"),
	                                 &error)) {
		g_printerr ("wg-killswitch: %s\n", error->message);
		return EXIT_USAGE;
	}
	if (argc < 2) {
		usage ();
		return EXIT_USAGE;
	}
	cmd = argv[1];
	if (!require_root ())
		return EXIT_NOT_ROOT;
	if (strcmp (cmd, "status") == 0)
		return json ? wgks_cli_status_json () : cmd_status ();
	if (strcmp (cmd, "verify") == 0)
		return cmd_verify (targets, dns);
	if (strcmp (cmd, "release") == 0)
		return cmd_release (yes);
	if (strcmp (cmd, "lockdown") == 0)
		return cmd_lockdown (argc > 2 ? argv[2] : NULL);
	if (strcmp (cmd, "boot") == 0)
		return cmd_boot ();
	if (strcmp (cmd, "guard") == 0)
		return cmd_guard ();
	usage ();
	return EXIT_USAGE;
}
