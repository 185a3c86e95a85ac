"""`moderation dev`: the whole system from one command, as `make run` starts it.

Every port here is a free one (free_port), never a role's default nor 9092, so the suite
passes while `make run` holds those in another terminal."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from moderation.adapters.embedded_broker import free_port
from moderation.entrypoints.dev import DEV_BROKER_PORT
from moderation.roles import CLASSIFIER, ROLES, SCORING_API
from tests.pipeline_client import CLEAN, TOXIC, PipelineClient, comment_event

pytestmark = pytest.mark.e2e


def wait_for(predicate, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise TimeoutError


def role_ready(port: int) -> bool:
    try:
        url = f"http://127.0.0.1:{port}/ready"
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def dev_command(data_dir, broker_port: int, ports: dict[str, int]) -> list[str]:
    return [
        sys.executable,
        "-m",
        "moderation.entrypoints.cli",
        "dev",
        "--data-dir",
        str(data_dir),
        "--broker-port",
        str(broker_port),
        *(f"--http-port={role}={port}" for role, port in ports.items()),
    ]


def free_ports() -> dict[str, int]:
    """A free port per role, none of them a default (so never what `make run` holds)."""
    defaults = {role.port for role in ROLES.values()} | {DEV_BROKER_PORT}
    ports: dict[str, int] = {}
    while len(set(ports.values())) < len(ROLES):
        ports = {role: free_port() for role in ROLES}
    assert not defaults & set(ports.values())
    return ports


def dev_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "KAFKA_BOOTSTRAP_SERVERS"}


async def test_dev_runs_everything_restarts_a_crashed_role_and_stops_cleanly(tmp_path):
    port = free_port()
    assert port != DEV_BROKER_PORT
    ports = free_ports()
    classifier_ready = lambda: role_ready(ports[CLASSIFIER.name])  # noqa: E731
    dev = subprocess.Popen(
        dev_command(tmp_path, port, ports),
        env=dev_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    client = PipelineClient(f"127.0.0.1:{port}")
    try:
        wait_for(classifier_ready)
        await client.start()
        await client.follow("moderation.decisions")
        event = comment_event(CLEAN)
        started = time.monotonic()
        await client.publish_comment(event)
        found = await client.decisions_for([event["comment_id"]], timeout_s=30)
        assert found[event["comment_id"]][0]["decision"] == "approve"
        first_latency = time.monotonic() - started

        # Crash the classifier child: dev must bring it back.
        pid = int(
            subprocess.check_output(
                ["pgrep", "-P", str(dev.pid), "-f", "run classifier"], text=True
            ).split()[0]
        )
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: not classifier_ready(), timeout_s=10)
        wait_for(classifier_ready)
        again = comment_event(CLEAN)
        await client.publish_comment(again)
        assert (await client.decisions_for([again["comment_id"]], timeout_s=30))[
            again["comment_id"]
        ]

        # The scoring API answers Perspective's analyze with the printed dev key.
        # Every role serves on the port it was given.
        for role in ROLES:
            wait_for(lambda role=role: role_ready(ports[role]))
        analyze = urllib.request.Request(
            f"http://127.0.0.1:{ports[SCORING_API.name]}/v1alpha1/comments:analyze?key="
            + (tmp_path / "dev-api-key").read_text().strip(),
            data=json.dumps(
                {"comment": {"text": TOXIC}, "requestedAttributes": {"TOXICITY": {}}}
            ).encode(),
            headers={"content-type": "application/json"},
        )
        with urllib.request.urlopen(analyze, timeout=30) as response:
            scores = json.loads(response.read())["attributeScores"]
        assert scores["TOXICITY"]["summaryScore"]["value"] > 0.5
    finally:
        await client.stop()
        dev.send_signal(signal.SIGTERM)
        output, _ = dev.communicate(timeout=60)
    assert dev.returncode == 0, output
    assert f"embedded broker (memory-only) on 127.0.0.1:{port}" in output
    assert "classifier exited with code -9; restarting" in output
    assert output.rstrip().endswith("[dev] stopped")
    assert (tmp_path / "logs" / "classifier.log").exists()
    # A dev site key, printed with the addresses and kept for the README's example.
    key_file = tmp_path / "dev-api-key"
    assert key_file.read_text().strip() in output and key_file.stat().st_mode & 0o077 == 0
    assert "restored from" in output and "0 article contexts" in output
    for role, role_port in ports.items():
        assert f"[dev] {role}: http://127.0.0.1:{role_port} (log" in output
    scoring_url = f"http://127.0.0.1:{ports[SCORING_API.name]}"
    assert f"{scoring_url}/v1alpha1/comments:analyze?key=KEY" in output
    assert f"{scoring_url}/coral/phase" in output
    assert f"scoring-api: {scoring_url} (log" in output
    assert first_latency < 5.0  # generous: the first group join happens before this


def test_dev_refuses_a_port_in_use_in_one_line(tmp_path):
    """A role whose port is taken (say by `make run`) would crash and restart for ever: dev
    says so and stops before starting anything."""
    ports = free_ports()
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", ports[CLASSIFIER.name]))
        holder.listen()
        broker_port = free_port()
        done = subprocess.run(
            dev_command(tmp_path, broker_port, ports),
            env=dev_env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr == (
        f"error: port {ports[CLASSIFIER.name]} ({CLASSIFIER.name}) already in use: is "
        "`moderation dev` already running? Choose others with --port-offset N or "
        "--http-port ROLE=PORT.\n"
    )
    assert not (tmp_path / "logs").exists()  # nothing was started


def test_dev_port_offset_moves_every_role():
    """--port-offset N: each role on its default + N, as `moderation dev --help` says."""
    from moderation.entrypoints.dev import http_ports

    assert http_ports(100) == {name: role.port + 100 for name, role in ROLES.items()}
    assert http_ports(100, {CLASSIFIER.name: 9999})[CLASSIFIER.name] == 9999
    with pytest.raises(ValueError, match="share a port"):
        http_ports(0, {CLASSIFIER.name: SCORING_API.port})
    with pytest.raises(ValueError, match="unknown role"):
        http_ports(0, {"nosuch": 1})
