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
from moderation.scoring.factory import warn_of_low_thresholds
from moderation.scoring.news_model import (
    CEILINGS_INPUT,
    DEFAULT_NEWS_MODEL,
    EXITED_OUTPUT,
    NewsModelScorer,
    _run_window,
    open_session,
)
from moderation.settings import ModerationSettings

POLICY_PROBE = REPO_ROOT / "tests" / "data" / "news_policy_probe.yaml"


@pytest.fixture(scope="module")
def with_exit():
    return NewsModelScorer(early_exit=True)


@pytest.fixture(scope="module")
def without_exit():
    return NewsModelScorer()  # the default: every window through every layer


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


def _ceilings(scorer):
    # float32, as the graph compares them
    ceilings = scorer.meta["early_exit"]["ceilings"]
    return np.array([ceilings[label] for label in scorer.labels], dtype=np.float32)


def test_a_window_either_exits_under_every_ceiling_or_scores_exactly_as_without_it(
    with_exit, without_exit
):
    texts = comment_bodies(150, seed=3) + ABUSIVE_SENTENCES
    rows, _, _ = with_exit._windows([view.text for t in texts for view in with_exit.views(t)])
    ceilings = _ceilings(with_exit)
    exits = 0
    for row in rows:
        labels, tokens, exited = _run_window(with_exit._session, row, with_exit._feeds)
        full_labels, full_tokens, _ = _run_window(without_exit._session, row, without_exit._feeds)
        if exited:
            exits += 1
            # The exit head's estimates, capped at the ceilings, and no words marked...
            assert (labels <= ceilings).all() and not tokens.any()
            # ...for a window the full model scores far from every threshold.
            assert full_labels.max() < 0.5
        else:
            assert np.array_equal(labels, full_labels) and np.array_equal(tokens, full_tokens)
    assert 0 < exits < len(rows)


def _without_the_exit(model: onnx.ModelProto) -> onnx.ModelProto:
    """The graph as it was before the exit was added: the `If` replaced by its `else`
    branch (whose outputs get their names back), the exit's own nodes, weights, input and
    output removed."""
    flat = onnx.ModelProto()
    flat.CopyFrom(model)
    graph = flat.graph
    [branch] = [n for n in graph.node if n.op_type == "If"]
    upper = {a.name: a.g for a in branch.attribute}["else_branch"]
    nodes = []
    for node in graph.node:
        if node is branch:
            for inner in upper.node:
                inner.output[:] = [o.removeprefix("upper/") for o in inner.output]
                nodes.append(inner)
        elif not all(o.startswith("exit/") or o == EXITED_OUTPUT for o in node.output):
            nodes.append(node)
    initializers = [i for i in graph.initializer if not i.name.startswith("exit/")]
    initializers += upper.initializer
    inputs = [i for i in graph.input if i.name != CEILINGS_INPUT]
    outputs = [o for o in graph.output if o.name != EXITED_OUTPUT]
    for field, kept in ((graph.node, nodes), (graph.initializer, initializers)):
        kept = list(kept)
        del field[:]
        field.extend(kept)
    for field, kept in ((graph.input, inputs), (graph.output, outputs)):
        kept = list(kept)
        del field[:]
        field.extend(kept)
    graph.value_info.extend(upper.value_info)
    return flat


def _session(model: onnx.ModelProto):
    return open_session(model.SerializeToString(), 1)


def test_with_the_exit_off_the_graph_scores_exactly_as_before_the_exit(without_exit):
    shipped = onnx.load(str(DEFAULT_NEWS_MODEL / "model.int8.onnx"))
    before = _without_the_exit(shipped)
    assert "If" not in {n.op_type for n in before.graph.node} and encoder_layers(before) == 4
    # Adding the exit again gives the shipped graph's shape, and leaves its input alone.
    snapshot = before.SerializeToString()
    head = (np.zeros((384, 7), np.float32), np.zeros(7, np.float32))
    again = add_early_exit(before, 2, head, head)
    assert before.SerializeToString() == snapshot
    assert [n.op_type for n in again.graph.node] == [n.op_type for n in shipped.graph.node]
    texts = comment_bodies(30, seed=4) + ABUSIVE_SENTENCES
    rows, _, _ = without_exit._windows(texts)
    exact, rebuilt = _session(before), _session(again)
    for row in rows:
        old = _run_window(exact, row, {})
        for session in (without_exit._session, rebuilt):
            new = _run_window(session, row, without_exit._feeds)
            assert np.array_equal(old[0], new[0]) and np.array_equal(old[1], new[1])


def test_with_the_exit_windows_side_by_side_score_as_one_at_a_time():
    texts = comment_bodies(40, seed=5) + ABUSIVE_SENTENCES
    side_by_side = NewsModelScorer(threads=2, early_exit=True)
    one_core = NewsModelScorer(threads=1, early_exit=True)
    assert side_by_side.score_with_spans(texts) == one_core.score_with_spans(texts)
    assert side_by_side.windows_exited == one_core.windows_exited > 0


def test_thresholds_the_exit_may_undercut_are_named(tmp_path):
    settings = ModerationSettings(policy_file=None)
    ceilings = NewsModelScorer().meta["early_exit"]["ceilings"]
    assert warn_of_low_thresholds(ceilings, settings) == []  # the default policy
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "version: low\nthresholds: {toxicity: 0.75}\n"
        "overrides:\n  - {site_id: kids, thresholds: {toxicity: 0.2, insult: 0.9}}\n"
    )
    low = warn_of_low_thresholds(ceilings, ModerationSettings(policy_file=policy))
    assert low == ["override kids/*/*: toxicity 0.2"]


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
