"""What is on the broker: article context, topics, decisions, dead letters.

Every command here talks to the cluster that KAFKA_BOOTSTRAP_SERVERS names; when it cannot
reach it, it says so in one line and exits 2 (errors.talking_to_kafka)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from moderation.entrypoints.cli.errors import fail, kafka_unreachable, talking_to_kafka

article_app = typer.Typer(help="Article context (what the classifier knows about an article).")
topics_app = typer.Typer(help="Kafka topics, as defined in moderation/topics.py.")
dlq_app = typer.Typer(help="Dead-letter topics.")
decisions_app = typer.Typer(help="The classifier's decisions (moderation.decisions).")

Limit = Annotated[
    int | None,
    typer.Option(min=0, help="only the last N (oldest first); default: every one there is"),
]

# Shown by `moderation article set --help`; tests/e2e/test_cli.py checks that it is a valid
# ArticleContext, so the help cannot drift from the event. `\b` keeps Click from rewrapping.
ARTICLE_EXAMPLE = """\
{
  "article_id": "2026-11-27-harbour-trial",
  "site_id": "my-site",
  "title": "Harbour assault trial: jury sworn in",
  "url": "https://news.example/courts/harbour-trial",
  "section": "courts",
  "legally_sensitive": true,
  "active_proceedings": [
    {"defendants": [{"name": "Peter Dawes", "aliases": ["Pete Dawes"]}],
     "description": "assault, Crown Court"}
  ],
  "protected_names": [
    {"name": "Jane Roe", "identifiers": ["his stepdaughter"]}
  ],
  "named_people": ["Cllr Ann Tate"]
}"""


def _settings() -> Any:
    from moderation.settings import KafkaSettings

    return KafkaSettings()


@article_app.command(
    "set",
    epilog="Example CTX.json (people may also be plain names, as in named_people):\n\n\b\n"
    + ARTICLE_EXAMPLE,
)
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

    try:
        context = ArticleContext.model_validate_json(file.read_bytes())
    except ValidationError as exc:
        fail(f"{file} is not a valid ArticleContext:\n{exc}", code=2)
    settings = _settings()
    with talking_to_kafka(settings.bootstrap_servers):
        asyncio.run(publish_article_context(settings, context))
    typer.echo(f"published context of {context.article_id} to {settings.bootstrap_servers}")


@topics_app.command("create")
def topics_create(
    replication: Annotated[int, typer.Option(help="replication factor")] = 1,
    wait: Annotated[
        float,
        typer.Option(
            min=0,
            help="seconds to wait for a cluster that is still starting (default: one try)",
        ),
    ] = 0.0,
) -> None:
    """Create every topic that does not exist yet (partitions and configs from the code)."""
    from moderation.adapters.kafka import ensure_topics, log, wait_for_broker

    settings = _settings()
    if wait:
        # One line here instead of the adapter's warning per attempt (for services' logs).
        log.setLevel(logging.ERROR)
        typer.echo(f"waiting up to {wait:g} s for Kafka at {settings.bootstrap_servers}", err=True)

    async def create() -> list[str]:
        await wait_for_broker(settings, timeout_s=wait)
        return await ensure_topics(settings, replication=replication)

    with talking_to_kafka(settings.bootstrap_servers):
        try:
            created = asyncio.run(create())
        except RuntimeError as exc:
            # wait_for_broker's "did not answer" is a plain RuntimeError; Kafka's own errors
            # (subclasses) are talking_to_kafka's.
            if type(exc) is not RuntimeError:
                raise
            fail(kafka_unreachable(settings.bootstrap_servers, wait), code=2)
    typer.echo(f"created: {', '.join(created) or 'nothing (all exist)'}")


async def _dead_letter_topics(settings: Any) -> list[str]:
    """The dead-letter topics of moderation/topics.py that the broker has."""
    from moderation.adapters.topic_reader import DEAD_LETTER_TOPICS, TopicReader

    async with TopicReader(settings) as reader:
        existing = await reader.existing_topics()
    return [name for name in DEAD_LETTER_TOPICS if name in existing]


def _check_dead_letter_topic(settings: Any, topic: str) -> None:
    """Exit 2 naming the dead-letter topics there are when `topic` is not one of them."""
    there = asyncio.run(_dead_letter_topics(settings))
    if topic not in there:
        fail(
            f"{topic!r} is not a dead-letter topic on {settings.bootstrap_servers}; "
            f"those there are: {', '.join(there) or 'none (run `moderation topics create`)'}",
            code=2,
        )


@dlq_app.command("replay")
def dlq_replay(
    topic: Annotated[str, typer.Option(help="the dead-letter topic")] = "comments.submitted.dlq",
    limit: Annotated[int | None, typer.Option(min=0, help="replay at most this many")] = None,
    dry_run: Annotated[bool, typer.Option(help="count, send nothing, commit nothing")] = False,
) -> None:
    """Send dead-lettered records back to their source topic (original bytes, key, headers).
    Prints one JSON line: `replayed` (with --dry-run: `would_replay`), `skipped` (letters
    that cannot be replayed: truncated copies, undecodable batches), `by_target`."""
    from moderation.adapters.dlq_replay import replay

    settings = _settings()
    with talking_to_kafka(settings.bootstrap_servers):
        _check_dead_letter_topic(settings, topic)
        report = asyncio.run(replay(settings, topic, limit, dry_run))
    # A dry run sent nothing: its count is named for what a real run would do.
    count = "would_replay" if dry_run else "replayed"
    typer.echo(
        json.dumps(
            {
                count: report.replayed,
                "skipped": report.skipped,
                "by_target": report.by_target,
                "dry_run": dry_run,
            }
        )
    )


def _print_lines(
    settings: Any,
    topics: list[str],
    last: int | None,
    follow: bool,
    match: Callable[[Any], bool] | None,
    line: Callable[[Any], str | None],
) -> None:
    """Print `line(record)` for the records on `topics` (then, with `follow`, for new ones
    until Ctrl-C); a record it gives None for is skipped."""
    from moderation.adapters.topic_reader import MissingTopicError, TopicReader

    async def read() -> None:
        async with TopicReader(settings) as reader:
            for record in await reader.read_now(topics, last, match):
                _emit(line(record))
            if follow:
                async for record in reader.follow(match):
                    _emit(line(record))

    with talking_to_kafka(settings.bootstrap_servers):
        try:
            asyncio.run(read())
        except MissingTopicError as exc:
            fail(
                f"topic {exc} does not exist on {settings.bootstrap_servers} "
                "(run `moderation topics create`)",
                code=2,
            )
        except KeyboardInterrupt:
            pass  # Ctrl-C is how --follow ends
        except BrokenPipeError:
            # The reader of our output went away (`| head`): done, quietly (and no second
            # broken pipe when Python flushes stdout at exit).
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _emit(text: str | None) -> None:
    if text is not None:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()


@decisions_app.command("tail")
def decisions_tail(
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="then print new ones until Ctrl-C")
    ] = False,
    comment_id: Annotated[
        str | None, typer.Option("--comment-id", help="only this comment's decisions")
    ] = None,
    limit: Limit = None,
) -> None:
    """Print the decisions on moderation.decisions, one JSON object a line, oldest first.
    Reads without a consumer group and commits nothing: the services never notice."""
    from moderation.topics import MODERATION_DECISIONS

    def parsed(record: Any) -> Any:
        try:
            return json.loads(record.value)
        except (TypeError, ValueError):
            return None

    def match(record: Any) -> bool:
        decision = parsed(record)
        return isinstance(decision, dict) and decision.get("comment_id") == comment_id

    def line(record: Any) -> str | None:
        decision = parsed(record)
        if decision is None:
            typer.echo(
                f"warning: {record.topic}[{record.partition}] offset {record.offset} is not "
                "JSON; skipped",
                err=True,
            )
            return None
        return json.dumps(decision, ensure_ascii=False)

    settings = _settings()
    topics = [MODERATION_DECISIONS.name]
    _print_lines(settings, topics, limit, follow, match if comment_id else None, line)


@dlq_app.command("show")
def dlq_show(
    topic: Annotated[
        str | None, typer.Option(help="one dead-letter topic (default: all of them)")
    ] = None,
    limit: Limit = None,
) -> None:
    """Print dead letters, one JSON object a line, oldest first: reason, error, source
    topic/partition/offset, key, headers and value (`value_encoding`: utf-8, or base64 when
    the bytes are not text). Reads without a consumer group: replay's progress is kept."""
    from moderation.adapters.topic_reader import dead_letter_view

    settings = _settings()
    with talking_to_kafka(settings.bootstrap_servers):
        if topic is None:
            topics = asyncio.run(_dead_letter_topics(settings))
            if not topics:
                fail(
                    f"no dead-letter topics on {settings.bootstrap_servers} "
                    "(run `moderation topics create`)",
                    code=2,
                )
        else:
            _check_dead_letter_topic(settings, topic)
            topics = [topic]

    def line(record: Any) -> str:
        return json.dumps(dead_letter_view(record), ensure_ascii=False)

    _print_lines(settings, topics, limit, False, None, line)
