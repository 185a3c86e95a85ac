"""The audit log's queries (queue/audit_queries.py) on real SQLite and PostgreSQL, and the
audit page and CSV export on the queue app (SQLite)."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.ext.asyncio import AsyncConnection

from moderation.db import make_engine, migrate, utc
from moderation.domain.events import ArticleContext, Author, CommentModerated
from moderation.queue import audit_queries as q
from moderation.queue.app import create_app
from moderation.queue.repository import add_held
from moderation.queue.tables import audit_log
from moderation.settings import KafkaSettings, queue_dsn
from tests.queue_helpers import held_decision, prepare_queue_db

NO_BROKER = KafkaSettings(bootstrap_servers="127.0.0.1:1")
LONG_BODY = "Honestly, " + "this council has failed the town again and again. " * 6 + "The end."
FORMULA_BODY = '=HYPERLINK("http://attacker.example","click")'
NOTE = 'Fine, "really" fine;\nsecond line'
# One long unbroken word: the page must wrap it, not scroll sideways on a phone.
BAN_NOTE = "@everyone spam from https://spam.example/" + "x" * 90
APPROVED_AT = datetime(2026, 3, 1, 10, 0, 0, tzinfo=UTC)


def _by(decision: CommentModerated, author_id: str, name: str | None) -> CommentModerated:
    author = Author(id=author_id, display_name=name)
    return decision.model_copy(
        update={"comment": decision.comment.model_copy(update={"author": author})}
    )


async def seed_audit(conn: AsyncConnection) -> None:
    """Two queue items by two readers, and five audit entries around a UTC midnight:
    alice approves the long comment, takes and gives back the other, bob rejects it and
    then bans its reader (an action on a reader, a name no list here knows)."""
    article = ArticleContext(
        article_id="a-trial",
        site_id="site",
        title="Council fails the town",
        url="https://news.example/council",  # type: ignore[arg-type]
    )
    long = _by(held_decision("c-long", LONG_BODY, "a-trial", legal=False), "r-anna", "Anna R.")
    formula = _by(held_decision("c-formula", FORMULA_BODY, "a-other", legal=False), "r-bob", None)
    await add_held(conn, long, article)
    await add_held(conn, formula, None)
    entry = {"revision": 1, "reason_code": None, "note": None}
    await conn.execute(
        sa.insert(audit_log),
        [
            {**entry, "at": APPROVED_AT, "moderator": "alice", "action": "approved",
             "comment_id": "c-long", "reason_code": "approved", "note": NOTE},
            {**entry, "at": datetime(2026, 3, 1, 23, 59, 59, tzinfo=UTC), "moderator": "alice",
             "action": "claim", "comment_id": "c-formula"},
            {**entry, "at": datetime(2026, 3, 2, 0, 0, 1, tzinfo=UTC), "moderator": "alice",
             "action": "release", "comment_id": "c-formula"},
            {**entry, "at": datetime(2026, 3, 2, 0, 0, 5, tzinfo=UTC), "moderator": "bob",
             "action": "rejected", "comment_id": "c-formula", "reason_code": "insult",
             "note": "-2 points"},
            {**entry, "at": datetime(2026, 3, 3, 8, 0, 0, tzinfo=UTC), "moderator": "bob",
             "action": "ban_reader", "comment_id": "c-formula", "note": BAN_NOTE},
        ],
    )  # fmt: skip


@pytest.fixture
async def engine(new_database):
    engine = make_engine(await new_database())
    await migrate(engine, "queue")
    async with engine.begin() as conn:
        await seed_audit(conn)
    yield engine
    await engine.dispose()


async def actions(engine, where: q.AuditFilter) -> list[str]:
    async with engine.connect() as conn:
        page = await q.audit_page(conn, where)
    return [e["action"] for e in page.entries]


async def test_default_view_hides_claims_and_filters_narrow_it(engine):
    assert await actions(engine, q.AuditFilter()) == ["ban_reader", "rejected", "approved"]
    assert await actions(engine, q.AuditFilter(claims=True)) == [
        "ban_reader",
        "rejected",
        "release",
        "claim",
        "approved",
    ]
    assert await actions(engine, q.AuditFilter(action="ban_reader")) == ["ban_reader"]
    assert await actions(engine, q.AuditFilter(action="claim")) == ["claim"]
    assert await actions(engine, q.AuditFilter(moderator="bob")) == ["ban_reader", "rejected"]
    # UTC days, both ends included: 23:59:59 belongs to the 1st, 00:00:01 to the 2nd.
    day = date(2026, 3, 2)
    assert await actions(engine, q.AuditFilter(claims=True, day_from=day, day_to=day)) == [
        "rejected",
        "release",
    ]
    assert await actions(engine, q.AuditFilter(day_to=date(2026, 3, 1))) == ["approved"]
    assert await actions(engine, q.AuditFilter(moderator="nobody")) == []


async def test_entries_carry_the_comment_reader_and_article(engine):
    async with engine.connect() as conn:
        page = await q.audit_page(conn, q.AuditFilter())
    approved, banned = page.entries[2], page.entries[0]
    assert approved["body"] == LONG_BODY
    assert (approved["site_id"], approved["author_id"], approved["author_name"]) == (
        "site",
        "r-anna",
        "Anna R.",
    )
    assert approved["article_title"] == "Council fails the town"
    assert approved["article_url"] == "https://news.example/council"
    assert approved["note"] == NOTE
    assert banned["author_id"] == "r-bob" and banned["body"] == FORMULA_BODY
    assert banned["article_id"] == "a-other" and banned["article_url"] is None


async def test_an_action_on_a_reader_names_the_reader_without_a_comment(engine):
    async with engine.begin() as conn:
        await conn.execute(
            sa.insert(audit_log).values(
                at=datetime(2026, 3, 4, tzinfo=UTC),
                moderator="bob",
                action="premoderate_reader",
                site_id="site",
                author_id="r-zed",
            )
        )
    async with engine.connect() as conn:
        page = await q.audit_page(conn, q.AuditFilter())
    newest = page.entries[0]
    assert (newest["action"], newest["site_id"], newest["author_id"]) == (
        "premoderate_reader",
        "site",
        "r-zed",
    )
    assert newest["comment_id"] is None and newest["body"] is None


async def test_choices_come_from_the_log(engine):
    async with engine.connect() as conn:
        moderators, names = await q.distinct_values(conn)
    assert moderators == ["alice", "bob"]
    assert names == ["approved", "ban_reader", "claim", "rejected", "release"]


async def test_per_day_counts_follow_the_filter_and_utc_days(engine):
    async with engine.connect() as conn:
        everything = await q.actions_per_moderator_per_day(
            conn, q.AuditFilter(claims=True, day_from=date(2026, 3, 1))
        )
        default = await q.actions_per_moderator_per_day(
            conn, q.AuditFilter(), now=datetime(2026, 3, 10, tzinfo=UTC)
        )
        too_late = await q.actions_per_moderator_per_day(
            conn, q.AuditFilter(), now=APPROVED_AT + timedelta(days=q.REPORT_DAYS)
        )
    assert [(r["day"], r["moderator"], r["actions"]) for r in everything] == [
        ("2026-03-03", "bob", 1),
        ("2026-03-02", "alice", 1),
        ("2026-03-02", "bob", 1),
        ("2026-03-01", "alice", 2),
    ]
    assert [(r["day"], r["moderator"], r["actions"]) for r in default] == [
        ("2026-03-03", "bob", 1),
        ("2026-03-02", "bob", 1),
        ("2026-03-01", "alice", 1),
    ]
    # Without a start day only the last REPORT_DAYS days are read.
    assert [r["day"] for r in too_late] == ["2026-03-03", "2026-03-02"]


async def test_keyset_pages_count_the_true_total(engine):
    start = datetime(2026, 4, 1, tzinfo=UTC)
    async with engine.begin() as conn:
        await conn.execute(
            sa.insert(audit_log),
            [
                {"at": start + timedelta(minutes=i), "moderator": "carol", "action": "approved"}
                for i in range(120)
            ],
        )
    carol = q.AuditFilter(moderator="carol")
    async with engine.connect() as conn:
        first = await q.audit_page(conn, carol)
        second = await q.audit_page(conn, carol, before=first.older)
        third = await q.audit_page(conn, carol, before=second.older)
        back = await q.audit_page(conn, carol, after=third.newer)
        everyone = await q.audit_page(conn, q.AuditFilter())
    assert (first.total, first.first_position, len(first.entries)) == (120, 1, 50)
    assert first.newer is None and first.older is not None
    assert (second.first_position, len(second.entries)) == (51, 50)
    assert (third.first_position, len(third.entries), third.older) == (101, 20, None)
    assert [e["id"] for e in back.entries] == [e["id"] for e in second.entries]
    assert back.first_position == 51
    ids = [e["id"] for p in (first, second, third) for e in p.entries]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 120
    assert utc(first.entries[0]["at"]) == start + timedelta(minutes=119)
    assert everyone.total == 123  # carol's 120 and the three unhidden seeds


async def test_export_reads_every_entry_in_batches(engine):
    got = [e["action"] async for e in q.iter_entries(engine, q.AuditFilter(claims=True), batch=2)]
    assert got == ["ban_reader", "rejected", "release", "claim", "approved"]


# The page and the CSV, on the queue app and its SQLite database.


@pytest.fixture
def app(tmp_path):
    settings = prepare_queue_db(tmp_path, [])

    async def seed() -> None:
        engine = make_engine(queue_dsn(settings))
        async with engine.begin() as conn:
            await seed_audit(conn)
        await engine.dispose()

    asyncio.run(seed())
    return create_app(kafka=NO_BROKER, settings=settings)


@pytest.fixture
def client(app):
    from tests.integration.test_queue_app import login

    with TestClient(app) as client:
        assert login(client).status_code == 303
        yield client


def test_audit_and_csv_need_a_login(app):
    with TestClient(app) as anonymous:
        for path in ("/audit", "/audit.csv"):
            response = anonymous.get(path, follow_redirects=False)
            assert response.status_code == 303
            assert response.headers["location"].startswith("/login?next=")


def test_audit_page_shows_text_reader_and_article(client):
    page = client.get("/audit").text
    assert "<details><summary>Honestly, this council" in page
    assert "The end.</p></details>" in page
    assert 'href="/?site=site&amp;author=r-anna">Anna R.</a>' in page
    assert 'href="/?site=site&amp;author=r-bob">r-bob</a>' in page
    assert (
        '<a class="article" href="https://news.example/council" target="_blank" '
        'rel="noopener noreferrer">Council fails the town</a>'
    ) in page
    assert '<time datetime="2026-03-01T10:00:00Z" data-local>2026-03-01 10:00:00 UTC</time>' in page
    assert "Entries 1–3 of 3" in page
    assert '<option value="ban_reader">ban_reader</option>' in page
    with_claims = client.get("/audit", params={"claims": "1"}).text
    assert "Entries 1–5 of 5" in with_claims
    bad = client.get("/audit", params={"from": "yesterday"})
    assert bad.status_code == 200 and "from: not a date" in bad.text


def rows_of(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith("attachment;")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_csv_exports_the_filter_quoted_and_formula_safe(client):
    rows = rows_of(client.get("/audit.csv"))
    assert [r["action"] for r in rows] == ["ban_reader", "rejected", "approved"]
    banned, rejected, approved = rows
    assert approved["note"] == NOTE  # comma, quotes and a newline survive
    assert approved["body"] == LONG_BODY
    assert approved["article_url"] == "https://news.example/council"
    assert approved["at"] == "2026-03-01T10:00:00+00:00"
    assert rejected["body"] == "'" + FORMULA_BODY
    assert rejected["note"] == "'-2 points"
    assert banned["note"] == "'" + BAN_NOTE
    assert rejected["author_id"] == "r-bob"
    only_bob = rows_of(client.get("/audit.csv", params={"moderator": "bob", "action": "rejected"}))
    assert [(r["moderator"], r["action"]) for r in only_bob] == [("bob", "rejected")]
    claims = rows_of(client.get("/audit.csv", params={"claims": "1", "from": "2026-03-02"}))
    assert [r["action"] for r in claims] == ["ban_reader", "rejected", "release"]
    assert client.get("/audit.csv", params={"to": "2026-13-01"}).status_code == 400
