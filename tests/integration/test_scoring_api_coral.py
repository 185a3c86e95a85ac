"""Coral's External Moderation Phase, replayed as Coral sends it: the documented request
(docs.coralproject.net/external-moderation-phases), serialised as Coral does
(JSON.stringify(request, null, 2)) and signed as its webhooks are (X-Coral-Signature:
sha256=<HMAC-SHA256 of the raw body>, docs.coralproject.net/webhooks), against a real
server; a forged signature, an unknown site, a rotated secret, and a decision too slow for
the phase's timeout. What would go to Kafka is caught by a fake broker."""

from __future__ import annotations

import asyncio
import contextlib
import json
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

from moderation.adapters.article_table import ArticleTable
from moderation.domain.events import ArticleContext, CommentModerated, CommentSubmitted
from moderation.domain.policy import load_policy
from moderation.scoring_api.config import ScoringApiSettings
from moderation.scoring_api.coral import (
    CoralConfigError,
    CoralSite,
    CoralSites,
    sign,
    signature_valid,
)
from moderation.scoring_api.publishing import Publisher
from moderation.scoring_api.service import create_app
from moderation.service_layer.bootstrap import build_risk_checker
from moderation.service_layer.classify import Classifier
from moderation.settings import ModerationSettings
from moderation.topics import COMMENTS_SUBMITTED, MODERATION_DECISIONS
from tests.fakes import KeywordScorer
from tests.integration.scoring_api_server import fake_lookup, serving

SECRET = "whsec-coral-test-secret"
OLD_SECRET = "whsec-coral-old-secret"
CORAL_SITE = "a4bede88-2d2c-4424-bc18-4322a9e285a6"
SITES = CoralSites([CoralSite("news", frozenset({CORAL_SITE}), (SECRET,))])


def phase_request(body: str, story: str = "245b3856-b0a0-4d2f-a6bb-58c71f18d6a6") -> bytes:
    """The documented example, with Coral's own serialisation (two-space indent)."""
    request = {
        "action": "NEW",
        "comment": {"body": body, "parentID": None},
        "author": {"id": "baf4e943-3594-4fcc-b2ba-3e8de7a76352", "role": "COMMENTER"},
        "story": {"id": story, "url": "http://localhost:1313/posts/a-story-url/"},
        "site": {"id": CORAL_SITE},
        "tenantID": "19ba5794-7eeb-4d46-a81b-c00c61672501",
        "tenantDomain": "localhost",
    }
    return json.dumps(request, indent=2).encode()


class FakeBroker:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, bytes]] = []

    async def publish(self, value: bytes, topic: str, key: bytes, headers: Any) -> None:
        self.sent.append((topic, key, value))

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class SlowScorer(KeywordScorer):
    def __init__(self, delay_s: float) -> None:
        super().__init__()
        self.delay_s = delay_s

    def score_batch(self, texts: Sequence[str]) -> list[dict[str, float]]:
        time.sleep(self.delay_s)
        return super().score_batch(texts)


def classifier(scorer: Any, table: ArticleTable) -> Classifier:
    settings = ModerationSettings(data_dir=Path(tempfile.mkdtemp()))
    return Classifier(
        scorer=scorer,
        policy=load_policy(None),
        articles=table.get,
        risks=build_risk_checker(settings),  # the classifier's own legal checks
    )


@contextlib.contextmanager
def coral_server(
    scorer: Any = None, deadline_ms: float = 2_000, approve: str = "NONE"
) -> Iterator[tuple[str, FakeBroker]]:
    table = ArticleTable()
    table.apply(
        b"trial-story",
        ArticleContext(
            article_id="trial-story",
            site_id="news",
            active_proceedings=[{"defendants": ["Mark Evans"]}],
        )
        .model_dump_json()
        .encode(),
    )
    broker = FakeBroker()
    app = create_app(
        settings=ModerationSettings(data_dir=Path(tempfile.mkdtemp())),
        api=ScoringApiSettings(coral_deadline_ms=deadline_ms, coral_approve=approve),
        classifier=classifier(scorer or KeywordScorer(), table),
        site_lookup=fake_lookup,
        coral_sites=SITES,
        table=table,
        publisher=Publisher(None, broker=broker),
    )
    with serving(app) as url:
        yield url, broker


def post(url: str, raw: bytes, signature: str | None) -> httpx.Response:
    headers = {"Content-Type": "application/json", "User-Agent": "Coral Moderation/9.0.0"}
    if signature is not None:
        headers["X-Coral-Signature"] = signature
    return httpx.post(f"{url}/coral/phase", content=raw, headers=headers, timeout=30)


def published(broker: FakeBroker, count: int) -> list[tuple[str, bytes, bytes]]:
    deadline = time.monotonic() + 10
    while len(broker.sent) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return broker.sent


def test_signature_checks_follow_corals_scheme() -> None:
    raw = phase_request("hello")
    good = sign(raw, SECRET)
    assert signature_valid(raw, good, (SECRET,))
    assert signature_valid(raw, f"{sign(raw, OLD_SECRET)},{good}", (SECRET,))  # rotated
    assert not signature_valid(raw, sign(raw, "guess"), (SECRET,))
    assert not signature_valid(raw + b" ", good, (SECRET,))  # body changed after signing
    assert not signature_valid(raw, good.replace("sha256=", "sha1="), (SECRET,))
    assert not signature_valid(raw, None, (SECRET,))


def test_coral_phase_decides_and_publishes() -> None:
    with coral_server() as (url, broker):
        toxic = phase_request("You are an idiot.")
        held = post(url, toxic, sign(toxic, SECRET))
        assert held.status_code == 200, held.text
        answer = held.json()
        assert answer["status"] == "SYSTEM_WITHHELD"
        assert {a["actionType"] for a in answer["actions"]} == {"FLAG"}
        assert {a["reason"] for a in answer["actions"]} == {"COMMENT_DETECTED_TOXIC"}
        assert any(a["additionalDetails"].startswith("TOXICITY") for a in answer["actions"])
        sent = published(broker, 2)
        topics = [topic for topic, _, _ in sent]
        assert topics == [COMMENTS_SUBMITTED.name, MODERATION_DECISIONS.name]
        comment = CommentSubmitted.model_validate_json(sent[0][2])
        decision = CommentModerated.model_validate_json(sent[1][2])
        assert comment.site_id == "news"
        assert comment.article_id == "245b3856-b0a0-4d2f-a6bb-58c71f18d6a6"
        assert comment.author.id == "baf4e943-3594-4fcc-b2ba-3e8de7a76352"
        assert sent[0][1] == sent[1][1] == comment.comment_id.encode()
        assert decision.comment_id == comment.comment_id
        assert decision.decision == "hold"

        fine = phase_request("A fair point, well made.")
        nothing = post(url, fine, sign(fine, SECRET))
        assert nothing.status_code == 204 and nothing.content == b""

        contempt = phase_request("Mark Evans is obviously guilty.", story="trial-story")
        legal = post(url, contempt, sign(contempt, SECRET)).json()
        assert legal["status"] == "SYSTEM_WITHHELD"
        assert any(a["additionalDetails"].startswith("LEGAL_CONTEMPT") for a in legal["actions"])


def test_coral_phase_can_approve() -> None:
    with coral_server(approve="APPROVED") as (url, _):
        fine = phase_request("A fair point, well made.")
        assert post(url, fine, sign(fine, SECRET)).json() == {"status": "APPROVED"}


def test_forged_missing_and_unknown_site_are_refused() -> None:
    with coral_server() as (url, broker):
        raw = phase_request("You are an idiot.")
        forged = post(url, raw, sign(raw, "not-the-secret"))
        assert forged.status_code == 401
        assert post(url, raw, None).status_code == 401
        tampered = post(url, raw.replace(b"idiot", b"angel"), sign(raw, SECRET))
        assert tampered.status_code == 401
        other = raw.replace(CORAL_SITE.encode(), b"some-other-site")
        assert post(url, other, sign(other, SECRET)).status_code == 403
        assert post(url, b"[]", sign(b"[]", SECRET)).status_code == 400
        time.sleep(0.2)
        assert broker.sent == []  # nothing refused reaches Kafka


def test_a_decision_too_slow_for_the_phase_timeout_fails_closed() -> None:
    with coral_server(scorer=SlowScorer(0.5), deadline_ms=100) as (url, broker):
        raw = phase_request("A fair point, well made.")
        started = time.perf_counter()
        answer = post(url, raw, sign(raw, SECRET))
        took = time.perf_counter() - started
        assert took < 0.4, took  # answered within the deadline, not after the model
        assert answer.json()["status"] == "SYSTEM_WITHHELD"
        assert "SCORER_ERROR" in answer.json()["actions"][0]["additionalDetails"]
        # The decision is still made, and published for the store and the queue.
        sent = published(broker, 2)
        assert [t for t, _, _ in sent] == [COMMENTS_SUBMITTED.name, MODERATION_DECISIONS.name]
        assert CommentModerated.model_validate_json(sent[1][2]).decision == "approve"


def test_sites_file(tmp_path: Path) -> None:
    path = tmp_path / "coral-sites.yaml"
    path.write_text(
        "news:\n  coral_site_ids: [abc]\n  signing_secrets: [s1, s2]\n", encoding="utf-8"
    )
    sites = CoralSites.load(path)
    site = sites.for_coral_site("abc")
    assert site is not None and site.site_id == "news" and site.signing_secrets == ("s1", "s2")
    assert CoralSites.load(tmp_path / "missing.yaml").sites == []
    path.write_text("news: {coral_site_ids: [abc]}\n", encoding="utf-8")
    with pytest.raises(CoralConfigError, match="signing_secrets"):
        CoralSites.load(path)


async def test_kafka_off_says_so(caplog: pytest.LogCaptureFixture) -> None:
    publisher = Publisher(None)
    await publisher.start()
    assert "Kafka is OFF" in caplog.text
    assert publisher.state() == "off"
    loop = asyncio.get_running_loop()
    publisher.publish_later(
        CommentSubmitted.model_validate(
            {
                "comment_id": "c",
                "article_id": "a",
                "site_id": "s",
                "author": {"id": "r"},
                "body": "b",
            }
        ),
        loop.create_future(),
    )
    assert publisher.stats["not_published_kafka_off"] == 1
