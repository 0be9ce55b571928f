/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wgks-log.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

static int log_level = LOG_NOTICE;

void
wgks_log_set_level (int level)
{
	log_level = CLAMP (level, LOG_EMERG, LOG_DEBUG);
}

int
wgks_log_get_level (void)
{
	return log_level;
}

gboolean
wgks_log_enabled (int level)
{
	return level <= log_level;
}

static const char *
level_name (int level)
{
	switch (level) {
	case LOG_EMERG:
	case LOG_ALERT:
	case LOG_CRIT:
	case LOG_ERR:
		return "<error>";
	case LOG_WARNING:
		return "<warn>";
	case LOG_NOTICE:
	case LOG_INFO:
		return "<info>";
	default:
		return "<debug>";
	}
}

void
wgks_log_message (int level, const char *fmt, ...)
{
	g_autofree char *msg = NULL;
	va_list ap;

	if (!wgks_log_enabled (level))
		return;
	va_start (ap, fmt);
	msg = g_strdup_vprintf (fmt, ap);
	va_end (ap);
	fprintf (stderr, "nm-wireguard-killswitch[%ld]: %s %s\n", (long) getpid (), level_name (level), msg);
	fflush (stderr);
}
