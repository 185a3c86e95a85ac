"""Issue #13 item 7, over Kafka: a comment id belongs to the site it first arrived for. An
event on the topics claiming that id for another site (a new revision, or a decision
carrying such a revision) is dead-lettered with SITE_MISMATCH, never stored, whatever the
database; comments behind it are stored as usual."""

from __future__ import annotations

import json
import uuid

import pytest
import sqlalchemy as sa

from moderation.db import make_engine, migrate
from moderation.topics import (
    COMMENTS_SUBMITTED_DLQ,
    MODERATION_DECISIONS,
    MODERATION_DECISIONS_DLQ,
)
from tests.pipeline_client import CLEAN, comment_event
from tests.queue_helpers import held_decision
from tests.reliability.conftest import record_fault
from tests.reliability.test_nothing_lost import wait_stored
from tests.roles import TEST_SITE, start_role

pytestmark = pytest.mark.reliability

OTHER_SITE = "another-site"


async def revisions(dsn: str, comment_id: str) -> list[tuple[int, str | None, str | None]]:
    engine = make_engine(dsn)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                sa.text(
                    "SELECT revision, site_id, body FROM comments WHERE comment_id = :id "
                    "ORDER BY revision"
                ),
                {"id": comment_id},
            )
            return [(r.revision, r.site_id, r.body) for r in rows]
    finally:
        await engine.dispose()


def letters_for(records, comment_id: str) -> list[dict[str, bytes]]:
    return [dict(r.headers) for r in records if r.key == comment_id.encode()]


async def test_a_comment_of_one_site_cannot_be_overwritten_over_kafka_by_another(
    broker,
    client,
    new_database,
):
    dsn = await new_database()
    engine = make_engine(dsn)
    await migrate(engine, "store")
    await engine.dispose()
    store = start_role(broker, "comment-store", name="ownership-store", MODERATION_STORE_DSN=dsn)
    await client.follow(COMMENTS_SUBMITTED_DLQ.name)
    await client.follow(MODERATION_DECISIONS_DLQ.name)
    article = f"owned-{uuid.uuid4().hex[:6]}"
    owned = comment_event(CLEAN, article_id=article)
    victim = owned["comment_id"]
    # A new revision of site A's comment, claimed by site B; and the same again inside a
    # decision (what the classifier would publish for it).
    forged = comment_event(
        "Buy cheap pills", article_id=article, comment_id=victim, revision=2, site_id=OTHER_SITE
    )
    decision = held_decision(victim, body="Buy cheap pills", article_id=article, site_id=OTHER_SITE)
    decision = decision.model_copy(
        update={"revision": 3, "comment": decision.comment.model_copy(update={"revision": 3})}
    )
    later = [comment_event(f"{CLEAN} ({i})", article_id=article) for i in range(10)]
    try:
        await client.publish_comment(owned)
        assert await wait_stored(dsn, {victim: "pending"}, timeout_s=60)
        await client.publish_comment(forged)
        await client.send(MODERATION_DECISIONS.name, decision.model_dump_json().encode(), victim)
        for event in later:
            await client.publish_comment(event)
        seen = await wait_stored(dsn, {e["comment_id"]: "pending" for e in later}, timeout_s=60)
        submitted_dead = await client.collect(
            COMMENTS_SUBMITTED_DLQ.name, lambda rs: letters_for(rs, victim), timeout_s=30
        )
        decided_dead = await client.collect(
            MODERATION_DECISIONS_DLQ.name, lambda rs: letters_for(rs, victim), timeout_s=30
        )
        stored_revisions = await revisions(dsn, victim)
        status, body = store.get(f"/comments/{victim}")
    finally:
        store.stop()
    letters = letters_for(submitted_dead, victim) + letters_for(decided_dead, victim)
    record_fault(
        f"item 7: another site's revision of a comment, over Kafka ({dsn.split(':')[0]})",
        2 + len(later),
        len(seen),
        len(later) - len(seen),
        0,
        f"dead-lettered: {[h['x-dlq-reason'].decode() for h in letters]}; "
        f"stored revisions of the comment: {[(r, s) for r, s, _ in stored_revisions]}",
    )
    assert stored_revisions == [(1, TEST_SITE, CLEAN)]
    assert [h["x-dlq-reason"] for h in letters] == [b"SITE_MISMATCH", b"SITE_MISMATCH"]
    assert all(OTHER_SITE.encode() in h["x-dlq-error"] for h in letters)
    assert status == 200 and json.loads(body)["body"] == CLEAN
    assert len(seen) == len(later)
