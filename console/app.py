"""The facilitator's console: everything at a glance, one key per action.

The app only wires things together: session events go into the UI-free
``SessionModel``; widgets render the model; keys call the session. No crypto,
no sockets here.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Footer, Input
from textual.worker import Worker, WorkerState

from holdspace.client import chatlines
from holdspace.client import events as ev
from holdspace.client.crypto import Identity, InviteLink
from holdspace.client.session import FacilitatorSession, SessionError
from holdspace.console import records as record_files
from holdspace.console.config import ConfigError, ConsoleConfig, write_private
from holdspace.console.facilitator import Kind, Place, SessionModel
from holdspace.console.safeguarding import RiskScanner, SafeguardingLog
from holdspace.console.screens.export import ExportChoice, ExportScreen
from holdspace.console.screens.help import HelpScreen
from holdspace.console.screens.remove import Removal, RemoveScreen
from holdspace.console.screens.safeguarding import SafeguardingScreen
from holdspace.console.widgets.attention import AttentionPanel
from holdspace.console.widgets.chat import ChatPanel
from holdspace.console.widgets.participants import ParticipantsTable
from holdspace.console.widgets.session_header import SessionHeader
from holdspace.ui.ask_text import AskTextScreen
from holdspace.ui.choice import ChoiceScreen

# Builds the session (and a relay, when the console runs its own); returns the
# session and a short description of the relay for the header.
Connector = Callable[[], Awaitable[tuple[FacilitatorSession, str]]]
SAFEGUARDING_KINDS = frozenset({Kind.HELP, Kind.SUPPORT, Kind.RISK, Kind.CONSENT})
EVENT_BATCH = 16  # session events per app message (about 3 ms of work)
REFRESH_AFTER = 0.2  # seconds: panels are rebuilt at most this often while events pour in


class FacilitatorApp(App[None]):
    TITLE = "holdspace console"
    CSS_PATH = "console.tcss"
    BINDINGS = [
        Binding("a", "admit", "Let in", tooltip="Let in the selected (or longest-waiting) person"),
        Binding("d", "deny", "Not now", show=False),
        Binding("n", "floor", "Floor", tooltip="Give the floor to the oldest raised hand"),
        Binding("c", "check_in", "Check in"),
        Binding("p", "private", "Private"),
        Binding("h", "hold", "Waiting room", tooltip="Send the selected person to the waiting room"),
        Binding("x", "remove", "Remove"),
        Binding("s", "safeguard", "Safeguarding"),
        Binding("m", "notice", "Notice", show=False),
        Binding("g", "group_chat", "Chat", show=False),
        Binding("i", "invite", "Invite"),
        Binding("question_mark", "help", "Help"),
        Binding("e", "export", "Export", tooltip="Export safeguarding records or a session summary"),
        Binding("q", "quit_session", "Quit"),
        Binding("ctrl+q", "quit_session", "Quit", show=False, priority=True),
        Binding("escape", "leave_input", show=False),
    ]

    class SessionEvent(Message):
        def __init__(self, event: ev.Event) -> None:
            super().__init__()
            self.event = event

    class SessionEvents(Message):
        """Session events that arrived together, handled as one message so that
        a key pressed meanwhile waits for at most one batch, not the burst."""

        def __init__(self, events: list[ev.Event], done: asyncio.Event) -> None:
            super().__init__()
            self.events = events
            self.done = done

    def __init__(self, config: ConsoleConfig, connect: Connector, *,
                 invite_file: Path | None = None, embedded_relay: bool = False,
                 on_invite: Callable[[InviteLink], None] | None = None,
                 records_key: Callable[[], Identity] | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.config = config
        self.connect = connect
        self.invite_file = invite_file
        self.embedded_relay = embedded_relay
        self.on_invite = on_invite
        # Whose key seals exported records: the session's own, unless the demo
        # (a throwaway session key) says to use the facilitator's real one.
        self.records_key = records_key
        self.clock = clock
        self.model = SessionModel(check_in_minutes=config.check_in_minutes)
        self.scanner = RiskScanner.from_config(config.safeguarding)
        self.records = SafeguardingLog(config, clock=clock)
        self.session: FacilitatorSession | None = None
        self.relay_label = ""
        self.invite: InviteLink | None = None
        self.selected: bytes | None = None
        self.private_logs: dict[bytes, list[str]] = defaultdict(list)
        self._refresh_pending = False
        self._invite_ready = asyncio.Event()
        self._exported_records = 0  # how many safeguarding records an export holds

    def notify(self, message: str, *, markup: bool = False, **kwargs) -> None:  # type: ignore[no-untyped-def, override]
        """Notifications often carry member names: never read them as markup."""
        super().notify(message, markup=markup, **kwargs)

    # --- layout ----------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield SessionHeader(id="header")
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield AttentionPanel(id="attention")
                yield ParticipantsTable(id="people")
            with Vertical(id="right"):
                yield ChatPanel("Group chat", "Message to the group (Enter sends)", id="group")
                yield ChatPanel("Private", "Private message to the selected person", id="private")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(AttentionPanel).focus()
        self.set_interval(1.0, self.refresh_views)
        self.refresh_views()
        self.run_session()
        self.call_after_refresh(self._settle_memory)

    def _settle_memory(self) -> None:
        """The tens of thousands of objects Textual builds at start live as long
        as the console; set aside, every later full garbage collection (which
        stops the screen, keys included) has that many fewer to walk."""
        gc.collect()
        gc.freeze()

    # --- the session ------------------------------------------------------------------
    @work(exclusive=True, group="session")
    async def run_session(self) -> None:
        self.session, self.relay_label = await self.connect()
        queue = self.session.subscribe()
        await self.session.start()
        done = asyncio.Event()
        while True:
            batch = [await queue.get()]
            while not queue.empty() and len(batch) < EVENT_BATCH:
                batch.append(queue.get_nowait())
            done.clear()
            self.post_message(self.SessionEvents(batch, done))
            await done.wait()  # one batch in the app's queue at a time: keys go in between

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            self.notify(f"Something went wrong: {event.worker.error}. "
                        "Members are not affected; try restarting the console.",
                        severity="error", timeout=30)

    @on(SessionEvents)
    async def _on_session_events(self, message: SessionEvents) -> None:
        try:
            for event in message.events:
                await self._take(event)
        finally:
            message.done.set()

    @on(SessionEvent)
    async def _on_session_event(self, message: SessionEvent) -> None:
        await self._take(message.event)

    async def _take(self, event: ev.Event) -> None:
        now = self.clock()
        self.model.apply(event, now)
        if isinstance(event, ev.GroupMessage):
            self._show_group(event, now)
        elif isinstance(event, ev.DirectMessage):
            self._show_private(event, now)
        elif isinstance(event, ev.Connected) and self.invite is None:
            await self._open_invite()
        elif isinstance(event, ev.SessionEnded):
            self.notify(f"The session has ended ({event.reason}).", timeout=30)
        elif isinstance(event, ev.Rejected):
            self.notify(f"A message could not be verified and was not shown ({event.reason}).",
                        severity="warning")
        elif isinstance(event, ev.RelayError):
            self.notify(f"The relay refused that: {event.msg}", severity="warning")
        self.schedule_refresh()

    def _show_group(self, event: ev.GroupMessage, now: float) -> None:
        assert self.session is not None
        line = chatlines.group_line(event, self.name_of, self.session.identity.vk)
        if line:
            self.query_one("#group", ChatPanel).write(line)
        if event.kind == "chat" and event.sender != self.session.identity.vk:
            self._scan(event.sender, event.body["text"], now)

    def _show_private(self, event: ev.DirectMessage, now: float) -> None:
        if event.kind == "consent_reply":
            self._consent_answered(event.sender, event.body, now)
            return
        line = chatlines.private_line(event, self.name_of)
        if line:
            self._log_private(event.sender, line)
        if event.kind in ("private", "trigger", "step_out", "check_in_reply"):
            text = event.body.get("text") or event.body.get("note")
            if text:
                self._scan(event.sender, text, now)

    def _consent_answered(self, vk: bytes, body: dict[str, Any], now: float) -> None:
        """Recorded in the workflow either way; details count only with a yes."""
        answer = body["answer"]
        if self.records.consent_answered(vk, answer, body.get("details")) is None:
            return  # nobody asked them: nothing to record
        self.model.note_consent_answer(vk, answer, now)
        self._log_private(vk, f"{self.name_of(vk)} answered your consent request: {answer}")
        for screen in self.screen_stack:
            if isinstance(screen, SafeguardingScreen) and screen.vk == vk:
                screen.refresh_consent()

    def _scan(self, vk: bytes, text: str, now: float) -> None:
        """Risk cues are spotted here, on the facilitator's machine only."""
        for cue in self.scanner.scan(text):
            self.model.add_risk_cue(vk, cue.category, cue.severity, text, now)

    async def _open_invite(self) -> None:
        assert self.session is not None
        # After a console restart the session already holds the link members have.
        known = self.session.invites
        self.invite = known[0] if known else await self.session.create_invite()
        self._invite_ready.set()
        if self.on_invite is not None:
            self.on_invite(self.invite)
        if self.invite_file is not None:
            write_private(self.invite_file, (self.invite.link + "\n").encode())
        self.notify("The session is open. Press i for the invite link.", timeout=10)

    async def wait_for_invite(self) -> InviteLink:
        await self._invite_ready.wait()
        assert self.invite is not None
        return self.invite

    # --- rendering -----------------------------------------------------------------------
    def name_of(self, vk: bytes) -> str:
        if self.session is not None and vk == self.session.identity.vk:
            return "You"
        p = self.model.participants.get(vk)
        return p.label if p else "someone"

    def schedule_refresh(self) -> None:
        # Events come in bursts; redraw once per burst, not once per event.
        if not self._refresh_pending:
            self._refresh_pending = True
            self.set_timer(REFRESH_AFTER, self.refresh_views)

    def refresh_views(self) -> None:
        self._refresh_pending = False
        if not self.is_running:
            return  # a timer that fired while the console closes: nothing left to draw
        now = self.clock()
        self.query_one(SessionHeader).show(self.model, self.config.group_name, self.relay_label, now)
        self.query_one(AttentionPanel).show(self.model.attention(now))
        self.query_one(ParticipantsTable).show(self.model, now)
        if self.model.take_new_urgent(now) and self.config.bell:
            self.bell()

    def _log_private(self, vk: bytes, line: str) -> None:
        self.private_logs[vk].append(line)
        if vk == self.selected:
            self.query_one("#private", ChatPanel).write(line)

    def select(self, vk: bytes | None) -> None:
        if vk == self.selected:
            return
        self.selected = vk
        panel = self.query_one("#private", ChatPanel)
        name = self.name_of(vk) if vk else ""
        panel.border_title = Content(f"Private with {name}") if vk else "Private"  # a name is not markup
        panel.replace(self.private_logs.get(vk, []) if vk else [])

    def _focus_is_in(self, kind: type) -> bool:
        # While the console closes there is no screen left to be in.
        return self.is_running and isinstance(self.focused, kind)

    @on(AttentionPanel.Chosen)
    def _chosen_item(self, message: AttentionPanel.Chosen) -> None:
        # Only the panel the facilitator is in moves the selection, so a redraw
        # of the other one never changes whom the next key acts on.
        if message.item is not None and self._focus_is_in(AttentionPanel):
            self.select(message.item.vk)

    @on(ParticipantsTable.Chosen)
    def _chosen_person(self, message: ParticipantsTable.Chosen) -> None:
        if self._focus_is_in(ParticipantsTable):
            self.select(message.vk)

    @on(AttentionPanel.Acknowledge)
    def _acknowledge(self, message: AttentionPanel.Acknowledge) -> None:
        item = message.item
        if item.kind in SAFEGUARDING_KINDS:
            self.open_safeguarding(item.vk)
        self.model.acknowledge(item.id, self.clock())
        self.refresh_views()

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

    def person(self, *places: Place) -> bytes | None:
        """The selected person, if they are in one of ``places``."""
        p = self.model.participants.get(self.selected) if self.selected else None
        if p is None or p.place not in places:
            return None
        return p.vk

    def _need(self, vk: bytes | None, what: str) -> bytes | None:
        if vk is None:
            self.notify(what, severity="warning")
        return vk

    async def action_admit(self) -> None:
        vk = self._need(self.person(Place.WAITING, Place.HELD) or self.model.next_knock(),
                        "Nobody is in the waiting room.")
        if vk is None or self.session is None:
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
        vk = self._need(self.person(Place.WAITING, Place.HELD) or self.model.next_knock(),
                        "Nobody is in the waiting room.")
        if vk is not None and self.session is not None:
            name = self.name_of(vk)
            if await self.act(self.session.deny(vk), f"{name} was not let in."):
                self.model.note_denied(vk, self.clock())

    async def action_floor(self) -> None:
        vk = self._need(self.model.oldest_hand(), "No hands are raised.")
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
                self._log_private(vk, f"You checked in: {text}")

    def action_private(self) -> None:
        vk = self._need(self.person(Place.SEATED, Place.WAITING, Place.HELD),
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
                self._log_private(vk, f"You: {text}")
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

    def action_remove(self) -> None:
        vk = self._need(self.person(Place.SEATED, Place.WAITING, Place.HELD), "Select someone first.")
        if vk is not None:
            self.push_screen(RemoveScreen(self.name_of(vk), self.config.removal_reasons),
                             lambda removal: self._remove(vk, removal))

    async def _remove(self, vk: bytes, removal: Removal | None) -> None:
        if removal is None or self.session is None:
            return
        if await self.act(self.session.remove(vk, removal.ban_seconds),
                          f"{self.name_of(vk)} has been removed."):
            self.model.note_removed(vk, removal.reason, self.clock())

    def action_safeguard(self) -> None:
        vk = self._need(self.person(Place.SEATED, Place.WAITING, Place.HELD), "Select someone first.")
        if vk is not None:
            self.open_safeguarding(vk)

    def open_safeguarding(self, vk: bytes) -> None:
        if self.session is not None:
            self.push_screen(SafeguardingScreen(
                self.records, self.session, vk, self.name_of(vk), resources=self.config.resources,
                on_held=lambda held: self.model.note_held(held, self.clock()),
                send_private=self.send_private))

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
            self._exported_records = len(self.records.records)
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
        if isinstance(self.focused, Input):
            self.query_one(AttentionPanel).focus()

    def action_invite(self) -> None:
        if self.invite is None or self.session is None:
            self.notify("The session is not open yet.", severity="warning")
            return
        text = (f"Send this link to members privately; anyone with it can knock:\n\n"
                f"{self.invite.link}\n\nYour safety code: {self.session.safety_code}\n"
                "Members can compare it with the code their client shows for you.")
        if self.invite_file is not None:
            text += f"\n\nThe link is also in {self.invite_file}"
        self.push_screen(ChoiceScreen("Invite link", text, [("close", "Close", "enter")]))

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_quit_session(self, before: str = "") -> None:
        choices = [("end", "End the session for everyone", "e"), ("stay", "Stay", "s")]
        text = before + "\n\n" if before else ""
        text += "Everyone will be told the session has ended, and nothing of it is kept."
        unsaved = len(self.records.records) - self._exported_records
        if unsaved > 0:
            text += (f"\n{unsaved} safeguarding record(s) have not been exported and will be lost. "
                     "Press x to export first.")
        choices.insert(-1, ("export", "Export first", "x"))
        if not self.embedded_relay:
            choices.insert(1, ("leave", "Quit, leave it running", "l"))
            text += ("\nIf you leave it running, members stay connected and you can come back "
                     "within 15 minutes by starting the console again.")
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
        elif answer == "leave":
            if self.session is not None:
                await self.session.stop()
            self.exit()

    def _export_then_ask_again(self, choice: ExportChoice | None) -> None:
        written = self._write(choice)
        self.action_quit_session(self._written_text(written) if written else "")
