"""Start a role as a child process and wait until it serves: used by bench and e2e tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO

from moderation.adapters.embedded_broker import free_port


class RoleProcess:
    def __init__(
        self,
        role: str,
        bootstrap: str,
        env: dict[str, str] | None = None,
        log_path: Path | None = None,
        http_port: int | None = None,
    ) -> None:
        self.role = role
        self.http_port = http_port or free_port()
        self.env = {
            **os.environ,
            "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            "MODERATION_HTTP_PORT": str(self.http_port),
            **(env or {}),
        }
        self.log_path = log_path
        self._log: IO[bytes] | None = None
        self.process: subprocess.Popen[bytes] | None = None
        # Sent with every `get` (e.g. a comment store's site API key).
        self.headers: dict[str, str] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def start(self) -> RoleProcess:
        self._log = self.log_path.open("ab") if self.log_path else None
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moderation.entrypoints.cli", "run", self.role],
            env=self.env,
            stdout=self._log or subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        return self

    def get(self, path: str, timeout: float = 2.0) -> tuple[int, bytes]:
        try:
            request = urllib.request.Request(self.url + path, headers=self.headers)
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def wait_ready(self, timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process and self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.role} exited with {self.process.returncode}; see {self.log_path}"
                )
            try:
                if self.get("/ready")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"{self.role} not ready after {timeout_s} s; see {self.log_path}")

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no final commit (what a crash looks like)."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self, timeout_s: float = 30.0) -> int | None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.kill()
        if self._log:
            self._log.close()
        return self.process.returncode if self.process else None
