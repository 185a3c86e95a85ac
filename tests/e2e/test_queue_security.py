"""The moderator queue's login, sessions and small holes (issue #13 items 8 and 9), on real
SQLite and PostgreSQL databases."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time

import httpx
import pytest
from fastapi.testclient import TestClient
from httpx import ASGITransport, AsyncClient

from moderation.db import make_engine, migrate
from moderation.queue.app import create_app
from moderation.queue.auth import LoginRateLimiter, add_user, set_disabled
from moderation.queue.repository import add_held
from moderation.settings import KafkaSettings, ModerationSettings
from tests.queue_helpers import PASSWORD, csrf_from, held_decision, prepare_queue_db
from tests.roles import start_role

NO_BROKER = KafkaSettings(bootstrap_servers="127.0.0.1:1")
NEW_PASSWORD = "a-brand-new-passphrase"


@pytest.fixture
async def settings(new_database, tmp_path):
    dsn = await new_database()
    engine = make_engine(dsn)
    await migrate(engine, "queue")
    async with engine.begin() as conn:
        for name in ("alice", "bob"):
            await add_user(conn, name, PASSWORD, "moderator")
        for comment_id in ("a/b", "c/d", "plain"):
            await add_held(conn, held_decision(comment_id), None)
    await engine.dispose()
    return ModerationSettings(data_dir=tmp_path, queue_dsn=dsn)


async def in_queue_db(settings: ModerationSettings, work) -> None:
    engine = make_engine(settings.queue_dsn or "")
    try:
        async with engine.begin() as conn:
            await work(conn)
    finally:
        await engine.dispose()


def login(client, username="alice", password=PASSWORD):
    page = client.get("/login")
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )


def logged_in(app, username="alice") -> tuple[TestClient, str]:
    client = TestClient(app)
    client.__enter__()
    assert login(client, username).status_code == 303
    return client, csrf_from(client.get("/").text)


# ---------------------------------------------------------------- item 8: login


async def test_thirty_guesses_at_once_check_only_five_passwords(settings):
    app = create_app(kafka=NO_BROKER, settings=settings)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client:
        token = csrf_from((await client.get("/login")).text)
        form = {"username": "alice", "password": "wrong-guess", "csrf_token": token}
        answers = await asyncio.gather(*(client.post("/login", data=form) for _ in range(30)))
    codes = sorted(a.status_code for a in answers)
    assert codes == [303] * 5 + [429] * 25  # 303: checked and wrong; 429: never checked


def test_huge_usernames_are_refused_and_the_limiter_stays_small(settings):
    app = create_app(kafka=NO_BROKER, settings=settings)
    with TestClient(app) as client:
        token = csrf_from(client.get("/login").text)
        for n in range(30):
            huge = f"{n}" + "u" * 1_000_000
            answer = client.post(
                "/login", data={"username": huge, "password": "x", "csrf_token": token}
            )
            assert answer.status_code == 422
    assert len(app.state.queue.login_limiter) == 0


def test_the_limiter_table_is_bounded_and_keys_are_cut_to_the_longest_username():
    limiter = LoginRateLimiter(max_keys=100)
    for n in range(5_000):
        limiter.begin(f"user-{n}-" + "x" * 500, f"10.0.{n // 250}.{n % 250}")
    assert len(limiter) <= 100
    assert all(len(key) <= 100 + 20 for _, key in limiter._failures)


def test_one_address_locks_only_itself_and_many_addresses_lock_the_account():
    limiter = LoginRateLimiter(attempts=5, per_address=20, per_account=50)
    # One address, hammering: it is stopped, the account is not.
    checked = sum(limiter.begin(user, "198.51.100.1") == 0 for user in ["alice"] * 30)
    checked += sum(limiter.begin(f"user{n}", "198.51.100.1") == 0 for n in range(100))
    assert checked == 20
    assert limiter.begin("alice", "198.51.100.2") == 0  # alice from elsewhere: allowed
    # Guessing spread over many addresses (4 each) locks the account for everyone.
    for n in range(13):  # 52 failures, 4 from each address
        for _ in range(4):
            limiter.begin("carol", f"203.0.113.{n}")
    assert limiter.begin("carol", "192.0.2.77") > 0
    # A success forgives its own attempt.
    fresh = LoginRateLimiter(attempts=2)
    fresh.begin("dave", "a")
    fresh.succeeded("dave", "a")
    assert fresh.begin("dave", "a") == 0 and fresh.begin("dave", "a") == 0


def client_at(app, address: str = "testclient") -> AsyncClient:
    """One event loop for every client (an asyncpg pool cannot be shared between loops)."""
    return AsyncClient(transport=ASGITransport(app=app, client=(address, 1)), base_url="http://t")


async def log_in(client: AsyncClient, username: str, password: str = PASSWORD):
    token = csrf_from((await client.get("/login")).text)
    form = {"username": username, "password": password, "csrf_token": token}
    return await client.post("/login", data=form)


async def test_an_address_that_guessed_wrong_does_not_lock_out_the_account(settings):
    app = create_app(kafka=NO_BROKER, settings=settings)
    async with client_at(app, "198.51.100.1") as attacker:
        answers = [(await log_in(attacker, "alice", "guess")).status_code for _ in range(8)]
    assert answers == [303] * 5 + [429] * 3
    async with client_at(app, "192.0.2.10") as real_alice:
        assert (await log_in(real_alice, "alice")).status_code == 303
        assert (await real_alice.get("/")).status_code == 200


async def test_password_reset_and_disabling_end_sessions(settings):
    app = create_app(kafka=NO_BROKER, settings=settings)
    async with client_at(app) as alice, client_at(app) as bob:
        assert (await log_in(alice, "alice")).status_code == 303
        assert (await log_in(bob, "bob")).status_code == 303
        await in_queue_db(settings, lambda c: add_user(c, "alice", NEW_PASSWORD, "moderator"))
        await in_queue_db(settings, lambda c: set_disabled(c, "bob", True))
        for client in (alice, bob):
            assert (await client.get("/")).status_code == 303  # to /login
        assert (await log_in(alice, "alice", NEW_PASSWORD)).status_code == 303
        assert (await alice.get("/")).status_code == 200
        wrong = await log_in(bob, "bob")  # a disabled account's right password is "wrong"
        assert wrong.headers["location"].startswith("/login?error=wrong")
        await in_queue_db(settings, lambda c: set_disabled(c, "bob", False))
        assert (await log_in(bob, "bob")).status_code == 303
        assert (await bob.get("/")).status_code == 200


def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "moderation.entrypoints.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
    )


def test_users_command_reads_the_password_from_stdin_and_disables_enables_lists(tmp_path):
    data = ["--data-dir", str(tmp_path)]
    cli("users", "add", "--username", "erin", "--password-stdin", *data, stdin=PASSWORD + "\n")
    settings = ModerationSettings(data_dir=tmp_path)
    app = create_app(kafka=NO_BROKER, settings=settings)
    erin, _ = logged_in(app, "erin")
    try:
        cli("users", "add", "--username", "erin", "--password-stdin", *data, stdin=NEW_PASSWORD)
        assert erin.get("/", follow_redirects=False).status_code == 303  # reset: logged out
        assert login(erin, "erin", NEW_PASSWORD).status_code == 303
        cli("users", "disable", "erin", *data)
        assert "disabled" in cli("users", "list", *data).stdout
        assert erin.get("/", follow_redirects=False).status_code == 303
        cli("users", "enable", "erin", *data)
        assert login(erin, "erin", NEW_PASSWORD).status_code == 303
        listed = cli("users", "list", *data).stdout
        assert "erin" in listed and "enabled" in listed
    finally:
        erin.__exit__(None, None, None)
    missing = subprocess.run(
        [sys.executable, "-m", "moderation.entrypoints.cli", "users", "disable", "nobody", *data],
        capture_output=True,
        text=True,
    )
    assert missing.returncode == 2 and "no user" in missing.stderr


# ---------------------------------------------------------------- item 9: smaller holes


def test_comment_ids_with_a_slash_can_be_opened_claimed_approved_and_rejected(settings):
    app = create_app(kafka=NO_BROKER, settings=settings)
    client, csrf = logged_in(app)
    try:
        headers = {"x-csrf-token": csrf}
        assert client.get("/items/a%2Fb/1").status_code == 200
        assert client.post("/api/items/a%2Fb/1/claim", headers=headers).json()["ok"]
        assert client.post("/api/items/a%2Fb/1/approve", headers=headers).json()["ok"]
        rejected = client.post(
            "/api/items/c%2Fd/1/reject", headers=headers, json={"reason_code": "SPAM"}
        )
        assert rejected.json()["ok"]
        assert client.get("/items/a%2Fb/1").status_code == 404  # resolved: out of the queue
    finally:
        client.__exit__(None, None, None)


def test_login_page_shows_only_its_own_messages(settings):
    app = create_app(kafka=NO_BROKER, settings=settings)
    with TestClient(app) as client:
        forged = client.get("/login", params={"error": "Session expired: call 0800 FRAUD"})
        assert "0800 FRAUD" not in forged.text and 'class="error"' not in forged.text
        wrong = client.get("/login", params={"error": "wrong"})
        assert "Wrong username or password." in wrong.text


def test_the_event_stream_ends_at_logout(settings):
    app = create_app(kafka=NO_BROKER, settings=settings)
    client, csrf = logged_in(app)
    streamed: list[str] = []

    def listen() -> None:
        streamed.append(client.get("/events").text)  # returns only when the stream ends

    listener = threading.Thread(target=listen, daemon=True)
    try:
        listener.start()
        time.sleep(1.0)
        assert client.post("/logout", headers={"x-csrf-token": csrf}).status_code == 200
        listener.join(timeout=10)
        assert not listener.is_alive(), "the event stream outlived its session"
        assert streamed and streamed[0].startswith(": connected")
        assert client.get("/events").status_code == 401
    finally:
        client.__exit__(None, None, None)


def test_api_docs_need_a_login(settings):
    app = create_app(kafka=NO_BROKER, settings=settings)
    with TestClient(app) as anonymous:
        for path in ("/openapi.json", "/docs", "/redoc"):
            assert anonymous.get(path, follow_redirects=False).status_code in (303, 404)
    client, _ = logged_in(app)
    try:
        assert client.get("/openapi.json").json()["info"]["title"] == "Moderator queue"
        assert client.get("/docs").status_code == 200
    finally:
        client.__exit__(None, None, None)


def test_behind_a_proxy_the_limiter_counts_the_forwarded_addresses(broker, tmp_path):
    """A real queue process reached through a trusted proxy (127.0.0.1, the default): one
    client guessing locks itself out, not the moderators behind the same proxy."""
    prepare_queue_db(tmp_path, [])
    queue = start_role(
        broker, "moderator-queue", "proxied-queue", MODERATION_DATA_DIR=str(tmp_path)
    )
    try:

        def through_proxy(address: str) -> httpx.Client:
            return httpx.Client(base_url=queue.url, headers={"x-forwarded-for": address})

        with through_proxy("198.51.100.7") as attacker:
            answers = [login(attacker, "alice", "guess").status_code for _ in range(25)]
        assert answers == [303] * 5 + [429] * 20
        with through_proxy("192.0.2.10") as moderator:
            assert login(moderator, "alice").status_code == 303
            assert moderator.get("/").status_code == 200
    finally:
        queue.stop()
