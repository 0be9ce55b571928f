/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nm-wireguard-killswitch-auth-dialog: the secret agents (nm-applet, GNOME
 * Shell, nm-connection-editor) run it when a connection's private key or a
 * preshared key is kept by the user or asked for at every connection.
 *
 * Protocol: NetworkManager's vpn.data and known secrets arrive on stdin
 * (DATA_KEY=/DATA_VAL=/SECRET_KEY=/SECRET_VAL=, then DONE). Normally the
 * answer is "name\nvalue\n" per secret and an empty line pair on stdout;
 * with --external-ui-mode it is a GKeyFile describing what to ask, and the
 * agent asks itself. */
#include "config.h"

#include <NetworkManager.h>
#include <errno.h>
#include <glib/gi18n-lib.h>
#include <gtk/gtk.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nm-wgks-service-defines.h"
#include "wgks-auth-secrets.h"
#include "wgks-auth-window.h"
#include "wgks-key.h"
#include "wgks-program.h"

#define UI_KEYFILE_GROUP "VPN Plugin UI"

typedef struct {
	gboolean reprompt;
	gboolean interactive;
	gboolean external_ui;
	char    *uuid;
	char    *name;
	char    *service;
	char   **hints;
} Options;

static void
options_clear (Options *o)
{
	g_free (o->uuid);
	g_free (o->name);
	g_free (o->service);
	g_strfreev (o->hints);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Options, options_clear)

static gboolean
parse_options (int *argc, char ***argv, Options *o, GError **error)
{
	const GOptionEntry entries[] = {
		{ "reprompt", 'r', 0, G_OPTION_ARG_NONE, &o->reprompt, N_("Ask again even for known secrets"), NULL },
		{ "uuid", 'u', 0, G_OPTION_ARG_STRING, &o->uuid, N_("UUID of the VPN connection"), NULL },
		{ "name", 'n', 0, G_OPTION_ARG_STRING, &o->name, N_("Name of the VPN connection"), NULL },
		{ "service", 's', 0, G_OPTION_ARG_STRING, &o->service, N_("VPN service type"), NULL },
		{ "allow-interaction", 'i', 0, G_OPTION_ARG_NONE, &o->interactive, N_("Allow asking the user"), NULL },
		{ "external-ui-mode", 0, 0, G_OPTION_ARG_NONE, &o->external_ui,
		  N_("Describe the secrets to ask for instead of asking"), NULL },
		{ "hint", 't', 0, G_OPTION_ARG_STRING_ARRAY, &o->hints, N_("Secret the VPN service needs"), NULL },
		{ NULL },
	};

	if (!wgks_program_parse_options (argc, argv, entries, _("— WireGuard kill switch VPN secrets"), NULL, error))
		return FALSE;
	if (!o->uuid || !o->name || !o->service) {
		g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
		                     _("--uuid, --name and --service are required"));
		return FALSE;
	}
	if (strcmp (o->service, NM_WGKS_SERVICE_TYPE) != 0) {
		g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
		             _("This dialog only handles the %s service"), NM_WGKS_SERVICE_TYPE);
		return FALSE;
	}
	return TRUE;
}

static void
print_external_ui (const char *title, const char *prompt, GPtrArray *requests, gboolean interactive)
{
	g_autoptr (GKeyFile) keyfile = g_key_file_new ();
	g_autofree char *text = NULL;
	guint i;

	g_key_file_set_integer (keyfile, UI_KEYFILE_GROUP, "Version", 2);
	g_key_file_set_string (keyfile, UI_KEYFILE_GROUP, "Description", prompt);
	g_key_file_set_string (keyfile, UI_KEYFILE_GROUP, "Title", title);
	for (i = 0; i < requests->len; i++) {
		WgksAuthSecret *secret = requests->pdata[i];

		g_key_file_set_string (keyfile, secret->name, "Value", secret->value ? secret->value : "");
		g_key_file_set_string (keyfile, secret->name, "Label", secret->label);
		g_key_file_set_boolean (keyfile, secret->name, "IsSecret", TRUE);
		g_key_file_set_boolean (keyfile, secret->name, "ShouldAsk", secret->should_ask && interactive);
	}
	text = g_key_file_to_data (keyfile, NULL, NULL);
	fputs (text, stdout);
	fflush (stdout);
	wgks_memzero (text, strlen (text));
}

/* NetworkManager closes stdin or writes QUIT once it has read the answer. */
static void
wait_for_quit (void)
{
	g_autoptr (GString) input = g_string_new (NULL);
	gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
	char c;
	ssize_t n;

	while (g_get_monotonic_time () < deadline) {
		n = read (STDIN_FILENO, &c, 1);
		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
			return;
		if (n == 1) {
			g_string_append_c (input, c);
			if (strstr (input->str, "QUIT") || input->len > 10)
				return;
		} else {
			g_usleep (G_USEC_PER_SEC / 10);
		}
	}
}

static void
print_secrets (GPtrArray *requests)
{
	guint i;

	for (i = 0; i < requests->len; i++) {
		WgksAuthSecret *secret = requests->pdata[i];

		if (secret->value && *secret->value)
			printf ("%s\n%s\n", secret->name, secret->value);
	}
	printf ("\n\n");
	fflush (stdout);
	wait_for_quit ();
}

/* Returns FALSE when the user cancelled or no window could be shown. */
static gboolean
ask_user (const char *title, const char *prompt, GPtrArray *requests)
{
	if (!gtk_init_check ()) {
		g_printerr (_("Cannot open a window to ask for the VPN secrets.\n"));
		return FALSE;
	}
	return wgks_auth_window_run (title, prompt, requests);
}

int
main (int argc, char **argv)
{
	g_auto (Options) options = { 0 };
	g_autoptr (GError) error = NULL;
	g_autoptr (GHashTable) data = NULL, secrets = NULL;
	g_autoptr (GPtrArray) requests = NULL;
	g_autofree char *prompt = NULL, *title = NULL;

	bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
	bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
	textdomain (GETTEXT_PACKAGE);

	if (!parse_options (&argc, &argv, &options, &error)) {
		g_printerr ("%s\n", error->message);
		return EXIT_FAILURE;
	}
	if (!nm_vpn_service_plugin_read_vpn_details (STDIN_FILENO, &data, &secrets)) {
		g_printerr (_("Failed to read the data and secrets of “%s” (%s) from stdin.\n"), options.name,
		            options.uuid);
		return EXIT_FAILURE;
	}
	requests = wgks_auth_secrets_collect (data, secrets, (const char *const *) options.hints, options.reprompt,
	                                      &prompt);
	if (!prompt)
		prompt = g_strdup_printf (_("The VPN “%s” needs its WireGuard keys to connect."), options.name);
	title = g_strdup_printf (_("Authenticate VPN %s"), options.name);

	if (options.external_ui) {
		print_external_ui (title, prompt, requests, options.interactive);
		return EXIT_SUCCESS;
	}
	if (options.interactive && wgks_auth_secrets_need_asking (requests)
	    && !ask_user (title, prompt, requests))
		return EXIT_FAILURE;
	print_secrets (requests);
	return EXIT_SUCCESS;
}
