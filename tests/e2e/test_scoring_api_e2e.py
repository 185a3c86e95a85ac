"""The scoring-api role as a real process on the embedded broker, beside a real comment
store: a signed Coral phase request puts Coral's comment on comments.submitted and our
decision on moderation.decisions, and the store serves it; a Perspective analyze call
(doNotStore) publishes nothing."""

from __future__ import annotations

import asyncio
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from moderation.adapters.embedded_broker import EmbeddedBroker
from moderation.adapters.processes import RoleProcess
from moderation.scoring_api.coral import SIGNATURE_HEADER, sign
from moderation.topics import COMMENTS_SUBMITTED, MODERATION_DECISIONS
from tests.pipeline_client import TOXIC, PipelineClient
from tests.roles import TEST_SITE, site_api_key, start_role, store_status_becomes

pytestmark = pytest.mark.e2e

CORAL_SITE = "5d0f3c3e-6a51-4b9b-9f0e-0c8e2f1d7a10"
SECRET = "whsec-e2e-coral-secret"


@pytest.fixture(scope="module")
def roles(broker: EmbeddedBroker) -> Iterator[tuple[RoleProcess, RoleProcess]]:
    """The comment store and the scoring API sharing one data dir (the store's database
    holds the site API keys the scoring API checks)."""
    data = Path(tempfile.mkdtemp(prefix="moderation-scoring-e2e-"))
    sites = data / "coral-sites.yaml"
    sites.write_text(
        yaml.safe_dump({TEST_SITE: {"coral_site_ids": [CORAL_SITE], "signing_secrets": [SECRET]}})
    )
    store = start_role(broker, "comment-store", MODERATION_DATA_DIR=str(data))
    try:
        scoring = start_role(
            broker,
            "scoring-api",
            MODERATION_DATA_DIR=str(data),
            MODERATION_SCORING_CORAL_SITES_FILE=str(sites),
            MODERATION_SCORING_CORAL_DEADLINE_MS="5000",  # a shared, busy test machine
        )
    except Exception:
        store.stop()
        raise
    yield store, scoring
    scoring.stop()
    store.stop()


def phase_request(body: str, story: str) -> bytes:
    """Coral's documented External Moderation Request, serialised as Coral does."""
    request = {
        "action": "NEW",
        "comment": {"body": body, "parentID": None},
        "author": {"id": "coral-reader-1", "role": "COMMENTER"},
        "story": {"id": story, "url": f"https://news.example/{story}"},
        "site": {"id": CORAL_SITE},
        "tenantID": "19ba5794-7eeb-4d46-a81b-c00c61672501",
        "tenantDomain": "news.example",
    }
    return json.dumps(request, indent=2).encode()


async def test_coral_phase_reaches_kafka_and_the_store(
    roles: tuple[RoleProcess, RoleProcess], broker: EmbeddedBroker
) -> None:
    store, scoring = roles
    client = PipelineClient(broker.bootstrap)
    await client.start()
    try:
        await client.follow(COMMENTS_SUBMITTED.name)
        await client.follow(MODERATION_DECISIONS.name)
        raw = phase_request(TOXIC, "coral-story-1")
        async with httpx.AsyncClient(base_url=scoring.url, timeout=30) as http:
            forged = await http.post(
                "/coral/phase",
                content=raw,
                headers={"Content-Type": "application/json", SIGNATURE_HEADER: sign(raw, "x")},
            )
            answer = await http.post(
                "/coral/phase",
                content=raw,
                headers={"Content-Type": "application/json", SIGNATURE_HEADER: sign(raw, SECRET)},
            )
        assert forged.status_code == 401
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == "SYSTEM_WITHHELD"

        submitted = await client.collect(COMMENTS_SUBMITTED.name, lambda r: len(r) >= 1)
        comment = json.loads(submitted[0].value)
        assert comment["site_id"] == TEST_SITE and comment["body"] == TOXIC
        assert comment["article_id"] == "coral-story-1"
        assert submitted[0].key.decode() == comment["comment_id"]
        decisions = await client.decisions_for([comment["comment_id"]])
        (decision,) = decisions[comment["comment_id"]]
        assert decision["decision"] == "hold"
        assert decision["comment"]["body"] == TOXIC
        # Nothing from the forged request, however late.
        assert len(await client.collect(COMMENTS_SUBMITTED.name, lambda r: False, 1)) == 1

        stored = await store_status_becomes(store, comment["comment_id"], "held")
        assert stored["body"] == TOXIC
        assert stored["article_id"] == "coral-story-1"
    finally:
        await client.stop()


async def test_analyze_with_do_not_store_publishes_nothing(
    roles: tuple[RoleProcess, RoleProcess], broker: EmbeddedBroker
) -> None:
    _, scoring = roles
    key = site_api_key(scoring.env, TEST_SITE)
    client = PipelineClient(broker.bootstrap)
    await client.start()
    try:
        await client.follow(COMMENTS_SUBMITTED.name)
        await client.follow(MODERATION_DECISIONS.name)
        async with httpx.AsyncClient(base_url=scoring.url, timeout=30) as http:
            before = (await http.get("/stats")).json()
            answer = await http.post(
                "/v1alpha1/comments:analyze",
                params={"key": key},
                json={
                    "comment": {"text": TOXIC},
                    "requestedAttributes": {"TOXICITY": {}},
                    "doNotStore": True,
                },
            )
            assert answer.status_code == 200, answer.text
            assert answer.json()["attributeScores"]["TOXICITY"]["summaryScore"]["value"] > 0.5
            await asyncio.sleep(2)  # long enough for a publish the store would have seen
            after = (await http.get("/stats")).json()
        for topic in (COMMENTS_SUBMITTED.name, MODERATION_DECISIONS.name):
            assert await client.collect(topic, lambda r: False, timeout_s=1) == []
        assert after["kafka_published"] == before["kafka_published"]
        assert after["analyze"] == before["analyze"] + 1
    finally:
        await client.stop()
