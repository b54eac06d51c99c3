"""Feeding the facilitator's session model by name and plain-number time: knock, seat, direct, group, say; what it shows."""

from __future__ import annotations

from holdspace.client.events import DirectMessage, GroupMessage, Knock
from holdspace.console.facilitator import Kind, SessionModel


CODE = "1234 5678 9012"
FACILITATOR = b"F" * 32


def vk_of(name: str) -> bytes:
    return name.encode().ljust(32, b".")


def knock(m: SessionModel, name: str, t: float, agree: bool = False) -> bytes:
    vk = vk_of(name)
    m.apply(Knock(vk, name, "test", CODE), t)
    if agree:
        direct(m, vk, "agree", t)
    return vk


def seat(m: SessionModel, name: str, t: float = 0) -> bytes:
    vk = knock(m, name, t, agree=True)
    m.note_admitted(vk, t)
    return vk


def direct(m: SessionModel, vk: bytes, kind: str, t: float, **body) -> None:
    m.apply(DirectMessage(vk, kind, body), t)


def group(m: SessionModel, vk: bytes, kind: str, t: float, **body) -> None:
    m.apply(GroupMessage(vk, kind, body), t)


def kinds(m: SessionModel, t: float) -> list[Kind]:
    return [item.kind for item in m.attention(t)]


def only(m: SessionModel, t: float):
    items = m.attention(t)
    assert len(items) == 1, items
    return items[0]


def say(m: SessionModel, vk: bytes, words: int, t: float = 1) -> None:
    group(m, vk, "chat", t, text=" ".join(["word"] * words))
