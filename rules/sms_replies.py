"""Read a patient's SMS reply to one question: a number, yes or no, or a choice, in French
or English, as people type them on a phone ("8", "8/10", "huit", "Oui !", "non.", "38,5").

Pure functions, no I/O. A reply is read strictly: the whole message must be the answer
(a courtesy word around it aside, "oui merci"), so that words for the ward ("j'ai 8 de
tension et très mal") are never taken for an answer; what is not read is ``UNCLEAR`` and
the conversation asks again. Bounds are not checked here: the questionnaire's validation
does it, with the item's own range.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

REPLY_KINDS = ("number", "yes_no", "choice")

NUMBER_WORDS: Mapping[str, int] = {
    "zero": 0, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6,
    "sept": 7, "huit": 8, "neuf": 9, "dix": 10,
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}
YES = frozenset({"oui", "o", "ouais", "ouai", "yes", "y", "yep", "yeah"})
NO = frozenset({"non", "n", "no", "nope", "nan"})
# Words that say nothing: "OK merci" answers no question and is no alarm.
COURTESY = frozenset({"ok", "okay", "oki", "merci", "thanks", "thank", "you", "thx", "beaucoup",
                      "bien", "recu", "daccord", "d", "accord", "bonjour", "bonsoir", "hello",
                      "hi", "super", "parfait", "cordialement", "bonne", "journee", "much",
                      "a", "vous", "madame", "monsieur", "received", "noted", "got", "it"})
# Ways of saying "out of ten" or a temperature unit after a number.
_SUFFIX = r"(?:/ ?10|sur 10|sur dix|out of 10|out of ten|c|°|° ?c|degres?|degrees?)?"
_NUMBER = re.compile(r"^(\d{1,3}(?:[.,]\d{1,2})?) ?" + _SUFFIX + r"$")
_WORD_NUMBER = re.compile(r"^([a-z]+) ?" + _SUFFIX + r"$")


@dataclass(frozen=True)
class Reply:
    """What a reply says: ``value`` (a Decimal, a bool or a choice code), ``skip`` (the
    patient says the optional question does not apply: "non" to "your temperature?"),
    or neither (``unclear``)."""

    value: Any = None
    skip: bool = False

    @property
    def unclear(self) -> bool:
        return self.value is None and not self.skip


UNCLEAR = Reply()


def normalise(text: str) -> str:
    """Lower case, without accents, punctuation (but , . / ° - in numbers) as spaces, one
    space between words: "  Oui !! " → "oui", "Huit/10" → "huit/10"."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("’", "'").replace("'", "")
    text = re.sub(r"[^\w,./°-]+", " ", text)
    text = re.sub(r"-(?!\d)", " ", text)  # a minus sign stays: "-3" is not "3"
    text = re.sub(r"(?<!\d)[,.]|[,.](?!\d)", " ", text)  # a comma or point between digits stays
    text = re.sub(r" ?/ ?", "/", text)
    return " ".join(text.split())


def _words(text: str) -> list[str]:
    """The words of a reply, courtesy words left out ("oui merci" → ["oui"])."""
    return [w for w in normalise(text).split() if w not in COURTESY]


def is_courtesy(text: str) -> bool:
    """Only courtesy words ("OK merci", "Thanks!"): nothing to answer, nothing to read."""
    words = normalise(text).split()
    return bool(words) and all(w in COURTESY for w in words)


def parse_number(text: str) -> Decimal | None:
    """"8", "8/10", "8 sur 10", "huit", "Eight", "38,5", "38.5 °C" → the number."""
    words = " ".join(_words(text))
    match = _NUMBER.match(words)
    if match is not None:
        return Decimal(match.group(1).replace(",", "."))
    match = _WORD_NUMBER.match(words)
    if match is not None and match.group(1) in NUMBER_WORDS:
        return Decimal(NUMBER_WORDS[match.group(1)])
    return None


def parse_yes_no(text: str) -> bool | None:
    words = _words(text)
    if len(words) != 1:
        return None
    return True if words[0] in YES else False if words[0] in NO else None


def parse_choice(text: str, choices: Mapping[str, str]) -> str | None:
    """The code of the reply among ``choices`` (what the patient types → code): "2",
    "2.", "deux" or "two" for "2"."""
    words = _words(text)
    if len(words) != 1:
        return None
    keys = {normalise(key): code for key, code in choices.items()}
    word = words[0]
    return keys.get(str(NUMBER_WORDS[word]) if word in NUMBER_WORDS else word)


def parse_reply(kind: str, text: str, choices: Mapping[str, str] | None = None,
                skip: bool = False) -> Reply:
    """Read ``text`` as the answer to a question of ``kind`` (``number``, ``yes_no``,
    ``choice``); ``skip``: "non"/"no" means the optional question does not apply."""
    if kind == "number":
        value: Any = parse_number(text)
    elif kind == "yes_no":
        value = parse_yes_no(text)
    elif kind == "choice":
        value = parse_choice(text, choices or {})
    else:
        raise ValueError(f"unknown reply kind {kind!r}")
    if value is not None:
        return Reply(value)
    if skip and kind != "yes_no" and parse_yes_no(text) is False:
        return Reply(skip=True)
    return UNCLEAR
