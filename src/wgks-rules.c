/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wgks-rules.h"

#include <gio/gio.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>

#include "wgks-rtnl.h"

static struct nlmsghdr *
rule_message (char *buf, guint16 type, guint16 flags, int family, guint32 priority, guint32 table)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header (buf);
	struct fib_rule_hdr *frh;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	frh = mnl_nlmsg_put_extra_header (nlh, sizeof *frh);
	frh->family = (guint8) family;
	frh->action = FR_ACT_TO_TBL;
	frh->table = table < 256 ? (guint8) table : RT_TABLE_UNSPEC;
	mnl_attr_put_u32 (nlh, FRA_PRIORITY, priority);
	mnl_attr_put_u32 (nlh, FRA_TABLE, table);
	return nlh;
}

typedef struct {
	int      family;
	guint32  fwmark;
	guint32  table;
	gboolean tunnel;  /* the "not fwmark" rule; else the suppress rule */
} RuleSpec;

static struct nlmsghdr *
rule_build (char *buf, const RuleSpec *r, guint16 type, guint16 flags)
{
	struct nlmsghdr *nlh;
	struct fib_rule_hdr *frh;

	if (!r->tunnel) {
		nlh = rule_message (buf, type, flags, r->family, WGKS_RULE_PRIORITY - 1, RT_TABLE_MAIN);
		mnl_attr_put_u32 (nlh, FRA_SUPPRESS_PREFIXLEN, 0);
		return nlh;
	}
	nlh = rule_message (buf, type, flags, r->family, WGKS_RULE_PRIORITY, r->table);
	frh = mnl_nlmsg_get_payload (nlh);
	frh->flags |= FIB_RULE_INVERT;
	mnl_attr_put_u32 (nlh, FRA_FWMARK, r->fwmark);
	mnl_attr_put_u32 (nlh, FRA_FWMASK, 0xffffffffu);
	return nlh;
}

/* NLM_F_EXCL: an identical rule left by a crashed run counts as success. */
static gboolean
rule_add (const RuleSpec *r, GError **error)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];

	return wgks_nl_transact_idempotent (NETLINK_ROUTE, rule_build (buf, r, RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL),
	                                    "add routing rule", G_IO_ERROR_EXISTS, NULL, error);
}

/* One RTM_DELRULE removes one matching rule; duplicates may exist. */
static gboolean
rule_remove_all (const RuleSpec *r, GError **error)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	guint i;

	for (i = 0; i < 16; i++) {
		GError *local = NULL;

		if (!wgks_nl_transact (NETLINK_ROUTE, rule_build (buf, r, RTM_DELRULE, 0), NULL, NULL,
		                       "delete routing rule", &local)) {
			if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_NOT_FOUND)) {
				g_error_free (local);
				return TRUE;
			}
			g_propagate_error (error, local);
			return FALSE;
		}
	}
	return TRUE;
}

gboolean
wgks_rules_add (int family, guint32 fwmark, guint32 table, GError **error)
{
	RuleSpec suppress = { family, fwmark, table, FALSE };
	RuleSpec tunnel = { family, fwmark, table, TRUE };

	return rule_add (&suppress, error) && rule_add (&tunnel, error);
}

gboolean
wgks_rules_remove (int family, guint32 fwmark, guint32 table, GError **error)
{
	RuleSpec suppress = { family, fwmark, table, FALSE };
	RuleSpec tunnel = { family, fwmark, table, TRUE };

	return rule_remove_all (&tunnel, error) && rule_remove_all (&suppress, error);
}
