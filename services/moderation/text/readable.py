"""Readable forms of a comment for a language model, with the way back to the original.

The legal matcher's canonical text (text/normalise.py) folds letters that stand for each
other ("l", "i", "1" all become one letter) and drops punctuation: right for matching a
term list, unreadable for a transformer. This module makes two views a model can read:

- `for_model`: HTML entities decoded, "RT" markers dropped, @mentions and URLs replaced by
  placeholders (the training tweets are full of them; news comments are not).
- `deobfuscated`: additionally undoes the tricks used to slip abuse past filters: look-alike
  letters (Cyrillic, Greek, fullwidth, maths alphabets, small capitals), invisible characters
  (zero-width, tag characters, variation selectors, Hangul fillers), leetspeak inside words
  ("1d10t"), letters spaced or dotted apart ("s t u p i d", "i.d.i.o.t"), masked letters
  matched against a word list ("st*pid"), and long runs of one letter ("stuuuupid").

Every character of a view remembers the original character it came from (`origin`), so a
span the model finds in a view is reported as a span of the original body.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from moderation.text.normalise import CONFUSABLES, INVISIBLE_LETTERS

LEET_IN_WORDS = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
LEET_INNER_ONLY = {"!": "i", "|": "l"}  # punctuation unless between letters
# Letters that are commonly doubled in English ("kill", "ass", "too", "see"): a long run of
# one of these becomes two, any other letter's run one ("stuuupid" -> "stupid").
DOUBLES = set("lseotfgmnprcdb")


@dataclass(frozen=True)
class Mapped:
    text: str
    origin: tuple[int, ...]  # index in the original body of each character of `text`

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """[start, end) in this view -> [start, end) in the original body."""
        return self.origin[start], self.origin[end - 1] + 1


class _Builder:
    def __init__(self) -> None:
        self.chars: list[str] = []
        self.origin: list[int] = []

    def add(self, text: str, at: int) -> None:
        for char in text:
            self.chars.append(char)
            self.origin.append(at)

    def copy(self, source: Mapped, start: int, end: int) -> None:
        """Characters [start, end) of `source`, unchanged, with their origins."""
        self.chars.append(source.text[start:end])
        self.origin.extend(source.origin[start:end])

    def build(self) -> Mapped:
        return Mapped("".join(self.chars), tuple(self.origin))


def _substitute(
    source: Mapped, pattern: re.Pattern[str], replace: Callable[[re.Match[str]], str]
) -> Mapped:
    """Regex substitution that keeps the origin of every character."""
    out: _Builder | None = None
    last = 0
    for match in pattern.finditer(source.text):
        replacement = replace(match)
        if replacement == match.group():
            continue  # unchanged: copied along with the text around it
        if out is None:
            out = _Builder()
        out.copy(source, last, match.start())
        width = match.end() - match.start()
        if replacement and width:
            # Spread the replacement over the characters it replaces, first to first and
            # last to last, so a span inside it maps onto the whole original stretch.
            for offset, char in enumerate(replacement):
                if len(replacement) == 1:
                    source_offset = 0
                else:
                    source_offset = round(offset * (width - 1) / (len(replacement) - 1))
                out.add(char, source.origin[match.start() + source_offset])
        last = match.end()
    if out is None:
        return source  # most comments: nothing matched, nothing to rebuild
    out.copy(source, last, len(source.text))
    return out.build()


def identity(text: str) -> Mapped:
    return Mapped(text, tuple(range(len(text))))


_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_RETWEET = re.compile(r"^\s*RT\b[:\s]*")
_MENTION = re.compile(r"(?<!\w)@\w{4,}|<user>")  # "@ss" is leet, not a handle
_URL = re.compile(r"https?://\S+|www\.\S+|<url>")
_SPACES = re.compile(r"\s{2,}")
MENTION = "@user"


def for_model(text: str) -> Mapped:
    view = _substitute(identity(text), _ENTITY, lambda m: html.unescape(m.group()))
    view = _substitute(view, _RETWEET, lambda m: "")
    view = _substitute(view, _MENTION, lambda m: MENTION)
    view = _substitute(view, _URL, lambda m: "link")
    return _substitute(view, _SPACES, lambda m: " ")


@lru_cache(maxsize=4096)
def _plain_char(char: str) -> str:
    """One character -> the plain character it imitates ('' when it should vanish)."""
    # Zero-width, tag and variation-selector characters are format or combining marks;
    # Hangul fillers and the blank Braille pattern are letters that render as nothing.
    if char in INVISIBLE_LETTERS or unicodedata.category(char) in ("Cf", "Mn", "Me"):
        return ""
    if char.isascii():
        return char
    if char in CONFUSABLES or char.lower() in CONFUSABLES:  # incl. small capitals, IPA
        plain = CONFUSABLES.get(char) or CONFUSABLES[char.lower()]
        return plain.upper() if char.isupper() else plain
    folded = unicodedata.normalize("NFKD", char)
    base = "".join(c for c in folded if not unicodedata.combining(c))
    if len(base) == 1 and base.isascii():
        return base
    return char  # accented letters and other scripts stay as they are


def _plain_letters(view: Mapped) -> Mapped:
    if view.text.isascii():
        return view
    out = _Builder()
    for char, at in zip(view.text, view.origin, strict=True):
        out.add(_plain_char(char), at)
    return out.build()


_WORDISH = re.compile(r"[\w@$!|*]+")
# Three or more single letters with the same separator: "s t u p i d", "i.d.i.o.t".
_SPACED = re.compile(r"(?<![\w.*-])[A-Za-z]([ .\-_*])(?:[A-Za-z]\1){1,}[A-Za-z](?![\w])")
_RUN = re.compile(r"([A-Za-z])\1{2,}")


def _undo_leet(vocabulary: frozenset[str]) -> Callable[[re.Match[str]], str]:
    """Leetspeak undone only where the result is a listed word ("1d10t" -> "idiot"), so
    "M1", "7am" and "4-0" stay as they are."""

    def undo(match: re.Match[str]) -> str:
        token = match.group()
        if token == MENTION or not any(c.isalpha() for c in token):
            return token
        chars = list(token)
        for i, char in enumerate(chars):
            if char in LEET_IN_WORDS:
                chars[i] = LEET_IN_WORDS[char]
            elif char in LEET_INNER_ONLY and 0 < i < len(chars) - 1:
                chars[i] = LEET_INNER_ONLY[char]
        plain = "".join(chars)
        if plain == token or not _known(plain.lower(), vocabulary):
            return token
        return plain

    return undo


def _known(word: str, vocabulary: frozenset[str]) -> bool:
    # Listed words and their inflections ("idiot" -> "idiots", "killing").
    return word in vocabulary or any(
        word.startswith(v) and len(v) >= 4 for v in vocabulary if v[:2] == word[:2]
    )


def _join_spaced(match: re.Match[str]) -> str:
    return "".join(c for c in match.group() if c.isalpha())


def _collapse_run(match: re.Match[str]) -> str:
    letter = match.group(1)
    return letter * 2 if letter.lower() in DOUBLES else letter


def _unmask(words: frozenset[str]) -> Callable[[re.Match[str]], str]:
    by_length: dict[int, list[str]] = {}
    for word in words:
        by_length.setdefault(len(word), []).append(word)

    def fill(match: re.Match[str]) -> str:
        token = match.group()
        if "*" not in token or token.strip("*") == "":
            return token
        lower = token.lower()
        candidates = [
            w
            for w in by_length.get(len(token), ())
            if all(t == "*" or t == c for t, c in zip(lower, w, strict=True))
        ]
        return candidates[0] if len(candidates) == 1 else token

    return fill


# Abuse written as an acronym, spelt out so a model that never saw the acronym reads it.
ACRONYMS = {"kys": "kill yourself", "stfu": "shut the fuck up", "gtfo": "get the fuck out"}
_ACRONYM = re.compile(r"\b(?:" + "|".join(ACRONYMS) + r")\b", re.IGNORECASE)

# Anything the steps below could change: a non-ASCII character, a digit or symbol touching
# a letter, single letters with separators between them, or a run of three of one letter.
_MAYBE_DISGUISED = re.compile(
    r"[^\x00-\x7f]|[A-Za-z][0-9@$!|*]|[0-9@$!|*][A-Za-z]"
    r"|\b[A-Za-z][ .\-_*][A-Za-z]\b|([A-Za-z])\1\1"
)


def deobfuscated(text: str, vocabulary: Iterable[str] = ()) -> Mapped:
    """The comment as its author meant it to be read (see the module docstring).

    `vocabulary`: the words a leetspeak or masked token may be read as (the scorer passes
    its lexicon); other tokens keep their digits and asterisks."""
    if not _MAYBE_DISGUISED.search(text) and not _ACRONYM.search(text):
        return for_model(text)  # the common case, at a fifth of the cost
    words = frozenset(w.lower() for w in vocabulary if w.isalpha())
    view = _plain_letters(for_model(text))
    view = _substitute(view, _SPACED, _join_spaced)
    if words:
        view = _substitute(view, _WORDISH, _undo_leet(words))
        if "*" in view.text:
            view = _substitute(view, _WORDISH, _unmask(words))
    view = _substitute(view, _RUN, _collapse_run)
    return _substitute(view, _ACRONYM, lambda m: ACRONYMS[m.group().lower()])
