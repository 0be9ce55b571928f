/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wgks-firewall.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <nftables/libnftables.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

G_DEFINE_QUARK (wgks-firewall-error-quark, wgks_firewall_error)

#define TABLE WGKS_FIREWALL_FAMILY " " WGKS_FIREWALL_TABLE

/* libnftables is loaded for a burst of table writes and unloaded with its
 * context: the relocated data of it and its libraries (libnftnl,
 * libxtables, libjansson: about 110 KiB) is private memory that an idle
 * service need not keep. If it cannot be loaded, every command fails and
 * the table in the kernel stays as it is. */
#define LIBNFTABLES_SONAME "libnftables.so.1"

static struct {
	void *handle;
	__typeof__ (nft_ctx_new) *ctx_new;
	__typeof__ (nft_ctx_free) *ctx_free;
	__typeof__ (nft_ctx_buffer_output) *buffer_output;
	__typeof__ (nft_ctx_buffer_error) *buffer_error;
	__typeof__ (nft_ctx_set_dry_run) *set_dry_run;
	__typeof__ (nft_run_cmd_from_buffer) *run_cmd_from_buffer;
	__typeof__ (nft_ctx_get_error_buffer) *get_error_buffer;
	__typeof__ (nft_ctx_get_output_buffer) *get_output_buffer;
} nft;

static void
unload_libnftables (void)
{
	if (nft.handle)
		dlclose (nft.handle);
	memset (&nft, 0, sizeof nft);
}

static gboolean
load_libnftables (GError **error)
{
	const struct {
		const char *name;
		void      **fn;
	} symbols[] = {
		{ "nft_ctx_new", (void **) &nft.ctx_new },
		{ "nft_ctx_free", (void **) &nft.ctx_free },
		{ "nft_ctx_buffer_output", (void **) &nft.buffer_output },
		{ "nft_ctx_buffer_error", (void **) &nft.buffer_error },
		{ "nft_ctx_set_dry_run", (void **) &nft.set_dry_run },
		{ "nft_run_cmd_from_buffer", (void **) &nft.run_cmd_from_buffer },
		{ "nft_ctx_get_error_buffer", (void **) &nft.get_error_buffer },
		{ "nft_ctx_get_output_buffer", (void **) &nft.get_output_buffer },
	};
	guint i;

	if (nft.handle)
		return TRUE;
	nft.handle = dlopen (LIBNFTABLES_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!nft.handle) {
		g_set_error (error, WGKS_FIREWALL_ERROR, WGKS_FIREWALL_ERROR_INTERNAL, "cannot load %s: %s",
		             LIBNFTABLES_SONAME, dlerror ());
		return FALSE;
	}
	for (i = 0; i < G_N_ELEMENTS (symbols); i++) {
		*symbols[i].fn = dlsym (nft.handle, symbols[i].name);
		if (!*symbols[i].fn) {
			g_set_error (error, WGKS_FIREWALL_ERROR, WGKS_FIREWALL_ERROR_INTERNAL, "%s has no %s",
			             LIBNFTABLES_SONAME, symbols[i].name);
			unload_libnftables ();
			return FALSE;
		}
	}
	return TRUE;
}

/* One libnftables context for all the commands of a burst (the writes and
 * checks of a state change): freeing a context closes its netlink socket,
 * and the kernel waits for an RCU grace period there (about 10 ms on the
 * benchmark machine, ten times the transaction). */
static struct nft_ctx *kept_ctx;

static struct nft_ctx *
shared_context (GError **error)
{
	if (!kept_ctx && load_libnftables (error)) {
		kept_ctx = nft.ctx_new (NFT_CTX_DEFAULT);
		if (kept_ctx) {
			nft.buffer_output (kept_ctx);
			nft.buffer_error (kept_ctx);
		} else {
			g_set_error (error, WGKS_FIREWALL_ERROR, WGKS_FIREWALL_ERROR_INTERNAL, "libnftables: no context");
		}
	}
	return kept_ctx;
}

/* What the calling thread's stack keeps below this frame, and the pages
 * below that are not in use. */
#define STACK_KEEP_BYTES (4 * 1024)

/* The deepest calls of a burst (libnftables' parser: ~30 KiB; the netlink
 * dumps' buffers) leave the pages of the main thread's stack dirty for the
 * life of the process. Nothing below the current frame is live: those
 * pages are given back, and read as zeros when the stack grows again. */
static void
trim_stack (void)
{
	pthread_attr_t attr;
	void *lowest = NULL;
	size_t size = 0;
	uintptr_t page = (uintptr_t) sysconf (_SC_PAGESIZE);
	uintptr_t here = (uintptr_t) __builtin_frame_address (0);
	uintptr_t start, end;
	gboolean known;

	if (pthread_getattr_np (pthread_self (), &attr) != 0)
		return;
	known = pthread_attr_getstack (&attr, &lowest, &size) == 0;
	pthread_attr_destroy (&attr);
	if (!known || here < STACK_KEEP_BYTES)
		return;
	start = ((uintptr_t) lowest + page - 1) & ~(page - 1);
	end = (here - STACK_KEEP_BYTES) & ~(page - 1);
	/* The range may start below the stack's mapping (the main thread's
	 * lowest address is where it may grow to): madvise() still gives
	 * back the mapped part, and reports ENOMEM for the rest. */
	if (end > start)
		(void) madvise ((void *) start, end - start, MADV_DONTNEED);
}

/* Between bursts of table writes the context is only memory (its cache of
 * the ruleset, the parser's tables): give it back, with libnftables itself
 * and what the allocator kept of the burst. The next command loads and
 * opens them again. */
void
wgks_firewall_release_memory (void)
{
	if (kept_ctx)
		nft.ctx_free (kept_ctx);
	kept_ctx = NULL;
	unload_libnftables ();
#ifdef __GLIBC__
	malloc_trim (0);
#endif
	trim_stack ();
}

gboolean
wgks_firewall_run (const char *script, gboolean dry_run, char **output, GError **error)
{
	struct nft_ctx *ctx = shared_context (error);
	const char *errors, *out;
	gboolean ok;

	if (!ctx)
		return FALSE;
	/* A context exists only while the library is loaded: both go together
	 * in wgks_firewall_release_memory(). */
	g_assert (nft.set_dry_run && nft.run_cmd_from_buffer && nft.get_error_buffer && nft.get_output_buffer);
	nft.set_dry_run (ctx, dry_run);
	ok = nft.run_cmd_from_buffer (ctx, script) == 0;
	/* Reading a buffer rewinds it: nothing carries over to the next command. */
	errors = nft.get_error_buffer (ctx);
	out = nft.get_output_buffer (ctx);
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
	g_autofree char *state = g_strdup_printf ("state=%s\"", wgks_ruleset_state_to_string (spec->state));

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
		             wgks_ruleset_state_to_string (spec->state));
		return FALSE;
	}
	return TRUE;
}

/* Runs the script in one transaction, then reads the table back and checks
 * it is the one of spec's state. */
static gboolean
run_and_verify (const char *script, const WgksFirewallSpec *spec, char **snapshot, GError **error)
{
	g_autofree char *listing = NULL;
	GError *list_error = NULL;

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
wgks_firewall_apply (const WgksFirewallSpec *spec, char **snapshot, GError **error)
{
	g_autofree char *script = NULL;

	if (spec->state == WGKS_FIREWALL_CONNECTED && spec->tunnel_ifindex == 0) {
		g_set_error (error, WGKS_FIREWALL_ERROR, WGKS_FIREWALL_ERROR_INTERNAL,
		             "no tunnel interface index for the kill switch");
		return FALSE;
	}
	script = wgks_ruleset_render (spec);
	return run_and_verify (script, spec, snapshot, error);
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

	return run_and_verify (script, &spec, snapshot, error);
}
