"""Train the shipped baseline from ../shared/datasets (run by `make train-baseline`).

Label mapping (documented in docs/models.md):
- Davidson et al. 2017: toxicity = hate speech or offensive (majority class 0 or 1);
  identity_attack = hate speech (class 0). No insult label: rows are masked for insult.
- OLID 2019: toxicity = OFF; insult = OFF targeted at an individual (TIN + IND);
  identity_attack = OFF targeted at a group (TIN + GRP).

Plus benign sentences naming identity groups (models/benign_identity.yaml), negatives for
every label. Features: hashed n-gram TF-IDF and the lexicon features (scoring/lexicon.py).

Each label gets its own logistic regression trained on the rows where that label is
defined. A fixed, stratified 15 % of the rows is held out and never trained on; the
validation AUCs are written into the model's metadata.
"""

from __future__ import annotations

import csv
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import yaml
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from moderation.domain.labels import Label
from moderation.scoring.baseline import (
    DEFAULT_BASELINE,
    MODELS_DIR,
    Featuriser,
    FeaturiserSpec,
    tfidf,
)
from moderation.scoring.lexicon import DEFAULT_LEXICON, Lexicon

LABELS = (Label.TOXICITY.value, Label.INSULT.value, Label.IDENTITY_ATTACK.value)
UNKNOWN = -1
VALIDATION_FRACTION = 0.15
SEED = 20261126
BENIGN_IDENTITY = MODELS_DIR / "benign_identity.yaml"


@dataclass
class Corpus:
    texts: list[str]
    targets: np.ndarray  # (rows, labels), 1/0, or UNKNOWN where the source has no such label
    source: list[str]


def default_datasets_dir() -> Path:
    return Path(__file__).resolve().parents[3].parent / "shared" / "datasets"


def read_davidson(path: Path) -> Corpus:
    texts, rows = [], []
    with path.open(encoding="utf-8", newline="") as handle:
        for record in csv.DictReader(handle):
            klass = int(record["class"])
            texts.append(record["tweet"])
            rows.append([int(klass in (0, 1)), UNKNOWN, int(klass == 0)])
    return Corpus(texts, np.array(rows, dtype=np.int8), ["davidson"] * len(texts))


def read_olid(path: Path) -> Corpus:
    texts, rows = [], []
    with path.open(encoding="utf-8", newline="") as handle:
        for record in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            offensive = record["subtask_a"] == "OFF"
            targeted = record["subtask_b"] == "TIN"
            target = record["subtask_c"]
            texts.append(record["tweet"])
            rows.append(
                [
                    int(offensive),
                    int(offensive and targeted and target == "IND"),
                    int(offensive and targeted and target == "GRP"),
                ]
            )
    return Corpus(texts, np.array(rows, dtype=np.int8), ["olid"] * len(texts))


def load_corpus(datasets_dir: Path) -> Corpus:
    parts = [
        read_davidson(datasets_dir / "davidson" / "labeled_data.csv"),
        read_olid(datasets_dir / "olid" / "olid-training-v1.0.tsv"),
    ]
    return Corpus(
        [t for p in parts for t in p.texts],
        np.vstack([p.targets for p in parts]),
        [s for p in parts for s in p.source],
    )


def benign_identity_rows(path: Path = BENIGN_IDENTITY) -> Corpus:
    """Every template with every group: negatives for every label (see the file's header)."""
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    texts = [t.format(g=g) for g in spec["groups"] for t in spec["templates"]]
    texts = [t[0].upper() + t[1:] for t in texts]
    targets = np.zeros((len(texts), len(LABELS)), dtype=np.int8)
    return Corpus(texts, targets, ["benign_identity"] * len(texts))


def validation_mask(corpus: Corpus) -> np.ndarray:
    """A fixed stratified split: the same rows are held out on every machine."""
    rng = np.random.default_rng(SEED)
    held_out = np.zeros(len(corpus.texts), dtype=bool)
    strata = [f"{s}:{t}" for s, t in zip(corpus.source, corpus.targets[:, 0], strict=True)]
    for stratum in sorted(set(strata)):
        idx = np.array([i for i, s in enumerate(strata) if s == stratum])
        rng.shuffle(idx)
        held_out[idx[: round(len(idx) * VALIDATION_FRACTION)]] = True
    return held_out


def train(datasets_dir: Path, out: Path = DEFAULT_BASELINE, c: float = 4.0) -> dict:
    started = time.perf_counter()
    tweets = load_corpus(datasets_dir)
    extra = benign_identity_rows()
    corpus = Corpus(
        tweets.texts + extra.texts,
        np.vstack([tweets.targets, extra.targets]),
        tweets.source + extra.source,
    )
    # The validation split holds tweets only, the same rows as before the extra sentences.
    held_out = np.concatenate([validation_mask(tweets), np.zeros(len(extra.texts), dtype=bool)])
    spec = FeaturiserSpec()
    featuriser = Featuriser(spec)
    lexicon = Lexicon(DEFAULT_LEXICON)
    counts = featuriser.counts(corpus.texts)

    train_counts = counts[~held_out]
    document_frequency = np.bincount(train_counts.indices, minlength=featuriser.n_features)
    n_docs = train_counts.shape[0]
    idf = (np.log((1 + n_docs) / (1 + document_frequency)) + 1).astype(np.float32)
    features = sp.hstack(
        [tfidf(counts, idf), sp.csr_matrix(lexicon.features(corpus.texts))], format="csr"
    )

    coef = np.zeros((features.shape[1], len(LABELS)), dtype=np.float32)
    intercept = np.zeros(len(LABELS), dtype=np.float32)
    validation: dict[str, dict[str, float]] = {}
    for j, label in enumerate(LABELS):
        known = corpus.targets[:, j] != UNKNOWN
        fit_rows = known & ~held_out
        # Balanced classes: the tweet corpora are mostly offensive, news comments mostly not;
        # balancing keeps the scores from inheriting the tweets' base rate.
        model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000, solver="liblinear")
        model.fit(features[fit_rows], corpus.targets[fit_rows, j])
        coef[:, j] = model.coef_[0]
        intercept[j] = model.intercept_[0]
        val_rows = known & held_out
        validation[label] = {
            "auc": round(
                float(
                    roc_auc_score(
                        corpus.targets[val_rows, j], model.decision_function(features[val_rows])
                    )
                ),
                4,
            ),
            "n": int(val_rows.sum()),
            "positives": int(corpus.targets[val_rows, j].sum()),
        }

    version = "baseline-" + datetime.now(UTC).strftime("%Y%m%d")
    meta = {
        "version": version,
        "labels": list(LABELS),
        "featuriser": spec.to_json(),
        "trained_on": [
            "davidson (Davidson et al. 2017)",
            "olid (Zampieri et al. 2019)",
            f"benign identity sentences ({len(extra.texts)} rows, models/benign_identity.yaml)",
        ],
        "lexicon": {"sha256": lexicon.sha256, "features": lexicon.feature_names},
        "validation": validation,
        "validation_fraction": VALIDATION_FRACTION,
        "seed": SEED,
        "regularisation_c": c,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    # float16 halves the artifact; the scores move by < 1e-3.
    np.savez_compressed(
        out.with_suffix(".npz"),
        coef=coef.astype(np.float16),
        intercept=intercept,
        idf=idf.astype(np.float16),
    )
    out.with_suffix(".json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    meta["seconds"] = round(time.perf_counter() - started, 1)
    return meta


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--datasets", type=Path, default=default_datasets_dir())
    parser.add_argument("--out", type=Path, default=DEFAULT_BASELINE)
    parser.add_argument("--c", type=float, default=4.0)
    args = parser.parse_args()
    print(json.dumps(train(args.datasets, args.out, args.c), indent=2))
