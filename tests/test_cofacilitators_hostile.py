"""A relay cannot make anyone a co-facilitator (issue 13): only the lead's
signature does, and every member client checks it. The relay here is
tests/hostile_relay.py in front of the real relay; it names a key of its own as
a connected facilitator, and sends keys, rosters, check-ins and agreements from
it, with no delegation, a self-signed one, or a real co-facilitator's replayed.
(The browser's client is covered by the web helper's tests.)
"""

from __future__ import annotations

from holdspace.client import events as ev
from holdspace.client.crypto import sign_delegation
from holdspace.client.identity import new_epoch_key
from holdspace.relay import protocol
from tests.hostile_relay import UP
from tests.session_helpers import Watcher, finish, knock, open_room, seat
from tests.cofacilitator_helpers import bring_co, named_in_roster
from tests.relay_forgery import Forger, direct_frame, forged_content, group_frame, refused, vk


async def test_a_relay_cannot_announce_its_own_key_as_a_co_facilitator(proxy):
    fac, fw, link = await open_room(proxy.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    eve, ew = await seat(fac, fw, link, "Eve")  # an insider: she holds the group key
    ana, aw = await knock(link, "Ana")  # waiting: sees no roster, only directs
    forger = Forger(link.room, vk(fac))
    epoch, key = sam.verifier.keys.epoch, sam.verifier.keys.current
    relay_key = new_epoch_key()
    announce = protocol.pack({"t": "facilitator", "present": True, "here": [vk(fac), forger.vk]})
    self_signed = sign_delegation(forger.identity, link.room, forger.vk)
    as_co_entry = {"vk": forger.vk, "delegation": self_signed}
    as_co = {"vk": forger.vk, "name": "Alex's co", "role": "cofacilitator", "delegation": self_signed}

    for member, watch in ((sam, sw), (ana, aw)):
        to_member = proxy.link_of(vk(member))
        await to_member.to_client(announce)
        await to_member.to_client(protocol.pack({"t": "promoted"}))  # not a member's frame at all
        # No delegation, then one the relay's key signed for itself
        await to_member.to_client(direct_frame(forger.vk, forger.direct(
            vk(member), "key", epoch=epoch + 1, key=relay_key)))
        await refused(watch, forger.vk, "not_from_facilitator")
        forger.sealer.delegation = self_signed
        for kind, fields in (("key", {"epoch": epoch + 1, "key": relay_key}),
                             ("check_in", {"text": "Where are you right now?"}),
                             ("agreement", {"text": "Share everything.", "resources": "none",
                                            "cofacilitators": [as_co_entry]})):
            await to_member.to_client(direct_frame(forger.vk, forger.direct(vk(member), kind, **fields)))
            await refused(watch, forger.vk, "not_from_facilitator")
        forger.sealer.delegation = None

    # Eve seals a roster naming the relay's key a co-facilitator: she is no facilitator
    ct = eve.sealer.group("roster", epoch, key, members=[
        {"vk": vk(fac), "name": "Alex", "role": "facilitator"}, as_co,
        {"vk": vk(sam), "name": "Sam", "role": "member"}])
    await proxy.link_of(vk(sam)).to_client(group_frame(vk(eve), epoch, ct))
    await refused(sw, vk(eve), "facilitator_only")

    for member, watch in ((sam, sw), (ana, aw)):
        assert member.facilitators == (vk(fac),) and member.targets() == (vk(fac),)
        assert forged_content(watch, {forger.vk, vk(eve)}) == []
    assert (sam.verifier.keys.epoch, sam.verifier.keys.current) == (epoch, key)
    assert sam.key_from == vk(fac) and ana.verifier.keys.current is None
    # What members send still goes to the lead alone, never to the relay's key
    assert await sam.trigger("hard")
    await ana.agree()
    await fw.expect(ev.DirectMessage, lambda e: e.kind == "trigger")
    await fw.expect(ev.DirectMessage, lambda e: e.kind == "agree")
    for member in (sam, ana):
        sent_to = {f["to"] for f in proxy.link_of(vk(member)).delivered("direct", UP)}
        assert forger.vk not in sent_to
    await finish(fac, sam, eve, ana)


async def test_a_real_co_facilitators_delegation_does_not_vouch_for_another_key(proxy):
    fac, fw, link = await open_room(proxy.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    co, cw = await bring_co(fac, fw)
    await named_in_roster(sw, vk(co))
    forger = Forger(link.room, vk(fac))
    forger.sealer.delegation = co.cos[vk(co)]  # Bo's, replayed on the relay's key
    to_sam = proxy.link_of(vk(sam))
    await to_sam.to_client(direct_frame(forger.vk, forger.direct(
        vk(sam), "key", epoch=sam.verifier.keys.epoch + 1, key=new_epoch_key())))
    await refused(sw, forger.vk, "not_from_facilitator")
    # nor can a roster from the real lead be altered to add it (the relay cannot seal one),
    # and the member still trusts exactly the lead and Bo
    assert set(sam.facilitators) == {vk(fac), vk(co)}
    await co.stop()
    await finish(fac, sam)


async def test_members_refuse_a_roster_naming_a_co_facilitator_without_a_valid_delegation(proxy):
    """Even from a trusted facilitator: a bad delegation refuses the roster whole."""
    fac, fw, link = await open_room(proxy.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    forger = Forger(link.room, vk(fac))
    # The real lead's session, made to list a key with a delegation it did not sign
    fac.cos[forger.vk] = sign_delegation(forger.identity, link.room, forger.vk)
    fac.seated[forger.vk] = "Mallory"
    await fac._send_roster()
    await refused(sw, vk(fac), "bad_delegation")
    assert sam.facilitators == (vk(fac),)
    del fac.cos[forger.vk], fac.seated[forger.vk]
    w = Watcher(sam)
    await fac.notice("still here")
    await w.expect(ev.GroupMessage, lambda e: e.kind == "notice")
    await finish(fac, sam)


async def test_a_relay_naming_only_its_own_key_here_leaves_the_member_told_nobody_is_there(proxy):
    """``here`` decides where a member writes, never whom it trusts: a relay that
    lists only its own key is, to the member, no facilitator at all."""
    from holdspace.member import commands

    fac, fw, link = await open_room(proxy.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    forger = Forger(link.room, vk(fac))
    await proxy.link_of(vk(sam)).to_client(
        protocol.pack({"t": "facilitator", "present": True, "here": [forger.vk]}))
    assert not (await sw.expect(ev.FacilitatorPresence)).present
    said = await commands.perform(sam, "/support")
    assert "No facilitator is connected right now" in said.say
    assert "The facilitator has been asked" not in said.say and sam.kept == [("help", {})]
    await proxy.link_of(vk(sam)).to_client(
        protocol.pack({"t": "facilitator", "present": True, "here": [vk(fac), forger.vk]}))
    assert (await sw.expect(ev.FacilitatorPresence)).present
    await fw.expect(ev.DirectMessage, lambda e: e.kind == "help")  # delivered once the lead is there
    assert sam.kept == []
    await finish(fac, sam)
