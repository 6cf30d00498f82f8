"""A stand-in for the desktop's notification daemon on a private session bus (jeepney).

    python -m tests.ui.fake_notifications LOG

Owns org.freedesktop.Notifications, answers Introspect/GetCapabilities/Notify as the
Desktop Notifications spec says (Notify must come as `susssasa{sv}i`), writes each Notify as a
JSON line to LOG and then "clicks" it: emits ActionInvoked(id, "default").
"""

from __future__ import annotations

import json
import sys

from jeepney import DBusAddress, HeaderFields, MessageType, new_error, new_method_return, new_signal
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection

SERVICE = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"
SIGNATURE = "susssasa{sv}i"
INTROSPECTION = f"""<node><interface name="{SERVICE}">
<method name="Notify"><arg type="s"/><arg type="u"/><arg type="s"/><arg type="s"/>
<arg type="s"/><arg type="as"/><arg type="a{{sv}}"/><arg type="i"/>
<arg type="u" direction="out"/></method>
<method name="GetCapabilities"><arg type="as" direction="out"/></method>
<signal name="ActionInvoked"><arg type="u"/><arg type="s"/></signal>
</interface></node>"""


def main(log_path: str) -> None:
    conn = open_dbus_connection("SESSION")
    conn.send_and_get_reply(message_bus.RequestName(SERVICE), timeout=5)
    print("ready", flush=True)
    emitter = DBusAddress(PATH, interface=SERVICE)
    count = 0
    while True:
        message = conn.receive()
        if message.header.message_type != MessageType.method_call:
            continue
        member = message.header.fields.get(HeaderFields.member)
        signature = message.header.fields.get(HeaderFields.signature, "")
        if member == "Introspect":
            conn.send(new_method_return(message, "s", (INTROSPECTION,)))
        elif member == "GetCapabilities":
            conn.send(new_method_return(message, "as", (["actions", "body"],)))
        elif member == "Notify" and signature == SIGNATURE:
            count += 1
            app, _replaces, icon, summary, body, actions, hints, _timeout = message.body
            with open(log_path, "a", encoding="utf-8") as log:
                record = {"id": count, "app": app, "icon": icon, "summary": summary}
                record.update(body=body, actions=actions, hints={k: v[1] for k, v in hints.items()})
                log.write(json.dumps(record) + "\n")
            conn.send(new_method_return(message, "u", (count,)))
            conn.send(new_signal(emitter, "ActionInvoked", "us", (count, "default")))
        else:
            conn.send(
                new_error(message, "org.freedesktop.DBus.Error.InvalidArgs", "s", (signature,))
            )


if __name__ == "__main__":
    main(sys.argv[1])
