"""The command line's one way to report a mistake the user can fix: `error: ...` on stderr
and an exit code (1: it could not be done, 2: the input is wrong), never a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer


def fail(message: object, code: int = 1) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code) from None


@contextmanager
def failing_on(*errors: type[Exception], code: int = 1) -> Iterator[None]:
    """`fail` with the exception's message when one of `errors` escapes the block."""
    try:
        yield
    except errors as exc:
        fail(exc, code)
