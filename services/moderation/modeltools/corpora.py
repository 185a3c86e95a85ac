"""Training corpora for the news toxicity model: the public sets in ../shared/datasets
and the project's own supplement (data/toxicity_supplement), mapped onto Detoxify's seven
labels.

Every row carries a target per label: a probability in [0, 1] (soft where the source gives
annotator fractions) or NaN where the source says nothing about that label. NaN targets
are masked out of the loss, never read as 0: a tweet marked "offensive" says nothing about
whether it threatens anyone.

The mapping, set by set (docs/models.md repeats it with the reasons):
- davidson: toxicity = (hate + offensive) / raters; identity_attack = hate / raters;
  "neither" by majority -> every label 0; the rest unknown.
- olid: OFF -> toxicity; TIN+IND -> insult; TIN+GRP -> identity_attack; UNT (untargeted
  offence, mostly swearing) -> obscene; NOT -> every label 0.
- toxic_spans (Civil Comments, news comments): toxicity 1 when most annotators marked a
  span, else 0.5; insult / threat / identity_attack / obscene = fraction of annotators who
  marked a span of that type; character spans (SemEval train and trial files) for the
  span head. SemEval test rows are never trained on: they are the span evaluation set.
- context_toxicity: label 1 -> toxicity; label 0 -> every label 0 (clean, formal).
- fox_news: hateful -> toxicity and identity_attack; not hateful -> identity_attack 0 only.
- convabuse: majority abusive -> toxicity; majority "very strongly abusive" (-3) ->
  severe_toxicity; sex_harassment -> sexual_explicit; racist, sexist, homophobic,
  transphobic, ableist -> identity_attack; intellectual -> insult (annotator fractions);
  majority not abusive -> every label 0.
- hatexplain: hatespeech -> toxicity and identity_attack; offensive -> toxicity; normal ->
  every label 0.
- supplement: written for this project with all seven labels (its README).
"""

from __future__ import annotations

import ast
import csv
import gzip
import hashlib
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from moderation.domain.labels import Label

LABELS: tuple[str, ...] = tuple(label.value for label in Label)
NA = math.nan
REPO_ROOT = Path(__file__).resolve().parents[3]
SUPPLEMENT_DIR = REPO_ROOT / "data" / "toxicity_supplement"
VALIDATION_PERCENT = 10


def default_datasets_dir() -> Path:
    return REPO_ROOT.parent / "shared" / "datasets"


@dataclass
class Row:
    text: str
    targets: list[float]  # one per LABELS entry, NaN = unknown
    source: str
    split: str  # "train", "validation" or "span_test" (evaluation only)
    spans: list[tuple[int, int]] | None = None  # toxic character spans, when annotated


@dataclass
class Corpus:
    rows: list[Row] = field(default_factory=list)

    def of(self, split: str) -> list[Row]:
        return [r for r in self.rows if r.split == split]

    def targets(self, rows: list[Row]) -> np.ndarray:
        return np.array([r.targets for r in rows], dtype=np.float32).reshape(-1, len(LABELS))


def _targets(**known: float) -> list[float]:
    unknown = set(known) - set(LABELS)
    if unknown:
        raise ValueError(f"not labels: {unknown}")
    return [float(known[label]) if label in known else NA for label in LABELS]


def _all(value: float) -> list[float]:
    return [float(value)] * len(LABELS)


def held_out(source: str, text: str) -> bool:
    """A stable 10 % validation split by text, the same on every machine and every run."""
    digest = hashlib.sha1(f"{source}\0{text.strip().lower()}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < VALIDATION_PERCENT


def _split(source: str, text: str) -> str:
    return "validation" if held_out(source, text) else "train"


def _csv(path: Path, tab_separated: bool = False) -> Iterator[dict[str, str]]:
    text = (
        gzip.open(path, "rt", encoding="utf-8", newline="")  # noqa: SIM115 - closed below
        if path.suffix == ".gz"
        else path.open(encoding="utf-8", newline="")
    )
    with text as handle:
        if tab_separated:  # OLID: tabs, and quotes are plain characters in tweets
            yield from csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        else:
            yield from csv.DictReader(handle)


def read_davidson(root: Path) -> list[Row]:
    rows = []
    for r in _csv(root / "davidson" / "labeled_data.csv"):
        raters = int(r["count"])
        hate, offensive = int(r["hate_speech"]) / raters, int(r["offensive_language"]) / raters
        if int(r["class"]) == 2:
            targets = _all(0.0)
        else:
            targets = _targets(toxicity=hate + offensive, identity_attack=hate)
        rows.append(Row(r["tweet"], targets, "davidson", _split("davidson", r["tweet"])))
    return rows


def read_olid(root: Path) -> list[Row]:
    rows = []
    path = root / "olid" / "olid-training-v1.0.tsv"
    for r in _csv(path, tab_separated=True):
        if r["subtask_a"] != "OFF":
            targets = _all(0.0)
        elif r["subtask_b"] == "UNT":
            targets = _targets(toxicity=1, obscene=1, insult=0, identity_attack=0)
        else:
            target = r["subtask_c"]
            targets = _targets(
                toxicity=1, insult=float(target == "IND"), identity_attack=float(target == "GRP")
            )
        rows.append(Row(r["tweet"], targets, "olid", _split("olid", r["tweet"])))
    return rows


def _span_offsets(raw: str) -> list[tuple[int, int]]:
    """SemEval's list of character offsets -> contiguous [start, end) spans."""
    offsets = sorted(set(ast.literal_eval(raw)))
    spans: list[tuple[int, int]] = []
    for offset in offsets:
        if spans and offset == spans[-1][1]:
            spans[-1] = (spans[-1][0], offset + 1)
        else:
            spans.append((offset, offset + 1))
    return spans


def read_toxic_spans(root: Path) -> list[Row]:
    folder = root / "toxic_spans"
    semeval: dict[str, tuple[str, list[tuple[int, int]]]] = {}
    for split in ("train", "trial", "test"):
        for r in _csv(folder / f"semeval2021_tsd_{split}.csv.gz"):
            semeval[r["text"]] = (split, _span_offsets(r["spans"]))
    rows = []
    for r in _csv(folder / "by_comment.csv.gz"):
        n = max(int(r["n_annotations"]), 1)
        text = r["comment_text"]
        targets = _targets(
            toxicity=1.0 if int(r["n_with_spans"]) * 2 > n else 0.5,
            insult=int(r["n_insult"]) / n,
            threat=int(r["n_threat"]) / n,
            identity_attack=int(r["n_identity_attack"]) / n,
            obscene=int(r["n_profane_obscene"]) / n,
        )
        split_name, spans = semeval.get(text) or ("", None)
        if split_name == "test" or r["semeval2021_split"] == "test":
            split = "span_test"
        else:
            split = _split("toxic_spans", text)
        rows.append(Row(text, targets, "toxic_spans", split, spans))
    return rows


def read_context_toxicity(root: Path) -> list[Row]:
    rows = []
    folder = root / "context_toxicity"
    seen: set[str] = set()
    for name in ("cat_large_gn.csv.gz", "cat_large_gc.csv.gz", "cat_small.csv.gz"):
        label_column = "label_oc" if name.startswith("cat_small") else "label"
        for r in _csv(folder / name):
            text = r["text"]
            if text in seen:
                continue
            seen.add(text)
            targets = _targets(toxicity=1) if r[label_column] == "1" else _all(0.0)
            rows.append(Row(text, targets, "context_toxicity", _split("context", text)))
    return rows


def read_fox_news(root: Path) -> list[Row]:
    rows = []
    with gzip.open(root / "fox_news" / "fox-news-comments.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            text = record["text"]
            if record["label"] == 1:
                targets = _targets(toxicity=1, identity_attack=1)
            else:
                targets = _targets(identity_attack=0)
            rows.append(Row(text, targets, "fox_news", _split("fox_news", text)))
    return rows


_IDENTITY_TYPES = ("racist", "sexist", "homophobic", "transphobic", "ableist")


def read_convabuse(root: Path) -> list[Row]:
    rows = []
    for part in ("train", "valid", "test"):
        for r in _csv(root / "convabuse" / f"ConvAbuseEMNLP{part}.csv.gz"):
            annotators = sorted(
                {k.split("_", 1)[0] for k, v in r.items() if k.startswith("Annotator") and v}
            )
            if not annotators:
                continue

            def share(column: str, who: list[str] = annotators, row: dict = r) -> float:
                return sum(row.get(f"{a}_{column}") == "1" for a in who) / len(who)

            abusive = sum(share(f"is_abuse.{level}") for level in ("-1", "-2", "-3"))
            if abusive * 2 <= 1:
                targets = _all(0.0) if share("is_abuse.1") * 2 > 1 else _targets()
            else:
                targets = _targets(
                    toxicity=1,
                    severe_toxicity=float(share("is_abuse.-3") * 2 > 1),
                    sexual_explicit=share("sex_harassment"),
                    identity_attack=max(share(t) for t in _IDENTITY_TYPES),
                    insult=share("intellectual"),
                )
            text = r["user"]
            rows.append(Row(text, targets, "convabuse", _split("convabuse", text)))
    return rows


def read_hatexplain(root: Path) -> list[Row]:
    rows = []
    for part in ("val", "test"):
        for r in _csv(root / "hatexplain" / f"hatexplain_{part}.csv.gz"):
            labels = ast.literal_eval(r["annotators"])["label"]
            majority = max(set(labels), key=labels.count)
            text = " ".join(ast.literal_eval(r["post_tokens"]))
            if majority == 0:
                targets = _targets(toxicity=1, identity_attack=1)
            elif majority == 2:
                targets = _targets(toxicity=1)
            else:
                targets = _all(0.0)
            rows.append(Row(text, targets, "hatexplain", _split("hatexplain", text)))
    return rows


def read_supplement(folder: Path = SUPPLEMENT_DIR) -> list[Row]:
    rows = []
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            record = json.loads(line)
            targets = [float(record["labels"][label]) for label in LABELS]
            split = "validation" if record.get("split") == "validation" else "train"
            rows.append(Row(record["text"], targets, "supplement", split))
    return rows


READERS = {
    "davidson": read_davidson,
    "olid": read_olid,
    "toxic_spans": read_toxic_spans,
    "context_toxicity": read_context_toxicity,
    "fox_news": read_fox_news,
    "convabuse": read_convabuse,
    "hatexplain": read_hatexplain,
}


def load(datasets_dir: Path | None = None, with_supplement: bool = True) -> Corpus:
    root = datasets_dir or default_datasets_dir()
    rows = [row for reader in READERS.values() for row in reader(root)]
    if with_supplement and SUPPLEMENT_DIR.exists():
        rows += read_supplement()
    return Corpus([r for r in rows if r.text and r.text.strip()])
