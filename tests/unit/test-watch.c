/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The handshake watch's schedule: it wakes when a handshake can go stale,
 * never on a fixed poll while the tunnel is healthy. */
#include "config.h"

#include "wgks-watch.h"

#define NOW 1800000000

static void
test_fresh (void)
{
	gint64 last[] = { NOW - 10 };

	/* re-resolution and staleness due 180 s after the handshake: 170 s
	 * from now, plus 1 */
	g_assert_cmpuint (wgks_watch_delay_s (last, 1, NOW, TRUE), ==, 171);
	/* just handshaken: the first check in 181 s, not at a rekey moment */
	last[0] = NOW;
	g_assert_cmpuint (wgks_watch_delay_s (last, 1, NOW, TRUE), ==, 181);
}

static void
test_between_deadlines (void)
{
	gint64 last[] = { NOW - 140 };

	/* past a rekey moment, before REJECT_AFTER_TIME: wake when it is dead */
	g_assert_cmpuint (wgks_watch_delay_s (last, 1, NOW, TRUE), ==, 41);
	/* exactly at a deadline: one second later */
	last[0] = NOW - 180;
	g_assert_cmpuint (wgks_watch_delay_s (last, 1, NOW, TRUE), ==, 1);
}

static void
test_lost (void)
{
	gint64 dead[] = { NOW - 500 };
	gint64 never[] = { 0, 0 };

	g_assert_cmpuint (wgks_watch_delay_s (dead, 1, NOW, TRUE), ==, WGKS_RERESOLVE_MIN_GAP_S + 1);
	g_assert_cmpuint (wgks_watch_delay_s (never, 2, NOW, TRUE), ==, WGKS_RERESOLVE_MIN_GAP_S + 1);
	g_assert_cmpuint (wgks_watch_delay_s (NULL, 0, NOW, TRUE), ==, WGKS_RERESOLVE_MIN_GAP_S + 1);
}

static void
test_earliest_peer (void)
{
	/* the stalest live peer decides; a dead or silent one does not */
	gint64 last[] = { NOW - 5, NOW - 100, NOW - 1000, 0 };

	g_assert_cmpuint (wgks_watch_delay_s (last, G_N_ELEMENTS (last), NOW, TRUE), ==, 81);
}

static void
test_no_notifications (void)
{
	gint64 last[] = { NOW };

	g_assert_cmpuint (wgks_watch_delay_s (last, 1, NOW, FALSE), ==, WGKS_WATCH_POLL_S);
}

static void
test_clock_jump (void)
{
	/* a handshake "in the future" (the clock went back): bounded */
	gint64 last[] = { NOW + 100000 };

	g_assert_cmpuint (wgks_watch_delay_s (last, 1, NOW, TRUE), <=, WGKS_REJECT_AFTER_TIME_S + 1);
	g_assert_cmpuint (wgks_watch_delay_s (last, 1, NOW, TRUE), >=, 1);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/watch/fresh", test_fresh);
	g_test_add_func ("/watch/between-deadlines", test_between_deadlines);
	g_test_add_func ("/watch/lost", test_lost);
	g_test_add_func ("/watch/earliest-peer", test_earliest_peer);
	g_test_add_func ("/watch/no-notifications", test_no_notifications);
	g_test_add_func ("/watch/clock-jump", test_clock_jump);
	return g_test_run ();
}
