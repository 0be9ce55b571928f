/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz target: the vpn.data / vpn.secrets validation the service runs on
 * every connection NetworkManager hands it (wgks_config_from_setting,
 * wgks_config_missing_secrets).
 *
 * Input: one item per line, "key=value" for vpn.data and "!key=value" for
 * vpn.secrets; C escapes in keys and values (\n, \t, \\, \NNN) are decoded,
 * so that keys and values with newlines or control characters are reached.
 *
 * Properties beyond "no crash, no leak, no UB":
 *  - success and error are exclusive; errors are WGKS_CONFIG_ERROR;
 *  - no error message echoes a secret's value;
 *  - an accepted setting survives wgks_config_to_setting() and parses back
 *    to the same configuration (compared through the wg-quick export). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "nm-wgks-service-defines.h"
#include "wgks-wgquick.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
	return 0;
}

/* Builds the setting; collects secret values that look like keys, typos
 * included (>= 32 bytes, no white space, unique in the input). */
static NMSettingVpn *
setting_from_input (const char *text, GPtrArray *secrets)
{
	NMSettingVpn *s_vpn = NM_SETTING_VPN (nm_setting_vpn_new ());
	g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
	guint i;

	g_object_set (s_vpn, NM_SETTING_VPN_SERVICE_TYPE, NM_WGKS_SERVICE_TYPE, NULL);
	for (i = 0; lines[i]; i++) {
		gboolean secret = lines[i][0] == '!';
		char *line = lines[i] + (secret ? 1 : 0);
		char *eq = strchr (line, '=');
		g_autofree char *key = NULL;
		g_autofree char *value = NULL;

		if (!eq)
			continue;
		*eq = '\0';
		key = g_strcompress (line);
		value = g_strcompress (eq + 1);
		/* D-Bus carries neither empty keys nor invalid UTF-8 */
		if (!*key || !g_utf8_validate (key, -1, NULL) || !g_utf8_validate (value, -1, NULL))
			continue;
		if (secret) {
			nm_setting_vpn_add_secret (s_vpn, key, value);
			if (strlen (value) >= 32 && !strpbrk (value, " \t\r\v\f") && !strstr (strstr (text, eq + 1) + 1, eq + 1)
			    && strcmp (value, eq + 1) == 0)
				g_ptr_array_add (secrets, g_strdup (value));
		} else {
			nm_setting_vpn_add_data_item (s_vpn, key, value);
		}
		wgks_memzero (value, strlen (value));
	}
	return s_vpn;
}

static void
check_one (NMSettingVpn *s_vpn, WgksSettingFlags flags, GPtrArray *secrets)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (WgksConfig) config = wgks_config_from_setting (s_vpn, flags, &error);
	guint i;

	FUZZ_ASSERT ((config == NULL) == (error != NULL));
	if (error) {
		FUZZ_ASSERT (error->domain == WGKS_CONFIG_ERROR);
		for (i = 0; i < secrets->len; i++)
			FUZZ_ASSERT (strstr (error->message, secrets->pdata[i]) == NULL);
		return;
	}
	{
		g_autoptr (NMSettingVpn) copy = NM_SETTING_VPN (nm_setting_vpn_new ());
		g_autoptr (GError) error2 = NULL;
		g_autoptr (WgksConfig) again = NULL;
		g_autofree char *out1 = NULL;
		g_autofree char *out2 = NULL;

		g_object_set (copy, NM_SETTING_VPN_SERVICE_TYPE, NM_WGKS_SERVICE_TYPE, NULL);
		wgks_config_to_setting (config, copy);
		again = wgks_config_from_setting (copy, flags, &error2);
		if (!again)
			fprintf (stderr, "round trip failed: %s\n", error2->message);
		FUZZ_ASSERT (again != NULL);
		out1 = wgks_wgquick_write (config);
		out2 = wgks_wgquick_write (again);
		if (strcmp (out1, out2) != 0)
			fprintf (stderr, "--- before:\n%s\n--- after:\n%s\n", out1, out2);
		FUZZ_ASSERT (strcmp (out1, out2) == 0);
		wgks_memzero (out1, strlen (out1));
		wgks_memzero (out2, strlen (out2));
	}
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	g_autofree char *text = NULL;
	g_autoptr (GPtrArray) secrets = g_ptr_array_new_with_free_func (g_free);
	g_autoptr (NMSettingVpn) s_vpn = NULL;
	g_autoptr (GPtrArray) missing = NULL;

	if (size > 256 * 1024)
		return 0;       /* D-Bus messages are bounded; keep runs fast */
	text = g_strndup ((const char *) data, size);
	s_vpn = setting_from_input (text, secrets);
	check_one (s_vpn, WGKS_SETTING_WITH_SECRETS, secrets);
	check_one (s_vpn, WGKS_SETTING_NO_SECRETS, secrets);
	missing = wgks_config_missing_secrets (s_vpn);
	FUZZ_ASSERT (missing != NULL);
	wgks_memzero (text, size);
	return 0;
}
