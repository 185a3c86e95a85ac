"""Which hits are near which, in time linear in the comment (plus a log factor).

Rules such as "a cue within 8 tokens of a defendant" once compared every cue with every
name: a 20,000-character comment of "Jo Bo liar " repeated took seconds. Here subjects are
sorted by token once and each cue looks up only the subjects inside its window.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence

import numpy as np

from moderation.text.matcher import Hit
from moderation.text.normalise import SPACE, CanonicalBatch

# More subjects than this near one cue add nothing for the moderator, only work.
MAX_NEAR = 4
# Longest name, role or phrase looked back over ("the chair of the planning committee").
MAX_HIT_TOKENS = 8


class Tokens:
    """Token number of every canonical position of a batch (one pass over the text)."""

    def __init__(self, batch: CanonicalBatch) -> None:
        codes = np.frombuffer(batch.text.encode("utf-32-le"), dtype=np.uint32)
        self._number = np.cumsum(codes == SPACE)

    def of(self, position: int) -> int:
        return int(self._number[position])

    def span(self, hit: Hit) -> tuple[int, int]:
        """First and last token of a hit."""
        return self.of(hit.start), self.of(max(hit.start, hit.end - 1))


class Nearby:
    """Hits (of one comment) sorted by token, to ask which lie within a window of a cue."""

    def __init__(self, hits: Sequence[Hit], tokens: Tokens) -> None:
        located = sorted((*tokens.span(h), i) for i, h in enumerate(hits))
        self._firsts = [first for first, _, _ in located]
        self._lasts = [last for _, last, _ in located]
        self._hits = [hits[i] for _, _, i in located]
        self._of = tokens

    def __bool__(self) -> bool:
        return bool(self._hits)

    def near(self, cue: Hit, window: int, limit: int = MAX_NEAR) -> list[Hit]:
        """Hits within `window` tokens of the cue (either way, measured between their
        nearest ends), other than pronouns inside the cue; at most `limit` of them."""
        first, last = self._of.span(cue)
        lo = bisect_left(self._firsts, first - window - MAX_HIT_TOKENS)
        hi = bisect_right(self._firsts, last + window)
        found = []
        for index in range(lo, hi):
            hit = self._hits[index]
            if self._lasts[index] < first - window:
                continue
            if cue.start <= hit.start and hit.end <= cue.end and hit.term.category == "pronoun":
                continue  # the cue's own pronoun ("beat his wife") is nobody in particular
            found.append(hit)
            if len(found) == limit:
                break
        return found


def without_contained(hits: list[Hit], containers: list[Hit]) -> list[Hit]:
    """Hits not lying inside any container ("guilty" inside "innocent until proven guilty").
    Offsets are batch-wide and comments never overlap, so one sweep serves the batch."""
    if not containers or not hits:
        return hits
    ordered = sorted(containers, key=lambda c: c.start)
    starts = [c.start for c in ordered]
    reach = list(np.maximum.accumulate([c.end for c in ordered]))
    kept = []
    for hit in hits:
        index = bisect_right(starts, hit.start) - 1
        if index < 0 or reach[index] < hit.end:
            kept.append(hit)
    return kept
