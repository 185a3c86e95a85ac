"""Reasons in words: the plain-English sentence a moderator reads beside a reason's code.

The rule packs hold the sentence templates of their cue groups; this module words the
parts that come from the article context (proceedings, protected people) and term lists.
"""

from __future__ import annotations

from collections.abc import Sequence

from moderation.domain.events import ProceedingsRef
from moderation.domain.labels import ReasonCode
from moderation.legal.packs import anonymity_pack
from moderation.legal.people import Subject

MAX_DESCRIPTION_CHARS = 100


def proceedings_words(proceedings: Sequence[ProceedingsRef]) -> str:
    """The newsroom's description of the case, to go before the Act in a contempt
    sentence: 'murder trial at Leeds Crown Court; ', or nothing without one."""
    for ref in proceedings:
        if ref.description:
            description = ref.description.strip()
            if len(description) > MAX_DESCRIPTION_CHARS:
                description = description[: MAX_DESCRIPTION_CHARS - 1].rstrip() + "…"
            return f"{description}; "
    return ""


def anonymity_sentence(subject: Subject) -> str:
    templates = anonymity_pack()["sentences"]
    return str(templates.get(subject.how, templates["name"])).format(subject=subject.name)


def term_sentence(code: ReasonCode, article: bool) -> str:
    listed = "the newsroom's list for this article" if article else "the site's term list"
    if code == ReasonCode.BANNED_TERM:
        return f"uses a banned term from {listed}"
    return f"uses a term to check from {listed}"
