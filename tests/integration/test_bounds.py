"""The field bounds of domain/events.py and the database columns agree, in the tables'
definitions and in the schema the migrations build on SQLite and PostgreSQL: an event that
passes validation always fits, so no consumer can be stopped by a value its database
refuses."""

import uuid

import pytest
import sqlalchemy as sa

from moderation.db import make_engine, migrate, sqlite_dsn
from moderation.domain import events
from moderation.domain.labels import ReasonCategory
from moderation.queue import tables as queue_tables
from moderation.store import tables as store_tables

ID, NAME, SECTION = events.MAX_ID_CHARS, events.MAX_DISPLAY_NAME_CHARS, events.MAX_SECTION_CHARS

# (table, column): the bound of the event field stored there.
EXACT = {
    "store": {
        ("comments", "comment_id"): ID,
        ("comments", "article_id"): ID,
        ("comments", "site_id"): ID,
        ("comments", "parent_id"): ID,
        ("comments", "thread_id"): ID,
        ("comments", "author_id"): ID,
        ("comments", "author_name"): NAME,
        ("comments", "section"): SECTION,
        ("status_history", "comment_id"): ID,
        ("status_history", "actor"): ID,
        ("status_history", "event_id"): ID,
        ("processed_events", "event_id"): ID,
    },
    "queue": {
        ("queue_items", "comment_id"): ID,
        ("queue_items", "article_id"): ID,
        ("queue_items", "site_id"): ID,
        ("queue_items", "author_id"): ID,
        ("queue_items", "author_name"): NAME,
        ("queue_items", "section"): SECTION,
        ("queue_items", "parent_id"): ID,
        ("queue_items", "article_url"): events.MAX_URL_CHARS,
        ("outbox", "key"): ID,
        ("audit_log", "comment_id"): ID,
        ("audit_log", "site_id"): ID,
        ("audit_log", "author_id"): ID,
        ("processed_events", "event_id"): ID,
        ("readers", "site_id"): ID,
        ("readers", "author_id"): ID,
        ("readers", "display_name"): NAME,
        ("readers", "status_by"): ID,
        ("reader_comments", "comment_id"): ID,
        ("reader_comments", "site_id"): ID,
        ("reader_comments", "author_id"): ID,
        ("reader_comments", "author_name"): NAME,
        ("reader_comments", "article_id"): ID,
        ("reader_comments", "parent_id"): ID,
    },
}
# Values built from several fields must fit too.
AT_LEAST = {
    "queue": {
        ("queue_items", "model"): 2 * events.MAX_VERSION_CHARS + 1,  # "backend version"
        ("queue_items", "policy_version"): events.MAX_VERSION_CHARS,
        # ",legal,premoderated,...,": every category at once
        ("queue_items", "categories"): len(",".join(["", *ReasonCategory, ""])),
    }
}
REVISIONS = {
    "store": [("comments", "revision"), ("status_history", "revision")],
    "queue": [
        ("queue_items", "revision"),
        ("audit_log", "revision"),
        ("reader_comments", "revision"),
    ],
}
UNBOUNDED_TEXT = {
    "store": [("comments", "body"), ("status_history", "note")],
    "queue": [
        ("queue_items", "body"),
        ("queue_items", "article_title"),
        ("audit_log", "note"),
        ("reader_comments", "body"),
        ("readers", "status_note"),
    ],
}
METADATA = {"store": store_tables.metadata, "queue": queue_tables.metadata}


def check(columns: dict[tuple[str, str], sa.types.TypeEngine], service: str) -> None:
    for key, bound in EXACT[service].items():
        assert columns[key].length == bound, (service, key)
    for key, bound in AT_LEAST.get(service, {}).items():
        assert columns[key].length >= bound, (service, key)
    for key in REVISIONS[service]:
        # A 32-bit integer column holds exactly 1 .. MAX_REVISION.
        assert type(columns[key]) is sa.Integer or isinstance(columns[key], sa.INTEGER), key
        assert not isinstance(columns[key], sa.BigInteger), key
    assert events.MAX_REVISION == 2**31 - 1
    for key in UNBOUNDED_TEXT[service]:
        assert getattr(columns[key], "length", None) is None, key


@pytest.mark.parametrize("service", ["store", "queue"])
def test_table_definitions_match_the_event_bounds(service):
    metadata = METADATA[service]
    columns = {(t.name, c.name): c.type for t in metadata.tables.values() for c in t.columns}
    check(columns, service)


def test_event_fields_carry_the_bounds():
    """The bounds are on the fields themselves (a change there breaks this, not a database)."""
    schema = events.CommentSubmitted.model_json_schema()
    props = schema["properties"]
    assert props["comment_id"]["maxLength"] == ID
    assert props["section"]["anyOf"][0]["maxLength"] == SECTION
    assert props["revision"]["maximum"] == events.MAX_REVISION
    author = schema["$defs"]["Author"]["properties"]
    assert author["display_name"]["anyOf"][0]["maxLength"] == NAME


@pytest.fixture(params=["sqlite", "postgresql"])
async def dsn(request, tmp_path):
    if request.param == "sqlite":
        yield sqlite_dsn(tmp_path / "bounds.db")
        return
    server = request.getfixturevalue("postgres_server")
    name = f"b_{uuid.uuid4().hex[:12]}"
    admin = make_engine(server)
    async with admin.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(sa.text(f"CREATE DATABASE {name}"))
    await admin.dispose()
    yield server.rsplit("/", 1)[0] + f"/{name}"


@pytest.mark.parametrize("service", ["store", "queue"])
async def test_migrated_schema_matches_the_event_bounds(service, dsn, tmp_path):
    if dsn.startswith("sqlite"):
        dsn = sqlite_dsn(tmp_path / f"{service}.db")
    engine = make_engine(dsn)
    try:
        await migrate(engine, service)

        def reflect(connection):
            inspector = sa.inspect(connection)
            return {
                (table, column["name"]): column["type"]
                for table in inspector.get_table_names()
                for column in inspector.get_columns(table)
            }

        async with engine.connect() as conn:
            columns = await conn.run_sync(reflect)
    finally:
        await engine.dispose()
    check(columns, service)
