"""What is on the broker: article context, topics, dead letters."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import typer

from moderation.entrypoints.cli.errors import fail, failing_on

article_app = typer.Typer(help="Article context (what the classifier knows about an article).")
topics_app = typer.Typer(help="Kafka topics, as defined in moderation/topics.py.")
dlq_app = typer.Typer(help="Dead-letter topics.")


@article_app.command("set")
def article_set(
    file: Annotated[
        Path,
        typer.Option("--file", "-f", exists=True, dir_okay=False, help="an ArticleContext as JSON"),
    ],
) -> None:
    """Publish an ArticleContext to articles.context (key = article_id); classifiers apply
    it to comments they process after it arrives."""
    from pydantic import ValidationError

    from moderation.adapters.kafka import publish_article_context
    from moderation.domain.events import ArticleContext
    from moderation.settings import KafkaSettings

    try:
        context = ArticleContext.model_validate_json(file.read_bytes())
    except ValidationError as exc:
        fail(f"{file} is not a valid ArticleContext:\n{exc}", code=2)
    settings = KafkaSettings()
    asyncio.run(publish_article_context(settings, context))
    typer.echo(f"published context of {context.article_id} to {settings.bootstrap_servers}")


@topics_app.command("create")
def topics_create(
    replication: Annotated[int, typer.Option(help="replication factor")] = 1,
    wait: Annotated[float, typer.Option(help="seconds to wait for the cluster")] = 120.0,
) -> None:
    """Create every topic that does not exist yet (partitions and configs from the code)."""
    from moderation.adapters.kafka import ensure_topics, wait_for_broker
    from moderation.settings import KafkaSettings

    settings = KafkaSettings()

    async def create() -> list[str]:
        await wait_for_broker(settings, timeout_s=wait)
        return await ensure_topics(settings, replication=replication)

    with failing_on(RuntimeError):
        created = asyncio.run(create())
    typer.echo(f"created: {', '.join(created) or 'nothing (all exist)'}")


@dlq_app.command("replay")
def dlq_replay(
    topic: Annotated[str, typer.Option(help="the dead-letter topic")] = "comments.submitted.dlq",
    limit: Annotated[int | None, typer.Option(help="replay at most this many")] = None,
    dry_run: Annotated[bool, typer.Option(help="count, send nothing, commit nothing")] = False,
) -> None:
    """Send dead-lettered records back to their source topic (original bytes, key, headers)."""
    from moderation.adapters.dlq_replay import replay
    from moderation.settings import KafkaSettings

    report = asyncio.run(replay(KafkaSettings(), topic, limit, dry_run))
    typer.echo(
        json.dumps(
            {
                "replayed": report.replayed,
                "skipped": report.skipped,
                "by_target": report.by_target,
                "dry_run": dry_run,
            }
        )
    )
