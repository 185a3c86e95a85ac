"""The moderator queue's web app on a real SQLite database (no broker needed for these)."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from moderation.domain.events import Reason, Span
from moderation.domain.labels import ReasonCode
from moderation.queue.app import create_app
from moderation.settings import KafkaSettings
from tests.queue_helpers import PASSWORD, XSS_BODY, csrf_from, held_decision, prepare_queue_db

NO_BROKER = KafkaSettings(bootstrap_servers="127.0.0.1:1")


@pytest.fixture
def settings(tmp_path):
    decisions = [held_decision(f"c{i}") for i in range(4)]
    decisions.append(held_decision("xss", body=XSS_BODY, legal=False))
    decisions.append(held_decision("sport-1", site_id="other", section="sport", legal=False))
    return prepare_queue_db(tmp_path, decisions)


@pytest.fixture
def app(settings):
    return create_app(kafka=NO_BROKER, settings=settings)


def login(client: TestClient, username: str = "alice", password: str = PASSWORD):
    page = client.get("/login")
    return client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": csrf_from(page.text),
            "next": "/",
        },
        follow_redirects=False,
    )


def session(app, username="alice") -> tuple[TestClient, str]:
    client = TestClient(app)
    client.__enter__()
    assert login(client, username).status_code == 303
    return client, csrf_from(client.get("/").text)


@pytest.mark.parametrize("path", ["/", "/audit", "/items/c1/1", "/?category=legal"])
def test_pages_redirect_to_login_without_a_session(app, path):
    with TestClient(app) as client:
        response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize(
    "method,path",
    [
        ("get", "/api/stats"),
        ("get", "/events"),
        ("post", "/api/items/c1/1/approve"),
        ("post", "/api/items/c1/1/claim"),
        ("post", "/api/bulk"),
    ],
)
def test_api_needs_a_session(app, method, path):
    with TestClient(app) as client:
        assert getattr(client, method)(path).status_code == 401


def test_health_and_login_page_need_no_session(app):
    with TestClient(app) as client:
        assert client.get("/health").status_code == 200
        page = client.get("/login")
    assert page.status_code == 200
    assert 'name="username"' in page.text and 'name="password"' in page.text


def test_login_sets_a_safe_cookie(app):
    with TestClient(app) as client:
        ok = login(client, "bob")
    assert ok.status_code == 303
    cookie = ok.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie


def test_wrong_passwords_are_rate_limited_per_user_and_client(app):
    with TestClient(app) as client:
        assert (
            login(client, password="wrong-password").headers["location"].startswith("/login?error=")
        )
        for _ in range(4):
            login(client, password="wrong-password")
        limited = login(client)  # even the right password waits now
        assert limited.status_code == 429 and "try again" in limited.json()["detail"]
        assert int(limited.headers["retry-after"]) > 0
    # Another address is not locked out of the account (tests/e2e/test_queue_security.py
    # has the per-address and per-account limits).
    with TestClient(app, client=("203.0.113.9", 4000)) as elsewhere:
        assert login(elsewhere).status_code == 303


def test_login_form_needs_its_csrf_token(app):
    with TestClient(app) as client:
        client.get("/login")
        response = client.post("/login", data={"username": "alice", "password": PASSWORD})
    assert response.status_code == 403


def test_state_changing_requests_need_the_session_csrf_token(app):
    client, csrf = session(app)
    assert client.post("/api/items/c1/1/approve").status_code == 403
    assert (
        client.post("/api/items/c1/1/approve", headers={"x-csrf-token": "forged"}).status_code
        == 403
    )
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 403
    assert client.post("/api/items/c1/1/approve", headers={"x-csrf-token": csrf}).status_code == 200


def test_queue_page_shows_items_with_spans_scores_and_escaped_bodies(app):
    client, _ = session(app)
    page = client.get("/").text
    assert 'data-comment-id="c1"' in page
    assert '<mark title="Contempt of court risk: defendant">Evans</mark>' in page
    assert "Insult (0.93, holds at 0.80)" in page  # reasons in words, not codes
    assert "insult" in page and "0.93" in page
    assert "<script>window.__pwned" not in page
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in page
    assert "script-src 'self'" in client.get("/").headers["content-security-policy"]


def test_filters_by_category_site_and_section(app):
    client, _ = session(app)
    legal = client.get("/?category=legal").text
    assert 'data-comment-id="c1"' in legal and 'data-comment-id="sport-1"' not in legal
    sport = client.get("/?site=other&section=sport").text
    assert 'data-comment-id="sport-1"' in sport and 'data-comment-id="c1"' not in sport


def test_legal_reasons_show_their_sentence_and_threats_count_as_legal(tmp_path):
    body = "his address isn't hard to find"
    threat = Reason(
        code=ReasonCode.TARGETED_THREAT,
        spans=[Span(start=0, end=11, text="his address", term="his address", category="doxxing")],
        rule="threats.doxxing",
        subject="Cllr Peter Dawes",
        sentence="discloses or points to where Cllr Peter Dawes can be found",
    )
    decision = held_decision("t1", body=body, legal=False).model_copy(update={"reasons": [threat]})
    app = create_app(kafka=NO_BROKER, settings=prepare_queue_db(tmp_path, [decision]))
    client, _ = session(app)
    legal = client.get("/?category=legal").text
    assert 'data-comment-id="t1"' in legal
    sentence = "discloses or points to where Cllr Peter Dawes can be found"
    # In words: what kind of risk, then the sentence (which person, which rule).
    assert f'data-code="TARGETED_THREAT">Threat to an identifiable person: {sentence}</li>' in legal
    assert f'<mark title="Threat to an identifiable person: {sentence}">his address</mark>' in legal


def test_claims_block_a_second_moderator_until_released(app):
    alice, alice_csrf = session(app, "alice")
    bob, bob_csrf = session(app, "bob")
    assert alice.post("/api/items/c2/1/claim", headers={"x-csrf-token": alice_csrf}).json()["ok"]
    blocked = bob.post("/api/items/c2/1/approve", headers={"x-csrf-token": bob_csrf})
    assert blocked.status_code == 409 and "alice is working on this" in blocked.json()["detail"]
    assert "alice is working on this comment (claim ends" in bob.get("/").text
    assert bob.post("/api/items/c2/1/claim", headers={"x-csrf-token": bob_csrf}).status_code == 409
    alice.post("/api/items/c2/1/release", headers={"x-csrf-token": alice_csrf})
    assert bob.post("/api/items/c2/1/approve", headers={"x-csrf-token": bob_csrf}).json()["ok"]


def test_two_moderators_acting_at_once_exactly_one_wins(app):
    alice, alice_csrf = session(app, "alice")
    bob, bob_csrf = session(app, "bob")
    results = {}

    def act(name, client, csrf):
        results[name] = client.post(
            "/api/items/c3/1/reject",
            json={"reason_code": "ABUSIVE"},
            headers={"x-csrf-token": csrf},
        )

    threads = [
        threading.Thread(target=act, args=a)
        for a in (("alice", alice, alice_csrf), ("bob", bob, bob_csrf))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(r.status_code for r in results.values())
    assert codes == [200, 409]
    loser = next(r for r in results.values() if r.status_code == 409)
    assert "already rejected by" in loser.json()["detail"] or "working on" in loser.json()["detail"]


def test_bulk_actions_report_each_item(app, settings):
    alice, alice_csrf = session(app, "alice")
    bob, bob_csrf = session(app, "bob")
    bob.post("/api/items/c1/1/claim", headers={"x-csrf-token": bob_csrf})
    response = alice.post(
        "/api/bulk",
        headers={"x-csrf-token": alice_csrf},
        json={
            "action": "reject",
            "reason_code": "SPAM",
            "note": "bulk spam",
            "items": [{"comment_id": c, "revision": 1} for c in ("c0", "c1", "c2")],
        },
    ).json()
    assert [(r["comment_id"], r["ok"]) for r in response["results"]] == [
        ("c0", True),
        ("c1", False),
        ("c2", True),
    ]
    page = alice.get("/").text
    assert 'data-comment-id="c0"' not in page and 'data-comment-id="c1"' in page
    reviews = _outbox(settings)
    assert {(r["comment_id"], r["outcome"], r["reason_code"]) for r in reviews} == {
        ("c0", "rejected", "SPAM"),
        ("c2", "rejected", "SPAM"),
    }


def test_audit_page_and_stats(app):
    alice, csrf = session(app, "alice")
    alice.post("/api/items/c0/1/approve", headers={"x-csrf-token": csrf})
    alice.post(
        "/api/items/c1/1/reject",
        headers={"x-csrf-token": csrf},
        json={"reason_code": "HATE_SPEECH", "note": "targets a group"},
    )
    audit = alice.get("/audit").text
    assert "HATE_SPEECH" in audit and "targets a group" in audit and "alice" in audit
    stats = alice.get("/api/stats").json()
    assert stats["depth"] == 4
    assert stats["actions_per_moderator_per_day"][0]["actions"] == 2


def test_reject_needs_a_reject_reason(app):
    alice, csrf = session(app, "alice")
    response = alice.post(
        "/api/items/c0/1/reject", headers={"x-csrf-token": csrf}, json={"reason_code": "APPROVED"}
    )
    assert response.status_code == 422


def _outbox(settings):
    import json as _json

    from moderation.settings import queue_dsn

    engine = sa.create_engine(queue_dsn(settings).replace("+aiosqlite", ""))
    with engine.connect() as conn:
        rows = conn.execute(sa.text("select payload from outbox")).all()
    engine.dispose()
    return [_json.loads(r[0]) for r in rows]


async def test_metrics_gauges_read_open_items_and_the_report_is_bounded(settings):
    from datetime import UTC, datetime, timedelta

    from moderation.db import make_engine
    from moderation.queue import repository as repo
    from moderation.queue.tables import audit_log
    from moderation.settings import queue_dsn

    now = datetime.now(UTC)
    engine = make_engine(queue_dsn(settings))
    async with engine.begin() as conn:
        for days_ago in (0, 0, 1, repo.REPORT_DAYS):
            await conn.execute(
                sa.insert(audit_log).values(
                    at=now - timedelta(days=days_ago), moderator="alice", action=repo.APPROVED
                )
            )
        gauges = await repo.queue_gauges(conn, now)
        report = await repo.actions_per_moderator_per_day(conn, now)
        stats = await repo.queue_stats(conn, now)
    await engine.dispose()
    assert gauges.depth == 6
    # Today and yesterday; the row REPORT_DAYS ago is outside the report.
    assert [(r["day"], r["actions"]) for r in report] == [
        (now.date().isoformat(), 2),
        ((now - timedelta(days=1)).date().isoformat(), 1),
    ]
    assert stats == {
        "depth": gauges.depth,
        "oldest_age_s": gauges.oldest_age_s,
        "actions_per_moderator_per_day": report,
    }
