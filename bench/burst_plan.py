"""What the console burst sends: its event kinds, chat lines, key repeat, and which member sends what."""

from __future__ import annotations


KEY_EVERY = 0.03  # seconds between arrow keys: about a keyboard's auto-repeat
BURST_KINDS = {("group", "chat"), ("group", "hand"), ("direct", "step_out"),
               ("direct", "back"), ("direct", "trigger")}
CHATS = [
    "Thank you for sharing that, it means a lot to hear it.",
    "This week has been a bit of a struggle for me, honestly.",
    "I tried the breathing thing we talked about and it helped.",
    "Can I say something about what came up last time?",
    "I'm glad I came tonight.",
]


def burst_plan(events: int, members: int) -> list[list[str]]:
    """Which events each member sends, in order: about half chat, a quarter
    hands (up, then down), 15 % step-outs (step_out, then back), 10 % triggers."""
    pattern = ["chat", "hand", "chat", "step", "chat", "hand", "trigger", "chat", "hand", "chat",
               "chat", "hand", "step", "chat", "chat", "hand", "trigger", "step", "chat", "hand"]
    plans: list[list[str]] = [[] for _ in range(members)]
    for i in range(events):
        plans[i % members].append(pattern[(i // members + i) % len(pattern)])
    return plans
