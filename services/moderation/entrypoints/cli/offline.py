"""In-process scoring with no broker: `moderation score` and `moderation eval`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np

from moderation.domain.events import ArticleContext, Author, CommentSubmitted
from moderation.domain.labels import Label
from moderation.domain.policy import Policy
from moderation.scoring.base import ToxicityScorer
from moderation.scoring.evaluation import precision_recall_f1, roc_auc, suggest_threshold
from moderation.service_layer.classify import Classifier

BATCH = 256


class InputError(ValueError):
    """A line of the input file is unusable; the message names the line."""


def read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{number}: not JSON ({exc.msg})") from None
            if not isinstance(data, dict):
                raise InputError(f"{path}:{number}: expected a JSON object")
            yield number, data


def comment_from_line(number: int, data: dict[str, Any]) -> CommentSubmitted:
    if not isinstance(data.get("body"), str):
        raise InputError(f"line {number}: 'body' (a string) is required")
    return CommentSubmitted(
        comment_id=str(data.get("comment_id") or f"line-{number}"),
        article_id=str(data.get("article_id") or "offline"),
        site_id=str(data.get("site_id") or "offline"),
        section=data.get("section"),
        revision=int(data.get("revision") or 1),
        author=Author(id=str(data.get("author_id") or "offline")),
        body=data["body"],
    )


def score_file(path: Path, classifier: Classifier) -> Iterator[str]:
    lines = read_jsonl(path)
    while chunk := list(islice(lines, BATCH)):
        comments = [comment_from_line(n, d) for n, d in chunk]
        for decision in classifier.classify(comments):
            yield decision.model_dump_json()


def load_articles(path: Path | None) -> dict[str, ArticleContext]:
    if path is None:
        return {}
    return {
        ctx.article_id: ctx
        for ctx in (ArticleContext.model_validate(d) for _, d in read_jsonl(path))
    }


def evaluate(
    path: Path,
    scorer: ToxicityScorer,
    policy: Policy,
    target_precision: float | None = None,
    target_recall: float | None = None,
) -> dict[str, Any]:
    """Scores `{"text", "label"}` lines. A line is predicted 'hold' when any toxicity label
    reaches its policy threshold; AUC ranks by the toxicity score. Lines may also carry
    per-label 0/1 columns named like the model's labels ("insult": 1): each gets its AUC.
    With a target precision or recall, a threshold that reaches it is suggested per label."""
    texts, labels = [], []
    columns: dict[str, list[int | None]] = {label: [] for label in scorer.labels}
    for number, data in read_jsonl(path):
        if not isinstance(data.get("text"), str) or data.get("label") not in (0, 1):
            raise InputError(f"{path}:{number}: need 'text' (string) and 'label' (0 or 1)")
        texts.append(data["text"])
        labels.append(int(data["label"]))
        for label, values in columns.items():
            values.append(int(data[label]) if data.get(label) in (0, 1) else None)
    if not texts:
        raise InputError(f"{path}: no lines to evaluate")
    scores: list[dict[str, float]] = []
    for start in range(0, len(texts), BATCH):
        scores.extend(scorer.score_batch(texts[start : start + BATCH]))
    thresholds = policy.thresholds_for("eval", None, "eval")
    truth = np.array(labels)
    predicted = np.array([int(bool(policy.toxicity_reasons(s, thresholds))) for s in scores])
    toxicity = np.array([s.get(Label.TOXICITY.value, 0.0) for s in scores])
    precision, recall, f1 = precision_recall_f1(truth, predicted)
    per_label: dict[str, Any] = {}
    for label, values in columns.items():
        known = [i for i, v in enumerate(values) if v is not None]
        if not known:
            continue
        y = np.array([values[i] for i in known])
        s = np.array([scores[i].get(label, 0.0) for i in known])
        per_label[label] = {
            "auc": round(roc_auc(y, s), 4),
            "n": len(known),
            "positives": int(y.sum()),
        }
        suggestion = suggest_threshold(y, s, target_precision, target_recall)
        if suggestion:
            per_label[label]["suggested"] = suggestion
    main_suggestion = suggest_threshold(truth, toxicity, target_precision, target_recall)
    return {
        "model": scorer.model.version,
        "backend": scorer.model.backend,
        "policy_version": policy.version,
        "n": len(texts),
        "positives": int(truth.sum()),
        "auc": round(roc_auc(truth, toxicity), 4),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "threshold": thresholds.get(Label.TOXICITY),
        **({"per_label": per_label} if per_label else {}),
        **({"suggested_toxicity_threshold": main_suggestion} if main_suggestion else {}),
    }
