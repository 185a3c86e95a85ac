"""People a comment can identify: name variants from article context, and names that the
comment itself gives (a title and a capitalised name, or a capitalised name pair)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from moderation.legal.packs import defamation_pack

_NAME_WORD = r"[A-Z][a-z][\w'’-]*|[A-Z]'[A-Z][a-z]+"  # Smith, O'Brien
_SUFFIXES = {"jr", "sr", "ii", "iii", "kc", "qc", "mp", "obe", "mbe", "cbe"}


@lru_cache(maxsize=1)
def _titles() -> set[str]:
    return {t.lower().rstrip(".") for t in defamation_pack().raw["titles"]}


@lru_cache(maxsize=1)
def _not_names() -> set[str]:
    return {w.lower() for w in defamation_pack().raw["not_names"]}


def name_parts(full_name: str) -> list[str]:
    """The words of a name without titles and suffixes: 'DCI Jane Smith KC' -> Jane, Smith."""
    words = [w.strip(".,") for w in full_name.split()]
    return [w for w in words if w and w.lower().rstrip(".") not in _titles() | _SUFFIXES]


def name_variants(full_name: str, given: bool) -> list[str]:
    """How a comment may refer to someone: the full name, the surname and, if asked, the
    given name alone. One-letter parts (initials) are not names on their own."""
    parts = name_parts(full_name)
    if not parts:
        return []
    variants = [" ".join(parts)]
    if len(parts) > 1:
        if len(parts[-1]) > 1:
            variants.append(parts[-1])
        if given and len(parts[0]) > 1:
            variants.append(parts[0])
    return list(dict.fromkeys(variants))


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    titles = sorted(defamation_pack().raw["titles"], key=len, reverse=True)
    title_alt = "|".join(re.escape(t) for t in titles)
    titled = re.compile(rf"\b(?:{title_alt})\.?\s+((?:{_NAME_WORD})(?:\s+(?:{_NAME_WORD}))?)")
    # A lookahead so pairs may overlap: "Yesterday Mary Brown" still finds "Mary Brown".
    pair = re.compile(rf"\b(?=({_NAME_WORD})\s+({_NAME_WORD})\b)")
    return titled, pair


def names_in_comment(body: str) -> Iterable[tuple[int, int, str]]:
    """(start, end, text) of each person the comment names, in the original body."""
    titled, pair = _patterns()
    not_names = _not_names()
    seen: set[tuple[int, int]] = set()
    for match in titled.finditer(body):
        words = match.group(1).split()
        # "Councillor Smith Said" -> keep "Smith": stop at the first word that is not a name.
        kept = []
        for word in words:
            if _bare(word) in not_names:
                break
            kept.append(word)
        if kept:
            end = match.start(1) + len(" ".join(kept))
            seen.add((match.start(), end))
            yield match.start(), end, body[match.start() : end]
    for match in pair.finditer(body):
        first, second = match.group(1), match.group(2)
        if _bare(first) in not_names or _bare(second) in not_names:
            continue
        if _bare(first) in _titles():
            continue  # handled above
        start, end = match.start(1), match.end(2)
        if any(s <= start < e for s, e in seen):
            continue
        yield start, end, body[start:end]


def _bare(word: str) -> str:
    return re.sub(r"['’]s$", "", word).lower()
