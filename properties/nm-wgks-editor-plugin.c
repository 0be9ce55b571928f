/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The GUI-agnostic editor plugin that libnm clients (nmcli, GNOME Settings,
 * nm-connection-editor) load: wg-quick import/export, and the GTK editor
 * loaded on demand for the toolkit the host process uses. */
#include "config.h"

#include "nm-wgks-editor-plugin.h"

#include <dlfcn.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "nm-wgks-service-defines.h"
#include "wgks-wgquick.h"

#define WGKS_EDITOR_LIB_GTK4 "libnm-gtk4-vpn-plugin-wireguard-killswitch-editor.so"
#define WGKS_EDITOR_LIB_GTK3 "libnm-vpn-plugin-wireguard-killswitch-editor.so"

struct _NMWgksEditorPlugin {
	GObject parent;
};

enum {
	PROP_0,
	PROP_NAME,
	PROP_DESC,
	PROP_SERVICE,
};

static void nm_wgks_editor_plugin_interface_init (NMVpnEditorPluginInterface *iface);

G_DEFINE_TYPE_EXTENDED (NMWgksEditorPlugin, nm_wgks_editor_plugin, G_TYPE_OBJECT, 0,
                        G_IMPLEMENT_INTERFACE (NM_TYPE_VPN_EDITOR_PLUGIN,
                                               nm_wgks_editor_plugin_interface_init))

static NMConnection *
import_from_file (NMVpnEditorPlugin *plugin, const char *path, GError **error)
{
	g_autoptr (GPtrArray) warnings = NULL;
	NMConnection *connection;
	guint i;

	g_return_val_if_fail (NM_IS_WGKS_EDITOR_PLUGIN (plugin), NULL);
	g_return_val_if_fail (path != NULL, NULL);
	g_return_val_if_fail (!error || !*error, NULL);

	warnings = g_ptr_array_new_with_free_func (g_free);
	connection = wgks_wgquick_import (path, warnings, error);
	for (i = 0; connection && i < warnings->len; i++)
		g_printerr (_("Warning: %s\n"), (const char *) warnings->pdata[i]);
	return connection;
}

static gboolean
write_private_file (const char *path, const char *contents, GError **error)
{
	g_autoptr (GFile) file = g_file_new_for_path (path);

	/* The file holds the private key: never readable by others, not even briefly. */
	return g_file_replace_contents (file, contents, strlen (contents), NULL, FALSE,
	                                G_FILE_CREATE_PRIVATE | G_FILE_CREATE_REPLACE_DESTINATION,
	                                NULL, NULL, error);
}

static gboolean
export_to_file (NMVpnEditorPlugin *plugin, const char *path, NMConnection *connection, GError **error)
{
	g_autoptr (WgksConfig) config = NULL;
	g_autofree char *text = NULL;
	gboolean ok;

	g_return_val_if_fail (NM_IS_WGKS_EDITOR_PLUGIN (plugin), FALSE);
	g_return_val_if_fail (path != NULL, FALSE);
	g_return_val_if_fail (NM_IS_CONNECTION (connection), FALSE);
	g_return_val_if_fail (!error || !*error, FALSE);

	config = wgks_config_from_connection (connection, WGKS_SETTING_WITH_SECRETS, NULL);
	if (!config)
		config = wgks_config_from_connection (connection, WGKS_SETTING_NO_SECRETS, error);
	if (!config)
		return FALSE;
	text = wgks_wgquick_write (config);
	ok = write_private_file (path, text, error);
	wgks_memzero (text, strlen (text));
	return ok;
}

static char *
get_suggested_filename (NMVpnEditorPlugin *plugin, NMConnection *connection)
{
	NMSettingConnection *s_con;
	const char *id;
	g_autofree char *safe = NULL;

	g_return_val_if_fail (NM_IS_WGKS_EDITOR_PLUGIN (plugin), NULL);
	g_return_val_if_fail (NM_IS_CONNECTION (connection), NULL);

	s_con = nm_connection_get_setting_connection (connection);
	id = s_con ? nm_setting_connection_get_id (s_con) : NULL;
	safe = g_strdup (id && *id ? id : "wg0");
	g_strcanon (safe, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_=+.-", '_');
	return g_strdup_printf ("%.15s.conf", safe);
}

static NMVpnEditorPluginCapability
get_capabilities (NMVpnEditorPlugin *plugin)
{
	g_return_val_if_fail (NM_IS_WGKS_EDITOR_PLUGIN (plugin), NM_VPN_EDITOR_PLUGIN_CAPABILITY_NONE);

	return NM_VPN_EDITOR_PLUGIN_CAPABILITY_IMPORT | NM_VPN_EDITOR_PLUGIN_CAPABILITY_EXPORT
	       | NM_VPN_EDITOR_PLUGIN_CAPABILITY_IPV6;
}

/* GTK 3 and GTK 4 cannot share a process: the host's toolkit decides. */
static const char *
editor_library_name (void)
{
	return dlsym (RTLD_DEFAULT, "gtk_container_add") ? WGKS_EDITOR_LIB_GTK3 : WGKS_EDITOR_LIB_GTK4;
}

static char *
editor_library_path (void)
{
	Dl_info info;
	g_autofree char *dir = NULL;

	if (!dladdr ((void *) nm_vpn_editor_plugin_factory, &info) || !info.dli_fname) {
		return g_build_filename (LIBDIR, "NetworkManager", editor_library_name (), NULL);
	}
	dir = g_path_get_dirname (info.dli_fname);
	return g_build_filename (dir, editor_library_name (), NULL);
}

/* The editor library, loaded once per process. Its GTypes cannot be
 * unregistered, so it is never closed; and a second dlopen by path after a
 * package upgrade replaced the file would map a second copy that registers
 * the same GTypes again. */
static struct {
	void               *handle;
	NMWgksEditorFactory factory;
} editor_library;

static NMWgksEditorFactory
load_editor_factory (GError **error)
{
	g_autofree char *path = NULL;
	NMWgksEditorFactory factory;
	void *handle;

	if (editor_library.factory)
		return editor_library.factory;
	path = editor_library_path ();
	handle = dlopen (path, RTLD_LAZY | RTLD_LOCAL);
	if (!handle) {
		g_set_error (error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_FAILED,
		             _("Cannot load the WireGuard editor %s: %s"), path, dlerror ());
		return NULL;
	}
	factory = (NMWgksEditorFactory) dlsym (handle, NM_WGKS_EDITOR_FACTORY_SYMBOL);
	if (!factory) {
		g_set_error (error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_FAILED,
		             _("%s does not export %s"), path, NM_WGKS_EDITOR_FACTORY_SYMBOL);
		dlclose (handle);
		return NULL;
	}
	editor_library.handle = handle;
	editor_library.factory = factory;
	return factory;
}

static NMVpnEditor *
get_editor (NMVpnEditorPlugin *plugin, NMConnection *connection, GError **error)
{
	NMWgksEditorFactory factory;

	g_return_val_if_fail (NM_IS_WGKS_EDITOR_PLUGIN (plugin), NULL);
	g_return_val_if_fail (NM_IS_CONNECTION (connection), NULL);
	g_return_val_if_fail (!error || !*error, NULL);

	factory = load_editor_factory (error);
	return factory ? factory (plugin, connection, error) : NULL;
}

static void
get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
	switch (prop_id) {
	case PROP_NAME:
		g_value_set_string (value, _("WireGuard with kill switch"));
		break;
	case PROP_DESC:
		g_value_set_string (value, _("WireGuard tunnel that blocks traffic and DNS outside the "
		                             "tunnel when the VPN drops."));
		break;
	case PROP_SERVICE:
		g_value_set_string (value, NM_WGKS_SERVICE_TYPE);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
		break;
	}
}

static void
nm_wgks_editor_plugin_init (NMWgksEditorPlugin *plugin)
{
}

static void
nm_wgks_editor_plugin_interface_init (NMVpnEditorPluginInterface *iface)
{
	iface->get_editor = get_editor;
	iface->get_capabilities = get_capabilities;
	iface->import_from_file = import_from_file;
	iface->export_to_file = export_to_file;
	iface->get_suggested_filename = get_suggested_filename;
}

static void
nm_wgks_editor_plugin_class_init (NMWgksEditorPluginClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS (klass);

	object_class->get_property = get_property;
	g_object_class_override_property (object_class, PROP_NAME, NM_VPN_EDITOR_PLUGIN_NAME);
	g_object_class_override_property (object_class, PROP_DESC, NM_VPN_EDITOR_PLUGIN_DESCRIPTION);
	g_object_class_override_property (object_class, PROP_SERVICE, NM_VPN_EDITOR_PLUGIN_SERVICE);
}

NMVpnEditorPlugin *
nm_vpn_editor_plugin_factory (GError **error)
{
	g_return_val_if_fail (!error || !*error, NULL);

	bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
	bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
	return g_object_new (NM_TYPE_WGKS_EDITOR_PLUGIN, NULL);
}
