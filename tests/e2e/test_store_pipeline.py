"""Comment store as a real process: HTTP submission, decisions and reviews from the broker."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from moderation.domain.events import CommentReviewed, ReviewOutcome
from moderation.domain.labels import ReviewReason
from moderation.topics import MODERATION_DECISIONS, MODERATION_REVIEWS
from tests.pipeline_client import CLEAN, TOXIC
from tests.roles import start_classifier, start_role

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def system(broker, tmp_path_factory):
    data = tmp_path_factory.mktemp("store")
    created = subprocess.run(
        [
            *(sys.executable, "-m", "moderation.entrypoints.cli"),
            *("api-keys", "create", "--site-id", "e2e", "--data-dir", str(data)),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    classifier = start_classifier(broker)
    store = start_role(broker, "comment-store", MODERATION_DATA_DIR=str(data))
    store.api_key = created.stdout.strip().splitlines()[-1]
    yield store
    store.stop()
    classifier.stop()


def post(store, payload) -> tuple[int, dict]:
    request = urllib.request.Request(
        store.url + "/comments",
        data=json.dumps(payload).encode(),
        headers={"content-type": "application/json", **auth(store)},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def auth(store) -> dict[str, str]:
    return {"authorization": f"Bearer {store.api_key}"}


def get(store, path: str) -> tuple[int, bytes]:
    """GET with the site's key (it sees every status, the history included)."""
    request = urllib.request.Request(store.url + path, headers=auth(store))
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


async def status_becomes(store, comment_id, wanted, timeout_s=30.0) -> dict:
    deadline = time.monotonic() + timeout_s
    found: dict = {}
    while time.monotonic() < deadline:
        code, body = get(store, f"/comments/{comment_id}")
        if code == 200:
            found = json.loads(body)
            if found["status"] == wanted:
                return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"{comment_id} never became {wanted}: {found}")


def new_comment(comment_id, body, **extra):
    return {
        "comment_id": comment_id,
        "article_id": "store-article",
        "site_id": "e2e",
        "author": {"id": "reader-9", "display_name": "Nine"},
        "body": body,
        **extra,
    }


async def test_http_submissions_flow_to_published_and_held(system):
    code, accepted = post(system, new_comment("s-clean", CLEAN))
    assert code == 202 and accepted["status"] == "pending"
    assert post(system, new_comment("s-toxic", TOXIC))[0] == 202
    assert post(system, new_comment("s-reply", CLEAN, parent_id="s-clean"))[0] == 202
    assert post(system, {"comment_id": "bad"})[0] == 422

    published = await status_becomes(system, "s-clean", "published")
    held = await status_becomes(system, "s-toxic", "held")
    assert [h["status"] for h in published["history"]] == ["pending", "published"]
    assert "TOXICITY" in held["reason_codes"]
    await status_becomes(system, "s-reply", "published")
    code, body = get(system, "/articles/store-article/comments")
    threads = json.loads(body)["comments"]
    assert [t["comment_id"] for t in threads] == ["s-clean"]
    assert threads[0]["replies"][0]["comment_id"] == "s-reply"


async def test_a_review_outranks_a_late_automatic_decision(system, client):
    assert post(system, new_comment("s-reviewed", TOXIC))[0] == 202
    held = await status_becomes(system, "s-reviewed", "held")
    review = CommentReviewed(
        comment_id="s-reviewed",
        revision=1,
        outcome=ReviewOutcome.APPROVED,
        reason_code=ReviewReason.APPROVED,
        moderator_id="mod-1",
    )
    await client.send(MODERATION_REVIEWS.name, review.model_dump_json().encode(), "s-reviewed")
    await status_becomes(system, "s-reviewed", "published")
    # A redelivered automatic decision (new event id, hold) must not undo the review.
    late = dict(held)
    decision = {
        "event_id": "late-decision",
        "comment_id": "s-reviewed",
        "article_id": "store-article",
        "revision": 1,
        "decision": "hold",
        "reasons": [{"code": "TOXICITY"}],
        "scores": {},
        "model": {"backend": "t", "version": "1"},
        "policy_version": "p",
        "comment": new_comment("s-reviewed", TOXIC),
    }
    await client.send(MODERATION_DECISIONS.name, json.dumps(decision).encode(), "s-reviewed")
    await asyncio.sleep(2.0)
    final = json.loads(get(system, "/comments/s-reviewed")[1])
    assert final["status"] == "published" and late["status"] == "held"
    assert final["history"][-1]["actor"] == "mod-1"
