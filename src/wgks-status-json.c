/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wg-killswitch status --json: what `status` shows, for scripts. */
#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <time.h>

#include "wgks-cli.h"
#include "wgks-firewall.h"
#include "wgks-lockdown.h"
#include "wgks-statefile.h"

static char *
listing_table_state (const char *listing)
{
	const char *p = listing ? strstr (listing, "state=") : NULL;

	if (!p)
		return NULL;
	p += 6;
	return g_strndup (p, strcspn (p, "\" \n"));
}

static void
add_string_or_null (JsonBuilder *b, const char *name, const char *value)
{
	json_builder_set_member_name (b, name);
	if (value && *value)
		json_builder_add_string_value (b, value);
	else
		json_builder_add_null_value (b);
}

static void
add_tunnel (JsonBuilder *b, const WgksStatus *status)
{
	g_auto (GStrv) eps = NULL;
	guint i;

	json_builder_set_member_name (b, "tunnel");
	if (!status || !status->ifname || !*status->ifname) {
		json_builder_add_null_value (b);
		return;
	}
	json_builder_begin_object (b);
	add_string_or_null (b, "interface", status->ifname);
	json_builder_set_member_name (b, "endpoints");
	json_builder_begin_array (b);
	eps = g_strsplit (status->endpoints ? status->endpoints : "", " ", -1);
	for (i = 0; eps[i]; i++)
		if (*eps[i])
			json_builder_add_string_value (b, eps[i]);
	json_builder_end_array (b);
	json_builder_set_member_name (b, "last_handshake_seconds_ago");
	if (status->last_handshake > 0)
		json_builder_add_int_value (b, time (NULL) - status->last_handshake);
	else
		json_builder_add_null_value (b);
	json_builder_end_object (b);
}

static void
add_table (JsonBuilder *b, const char *listing, const char *snapshot)
{
	g_autofree char *state = listing_table_state (listing);

	json_builder_set_member_name (b, "table");
	json_builder_begin_object (b);
	json_builder_set_member_name (b, "present");
	json_builder_add_boolean_value (b, listing != NULL);
	add_string_or_null (b, "state", state);
	json_builder_set_member_name (b, "intact");
	if (listing && snapshot)
		json_builder_add_boolean_value (b, wgks_firewall_listing_equal (snapshot, listing));
	else
		json_builder_add_null_value (b);
	json_builder_set_member_name (b, "blocked_packets");
	json_builder_add_int_value (b, listing ? wgks_firewall_blocked_packets () : 0);
	json_builder_end_object (b);
}

int
wgks_cli_status_json (void)
{
	g_autoptr (GError) error = NULL;
	g_autofree char *listing = wgks_firewall_list (&error);
	g_autofree char *snap_path = wgks_run_path (WGKS_RUN_SNAPSHOT);
	g_autofree char *snapshot = NULL;
	g_autofree char *text = NULL;
	g_autoptr (WgksStatus) status = wgks_status_load (NULL);
	g_autoptr (WgksLockdown) lockdown = NULL;
	g_autoptr (JsonBuilder) b = json_builder_new ();
	g_autoptr (JsonGenerator) gen = json_generator_new ();
	g_autoptr (JsonNode) root = NULL;
	gboolean exists = FALSE;
	const char *state;

	if (error) {
		g_printerr (_("wg-killswitch: cannot read the firewall: %s\n"), error->message);
		return 3;
	}
	lockdown = wgks_lockdown_load (&exists, NULL);
	g_file_get_contents (snap_path, &snapshot, NULL, NULL);
	/* "off" when nothing is recorded and no table blocks; "blocked" when a
	 * table is there without a record (e.g. installed before a reboot). */
	state = status && status->state && *status->state ? status->state : listing ? "blocked" : "off";

	json_builder_begin_object (b);
	json_builder_set_member_name (b, "version");
	json_builder_add_int_value (b, 1);
	add_string_or_null (b, "state", state);
	add_string_or_null (b, "reason", status ? status->reason : NULL);
	json_builder_set_member_name (b, "connection");
	if (status && status->connection && *status->connection) {
		json_builder_begin_object (b);
		add_string_or_null (b, "name", status->connection);
		add_string_or_null (b, "uuid", status->uuid);
		add_string_or_null (b, "kill_switch", status->kill_switch);
		json_builder_end_object (b);
	} else {
		json_builder_add_null_value (b);
	}
	add_tunnel (b, status);
	add_table (b, listing, snapshot);
	json_builder_set_member_name (b, "lockdown");
	if (lockdown)
		json_builder_add_string_value (b, lockdown->enabled ? "on" : "off");
	else
		json_builder_add_string_value (b, "unreadable");
	json_builder_end_object (b);

	root = json_builder_get_root (b);
	json_generator_set_root (gen, root);
	json_generator_set_pretty (gen, TRUE);
	text = json_generator_to_data (gen, NULL);
	g_print ("%s\n", text);
	return 0;
}
