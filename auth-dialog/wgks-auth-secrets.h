/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which secrets of a connection the auth dialog must return, and which of
 * them it has to ask for: decided from the vpn.data and the secrets
 * NetworkManager passes on stdin, without any GTK. */
#ifndef WGKS_AUTH_SECRETS_H
#define WGKS_AUTH_SECRETS_H

#include <glib.h>

typedef struct {
	char    *name;       /* "private-key", "peer.N.preshared-key" */
	char    *label;      /* what the user reads */
	char    *value;      /* known value, or NULL */
	gboolean should_ask;
} WgksAuthSecret;

void wgks_auth_secret_free (WgksAuthSecret *secret);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgksAuthSecret, wgks_auth_secret_free)

/* @hints: secret names NetworkManager asks for (-t), possibly with an
 * "x-vpn-message:" prompt; NULL or empty: every secret the data says exists.
 * Returns WgksAuthSecret*; *@out_prompt is the message from the hints, if any. */
GPtrArray *wgks_auth_secrets_collect (GHashTable *data, GHashTable *secrets, const char *const *hints,
                                      gboolean reprompt, char **out_prompt);

gboolean wgks_auth_secrets_need_asking (GPtrArray *requests);

/* Whether @value is acceptable for the secret: a 32-byte base64 key. */
gboolean wgks_auth_secret_value_is_valid (const char *value);

#endif
