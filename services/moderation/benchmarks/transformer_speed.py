"""Scorer-only speed of the Detoxify backends (PyTorch, ONNX, ONNX int8) on the benchmark
corpus, for the tiny test model and for a randomly initialised model of bert-base geometry
(the compute of Detoxify 'original'; random weights, same cost). The vocabulary is built
from the corpus' words, so token counts are close to, not equal to, real WordPiece."""

from __future__ import annotations

import re
import tempfile
import time
from pathlib import Path
from typing import Any

from moderation.benchmarks.corpus import comment_bodies

SAMPLE = {"tiny": 1000, "bert-base": 48}


def _build(root: Path, geometry: str, bodies: list[str]) -> Path:
    from moderation.scoring.model_store import import_checkpoint
    from moderation.scoring.synthetic import write_random_checkpoint

    words = sorted({w for b in bodies for w in re.findall(r"\w+|[^\w\s]", b.lower())})
    checkpoint, hf = write_random_checkpoint(root, words, geometry)
    models = root / "models"
    import_checkpoint(checkpoint, hf, models, geometry)
    return models


def _cps(scorer: Any, texts: list[str]) -> float:
    scorer.score_batch(texts[:8])  # warm-up
    started = time.perf_counter()
    scorer.score_batch(texts)
    return round(len(texts) / (time.perf_counter() - started), 1)


def transformer_bench(
    geometries: tuple[str, ...] = ("tiny", "bert-base"), device: str = "cpu", dtype: str = "fp32"
) -> list[dict[str, Any]]:
    from moderation.scoring.transformer import DetoxifyScorer, OnnxScorer, export_onnx

    results = []
    with tempfile.TemporaryDirectory() as scratch:
        for geometry in geometries:
            bodies = comment_bodies(SAMPLE[geometry], seed=13)
            models = _build(Path(scratch) / geometry, geometry, bodies)
            row: dict[str, Any] = {
                "geometry": geometry,
                "comments": len(bodies),
                "mean_chars": round(sum(map(len, bodies)) / len(bodies)),
            }
            torch_scorer = DetoxifyScorer(models, geometry, device=device, dtype=dtype)
            row["mean_tokens"] = round(
                sum(len(ids) for ids in torch_scorer._tokenise(bodies)["input_ids"]) / len(bodies),
                1,
            )
            row[f"pytorch_{device}_{dtype}_cps"] = _cps(torch_scorer, bodies)
            if device == "cpu":
                export_onnx(models, geometry, int8=True)
                row["onnx_cps"] = _cps(OnnxScorer(models, geometry), bodies)
                row["onnx_int8_cps"] = _cps(OnnxScorer(models, geometry, quantized=True), bodies)
                base = row[f"pytorch_{device}_{dtype}_cps"]
                row["onnx_vs_pytorch"] = round(row["onnx_cps"] / base, 2)
                row["onnx_int8_vs_pytorch"] = round(row["onnx_int8_cps"] / base, 2)
            results.append(row)
    return results
