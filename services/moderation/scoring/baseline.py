"""The shipped offline baseline: hashed word and character n-grams (TF-IDF) plus lexicon
features (scoring/lexicon.py), one logistic regression per label. Trained by
`make train-baseline` from ../shared/datasets.

The artifact is two safe files: `<name>.npz` (arrays only, loaded with allow_pickle=False)
and `<name>.json` (metadata and featuriser settings). Hashing keeps the artifact small and
needs no vocabulary; the same featuriser code runs in training and in serving.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer

from moderation.domain.events import ModelRef
from moderation.scoring.lexicon import DEFAULT_LEXICON, Lexicon, Window
from moderation.text.normalise import CanonicalBatch

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
DEFAULT_BASELINE = MODELS_DIR / "baseline"

_MENTION = re.compile(r"@\w+")
_URL = re.compile(r"https?://\S+|\bURL\b")
_RETWEET = re.compile(r"^\s*RT\b[:\s]*", re.IGNORECASE)
_HASHTAG = re.compile(r"#(\w+)")
_WHITESPACE = re.compile(r"\s+")


def normalise_for_model(text: str) -> str:
    """Strip tweet artefacts so the model learns words, not Twitter's furniture.

    Training data are tweets; serving data are news comments. Mentions, URLs and "RT"
    markers would otherwise become strong (and meaningless) features.
    """
    text = html.unescape(text)
    text = _MENTION.sub(" ", text)
    text = _RETWEET.sub(" ", text)
    text = _URL.sub(" ", text)
    text = _HASHTAG.sub(r"\1", text)
    return _WHITESPACE.sub(" ", text).strip().lower()


@dataclass(frozen=True)
class FeaturiserSpec:
    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (2, 5)
    bits: int = 17  # 2**bits buckets per vectoriser

    def to_json(self) -> dict[str, Any]:
        return {
            "word_ngrams": list(self.word_ngrams),
            "char_ngrams": list(self.char_ngrams),
            "bits": self.bits,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FeaturiserSpec:
        return cls(tuple(data["word_ngrams"]), tuple(data["char_ngrams"]), int(data["bits"]))


class Featuriser:
    """Text -> sparse log-count matrix. Stateless: the IDF weights live in the model."""

    def __init__(self, spec: FeaturiserSpec) -> None:
        self.spec = spec
        common = dict(
            n_features=2**spec.bits,
            alternate_sign=False,
            norm=None,
            lowercase=False,
            dtype=np.float32,
        )
        self._words = HashingVectorizer(
            analyzer="word", ngram_range=spec.word_ngrams, token_pattern=r"(?u)\b\w+\b", **common
        )
        self._chars = HashingVectorizer(analyzer="char_wb", ngram_range=spec.char_ngrams, **common)

    @property
    def n_features(self) -> int:
        return 2 * 2**self.spec.bits

    def counts(self, texts: Sequence[str]) -> sp.csr_matrix:
        cleaned = [normalise_for_model(t) for t in texts]
        matrix = sp.hstack(
            [self._words.transform(cleaned), self._chars.transform(cleaned)], format="csr"
        )
        matrix.data = np.log1p(matrix.data)  # sublinear term frequency
        return matrix


def tfidf(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    weighted = counts @ sp.diags(idf)
    norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ weighted)


# The model learnt from tweets (about 15 words). A long news comment is scored as equal
# windows of at most this many words, each label taking its worst window: one abusive
# sentence is no longer diluted by ten polite ones (TF-IDF rows are L2-normalised). On our
# held-out tweets embedded among 8 clean news sentences, AUC rose from 0.888 to 0.919, at
# the same speed (the windows hold the same characters as the whole comment).
WINDOW_WORDS = 30


def windows(texts: Sequence[str], max_words: int) -> tuple[list[str], np.ndarray]:
    """Rows to score and, for each row, the index of the text it came from."""
    found = located_windows(texts, max_words)
    return [w.text for w in found], np.asarray([w.comment for w in found], dtype=np.int64)


def located_windows(texts: Sequence[str], max_words: int) -> list[Window]:
    """The rows of `windows`, each with the words of its text it holds."""
    found: list[Window] = []
    for index, text in enumerate(texts):
        words = text.split()
        if len(words) <= max_words:
            found.append(Window(index, 0, len(words), text))
            continue
        count = -(-len(words) // max_words)
        size = -(-len(words) // count)  # equal windows: no short tail window
        for start in range(0, len(words), size):
            part = words[start : start + size]
            found.append(Window(index, start, start + len(part), " ".join(part)))
    return found


def _lexicon_of(meta: dict[str, Any]) -> Lexicon | None:
    """The word lists the model was trained with, or None for a model without them."""
    recorded = meta.get("lexicon")
    if not recorded:
        return None
    lexicon = Lexicon(DEFAULT_LEXICON)
    if lexicon.sha256 != recorded["sha256"] or lexicon.feature_names != recorded["features"]:
        raise ValueError(
            f"{DEFAULT_LEXICON} differs from the word lists this model was trained with "
            "(SHA-256 or features): run `make train-baseline` after changing the lists"
        )
    return lexicon


class BaselineScorer:
    """Serves the shipped baseline model in-process; vectorised over a batch."""

    def __init__(self, path: Path | str = DEFAULT_BASELINE) -> None:
        base = Path(path)
        meta_path, arrays_path = base.with_suffix(".json"), base.with_suffix(".npz")
        if not meta_path.exists() or not arrays_path.exists():
            raise FileNotFoundError(
                f"baseline model not found at {base}.{{json,npz}}: run `make train-baseline`"
            )
        self.meta = json.loads(meta_path.read_text(encoding="utf-8"))
        with np.load(arrays_path, allow_pickle=False) as arrays:
            self._coef = arrays["coef"].astype(np.float32)  # (features, labels)
            self._intercept = arrays["intercept"].astype(np.float32)
            self._idf = arrays["idf"].astype(np.float32)
        self.labels: tuple[str, ...] = tuple(self.meta["labels"])
        self.featuriser = Featuriser(FeaturiserSpec.from_json(self.meta["featuriser"]))
        self.lexicon = _lexicon_of(self.meta)
        self.model = ModelRef(backend="baseline", version=str(self.meta["version"]))

    def score_canonical(
        self, texts: Sequence[str], batch: CanonicalBatch
    ) -> list[dict[str, float]]:
        """`score_batch`, with the lexicon counted on `batch`, the texts as the classifier
        has already normalised them (`ScoresCanonicalText`): the same scores, one
        normalisation fewer."""
        if self.lexicon is None or not texts:
            return self.score_batch(texts)
        found = located_windows(texts, WINDOW_WORDS)
        rows = [w.text for w in found]
        lexicon = self.lexicon.window_features(batch, texts, found)
        owners = np.asarray([w.comment for w in found], dtype=np.int64)
        return self._best_of_windows(len(texts), owners, self._score_rows(rows, lexicon))

    def score_batch(self, texts: Sequence[str]) -> list[dict[str, float]]:
        if not texts:
            return []
        rows, owners = windows(texts, WINDOW_WORDS)
        return self._best_of_windows(len(texts), owners, self._score_rows(rows))

    def _best_of_windows(
        self, count: int, owners: np.ndarray, probabilities: np.ndarray
    ) -> list[dict[str, float]]:
        best = np.zeros((count, len(self.labels)), dtype=np.float64)
        np.maximum.at(best, owners, probabilities)
        return [
            {label: float(p) for label, p in zip(self.labels, row, strict=True)}
            for row in best.tolist()
        ]

    def _score_rows(self, rows: Sequence[str], lexicon: np.ndarray | None = None) -> np.ndarray:
        """Label probabilities of each row as one text (no windows); `lexicon`, the rows'
        lexicon features where the caller has them already."""
        features = tfidf(self.featuriser.counts(rows), self._idf)
        n = self.featuriser.n_features
        logits = np.asarray(features @ self._coef[:n]) + self._intercept
        if self.lexicon is not None:
            if lexicon is None:
                lexicon = self.lexicon.features(rows)
            logits += lexicon @ self._coef[n:]
        return np.asarray(1.0 / (1.0 + np.exp(-logits)))

    def describe(self) -> str:
        auc = self.meta.get("validation", {}).get("toxicity", {}).get("auc")
        return (
            f"toxicity model: the shipped baseline {self.model.version} (labels: "
            f"{', '.join(self.labels)}; toxicity AUC {auc} on its own tweet validation split). "
            "It is weaker than Detoxify, the production model: on a machine with internet run "
            "`moderation models fetch original --model-dir DIR`, copy DIR here and set "
            "MODERATION_MODEL_DIR=DIR MODERATION_SCORER=detoxify (docs/models.md)."
        )
