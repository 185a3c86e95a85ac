"""`moderation bench`: throughput and latency (tooling in moderation/benchmarks)."""

from __future__ import annotations

import json
from contextlib import nullcontext
from typing import Annotated

import typer

from moderation.entrypoints.cli.errors import talking_to_kafka


def bench_command(
    scorer_only: Annotated[bool, typer.Option(help="in-process scorer speed only")] = False,
    legal_only: Annotated[
        bool, typer.Option(help="legal matching speed (5,000 terms) against a naive regex")
    ] = False,
    rate: Annotated[float, typer.Option(help="comments/s to publish; 0 = flat out")] = 0.0,
    duration: Annotated[float, typer.Option(help="seconds of publishing")] = 10.0,
    bootstrap: Annotated[
        str | None, typer.Option(help="use a running system at this broker instead")
    ] = None,
    backends: Annotated[
        bool,
        typer.Option(help="with --scorer-only: also the Detoxify backends (PyTorch, ONNX, int8)"),
    ] = True,
    geometry: Annotated[
        str, typer.Option(help="comma-separated: tiny, tiny-roberta, bert-base, roberta-base")
    ] = "tiny,bert-base,roberta-base",
    device: Annotated[str, typer.Option(help="cpu or cuda")] = "cpu",
    dtype: Annotated[str, typer.Option(help="fp32, bf16 or fp16")] = "fp32",
    max_tokens: Annotated[
        int | None,
        typer.Option(help="padded tokens per forward pass (default: 1,024 on CPU, 65,536 on CUDA)"),
    ] = None,
    sample: Annotated[
        int | None, typer.Option(help="comments per geometry (default: sized for the device)")
    ] = None,
    classifiers: Annotated[
        int, typer.Option(help="classifier processes to run against the embedded broker")
    ] = 1,
    drain: Annotated[
        float,
        typer.Option(
            "--drain-timeout",
            help="seconds to wait, after publishing, for the backlog to be decided",
        ),
    ] = 300.0,
) -> None:
    """Measure throughput and end-to-end latency; the last line is JSON."""
    if scorer_only:
        from moderation.benchmarks.news_model_speed import news_model_bench

        for row in news_model_bench():
            typer.echo(json.dumps(row))
    if scorer_only and backends:
        try:
            from moderation.benchmarks.transformer_speed import transformer_bench
        except ImportError:
            typer.echo(
                "Detoxify backends not installed (pip install '.[detoxify]'); skipping them",
                err=True,
            )
        else:
            geometries = tuple(geometry.split(","))
            for row in transformer_bench(geometries, device, dtype, max_tokens, sample):
                typer.echo(json.dumps(row))
    if legal_only:
        from moderation.benchmarks.legal_speed import legal_bench

        typer.echo(json.dumps(legal_bench()))
        return
    from moderation.benchmarks.run import bench

    # Without --bootstrap the bench starts its own broker: a Kafka error there is a bug,
    # left as a traceback; a cluster named by the user that does not answer is one line.
    with talking_to_kafka(bootstrap, "--bootstrap") if bootstrap else nullcontext():
        result = bench(
            rate, duration, scorer_only, bootstrap, classifiers=classifiers, drain_timeout_s=drain
        )
    typer.echo(json.dumps(result))
