"""The project's toxicity supplement (data/toxicity_supplement) is well formed and reproducible."""

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

SUPPLEMENT = Path(__file__).resolve().parents[2] / "data" / "toxicity_supplement"
LABELS = {
    "toxicity",
    "severe_toxicity",
    "obscene",
    "threat",
    "insult",
    "identity_attack",
    "sexual_explicit",
}
# Swear words that make any positive row obscene; evasion rows may hide them, so they are
# checked in plain form only.
OBSCENE = re.compile(
    r"\b(fuck\w*|shit\w*|cunt\w*|twat|wanker|tosser|dickhead|arsehole|asshole)\b", re.I
)
WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")


def _rows() -> list[dict]:
    rows = []
    for path in sorted(SUPPLEMENT.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as error:
                pytest.fail(f"{path.name}:{number} does not parse: {error}")
    return rows


ROWS = _rows()


def _readme_kinds() -> set[str]:
    """Kind slugs from the README's per-kind table: lines like "| `threat` | ... |"."""
    text = (SUPPLEMENT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Rows per kind", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\|\s*`([a-z_]+)`", section, re.M))


def test_every_row_has_text_kind_split_and_seven_binary_labels():
    for row in ROWS:
        assert set(row) == {"text", "labels", "kind", "split"}, row
        assert isinstance(row["text"], str) and row["text"].strip(), row
        assert set(row["labels"]) == LABELS, row
        assert all(type(v) is int and v in (0, 1) for v in row["labels"].values()), row
        assert row["split"] in ("train", "validation"), row
        assert re.fullmatch(r"[a-z_]+", row["kind"]), row


def test_any_positive_sub_label_implies_toxicity():
    for row in ROWS:
        labels = row["labels"]
        if any(v for name, v in labels.items() if name != "toxicity"):
            assert labels["toxicity"] == 1, row


def test_plain_swearing_in_a_toxic_row_is_labelled_obscene():
    for row in ROWS:
        if row["labels"]["toxicity"] and OBSCENE.search(row["text"]):
            assert row["labels"]["obscene"] == 1, row


def test_texts_are_unique_ignoring_case_and_spacing():
    keys = Counter(" ".join(row["text"].casefold().split()) for row in ROWS)
    assert [k for k, n in keys.items() if n > 1] == []


def test_no_wording_is_shared_between_train_and_validation():
    # Validation is split by frame; the same words in both splits would mean a leaked phrasing.
    def letters(text: str) -> str:
        return " ".join(re.findall(r"[^\W_]+", text.casefold()))

    train = {letters(row["text"]) for row in ROWS if row["split"] == "train"}
    leaked = [
        row["text"]
        for row in ROWS
        if row["split"] == "validation" and letters(row["text"]) in train
    ]
    assert leaked == []


def test_rows_are_comment_length():
    for row in ROWS:
        assert 5 <= len(WORD.findall(row["text"])) <= 80, row["text"]


def test_size_balance_and_validation_share():
    negatives = sum(1 for row in ROWS if row["labels"]["toxicity"] == 0)
    assert len(ROWS) >= 3000
    assert negatives >= 0.4 * len(ROWS)
    assert len(ROWS) - negatives >= 1500
    validation = sum(1 for row in ROWS if row["split"] == "validation")
    assert 0.10 <= validation / len(ROWS) <= 0.20


def test_every_kind_has_a_fair_share_of_validation_rows():
    totals = Counter(row["kind"] for row in ROWS)
    held_out = Counter(row["kind"] for row in ROWS if row["split"] == "validation")
    shares = {kind: held_out[kind] / totals[kind] for kind in totals}
    assert all(0.08 <= share <= 0.25 for share in shares.values()), shares


def test_readme_kinds_match_the_rows():
    listed = _readme_kinds()
    present = {row["kind"] for row in ROWS}
    assert listed, "README has no per-kind table"
    assert listed == present


def test_build_script_reproduces_the_committed_files(tmp_path):
    subprocess.run(
        [sys.executable, str(SUPPLEMENT / "build.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    built = sorted(p.name for p in tmp_path.glob("*.jsonl"))
    committed = sorted(p.name for p in SUPPLEMENT.glob("*.jsonl"))
    assert built == committed
    for name in built:
        assert (tmp_path / name).read_bytes() == (SUPPLEMENT / name).read_bytes(), name
