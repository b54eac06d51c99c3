"""What the facilitator's keys do: acts on the selected person, the group
and the session, each a session call whose problem becomes one plain sentence.

The app (app.py) owns the model, the session and how lines are shown; this
class is its base so the keys live apart from the wiring.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from textual import on
from textual.app import SystemCommand
from textual.screen import Screen
from textual.widgets import Input

from holdspace.client import chatlines
from holdspace.client.display import Line
from holdspace.client.facilitator_session import FacilitatorSession
from holdspace.client.identity import Identity
from holdspace.client.session import SessionError
from holdspace.console import records as record_files
from holdspace.console.config import ConfigError, ConsoleConfig
from holdspace.console.facilitator import Place, SessionModel
from holdspace.console.co_actions import CoActions
from holdspace.console.safeguarding import SafeguardingLog
from holdspace.console.screens.export import ExportChoice, ExportScreen
from holdspace.console.screens.help import HelpScreen
from holdspace.console.screens.remove import Removal, RemoveScreen, TheirLink
from holdspace.console.screens.safeguarding import SafeguardingScreen
from holdspace.console.widgets.chat import ChatPanel
from holdspace.ui.ask_text import AskTextScreen
from holdspace.ui.chat_log import ChatLog
from holdspace.ui.choice import ChoiceScreen
from holdspace.ui.palette import palette


# The command palette offers the keys' own actions (Quit asks first, as q does).
PALETTE = [
    ("Let in", "Let in the highlighted person from the waiting room", "admit"),
    ("Not now", "Do not let the highlighted person in", "deny"),
    ("Give the floor", "Invite the highlighted person to speak", "floor"),
    ("Check in", "Check in privately with the highlighted person", "check_in"),
    ("Private message", "To the highlighted person", "private"),
    ("Waiting room", "Send the highlighted person to the waiting room", "hold"),
    ("Remove", "Remove the highlighted person", "remove"),
    ("Safeguarding", "The steps to follow for the highlighted person", "safeguard"),
    ("Notice", "Send a quick notice to the whole group", "notice"),
    ("Invite link", "The link, your safety code, a new link", "invite"),
    ("Co-facilitator link", "A link for one co-facilitator: once, for one hour", "co_invite"),
    ("Export", "Safeguarding records or a session summary", "export"),
    ("Help", "Every key", "help"),
    ("Quit", "Asks whether to end the session for everyone", "quit_session"),
]


class ConsoleActions(CoActions):
    """The console's key actions. Set by the app: the attributes below, and
    ``name_of``, ``refresh_views``, ``log_private`` and ``back_to_lists`` (and CoActions' own).
    Either facilitator's console does all of them: none asks which one it is."""

    config: ConsoleConfig
    model: SessionModel
    records: SafeguardingLog
    session: FacilitatorSession | None
    selected: bytes | None
    embedded_relay: bool
    clock: Callable[[], float]
    records_key: Callable[[], Identity] | None  # whose key seals exports, if not the session's
    exported_records: int  # how many safeguarding records an export holds
    why_not = ""  # why ``person`` found no one to act on, when it is not the obvious

    def name_of(self, vk: bytes) -> str:
        raise NotImplementedError

    def refresh_views(self) -> None:
        raise NotImplementedError

    def log_private(self, vk: bytes, line: Line) -> None:
        raise NotImplementedError

    # --- acting -------------------------------------------------------------------------
    async def act(self, action: Awaitable[None], done: str = "") -> bool:
        """Run a session action; a problem becomes a plain message, not a crash."""
        try:
            await action
        except SessionError as exc:
            self.notify(str(exc), severity="warning")
            return False
        if done:
            self.notify(done)
        self.refresh_views()
        return True

    def person(self, *places: Place, facilitators: bool = False) -> bytes | None:
        """The selected person, if they are in one of ``places`` (and a member,
        unless ``facilitators``: what is done to members is not done to them)."""
        self.why_not = ""
        p = self.model.participants.get(self.selected) if self.selected else None
        if p is None or p.place not in places:
            return None
        if self.co.is_facilitator(p.vk) and not facilitators:
            self.why_not = f"{p.label} is a facilitator: that is for members."
            return None
        return p.vk

    def _need(self, vk: bytes | None, what: str) -> bytes | None:
        if vk is None:
            self.notify(self.why_not or what, severity="warning")
        return vk

    def _waiting_selection(self, key: str) -> bytes | None:
        """Whom a and d act on: the highlighted person, if they are in the
        waiting room; never someone the facilitator cannot see highlighted."""
        vk = self.person(Place.WAITING, Place.HELD)
        if vk is None:
            someone = any(p.place in (Place.WAITING, Place.HELD)
                          for p in self.model.participants.values())
            self.notify(self.why_not or (
                f"Highlight someone in the waiting room first, then press {key}." if someone
                else "Nobody is in the waiting room."), severity="warning")
        return vk

    async def action_admit(self) -> None:
        vk = self._waiting_selection("a")
        if vk is None or self.session is None:
            return
        if vk in self.co.co_knocks:
            self.ask_admit_co(vk)
            return
        await self.admit(vk)

    async def admit(self, vk: bytes) -> None:
        """Let someone in from the waiting room, if they accepted the agreement."""
        ok, reason = self.model.can_admit(vk)
        if not ok:
            self.notify(reason, severity="warning")
            return
        if self.session is not None and await self.act(self.session.admit(vk),
                                                       f"{self.name_of(vk)} is in the group."):
            self.model.note_admitted(vk, self.clock())

    async def action_deny(self) -> None:
        vk = self._waiting_selection("d")
        if vk is not None and self.session is not None:
            name = self.name_of(vk)
            if await self.act(self.session.deny(vk), f"{name} was not let in."):
                self.model.note_denied(vk, self.clock())

    async def action_floor(self) -> None:
        # The highlighted person, as every key: never someone else in front of the group.
        vk = self._need(self.person(Place.SEATED),
                        "Highlight someone in the group first (their raised hand, or their name), then press n.")
        if vk is not None and self.session is not None:
            if await self.act(self.session.give_floor(vk), f"{self.name_of(vk)} has the floor."):
                self.model.note_floor_given(vk, self.clock())

    def _seated_selection(self) -> bytes | None:
        return self._need(self.person(Place.SEATED), "Select someone in the group first.")

    def action_check_in(self) -> None:
        vk = self._seated_selection()
        if vk is None:
            return
        name = self.name_of(vk)
        self.push_screen(AskTextScreen(f"Check in privately with {name}",
                                       value=f"Hi {name}, just checking in. How are you doing?"),
                         lambda text: self.check_in_with(vk, text))

    async def check_in_with(self, vk: bytes, text: str | None) -> None:
        if text and self.session is not None:
            if await self.act(self.session.check_in(vk, text)):
                self.model.note_check_in_sent(vk, self.clock())
                self.tell_handling(vk, "check_in", "taking")
                self.log_private(vk, chatlines.mine(f"You checked in: {text}"))

    def action_private(self) -> None:
        vk = self._need(self.person(Place.SEATED, Place.WAITING, Place.HELD, facilitators=True),
                        "Select someone first.")
        if vk is not None:
            self._ask_private(vk)

    def _ask_private(self, vk: bytes) -> None:
        self.push_screen(AskTextScreen(f"Private message to {self.name_of(vk)}"),
                         lambda text: self.send_private(vk, text))

    async def send_private(self, vk: bytes, text: str | None) -> bool:
        if text and self.session is not None:
            if await self.act(self.session.private(vk, text)):
                self.model.note_private_sent(vk, self.clock())
                self.tell_handling(vk, "private", "done")
                self.log_private(vk, chatlines.mine(f"You: {text}"))
                return True
        return False

    @on(ChatPanel.Send)
    async def _typed(self, message: ChatPanel.Send) -> None:
        if self.session is None:
            return
        if message.panel.id == "group":
            await self.act(self.session.chat(message.text))
        elif self.selected is not None:
            await self.send_private(self.selected, message.text)
        else:
            self.notify("Select someone first.", severity="warning")

    async def action_hold(self) -> None:
        vk = self._seated_selection()
        if vk is not None and self.session is not None:
            if await self.act(self.session.hold(vk),
                              f"{self.name_of(vk)} is in the waiting room. Press p to talk privately."):
                self.model.note_held(vk, self.clock())
                self.records.did_for(vk, "hold", SafeguardingScreen.NOTED["hold"])

    def action_remove(self) -> None:
        # The lead may remove a co-facilitator; nobody else removes a facilitator.
        vk = self._need(self.person(Place.SEATED, Place.WAITING, Place.HELD, facilitators=not self.co.is_co),
                        "Select someone first.")
        if vk is not None:
            personal = self.links.personal_link_of(vk)
            link = TheirLink(personal.label if personal else "")
            self.push_screen(RemoveScreen(self.name_of(vk), self.config.removal_reasons, link,
                                          cofacilitator=self.co.is_facilitator(vk)),
                             lambda removal: self._remove(vk, removal))

    async def _remove(self, vk: bytes, removal: Removal | None) -> None:
        if removal is None or self.session is None:
            return
        name, personal = self.name_of(vk), self.links.personal_link_of(vk)
        if await self.act(self.session.remove(vk, removal.ban_seconds), f"{name} has been removed."):
            self.links.note_removed(vk, name, self.clock())
            self.model.note_removed(vk, removal.reason, self.clock())
            if removal.change_link and personal is not None:
                if await self.act(self.session.revoke_invite(personal.link),
                                  f"The personal link for {personal.label} no longer works."):
                    self.links.forget_personal(personal)
            elif removal.change_link:
                await self._replace_shared_link()

    def action_safeguard(self) -> None:
        vk = self._need(self.person(Place.SEATED, Place.WAITING, Place.HELD), "Select someone first.")
        if vk is not None:
            self.open_safeguarding(vk)

    def open_safeguarding(self, vk: bytes) -> None:
        self.push_screen(SafeguardingScreen(self.records, vk, self.name_of(vk)))
        self.tell_handling(vk, "safeguarding", "taking")

    @on(SafeguardingScreen.Request)
    async def _safeguarding_request(self, request: SafeguardingScreen.Request) -> None:
        """Do what the safeguarding screen asks; it notes in the record what was done."""
        screen, vk = request.screen, request.screen.vk
        if self.session is None:
            return
        try:
            match request.what:
                case "resources":
                    await self.session.send_direct(vk, "resources", text=self.config.resources)
                case "hold":
                    await self.session.hold(vk)
                    self.model.note_held(vk, self.clock())
                case "private":
                    if not await self.send_private(vk, request.fields["text"]):
                        return  # send_private said why
                case "consent":
                    await self.session.send_direct(vk, "consent_request", **request.fields)
        except SessionError as exc:
            screen.say(str(exc))
            return
        screen.done(request)
        self.refresh_views()

    def action_export(self) -> None:
        self.push_screen(ExportScreen(len(self.records.records)), self._export)

    def _export(self, choice: ExportChoice | None) -> None:
        written = self._write(choice)
        if written is not None:
            self.push_screen(ChoiceScreen("Exported", self._written_text(written),
                                          [("close", "Close", "enter")]))

    def _write(self, choice: ExportChoice | None) -> record_files.Written | None:
        if choice is None or self.session is None:
            return None
        try:
            written = record_files.export(
                choice.folder, model=self.model, log=self.records,
                identity=self.records_key() if self.records_key else self.session.identity,
                records=choice.records, summary_too=choice.summary, clock=self.clock)
        except OSError as exc:
            self.notify(f"Nothing could be written to {choice.folder}: {exc.strerror}.",
                        severity="error", timeout=20)
            return None
        except ConfigError as exc:  # the facilitator's key file cannot be used
            self.notify(str(exc), severity="error", timeout=20)
            return None
        if written.records:
            self.exported_records = len(self.records.records)
        return written

    @staticmethod
    def _written_text(written: record_files.Written) -> str:
        lines = ["Written, readable only by you:"]
        if written.records:
            lines += [f"  {written.records}", "  Read it later with: holdspace records open FILE"]
        if written.summary:
            lines.append(f"  {written.summary}")
        return "\n".join(lines)

    def action_notice(self) -> None:
        notices = self.config.notices[:9]
        if not notices:
            self.notify("No quick notices are set in console.toml.", severity="warning")
            return
        choices = [(str(i), text, str(i + 1)) for i, text in enumerate(notices)]
        self.push_screen(ChoiceScreen("Send a notice to the whole group", "Choose one:", choices),
                         self._send_notice)

    async def _send_notice(self, choice: str | None) -> None:
        if choice is not None and self.session is not None:
            await self.act(self.session.notice(self.config.notices[int(choice)]))

    def action_group_chat(self) -> None:
        self.query_one("#group", ChatPanel).query_one(Input).focus()

    def action_leave_input(self) -> None:
        """Escape from a chat box or a chat log: back to the list last used."""
        focused = self.focused
        if focused is not None and (isinstance(focused, ChatPanel)
                                    or any(isinstance(a, ChatPanel) for a in focused.ancestors)):
            self.back_to_lists()

    def action_focus_next(self) -> None:
        """Tab from the lists goes to a message box, not to the log above it (two
        Tabs are how one reaches the box). Shift+Tab from the box reaches the log."""
        if isinstance(self.screen.focus_next(), ChatLog):
            self.screen.focus_next()

    def back_to_lists(self) -> None:
        raise NotImplementedError

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        return palette(self, PALETTE)

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_quit_session(self, before: str = "") -> None:
        # No key here does something else on the main screen: q then e (export,
        # out of habit) must not end the session for everyone.
        choices = [("end", "End the session for everyone", "f"), ("stay", "Stay", "s")]
        text = before + "\n\n" if before else ""
        ended = self.session is None or self.session.ended is not None
        if ended:  # removed, or the room closed: nothing left to end or to come back to
            choices[0] = ("quit", "Quit", "f")  # the same key as ending, by habit; q twice is no answer
            text += "The session has ended for you, and nothing of it is kept."
        else:
            text += "Everyone will be told the session has ended, and nothing of it is kept."
        unsaved = len(self.records.records) - self.exported_records
        if unsaved > 0:
            text += (f"\n{unsaved} safeguarding record(s) have not been exported and will be lost. "
                     "Press x to export first.")
        choices.insert(-1, ("export", "Export first", "x"))
        if not self.embedded_relay and not ended:
            choices.insert(1, ("leave", "Quit, leave it running", "l"))
            again = "again with the same link" if self.co.is_co else "again"
            others = self.co.others_here(self.session.identity.vk) if self.session else []
            if others:  # the room does not wait out its 15 minutes while they are there
                text += (f"\nIf you leave it running, {' and '.join(others)} "
                         f"{'keeps' if len(others) == 1 else 'keep'} the room and members stay connected. "
                         f"You can come back while the session goes on by starting the console {again}.")
            else:
                text += ("\nIf you leave it running, members stay connected and you can come back "
                         f"within 15 minutes by starting the console {again}.")
        self.push_screen(ChoiceScreen("Quit the console?", text, choices), self._quit_answer)

    async def _quit_answer(self, answer: str | None) -> None:
        if answer == "export":
            # Export, then come back to the question of quitting.
            self.push_screen(ExportScreen(len(self.records.records)),
                             self._export_then_ask_again)
        elif answer == "end":
            if self.session is not None:
                await self.session.close_room()
            self.exit()
        elif answer == "quit":
            self.exit()
        elif answer == "leave":
            if self.session is not None:
                await self.session.leave_running()  # the other facilitators are told we left
            # Said in the terminal, which is all the facilitator sees once the screen is gone.
            again = "with the same link" if self.co.is_co else "with the same --relay"
            self.exit(message="The session is still running: members stay connected. To come back, "
                              f"start the console again {again} within 15 minutes.")

    def _export_then_ask_again(self, choice: ExportChoice | None) -> None:
        written = self._write(choice)
        self.action_quit_session(self._written_text(written) if written else "")
