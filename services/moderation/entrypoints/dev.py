"""`moderation dev`: the whole system on a laptop, one child process per role.

Starts the embedded broker when KAFKA_BOOTSTRAP_SERVERS is unset, restarts a child that
crashes (with backoff), and stops everything on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from moderation.adapters.embedded_broker import EmbeddedBroker, port_open
from moderation.adapters.kafka import ensure_topics
from moderation.roles import COMMENT_STORE, ROLES, SCORING_API
from moderation.settings import KafkaSettings

DEV_BROKER_PORT = 9092


def http_ports(offset: int = 0, chosen: dict[str, int] | None = None) -> dict[str, int]:
    """Each role's HTTP port: its default (moderation/roles.py) plus `offset`, unless
    `chosen` names one for it. Two systems (a `make run` and the tests' own) then never
    share a port. ValueError for an unknown role, a port out of range or one used twice."""
    chosen = chosen or {}
    unknown = set(chosen) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown role {sorted(unknown)[0]!r}; roles: {', '.join(ROLES)}")
    ports = {name: chosen.get(name, role.port + offset) for name, role in ROLES.items()}
    for name, port in ports.items():
        if not 0 < port < 65536:
            raise ValueError(f"{name} would serve on port {port}, outside 1-65535")
    if len(set(ports.values())) < len(ports):
        raise ValueError(f"two roles would share a port: {ports}")
    return ports


@dataclass
class Child:
    role: str
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    started_at: float = 0.0
    next_start: float = 0.0
    log_path: Path = field(default_factory=Path)

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moderation.entrypoints.cli", "run", self.role],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.started_at = time.monotonic()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()


async def _ensure_dev_account(data_dir: Path) -> tuple[str, str] | None:
    """A fresh laptop has no moderator: create one so the queue can be tried at once."""
    import secrets

    import sqlalchemy as sa

    from moderation.db import make_engine, migrate
    from moderation.queue.auth import add_user
    from moderation.queue.tables import users
    from moderation.settings import ModerationSettings, queue_dsn

    engine = make_engine(queue_dsn(ModerationSettings(data_dir=data_dir)))
    try:
        await migrate(engine, "queue")
        async with engine.begin() as conn:
            if await conn.scalar(sa.select(sa.func.count()).select_from(users)):
                return None
            password = secrets.token_urlsafe(9)
            await add_user(conn, "admin", password, "admin")
            return "admin", password
    finally:
        await engine.dispose()


DEV_SITE = "my-site"
DEV_KEY_FILE = "dev-api-key"


async def _ensure_dev_api_key(data_dir: Path) -> str | None:
    """A fresh laptop has no site API key: create one for DEV_SITE so the store's API can be
    tried at once. It is also written (owner-only) to <data dir>/dev-api-key, so examples
    can read it; a store with keys of its own gets none."""
    from moderation.db import make_engine, migrate
    from moderation.settings import ModerationSettings, store_dsn
    from moderation.store.api_keys import create_key, list_keys

    engine = make_engine(store_dsn(ModerationSettings(data_dir=data_dir)))
    try:
        await migrate(engine, "store")
        async with engine.begin() as conn:
            if await list_keys(conn):
                return None
            _, key = await create_key(conn, DEV_SITE)
    finally:
        await engine.dispose()
    path = data_dir / DEV_KEY_FILE
    path.touch(mode=0o600)
    path.write_text(key + "\n")
    return key


async def _kept_state(data_dir: Path) -> str:
    """What a restart kept: the embedded broker forgets everything, the data dir does not."""
    import sqlalchemy as sa

    from moderation.adapters.article_table import ArticleSnapshot
    from moderation.db import make_engine
    from moderation.settings import ModerationSettings, article_snapshot, store_dsn
    from moderation.store.status import Status
    from moderation.store.tables import comments

    settings = ModerationSettings(data_dir=data_dir)
    articles = len(ArticleSnapshot(article_snapshot(settings)).load())
    engine = make_engine(store_dsn(settings))
    try:
        async with engine.connect() as conn:
            pending = await conn.scalar(
                sa.select(sa.func.count())
                .select_from(comments)
                .where(comments.c.status == Status.PENDING)
            )
    finally:
        await engine.dispose()
    return (
        f"restored from {data_dir}: {articles} article contexts (the classifier publishes "
        f"them again to the new broker) and {pending} comments still pending (the store "
        f"publishes them again after {settings.pending_republish_after_s:.0f} s)"
    )


def say(message: str) -> None:
    print(f"[dev] {message}", flush=True)


def run_dev(
    data_dir: Path, broker_port: int = DEV_BROKER_PORT, ports: dict[str, int] | None = None
) -> None:
    ports = ports or http_ports()
    busy = [f"{port} ({role})" for role, port in ports.items() if port_open("127.0.0.1", port)]
    if busy:
        # Checked first: a role that cannot bind its port would crash and restart for ever.
        ports_word = "port" if len(busy) == 1 else "ports"
        raise RuntimeError(
            f"{ports_word} {', '.join(busy)} already in use: is `moderation dev` already running? "
            "Choose others with --port-offset N or --http-port ROLE=PORT."
        )
    data_dir = data_dir.resolve()
    (data_dir / "logs").mkdir(parents=True, exist_ok=True)
    stopping = False

    def request_stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    broker: EmbeddedBroker | None = None
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if not bootstrap:
        broker = EmbeddedBroker(broker_port, (data_dir / "logs" / "broker.log").open("ab"))
        broker.start()
        bootstrap = broker.bootstrap
        say(f"embedded broker (memory-only) on {bootstrap}")
    else:
        say(f"using Kafka at {bootstrap}")
    created = asyncio.run(ensure_topics(KafkaSettings(bootstrap_servers=bootstrap)))
    if created:
        say(f"created topics: {', '.join(created)}")

    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": bootstrap, "MODERATION_DATA_DIR": str(data_dir)}
    login = asyncio.run(_ensure_dev_account(data_dir))
    api_key = asyncio.run(_ensure_dev_api_key(data_dir))
    if broker:
        say(asyncio.run(_kept_state(data_dir)))
    children = [
        Child(
            role,
            {**env, "MODERATION_HTTP_PORT": str(ports[role])},
            log_path=data_dir / "logs" / f"{role}.log",
        )
        for role in ROLES
    ]
    for child in children:
        child.start()
        say(f"{child.role}: http://127.0.0.1:{ports[child.role]} (log {child.log_path})")
    if login:
        say(
            f"moderator queue login: {login[0]} / {login[1]} (a dev account created because "
            "there was none; add your own with `moderation users add`)"
        )
    if api_key:
        say(
            f"comment store API key for site {DEV_SITE!r}: {api_key} (a dev key created because "
            f"there was none, also in {data_dir / DEV_KEY_FILE}; make your own with "
            "`moderation api-keys create --site-id SITE`)"
        )
    scoring = f"http://127.0.0.1:{ports[SCORING_API.name]}"
    say(
        f"Perspective-compatible scoring: POST {scoring}/v1alpha1/comments:analyze?key=KEY "
        f"with a site API key; Coral's moderation phase: {scoring}/coral/phase "
        "(docs/perspective-migration.md)"
    )
    say(
        "publish CommentSubmitted JSON to comments.submitted (or POST it to "
        f"http://127.0.0.1:{ports[COMMENT_STORE.name]}/comments); decisions appear on "
        "moderation.decisions. Ctrl-C stops everything."
    )
    try:
        while not stopping:
            now = time.monotonic()
            for child in children:
                assert child.process is not None
                code = child.process.poll()
                if code is None:
                    continue
                if child.next_start == 0.0:
                    # Back off harder when it keeps dying quickly; reset after a healthy minute.
                    if now - child.started_at > 60:
                        child.restarts = 0
                    delay = min(2**child.restarts, 30)
                    child.next_start = now + delay
                    say(
                        f"{child.role} exited with code {code}; restarting in {delay} s "
                        f"(see {child.log_path})"
                    )
                elif now >= child.next_start:
                    child.restarts += 1
                    child.next_start = 0.0
                    child.start()
            time.sleep(0.2)
    finally:
        say("stopping")
        for child in children:
            child.stop()
        for child in children:
            if child.process:
                try:
                    child.process.wait(timeout=25)
                except subprocess.TimeoutExpired:
                    child.process.kill()
        if broker:
            broker.stop()
        say("stopped")
