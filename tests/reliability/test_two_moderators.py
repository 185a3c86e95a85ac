"""Two moderators act on one held comment at the same moment, against the real queue
process: exactly one action wins, the other is told why, one review reaches the store."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from tests.pipeline_client import TOXIC, comment_event
from tests.queue_helpers import PASSWORD, add_user_with_cli, csrf_from
from tests.reliability.conftest import record_fault
from tests.roles import start_classifier, start_role

pytestmark = pytest.mark.reliability


async def logged_in(base_url: str, username: str) -> tuple[httpx.AsyncClient, str]:
    client = httpx.AsyncClient(base_url=base_url, timeout=10)
    page = await client.get("/login")
    await client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": csrf_from(page.text)},
    )
    return client, csrf_from((await client.get("/")).text)


async def test_exactly_one_of_two_simultaneous_actions_wins(broker, client, tmp_path):
    for name in ("ana", "ben"):
        add_user_with_cli(tmp_path, name)
    env = {"MODERATION_DATA_DIR": str(tmp_path)}
    processes = [
        start_classifier(broker, name="race-classifier"),
        start_role(broker, "comment-store", name="race-store", **env),
        start_role(broker, "moderator-queue", name="race-queue", **env),
    ]
    queue, store = processes[2], processes[1]
    sessions = []
    try:
        events = [comment_event(TOXIC, article_id="race") for _ in range(10)]
        for event in events:
            await client.publish_comment(event)
        ana, ana_csrf = await logged_in(queue.url, "ana")
        ben, ben_csrf = await logged_in(queue.url, "ben")
        sessions = [ana, ben]
        for _ in range(100):
            page = (await ana.get("/")).text
            if all(f'data-comment-id="{e["comment_id"]}"' in page for e in events):
                break
            await asyncio.sleep(0.2)
        wins = conflicts = 0
        for event in events:
            path = f"/api/items/{event['comment_id']}/1"
            a, b = await asyncio.gather(
                ana.post(path + "/approve", headers={"x-csrf-token": ana_csrf}),
                ben.post(
                    path + "/reject",
                    headers={"x-csrf-token": ben_csrf},
                    json={"reason_code": "ABUSIVE"},
                ),
            )
            codes = sorted([a.status_code, b.status_code])
            assert codes == [200, 409], (codes, a.text, b.text)
            loser = a if a.status_code == 409 else b
            assert (
                "already" in loser.json()["detail"] or "working on this" in loser.json()["detail"]
            )
            wins += 1
            conflicts += 1
        final = {}
        for _ in range(100):
            final = {
                e["comment_id"]: json.loads(store.get(f"/comments/{e['comment_id']}")[1])
                for e in events
            }
            if all(f["status"] in ("published", "rejected") for f in final.values()):
                break
            await asyncio.sleep(0.2)
    finally:
        for session in sessions:
            await session.aclose()
        for process in processes:
            process.stop()
    moderator_entries = [
        [h for h in f["history"] if h["actor"] in ("ana", "ben")] for f in final.values()
    ]
    record_fault(
        "two moderators act on one item at once (x10)",
        len(events),
        wins,
        0,
        sum(len(m) - 1 for m in moderator_entries),
        f"conflicts answered 409 with a reason: {conflicts}",
    )
    assert all(len(m) == 1 for m in moderator_entries)  # one review per item reached the store
