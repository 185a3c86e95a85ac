"""Detoxify through its own loading code (PyTorch) and the ONNX export, on a tiny random
BERT in Detoxify's checkpoint format: layout, offline loading, batching, long comments."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("torch")
pytest.importorskip("detoxify")
pytest.importorskip("onnxruntime")

from typer.testing import CliRunner

from moderation.entrypoints.cli import app
from moderation.modeltools.detoxify_import import import_checkpoint
from moderation.scoring.model_store import installed, read_meta
from moderation.scoring.transformer import (
    DetoxifyScorer,
    OnnxScorer,
    export_onnx,
)
from tests.tiny_detoxify import build_tiny_checkpoint

TEXTS = [
    "you are a stupid idiot",
    "thanks for this careful report on the budget",
    "nice",
    "the council story " * 300 + " you are trash",
]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("detoxify")
    checkpoint, hf = build_tiny_checkpoint(root)
    models = root / "models"
    import_checkpoint(checkpoint, hf, models, "tiny")
    export_onnx(models, "tiny", int8=True)
    return models


def test_layout_is_safe_files_with_the_tokenizer_capped_at_512(model_dir):
    folder = model_dir / "tiny"
    names = {p.name for p in folder.rglob("*") if p.is_file()}
    assert {
        "detoxify.json",
        "model.safetensors",
        "model.onnx",
        "model.int8.onnx",
        "config.json",
        "tokenizer_config.json",
    } <= names
    assert not [n for n in names if n.endswith((".ckpt", ".pt", ".bin", ".pkl"))]
    meta = read_meta(model_dir, "tiny")
    assert meta["classes"][0] == "toxicity" and "identity_attack" in meta["classes"]
    assert meta["arch"]["model_type"] == "bert-base-uncased"  # rewritten only when loading
    tokenizer_config = json.loads((folder / "hf" / "tokenizer_config.json").read_text())
    assert tokenizer_config["model_max_length"] == 512
    assert installed(model_dir)[0]["onnx"] == ["model.int8.onnx", "model.onnx"]


def test_pytorch_backend_loads_offline_and_scores_every_label(model_dir, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    scorer = DetoxifyScorer(model_dir, "tiny")
    scores = scorer.score_batch(TEXTS)
    assert len(scores) == len(TEXTS)
    assert set(scores[0]) == {
        "toxicity",
        "severe_toxicity",
        "obscene",
        "threat",
        "insult",
        "identity_attack",
    }
    assert all(0.0 <= v <= 1.0 for s in scores for v in s.values())


def test_batched_scores_equal_one_at_a_time(model_dir):
    scorer = DetoxifyScorer(model_dir, "tiny", max_tokens=600)  # forces several micro-batches
    together = scorer.score_batch(TEXTS)
    alone = [scorer.score_batch([t])[0] for t in TEXTS]
    for a, b in zip(together, alone, strict=True):
        assert all(abs(a[k] - b[k]) < 1e-5 for k in a)


def test_long_comments_take_the_worst_window(model_dir):
    scorer = DetoxifyScorer(model_dir, "tiny")
    long_text = "the council story " * 300 + "you are trash"
    windows, owner = scorer._tokenise([long_text])
    assert len(windows) > 1 and all(len(w) <= 512 for w in windows) and set(owner) == {0}
    [whole] = scorer.score_batch([long_text])
    parts = [scorer._to_numpy(scorer._forward([w]))[0] for w in windows]
    for j, label in enumerate(scorer.labels):
        assert abs(whole[label] - max(p[j] for p in parts)) < 1e-6


def test_windows_are_those_of_the_transformers_tokenizer(model_dir):
    """_tokenise calls the Rust tokenizer directly; it must cut the same windows, special
    tokens included, as the documented transformers call."""
    scorer = DetoxifyScorer(model_dir, "tiny")
    texts = [*TEXTS, "the council story " * 300 + "you are trash", ""]
    expected = scorer.tokenizer(
        texts, truncation=True, max_length=512, stride=64, return_overflowing_tokens=True
    )
    ids, owner = scorer._tokenise(texts)
    assert ids == expected["input_ids"]
    assert owner == list(expected["overflow_to_sample_mapping"])


def test_onnx_equals_pytorch_within_1e3(model_dir):
    torch_scores = DetoxifyScorer(model_dir, "tiny").score_batch(TEXTS)
    onnx_scores = OnnxScorer(model_dir, "tiny").score_batch(TEXTS)
    worst = max(abs(a[k] - b[k]) for a, b in zip(torch_scores, onnx_scores, strict=True) for k in a)
    assert worst < 1e-3
    int8 = OnnxScorer(model_dir, "tiny", quantized=True).score_batch(TEXTS)
    assert len(int8) == len(TEXTS)


def test_models_cli_lists_and_describes(model_dir):
    runner = CliRunner()
    listed = runner.invoke(app, ["models", "list", "--model-dir", str(model_dir)])
    assert listed.exit_code == 0 and "original" in listed.output and "tiny" in listed.output
    info = runner.invoke(app, ["models", "info", "tiny", "--model-dir", str(model_dir)])
    assert json.loads(info.output)["variant"] == "tiny"
    missing = runner.invoke(app, ["models", "info", "original", "--model-dir", str(model_dir)])
    assert missing.exit_code == 1 and "moderation models fetch original" in missing.output


@pytest.mark.parametrize("scorer", ["detoxify", "onnx"])
def test_eval_runs_with_each_backend(model_dir, tmp_path, monkeypatch, scorer):
    monkeypatch.setenv("MODERATION_SCORER", scorer)
    monkeypatch.setenv("MODERATION_MODEL_DIR", str(model_dir))
    monkeypatch.setenv("MODERATION_MODEL_VARIANT", "tiny")
    path = tmp_path / "eval.jsonl"
    path.write_text(
        "\n".join(json.dumps({"text": t, "label": i % 2}) for i, t in enumerate(TEXTS)) + "\n"
    )
    result = CliRunner().invoke(app, ["eval", "--input", str(path)])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout.strip().splitlines()[-1])
    assert metrics["backend"] == scorer and metrics["n"] == len(TEXTS)


def test_roberta_layout_of_unbiased_loads_and_scores_all_its_labels(tmp_path):
    """Detoxify 'unbiased' is a RoBERTa with 16 labels and a byte-level BPE tokenizer
    (vocab.json + merges.txt): a tiny random one goes through the same loading code."""
    result = CliRunner().invoke(
        app, ["models", "random-init", "tiny-roberta", "--model-dir", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    hf_files = set(read_meta(tmp_path, "tiny-roberta")["base_model_files"])
    assert {"vocab.json", "merges.txt", "config.json"} <= hf_files
    scorer = DetoxifyScorer(tmp_path, "tiny-roberta", max_tokens=600)
    assert "RANDOM WEIGHTS" in scorer.describe()  # nobody serves it by mistake
    assert {"toxicity", "identity_attack", "insult", "sexual_explicit"} <= set(scorer.labels)
    scores = scorer.score_batch(TEXTS)
    assert len(scores) == len(TEXTS) and all(len(s) == 16 for s in scores)
    windows, _ = scorer._tokenise([TEXTS[-1]])
    assert len(windows) > 1 and all(len(w) <= 512 for w in windows)
    export_onnx(tmp_path, "tiny-roberta")
    onnx_scores = OnnxScorer(tmp_path, "tiny-roberta").score_batch(TEXTS)
    for a, b in zip(scores, onnx_scores, strict=True):
        assert all(abs(a[k] - b[k]) < 1e-3 for k in a)


def test_random_init_is_tooling_that_loads_no_benchmark_code(tmp_path):
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from moderation.entrypoints.cli import app\n"
        f"args = ['models', 'random-init', 'tiny', '--model-dir', {str(tmp_path)!r}]\n"
        "assert CliRunner().invoke(app, args).exit_code == 0\n"
        "print(sorted(m for m in sys.modules if m.startswith('moderation.benchmarks')))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"
    assert read_meta(tmp_path, "tiny")["random_weights"] is True
