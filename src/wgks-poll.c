/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wgks-poll.h"

gboolean
wgks_poll_back_off (guint *id, guint *ms, guint max_ms, GSourceFunc func, gpointer data)
{
	if (*ms >= max_ms)
		return G_SOURCE_CONTINUE;
	*ms = MIN (*ms * 2, max_ms);
	*id = g_timeout_add (*ms, func, data);
	return G_SOURCE_REMOVE;
}
