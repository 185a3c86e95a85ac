"""The shipped default toxicity model, served as int8 ONNX without torch."""

import shutil
import subprocess
import sys

import numpy as np
import pytest
import yaml
from sklearn.metrics import roc_auc_score

from moderation.domain.events import Author, CommentSubmitted
from moderation.domain.labels import Label
from moderation.domain.policy import load_policy
from moderation.scoring.news_model import (
    DEFAULT_NEWS_MODEL,
    ModelIntegrityError,
    NewsModelScorer,
)
from moderation.service_layer.classify import Classifier
from tests.unit.test_baseline import PROBE

MAX_ARTIFACT_BYTES = 30 * 1024 * 1024


@pytest.fixture(scope="module")
def scorer():
    return NewsModelScorer()


def test_artifact_is_small_and_serves_without_torch():
    size = sum(p.stat().st_size for p in DEFAULT_NEWS_MODEL.iterdir())
    assert size <= MAX_ARTIFACT_BYTES, size
    script = (
        "import sys; sys.modules['torch'] = None; sys.modules['transformers'] = None\n"
        "from moderation.scoring.news_model import NewsModelScorer\n"
        "print(NewsModelScorer().score_batch(['what a lovely day'])[0]['toxicity'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert 0.0 <= float(result.stdout.strip()) <= 1.0


def test_a_changed_file_is_refused(tmp_path):
    copy = tmp_path / "model"
    shutil.copytree(DEFAULT_NEWS_MODEL, copy)
    data = bytearray((copy / "model.int8.onnx").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (copy / "model.int8.onnx").write_bytes(bytes(data))
    with pytest.raises(ModelIntegrityError, match="SHA-256"):
        NewsModelScorer(copy)


def test_every_detoxify_label_is_scored(scorer):
    assert set(scorer.labels) == {label.value for label in Label}
    [scores] = scorer.score_batch(["An ordinary comment about the bus timetable."])
    assert set(scores) == set(scorer.labels)
    assert all(0.0 <= s <= 1.0 for s in scores.values())


@pytest.mark.parametrize(
    ("plain", "evasive"),
    [
        ("you idiot", "you 1d10t"),
        ("what an idiot", "what an i d i o t"),
        ("stupid person", "st*pid person"),
        ("you idiot", "ｙｏｕ ｉｄｉｏｔ"),
        ("you idiot", "you iiiidiot"),
        ("you scumbag", "you scum\u200bbag"),
    ],
)
def test_an_evasion_scores_at_least_as_high_as_the_plain_words(scorer, plain, evasive):
    [clear], [hidden] = scorer.score_batch([plain]), scorer.score_batch([evasive])
    for label in scorer.labels:
        # Not exact: the views differ in their words ("you iiiidiot" is still read raw).
        assert hidden[label] >= 0.9 * clear[label] - 0.01, (label, clear[label], hidden[label])
    assert hidden["toxicity"] >= 0.75  # held by the default policy, as the plain words are


def test_a_comments_scores_do_not_depend_on_the_rest_of_its_batch(scorer):
    """The classifier scores a Kafka batch, the scoring API a micro-batch, `moderation eval`
    a file: the same comment must get the same scores in each (explainable, reproducible)."""
    comment = "You are a pathetic excuse for a councillor and everyone knows it."
    neighbours = [
        "ok",
        "The bus was late again this morning, third time this week, and nobody at the "
        "depot answers the phone any more. " * 6,
        "ｙｏｕ ｉｄｉｏｔ",
    ]
    [alone] = scorer.score_batch([comment])
    for batch in ([comment, *neighbours], [*neighbours, comment], [neighbours[1], comment]):
        scores = scorer.score_batch(batch)[batch.index(comment)]
        assert scores == alone


def test_windows_run_side_by_side_score_exactly_as_one_at_a_time():
    """With several cores a batch's windows run at once, one core each; alone, a window
    uses every core. The scores must be the same bits either way."""
    bodies = [
        "You are a pathetic excuse for a councillor and everyone knows it.",
        "Lovely photos of the harbour, thank you.",
        "The bus was late again, and nobody at the depot answers the phone. " * 12,
        "ｙｏｕ ｉｄｉｏｔ",
    ]
    side_by_side = NewsModelScorer(threads=2)
    one_core = NewsModelScorer(threads=1)
    assert side_by_side._pool is not None and one_core._pool is None
    together = side_by_side.score_with_spans(bodies)
    assert together == one_core.score_with_spans(bodies)
    assert [side_by_side.score_batch([b])[0] for b in bodies] == together[0]


def test_spans_point_at_the_words_that_drove_the_score(scorer):
    body = "Thanks for the update on the roadworks. You are a pathetic idiot though."
    [scores], [spans] = scorer.score_with_spans([body])
    assert scores["toxicity"] > 0.5
    texts = [body[s.start : s.end] for s in spans]
    assert any("idiot" in t for t in texts), texts
    assert not any("roadworks" in t for t in texts), texts


def test_abuse_at_the_end_of_a_long_comment_still_counts(scorer):
    filler = " ".join(["The council met on Tuesday to discuss the parking scheme."] * 40)
    abuse = "You are a disgusting worthless idiot."
    [alone], [long] = scorer.score_batch([abuse]), scorer.score_batch([f"{filler} {abuse}"])
    assert long["toxicity"] >= 0.5 * alone["toxicity"]
    assert long["toxicity"] > scorer.score_batch([filler])[0]["toxicity"]


def test_news_probe_is_ranked_well(scorer):
    groups = yaml.safe_load(PROBE.read_text(encoding="utf-8"))
    items = [item for group in groups.values() for item in group]
    scores = scorer.score_batch([item[0] for item in items])
    for column, label in ((1, "toxicity"), (2, "insult"), (3, "identity_attack")):
        # The probe marks attacks on a group as identity attacks, not insults; Detoxify's
        # labels (Jigsaw's) count "insulting ... towards a person or a group" as insult too,
        # so the insult ranking is judged on the comments that attack no group.
        ranked = [k for k, item in enumerate(items) if label != "insult" or item[3] == 0]
        truth = np.array([items[k][column] for k in ranked])
        auc = roc_auc_score(truth, [scores[k][label] for k in ranked])
        assert auc >= 0.9, (label, auc)


HELD = [
    "Send all the immigrants back",
    "Their fans are vermin, subhuman animals",
    "you 1d10t",
    "what an i d i o t",
    "st*pid person, nobody wants you here",
    "I hope he dies slowly",
    "kys",
    "Someone should teach him a lesson he won't forget",
]
APPROVED = [
    "The ref was an absolute disgrace",
    "The council's decision was wrong and the leader should resign.",
    "They killed it in the second half, what a performance.",
    "Scunthorpe and Penistone both got new bus routes this week.",
    "RIP, thoughts with his family at this awful time.",
    "Immigrants staff half of our local hospital and we should thank them.",
    "The killer was jailed for life at Leeds Crown Court.",
]


@pytest.fixture(scope="module")
def classifier(scorer):
    return Classifier(scorer=scorer, policy=load_policy(), articles=lambda _: None)


def _comment(body):
    return CommentSubmitted(
        comment_id="c", article_id="a", site_id="s", author=Author(id="r"), body=body
    )


@pytest.mark.parametrize("body", HELD)
def test_default_policy_holds_abuse_a_newsroom_would_hold(classifier, body):
    [decision] = classifier.classify([_comment(body)])
    assert decision.decision == "hold", decision.scores


@pytest.mark.parametrize("body", APPROVED)
def test_default_policy_approves_robust_but_harmless_comments(classifier, body):
    [decision] = classifier.classify([_comment(body)])
    assert decision.decision == "approve", decision.scores
