"""Multi-pattern matching over canonical text: one Aho-Corasick automaton per term set."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, NamedTuple

import ahocorasick_rs
import numpy as np

from moderation.text.normalise import SPACE, CanonicalBatch, CanonicalTerm, canonical_term

PREFIX_MARK = "*"  # "bribe*" matches bribe, bribes, bribery


@dataclass(frozen=True)
class Term:
    text: str  # as the list gives it: reported in spans
    category: str
    tag: Any = None  # what the rule needs to know (cue group, reason code, person)

    @cached_property
    def canonical(self) -> CanonicalTerm:
        return canonical_term(self.text.rstrip(PREFIX_MARK))

    @cached_property
    def doubled_letters(self) -> tuple[tuple[int, int], ...]:
        """(offset, run) of each letter the term doubles: the text must double it too."""
        return tuple((i, run) for i, run in enumerate(self.canonical.runs) if run > 1)

    @cached_property
    def prefix(self) -> bool:
        return self.text.endswith(PREFIX_MARK)


class Hit(NamedTuple):  # a tuple: thousands are made per long comment
    comment: int
    start: int  # canonical offsets of the term itself (no boundary spaces)
    end: int
    term: Term


class TermSet:
    """Whole-word (or word-prefix) matches of many terms, built once per term-set change."""

    def __init__(self, terms: Iterable[Term]) -> None:
        self.by_pattern: dict[str, list[Term]] = {}
        for term in terms:
            canonical = term.canonical.text
            if not canonical:
                continue
            # Spaces on both sides make every pattern whole-word: "Scunthorpe" cannot match.
            pattern = f" {canonical}" if term.prefix else f" {canonical} "
            self.by_pattern.setdefault(pattern, []).append(term)
        self.patterns = list(self.by_pattern)
        self._automaton = (
            ahocorasick_rs.AhoCorasick(self.patterns, store_patterns=False)
            if self.patterns
            else None
        )

    def __len__(self) -> int:
        return len(self.patterns)

    def find(
        self, batch: CanonicalBatch, comment: int | None = None, limit: int | None = None
    ) -> list[Hit]:
        """Every hit in the batch, or only in one comment of it. With `limit`, at most
        limit + 1 matches per comment are looked at (so a caller can tell it overflowed):
        the work per comment is then bounded whatever the comment holds."""
        if self._automaton is None:
            return []
        if comment is None:
            offset, haystack = 0, batch.text
        else:
            offset = int(batch.comment_starts[comment])
            haystack = batch.comment_text(comment)
        comment_starts = batch.comment_starts.tolist() if comment is None else []
        counts: dict[int, int] = {}
        hits = []
        runs = batch.runs
        matches = self._automaton.find_matches_as_indexes(haystack, overlapping=True)
        if comment is not None and limit is not None:
            matches = matches[: limit + 1]  # one comment: the rest need not be looked at
        for index, start, _ in matches:
            start += offset + 1  # drop the leading boundary space
            owner = comment if comment is not None else bisect_right(comment_starts, start) - 1
            if limit is not None:
                seen = counts[owner] = counts.get(owner, 0) + 1
                if seen > limit + 1:
                    continue
            for term in self.by_pattern[self.patterns[index]]:
                if term.doubled_letters and not _runs_allow(runs, start, term.doubled_letters):
                    continue
                end = start + len(term.canonical.text)
                # A prefix term reports the whole word it starts ("Swindlers").
                stop = batch.text.find(" ", end) if term.prefix else end
                hits.append(Hit(owner, start, stop, term))
        return hits


def _runs_allow(runs: np.ndarray, start: int, doubled: tuple[tuple[int, int], ...]) -> bool:
    """A doubled letter in the term needs at least a doubled letter in the text."""
    return all(runs[start + offset] >= run for offset, run in doubled)


def token_index(batch: CanonicalBatch, position: int) -> int:
    """Which token of its comment a canonical position is in (for proximity rules)."""
    comment = batch.comment_of(position)
    start = int(batch.comment_starts[comment])
    return batch.text.count(chr(SPACE), start, position)
