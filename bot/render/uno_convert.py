"""The converter in front of a warm LibreOffice: run by the system Python (which has `uno`, Debian's
python3-uno), never imported by the bot. Connects to the `soffice --accept=pipe,...` that
bot/render/warm.py started, then converts one .docx to PDF per line read from stdin:
`{"in": "/path/a.docx", "out": "/path/a.pdf"}` → `{"ok": true}` or `{"error": "..."}` on stdout.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time

import uno  # type: ignore[import-not-found]  # Debian's python3-uno: run by the system python, never installed in the venv
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]  # LibreOffice's UNO types, made at run time

CONNECT_S = 60


def props(**values: object) -> tuple[object, ...]:
    out = []
    for name, value in values.items():
        prop = PropertyValue()
        prop.Name, prop.Value = name, value
        out.append(prop)
    return tuple(out)


def connect(pipe: str) -> object:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + CONNECT_S
    while True:
        try:
            context = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            return context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
        except Exception:  # not listening yet
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def convert(desktop: object, source: str, target: str) -> None:
    document = desktop.loadComponentFromURL(uno.systemPathToFileUrl(source), "_blank", 0, props(Hidden=True, ReadOnly=True))  # type: ignore[attr-defined]  # UNO objects are dynamic
    if document is None:
        raise RuntimeError("LibreOffice could not load the document")
    try:
        document.storeToURL(uno.systemPathToFileUrl(target), props(FilterName="writer_pdf_Export"))
    finally:
        document.close(True)


def main() -> None:
    desktop = connect(sys.argv[1])
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        try:
            request = json.loads(line)
            convert(desktop, request["in"], request["out"])
            answer: dict[str, object] = {"ok": True}
        except Exception as exc:  # told to the bot, which falls back to a cold conversion
            answer = {"error": f"{type(exc).__name__}: {exc}"[:300]}
        print(json.dumps(answer), flush=True)
    # stdin closed: the bot stopped (or died); LibreOffice goes with it
    with contextlib.suppress(Exception):
        desktop.terminate()  # type: ignore[attr-defined]  # UNO objects are dynamic


if __name__ == "__main__":
    main()
