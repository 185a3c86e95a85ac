"""Wires the benchmark: its own broker and classifier unless --bootstrap points elsewhere."""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path
from typing import Any

from moderation.adapters.embedded_broker import EmbeddedBroker, free_port
from moderation.adapters.kafka import ensure_topics
from moderation.adapters.processes import RoleProcess
from moderation.benchmarks.corpus import comment_bodies
from moderation.benchmarks.pipeline import run_pipeline_bench
from moderation.benchmarks.scorer_speed import scorer_cps
from moderation.roles import CLASSIFIER
from moderation.scoring.factory import load_scorer
from moderation.settings import KafkaSettings, ModerationSettings
from moderation.topics import COMMENTS_SUBMITTED


def corpus_size(rate: float, duration_s: float) -> int:
    # Flat out, one classifier manages a few thousand a second on a laptop.
    per_second = rate if rate > 0 else 5000
    return int(per_second * duration_s * 1.05) + 10


def bench(
    rate: float,
    duration_s: float,
    scorer_only: bool,
    bootstrap: str | None,
    scorer_sample: int = 5000,
    classifiers: int = 1,
    drain_timeout_s: float = 300.0,
) -> dict[str, Any]:
    settings = ModerationSettings()
    scorer = load_scorer(settings)
    result: dict[str, Any] = {"model": scorer.model.version, "backend": scorer.model.backend}
    if not scorer_only:
        bodies = comment_bodies(corpus_size(rate, duration_s))
        result.update(
            _through_broker(bodies, rate, duration_s, bootstrap, classifiers, drain_timeout_s)
        )
    # Same scorer, same kind of comments, measured in this run (after the pipeline, so the
    # two never compete for the CPU).
    sample = comment_bodies(scorer_sample, seed=11)
    result["scorer_only_cps"] = round(scorer_cps(scorer, sample), 1)
    result["mean_chars"] = round(sum(map(len, sample)) / len(sample), 1)
    if "throughput_cps" in result and rate == 0:
        result["pipeline_vs_scorer"] = round(
            result["throughput_cps"] / result["scorer_only_cps"], 3
        )
    return result


def _through_broker(
    bodies: list[str],
    rate: float,
    duration_s: float,
    bootstrap: str | None,
    classifiers: int,
    drain_timeout_s: float,
) -> dict[str, Any]:
    if bootstrap:
        return asyncio.run(run_pipeline_bench(bootstrap, bodies, rate, duration_s, drain_timeout_s))
    if not 1 <= classifiers <= COMMENTS_SUBMITTED.partitions:
        # More consumers than partitions would leave the extra ones idle.
        raise ValueError(f"--classifiers must be 1..{COMMENTS_SUBMITTED.partitions}")
    logs = Path(tempfile.mkdtemp(prefix="moderation-bench-"))
    broker = EmbeddedBroker(free_port(), (logs / "broker.log").open("ab"))
    broker.start()
    workers: list[RoleProcess] = []
    try:
        asyncio.run(ensure_topics(KafkaSettings(bootstrap_servers=broker.bootstrap)))
        for n in range(classifiers):
            log_path = logs / f"classifier-{n}.log"
            workers.append(
                RoleProcess(CLASSIFIER.name, broker.bootstrap, log_path=log_path).start()
            )
        for worker in workers:
            worker.wait_ready(timeout_s=120.0)
        result = asyncio.run(
            run_pipeline_bench(broker.bootstrap, bodies, rate, duration_s, drain_timeout_s)
        )
        result["classifiers"] = classifiers
        batches = decided = 0
        for worker in workers:
            status, body = worker.get("/stats")
            if status == 200:
                stats = json.loads(body)
                batches += stats["batches"]
                decided += stats["decided"]
        result["classifier_batches"] = batches
        result["mean_batch"] = round(decided / max(batches, 1), 1)
        result["logs"] = str(logs)
        return result
    finally:
        for worker in workers:
            worker.stop()
        broker.stop()
