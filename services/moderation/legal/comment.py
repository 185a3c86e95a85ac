"""One comment of a batch as the rules see it: its hits of any term set (searched once,
bounded, and also with words joined across hyphens and line breaks), the names it gives,
and whether a cue in it is lawful comment."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from itertools import islice

import numpy as np

from moderation.domain.events import ArticleContext
from moderation.legal.findings import Findings
from moderation.legal.packs import CuePack
from moderation.legal.people import Subject, names_in_comment
from moderation.legal.proximity import Nearby, Tokens
from moderation.text.matcher import Hit, Term, TermSet
from moderation.text.normalise import JOINERS, CanonicalBatch, normalise_batch

# Matches of one term set in one comment looked at, at most. A comment with more is held
# for a human (fail closed): thousands are a crafted comment; an honest one gets there only
# near the 20,000-character limit (about 3 % of English words are he/she/his/her/they).
MAX_HITS_PER_COMMENT = 128
_JOINABLE = re.compile("[" + re.escape("".join(sorted(JOINERS))) + "]")
# Where a sentence ends: ". " "?!" or a blank line ("1.52am" and "St.Anne's" do not).
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)|\n\s*\n")
# Quoted passages, to tell "comments like 'lock him up' are contempt" from the real thing.
_QUOTED = re.compile(r"\"[^\"]{1,300}\"|“[^”]{1,300}”|‘[^’]{1,300}’|(?<!\w)'[^']{1,300}'(?!\w)")


class JoinedView:
    """The batch again with words joined across hyphens, underscores, emphasis and line
    breaks ("Ash-worth", "scum**bag**"), built only if a term set asks, for only the
    comments that have such characters. Hits come back in the main batch's offsets."""

    def __init__(self, batch: CanonicalBatch, bodies: list[str]) -> None:
        self._main = batch
        self._bodies = bodies
        self._joinable = {i: None for i, b in enumerate(bodies) if _JOINABLE.search(b)}
        self._batch: CanonicalBatch | None = None
        self._position: dict[int, int] = {}

    def find(self, terms: TermSet, comment: int, limit: int) -> list[Hit]:
        if comment not in self._joinable or not len(terms):
            return []
        joined = self._joined()
        found = terms.find(joined, self._position[comment], limit=limit)
        return [self._in_main(comment, hit) for hit in found]

    def find_all(self, terms: TermSet, limit: int) -> dict[int, list[Hit]]:
        """Hits of every joinable comment, by comment, in one pass (for big term lists)."""
        if not self._joinable or not len(terms):
            return {}
        order = list(self._joinable)
        found: dict[int, list[Hit]] = {}
        for hit in terms.find(self._joined(), limit=limit):
            comment = order[hit.comment]
            found.setdefault(comment, []).append(self._in_main(comment, hit))
        return found

    def _joined(self) -> CanonicalBatch:
        if self._batch is None:
            order = list(self._joinable)
            self._position = {c: j for j, c in enumerate(order)}
            self._batch = normalise_batch([self._bodies[c] for c in order], join_words=True)
        return self._batch

    def _in_main(self, comment: int, hit: Hit) -> Hit:
        """A hit on the joined view, in the main batch's canonical offsets."""
        assert self._batch is not None
        base = int(self._main.original_starts[comment])
        start, end = self._batch.original_span(hit.comment, hit.start, hit.end)
        first = int(np.searchsorted(self._main.origin, base + start, side="left"))
        last = int(np.searchsorted(self._main.origin, base + end - 1, side="right")) - 1
        return Hit(comment, first, max(first, last) + 1, hit.term)


@dataclass
class CommentView:
    index: int
    batch: CanonicalBatch
    bodies: list[str]
    tokens: Tokens
    joined: JoinedView
    article: ArticleContext | None
    found: Findings
    overflowed: bool = False  # a term set matched more often than is looked at
    _people: list[Hit] | None = None
    _found: dict[int, list[Hit]] = field(default_factory=dict)  # by id of the term set

    @property
    def body(self) -> str:
        return self.bodies[self.index]

    def find(self, terms: TermSet) -> list[Hit]:
        """Hits of a term set in this comment (each set is searched once per comment)."""
        hits = self._found.get(id(terms))
        if hits is None:
            main = terms.find(self.batch, self.index, limit=MAX_HITS_PER_COMMENT)
            joined = self.joined.find(terms, self.index, MAX_HITS_PER_COMMENT)
            hits = self.prime(terms, main, joined)
        return hits

    def prime(self, terms: TermSet, main: list[Hit], joined: list[Hit]) -> list[Hit]:
        """Record this comment's hits of a term set found elsewhere (a batch-wide search)."""
        seen = {(h.start, h.end, h.term) for h in main}
        hits = main + [h for h in joined if (h.start, h.end, h.term) not in seen]
        if len(hits) > MAX_HITS_PER_COMMENT:
            self.overflowed = True
            del hits[MAX_HITS_PER_COMMENT:]
        self._found[id(terms)] = hits
        return hits

    def comment_people(self) -> list[Hit]:
        """Names the comment itself gives ("DC Marcus Webb"), as hits on the canonical text."""
        if self._people is None:
            base = int(self.batch.original_starts[self.index])
            origin = self.batch.origin
            self._people = []
            names = names_in_comment(self.body)
            for start, end, text in islice(names, MAX_HITS_PER_COMMENT + 1):
                first = int(np.searchsorted(origin, base + start, side="left"))
                last = int(np.searchsorted(origin, base + end - 1, side="right")) - 1
                term = Term(text, "person", tag=Subject(text, "comment", "name"))
                self._people.append(Hit(self.index, first, max(first, last) + 1, term))
            if len(self._people) > MAX_HITS_PER_COMMENT:
                self.overflowed = True
                del self._people[MAX_HITS_PER_COMMENT:]
        return list(self._people)


class Lawful:
    """Whether a cue is lawful comment: a neutraliser near it in the same sentence ("if
    convicted he should get life", "accused of"), or the cue quoted in a comment about such
    comments ("posts like 'lock him up' are contempt")."""

    def __init__(self, c: CommentView, pack: CuePack) -> None:
        self._c = c
        self._window = pack.window
        meta = c.find(pack.meta)
        self._near = Nearby([*c.find(pack.neutralisers), *meta], c.tokens)
        self._quotes = [(m.start(), m.end()) for m in _QUOTED.finditer(c.body)] if meta else []
        self._sentence_ends = [m.end() for m in _SENTENCE_END.finditer(c.body)]

    def covers(self, cue: Hit) -> bool:
        start, end = self._c.batch.original_span(self._c.index, cue.start, cue.end)
        if self._near:
            sentence = self._sentence(start)
            for hit in self._near.near(cue, self._window):
                # "Evans is guilty. He denies it, of course": a denial in the next
                # sentence does not make the first one lawful.
                if (
                    self._sentence(self._c.batch.original_span(hit.comment, hit.start, hit.end)[0])
                    == sentence
                ):
                    return True
        return any(q_start <= start and end <= q_end for q_start, q_end in self._quotes)

    def _sentence(self, offset: int) -> int:
        return bisect_right(self._sentence_ends, offset)
