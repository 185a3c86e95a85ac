"""Lexicon features for the baseline: counts of listed words per category, and whether
an identity group is named together with a hostile word, matched through the text
kernel's normaliser, as the legal checks are (so "1d10t", "iiidiot" and "i d i o t" count as
"idiot").

The lists live in `models/lexicon.yaml`; its SHA-256 is recorded in the trained model, so
a model never runs with lists other than those it was trained with.

`window_features` counts on a batch the classifier has already normalised (for the legal
checks too), so each comment is normalised once; `features` normalises its texts itself
(training, and any caller without a normalised batch). Both give the same numbers."""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
import yaml

from moderation.text.matcher import Term, TermSet
from moderation.text.normalise import CanonicalBatch, normalise_batch, windows_alike

DEFAULT_LEXICON = Path(__file__).resolve().parent.parent / "models" / "lexicon.yaml"
HOSTILE = ("slur", "dehumanising", "threat", "insult", "profanity")
# (category, category): 1 when a window holds both; the pairs where a word's meaning
# depends on its neighbour ("Muslims" is neutral, "Muslims are vermin" is not).
PAIRS = (
    *(("identity", hostile) for hostile in HOSTILE),
    ("second_person", "insult"),
    ("second_person", "profanity"),
)


class Window(NamedTuple):
    """One row the model scores: words [start, end) of `body.split()` of a comment."""

    comment: int
    start: int
    end: int
    text: str  # the row as the model reads it: the body, or those words joined by spaces


class Lexicon:
    def __init__(self, path: Path = DEFAULT_LEXICON) -> None:
        raw = path.read_bytes()
        self.sha256 = hashlib.sha256(raw).hexdigest()
        lists: dict[str, list[str]] = yaml.safe_load(raw)
        self.categories = tuple(lists)
        self._index = {name: i for i, name in enumerate(self.categories)}
        self._terms = TermSet(
            Term(str(word), category) for category, words in lists.items() for word in words
        )
        self.pairs = tuple(p for p in PAIRS if p[0] in self._index and p[1] in self._index)
        # A term that insists on a run of spaces ("a  b") would see a window's single space
        # and the comment's several differently: such lists always normalise the windows.
        self._reuses_batch = not any(
            term.canonical.text[offset] == " "
            for terms in self._terms.by_pattern.values()
            for term in terms
            for offset, _ in term.doubled_letters
        )

    @property
    def feature_names(self) -> list[str]:
        return [f"count:{c}" for c in self.categories] + [f"{a}&{b}" for a, b in self.pairs]

    def counts(self, texts: Sequence[str]) -> np.ndarray:
        """(texts, categories) number of listed words or phrases found."""
        counts = np.zeros((len(texts), len(self.categories)), dtype=np.float32)
        if not texts:
            return counts
        for hit in self._terms.find(normalise_batch(list(texts))):
            counts[hit.comment, self._index[hit.term.category]] += 1
        return counts

    def window_counts(
        self, batch: CanonicalBatch, bodies: Sequence[str], windows: Sequence[Window]
    ) -> np.ndarray:
        """`counts` of each window's text, from the hits on the comments' canonical text
        (`batch`, the normalised `bodies`): a hit counts in the window that holds it whole.
        A comment whose windows would not normalise alike (`windows_alike`) has its windows
        normalised on their own, so the numbers are always those of `counts`."""
        counts = np.zeros((len(windows), len(self.categories)), dtype=np.float32)
        rows: dict[int, list[int]] = {}  # a comment's windows, in order
        for row, window in enumerate(windows):
            rows.setdefault(window.comment, []).append(row)
        whole = {
            c for c, own in rows.items() if len(own) == 1 and windows[own[0]].text == bodies[c]
        }
        alone = [
            row
            for comment, own in rows.items()
            if comment not in whole
            and not (self._reuses_batch and windows_alike(batch, comment, bodies[comment]))
            for row in own
        ]
        redo = {windows[row].comment for row in alone}
        # Where each window of a comment with hits begins and ends, in characters.
        spans: dict[int, tuple[list[int], list[int]]] = {}
        for hit in self._terms.find(batch):
            if hit.comment in redo or hit.comment not in rows:
                continue
            own = rows[hit.comment]
            category = self._index[hit.term.category]
            if hit.comment in whole:
                counts[own[0], category] += 1
                continue
            if hit.comment not in spans:
                spans[hit.comment] = _character_spans(
                    bodies[hit.comment], [windows[r] for r in own]
                )
            starts, ends = spans[hit.comment]
            base = int(batch.original_starts[hit.comment])
            first = int(batch.origin[hit.start]) - base
            last = int(batch.origin_end[hit.start + len(hit.term.canonical.text) - 1]) - base
            index = bisect_right(starts, first) - 1
            # Counted in the window that holds the hit whole; one across two, in neither.
            if index >= 0 and last < ends[index]:
                counts[own[index], category] += 1
        if alone:
            counts[alone] = self.counts([windows[row].text for row in alone])
        return counts

    def features(self, texts: Sequence[str]) -> np.ndarray:
        return self._features(self.counts(texts))

    def window_features(
        self, batch: CanonicalBatch, bodies: Sequence[str], windows: Sequence[Window]
    ) -> np.ndarray:
        """`features` of each window's text, from a batch already normalised."""
        return self._features(self.window_counts(batch, bodies, windows))

    def _features(self, counts: np.ndarray) -> np.ndarray:
        present = counts > 0
        together = [present[:, self._index[a]] & present[:, self._index[b]] for a, b in self.pairs]
        return np.hstack([np.log1p(counts), np.stack(together, axis=1).astype(np.float32)])


def _character_spans(body: str, windows: list[Window]) -> tuple[list[int], list[int]]:
    """Where each window's first word begins and where the word after its last begins (or
    the body ends), in characters: a hit's characters lie in [start, end) of the window
    that holds it. `str.split` does the counting, in C; the words are walked once."""
    bounds = sorted({w.start for w in windows} | {w.end for w in windows})
    offsets: dict[int, int] = {}
    rest, consumed = body.lstrip(), 0
    for word in bounds:
        if word > consumed:
            parts = rest.split(None, word - consumed)  # the last part begins at `word`
            rest = parts[-1] if len(parts) > word - consumed else ""
            consumed = word
        offsets[word] = len(body) - len(rest)
    return [offsets[w.start] for w in windows], [offsets[w.end] for w in windows]
