/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NM_WGKS_EDITOR_PLUGIN_H
#define NM_WGKS_EDITOR_PLUGIN_H

#include <NetworkManager.h>

#define NM_TYPE_WGKS_EDITOR_PLUGIN (nm_wgks_editor_plugin_get_type ())
G_DECLARE_FINAL_TYPE (NMWgksEditorPlugin, nm_wgks_editor_plugin, NM, WGKS_EDITOR_PLUGIN, GObject)

/* The one exported symbol (see libnm-vpn-plugin-wireguard-killswitch.ver). */
NMVpnEditorPlugin *nm_vpn_editor_plugin_factory (GError **error);

/* Signature of the function the GTK editor libraries export. */
typedef NMVpnEditor *(*NMWgksEditorFactory) (NMVpnEditorPlugin *plugin, NMConnection *connection,
                                             GError **error);
#define NM_WGKS_EDITOR_FACTORY_SYMBOL "nm_wgks_editor_new"

#endif
