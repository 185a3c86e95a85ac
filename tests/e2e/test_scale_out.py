"""Three classifiers in one group on 6 partitions; one is killed with SIGKILL and another
started mid-stream. Every comment is decided; duplicates are allowed and counted."""

from __future__ import annotations

import asyncio
import json

import pytest

from tests.pipeline_client import comment_event
from tests.roles import start_classifier

pytestmark = pytest.mark.e2e

COMMENTS = 3000


async def test_scale_out_kill_and_replace_loses_nothing(broker, client):
    workers = [start_classifier(broker, name=f"scale-{i}") for i in range(3)]
    events = [comment_event(f"Comment number {i} on the budget story.") for i in range(COMMENTS)]
    try:
        for event in events[: COMMENTS // 2]:
            await client.publish_comment(event)
        await client.collect("moderation.decisions", lambda rs: len(rs) >= 300, timeout_s=60)
        workers[0].kill()
        workers.append(start_classifier(broker, name="scale-3"))
        for event in events[COMMENTS // 2 :]:
            await client.publish_comment(event)
        found = await client.decisions_for([e["comment_id"] for e in events], timeout_s=120)
        await asyncio.sleep(1.0)
        stats = [json.loads(w.get("/stats")[1]) for w in workers[1:]]
    finally:
        for worker in workers:
            worker.stop()
    missing = [e["comment_id"] for e in events if e["comment_id"] not in found]
    duplicates = sum(len(v) - 1 for v in found.values())
    print(
        f"scale-out: sent {COMMENTS}, decided {len(found)}, lost {len(missing)}, "
        f"duplicates {duplicates}, per surviving worker {[s['decided'] for s in stats]}"
    )
    assert missing == []
    # The partitions were rebalanced: every live worker, the new one included, did work.
    assert all(s["decided"] > 0 for s in stats)
