"""When words that match a cue are not about a risk now.

Each guard reads the normalised tokens around one match:
- negated: "i'm not suicidal", "i would never hurt my kids"; a "not" the
  phrase names itself ("don't want to be here") does not count, nor "can't stop";
- addressed: said to or about someone in general, as a question, advice or
  training ("are you having thoughts of suicide?", "if someone is not breathing");
- joking: a laugh in the message and no "not joking" (only for the categories
  where hyperbole is everyday: "i'll kill him if he spoils the finale lol";
  never for suicide, self-harm or abuse, which people laugh off);
- past: told as history, with recovery ("i used to cut, 5 years free now"),
  unless the same sentence says it is happening again or now.
"""

from __future__ import annotations

import re

from holdspace.console.risk.words import BREAKS, LAUGH_TOKEN

NEGATORS = frozenset({"not", "never", "no", "nobody", "nothing", "without", "nor", "neither"})
# A negation that keeps the thing going: "i can't stop thinking about dying".
KEEPS_GOING = frozenset({"stop", "help", "shake", "wait", "resist", "control",
                         # "i don't think i can go on" means "i think i can't"
                         "think", "believe", "suppose", "reckon", "expect"})
JOINS = frozenset({"and", "but", "so", "because", "then", "or", "though", "although", "until"})
YOU = frozenset({"you", "your", "yourself", "yourselves"})
ME = frozenset({"i", "me", "my", "myself", "mine"})
ANYONE = re.compile(r"(?:^| )(?:if|when|whether) (?:someone|somebody|anyone|anybody|a person|people|they)"
                    r"(?: |$)|(?:someone|anyone|people|everyone|person|those) who(?: |$)")
ABOUT = re.compile(r"(?:^| )(?:signs? of|symptoms? of|learned about|learn about|training on|course on"
                   r"|stigma (?:about|around)|awareness of|(?:is|was|are|were) about|in the (?:book|film|movie|show|game|episode|story|series"
                   r"|documentary|news|podcast|song|soap|play))(?: |$)")
SERIOUS = re.compile(r"not joking|no joke|not kidding|not even kidding|i mean it|deadly serious"
                     r"|i am serious|being serious")
# History told as history...
LONG_AGO = re.compile(
    r"used to|years? ago|months ago|long time ago|ages ago|back in|back then|in (?:19|20)[0-9][0-9]"
    r"|since (?:19|20)[0-9][0-9]|since i was|when i was (?:a |an |little|young|small|[0-9]|at |in |"
    r"growing|pregnant|with)|as a (?:kid|child|teen|teenager|little|young)"
    r"|in my (?:teens|twenties|thirties|20s|30s|youth|old life)|through my teens|at uni|at school,"
    r"|there was a time|(?:years|months|a decade) (?:clean|free|sober|since)"
    r"|(?:clean|free|sober) (?:for|from) |have not [a-z']+ (?:[a-z']+ )?since "
    r"|have not [a-z']+ (?:[a-z']+ )?(?:in|for) (?:over |more than |almost )?(?:a |[a-z0-9]+ )?"
    r"(?:years?|ages|decades?|a long time)"
    r"|been [a-z0-9]+ (?:years|months) since|over (?:two|three|[0-9]+) years")
# ...and recovery told as now.
RECOVERED = re.compile(
    r"(?:safe|ok|okay|fine|better|well|great|doing ok) now|better place|glad (?:i am|to be) (?:still )?"
    r"(?:here|alive)|glad it did not|got help|recovered|recovery|past that|behind me|now i want to live"
    r"|now i help|it is managed|really helped|helped me|healing|never went back|i left (?:him|her)|"
    r"i have been out|restraining order|in prison|grew out of|(?:that|it) was (?:years|a long time|ages) ago"
    r"|i am doing (?:so |much |really )?(?:well|better|ok|okay|great|fine)")
NOW = re.compile(r"(?:^| )(?:again|tonight|right now|relaps[a-z]*|last night|this week|today|at the moment)"
                 r"(?: |$)")


def negated(before: list[str], matched: list[str], literals: frozenset[str]) -> bool:
    own = _own_part(before)
    if "i" in own:  # a new "i" starts a new sentence in a run-on: "i can't sleep i want to die"
        own = own[len(own) - own[::-1].index("i") - 1:]
    window = own[-3:]
    for i, word in enumerate(window):
        if word in NEGATORS and not (i + 1 < len(window) and window[i + 1] in KEEPS_GOING):
            return True
    return any(word in NEGATORS and word not in literals for word in matched)


def addressed(before: list[str]) -> bool:
    """Whoever the sentence is about, nearest the match, is "you", anyone, or a
    topic: "are you having thoughts of suicide?"; but "thank you, I want to
    die" is about me."""
    clause = _clause(before)
    for i in range(len(clause) - 1, -1, -1):
        if clause[i] in ME:
            clause = clause[i + 1:]
            break
    said = " ".join(clause)
    return bool(YOU.intersection(clause) or ANYONE.search(said) or ABOUT.search(said + " "))


def joking(text: str) -> bool:
    return f" {LAUGH_TOKEN}" in f" {text}" and not SERIOUS.search(text)


# Where a message turns from then to now: "i used to be ok but now i want to die".
TURN = re.compile(r" (?:[.!?;]|but|now|however|yet|though|these days) ")


def past(norm: str, start: int, end: int) -> bool:
    """Told as history: a long-ago marker in the part of the message that
    matched (bounded by sentence ends and turns such as "but" or "now"), or
    recovery told in that part or after it; and nothing in that part that says
    it is happening again or now."""
    left = max((m.end() for m in TURN.finditer(norm, 0, start + 1)), default=0)
    after = TURN.search(norm, end)
    part = norm[left:after.start() if after else len(norm)]
    return bool(LONG_AGO.search(part) or RECOVERED.search(norm, left)) and not NOW.search(part)


def _clause(before: list[str]) -> list[str]:
    for i in range(len(before) - 1, -1, -1):
        if before[i][0] in BREAKS:
            return before[i + 1:]
    return before


def _own_part(before: list[str]) -> list[str]:
    """The words before a match back to the last break or joining word."""
    clause = _clause(before)
    for i in range(len(clause) - 1, -1, -1):
        if clause[i] in JOINS:
            return clause[i + 1:]
    return clause
