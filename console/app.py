"""The facilitator's console: everything at a glance, one key per action.

The app only wires things together: session events go into the UI-free
``SessionModel``; widgets render the model; keys call the session (their
actions are in actions.py, the app's base). No crypto, no sockets here.
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
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Footer, Static
from textual.worker import Worker, WorkerState

from holdspace.client import chatlines
from holdspace.client import events as ev
from holdspace.client.display import Line, clean_block
from holdspace.client.facilitator_session import FacilitatorSession
from holdspace.client.identity import Identity
from holdspace.client.invites import InviteLink
from holdspace.console.actions import ConsoleActions
from holdspace.console.co_actions import CoStart
from holdspace.console.cofacilitation import CO, LEAD, CoFacilitation
from holdspace.console.config import ConsoleConfig, write_private
from holdspace.console.ended import ended_text
from holdspace.console.facilitator import Kind, SessionModel
from holdspace.console.links import LinkBook
from holdspace.console.risk.scanner import RiskScanner
from holdspace.console.safeguarding import SafeguardingLog
from holdspace.console.screens.co_waiting import CoWaitingScreen
from holdspace.console.screens.safeguarding import SafeguardingScreen
from holdspace.console.widgets.attention import AttentionPanel
from holdspace.console.widgets.chat import ChatPanel
from holdspace.console.widgets.participants import ParticipantsTable
from holdspace.console.widgets.session_header import SessionHeader

# Builds the session (and a relay, when the console runs its own); returns the
# session and a short description of the relay for the header.
Connector = Callable[[], Awaitable[tuple[FacilitatorSession, str]]]
SAFEGUARDING_KINDS = frozenset({Kind.HELP, Kind.SUPPORT, Kind.RISK, Kind.CONSENT})
EVENT_BATCH = 16  # session events per app message (about 3 ms of work)
REFRESH_AFTER = 0.2  # seconds: panels are rebuilt at most this often while events pour in


class FacilitatorApp(ConsoleActions):
    TITLE = "holdspace console"
    CSS_PATH = "console.tcss"
    # The footer shows these in this order; at 80 columns the first seven stay.
    BINDINGS = [
        Binding("a", "admit", "Let in", tooltip="Let in the highlighted person from the waiting room"),
        Binding("n", "floor", "Floor", tooltip="Invite the highlighted person to speak, in front of the group"),
        Binding("c", "check_in", "Check in"),
        Binding("s", "safeguard", "Safeguard"),
        Binding("x", "remove", "Remove"),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit_session", "Quit"),
        Binding("p", "private", "Private"),
        Binding("h", "hold", "Wait room", tooltip="Send the highlighted person to the waiting room"),
        Binding("i", "invite", "Invite"),
        Binding("e", "export", "Export", tooltip="Export safeguarding records or a session summary"),
        # o, as in co-: not f or l, which end or leave the session in the quit dialog.
        Binding("o", "co_invite", "Co-facilitator", show=False),
        Binding("d", "deny", "Not now", show=False),
        Binding("m", "notice", "Notice", show=False),
        Binding("g", "group_chat", "Chat", show=False),
        Binding("ctrl+q", "quit_session", "Quit", show=False, priority=True),
        Binding("ctrl+c", "quit_session", "Quit", show=False),
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

    def __init__(self, config: ConsoleConfig, connect: Connector | None, *,
                 invite_file: Path | None = None, embedded_relay: bool = False,
                 co_invite_file: Path | None = None, co_start: CoStart | None = None,
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
        # With co_start this console is a co-facilitator's, which joins through the lead's link.
        self.co_start, self.co_invite_file = co_start, co_invite_file
        self.co = CoFacilitation(self.model.participants, CO if co_start else LEAD)
        self.scanner = RiskScanner.from_config(config.safeguarding)
        self.records = SafeguardingLog(config, clock=clock)
        self.session: FacilitatorSession | None = None
        self.relay_label = ""
        self.invite: InviteLink | None = None
        self.links = LinkBook()
        self.selected: bytes | None = None
        self._in_list: AttentionPanel | ParticipantsTable | None = None  # the list the facilitator was last in
        self.private_logs: dict[bytes, list[Line]] = defaultdict(list)
        self._refresh_pending = False
        self._invite_ready = asyncio.Event()
        self.exported_records = 0  # how many safeguarding records an export holds

    def notify(self, message: str, *, markup: bool = False, **kwargs) -> None:  # type: ignore[no-untyped-def, override]
        """Notifications often carry member names: never read them as markup, and
        nothing in them reaches the terminal as a control character."""
        super().notify(clean_block(message), markup=markup, **kwargs)

    # --- layout ----------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield SessionHeader(id="header")
        yield Static("", id="co-line", markup=False)  # shown while the lead is away
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield AttentionPanel(id="attention")
                yield ParticipantsTable(id="people")
            with Vertical(id="right"):
                yield ChatPanel("Group chat", "Message to the group (Enter sends)", id="group")
                yield ChatPanel("Private", "Private message to the selected person", id="private")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one(AttentionPanel).focus()
        if self.co_start is not None:
            self.push_screen(CoWaitingScreen())
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
        connect = self.co_connect if self.co_start is not None else self.connect
        assert connect is not None
        self.session, self.relay_label = await connect()
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
        if self.take_co(event, now):
            self.schedule_refresh()
            return
        self.model.apply(event, now)
        if isinstance(event, ev.GroupMessage):
            self._show_group(event, now)
        elif isinstance(event, ev.DirectMessage):
            self._show_private(event, now)
        elif isinstance(event, ev.Knock):
            self._note_knock(event, now)
        elif isinstance(event, ev.Connected) and self.invite is None and self.co_start is None:
            await self._open_invite()
        elif isinstance(event, ev.SessionEnded):
            self._ended(event)
        elif isinstance(event, ev.Rejected):
            self.notify(chatlines.refused_line(event, self.name_of), severity="warning")
        elif isinstance(event, ev.Gap):
            line = Line.of(chatlines.gap_line(event, self.name_of))
            if event.private:
                self.log_private(event.sender, line)
            else:
                self.query_one("#group", ChatPanel).write(line)
        elif isinstance(event, ev.KeysUnconfirmed) and event.members:
            self.notify(chatlines.unconfirmed_line([self.name_of(m) for m in event.members]),
                        severity="warning", timeout=15)
        elif isinstance(event, ev.RelayError):
            self.notify(f"The relay refused that: {event.msg}", severity="warning")
        self.schedule_refresh()

    def _ended(self, event: ev.SessionEnded) -> None:
        # The invite opens on the first connection (a co-facilitator's: once let in).
        reached = self.invite is not None or (self.co.is_co and self.co.promoted)
        relay = self.session.relay_url if self.session else self.relay_label
        text = ended_text(event, relay, reached=reached, built_in=self.embedded_relay)
        if reached:
            self.notify(text, severity="error", timeout=30)
        else:  # an empty console helps no one: leave it, and say why in the terminal
            self.exit(return_code=1, message=text)

    def _note_knock(self, event: ev.Knock, now: float) -> None:
        """Which link they used, and whether they match someone removed."""
        flag = self.links.knocked(event.member, event.name, event.invite, now)
        co = event.cofacilitator  # came through a co-facilitator link, its client saying so
        self.co.knocked(event.member, co, event.returning)
        if co:
            self.notify(f"{event.name} wants to join as your co-facilitator. Press a to decide.", timeout=15)
        self.model.note_knock_context(event.member, self.links.came_in_with(event.member), flag, co)

    def _show_group(self, event: ev.GroupMessage, now: float) -> None:
        assert self.session is not None
        me = self.session.identity.vk
        # Marked ◆ when from us or a facilitator beside us (the lead's signed roster says who).
        facilitators = self.co.vks(me, self.session.facilitator_vk)
        line = chatlines.group_line(event, self.name_of, me, facilitator=facilitators)
        if line:
            self.query_one("#group", ChatPanel).write(line)
        if event.kind == "chat" and event.sender not in facilitators:
            self._scan(event.sender, event.body["text"], now)

    def _show_private(self, event: ev.DirectMessage, now: float) -> None:
        if event.kind == "consent_reply":
            self._consent_answered(event.sender, event.body, now)
            return
        line = chatlines.private_line(event, self.name_of)
        if line:
            self.log_private(event.sender, line)
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
        self.log_private(vk, Line.of(f"{self.name_of(vk)} answered your consent request: {answer}"))
        for screen in self.screen_stack:
            if isinstance(screen, SafeguardingScreen) and screen.vk == vk:
                screen.refresh_consent()

    def _scan(self, vk: bytes, text: str, now: float) -> None:
        """Risk cues are spotted here, on the facilitator's machine only."""
        for cue in self.scanner.scan(text):
            self.model.add_risk_cue(vk, cue.category, cue.severity, text, now,
                                    label=cue.label, term=cue.words)

    async def _open_invite(self) -> None:
        assert self.session is not None
        # After a console restart the session already holds the link members have.
        known = self.session.invites
        self.use_invite(known[0] if known else await self.session.create_invite())
        await self.open_co_link_file()
        self._invite_ready.set()
        self.notify("The session is open. Press i for the invite link.", timeout=10)

    def use_invite(self, link: InviteLink) -> None:
        """The link members are given from now on."""
        self.invite = link
        if self.on_invite is not None:
            self.on_invite(link)
        if self.invite_file is not None:
            # Line 1 for `holdspace join`, line 2 for a browser: both let a member in.
            write_private(self.invite_file, f"{link.link}\n{link.web_link}\n".encode())

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
        self.query_one(SessionHeader).show(self.model, self.group_name(), self.relay_label, now,
                                           self.co.header_words())
        self.query_one(AttentionPanel).show(self.co.mark(self.model.attention(now)))
        self.query_one(ParticipantsTable).show(self.model, now)
        self.sync_selection()
        if self.model.take_new_urgent(now) and self.config.bell:
            self.bell()

    def log_private(self, vk: bytes, line: Line) -> None:
        self.private_logs[vk].append(line)
        if vk == self.selected:
            self.query_one("#private", ChatPanel).write(line)

    # --- the one selection -------------------------------------------------------------
    # Whom every key acts on is whom the one highlighted line names: the cursor
    # of the list the facilitator is in (the other list shows no cursor), or,
    # while that list is empty or they are typing, of the list they were in.
    def _lists(self) -> tuple[AttentionPanel | ParticipantsTable, AttentionPanel | ParticipantsTable]:
        attention, people = self.query_one(AttentionPanel), self.query_one(ParticipantsTable)
        focused = self.focused if self.focused in (attention, people) else None
        self._in_list = focused or self._in_list or attention
        other = people if self._in_list is attention else attention
        return self._in_list, other

    def back_to_lists(self) -> None:
        """Focus the list the facilitator was last in: its highlight is the selection."""
        self._lists()[0].focus()

    def sync_selection(self) -> None:
        """Make the selection, the private pane and the one drawn cursor agree."""
        if not self.is_running or not self.screen_stack:
            return
        first, other = self._lists()
        source = first if first.person is not None or other.person is None else other
        first.marked, other.marked = source is first, source is other
        self.select(source.person)

    def select(self, vk: bytes | None) -> None:
        panel = self.query_one("#private", ChatPanel)
        title = f"Private with {self.name_of(vk)}" if vk else "Private"
        if vk != self.selected:
            self.selected = vk
            panel.replace(self.private_logs.get(vk, []) if vk else [])
        if str(panel.border_title) != title:
            panel.border_title = Content(title)  # a name is not markup

    @on(AttentionPanel.Chosen)
    @on(ParticipantsTable.Chosen)
    def _chosen(self) -> None:
        self.sync_selection()

    @on(AttentionPanel.Acknowledge)
    def _acknowledge(self, message: AttentionPanel.Acknowledge) -> None:
        item = message.item
        if item.kind is Kind.CO_KNOCK:
            self.ask_admit_co(item.vk)  # only a yes in that dialog takes it off the panel
            return
        if item.kind in SAFEGUARDING_KINDS:
            self.open_safeguarding(item.vk)  # which tells the other facilitator
        else:
            self.tell_handling(item.vk, item.kind, "ack")
        self.model.acknowledge(item.id, self.clock())
        self.refresh_views()

