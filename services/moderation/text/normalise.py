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
  ("s m i t h", "l.i.a.r");
- HTML entities (&#115; &#x73; &amp;) and URL escapes of ASCII (%73) decoded first;
- invisible "letters" dropped: tag characters, variation selectors, Hangul fillers;
- with `join_words=True` (for term lists), a hyphen, underscore, markdown emphasis or a
  line break BETWEEN two letters joins them ("scum-bag", "scum**bag**", "scum\nbag").

Every canonical character keeps the index of the original character it came from, so a
match is reported as a span of the ORIGINAL body. The per-character work is one lookup
table applied with NumPy to a whole batch at once; nothing loops over characters in Python.
"""

from __future__ import annotations

import html
import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

SPACE = ord(" ")
DROP = 0  # characters that vanish (zero-width, combining marks)
INNER_I = 1  # '!' and '|': an 'i' inside a word ("l!ar"), punctuation elsewhere
JOINER = 2  # '-', '_', '*', line breaks: glue inside a word when joining, else a space
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
    # Capitals that casefold into a different look-alike (Greek 'Μ' would become 'μ' ~ 'u')
    "Α": "a", "Β": "b", "Ε": "e", "Ζ": "z", "Η": "h", "Ι": "i", "Κ": "k", "Μ": "m", "Ν": "n",
    "Ο": "o", "Ρ": "p", "Τ": "t", "Υ": "y", "Χ": "x", "А": "a", "В": "b", "Е": "e", "К": "k",
    "М": "m", "Н": "h", "О": "o", "Р": "p", "С": "c", "Т": "t", "Х": "x", "У": "y", "Ѕ": "s",
    "І": "i", "Ј": "j",
    # Latin small capitals and IPA letters (no compatibility decomposition to fall back on)
    "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ꜰ": "f", "ɢ": "g", "ʜ": "h", "ɪ": "i",
    "ᴊ": "j", "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n", "ᴏ": "o", "ᴘ": "p", "ʀ": "r", "ꜱ": "s",
    "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w", "ʏ": "y", "ᴢ": "z", "ɑ": "a", "ɐ": "a", "ɒ": "o",
    "ɓ": "b", "ɔ": "o", "ɕ": "c", "ɖ": "d", "ɗ": "d", "ə": "e", "ɛ": "e", "ɜ": "e", "ɘ": "e",
    "ɟ": "j", "ɠ": "g", "ɦ": "h", "ɨ": "i", "ɩ": "i", "ɯ": "m", "ɱ": "m", "ɲ": "n", "ɳ": "n",
    "ɵ": "o", "ɹ": "r", "ɻ": "r", "ɽ": "r", "ɾ": "r", "ʂ": "s", "ʈ": "t", "ʉ": "u", "ʋ": "v",
    "ʍ": "w", "ʐ": "z", "ʑ": "z", "ı": "i", "ȷ": "j",
}  # fmt: skip
# Letters that render as nothing (Hangul fillers, the blank Braille pattern): evaders put
# them inside words the way they use zero-width spaces.
INVISIBLE_LETTERS = {"\u3164", "\u115f", "\u1160", "\uffa0", "\u2800"}
# Glue inside a word when joining: hyphens, underscore, markdown emphasis, line breaks.
JOINERS = {"-", "_", "*", "\n", "\r", "\u2010", "\u2011"}
LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
# After everything else: one canonical letter for the three that stand in for each other.
FOLD = {"l": "i"}

_BMP = 0x10000
_MATH_ALNUM = range(0x1D400, 0x1D800)  # 𝐒𝐦𝐢𝐭𝐡 and friends
_FULLWIDTH_AND_ENCLOSED = range(0x1F100, 0x1F1FF)
_TAGS = range(0xE0000, 0xE0080)  # invisible "tag" characters
_VARIATION_SELECTORS_SUPPLEMENT = range(0xE0100, 0xE01F0)


def _canonical_char(char: str) -> int:
    category = unicodedata.category(char)
    if char in JOINERS:
        return JOINER
    if char in INVISIBLE_LETTERS or ord(char) in _TAGS:
        return DROP
    if category in ("Cf", "Mn", "Me"):  # zero-width/format characters, combining marks
        return DROP
    if char in LEET:
        return ord(LEET[char])
    if char in CONFUSABLES:
        return ord(FOLD.get(CONFUSABLES[char], CONFUSABLES[char]))
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
    for code in (
        *range(_BMP),
        *_MATH_ALNUM,
        *_FULLWIDTH_AND_ENCLOSED,
        *_TAGS,
        *_VARIATION_SELECTORS_SUPPLEMENT,
    ):
        if 0xD800 <= code <= 0xDFFF:
            continue
        table[code] = _canonical_char(chr(code))
    # A line break inside a comment is whitespace (or glue inside a word, see JOINERS);
    # normalise_batch marks the breaks between comments itself, by position.
    return table


# An HTML entity or the URL escape of an ASCII character: decoded before anything else.
_ESCAPE = re.compile(
    r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});|%[0-7][0-9a-fA-F]"
)


def _decode_escapes(body: str) -> tuple[str, np.ndarray, np.ndarray] | None:
    """The body with entities and escapes decoded, and for each decoded character the first
    and last body character it came from; None when there is nothing to decode."""
    if "&" not in body and "%" not in body:
        return None
    pieces: list[str] = []
    first: list[int] = []
    last: list[int] = []
    cursor = 0
    for match in _ESCAPE.finditer(body):
        text = match.group()
        decoded = chr(int(text[1:], 16)) if text[0] == "%" else html.unescape(text)
        if decoded == text:
            continue  # not an entity html knows
        plain = body[cursor : match.start()]
        pieces += [plain, decoded]
        first += [*range(cursor, match.start()), *[match.start()] * len(decoded)]
        last += [*range(cursor, match.start()), *[match.end() - 1] * len(decoded)]
        cursor = match.end()
    if not pieces:
        return None
    pieces.append(body[cursor:])
    first += range(cursor, len(body))
    last += range(cursor, len(body))
    return "".join(pieces), np.array(first, dtype=np.int64), np.array(last, dtype=np.int64)


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
    # Comments in which single letters spaced apart were joined ("s m i t h"): the only
    # step that reads across the space between two words (see `windows_alike`).
    spaced_letters: frozenset[int] = frozenset()

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


def normalise_batch(bodies: list[str], join_words: bool = False) -> CanonicalBatch:
    """The canonical text of a batch. `join_words` glues letters across a hyphen,
    underscore, markdown emphasis or line break ("scum-bag" -> "scumbag"): right for
    single-word terms, wrong for reading ordinary words, so it is a separate pass."""
    decoded = [_decode_escapes(b) for b in bodies]
    texts = [b if d is None else d[0] for b, d in zip(bodies, decoded, strict=True)]
    # A space before and after every comment, so every token has a boundary on both sides.
    joined = COMMENT_BREAK.join(f" {t} " for t in texts)
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    mapped = lookup_table()[codes]
    lengths = np.array([len(b) + 3 for b in bodies], dtype=np.int64)  # " b " + break
    decoded_lengths = np.array([len(t) + 3 for t in texts], dtype=np.int64)
    mapped[np.cumsum(decoded_lengths)[:-1] - 1] = ord(COMMENT_BREAK)
    positions = np.flatnonzero(mapped != DROP)
    mapped = mapped[positions]
    first, last = _origins(positions, decoded, lengths)
    _resolve_inner_i(mapped)
    keep = _resolve_joiners(mapped, join_words)
    if keep is not None:
        mapped, first, last = mapped[keep], first[keep], last[keep]
    arrays = _collapse_runs(mapped, first, last, None)
    text = arrays[0].astype("<u4").tobytes().decode("utf-32-le")
    spaced: frozenset[int] = frozenset()
    if _has_spaced_letters(arrays[0]):
        text, arrays, spaced = _join_spaced_letters(text, arrays)
    _, first, last, runs = arrays
    # Original offsets exclude the padding space added in front of each comment.
    original_starts = np.concatenate(([0], np.cumsum(lengths)[:-1])) + 1
    breaks = [m.start() for m in re.finditer(COMMENT_BREAK, text)]
    comment_starts = np.array([0, *(b + 1 for b in breaks)], dtype=np.int64)
    return CanonicalBatch(text, first, last, runs, comment_starts, original_starts, spaced)


# Whitespace that maps to JOINER rather than SPACE: next to it '!' and '|' read as 'i'.
_JOINING_WHITESPACE = re.compile("[" + "".join(sorted(c for c in JOINERS if c.isspace())) + "]")


def windows_alike(batch: CanonicalBatch, comment: int, body: str) -> bool:
    """Whether any run of the comment's words (as `body.split()` gives them) joined with
    single spaces normalises alone to the same text as that run's part of the comment's
    canonical text (from the space before its first word to the space after its last).

    True unless letters spaced apart were joined in this comment (joining reads across
    words: "s m | i t h" joins whole but not in two windows), or the body has both a line
    break and a '!' or '|', perhaps escaped ("&#33;"): between a line break and a letter
    those read as 'i', after the window's single space as a space. Lets a scorer that
    reads windows of words reuse the batch normalised for the legal checks.
    """
    if comment in batch.spaced_letters:
        return False
    if not _JOINING_WHITESPACE.search(body):
        return True
    decoded = _decode_escapes(body)
    text = body if decoded is None else decoded[0]
    return "!" not in text and "|" not in text


def _origins(
    positions: np.ndarray,
    decoded: list[tuple[str, np.ndarray, np.ndarray] | None],
    lengths: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """First and last ORIGINAL index of each kept character of the decoded concatenation."""
    if all(d is None for d in decoded):
        return positions, positions
    first_parts, last_parts = [], []
    base = 0
    for d, length in zip(decoded, lengths, strict=True):
        if d is None:
            first_parts.append(np.arange(base, base + length))
            last_parts.append(first_parts[-1])
        else:
            # " " + decoded body + " " + break, each back to its place in " body " + break
            padding_before = np.array([base])
            after = np.array([base + length - 2, base + length - 1])
            first_parts.append(np.concatenate((padding_before, base + 1 + d[1], after)))
            last_parts.append(np.concatenate((padding_before, base + 1 + d[2], after)))
        base += int(length)
    return np.concatenate(first_parts)[positions], np.concatenate(last_parts)[positions]


def _resolve_joiners(codes: np.ndarray, join_words: bool) -> np.ndarray | None:
    """In place: JOINER becomes a space. When joining, a run of at most two joiners between
    two word characters is dropped instead: returns which characters to keep."""
    marks = np.flatnonzero(codes == JOINER)
    if len(marks) == 0:
        return None
    codes[marks] = SPACE
    if not join_words:
        return None
    word = _is_word(codes)
    # Runs of consecutive joiners: [start, end] of each.
    breaks = np.flatnonzero(np.diff(marks) != 1)
    starts = marks[np.concatenate(([0], breaks + 1))]
    ends = marks[np.concatenate((breaks, [len(marks) - 1]))]
    inside = (starts > 0) & (ends < len(codes) - 1) & (ends - starts < 2)
    inside[inside] = word[starts[inside] - 1] & word[ends[inside] + 1]
    keep = np.ones(len(codes), dtype=bool)
    keep[starts[inside]] = False  # runs are one or two long: their start and end cover them
    keep[ends[inside]] = False
    return keep


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


def _join_spaced_letters(text: str, arrays: Arrays) -> tuple[str, Arrays, frozenset[int]]:
    """The text with spaced single letters joined, and the comments where that happened."""
    keep = np.ones(len(text), dtype=bool)
    breaks = [m.start() for m in re.finditer(COMMENT_BREAK, text)]
    comments: set[int] = set()
    for match in _SPACED_LETTERS.finditer(text):
        start = match.start()
        comments.add(bisect_right(breaks, start))
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
    return arrays[0].astype("<u4").tobytes().decode("utf-32-le"), arrays, frozenset(comments)


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
