"""A radio button and a checkbox whose state shows without colour.

Textual draws both states of a toggle with the same character ("▐●▌", "▐X▌")
and tells them apart by colour alone; on a monochrome terminal, or to someone
who cannot tell the colours apart, every choice looks made. Here an unmade
choice is an empty box.
"""

from __future__ import annotations

from textual.widgets import Checkbox, RadioButton


class ClearRadioButton(RadioButton):
    """Chosen "▐●▌", not chosen "▐ ▌"."""

    @property  # type: ignore[override]
    def BUTTON_INNER(self) -> str:  # noqa: N802 (Textual's name for it)
        return "\u25cf" if self.value else " "


class ClearCheckbox(Checkbox):
    """Ticked "▐X▌", not ticked "▐ ▌"."""

    @property  # type: ignore[override]
    def BUTTON_INNER(self) -> str:  # noqa: N802
        return "X" if self.value else " "
