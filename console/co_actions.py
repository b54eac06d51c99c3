"""Facilitating with someone else, on screen (cofacilitation.py holds the state).

The lead makes a co-facilitator link (``o``) and lets them in only after the
two have read their safety codes to each other. A co-facilitator's console
waits, showing both codes, until it is promoted; then it is the same console,
which keeps the room when the lead's connection drops. Each tells the other
which items of the attention panel it is handling.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual.widgets import Static

from holdspace.client import events as ev
from holdspace.client.display import Line, clean
from holdspace.client.facilitator_session import FacilitatorSession
from holdspace.client.invites import InviteLink
from holdspace.client.session import SessionError
from holdspace.console.attention_queue import Kind
from holdspace.console.briefing import open_items, take_briefing
from holdspace.console.cofacilitation import CO, CO_LINK_TEXT, ITEM_OF, LEAD, CoFacilitation
from holdspace.console.config import ConsoleConfig, write_private
from holdspace.console.ended import ended_text
from holdspace.console.facilitator import SessionModel
from holdspace.console.invite_actions import InviteActions
from holdspace.console.screens.co_waiting import CoWaitingScreen
from holdspace.console.screens.invite_link import LinkScreen
from holdspace.console.widgets.chat import ChatPanel
from holdspace.ui.ask_text import AskTextScreen
from holdspace.ui.choice import ChoiceScreen

CO_LINK_SHOWN = {"terminal": "They start their console with  holdspace console --co-facilitator LINK  "
                              "and this link:"}
DID_WORDS = {"admit": "{who} let {name} in.", "deny": "{who} did not let {name} in.",
             "hold": "{who} sent {name} to the waiting room.", "remove": "{who} removed {name}."}
# Why a co-facilitator's console ended, in the relay's codes and the session's reasons.
REMOVED = ("The lead facilitator removed you from the session. Its members, and what they said, "
           "are no longer shown here.")
ENDED_CO = {"denied": "The lead facilitator did not let you in.", "removed": REMOVED, "banned": REMOVED,
            "bad_invite": "This co-facilitator link no longer works: it works once, for one hour. "
                          "Ask the lead facilitator for a new one.",
            "no_room": "That session is no longer open."}


def body_name(body: Any) -> str:
    return clean(body.get("name") or "")


@dataclass(frozen=True)
class CoStart:
    """How a co-facilitator's console begins: ``connect(name)`` makes its session
    from the lead's link; ``name`` is the name they go by (asked on screen when empty)."""

    connect: Callable[[str], Awaitable[tuple[FacilitatorSession, str]]]
    name: str = ""


class CoActions(InviteActions):
    """Set by the app: the attributes below, ``name_of``, ``refresh_views`` and
    ``act`` (ConsoleActions)."""

    co: CoFacilitation
    config: ConsoleConfig
    private_logs: dict[bytes, list[Line]]
    co_start: CoStart | None
    co_invite_file: Path | None
    model: SessionModel
    clock: Callable[[], float]

    def name_of(self, vk: bytes) -> str:
        raise NotImplementedError

    def refresh_views(self) -> None:
        raise NotImplementedError

    async def act(self, action: Awaitable[None], done: str = "") -> bool:
        raise NotImplementedError

    # --- the lead: a link for a co-facilitator ---------------------------------------
    async def action_invite(self) -> None:
        if self.co.is_co and self.invite is None and self.session is not None:
            # Our own shared link (it pins the lead, like theirs), made when first asked for.
            try:
                self.invite = await self.session.create_invite()
            except SessionError as exc:
                self.notify(str(exc), severity="warning")
                return
        super().action_invite()

    async def action_co_invite(self) -> None:
        if self.co.is_co:
            self.notify("Only the lead facilitator can make a co-facilitator link.", severity="warning")
            return
        if self.invite is None or self.session is None:
            self.notify("The session is not open yet.", severity="warning")
            return
        try:
            link = await self.session.create_co_invite()
        except SessionError as exc:
            self.notify(str(exc), severity="warning")
            return
        self.write_co_link(link)
        after = ("The link scrolls sideways if it is wider than the box; t copies it whole.\n\n"
                 f"Your safety code: {self.session.safety_code}\nWhen they knock you are asked "
                 "to let them in; read your codes to each other first.")
        if self.co_invite_file is not None:
            after += f"\n\nThe link is also in {self.co_invite_file}"
        self.push_screen(LinkScreen("Co-facilitator link", link, CO_LINK_TEXT, after, shown=CO_LINK_SHOWN))

    async def open_co_link_file(self) -> None:
        """--co-invite-file: a co-facilitator link as soon as the room is open."""
        if self.co_invite_file is not None and self.session is not None and not self.co.is_co:
            try:
                self.write_co_link(await self.session.create_co_invite())
            except (SessionError, OSError) as exc:
                self.notify(f"No co-facilitator link was written to {self.co_invite_file}: {exc}",
                            severity="warning", timeout=20)

    def write_co_link(self, link: InviteLink) -> None:
        if self.co_invite_file is not None:
            write_private(self.co_invite_file, (link.link + "\n").encode())

    # --- the lead: letting a co-facilitator in ---------------------------------------------
    def ask_admit_co(self, vk: bytes) -> None:
        """Only an explicit yes, after the codes were compared, makes a co-facilitator."""
        p = self.model.participants.get(vk)
        if p is None or self.session is None:
            return
        if self.co.is_co:
            self.notify("Only the lead facilitator can let a co-facilitator in.", severity="warning")
            return
        wants = ("was your co-facilitator before your console restarted, and wants to go on as one"
                 if self.co.co_knocks.get(vk) else "wants to join as your co-facilitator")
        text = (f"{p.label} {wants}. Their safety code: {p.safety_code} — ask them to read it to you.\n"
                f"Your safety code, which they should read on their screen: {self.session.safety_code}\n\n"
                "Say yes only if both codes match. A co-facilitator can do everything you can: "
                "let people in, remove them, and read what members send the facilitators.")
        self.push_screen(ChoiceScreen("A co-facilitator", text,
                                      [("yes", "Yes, the codes match", "y"),
                                       ("deny", "Do not let them in", "d"), ("later", "Not now", "n")]),
                         lambda answer: self._co_answer(vk, answer))

    async def _co_answer(self, vk: bytes, answer: str | None) -> None:
        if self.session is None or vk not in self.co.co_knocks:
            return
        name = self.name_of(vk)
        if answer == "yes" and await self.act(self.session.admit(vk), f"{name} is your co-facilitator."):
            self.model.note_admitted(vk, self.clock())
            self.co.promoted_here(vk, self.clock())
            self.run_worker(self._brief(vk), group="handling")
        elif answer == "deny" and await self.act(self.session.deny(vk), f"{name} was not let in."):
            self.model.note_denied(vk, self.clock())
            self.co.forget_knock(vk)
        self.refresh_views()

    async def _brief(self, vk: bytes, again: bool = False) -> None:
        """Tell the co-facilitator just let in or back (or the lead we handed the
        room back to) who waits and what is open here."""
        try:
            items = open_items(self.model, self.clock())
            await self.session.brief(vk, items, again=again)  # type: ignore[union-attr]
        except SessionError as exc:
            self.notify(f"The other facilitator could not be told what is open here: {exc}", severity="warning")

    # --- shared attention ----------------------------------------------------------------
    def tell_handling(self, vk: bytes, what: Kind | str, state: str) -> None:
        """Tell the other facilitator, if there is one, that we have this item."""
        item = ITEM_OF.get(what) if isinstance(what, Kind) else what
        if item is None or self.session is None or not self.co.shared:
            return
        self.run_worker(self._tell(vk, item, state), group="handling")

    async def _tell(self, vk: bytes, item: str, state: str) -> None:
        try:
            await self.session.tell_handling(vk, item, state)  # type: ignore[union-attr]
        except SessionError as exc:
            self.notify(f"The other facilitator could not be told: {exc}", severity="warning")

    # --- the co-facilitator's console --------------------------------------------------------
    def group_name(self) -> str:
        """What the header names the group: a co-facilitator's console, as the
        lead's does (the lead sealed it with its agreement), else our settings'."""
        told = self.session.group_name if self.co.is_co and self.session is not None else ""
        return told or self.config.group_name

    async def co_connect(self) -> tuple[FacilitatorSession, str]:
        """Ask the name they go by (unless given), wait on the waiting screen, connect."""
        assert self.co_start is not None
        name = self.co_start.name
        while not name:
            name = await self.push_screen_wait(AskTextScreen(
                "Your name, as members and the lead facilitator will see it:"))
            if name is None:  # Escape: leave before anything is sent
                self.exit(message="You left before joining; nothing was sent.")
                await asyncio.Event().wait()  # the app closes, and this worker with it
        return await self.co_start.connect(name)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A co-facilitator not let in yet has nothing to act on: the console's
        keys wait (the waiting screen has its own)."""
        return self.co_start is None or self.co.promoted

    def waiting_screen(self) -> CoWaitingScreen | None:
        return next((s for s in self.screen_stack if isinstance(s, CoWaitingScreen)), None)

    # Events of facilitating together, each to its ``_co_<EventName>``; True when
    # taken whole (the session model need not see it).
    def take_co(self, event: ev.Event, now: float) -> bool:
        handler: Callable[[Any, float], bool] | None = getattr(self, f"_co_{type(event).__name__}", None)
        return handler(event, now) if handler is not None else False

    def _co_Connected(self, event: ev.Connected, now: float) -> bool:
        if self.co_start is None:
            return False
        if event.role == CO:  # back after a reconnection: still one
            self._co_Promoted(event, now)
        elif (waiting := self.waiting_screen()) is not None and self.session is not None:
            waiting.show_codes(self.session.safety_code, self.session.facilitator_code)
            waiting.say("In the waiting room: the lead facilitator is asked to let you in.")
        return False  # the model notes the connection

    def _co_ConnectionLost(self, event: ev.ConnectionLost, now: float) -> bool:
        if (waiting := self.waiting_screen()) is not None:
            waiting.say("The connection to the relay was lost; reconnecting...")
        return False

    def _co_SessionEnded(self, event: ev.SessionEnded, now: float) -> bool:
        if self.co_start is None or (self.co.promoted and event.reason not in ENDED_CO):
            return False
        relay = self.session.relay_url if self.session else ""
        text = ENDED_CO.get(event.reason) or ended_text(event, relay, reached=self.session is not None,
                                                        built_in=False)
        if not self.co.promoted:  # an empty console helps no one: say why in the terminal
            self.exit(return_code=1, message=text)
            return True
        self.model.apply(event, now)
        if text == REMOVED:
            self.forget_members(text)
        self.notify(text, severity="error", timeout=30)
        return True

    def forget_members(self, text: str) -> None:
        """Removed by the lead: this console may see nothing of the session any
        more, so no panel keeps a member's name or words; ``text`` says why."""
        self.model.forget_everyone()
        self.co.marks.clear()
        self.private_logs.clear()
        self.query_one("#private", ChatPanel).replace([])
        self.query_one("#group", ChatPanel).replace([Line.of(f"* {text}")])
        banner = self.query_one("#co-line", Static)
        banner.update(text)
        banner.set_class(True, "-shown")
        self.refresh_views()

    def _co_Promoted(self, event: Any, now: float) -> bool:
        if self.session is None:
            return True
        first = not self.co.promoted
        self.co.promoted = True
        self.co.facilitator(self.session.facilitator_vk, "", LEAD, self.co.lead_present, now)
        self.refresh_bindings()
        waiting = self.waiting_screen()
        if waiting is not None and self.screen is waiting:
            self.pop_screen()
        if first:
            self.notify("The lead facilitator let you in: you are co-facilitator of this room.", timeout=10)
        return True

    def _co_LeadPresence(self, event: Any, now: float) -> bool:
        said = self.co.lead_seen(event.present, event.left)
        if not event.present and self.session is not None:
            self.co.release(self.session.facilitator_vk)
        if said:
            banner = self.query_one("#co-line", Static)
            if not event.present:
                banner.update(said)
            banner.set_class(not event.present, "-shown")
            self.query_one("#group", ChatPanel).write(Line.of(f"* {said}"))
            self.notify(said, severity="information" if event.present or event.left else "warning",
                        timeout=15)
        return True

    def _co_CoFacilitatorPresence(self, event: Any, now: float) -> bool:
        was = self.model.participants.get(event.vk)
        changed = was is not None and was.role == CO and was.online != event.present
        self.co.facilitator(event.vk, event.name, CO, event.present, now)
        if not event.present:
            self.co.release(event.vk)
        if changed and event.present and not self.co.is_co:  # back with its link, perhaps restarted
            self.run_worker(self._brief(event.vk, again=True), group="handling")
        if changed:
            went = ("is back" if event.present else "left the session" if event.left
                    else "lost their connection; they may be back shortly")
            self.notify(f"{self.co.label(event.vk)} {went}.", timeout=10)
        return True

    def _co_Presence(self, event: ev.Presence, now: float) -> bool:
        """A facilitator's own connection: no member's offline alarms for it."""
        p = self.model.participants.get(event.member)
        if p is None or not self.co.is_facilitator(event.member):
            return False
        p.online = event.state == "online"
        if not p.online:
            self.co.release(event.member)
        return True

    def _co_RosterChanged(self, event: ev.RosterChanged, now: float) -> bool:
        if self.co.is_co and self.session is not None:
            self.co.roster(event.members, self.session.identity.vk, now)
        return False  # the model takes the epoch

    def _co_DirectMessage(self, event: ev.DirectMessage, now: float) -> bool:
        """``did``: the other facilitator acted on a member; our view follows."""
        if event.kind != "did":
            return False
        member, action = event.body["member"], event.body["action"]
        notes = {"admit": self.model.note_admitted, "deny": self.model.note_denied,
                 "hold": self.model.note_held}
        p = self.model.participants.get(member)
        if p is not None and body_name(event.body) and not p.name:
            p.name = body_name(event.body)
        if action in notes:
            notes[action](member, now)
        elif action == "remove":
            self.model.note_removed(member, "by the other facilitator", now)
        if action in DID_WORDS:
            self.notify(DID_WORDS[action].format(who=self.co.label(event.sender), name=self.name_of(member)),
                        timeout=8)
        return True

    def _co_HandedOver(self, event: ev.HandedOver, now: float) -> bool:
        if self.session is not None:  # and what is open here, so the lead's panel shows it too
            self.run_worker(self._brief(self.session.lead), group="handling")
        return True

    def _co_Briefed(self, event: ev.Briefed, now: float) -> bool:
        take_briefing(self.model, event.agreed, event.items, now)
        return True

    def _co_Handling(self, event: Any, now: float) -> bool:
        self.co.handled(event.member, event.item, event.state, event.by, now, event.sender)
        return True
