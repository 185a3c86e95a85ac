"""Which errors the batch loop retries (transient) and which it dead-letters at once."""

import sqlite3

import pytest
from aiokafka import errors as kafka_errors
from sqlalchemy import exc as db_errors

from moderation.adapters.batch_loop import is_transient


class _PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def _db(kind, orig, invalidated=False):
    return kind("INSERT ...", {}, orig, connection_invalidated=invalidated)


TRANSIENT = {
    "SQLite database is locked": _db(
        db_errors.OperationalError, sqlite3.OperationalError("database is locked")
    ),
    "connection dropped": _db(db_errors.InterfaceError, ConnectionError(), invalidated=True),
    "PostgreSQL deadlock (40P01)": _db(db_errors.DBAPIError, _PgError("40P01")),
    "PostgreSQL shutting down (57P01)": _db(db_errors.DBAPIError, _PgError("57P01")),
    "broker unreachable": kafka_errors.KafkaConnectionError(),
    "request timed out": kafka_errors.KafkaTimeoutError(),
    "not the leader": kafka_errors.NotLeaderForPartitionError(),
    "socket": ConnectionResetError(),
}
PERMANENT = {
    "duplicate key": _db(db_errors.IntegrityError, sqlite3.IntegrityError("UNIQUE")),
    "value out of int32 range (asyncpg, client side)": _db(
        db_errors.InterfaceError, ValueError("out of int32 range")
    ),
    "PostgreSQL invalid byte sequence (22021)": _db(db_errors.DataError, _PgError("22021")),
    "SQLite integer overflow": OverflowError("Python int too large to convert to SQLite INTEGER"),
    "record too large for the producer": kafka_errors.MessageSizeTooLargeError(),
    "a bug of ours": KeyError("reasons"),
}


@pytest.mark.parametrize("error", TRANSIENT.values(), ids=TRANSIENT.keys())
def test_transient_errors_are_retried(error):
    assert is_transient(error)


@pytest.mark.parametrize("error", PERMANENT.values(), ids=PERMANENT.keys())
def test_errors_that_would_fail_again_are_not(error):
    assert not is_transient(error)
