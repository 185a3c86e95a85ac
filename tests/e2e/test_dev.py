"""`moderation dev`: the whole system from one command, as `make run` starts it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from moderation.adapters.embedded_broker import free_port
from moderation.roles import CLASSIFIER, SCORING_API
from tests.pipeline_client import CLEAN, TOXIC, PipelineClient, comment_event

pytestmark = pytest.mark.e2e


def wait_for(predicate, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise TimeoutError


def role_ready(port: int = CLASSIFIER.port) -> bool:
    try:
        url = f"http://127.0.0.1:{port}/ready"
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


async def test_dev_runs_everything_restarts_a_crashed_role_and_stops_cleanly(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "KAFKA_BOOTSTRAP_SERVERS"}
    dev = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "moderation.entrypoints.cli",
            "dev",
            "--data-dir",
            str(tmp_path),
            "--broker-port",
            str(port),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    client = PipelineClient(f"127.0.0.1:{port}")
    try:
        wait_for(role_ready)
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
        wait_for(lambda: not role_ready(), timeout_s=10)
        wait_for(role_ready)
        again = comment_event(CLEAN)
        await client.publish_comment(again)
        assert (await client.decisions_for([again["comment_id"]], timeout_s=30))[
            again["comment_id"]
        ]

        # The scoring API answers Perspective's analyze with the printed dev key.
        wait_for(lambda: role_ready(SCORING_API.port))
        analyze = urllib.request.Request(
            f"http://127.0.0.1:{SCORING_API.port}/v1alpha1/comments:analyze?key="
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
    scoring_url = f"http://127.0.0.1:{SCORING_API.port}"
    assert f"{scoring_url}/v1alpha1/comments:analyze?key=KEY" in output
    assert f"{scoring_url}/coral/phase" in output
    assert f"scoring-api: {scoring_url} (log" in output
    assert first_latency < 5.0  # generous: the first group join happens before this
