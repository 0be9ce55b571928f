#!/usr/bin/python3
# A notification server (org.freedesktop.Notifications) for the notifier's
# test: it records every Notify and CloseNotification as one JSON line
# (with the time it arrived) and, on request, emits ActionInvoked as a
# user's click would.
#
# usage: notify-recorder.py LOG
#   Invoke a button:  dbus-send --session --dest=org.freedesktop.Notifications \
#       /org/freedesktop/Notifications org.wgks.Test.Invoke uint32:ID string:ACTION
import json
import sys
import time

import dbus
import dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

IFACE = "org.freedesktop.Notifications"


class Server(dbus.service.Object):
    def __init__(self, bus, log):
        super().__init__(bus, "/org/freedesktop/Notifications")
        self.log = log
        self.next_id = 1

    def record(self, **entry):
        entry["time"] = time.time()
        with open(self.log, "a") as f:
            f.write(json.dumps(entry) + "\n")

    @dbus.service.method(IFACE, in_signature="susssasa{sv}i", out_signature="u")
    def Notify(self, app, replaces_id, icon, summary, body, actions, hints, timeout):
        nid = int(replaces_id) or self.next_id
        if nid == self.next_id:
            self.next_id += 1
        self.record(call="Notify", id=nid, app=str(app), summary=str(summary), body=str(body),
                    actions=[str(a) for a in actions],
                    urgency=int(hints.get("urgency", -1)))
        return dbus.UInt32(nid)

    @dbus.service.method(IFACE, in_signature="u", out_signature="")
    def CloseNotification(self, nid):
        self.record(call="CloseNotification", id=int(nid))
        self.NotificationClosed(nid, dbus.UInt32(3))

    @dbus.service.method(IFACE, in_signature="", out_signature="as")
    def GetCapabilities(self):
        return ["actions", "body", "persistence"]

    @dbus.service.method(IFACE, in_signature="", out_signature="ssss")
    def GetServerInformation(self):
        return ["wgks-notify-recorder", "test", "1", "1.2"]

    @dbus.service.signal(IFACE, signature="us")
    def ActionInvoked(self, nid, action):
        pass

    @dbus.service.signal(IFACE, signature="uu")
    def NotificationClosed(self, nid, reason):
        pass

    @dbus.service.method("org.wgks.Test", in_signature="us", out_signature="")
    def Invoke(self, nid, action):
        self.record(call="ActionInvoked", id=int(nid), action=str(action))
        self.ActionInvoked(nid, action)
        # as servers do without the "resident" hint: a click closes it
        self.record(call="ClosedByServer", id=int(nid))
        self.NotificationClosed(nid, dbus.UInt32(2))


def main():
    DBusGMainLoop(set_as_default=True)
    bus = dbus.SessionBus()
    name = dbus.service.BusName(IFACE, bus, do_not_queue=True)
    Server(bus, sys.argv[1])
    print("ready", flush=True)
    loop = GLib.MainLoop()
    try:
        loop.run()
    finally:
        del name


if __name__ == "__main__":
    main()
