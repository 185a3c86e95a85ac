"""Reader actions through the live pipeline: broker, classifier, comment store and moderator
queue as real processes. A moderator premoderates, bans and lifts a reader, and rejects all
of another reader's pending comments, through the queue's JSON API; the classifier follows
moderation.authors and the store shows the outcome."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import httpx
import pytest

from moderation.adapters.processes import RoleProcess
from tests.pipeline_client import CLEAN, TOXIC, comment_event
from tests.queue_helpers import PASSWORD, add_user_with_cli, csrf_from
from tests.roles import TEST_SITE, start_classifier, start_role, store_status_becomes

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def queue_env(tmp_path_factory) -> dict[str, str]:
    """The store's and the queue's data directory (the queue keeps it across a restart)."""
    data = tmp_path_factory.mktemp("readers")
    add_user_with_cli(data, "maria")
    return {"MODERATION_DATA_DIR": str(data)}


@pytest.fixture(scope="module")
def system(broker, queue_env):
    env = queue_env
    processes = {
        "classifier": start_classifier(broker),
        "store": start_role(broker, "comment-store", **env),
        "queue": start_role(broker, "moderator-queue", **env),
    }
    yield processes
    for process in processes.values():
        process.stop()


def moderator(queue: RoleProcess) -> httpx.Client:
    http = httpx.Client(base_url=queue.url, timeout=10)
    token = csrf_from(http.get("/login").text)
    http.post("/login", data={"username": "maria", "password": PASSWORD, "csrf_token": token})
    http.headers["x-csrf-token"] = csrf_from(http.get("/").text)
    return http


def applied(classifier: RoleProcess) -> int:
    return int(json.loads(classifier.get("/reader-table")[1])["applied"])


async def until(check, what: str, timeout_s: float = 30.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if found := check():
            return found
        await asyncio.sleep(0.2)
    raise AssertionError(f"never: {what}")


def by(author: str, body: str) -> dict:
    return comment_event(body, author={"id": author, "display_name": "Troll"})


async def set_status(http, classifier, author: str, status: str, reason: str = "ABUSIVE"):
    """Change a reader's status and wait until the classifier has applied it."""
    before = applied(classifier)
    answer = http.post(
        f"/api/readers/{TEST_SITE}/{author}/status",
        json={"status": status, "reason_code": reason, "note": f"e2e {status}"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == status
    await until(lambda: applied(classifier) > before, f"the classifier applies {status}")


async def test_premoderate_ban_and_lift_a_reader(system, client):
    classifier, store, queue = system["classifier"], system["store"], system["queue"]
    http = moderator(queue)
    author = f"troll-{uuid.uuid4().hex[:6]}"
    first = by(author, CLEAN)
    await client.publish_comment(first)
    await store_status_becomes(store, first["comment_id"], "published")
    # The queue records approvals too: the reader is known once their decision is in.
    await until(
        lambda: http.get(f"/api/readers/{TEST_SITE}/{author}").status_code == 200,
        "the queue knows the reader",
    )

    await set_status(http, classifier, author, "premoderated")
    premoderated = by(author, CLEAN)
    await client.publish_comment(premoderated)
    held = await store_status_becomes(store, premoderated["comment_id"], "held")
    [decision] = (await client.decisions_for([premoderated["comment_id"]]))[
        premoderated["comment_id"]
    ]
    assert [r["code"] for r in decision["reasons"]] == ["PREMODERATED_READER"]
    assert "PREMODERATED_READER" in json.dumps(held)

    await set_status(http, classifier, author, "banned")
    banned = by(author, CLEAN)
    await client.publish_comment(banned)
    # Rejected in the store with no moderator acting: the queue rejects it on arrival.
    await store_status_becomes(store, banned["comment_id"], "rejected")
    [decision] = (await client.decisions_for([banned["comment_id"]]))[banned["comment_id"]]
    assert [r["code"] for r in decision["reasons"]] == ["BANNED_READER"]

    await set_status(http, classifier, author, "none", reason="OTHER")
    lifted = by(author, CLEAN)
    await client.publish_comment(lifted)
    await store_status_becomes(store, lifted["comment_id"], "published")

    reader = http.get(f"/api/readers/{TEST_SITE}/{author}").json()
    assert (reader["comments"], reader["held"], reader["rejected"]) == (4, 2, 1)
    assert reader["status"] == "none" and reader["status_by"] == "maria"
    assert reader["open_items"] == 1  # the premoderated one still waits
    assert [r["outcome"] for r in reader["recent"]] == ["approved", "rejected", "held", "approved"]
    audit = http.get("/audit").text
    for action in ("premoderate_reader", "ban_reader", "lift_reader", "ban_auto_reject"):
        assert action in audit, action


async def test_reject_all_pending_rejects_every_open_item_in_the_store(
    system, client, broker, queue_env
):
    classifier, store, queue = system["classifier"], system["store"], system["queue"]
    http = moderator(queue)
    author = f"flooder-{uuid.uuid4().hex[:6]}"
    pending = [by(author, TOXIC) for _ in range(3)]
    for event in pending:
        await client.publish_comment(event)
    for event in pending:
        await store_status_becomes(store, event["comment_id"], "held")
    url = f"/api/readers/{TEST_SITE}/{author}"
    await until(
        lambda: http.get(url).status_code == 200 and http.get(url).json()["open_items"] == 3,
        "three open items",
    )

    answer = http.post(f"{url}/reject-pending", json={"reason_code": "SPAM", "note": "flood"})
    assert answer.json() == {"rejected": 3, "skipped": []}
    for event in pending:
        await store_status_becomes(store, event["comment_id"], "rejected")
    reader = http.get(url).json()
    assert (reader["rejected"], reader["open_items"], reader["rejection_rate"]) == (3, 0, 1.0)

    # A restarted queue sends every status again (a memory-only broker that restarted has
    # lost them): the classifier sees one more record for this premoderated reader.
    await set_status(http, classifier, author, "premoderated", reason="SPAM")
    before = applied(classifier)
    queue.stop()
    # The same database: the queue's is the source of truth.
    system["queue"] = start_role(broker, "moderator-queue", **queue_env)
    await until(lambda: applied(classifier) > before, "the restarted queue republishes")
