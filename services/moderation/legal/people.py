"""People a comment can identify: name variants, aliases, roles and identifiers from the
article context, and names that the comment itself gives (a title and a capitalised name,
or a capitalised name pair)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from moderation.domain.events import Person
from moderation.legal.packs import defamation_pack
from moderation.text.matcher import Term

# Smith, O'Brien, Smith-Jones; a possessive "'s" is not part of the name.
_NAME_WORD = r"(?:[A-Z][a-z](?:[\w-]|['’](?!s\b))*|[A-Z]'[A-Z][a-z]+)"
_HANDLE = re.compile(r"(?<![\w@])@\w{2,30}")  # @DaleGreen72
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


@dataclass(frozen=True)
class Subject:
    """Whom a matched word points at, for the reason's subject and sentence."""

    name: str  # the person's name as the article context gives it
    kind: str  # defendant, witness, person (named_people), protected
    how: str  # name, alias, role, identifier


SPAN_CATEGORY = {"protected": "protected_name", "defendant": "defendant", "witness": "witness"}
_LEADING_ARTICLES = ("the ", "a ", "an ", "our ", "their ", "his ", "her ")


def person_terms(people: Iterable[Person], kind: str, given: bool) -> list[Term]:
    """Every way a comment may name these people, as terms tagged with a Subject.
    `given`: the given name alone counts too (defendants, protected people)."""
    terms = []
    category = SPAN_CATEGORY.get(kind, "person")
    for person in people:
        ways = [(v, "name") for v in name_variants(person.name, given=given)]
        ways += [(alias, "alias") for alias in person.aliases]
        ways += [(role, "role") for role in _role_variants(person.roles)]
        ways += [(identifier, "identifier") for identifier in person.identifiers]
        # "J a n e D o e" and "#JaneDoe" join into one token: the name as one word too.
        ways += [(w.replace(" ", ""), how) for w, how in ways if how in ("name", "alias")]
        for words, how in dict.fromkeys(ways):
            span_category = category if how in ("name", "alias") else f"{category}_{how}"
            terms.append(Term(words, span_category, tag=Subject(person.name, kind, how)))
    return terms


def _role_variants(roles: list[str]) -> list[str]:
    """'the planning chair' also as 'planning chair', so 'our planning chair' counts."""
    variants = []
    for role in roles:
        variants.append(role)
        lowered = role.lower()
        for article in _LEADING_ARTICLES:
            if lowered.startswith(article) and len(role) > len(article):
                variants.append(role[len(article) :])
    return variants


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
    for match in _HANDLE.finditer(body):  # another reader, by their handle
        yield match.start(), match.end(), match.group()
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
    """The word in lower case without a possessive: "Smith's" -> "smith"."""
    lowered = word.lower()
    return lowered[:-2] if lowered.endswith(("'s", "’s")) else lowered
