"""Kafka plumbing shared by every role: broker factory, topic creation, readiness waits."""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Iterable
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError
from faststream.kafka import KafkaBroker
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512

from moderation.domain.events import ArticleContext
from moderation.settings import KafkaSettings
from moderation.topics import ALL_TOPICS, ARTICLES_CONTEXT, TopicSpec

log = logging.getLogger(__name__)


def connection_options(settings: KafkaSettings) -> dict[str, Any]:
    """Options common to producers, consumers and admin clients."""
    options: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_servers,
        "security_protocol": settings.security_protocol,
    }
    if settings.security_protocol in ("SSL", "SASL_SSL"):
        context = ssl.create_default_context(
            cafile=str(settings.ssl_cafile) if settings.ssl_cafile else None
        )
        if settings.ssl_certfile:
            context.load_cert_chain(
                str(settings.ssl_certfile),
                str(settings.ssl_keyfile) if settings.ssl_keyfile else None,
            )
        options["ssl_context"] = context
    if settings.security_protocol.startswith("SASL"):
        options.update(
            sasl_mechanism=settings.sasl_mechanism,
            sasl_plain_username=settings.sasl_username,
            sasl_plain_password=settings.sasl_password,
        )
    return options


def faststream_security(settings: KafkaSettings) -> BaseSecurity | None:
    """The same connection options, in the form FastStream's broker takes them."""
    if settings.security_protocol == "PLAINTEXT":
        return None
    options = connection_options(settings)
    ssl_context = options.get("ssl_context")
    if settings.security_protocol == "SSL":
        return BaseSecurity(ssl_context=ssl_context, use_ssl=True)
    kinds = {"PLAIN": SASLPlaintext, "SCRAM-SHA-256": SASLScram256, "SCRAM-SHA-512": SASLScram512}
    return kinds[settings.sasl_mechanism](
        username=settings.sasl_username or "",
        password=settings.sasl_password or "",
        ssl_context=ssl_context,
        use_ssl=settings.security_protocol == "SASL_SSL",
    )


def make_broker(settings: KafkaSettings, **extra: Any) -> KafkaBroker:
    return KafkaBroker(
        settings.bootstrap_servers,
        security=faststream_security(settings),
        acks=settings.acks if settings.acks == "all" else int(settings.acks),
        enable_idempotence=settings.enable_idempotence,
        linger_ms=settings.linger_ms,
        client_id=settings.client_id,
        metadata_max_age_ms=settings.metadata_max_age_ms,
        # Per-message "Received/Processed" lines are debug detail, not operations logs.
        log_level=logging.DEBUG,
        **extra,
    )


async def ensure_topics(
    settings: KafkaSettings, topics: Iterable[TopicSpec] = ALL_TOPICS, replication: int = 1
) -> list[str]:
    """Create the topics that do not exist yet; returns the names it created."""
    admin = AIOKafkaAdminClient(**connection_options(settings))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in topics if t.name not in existing]
        created = []
        for spec in missing:
            try:
                await admin.create_topics(
                    [NewTopic(spec.name, spec.partitions, replication, topic_configs=spec.configs)]
                )
                created.append(spec.name)
            except TopicAlreadyExistsError:
                pass  # another process won the race
        return created
    finally:
        await admin.close()


async def guard_topics(settings: KafkaSettings, interval_s: float = 5.0) -> None:
    """Recreate topics that disappear (the memory-only dev broker loses them on restart),
    so traffic flows again without restarting the services."""
    while True:
        await asyncio.sleep(interval_s)
        try:
            created = await ensure_topics(settings)
        except (KafkaError, OSError) as exc:
            log.warning("cannot check topics at %s: %s", settings.bootstrap_servers, exc)
            continue
        if created:
            log.warning(
                "recreated missing topics %s (was the broker restarted?)", ", ".join(created)
            )


async def wait_for_broker(settings: KafkaSettings, timeout_s: float | None = 60.0) -> None:
    """Block until the cluster answers metadata requests, logging while it does not.
    `timeout_s=None` waits for ever (services); a number raises after that long (tools)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s if timeout_s is not None else float("inf")
    attempt = 0
    while True:
        attempt += 1
        admin = AIOKafkaAdminClient(**connection_options(settings), request_timeout_ms=5000)
        try:
            await admin.start()
            await admin.list_topics()
            return
        except (KafkaError, OSError) as exc:
            if loop.time() > deadline:
                raise RuntimeError(
                    f"Kafka at {settings.bootstrap_servers} did not answer within "
                    f"{timeout_s} s ({exc}); check KAFKA_BOOTSTRAP_SERVERS "
                    "or start `moderation broker`"
                ) from exc
            log.warning(
                "waiting for Kafka at %s (attempt %d: %s)", settings.bootstrap_servers, attempt, exc
            )
            await asyncio.sleep(min(0.5 * attempt, 5.0))
        finally:
            await admin.close()


async def publish_article_context(settings: KafkaSettings, context: ArticleContext) -> None:
    producer = AIOKafkaProducer(**connection_options(settings), acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            ARTICLES_CONTEXT.name,
            context.model_dump_json().encode(),
            key=context.article_id.encode(),
        )
    finally:
        await producer.stop()
