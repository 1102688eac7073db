"""Loaded by every Python process of a test's bot (PYTHONPATH): records each network connection or name
lookup that is not for this machine in $NIANBAO_TEST_NET_LOG, through Python's audit events (nothing is
patched; the process runs as it would)."""

import os
import sys

LOCAL = {"127.0.0.1", "localhost", "::1", "", None}


def _audit(event: str, args: tuple) -> None:  # type: ignore[type-arg]
    if event == "socket.connect":
        address = args[1]
        host = address[0] if isinstance(address, tuple) else None
    elif event == "socket.getaddrinfo":
        host = args[0].decode() if isinstance(args[0], bytes) else args[0]
    else:
        return
    if host not in LOCAL:
        with open(os.environ["NIANBAO_TEST_NET_LOG"], "a", encoding="utf-8") as log:
            log.write(f"{os.getpid()} {event} {host}\n")


if os.environ.get("NIANBAO_TEST_NET_LOG"):
    sys.addaudithook(_audit)
