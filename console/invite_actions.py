"""The invite links: the shared one (copy it, or replace it when it went
astray) and personal ones, one person each."""

from __future__ import annotations

from pathlib import Path

from textual.app import App

from holdspace.client.facilitator_session import FacilitatorSession
from holdspace.client.invites import InviteLink
from holdspace.client.session import SessionError
from holdspace.console.links import PERSONAL_USES, LinkBook
from holdspace.console.screens.invite_link import LinkScreen
from holdspace.ui.ask_text import AskTextScreen


class InviteActions(App[None]):
    """``i`` and what follows it. Set by the app: the attributes below and ``use_invite``."""

    session: FacilitatorSession | None
    invite: InviteLink | None
    invite_file: Path | None
    links: LinkBook  # personal links, who came in with which, who was removed

    def use_invite(self, link: InviteLink) -> None:
        raise NotImplementedError

    def action_invite(self) -> None:
        if self.invite is None or self.session is None:
            self.notify("The session is not open yet.", severity="warning")
            return
        text = ("Send one of these links to members privately; anyone with it can knock. "
                "Each scrolls sideways if it is wider than the box; the buttons copy it whole.")
        if self.session.facilitator_vk == self.session.identity.vk:
            after = (f"Your safety code: {self.session.safety_code}\n"
                     "Members can compare it with the code their client shows for you.")
        else:  # a co-facilitator's: links pin the lead, whose code members' clients show
            after = (f"The lead facilitator's safety code: {self.session.facilitator_code}\n"
                     "Members' clients show it for the facilitator.")
        if self.invite_file is not None:
            after += f"\n\nThe link is also in {self.invite_file}"
        after += ("\n\nA link that went astray: press n for a new one; the old one stops working."
                  f"\np: a personal link, for one person ({PERSONAL_USES} uses).")
        self.push_screen(LinkScreen("Invite link", self.invite, text, after,
                                    [("new", "New link", "n"), ("personal", "Personal link", "p")]),
                         self._invite_answer)

    async def _invite_answer(self, answer: str | None) -> None:
        """Make a personal link, or revoke the link and show a new one (copying
        is done in the dialog, which stays open)."""
        if answer == "personal":
            self.push_screen(AskTextScreen(
                "Who is this link for? A name you will recognise; it is never sent to anyone."),
                self._make_personal_link)
            return
        if answer == "new" and self.session is not None:
            try:
                await self._replace_shared_link()
            except SessionError as exc:
                self.notify(str(exc), severity="warning")

    async def _make_personal_link(self, label: str | None) -> None:
        if not label or not label.strip() or self.session is None:
            return
        label = label.strip()
        link = await self.session.create_invite(uses=PERSONAL_USES)
        self.links.add_personal(label, link)
        self._show_link(f"Personal link for {label}", link, f"Send this to {label} only. It lets "
                        f"one person in (up to {PERSONAL_USES} times, for a dropped connection):")

    async def _replace_shared_link(self) -> None:
        """A new shared link, shown; the old one refused from now on."""
        assert self.session is not None
        old, new = self.invite, await self.session.create_invite()
        if old is not None:
            await self.session.revoke_invite(old)
        self.use_invite(new)
        self._show_link("New invite link", new, "The old link no longer works. Members already "
                        "in the group stay in. Send one of these to the members who should have it:")

    def _show_link(self, title: str, link: InviteLink, text: str) -> None:
        self.push_screen(LinkScreen(title, link, text))
