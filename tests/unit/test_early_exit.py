"""The shipped model's early exit (modeltools/early_exit.py): clearly harmless windows stop
half way up the encoder; every other window scores exactly as without the exit."""

import numpy as np
import onnx
import pytest
import yaml

from moderation.benchmarks.corpus import comment_bodies
from moderation.domain.policy import load_policy
from moderation.modeltools.corpora import REPO_ROOT
from moderation.modeltools.early_exit import add_early_exit, encoder_layers, hidden_state
from moderation.modeltools.sample_comments import ABUSIVE_SENTENCES, CLEAN_SENTENCES
from moderation.scoring.news_model import (
    CEILINGS_INPUT,
    DEFAULT_NEWS_MODEL,
    EXITED_OUTPUT,
    NewsModelScorer,
)

POLICY_PROBE = REPO_ROOT / "tests" / "data" / "news_policy_probe.yaml"


@pytest.fixture(scope="module")
def with_exit():
    return NewsModelScorer(early_exit=True)


@pytest.fixture(scope="module")
def without_exit():
    return NewsModelScorer()  # the default: every window through every layer


def _matrix(scorer, scores):
    return np.array([[s[label] for label in scorer.labels] for s in scores])


def test_the_shipped_model_exits_half_way_up(with_exit, without_exit):
    meta = with_exit.meta["early_exit"]
    assert (meta["after_layer"], meta["of_layers"]) == (2, 4)
    model = onnx.load(str(DEFAULT_NEWS_MODEL / "model.int8.onnx"))
    assert [n.op_type for n in model.graph.node].count("If") == 1
    assert CEILINGS_INPUT in {i.name for i in model.graph.input}
    assert EXITED_OUTPUT in {o.name for o in model.graph.output}
    assert with_exit.early_exit and "exit after layer 2" in with_exit.describe()
    # Decisions record whether their scores may be estimates.
    assert with_exit.model.version == without_exit.model.version + "+early-exit"


def test_windows_that_go_on_score_exactly_as_without_the_exit(with_exit, without_exit):
    texts = comment_bodies(120, seed=3) + ABUSIVE_SENTENCES
    fast_scores, fast_spans = with_exit.score_with_spans(texts)
    full_scores, full_spans = without_exit.score_with_spans(texts)
    fast, full = _matrix(with_exit, fast_scores), _matrix(without_exit, full_scores)
    ceilings = np.array([with_exit.meta["early_exit"]["ceilings"][lb] for lb in with_exit.labels])
    changed = np.abs(fast - full).max(axis=1) > 0
    assert 0 < changed.sum() < len(texts)  # some exited, some did not
    for i in np.flatnonzero(~changed):
        assert fast_spans[i] == full_spans[i]
    for i in np.flatnonzero(changed):
        # Where an exited window sets a label's maximum, the exit head's estimate stands
        # for the full model's score, and it is under its ceiling...
        assert ((fast[i] == full[i]) | (fast[i] <= ceilings)).all(), texts[i]
        # ...where the full model would not have come near a threshold either.
        assert full[i].max() < 0.5, texts[i]
        # Exited windows mark no words; a long comment's other windows still may.
        for span in fast_spans[i]:
            assert any(f.start <= span.start and span.end <= f.end for f in full_spans[i])


def test_by_default_no_window_exits(without_exit):
    without_exit.score_batch(CLEAN_SENTENCES)
    assert without_exit.windows_scored >= len(CLEAN_SENTENCES)
    assert without_exit.windows_exited == 0 and not without_exit.early_exit


def test_abuse_never_exits_and_ordinary_comments_mostly_do():
    scorer = NewsModelScorer(threads=1, early_exit=True)
    scorer.score_batch(ABUSIVE_SENTENCES)
    assert (scorer.windows_scored, scorer.windows_exited) == (len(ABUSIVE_SENTENCES), 0)
    scorer.score_batch(CLEAN_SENTENCES)
    assert scorer.windows_exited >= len(CLEAN_SENTENCES) // 2


def test_the_default_policy_decides_the_probe_exactly_as_without_the_exit(with_exit, without_exit):
    # The hand-written policy probe (hard negatives included): not one decision moves.
    thresholds = {label.value: t for label, t in load_policy().thresholds.items() if t}
    probe = yaml.safe_load(POLICY_PROBE.read_text(encoding="utf-8"))
    texts = [item["text"] for group in probe.values() for item in group]

    def held(scorer):
        return [
            any(s[label] >= t for label, t in thresholds.items()) for s in scorer.score_batch(texts)
        ]

    assert held(with_exit) == held(without_exit)


def test_the_exit_moves_only_the_nodes_above_the_cut():
    model = onnx.load(str(DEFAULT_NEWS_MODEL / "model.int8.onnx"))
    [branch] = [n for n in model.graph.node if n.op_type == "If"]
    upper = {a.name: a.g for a in branch.attribute}["else_branch"]
    # Layers 3 and 4 run in the branch, layers 1 and 2 before it.
    assert hidden_state(4) in {o for n in upper.node for o in n.output}
    assert hidden_state(2) in {o for n in model.graph.node for o in n.output}
    assert hidden_state(3) not in {o for n in model.graph.node for o in n.output}
    assert encoder_layers(model) == 2  # the main graph itself stops at the cut
    with pytest.raises(ValueError, match="already has"):
        head = (np.zeros((384, 7), np.float32), np.zeros(7, np.float32))
        add_early_exit(model, 1, head, head)
