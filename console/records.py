"""The only files the console writes about a session, and only when asked.

- Safeguarding records: signed with the facilitator's Ed25519 key, then sealed
  (SealedBox) to their own X25519 key derived from it, so only that key opens
  them (``holdspace records open FILE``) and only a file that key signed is
  shown: anyone can seal a file to a public key (it is in every invite link),
  nobody else can sign it.
- A de-identified summary for supervision (TOML): counts only. No names or
  pseudonyms, no keys, no message text, no notes.

UI-free: the console's export screen calls ``export``; the command line calls
``open_records_command``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgpack
import nacl.encoding
import nacl.exceptions
import tomli_w
from nacl.hash import blake2b
from nacl.public import PublicKey, SealedBox
from nacl.signing import VerifyKey

from holdspace.client.display import clean_block
from holdspace.client.identity import Identity
from holdspace.console.config import ConfigError, config_dir, load_identity, write_private
from holdspace.console.facilitator import SessionModel
from holdspace.console.safeguarding import SITUATIONS, Record, SafeguardingLog, shown_details

MAGIC = b"holdspace-records/2\n"
UNSIGNED_MAGIC = b"holdspace-records/1\n"  # before records were signed: refused
SIGNED_CONTEXT = b"holdspace/records/v2"  # bound into the signature: it signs records, nothing else
FINGERPRINT_LEN = 8
RECORDS_SUFFIX = ".hsrecords"


class RecordsError(Exception):
    """A records file cannot be opened; the message is for the facilitator."""


# --- safeguarding records ------------------------------------------------------------


def _fingerprint(public_key: PublicKey) -> bytes:
    # Lets "wrong key" be told apart from "damaged file" without storing the key.
    return blake2b(b"holdspace-records-key" + bytes(public_key), digest_size=FINGERPRINT_LEN,
                   encoder=nacl.encoding.RawEncoder)


def record_dict(record: Record) -> dict[str, Any]:
    """A record as stored in the sealed file. The member's session key is left
    out: the pseudonym is all a later reader needs."""
    return {
        "id": record.id,
        "pseudonym": record.pseudonym,
        "situation": record.situation,
        "opened_at": record.opened_at,
        "steps": [{"text": s.text, "done_at": s.done_at} for s in record.steps],
        "note": record.note,
        "consents": [{"asked_at": c.asked_at, "contact": c.contact, "reason": c.reason,
                      "answer": c.answer, "answered_at": c.answered_at, "details": c.details}
                     for c in record.consents],
        "actions": [{"at": at, "what": what} for at, what in record.actions],
    }


def seal_records(log: SafeguardingLog, identity: Identity, now: float) -> bytes:
    public_key = identity.box_secret.public_key
    payload = {"v": 2, "exported_at": now, "records": [record_dict(r) for r in log.records]}
    body = msgpack.packb(payload, use_bin_type=True)
    signature = identity.signing_key.sign(SIGNED_CONTEXT + body).signature
    inner = msgpack.packb({"sig": signature, "body": body}, use_bin_type=True)
    return MAGIC + _fingerprint(public_key) + bytes(SealedBox(public_key).encrypt(inner))


def unseal_records(data: bytes, identity: Identity) -> dict[str, Any]:
    if data.startswith(UNSIGNED_MAGIC):
        raise RecordsError("This records file is not signed, so it cannot be shown as genuine: "
                           "anyone who has your public key could have made it. Files exported by "
                           "this version of holdspace are signed.")
    if not data.startswith(MAGIC):
        raise RecordsError("This is not a holdspace records file.")
    head = len(MAGIC) + FINGERPRINT_LEN
    secret = identity.box_secret
    if data[len(MAGIC):head] != _fingerprint(secret.public_key):
        raise RecordsError("This file was exported with a different facilitator key. It opens "
                           "only on the account whose console exported it.")
    damaged = RecordsError("This records file is damaged and cannot be opened.")
    try:
        inner = msgpack.unpackb(SealedBox(secret).decrypt(data[head:]), raw=False)
    except (nacl.exceptions.CryptoError, ValueError, msgpack.UnpackException) as exc:
        raise damaged from exc
    if not isinstance(inner, dict) or not isinstance(inner.get("body"), bytes) \
            or not isinstance(inner.get("sig"), bytes):
        raise damaged
    try:
        VerifyKey(identity.vk).verify(SIGNED_CONTEXT + inner["body"], inner["sig"])
    except (nacl.exceptions.BadSignatureError, ValueError, TypeError) as exc:
        raise RecordsError("This records file was not signed by your facilitator key, so it was "
                           "not exported by your console: it may be forged. It is not shown.") from exc
    try:
        payload = msgpack.unpackb(inner["body"], raw=False)
    except (ValueError, msgpack.UnpackException) as exc:
        raise damaged from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("records"), list):
        raise damaged
    return payload


def open_records(path: Path, identity: Identity) -> dict[str, Any]:
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise RecordsError(f"There is no file at {path}.") from exc
    except OSError as exc:
        raise RecordsError(f"{path} could not be read ({exc.strerror}).") from exc
    return unseal_records(data, identity)


def _when(moment: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(moment)) if moment else ""


def format_records(payload: dict[str, Any]) -> str:
    """The records as a facilitator (or their safeguarding lead) reads them."""
    records = payload["records"]
    lines = [f"Safeguarding records exported {_when(payload.get('exported_at'))}: {len(records)}"]
    for r in records:
        lines += ["", f"#{r['id']}  {r['pseudonym']}: {SITUATIONS.get(r['situation'], r['situation'])}"
                      f" (opened {_when(r['opened_at'])})", "Steps:"]
        for step in r["steps"]:
            done = f"done {_when(step['done_at'])}" if step["done_at"] else "not done"
            lines.append(f"  [{'x' if step['done_at'] else ' '}] {step['text']} ({done})")
        for c in r["consents"]:
            answer = {"yes": "yes", "no": "no"}.get(c["answer"], "no answer")
            lines.append(f"Consent asked {_when(c['asked_at'])} to contact "
                         f"{c['contact'] or 'someone who can help'}: {answer}"
                         + (f" ({_when(c['answered_at'])})" if c["answered_at"] else ""))
            if c["details"]:
                lines += ["  " + line for line in shown_details(c["details"]).splitlines()]
        if r["actions"]:
            lines.append("Actions:")
            lines += [f"  {_when(a['at'])}  {a['what']}" for a in r["actions"]]
        lines.append(f"Note: {r['note']}" if r["note"] else "Note: (none)")
    return "\n".join(lines)


def open_records_command(path: Path, key_path: Path | None = None) -> int:
    """`holdspace records open FILE`: print the records, or say plainly why not."""
    key_path = key_path or config_dir() / "facilitator.key"
    if not key_path.exists():
        print(f"No facilitator key at {key_path}. Records open only on the account whose "
              "console exported them.")
        return 1
    try:
        # Names, notes and details came from the network once: no control characters.
        print(clean_block(format_records(open_records(path, load_identity(key_path)))))
    except (RecordsError, ConfigError) as exc:
        print(exc)
        return 1
    return 0


# --- the de-identified summary ------------------------------------------------------------


def summary(model: SessionModel, log: SafeguardingLog, now: float) -> dict[str, Any]:
    """Counts that identify nobody (DESIGN.md: statistics are not confidential)."""
    stats = model.stats
    started = model.started_at if model.started_at is not None else now
    return {
        "session": {
            "date": time.strftime("%Y-%m-%d", time.localtime(started)),
            "duration_minutes": round(model.duration(now) / 60),
        },
        "attendance": {
            "peak": stats.peak_attendance,
            "joined": sum(1 for p in model.participants.values() if p.joined_at is not None),
        },
        "counts": {
            "hands_raised": stats.hands_raised,
            "step_outs": stats.step_outs,
            "check_ins_sent": stats.check_ins_sent,
            "triggers": stats.triggers,
            "help_requests": stats.help_requests,
        },
        "check_in_replies": dict(stats.check_in_replies),
        "removals_by_reason": dict(stats.removals),
        "safeguarding_by_situation": log.counts_by_situation(),
        "consent_requests": log.consent_counts(),
        "risk_cues_by_category": dict(stats.risk_cues),
    }


# --- writing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Written:
    records: Path | None = None
    summary: Path | None = None


def _free_path(folder: Path, stem: str, suffix: str) -> Path:
    path = folder / f"{stem}{suffix}"
    n = 2
    while path.exists():  # never overwrite an earlier export
        path = folder / f"{stem}-{n}{suffix}"
        n += 1
    return path


def export(folder: Path, *, model: SessionModel, log: SafeguardingLog, identity: Identity,
           records: bool, summary_too: bool, clock: Callable[[], float] = time.time) -> Written:
    """Write what the facilitator chose into ``folder`` (0600 files)."""
    now = clock()
    stamp = time.strftime("%Y-%m-%d-%H%M", time.localtime(now))
    records_path = summary_path = None
    if records and log.records:
        records_path = _free_path(folder, f"holdspace-records-{stamp}", RECORDS_SUFFIX)
        write_private(records_path, seal_records(log, identity, now))
    if summary_too:
        summary_path = _free_path(folder, f"holdspace-summary-{stamp}", ".toml")
        write_private(summary_path, tomli_w.dumps(summary(model, log, now)).encode())
    return Written(records_path, summary_path)
