"""Evasion-proof normalisation that still knows where every character came from.

Comments are folded into a *canonical* text of lowercase Latin tokens separated by single
spaces, e.g. "Ｓ.m.1.t.h is a l!ar" -> " smith is a l ar " (see the tests for the full list):

- Unicode compatibility forms (fullwidth, maths letters, ligatures) to their base letters;
  accents and other combining marks dropped; zero-width and format characters removed;
- Cyrillic and Greek look-alikes to the Latin letter they imitate;
- leetspeak digits and symbols (0 o, 1 i/l, 3 e, 4 a, 5 s, 7 t, @ a, $ s) to letters;
- 'l', 'i' and '1' to one letter, since '1' stands for either and terms are folded alike;
- runs of one letter collapsed ("guiiilty" -> "guilty"), in comments and terms alike;
- three or more single letters separated by one space or punctuation mark joined
  ("s m i t h", "l.i.a.r").

Every canonical character keeps the index of the original character it came from, so a
match is reported as a span of the ORIGINAL body. The per-character work is one lookup
table applied with NumPy to a whole batch at once; nothing loops over characters in Python.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

SPACE = ord(" ")
DROP = 0  # characters that vanish (zero-width, combining marks)
INNER_I = 1  # '!' and '|': an 'i' inside a word ("l!ar"), punctuation elsewhere
COMMENT_BREAK = "\n"  # between comments of a batch; no pattern contains it

# Look-alike letters, as rendered in common fonts.
CONFUSABLES = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d",
    "ɡ": "g", "һ": "h", "ӏ": "l", "ԛ": "q", "ԝ": "w", "ь": "b", "п": "n", "г": "r",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "ω": "w", "μ": "u", "γ": "y", "ς": "s", "σ": "o",
}  # fmt: skip
LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
# After everything else: one canonical letter for the three that stand in for each other.
FOLD = {"l": "i"}

_BMP = 0x10000
_MATH_ALNUM = range(0x1D400, 0x1D800)  # 𝐒𝐦𝐢𝐭𝐡 and friends
_FULLWIDTH_AND_ENCLOSED = range(0x1F100, 0x1F1FF)


def _canonical_char(char: str) -> int:
    category = unicodedata.category(char)
    if category in ("Cf", "Mn", "Me"):  # zero-width/format characters, combining marks
        return DROP
    if char in LEET:
        return ord(LEET[char])
    if char in "!|":
        return INNER_I
    decomposed = unicodedata.normalize("NFKD", char)
    base = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    if not base:
        return DROP
    first = base[0]  # 'ß' -> 'ss' and ligatures keep their first letter: length is preserved
    first = CONFUSABLES.get(first, first)
    first = LEET.get(first, first)
    first = FOLD.get(first, first)
    if first.isascii() and first.isalnum():
        return ord(first)
    if first.isalnum():
        return ord(first)  # other scripts stay themselves (a Greek word is still a word)
    return SPACE


@lru_cache(maxsize=1)
def lookup_table() -> np.ndarray:
    """Code point -> canonical code point, for the BMP and the ranges evaders use."""
    table = np.full(0x110000, SPACE, dtype=np.uint32)
    for code in (*range(_BMP), *_MATH_ALNUM, *_FULLWIDTH_AND_ENCLOSED):
        if 0xD800 <= code <= 0xDFFF:
            continue
        table[code] = _canonical_char(chr(code))
    # A line break inside a comment is plain whitespace; normalise_batch marks the breaks
    # between comments itself, by position.
    table[ord(COMMENT_BREAK)] = SPACE
    return table


_SPACED_LETTERS = re.compile(r"(?<= )(?:\w ){2,}\w(?= )")


@dataclass(frozen=True)
class CanonicalBatch:
    """Canonical text of a batch of comments, with the way back to each original."""

    text: str  # " tok tok \n tok tok " — comments separated by COMMENT_BREAK
    origin: np.ndarray  # canonical index -> first original character it stands for
    origin_end: np.ndarray  # canonical index -> last original character it stands for
    runs: np.ndarray  # canonical index -> how many identical characters it stands for
    comment_starts: np.ndarray  # canonical index where each comment begins
    original_starts: np.ndarray  # index of each original comment in the concatenation

    def comment_of(self, position: int) -> int:
        return int(np.searchsorted(self.comment_starts, position, side="right")) - 1

    def original_span(self, comment: int, start: int, end: int) -> tuple[int, int]:
        """Canonical [start, end) of one match -> [start, end) in that comment's body."""
        base = int(self.original_starts[comment])
        return int(self.origin[start]) - base, int(self.origin_end[end - 1]) + 1 - base

    def comment_text(self, comment: int) -> str:
        start = int(self.comment_starts[comment])
        end = (
            int(self.comment_starts[comment + 1]) - 1
            if comment + 1 < len(self.comment_starts)
            else len(self.text)
        )
        return self.text[start:end]


def normalise_batch(bodies: list[str]) -> CanonicalBatch:
    # A space before and after every comment, so every token has a boundary on both sides.
    joined = COMMENT_BREAK.join(f" {b} " for b in bodies)
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    mapped = lookup_table()[codes]
    lengths = np.array([len(b) + 3 for b in bodies], dtype=np.int64)  # " b " + break
    mapped[np.cumsum(lengths)[:-1] - 1] = ord(COMMENT_BREAK)
    positions = np.flatnonzero(mapped != DROP)
    mapped = mapped[positions]
    _resolve_inner_i(mapped)
    arrays = _collapse_runs(mapped, positions, positions, None)
    text = arrays[0].astype("<u4").tobytes().decode("utf-32-le")
    if _has_spaced_letters(arrays[0]):
        text, arrays = _join_spaced_letters(text, arrays)
    _, first, last, runs = arrays
    # Original offsets exclude the padding space added in front of each comment.
    original_starts = np.concatenate(([0], np.cumsum(lengths)[:-1])) + 1
    breaks = [m.start() for m in re.finditer(COMMENT_BREAK, text)]
    comment_starts = np.array([0, *(b + 1 for b in breaks)], dtype=np.int64)
    return CanonicalBatch(text, first, last, runs, comment_starts, original_starts)


# (codes, first original index, last original index, run length) per canonical character
Arrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
_ONE_LETTER_WORDS = ("a", "i")


def _is_word(codes: np.ndarray) -> np.ndarray:
    return (codes != SPACE) & (codes != INNER_I) & (codes != ord(COMMENT_BREAK))


def _resolve_inner_i(codes: np.ndarray) -> None:
    """In place: INNER_I between two word characters becomes 'i', elsewhere a space."""
    marks = np.flatnonzero(codes == INNER_I)
    if len(marks) == 0:
        return
    word = _is_word(codes)
    inside = (marks > 0) & (marks < len(codes) - 1)
    inner = np.zeros(len(marks), dtype=bool)
    inner[inside] = word[marks[inside] - 1] & word[marks[inside] + 1]
    codes[marks] = np.where(inner, ord("i"), SPACE)


def _has_spaced_letters(codes: np.ndarray) -> bool:
    """A cheap test for three single-letter tokens in a row (" s m i "), before the regex."""
    if len(codes) < 7:
        return False
    space = codes == SPACE
    single = np.zeros(len(codes), dtype=bool)
    single[1:-1] = ~space[1:-1] & space[:-2] & space[2:] & _is_word(codes[1:-1])
    return bool(np.any(single[:-4] & single[2:-2] & single[4:]))


def _collapse_runs(
    codes: np.ndarray, first: np.ndarray, last: np.ndarray, runs: np.ndarray | None
) -> Arrays:
    """Keep one of each run of one character, remembering how long the run was and where
    it ended in the original.

    Run lengths let a match insist on a term's doubled letters: "ass" must not match "as"
    although both collapse to "as", while "fuuuck" still matches "fuck".
    """
    if len(codes) == 0:
        return codes, first, last, np.ones(0, dtype=np.int32)
    keep = np.empty(len(codes), dtype=bool)
    keep[0] = True
    np.not_equal(codes[1:], codes[:-1], out=keep[1:])
    starts = np.flatnonzero(keep)
    ends = np.append(starts[1:], len(codes)) - 1
    if runs is None:  # every character counts once: a run's length is its extent
        lengths = (ends - starts + 1).astype(np.int32)
    else:
        lengths = np.add.reduceat(runs, starts).astype(np.int32)
    return codes[starts], first[starts], last[ends], lengths


def _join_spaced_letters(text: str, arrays: Arrays) -> tuple[str, Arrays]:
    keep = np.ones(len(text), dtype=bool)
    for match in _SPACED_LETTERS.finditer(text):
        start = match.start()
        # "is a l i a r": the leading "a" is the article, not the first letter of "aliar".
        if (
            text[start] in _ONE_LETTER_WORDS
            and match.end() - start >= 7
            and start >= 3
            and text[start - 2] != " "
            and text[start - 3] != " "
        ):
            start += 2
        for offset in range(start + 1, match.end(), 2):
            keep[offset] = False
    codes, first, last, runs = (a[keep] for a in arrays)
    # Joining can make new runs ("l.i" -> "ii"): collapse again.
    arrays = _collapse_runs(codes, first, last, runs)
    return arrays[0].astype("<u4").tobytes().decode("utf-32-le"), arrays


@dataclass(frozen=True)
class CanonicalTerm:
    text: str  # canonical form, no boundary spaces
    runs: tuple[int, ...]  # run length of each canonical character


def canonical_term(term: str) -> CanonicalTerm:
    """A term in the same canonical form as comments, without the boundary spaces."""
    batch = normalise_batch([term])
    text = batch.text.strip(" ")
    first = batch.text.index(text[0]) if text else 0
    return CanonicalTerm(text, tuple(int(r) for r in batch.runs[first : first + len(text)]))
