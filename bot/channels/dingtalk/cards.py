"""Buttons as DingTalk interactive cards (StandardCard): a button's id carries its `Button.data`, hex-encoded,
so a callback maps back to exactly what the engine sent, and a card needs no memory of its own."""

from __future__ import annotations

import secrets
from typing import Any

from bot.interview.types import Button

PREFIX = "nb_"


def card_id() -> str:
    return "nianbao_" + secrets.token_hex(12)


def button_id(data: str) -> str:
    return PREFIX + data.encode("utf-8").hex()


def button_data(action_id: str) -> str | None:
    """The Button.data of a pressed button's id, or None for an id this bot never made."""
    if not action_id.startswith(PREFIX):
        return None
    try:
        return bytes.fromhex(action_id[len(PREFIX):]).decode("utf-8")
    except ValueError:
        return None


def card(text: str, rows: list[list[Button]], chosen: str = "") -> dict[str, Any]:
    """The card's data: the text, then one action block per row of buttons (none once a choice is shown)."""
    contents: list[dict[str, Any]] = [{"type": "text", "text": text, "id": "text"}]
    if chosen:
        contents.append({"type": "text", "text": f"✔ {chosen}", "id": "chosen"})
    else:
        for r, row in enumerate(rows):
            actions = [
                {"type": "button", "label": {"type": "text", "text": b.label, "id": f"label_{r}_{i}"},
                 "actionType": "request", "status": "normal", "id": button_id(b.data)}
                for i, b in enumerate(row)
            ]
            contents.append({"type": "action", "actions": actions, "id": f"row_{r}"})
    return {"config": {"autoLayout": True, "enableForward": False}, "contents": contents}


def pressed(content: dict[str, Any]) -> str | None:
    """The Button.data of a card callback's content (`cardPrivateData.actionIds`)."""
    private = content.get("cardPrivateData") or {}
    for action_id in private.get("actionIds") or []:
        data = button_data(str(action_id))
        if data is not None:
            return data
    return None
