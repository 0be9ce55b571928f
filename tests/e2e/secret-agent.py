#!/usr/bin/python3
# A NetworkManager secret agent for the adopt test that behaves like a
# desktop's keyring agent (GNOME Shell, nm-applet): it keeps the agent-owned
# secrets NetworkManager hands it with SaveSecrets, per profile and setting,
# in memory, and gives them back on GetSecrets. It logs the names of the
# keys it saves and returns, never their values. It speaks NetworkManager's
# SecretAgent D-Bus interface itself (Gio): python-gi cannot complete
# libnm's NM.SecretAgentOld callbacks (their error argument is not nullable).
#
# usage: secret-agent.py LOG
import sys

from gi.repository import Gio, GLib

# NetworkManager's org.freedesktop.NetworkManager.SecretAgent: in and out arguments
METHODS = {
    "GetSecrets": ("a{sa{sv}} o s as u", "a{sa{sv}}"),
    "CancelGetSecrets": ("o s", ""),
    "SaveSecrets": ("a{sa{sv}} o", ""),
    "DeleteSecrets": ("a{sa{sv}} o", ""),
}
IFACE = "<node><interface name='org.freedesktop.NetworkManager.SecretAgent'>%s</interface></node>" % "".join(
    "<method name='%s'>%s%s</method>" % (
        m, "".join("<arg type='%s' direction='in'/>" % t for t in ins.split()),
        "".join("<arg type='%s' direction='out'/>" % t for t in outs.split()))
    for m, (ins, outs) in METHODS.items())


def setting_dicts(variant):
    """a{sa{sv}} -> {setting: {key: GLib.Variant}}"""
    out = {}
    for i in range(variant.n_children()):
        entry = variant.get_child_value(i)
        sub = entry.get_child_value(1)
        keys = {}
        for j in range(sub.n_children()):
            kv = sub.get_child_value(j)
            keys[kv.get_child_value(0).get_string()] = kv.get_child_value(1).get_variant()
        out[entry.get_child_value(0).get_string()] = keys
    return out


def secrets_only(setting, keys):
    """The secrets among a setting's keys (SaveSecrets gets the whole profile)."""
    out = {}
    for k, v in keys.items():
        if setting == "vpn" and k == "secrets" and v.unpack():
            out[k] = v
        elif setting == "wireguard" and k == "private-key":
            out[k] = v
        elif setting == "wireguard" and k == "peers" and any("preshared-key" in p for p in v.unpack()):
            out[k] = v
    return out


def key_names(keys):
    names = []
    for k, v in sorted(keys.items()):
        names += ["%s.%s" % (k, n) for n in sorted(v.unpack())] if k == "secrets" else [k]
    return ",".join(names) or "-"


class Agent:
    def __init__(self, log):
        self.log = log
        self.store = {}  # (uuid, setting) -> {key: GLib.Variant}

    def note(self, text):
        with open(self.log, "a") as f:
            f.write(text + "\n")

    def call(self, conn, sender, path, iface, method, params, invocation):
        if method == "GetSecrets":
            profile = setting_dicts(params.get_child_value(0))["connection"]
            setting, flags = params.get_child_value(2).get_string(), params.get_child_value(4).get_uint32()
            keys = self.store.get((profile["uuid"].get_string(), setting), {})
            self.note("GetSecrets %s %s flags=%d -> %s" % (profile["id"].get_string(), setting, flags, key_names(keys)))
            invocation.return_value(GLib.Variant("(a{sa{sv}})", ({setting: keys},)))
            return
        if method == "SaveSecrets":
            settings = setting_dicts(params.get_child_value(0))
            for setting, keys in settings.items():
                keys = secrets_only(setting, keys)
                if keys:
                    self.store[(settings["connection"]["uuid"].get_string(), setting)] = keys
                    self.note("SaveSecrets %s %s: %s" % (settings["connection"]["id"].get_string(), setting,
                                                         key_names(keys)))
        elif method == "DeleteSecrets":
            uuid = setting_dicts(params.get_child_value(0))["connection"]["uuid"].get_string()
            for k in [k for k in self.store if k[0] == uuid]:
                del self.store[k]
        invocation.return_value(None)


def main():
    agent = Agent(sys.argv[1])
    bus = Gio.bus_get_sync(Gio.BusType.SYSTEM, None)
    info = Gio.DBusNodeInfo.new_for_xml(IFACE).interfaces[0]
    bus.register_object("/org/freedesktop/NetworkManager/SecretAgent", info, agent.call, None, None)
    bus.call_sync("org.freedesktop.NetworkManager", "/org/freedesktop/NetworkManager/AgentManager",
                  "org.freedesktop.NetworkManager.AgentManager", "Register",
                  GLib.Variant("(s)", ("org.wgks.test.agent",)), None, Gio.DBusCallFlags.NONE, -1, None)
    print("registered", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
