/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Logging of the service: "nm-wireguard-killswitch[PID]: <level> message" on stderr,
 * which NetworkManager captures. Never pass private or preshared keys here. */
#ifndef WGKS_LOG_H
#define WGKS_LOG_H

#include <glib.h>
#include <syslog.h>

/* Levels are syslog's, as in NetworkManager's NM_VPN_LOG_LEVEL. */
void     wgks_log_set_level (int level);
int      wgks_log_get_level (void);
gboolean wgks_log_enabled   (int level);
void     wgks_log_message   (int level, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

#define wgks_log_err(...)   wgks_log_message (LOG_ERR, __VA_ARGS__)
#define wgks_log_warn(...)  wgks_log_message (LOG_WARNING, __VA_ARGS__)
#define wgks_log_notice(...) wgks_log_message (LOG_NOTICE, __VA_ARGS__)
#define wgks_log_info(...)  wgks_log_message (LOG_INFO, __VA_ARGS__)
#define wgks_log_debug(...)                                   \
	G_STMT_START {                                        \
		if (wgks_log_enabled (LOG_DEBUG))             \
			wgks_log_message (LOG_DEBUG, __VA_ARGS__); \
	} G_STMT_END

#endif
