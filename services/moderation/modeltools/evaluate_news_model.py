"""Validation figures of an exported news model, computed through the serving scorer
(int8 ONNX, both views, windows): the numbers describe what ships, not the torch model.

- AUC per label over the validation split of every source, and per source;
- character-level F1 of the toxic spans on the SemEval-2021 test posts (never trained on),
  computed as SemEval did: F1 per post (1 when both gold and prediction are empty), averaged;
- per label, the threshold that keeps the false-positive rate on validation negatives at or
  under a target, with the precision and recall it gives (the policy's defaults come from
  here; docs/models.md);
- what the default policy does with the validation comments: the share of abusive ones
  (toxicity label >= 0.5) it holds and of clean ones it approves, per source.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score

from moderation.modeltools import corpora
from moderation.modeltools.corpora import LABELS, Corpus, Row
from moderation.scoring.base import ToxicityScorer
from moderation.scoring.news_model import NewsModelScorer

MIN_CLASS = 10  # fewer positives or negatives than this: no AUC (it would be noise)
# Target false-positive rates for the default thresholds: toxicity is the broad label and
# may flag a little more; the specific labels add up, so each gets less.
TARGET_FPR = {label: (0.04 if label == "toxicity" else 0.015) for label in LABELS}


def _auc(truth: np.ndarray, scores: np.ndarray) -> dict[str, Any] | None:
    known = ~np.isnan(truth) & ~np.isnan(scores)
    positive = truth[known] >= 0.5
    if positive.sum() < MIN_CLASS or (~positive).sum() < MIN_CLASS:
        return None
    return {
        "auc": round(float(roc_auc_score(positive, scores[known])), 4),
        "n": int(known.sum()),
        "positives": int(positive.sum()),
    }


def score_rows(scorer: ToxicityScorer, rows: list[Row], batch: int = 256) -> np.ndarray:
    """(rows, LABELS) scores; NaN for a label the scorer does not report."""
    out = np.full((len(rows), len(LABELS)), np.nan, dtype=np.float32)
    for start in range(0, len(rows), batch):
        chunk = scorer.score_batch([r.text for r in rows[start : start + batch]])
        for k, scores in enumerate(chunk):
            out[start + k] = [scores.get(label, np.nan) for label in LABELS]
    return out


def label_report(corpus: Corpus, rows: list[Row], scores: np.ndarray) -> dict[str, Any]:
    truth = corpus.targets(rows)
    report: dict[str, Any] = {"overall": {}, "by_source": {}, "thresholds": {}}
    for j, label in enumerate(LABELS):
        figures = _auc(truth[:, j], scores[:, j])
        if figures:
            report["overall"][label] = figures
    for source in sorted({r.source for r in rows}):
        mask = np.array([r.source == source for r in rows])
        by_label = {}
        for j, label in enumerate(LABELS):
            figures = _auc(truth[mask, j], scores[mask, j])
            if figures:
                by_label[label] = figures
        report["by_source"][source] = by_label
    for j, label in enumerate(LABELS):
        if not np.isnan(scores[:, j]).all():
            report["thresholds"][label] = suggest_threshold(
                truth[:, j], scores[:, j], TARGET_FPR[label]
            )
    return report


def policy_report(
    corpus: Corpus, rows: list[Row], scores: np.ndarray, thresholds: dict[str, float]
) -> dict[str, Any]:
    """Held share of abusive and approved share of clean comments when every label is held
    at its threshold, as the classifier does; rows without a toxicity label are left out."""
    truth = corpus.targets(rows)[:, LABELS.index("toxicity")]
    held = np.zeros(len(rows), dtype=bool)
    for label, threshold in thresholds.items():
        held |= np.nan_to_num(scores[:, LABELS.index(label)], nan=0.0) >= threshold
    known = ~np.isnan(truth)
    abusive, clean = known & (truth >= 0.5), known & (truth < 0.5)
    sources = np.array([r.source for r in rows])

    def shares(mask: np.ndarray) -> dict[str, Any]:
        a, c = abusive & mask, clean & mask
        return {
            "abusive": int(a.sum()),
            "held": round(float(held[a].mean()), 4) if a.any() else None,
            "clean": int(c.sum()),
            "approved": round(float((~held[c]).mean()), 4) if c.any() else None,
        }

    public = sources != "supplement"
    report = {"thresholds": thresholds, "public_sets": shares(public), "all": shares(known)}
    report["by_source"] = {s: shares(sources == s) for s in sorted(set(sources))}
    return report


def default_thresholds() -> dict[str, float]:
    from moderation.domain.policy import load_policy

    policy = load_policy()
    return {label.value: t for label, t in policy.thresholds.items() if t is not None}


def suggest_threshold(truth: np.ndarray, scores: np.ndarray, target_fpr: float) -> dict:
    known = ~np.isnan(truth)
    positive = truth[known] >= 0.5
    values = scores[known]
    negatives = np.sort(values[~positive])
    if len(negatives) == 0 or positive.sum() == 0:
        return {}
    # The smallest threshold whose false-positive rate is within the target.
    index = min(len(negatives) - 1, int(np.ceil(len(negatives) * (1 - target_fpr))))
    threshold = float(min(0.99, max(0.05, negatives[index])))
    held = values >= threshold
    true_positives = float((held & positive).sum())
    return {
        "threshold": round(threshold, 3),
        "target_fpr": target_fpr,
        "precision": round(true_positives / max(held.sum(), 1), 3),
        "recall": round(true_positives / positive.sum(), 3),
        "fpr": round(float((held & ~positive).sum()) / max((~positive).sum(), 1), 4),
    }


def span_f1(scorer: NewsModelScorer, rows: list[Row]) -> dict[str, Any]:
    scores: list[float] = []
    for start in range(0, len(rows), 256):
        chunk = rows[start : start + 256]
        _, predicted = scorer.score_with_spans([r.text for r in chunk])
        for row, spans in zip(chunk, predicted, strict=True):
            gold = {i for s, e in row.spans or () for i in range(s, e)}
            guess = {i for span in spans for i in range(span.start, span.end)}
            if not gold and not guess:
                scores.append(1.0)
            elif not gold or not guess:
                scores.append(0.0)
            else:
                overlap = len(gold & guess)
                scores.append(2 * overlap / (len(gold) + len(guess)))
    return {"char_f1": round(float(np.mean(scores)), 4), "posts": len(scores)}


def probe_report(scorer: NewsModelScorer) -> dict[str, Any]:
    """The hand-written news-comment probe in tests/data (never trained on)."""
    import yaml

    path = corpora.REPO_ROOT / "tests" / "data" / "news_probe.yaml"
    if not path.exists():
        return {}
    items = [
        item
        for group in yaml.safe_load(path.read_text(encoding="utf-8")).values()
        for item in group
    ]
    scores = scorer.score_batch([item[0] for item in items])
    report = {}
    for column, label in ((1, "toxicity"), (2, "insult"), (3, "identity_attack")):
        truth = np.array([item[column] for item in items])
        report[label] = round(float(roc_auc_score(truth, [s[label] for s in scores])), 4)
    return report


def evaluate_artifact(
    folder: Path, corpus: Corpus, limit: int = 0, early_exit: bool = False
) -> dict[str, Any]:
    """Every figure above; `limit` > 0 evaluates on a fixed sample (for quick checks)."""
    scorer = NewsModelScorer(folder, early_exit=early_exit)
    validation, span_test = corpus.of("validation"), corpus.of("span_test")
    if limit:
        validation, span_test = validation[:: max(1, len(validation) // limit)], span_test[:limit]
    scores = score_rows(scorer, validation)
    report = label_report(corpus, validation, scores)
    report["default_policy"] = policy_report(corpus, validation, scores, default_thresholds())
    report["spans_semeval_test"] = span_f1(scorer, span_test)
    report["news_probe_auc"] = probe_report(scorer)
    return report


def compare(folder: Path, corpus: Corpus, sources: list[str] | None = None) -> dict[str, Any]:
    """The news model beside the TF-IDF baseline on the same rows: the validation split,
    or every row of `sources` (for a model trained without them: cross-set figures)."""
    from moderation.scoring.baseline import BaselineScorer

    if sources:
        rows = [r for r in corpus.rows if r.source in sources and r.split != "span_test"]
    else:
        rows = corpus.of("validation")
    return {
        name: label_report(corpus, rows, score_rows(scorer, rows))["by_source"]
        for name, scorer in (("news", NewsModelScorer(folder)), ("baseline", BaselineScorer()))
    }


if __name__ == "__main__":
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    from moderation.scoring.news_model import DEFAULT_NEWS_MODEL

    print(json.dumps(evaluate_artifact(folder or DEFAULT_NEWS_MODEL, corpora.load()), indent=2))
