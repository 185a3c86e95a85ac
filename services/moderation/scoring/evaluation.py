"""Evaluation maths for a toxicity scorer: AUC, precision/recall/F1 and the threshold that
reaches a target precision or recall (`moderation eval`)."""

from __future__ import annotations

import math

import numpy as np
from sklearn.metrics import roc_auc_score


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve (ties count half); NaN with one class only, where sklearn
    would raise."""
    if len(np.unique(labels)) < 2:
        return math.nan
    return float(roc_auc_score(labels, scores))


def precision_recall_f1(labels: np.ndarray, predicted: np.ndarray) -> tuple[float, float, float]:
    tp = int(((predicted == 1) & (labels == 1)).sum())
    fp = int(((predicted == 1) & (labels == 0)).sum())
    fn = int(((predicted == 0) & (labels == 1)).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def suggest_threshold(
    labels: np.ndarray,
    scores: np.ndarray,
    target_precision: float | None = None,
    target_recall: float | None = None,
) -> dict[str, float] | None:
    """The threshold meeting the target: for precision, the lowest threshold whose precision
    reaches it (most recall); for recall, the highest threshold whose recall reaches it."""
    if labels.sum() == 0 or (target_precision is None and target_recall is None):
        return None
    order = np.argsort(-scores, kind="stable")
    sorted_scores, sorted_labels = scores[order], labels[order]
    true_positives = np.cumsum(sorted_labels)
    predicted = np.arange(1, len(labels) + 1)
    # Only cut between distinct scores: a threshold holds every line at or above it.
    last_of_value = np.append(sorted_scores[1:] != sorted_scores[:-1], True)
    precision = (true_positives / predicted)[last_of_value]
    recall = (true_positives / labels.sum())[last_of_value]
    thresholds = sorted_scores[last_of_value]
    if target_precision is not None:
        ok = np.flatnonzero(precision >= target_precision)
        if len(ok) == 0:
            return None
        i = ok[-1]
    else:
        ok = np.flatnonzero(recall >= target_recall)
        if len(ok) == 0:
            return None
        i = ok[0]
    return {
        "threshold": round(float(thresholds[i]), 4),
        "precision": round(float(precision[i]), 4),
        "recall": round(float(recall[i]), 4),
    }
