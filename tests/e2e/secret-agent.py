#!/usr/bin/python3
# A NetworkManager secret agent for the adopt test: it owns the private key
# of native WireGuard profiles whose wireguard.private-key-flags say
# "agent-owned", as GNOME Shell's agent does, and logs every request.
#
# usage: secret-agent.py KEYFILE LOG
import sys

import gi

gi.require_version("NM", "1.0")
from gi.repository import GLib, NM  # noqa: E402


class Agent(NM.SecretAgentOld):
    def __init__(self, key, log):
        super().__init__(identifier="org.wgks.test.agent", auto_register=False)
        self.key = key
        self.log = log

    def note(self, text):
        with open(self.log, "a") as f:
            f.write(text + "\n")

    def do_get_secrets(self, connection, path, setting_name, hints, flags, callback, *data):
        self.note("GetSecrets %s %s %s" % (connection.get_id(), setting_name, int(flags)))
        if setting_name == NM.SETTING_WIREGUARD_SETTING_NAME:
            secrets = GLib.Variant("a{sa{sv}}", {
                setting_name: {NM.SETTING_WIREGUARD_PRIVATE_KEY: GLib.Variant("s", self.key)}})
        else:
            secrets = GLib.Variant("a{sa{sv}}", {})
        callback(self, connection, secrets, None, *data)

    def do_save_secrets(self, connection, path, callback, *data):
        self.note("SaveSecrets %s" % connection.get_id())
        callback(self, connection, None, *data)

    def do_delete_secrets(self, connection, path, callback, *data):
        callback(self, connection, None, *data)

    def do_cancel_get_secrets(self, path, setting_name):
        pass


def main():
    key = open(sys.argv[1]).read().strip()
    agent = Agent(key, sys.argv[2])
    agent.init(None)
    agent.register(None)
    print("registered", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
