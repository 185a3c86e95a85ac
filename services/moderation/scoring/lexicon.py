"""Lexicon features for the baseline: counts of listed words per category, and whether
an identity group is named together with a hostile word, matched through the legal
checks' normaliser (so "1d10t", "iiidiot" and "i d i o t" count as "idiot").

The lists live in `models/lexicon.yaml`; its SHA-256 is recorded in the trained model, so
a model never runs with lists other than those it was trained with."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import yaml

from moderation.text.matcher import Term, TermSet
from moderation.text.normalise import normalise_batch

DEFAULT_LEXICON = Path(__file__).resolve().parent.parent / "models" / "lexicon.yaml"
HOSTILE = ("slur", "dehumanising", "threat", "insult", "profanity")
# (category, category): 1 when a window holds both; the pairs where a word's meaning
# depends on its neighbour ("Muslims" is neutral, "Muslims are vermin" is not).
PAIRS = (
    *(("identity", hostile) for hostile in HOSTILE),
    ("second_person", "insult"),
    ("second_person", "profanity"),
)


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

    def features(self, texts: Sequence[str]) -> np.ndarray:
        counts = self.counts(texts)
        present = counts > 0
        together = [present[:, self._index[a]] & present[:, self._index[b]] for a, b in self.pairs]
        return np.hstack([np.log1p(counts), np.stack(together, axis=1).astype(np.float32)])
