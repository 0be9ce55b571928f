/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wgks-auth-secrets.h"

#include <NetworkManager.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "nm-wgks-service-defines.h"
#include "wgks-config.h"
#include "wgks-key.h"

#define VPN_MESSAGE_TAG "x-vpn-message:"

void
wgks_auth_secret_free (WgksAuthSecret *secret)
{
	if (!secret)
		return;
	g_free (secret->name);
	g_free (secret->label);
	wgks_str_wipe_free (secret->value);
	g_free (secret);
}

gboolean
wgks_auth_secret_value_is_valid (const char *value)
{
	WgksKey key;
	gboolean ok = wgks_key_from_base64 (value, &key);

	wgks_memzero (&key, sizeof key);
	return ok;
}

static NMSettingSecretFlags
secret_flags (GHashTable *data, const char *name)
{
	NMSettingSecretFlags flags = NM_SETTING_SECRET_FLAG_NONE;

	nm_vpn_service_plugin_get_secret_flags (data, name, &flags);
	return flags;
}

/* The peer a secret name belongs to, for its label; G_MAXUINT if none. */
static guint
peer_of (const char *name)
{
	const char *num;
	char *end = NULL;
	guint64 n;

	if (!g_str_has_prefix (name, NM_WGKS_KEY_PEER_PREFIX))
		return G_MAXUINT;
	num = name + strlen (NM_WGKS_KEY_PEER_PREFIX);
	n = g_ascii_strtoull (num, &end, 10);
	if (end == num || n >= NM_WGKS_MAX_PEERS || g_strcmp0 (end, "." NM_WGKS_PEER_PRESHARED_KEY) != 0)
		return G_MAXUINT;
	return (guint) n;
}

static gboolean
is_secret_name (const char *name)
{
	return g_strcmp0 (name, NM_WGKS_SECRET_PRIVATE_KEY) == 0 || peer_of (name) != G_MAXUINT;
}

static char *
label_for (GHashTable *data, const char *name)
{
	guint peer = peer_of (name);
	g_autofree char *k_ep = NULL;
	const char *endpoint;

	if (peer == G_MAXUINT)
		return g_strdup (_("Private key:"));
	k_ep = wgks_peer_key (peer, NM_WGKS_PEER_ENDPOINT);
	endpoint = g_hash_table_lookup (data, k_ep);
	if (endpoint)
		return g_strdup_printf (_("Preshared key of peer %u (%s):"), peer + 1, endpoint);
	return g_strdup_printf (_("Preshared key of peer %u:"), peer + 1);
}

/* Every secret the connection has, as NetworkManager's data describes it. */
static GPtrArray *
secrets_of_data (GHashTable *data)
{
	GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
	guint i;

	if (!(secret_flags (data, NM_WGKS_SECRET_PRIVATE_KEY) & NM_SETTING_SECRET_FLAG_NOT_REQUIRED))
		g_ptr_array_add (names, g_strdup (NM_WGKS_SECRET_PRIVATE_KEY));
	for (i = 0; i < NM_WGKS_MAX_PEERS; i++) {
		g_autofree char *k_pub = wgks_peer_key (i, NM_WGKS_PEER_PUBLIC_KEY);
		g_autofree char *k_psk = wgks_peer_key (i, NM_WGKS_PEER_PRESHARED_KEY);
		g_autofree char *k_flags = g_strconcat (k_psk, "-flags", NULL);

		if (!g_hash_table_contains (data, k_pub))
			break;
		/* A peer has a preshared key when its flags say where it is kept. */
		if (g_hash_table_contains (data, k_flags)
		    && !(secret_flags (data, k_psk) & NM_SETTING_SECRET_FLAG_NOT_REQUIRED))
			g_ptr_array_add (names, g_steal_pointer (&k_psk));
	}
	return names;
}

static GPtrArray *
secrets_of_hints (const char *const *hints, char **out_prompt)
{
	GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
	guint i;

	for (i = 0; hints[i]; i++) {
		if (g_str_has_prefix (hints[i], VPN_MESSAGE_TAG)) {
			if (!*out_prompt)
				*out_prompt = g_strdup (hints[i] + strlen (VPN_MESSAGE_TAG));
		} else if (is_secret_name (hints[i])) {
			g_ptr_array_add (names, g_strdup (hints[i]));
		}
	}
	return names;
}

GPtrArray *
wgks_auth_secrets_collect (GHashTable *data, GHashTable *secrets, const char *const *hints, gboolean reprompt,
                           char **out_prompt)
{
	GPtrArray *requests;
	g_autoptr (GPtrArray) names = NULL;
	guint i;

	g_return_val_if_fail (data != NULL, NULL);
	g_return_val_if_fail (secrets != NULL, NULL);
	g_return_val_if_fail (out_prompt != NULL, NULL);

	requests = g_ptr_array_new_with_free_func ((GDestroyNotify) wgks_auth_secret_free);
	*out_prompt = NULL;
	names = hints && hints[0] ? secrets_of_hints (hints, out_prompt) : secrets_of_data (data);
	for (i = 0; i < names->len; i++) {
		const char *name = names->pdata[i];
		WgksAuthSecret *secret = g_new0 (WgksAuthSecret, 1);
		const char *known = g_hash_table_lookup (secrets, name);

		secret->name = g_strdup (name);
		secret->label = label_for (data, name);
		/* "Ask every time" means just that, even if a value came along. */
		if (known && *known && !(secret_flags (data, name) & NM_SETTING_SECRET_FLAG_NOT_SAVED))
			secret->value = g_strdup (known);
		secret->should_ask = reprompt || !wgks_auth_secret_value_is_valid (secret->value);
		g_ptr_array_add (requests, secret);
	}
	return requests;
}

gboolean
wgks_auth_secrets_need_asking (GPtrArray *requests)
{
	guint i;

	g_return_val_if_fail (requests != NULL, FALSE);
	for (i = 0; i < requests->len; i++)
		if (((WgksAuthSecret *) requests->pdata[i])->should_ask)
			return TRUE;
	return FALSE;
}
