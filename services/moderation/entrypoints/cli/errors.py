"""The command line's one way to report a mistake the user can fix: `error: ...` on stderr
and an exit code (1: it could not be done, 2: the input or the setup is wrong), never a
traceback."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer

# The setting that names the cluster (settings.KafkaSettings, env_prefix "KAFKA_").
BOOTSTRAP_VARIABLE = "KAFKA_BOOTSTRAP_SERVERS"


def fail(message: object, code: int = 1) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code) from None


@contextmanager
def failing_on(*errors: type[Exception], code: int = 1) -> Iterator[None]:
    """`fail` with the exception's message when one of `errors` escapes the block."""
    try:
        yield
    except errors as exc:
        if isinstance(exc, typer.Exit):  # a RuntimeError too: a failure already reported
            raise
        fail(exc, code)


def kafka_unreachable(
    bootstrap: str, waited_s: float | None = None, named_by: str = BOOTSTRAP_VARIABLE
) -> str:
    """The one line for a broker nobody answers at; `named_by`: where the address came from
    (the variable, or an option such as --bootstrap)."""
    within = f" within {waited_s:g} s" if waited_s else ""
    return f"cannot reach the Kafka broker at {bootstrap}{within} (is it running? set {named_by})"


def _unreachable(exc: BaseException) -> bool:
    from aiokafka.errors import (
        KafkaConnectionError,
        KafkaTimeoutError,
        NodeNotReadyError,
        RequestTimedOutError,
    )

    kinds = (KafkaConnectionError, KafkaTimeoutError, NodeNotReadyError, RequestTimedOutError)
    return isinstance(exc, (*kinds, ConnectionError, TimeoutError))


@contextmanager
def talking_to_kafka(bootstrap: str, named_by: str = BOOTSTRAP_VARIABLE) -> Iterator[None]:
    """For a command that talks to the cluster at `bootstrap`: a broker it cannot reach is
    one line and exit 2 (the setup is wrong: start it, or point the variable at it); any
    other Kafka error is one line and exit 1."""
    # aiokafka logs every refused connection at ERROR, and a client whose start failed says
    # "Unclosed" through asyncio's logger when collected; with no logging configured Python
    # prints those to stderr around our line. The command reports the failure itself.
    for noisy in ("aiokafka", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.CRITICAL)
    from aiokafka.errors import KafkaError

    try:
        yield
    except (KafkaError, ConnectionError, TimeoutError) as exc:
        if _unreachable(exc):
            fail(kafka_unreachable(bootstrap, named_by=named_by), code=2)
        fail(f"Kafka at {bootstrap}: {type(exc).__name__}: {exc}")
