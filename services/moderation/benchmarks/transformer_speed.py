"""Scorer-only speed of the Detoxify backends on the benchmark corpus, for the tiny test
model and for randomly initialised models of the real geometries: bert-base (the compute of
Detoxify 'original') and roberta-base ('unbiased'); random weights, same cost. The
vocabulary is built from the corpus' words, so token counts are close to, not equal to,
real WordPiece or BPE.

On CPU each geometry runs PyTorch fp32, ONNX fp32 and ONNX int8, with ratios to PyTorch.
On CUDA it runs PyTorch fp32 and the --dtype asked for, with the ratio between them."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from moderation.benchmarks.corpus import comment_bodies
from moderation.benchmarks.scorer_speed import scorer_cps
from moderation.modeltools.random_model import build_random_model

# Comments per geometry: enough for a few seconds of work on each kind of device.
SAMPLE = {
    "cpu": {"tiny": 1_000, "tiny-roberta": 1_000, "bert-base": 48, "roberta-base": 48},
    "cuda": {"tiny": 20_000, "tiny-roberta": 20_000, "bert-base": 20_000, "roberta-base": 20_000},
}


def _cps(scorer: Any, texts: list[str]) -> float:
    # One call with every comment, so the scorer's own micro-batching is what is measured;
    # the warm-up also lets CUDA pick its kernels.
    return round(scorer_cps(scorer, texts, batch=len(texts), warm_up=512), 1)


def transformer_bench(
    geometries: tuple[str, ...] = ("tiny", "bert-base", "roberta-base"),
    device: str = "cpu",
    dtype: str = "fp32",
    max_tokens: int | None = None,
    sample: int | None = None,
) -> list[dict[str, Any]]:
    from moderation.scoring.transformer import DetoxifyScorer, OnnxScorer, export_onnx
    from moderation.settings import default_max_tokens

    max_tokens = max_tokens or default_max_tokens(device)

    kind = "cuda" if device.startswith("cuda") else "cpu"
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        for geometry in geometries:
            bodies = comment_bodies(sample or SAMPLE[kind][geometry], seed=13)
            models = build_random_model(Path(scratch) / geometry, geometry, bodies)
            row: dict[str, Any] = {
                "geometry": geometry,
                "device": device,
                "max_tokens": max_tokens,
                "comments": len(bodies),
                "mean_chars": round(sum(map(len, bodies)) / len(bodies)),
            }
            fp32 = DetoxifyScorer(models, geometry, device=device, max_tokens=max_tokens)
            row["mean_tokens"] = round(sum(map(len, fp32._tokenise(bodies)[0])) / len(bodies), 1)
            started = time.perf_counter()
            fp32._tokenise(bodies)
            row["tokenise_cps"] = round(len(bodies) / (time.perf_counter() - started), 1)
            row["pytorch_fp32_cps"] = base = _cps(fp32, bodies)
            if kind == "cuda":
                del fp32
                if dtype != "fp32":
                    fast = DetoxifyScorer(
                        models, geometry, device=device, dtype=dtype, max_tokens=max_tokens
                    )
                    row[f"pytorch_{dtype}_cps"] = _cps(fast, bodies)
                    row[f"{dtype}_vs_fp32"] = round(row[f"pytorch_{dtype}_cps"] / base, 2)
            else:
                export_onnx(models, geometry, int8=True)
                onnx = OnnxScorer(models, geometry, max_tokens=max_tokens)
                row["onnx_cps"] = _cps(onnx, bodies)
                int8 = OnnxScorer(models, geometry, quantized=True, max_tokens=max_tokens)
                row["onnx_int8_cps"] = _cps(int8, bodies)
                row["onnx_vs_pytorch"] = round(row["onnx_cps"] / base, 2)
                row["onnx_int8_vs_pytorch"] = round(row["onnx_int8_cps"] / base, 2)
            results.append(row)
    return results
