"""Hostile relay: it sees no text, name or key, and honest traffic passes through it unchanged."""

from __future__ import annotations

from holdspace.client import events as ev
from holdspace.client.identity import Identity, b64e, make_box
from holdspace.client.invites import InviteLink
from holdspace.client.facilitator_session import FacilitatorSession
from tests.relay_forgery import finish, vk
from tests.session_helpers import FAST, Watcher, open_room, seat, texts


# --- (h) the relay reads nothing ---------------------------------------------------------


async def test_the_relay_sees_no_text_name_or_key(proxy):
    fac = FacilitatorSession(proxy.url, Identity.generate(), name="Facilitator Wren Okafor",
                             agreement="Confidentiality: what is shared stays in the group.",
                             resources="Samaritans: call 116 123 any time.", **FAST)
    fw = Watcher(fac)
    assert isinstance(await fac.start(), ev.Connected)
    link: InviteLink = await fac.create_invite()
    keys: set[bytes] = {fac.verifier.keys.current}
    sam, sw = await seat(fac, fw, link, "Samantha Quillfeather")
    keys.add(fac.verifier.keys.current)
    ana, aw = await seat(fac, fw, link, "Anastasia Brightwater")
    keys.add(fac.verifier.keys.current)

    secrets_said = [
        "I relapsed on Tuesday and haven't told my sponsor",
        "My brother's name is Jonathan and he hurt me",
        "the bridge on Miller Street",
        "I've been feeling unsafe at home lately",
        "Thank you for trusting the group with that",
        "We will take a five minute break",
        "getting some air by the window",
        "I'm not doing well honestly",
    ]
    await sam.chat(secrets_said[0], cw="relapse mention")
    await ana.chat(secrets_said[1])
    await sam.trigger(secrets_said[2])
    await fac.private(vk(sam), secrets_said[4])
    await sam.private(secrets_said[3])
    await fac.notice(secrets_said[5])
    await ana.step_out(secrets_said[6])
    await fac.check_in(vk(ana), "Checking in on you")
    await aw.expect(ev.DirectMessage, lambda e: e.kind == "check_in")
    await ana.check_in_reply("support", secrets_said[7])
    await fw.expect(ev.DirectMessage, lambda e: e.kind == "check_in_reply")
    await sw.expect(ev.DirectMessage, lambda e: e.kind == "private")
    await sw.expect(ev.GroupMessage, lambda e: e.kind == "notice")
    await ana.leave()
    await sw.expect(ev.GroupMessage, lambda e: e.kind == "roster" and len(e.body["members"]) == 2)
    keys.add(fac.verifier.keys.current)
    assert len(keys) == 4
    # Everyone did get everything: the scan below covers real traffic.
    assert set(secrets_said[:2]) <= set(texts(sw))

    blob = proxy.everything()
    assert vk(sam) in blob  # the relay does see keys' public halves, by design
    visible = [text for text in [*secrets_said, fac.name, sam.name, ana.name, "relapse mention",
                                 fac.agreement, fac.resources, "Checking in on you",
                                 "Samantha", "Anastasia", "Quillfeather", "Okafor"]
               if text.encode() in blob]
    assert visible == []
    for secret in keys:
        assert secret not in blob
    for party in (fac, sam, ana):
        assert party.identity.seed not in blob
        assert bytes(party.identity.box_secret) not in blob
    for member in (sam, ana):
        assert make_box(fac.identity, vk(member)).shared_key() not in blob
    # The link's fragment (facilitator pin and invite secret) never travels in a request.
    assert link.link.split("#", 1)[1].encode() not in blob
    assert b64e(link.secret).encode() not in blob
    await finish(fac, sam)


async def test_the_hostile_relay_passes_honest_traffic(proxy):
    # The control for every test above: with no hook, the proxy changes nothing.
    fac, fw, link = await open_room(proxy.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    await fac.chat("hello through the proxy")
    await sw.expect(ev.GroupMessage, lambda e: e.kind == "chat")
    await sam.private("hello back")
    await fw.expect(ev.DirectMessage, lambda e: e.kind == "private")
    assert sw.of(ev.Rejected) == [] and fw.of(ev.Rejected) == []
    assert sw.of(ev.Gap) == [] and fw.of(ev.Gap) == []
    assert proxy.link_of(vk(sam)).vk == vk(sam) and len(proxy.links) == 2
    await fac.remove(vk(sam))
    ended = await sw.expect(ev.SessionEnded)
    assert ended.reason == "removed"  # close codes pass through the proxy
    await fac.close_room()
