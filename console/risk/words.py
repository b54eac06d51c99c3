"""Chat text as plain words, so one phrase matches the ways people type it.

Lower case; curly apostrophes straightened; contractions spelled out whether or
not the apostrophe was typed ("dont", "don't" -> "do not"); chat slang and
common misspellings of the words that matter replaced ("kms" -> "kill myself",
"suicdal" -> "suicidal"); letters held down collapsed ("sooo" -> "so").
Sentence punctuation stays as its own token, because a phrase never reaches
across it. What comes out is one string of tokens joined by single spaces.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u2032": "'"})
BREAKS = ",.!?;:"
LAUGHS = "\U0001f602\U0001f923\U0001f606\U0001f605\U0001f61c\U0001f92a"  # crying with laughter...
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)*|[" + re.escape(BREAKS) + "]+")
_HELD = re.compile(r"([a-z])\1{2,}")  # three or more of one letter
_HYPHEN = re.compile(r"(?<=\w)[-/](?=\w)")

# Written out, with or without the apostrophe. "ill" and "were" are real words,
# so only their apostrophe forms are here.
CONTRACTIONS = {
    "i'm": "i am", "im": "i am", "i've": "i have", "ive": "i have", "i'd": "i would", "id": "i would",
    "i'll": "i will", "you're": "you are", "youre": "you are", "you've": "you have",
    "you'll": "you will", "you'd": "you would", "he's": "he is", "hes": "he is", "she's": "she is",
    "shes": "she is", "it's": "it is", "that's": "that is", "thats": "that is",
    "there's": "there is", "theres": "there is", "what's": "what is", "whats": "what is",
    "who's": "who is", "let's": "let us", "he'll": "he will", "she'll": "she will",
    "they'll": "they will", "theyll": "they will", "we'll": "we will", "it'll": "it will",
    "he'd": "he would", "she'd": "she would", "they'd": "they would", "we'd": "we would",
    "they're": "they are", "theyre": "they are", "we're": "we are", "they've": "they have",
    "we've": "we have", "don't": "do not", "dont": "do not", "doesn't": "does not",
    "doesnt": "does not", "didn't": "did not", "didnt": "did not", "can't": "can not",
    "cant": "can not", "cannot": "can not", "won't": "will not", "wont": "will not",
    "wouldn't": "would not", "wouldnt": "would not", "couldn't": "could not",
    "couldnt": "could not", "shouldn't": "should not", "shouldnt": "should not",
    "isn't": "is not", "isnt": "is not", "aren't": "are not", "arent": "are not",
    "wasn't": "was not", "wasnt": "was not", "weren't": "were not", "werent": "were not",
    "haven't": "have not", "havent": "have not", "hasn't": "has not", "hasnt": "has not",
    "hadn't": "had not", "hadnt": "had not", "ain't": "is not", "aint": "is not",
    "mustn't": "must not", "needn't": "need not",
}

# Chat slang, and the misspellings of the words that matter seen in chats.
SLANG = {
    "gonna": "going to", "gunna": "going to", "wanna": "want to", "wana": "want to",
    "gotta": "got to", "imma": "i am going to", "ima": "i am going to", "finna": "going to",
    "kms": "kill myself", "kys": "kill yourself", "unalive": "kill", "unaliving": "killing",
    "unalived": "killed", "od": "overdose", "od'd": "overdosed", "oded": "overdosed",
    "odd'd": "overdosed", "oding": "overdosing", "od'ing": "overdosing", "sh": "self harm",
    "sh'd": "self harmed", "sh'ing": "self harming", "selfharm": "self harm", "si": "suicidal ideation",
    "rn": "right now", "atm": "at the moment", "istg": "i swear",
    # fillers say nothing here, and "ngl" spelled out would read as a negation
    "tbh": "", "ngl": "", "tbf": "", "honestly": "", "lowkey": "", "literally": "", "fr": "",
    "frfr": "", "tho": "", "idk": "",
    "u": "you", "ur": "your", "ya": "you", "bf": "boyfriend", "gf": "girlfriend", "yo": "year old",
    "yr": "year", "yrs": "years", "mum's": "mum", "coz": "because", "cos": "because", "cuz": "because",
    "pls": "please", "plz": "please", "ppl": "people", "sum1": "someone", "some1": "someone",
    "no1": "no one", "noone": "no one", "nobodys": "nobody is", "every1": "everyone",
    "meself": "myself", "mysef": "myself", "myslef": "myself", "mysel": "myself", "myselfe": "myself",
    "myslf": "myself", "msyelf": "myself", "kil": "kill", "kll": "kill", "kilk": "kill",
    "kiling": "killing", "killin": "killing", "suicdal": "suicidal", "sucidal": "suicidal",
    "suicida": "suicidal", "suicidial": "suicidal", "sucide": "suicide", "suicde": "suicide",
    "suiside": "suicide", "sucicide": "suicide", "overdosed'": "overdosed", "overdoes": "overdose",
    "breath": "breathe", "breating": "breathing", "breathin": "breathing", "cuting": "cutting",
    "hurtin": "hurting", "tabs": "tablets", "paracetemol": "paracetamol", "paracetmol": "paracetamol",
    "pils": "pills", "lol": "lol", "lmao": "lol", "lmfao": "lol", "haha": "lol", "hahaha": "lol",
    "jk": "lol", "x": "",
}
LAUGH_TOKEN = "lol"
ILL_IS_I_WILL = frozenset({"be", "kill", "hurt", "end", "do", "never", "make", "go", "just", "take",
                           "jump", "stab", "get", "find", "cut", "use", "miss", "see", "not", "probably"})


def tokens(text: str) -> list[str]:
    """The normalised tokens of one message."""
    text = text.lower().translate(APOSTROPHES)
    for laugh in LAUGHS:
        text = text.replace(laugh, " lol ")
    text = _HYPHEN.sub(" ", text)
    text = _HELD.sub(r"\1", text)
    out: list[str] = []
    raw_words = _TOKEN.findall(text)
    for i, raw in enumerate(raw_words):
        if raw == "ill" and i + 1 < len(raw_words) and raw_words[i + 1] in ILL_IS_I_WILL:
            out += ["i", "will"]  # "ill be gone soon", not "ill" as unwell
            continue
        if raw[0] in BREAKS:
            out.append(raw[0])
            continue
        out.extend(_spelled(raw))
    return out


def _spelled(word: str) -> Iterable[str]:
    """One typed word as the words it stands for."""
    if word in SLANG:
        return SLANG[word].split()
    if word in CONTRACTIONS:
        return CONTRACTIONS[word].split()
    if word.endswith("'s"):  # a possessive: "mum's car" reads as "mum car"
        return [word[:-2]]
    if "'" in word:
        bare = word.replace("'", "")
        return (SLANG.get(bare) or CONTRACTIONS.get(bare) or bare).split()
    if word.endswith("yo") and word[:-2].isdigit():  # "13yo"
        return [word[:-2], "year", "old"]
    return [word]


def normalised(text: str) -> str:
    return " ".join(tokens(text))
