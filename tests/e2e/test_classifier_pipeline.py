"""The classifier as a real process behind the real embedded broker."""

from __future__ import annotations

import asyncio
import json

import pytest

from moderation.scoring.news_model import NewsModelScorer
from moderation.topics import COMMENTS_SUBMITTED, COMMENTS_SUBMITTED_DLQ
from tests.pipeline_client import CLEAN, TOXIC, comment_event

pytestmark = pytest.mark.e2e


async def test_clean_comment_approved_and_toxic_comment_held(classifier, client):
    clean, toxic = comment_event(CLEAN), comment_event(TOXIC)
    await client.publish_comment(clean)
    await client.publish_comment(toxic)
    found = await client.decisions_for([clean["comment_id"], toxic["comment_id"]])
    [approved] = found[clean["comment_id"]]
    [held] = found[toxic["comment_id"]]
    assert approved["decision"] == "approve" and approved["reasons"] == []
    assert held["decision"] == "hold"
    assert "TOXICITY" in {r["code"] for r in held["reasons"]}
    assert held["comment"]["body"] == TOXIC
    assert held["model"]["backend"] == NewsModelScorer.backend  # the shipped default
    toxic_spans = [s["text"] for r in held["reasons"] for s in r["spans"]]
    assert any("idiot" in text for text in toxic_spans), held["reasons"]


async def test_premoderated_article_holds_its_comments(classifier, client):
    await client.publish_article(
        {"article_id": "trial-report", "site_id": "e2e-site", "premoderate": True}
    )
    # Give every classifier time to see the context before the comment.
    await asyncio.sleep(1.0)
    event = comment_event(CLEAN, article_id="trial-report")
    await client.publish_comment(event)
    [decision] = (await client.decisions_for([event["comment_id"]]))[event["comment_id"]]
    assert decision["decision"] == "hold"
    assert decision["reasons"][0]["code"] == "PREMODERATED_ARTICLE"


async def test_malformed_records_are_dead_lettered_and_the_worker_keeps_serving(classifier, client):
    await client.follow(COMMENTS_SUBMITTED_DLQ.name)
    await client.send(
        COMMENTS_SUBMITTED.name, b"{this is not json", key="bad-1", headers=[("origin", b"e2e")]
    )
    await client.send(
        COMMENTS_SUBMITTED.name, json.dumps({"comment_id": "x"}).encode(), key="bad-2"
    )
    after = comment_event(CLEAN)
    await client.publish_comment(after)

    dead = await client.collect(COMMENTS_SUBMITTED_DLQ.name, lambda rs: len(rs) >= 2)
    by_key = {r.key: r for r in dead}
    first = dict(by_key[b"bad-1"].headers)
    assert by_key[b"bad-1"].value == b"{this is not json"
    assert first["x-dlq-reason"] == b"INVALID_JSON"
    assert first["origin"] == b"e2e"
    assert dict(by_key[b"bad-2"].headers)["x-dlq-reason"] == b"SCHEMA_VIOLATION"

    found = await client.decisions_for([after["comment_id"]])
    assert found[after["comment_id"]][0]["decision"] == "approve"
    assert classifier.process.poll() is None
    assert classifier.get("/ready")[0] == 200
