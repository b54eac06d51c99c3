"""Exports: safeguarding records sealed to the facilitator's key, opened back
with `holdspace records open`, and a summary that names no one."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import msgpack
import pytest
from nacl.public import SealedBox
from nacl.signing import VerifyKey

from holdspace.client.identity import Identity, safety_code
from holdspace.client.events import Connected, DirectMessage, GroupMessage, Knock
from holdspace.console import records
from holdspace.console.config import ConsoleConfig, write_private
from holdspace.console.facilitator import SessionModel
from holdspace.console.safeguarding import SafeguardingLog
from tests.conftest import ManualClock

REPO = Path(__file__).resolve().parent.parent
T0 = 1_750_000_000.0


@pytest.fixture
def session_log():
    """A session with two members, a safeguarding record with consent, and stats."""
    clock = ManualClock(T0)
    model, log = SessionModel(), SafeguardingLog(ConsoleConfig(), clock=clock)
    sam, ana, kai = (Identity.generate().vk for _ in range(3))
    model.apply(Connected("facilitator", bytes(16), 0), T0)
    for vk, name in ((sam, "Samwise Quill"), (ana, "Anastasia Roe"), (kai, "Kai Lowe")):
        model.apply(Knock(vk, name, "holdspace/0.1", safety_code(vk)), T0)
    for vk in (sam, ana):
        model.note_admitted(vk, T0 + 1)
    model.note_denied(kai, T0 + 1)
    model.apply(GroupMessage(sam, "chat", {"text": "I want to kill myself tonight"}), T0 + 60)
    model.add_risk_cue(sam, "risk_to_self", "high", "I want to kill myself tonight", T0 + 60)
    model.apply(GroupMessage(ana, "hand", {"up": True}), T0 + 70)
    model.apply(DirectMessage(ana, "trigger", {"note": "my father's funeral"}), T0 + 80)
    model.apply(DirectMessage(ana, "help", {}), T0 + 90)
    model.apply(DirectMessage(ana, "step_out", {"note": "crying in the garden"}), T0 + 95)
    model.note_check_in_sent(ana, T0 + 100)
    model.apply(DirectMessage(ana, "check_in_reply", {"status": "support", "text": "not ok"}), T0 + 110)
    model.note_removed(ana, "A risk to others in the group", T0 + 200)
    record = log.open(sam, "Samwise Quill", "risk_to_self")
    clock.advance(120)
    log.tick(record, 0)
    record.note = "Spoke 1-to-1, calling the crisis line with him"
    log.ask_consent(record, "a crisis line", "I'm worried about you")
    log.consent_answered(sam, "yes", {"where": "14 Larch Lane", "contact": "Mo 07700 900456"})
    log.note_action(record, "crisis resources sent")
    return model, log, clock, (sam, ana, kai)


def test_records_round_trip_and_read_plainly(tmp_path, session_log):
    model, log, clock, _ = session_log
    me = Identity.generate()
    written = records.export(tmp_path, model=model, log=log, identity=me, records=True,
                             summary_too=False, clock=clock)
    assert written.summary is None and written.records.parent == tmp_path
    assert oct(written.records.stat().st_mode & 0o777) == "0o600"
    data = written.records.read_bytes()
    for secret in (b"Samwise", b"Larch Lane", b"crisis line", b"Spoke 1-to-1"):
        assert secret not in data

    payload = records.open_records(written.records, me)
    [record] = payload["records"]
    assert record["pseudonym"] == "Samwise Quill" and record["situation"] == "risk_to_self"
    assert record["steps"][0]["done_at"] == T0 + 120 and record["steps"][1]["done_at"] is None
    assert record["consents"][0]["answer"] == "yes"
    text = records.format_records(payload)
    for expected in ("Samwise Quill: Serious risk to themselves", "[x] Move to a private conversation",
                     "[ ] Explain your concern", "to contact a crisis line: yes",
                     "Where you are: 14 Larch Lane", "Who to contact: Mo 07700 900456",
                     "crisis resources sent", "Note: Spoke 1-to-1, calling the crisis line with him"):
        assert expected in text, expected

    again = records.export(tmp_path, model=model, log=log, identity=me, records=True,
                           summary_too=False, clock=clock)
    assert again.records != written.records  # an earlier export is never overwritten


def test_a_wrong_key_a_damaged_file_and_a_stranger_file_are_refused_plainly(tmp_path, session_log):
    model, log, clock, _ = session_log
    me = Identity.generate()
    path = records.export(tmp_path, model=model, log=log, identity=me, records=True,
                          summary_too=False, clock=clock).records
    with pytest.raises(records.RecordsError, match="different facilitator key"):
        records.open_records(path, Identity.generate())
    data = bytearray(path.read_bytes())
    data[-5] ^= 1
    damaged = tmp_path / "damaged"
    damaged.write_bytes(bytes(data))
    with pytest.raises(records.RecordsError, match="damaged"):
        records.open_records(damaged, me)
    stranger = tmp_path / "notes.txt"
    stranger.write_text("hello")
    with pytest.raises(records.RecordsError, match="not a holdspace records file"):
        records.open_records(stranger, me)
    with pytest.raises(records.RecordsError, match="no file"):
        records.open_records(tmp_path / "missing", me)


def test_no_records_means_no_records_file(tmp_path, session_log):
    model, _, clock, _ = session_log
    written = records.export(tmp_path, model=model, log=SafeguardingLog(ConsoleConfig()),
                             identity=Identity.generate(), records=True, summary_too=False,
                             clock=clock)
    assert written.records is None and list(tmp_path.iterdir()) == []


def test_the_summary_counts_everything_and_names_no_one(tmp_path, session_log):
    model, log, clock, members = session_log
    clock.advance(45 * 60)
    me = Identity.generate()
    path = records.export(tmp_path, model=model, log=log, identity=me, records=False,
                          summary_too=True, clock=clock).summary
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    data = path.read_bytes()
    summary = tomllib.loads(data.decode())
    assert summary["attendance"] == {"peak": 2, "joined": 2}
    assert summary["session"]["duration_minutes"] == 47
    assert summary["counts"] == {"hands_raised": 1, "step_outs": 1, "check_ins_sent": 1,
                                 "triggers": 1, "help_requests": 1}
    assert summary["check_in_replies"] == {"support": 1}
    assert summary["removals_by_reason"] == {"A risk to others in the group": 1}
    assert summary["safeguarding_by_situation"] == {"risk_to_self": 1}
    assert summary["consent_requests"] == {"asked": 1, "yes": 1, "no": 0, "unanswered": 0}
    assert summary["risk_cues_by_category"] == {"risk_to_self": 1}

    for name in (b"Samwise", b"Quill", b"Anastasia", b"Roe", b"Kai", b"Lowe", b"Mo "):
        assert name not in data
    for key in (*members, me.vk):
        for form in (key, key.hex().encode(), base64.urlsafe_b64encode(key).rstrip(b"="),
                     safety_code(key).encode()):
            assert form not in data
    for text in (b"kill myself", b"funeral", b"garden", b"not ok", b"Larch", b"Spoke", b"worried"):
        assert text not in data


def test_records_open_command_reads_with_the_key_in_the_config_dir(tmp_path, session_log, capsys):
    model, log, clock, _ = session_log
    me = Identity.generate()
    key_path = tmp_path / "config" / "holdspace" / "facilitator.key"
    write_private(key_path, me.seed)
    path = records.export(tmp_path, model=model, log=log, identity=me, records=True,
                          summary_too=False, clock=clock).records

    assert records.open_records_command(path, key_path) == 0
    assert "Samwise Quill: Serious risk to themselves" in capsys.readouterr().out
    assert records.open_records_command(path, tmp_path / "nokey") == 1
    assert "No facilitator key" in capsys.readouterr().out

    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config"), "HOME": str(tmp_path)}
    run = subprocess.run([sys.executable, "-m", "holdspace.cli", "records", "open", str(path)],
                         cwd=REPO, env=env, capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stderr
    assert "Samwise Quill: Serious risk to themselves" in run.stdout
    assert "Where you are: 14 Larch Lane" in run.stdout

    (tmp_path / "config" / "holdspace" / "facilitator.key").write_bytes(Identity.generate().seed)
    refused = subprocess.run([sys.executable, "-m", "holdspace.cli", "records", "open", str(path)],
                             cwd=REPO, env=env, capture_output=True, text=True, timeout=30)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr + refused.stdout
    assert "different facilitator key" in refused.stdout


def _forge(facilitator_vk: bytes, inner: bytes, magic: bytes = records.MAGIC) -> bytes:
    """A records file made with nothing but the facilitator's public key (it is in
    every invite link), as a reviewer did: seal to it, with the right fingerprint."""
    public = VerifyKey(facilitator_vk).to_curve25519_public_key()
    return magic + records._fingerprint(public) + bytes(SealedBox(public).encrypt(inner))


def test_a_file_forged_with_only_the_public_key_is_refused(tmp_path, session_log, capsys):
    me = Identity.generate()
    key_path = tmp_path / "facilitator.key"
    write_private(key_path, me.seed)
    fake = {"v": 2, "exported_at": T0, "records": [{
        "id": 1, "pseudonym": "Kai Lowe", "situation": "risk_to_others", "opened_at": T0,
        "steps": [], "note": "Kai threatened the group", "consents": [], "actions": []}]}
    body = msgpack.packb(fake, use_bin_type=True)
    forger = Identity.generate()
    forgeries = {
        # signed, but by the forger's own key
        "forger-signed": _forge(me.vk, msgpack.packb(
            {"sig": forger.signing_key.sign(records.SIGNED_CONTEXT + body).signature, "body": body},
            use_bin_type=True)),
        # a signature of the right length that is no signature
        "garbage-sig": _forge(me.vk, msgpack.packb({"sig": bytes(64), "body": body}, use_bin_type=True)),
        # the old unsigned format, as the reviewer's forgery was
        "unsigned": _forge(me.vk, body, records.UNSIGNED_MAGIC),
    }
    for name, data in forgeries.items():
        path = tmp_path / f"{name}{records.RECORDS_SUFFIX}"
        path.write_bytes(data)
        assert records.open_records_command(path, key_path) == 1, name
        out = capsys.readouterr().out
        assert "Kai" not in out and "Traceback" not in out, name
        assert ("not signed by your facilitator key" in out if name != "unsigned"
                else "not signed, so it cannot be shown as genuine" in out), (name, out)

    # The console's own export, sealed and signed the same way, still opens.
    model, log, clock, _ = session_log
    genuine = records.export(tmp_path, model=model, log=log, identity=me, records=True,
                             summary_too=False, clock=clock).records
    assert records.open_records_command(genuine, key_path) == 0
    assert "Samwise Quill" in capsys.readouterr().out


def test_a_signature_binds_the_whole_export(tmp_path, session_log):
    """Records re-sealed after an edit keep no valid signature."""
    model, log, clock, _ = session_log
    me = Identity.generate()
    data = records.seal_records(log, me, T0)
    head = len(records.MAGIC) + records.FINGERPRINT_LEN
    inner = msgpack.unpackb(SealedBox(me.box_secret).decrypt(data[head:]), raw=False)
    payload = msgpack.unpackb(inner["body"], raw=False)
    payload["records"][0]["note"] = "nothing happened"
    inner["body"] = msgpack.packb(payload, use_bin_type=True)
    edited = tmp_path / "edited"
    edited.write_bytes(_forge(me.vk, msgpack.packb(inner, use_bin_type=True)))
    with pytest.raises(records.RecordsError, match="not signed by your facilitator key"):
        records.open_records(edited, me)
