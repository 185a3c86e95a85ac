"""Helpers for tests that run the real role processes (tests/e2e and tests/reliability):
start a role against a broker, make a site API key, read a metric, wait for a status."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from moderation.adapters.embedded_broker import EmbeddedBroker
from moderation.adapters.processes import RoleProcess

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
TEST_SITE = "e2e-site"  # pipeline_client.comment_event's site


def start_role(
    broker: EmbeddedBroker, role: str, name: str | None = None, **env: str
) -> RoleProcess:
    # A data dir of its own: state of earlier runs (./var) must not leak into a test.
    env.setdefault("MODERATION_DATA_DIR", tempfile.mkdtemp(prefix=f"moderation-{role}-"))
    process = RoleProcess(
        role, broker.bootstrap, env=env, log_path=ARTIFACTS / f"{name or role}.log"
    )
    if role == "comment-store":
        # Tests read every status: they act as the site their comments come from.
        process.headers = {"authorization": f"Bearer {site_api_key(process.env, TEST_SITE)}"}
    process.start()
    try:
        process.wait_ready(timeout_s=90)
    except Exception:
        process.stop()
        raise
    return process


def start_classifier(broker: EmbeddedBroker, name: str = "classifier", **env: str) -> RoleProcess:
    return start_role(broker, "classifier", name, **env)


def site_api_key(env: dict[str, str], site_id: str) -> str:
    """A new key in the store database that `env` configures, made as an operator would."""
    created = subprocess.run(
        [
            sys.executable,
            "-m",
            "moderation.entrypoints.cli",
            "api-keys",
            "create",
            "--site-id",
            site_id,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return created.stdout.strip().splitlines()[-1]


def metric(process: RoleProcess, prefix: str) -> float:
    """The sum of every sample on the role's /metrics whose line starts with `prefix`."""
    text = process.get("/metrics")[1].decode()
    return sum(
        float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(prefix)
    )


async def store_status_becomes(
    store: RoleProcess, comment_id: str, wanted: str, timeout_s: float = 30.0
) -> dict[str, Any]:
    """The comment as the store's API shows it (with the store's headers) once its status is
    `wanted`; AssertionError if it never is."""
    deadline = time.monotonic() + timeout_s
    found: dict[str, Any] = {}
    while time.monotonic() < deadline:
        code, body = store.get(f"/comments/{comment_id}")
        if code == 200:
            found = json.loads(body)
            if found["status"] == wanted:
                return found
        await asyncio.sleep(0.2)
    raise AssertionError(f"{comment_id} never became {wanted}: {found}")
