/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Two real WireGuard devices (kernel, or wireguard-go where the kernel has
 * none) that must complete a handshake with each other, in a private network
 * and mount namespace this test creates for itself (its own /run for the
 * sockets): needs root. */
#include "config.h"

#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wgks-device-settings.h"
#include "wgks-device.h"
#include "test-utils.h"

#define PRIV_B64 "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk="

typedef struct {
	GMainLoop  *loop;
	WgksDevice *device;
	gboolean    ok;
	GError     *error;
} CreateWait;

static void
created_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
	CreateWait *w = user_data;

	w->ok = wgks_device_create_finish (w->device, result, &w->error);
	g_main_loop_quit (w->loop);
}

static WgksDevice *
create_device (const char *ifname)
{
	WgksDevice *device = wgks_device_new (ifname, NULL, NULL);
	CreateWait w = { g_main_loop_new (NULL, FALSE), device, FALSE, NULL };

	wgks_device_create_async (device, NULL, created_cb, &w);
	g_main_loop_run (w.loop);
	g_main_loop_unref (w.loop);
	g_assert_no_error (w.error);
	g_assert_true (w.ok);
	g_test_message ("%s: backend %s", ifname, wgks_device_get_backend (device));
	return device;
}

static void
configure (WgksDevice *device, const char *priv_b64, const char *peer_priv_b64, guint16 port,
           guint16 peer_port, gboolean with_endpoint)
{
	g_autoptr (WgksConfig) config = wgks_config_new ();
	g_autoptr (WgksPeer) peer = wgks_peer_new ();
	g_autoptr (GError) error = NULL;
	WgksDeviceSettings s;
	WgksEndpoint ep = { .host = "127.0.0.1", .peer_index = 0 };
	WgksKey peer_priv;

	wgks_test_key_from_b64 (priv_b64, &config->private_key);
	config->has_private_key = TRUE;
	config->listen_port = port;
	wgks_test_key_from_b64 (peer_priv_b64, &peer_priv);
	wgks_key_public_from_private (&peer_priv, &peer->public_key);
	g_ptr_array_add (peer->allowed_ips, wgks_test_prefix (port < peer_port ? "10.99.0.2/32" : "10.99.0.1/32"));
	peer->endpoint_host = g_strdup ("127.0.0.1");
	peer->endpoint_port = peer_port;
	g_ptr_array_add (config->peers, g_steal_pointer (&peer));
	wgks_test_sockaddr4 (&ep.address, "127.0.0.1", peer_port);

	wgks_device_settings_full (&s, config, &ep, with_endpoint ? 1 : 0, TRUE);
	g_assert_true (wgks_device_set (device, &s, &error));
	g_assert_no_error (error);
	wgks_device_settings_clear (&s);
	g_assert_true (wgks_device_set_up (device, 1420, &error));
	g_assert_no_error (error);
}

static void
test_live_handshake (void)
{
	static const char *priv_a = PRIV_B64;
	static const char *priv_b = "4CnMlBdP8EBK7hMHhBSTKLgkOaWmp1GOvxcWa2SYDEI=";
	g_autoptr (WgksDevice) a = NULL;
	g_autoptr (WgksDevice) b = NULL;
	g_autoptr (GError) error = NULL;
	gint64 end;
	gboolean done = FALSE;

	/* Without kernel WireGuard this also exercises the fallback; set
	 * WGKS_FORCE_USERSPACE=1 to test wireguard-go on other kernels. */
	a = create_device ("wgkstesta");
	b = create_device ("wgkstestb");
	/* b only answers; a initiates thanks to the connect-time keepalive. */
	configure (b, priv_b, priv_a, 51002, 51001, FALSE);
	configure (a, priv_a, priv_b, 51001, 51002, TRUE);

	end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
	while (!done && g_get_monotonic_time () < end) {
		g_autoptr (GArray) stats = wgks_device_get_peers (a, &error);

		g_assert_no_error (error);
		g_assert_cmpuint (stats->len, ==, 1);
		done = g_array_index (stats, WgksPeerStats, 0).last_handshake_sec > 0;
		if (!done)
			g_usleep (100000);
	}
	g_assert_true (done);
	wgks_device_destroy (a);
	wgks_device_destroy (b);
	g_assert_false (g_file_test ("/var/run/wireguard/wgkstesta.sock", G_FILE_TEST_EXISTS));
	g_assert_false (g_file_test ("/sys/class/net/wgkstesta", G_FILE_TEST_EXISTS));
}

static gboolean
loopback_up (void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	gboolean ok;

	ok = fd >= 0 && ioctl (fd, SIOCGIFFLAGS, &ifr) == 0;
	ifr.ifr_flags |= IFF_UP;
	ok = ok && ioctl (fd, SIOCSIFFLAGS, &ifr) == 0;
	if (fd >= 0)
		close (fd);
	return ok;
}

static gboolean
enter_private_namespaces (void)
{
	if (getuid () != 0 || unshare (CLONE_NEWNET | CLONE_NEWNS) != 0)
		return FALSE;
	return mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0
	       && mount ("wgks-test-run", "/run", "tmpfs", 0, "mode=0755") == 0
	       && loopback_up ();
}

int
main (int argc, char **argv)
{
	wgks_test_init (&argc, &argv);
	if (!enter_private_namespaces ()) {
		g_test_skip ("needs root to create a private network and mount namespace");
		return g_test_run ();
	}
	g_test_add_func ("/device/live/handshake", test_live_handshake);
	return g_test_run ();
}
