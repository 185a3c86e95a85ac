"""Shared helpers for moderator-queue tests: a migrated database with users and held items."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from moderation.db import make_engine, migrate
from moderation.domain.events import CommentModerated, Decision, ModelRef, Reason, Span
from moderation.domain.labels import ReasonCode
from moderation.queue.auth import add_user
from moderation.queue.repository import add_held
from moderation.settings import ModerationSettings, queue_dsn
from tests.fakes import comment

PASSWORD = "correct-horse-battery"
XSS_BODY = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> hi'


def held_decision(
    comment_id: str,
    body: str = "You utter idiot, Evans is guilty.",
    article_id: str = "a1",
    site_id: str = "site",
    section: str | None = None,
    legal: bool = True,
) -> CommentModerated:
    reasons = [Reason(code=ReasonCode.INSULT, label="insult", score=0.93, threshold=0.8)]
    if legal and "Evans" in body:
        start = body.index("Evans")
        reasons.append(
            Reason(
                code=ReasonCode.LEGAL_CONTEMPT,
                spans=[
                    Span(
                        start=start,
                        end=start + 5,
                        text="Evans",
                        term="Mark Evans",
                        category="defendant",
                    ),
                ],
            )
        )
    return CommentModerated(
        comment_id=comment_id,
        article_id=article_id,
        revision=1,
        decision=Decision.HOLD,
        reasons=reasons,
        scores={"toxicity": 0.91, "insult": 0.93},
        model=ModelRef(backend="fake", version="1"),
        policy_version="p1",
        comment=comment(
            body, comment_id=comment_id, article_id=article_id, site_id=site_id, section=section
        ),
    )


def prepare_queue_db(
    data_dir: Path, decisions: list[CommentModerated], users: tuple[str, ...] = ("alice", "bob")
) -> ModerationSettings:
    settings = ModerationSettings(data_dir=data_dir)

    async def setup() -> None:
        engine = make_engine(queue_dsn(settings))
        await migrate(engine, "queue")
        async with engine.begin() as conn:
            for name in users:
                await add_user(conn, name, PASSWORD, "moderator")
            for decision in decisions:
                await add_held(conn, decision, None)
        await engine.dispose()

    asyncio.run(setup())
    return settings


def add_user_with_cli(data_dir: Path, username: str) -> None:
    """Create a moderator the way an operator does: with `moderation users add`."""
    import subprocess
    import sys

    subprocess.run(
        [
            sys.executable,
            "-m",
            "moderation.entrypoints.cli",
            "users",
            "add",
            "--data-dir",
            str(data_dir),
            "--username",
            username,
            "--password",
            PASSWORD,
        ],
        check=True,
        capture_output=True,
    )


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf-token" content="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token in the page"
    return match.group(1)
