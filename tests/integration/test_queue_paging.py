"""The queue at newsroom scale on real SQLite and PostgreSQL: keyset pages that cover every
open item exactly once, true totals under every filter, the reader and score-range filters,
and batch actions that do exactly what the moderator counted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from moderation.db import make_engine, migrate
from moderation.domain.labels import Label
from moderation.queue import repository as repo
from moderation.queue.app import create_app
from moderation.queue.tables import audit_log, outbox
from moderation.settings import queue_dsn
from tests.integration.test_queue_app import NO_BROKER, session
from tests.queue_helpers import held_decision, prepare_queue_db

START = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def decision(i: int, *, author: str | None = None, toxicity: float | None = None):
    """Item i: decided i seconds after START, except that pairs share a second (ties must
    still page cleanly), by reader r<i%3>, with toxicity (i % 100) / 100."""
    d = held_decision(f"c{i:04d}", legal=False)
    comment = d.comment.model_copy(
        update={"author": d.comment.author.model_copy(update={"id": author or f"r{i % 3}"})}
    )
    return d.model_copy(
        update={
            "decided_at": START + timedelta(seconds=i // 2),
            "scores": {"toxicity": toxicity if toxicity is not None else (i % 100) / 100},
            "comment": comment,
        }
    )


@pytest.fixture
async def engine(new_database):
    engine = make_engine(await new_database())
    await migrate(engine, "queue")
    async with engine.begin() as conn:
        for i in range(137):
            assert await repo.add_held(conn, decision(i), None)
    yield engine
    await engine.dispose()


async def walk(engine, filters: repo.Filters, size: int) -> list[str]:
    seen, cursor = [], None
    async with engine.connect() as conn:
        while True:
            page = await repo.open_items(conn, filters, limit=size, after=cursor)
            seen += [row["comment_id"] for row in page.rows]
            if page.next is None:
                return seen
            cursor = repo.Cursor.decode(page.next.encode())  # as a browser sends it back


@pytest.mark.parametrize("newest_first", [True, False])
async def test_pages_cover_every_open_item_once_in_order(engine, newest_first):
    filters = repo.Filters(newest_first=newest_first)
    seen = await walk(engine, filters, size=10)
    expected = sorted((f"c{i:04d}" for i in range(137)), key=lambda c: (int(c[1:]) // 2, c))
    assert seen == (expected[::-1] if newest_first else expected)
    async with engine.connect() as conn:
        assert await repo.count_open(conn, filters) == 137


async def test_reader_and_score_filters_select_exactly_their_items(engine):
    by_reader = repo.Filters(author_id="r1")
    in_range = repo.Filters(score=repo.ScoreRange(Label.TOXICITY, 0.2, 0.45))
    both = repo.Filters(author_id="r1", score=repo.ScoreRange(Label.TOXICITY, 0.2, 0.45))
    other_label = repo.Filters(score=repo.ScoreRange(Label.THREAT, 0.0, 1.0))
    expect_reader = {f"c{i:04d}" for i in range(137) if i % 3 == 1}
    expect_range = {f"c{i:04d}" for i in range(137) if 0.2 <= (i % 100) / 100 <= 0.45}
    assert set(await walk(engine, by_reader, 7)) == expect_reader
    assert set(await walk(engine, in_range, 7)) == expect_range
    assert set(await walk(engine, both, 7)) == expect_reader & expect_range
    assert await walk(engine, other_label, 7) == []  # no threat score: never in range
    async with engine.connect() as conn:
        assert await repo.count_open(conn, both) == len(expect_reader & expect_range)
        assert await repo.matches(conn, repo.ItemKey("c0001", 1), by_reader)
        assert not await repo.matches(conn, repo.ItemKey("c0002", 1), by_reader)


async def test_resolved_items_leave_the_pages_and_the_total(engine):
    async with engine.begin() as conn:
        for i in range(0, 137, 2):
            await repo.resolve(conn, repo.ItemKey(f"c{i:04d}", 1), "alice", *_approve(), note=None)
    assert sorted(await walk(engine, repo.Filters(), 9)) == [f"c{i:04d}" for i in range(1, 137, 2)]


def _approve():
    from moderation.domain.events import ReviewOutcome
    from moderation.domain.labels import ReviewReason

    return ReviewOutcome.APPROVED, ReviewReason.APPROVED


@pytest.mark.parametrize("token", ["", "nonsense", "W10", "WyJ4Il0"])
def test_a_cursor_that_was_not_handed_out_is_refused(token):
    with pytest.raises(ValueError):
        repo.Cursor.decode(token)


# ---------------------------------------------------------------- through the web app
@pytest.fixture
def busy_app(tmp_path):
    settings = prepare_queue_db(tmp_path, [decision(i) for i in range(243)])
    return create_app(kafka=NO_BROKER, settings=settings), settings


def test_the_page_says_the_true_total_and_pages_through_all_of_it(busy_app):
    app, _ = busy_app
    client, _ = session(app)
    page = client.get("/")
    assert "<title>Queue (243) · Moderation</title>" in page.text
    assert '<strong id="total">243</strong>' in page.text
    assert page.text.count('<article class="item') == repo.PAGE_SIZE
    seen = page.text.count('<article class="item')
    cursor = page.text.split('data-next="', 1)[1].split('"', 1)[0]
    while cursor:
        more = client.get("/more", params={"after": cursor})
        assert more.status_code == 200
        seen += more.text.count('<article class="item')
        cursor = more.headers.get("x-next-cursor", "")
    assert seen == 243
    assert client.get("/more", params={"after": "garbage"}).status_code == 422
    assert client.get("/api/count", params={"author": "r2"}).json() == {"total": 81}
    assert client.get("/api/count", params={"label": "nonsense"}).status_code == 422
    filtered = client.get("/", params={"author": "r2"})
    assert "<title>Queue (81) · Moderation</title>" in filtered.text


def test_a_live_item_outside_the_filter_is_not_sent(busy_app):
    app, _ = busy_app
    client, _ = session(app)
    assert client.get("/items/c0001/1", params={"author": "r1"}).status_code == 200
    assert client.get("/items/c0001/1", params={"author": "r2"}).status_code == 204


def test_batch_by_score_resolves_exactly_the_counted_items_and_audits_it(busy_app):
    app, settings = busy_app
    client, csrf = session(app)
    low = {"label": "toxicity", "low": "0", "high": "0.09"}
    preview = client.get("/api/selection", params=low).json()
    expected = [i for i in range(243) if (i % 100) / 100 <= 0.09]
    assert preview["total"] == len(expected) == 30
    assert len(preview["sample"]) == 5 and all(s["score"] <= 0.09 for s in preview["sample"])
    headers = {"x-csrf-token": csrf}

    # A colleague holds one of them: it is skipped, not taken over.
    other, other_csrf = session(app, "bob")
    assert other.post("/api/items/c0005/1/claim", headers={"x-csrf-token": other_csrf}).is_success

    # Counted fewer than match now: nothing happens.
    stale = client.post(
        "/api/batch", params=low, headers=headers, json={"action": "approve", "expected": 29}
    )
    assert stale.status_code == 409
    assert client.get("/api/count", params=low).json() == {"total": 30}

    done = client.post(
        "/api/batch",
        params=low,
        headers=headers,
        json={"action": "approve", "expected": 30, "note": "low scores, checked a sample"},
    ).json()
    assert done["done"] == 29
    assert [s["comment_id"] for s in done["skipped"]] == ["c0005"]
    assert client.get("/api/count", params=low).json() == {"total": 1}
    assert client.get("/api/count").json() == {"total": 243 - 29}

    import asyncio

    async def logged():
        engine = make_engine(queue_dsn(settings))
        async with engine.connect() as conn:
            actions = (await conn.execute(sa.select(audit_log.c.action, audit_log.c.note))).all()
            reviews = (await conn.execute(sa.select(sa.func.count()).select_from(outbox))).scalar()
        await engine.dispose()
        return actions, reviews

    actions, reviews = asyncio.run(logged())
    assert reviews == 29
    assert sum(1 for a, _ in actions if a == "approved") == 29
    (summary,) = [n for a, n in actions if a == "batch_approve"]
    assert summary.startswith("29 comments; filter: toxicity 0.00-0.09")
    client.__exit__(None, None, None)
    other.__exit__(None, None, None)


def test_a_batch_leaves_legal_holds_out_unless_asked(tmp_path):
    legal = held_decision("legal-low", body="Evans is guilty.")  # insult + contempt
    legal = legal.model_copy(update={"scores": {"toxicity": 0.01}})
    app = create_app(
        kafka=NO_BROKER,
        settings=prepare_queue_db(tmp_path, [decision(i) for i in range(20)] + [legal]),
    )
    client, csrf = session(app)
    low = {"label": "toxicity", "low": "0", "high": "0.05"}
    everything = client.get("/api/selection", params=low).json()
    assert everything["total"] == 7  # c0000-c0005 and the legal one
    assert everything["by_category"] == {"toxicity": 7, "legal": 1}
    without = client.get("/api/selection", params={**low, "exclude": "legal"}).json()
    assert without["total"] == 6 and without["by_category"] == {"toxicity": 6}
    done = client.post(
        "/api/batch",
        params={**low, "exclude": "legal"},
        headers={"x-csrf-token": csrf},
        json={"action": "approve", "expected": 6},
    ).json()
    assert done["done"] == 6
    assert client.get("/api/count", params=low).json() == {"total": 1}  # the legal one waits
    assert client.get("/api/count", params={"exclude": "nonsense"}).status_code == 422


def test_a_link_with_unreadable_filters_opens_the_whole_queue_and_says_so(busy_app):
    app, _ = busy_app
    client, _ = session(app)
    answer = client.get("/", params={"label": "toxic"}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/?invalid=1"
    page = client.get("/", params={"low": "abc"})
    assert "filters could not be read" in page.text and "Queue (243)" in page.text
    assert client.get("/api/count", params={"label": "toxic"}).status_code == 422  # API: as is
    assert client.get("/favicon.ico").status_code == 204


def test_a_claim_refusal_says_who_and_until_when(busy_app):
    app, _ = busy_app
    alice, alice_csrf = session(app, "alice")
    bob, bob_csrf = session(app, "bob")
    assert alice.post("/api/items/c0003/1/claim", headers={"x-csrf-token": alice_csrf}).is_success
    refused = bob.post("/api/items/c0003/1/approve", headers={"x-csrf-token": bob_csrf})
    assert refused.status_code == 409
    body = refused.json()
    assert body["holder"] == "alice"
    until = datetime.fromisoformat(body["until"])
    assert timedelta(minutes=4) < until - datetime.now(UTC) <= timedelta(minutes=5)


def test_a_reader_filter_shows_their_panel_even_with_nothing_held(busy_app):
    app, _ = busy_app
    client, csrf = session(app)
    headers = {"x-csrf-token": csrf}
    banned = client.post(
        "/api/readers/site/r2/status",
        headers=headers,
        json={"status": "banned", "reason_code": "SPAM"},
    )
    assert banned.is_success
    rejected = client.post(
        "/api/readers/site/r2/reject-pending", headers=headers, json={"reason_code": "SPAM"}
    ).json()
    assert rejected["rejected"] == 81
    page = client.get("/", params={"site": "site", "author": "r2"}).text
    assert "Queue (0)" in page
    assert 'class="panel-reader" data-site-id="site" data-author-id="r2"' in page
    assert 'data-status="none">Lift</button>' in page and "(Spam)" in page
    panel = client.get("/readers/site/r2/panel").text
    assert "81 rejected (100 %)" in panel
