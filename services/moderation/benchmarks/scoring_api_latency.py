"""Latency of the scoring API's comments:analyze, measured from a second process.

    python -m moderation.benchmarks.scoring_api_latency [--rates 20 50] [--seconds 20]

Starts the scoring-api app (default news model, legal checks, default policy, Kafka off,
no rate limit) in a child process on a free loopback port, then from this process sends
open-loop load at each fixed rate (a request every 1/rate s, whether or not earlier ones
have answered, so a slow server is not flattered) and prints p50/p99; then finds the most
requests a second it sustains: closed-loop clients, doubling until throughput stops rising.
Comments come from benchmarks/corpus.py (median about 300 characters, 4 % abusive); the
p99 of the comments up to 1,000 characters is printed beside the p99 of all, since the long
tail (up to 5,000 characters, many model windows each) is what sets the overall p99.
A request that fails at the transport (a connection an overloaded server drops) is counted
as an error, not fatal.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from typing import Any

import httpx

KEY = "bench-key"
LONG_CHARS = 1000  # the p99 of comments up to this long is printed too


def serve(port: int) -> None:
    import uvicorn

    from moderation.logs import configure_logging
    from moderation.roles import SCORING_API
    from moderation.scoring_api.config import ScoringApiSettings
    from moderation.scoring_api.coral import CoralSites
    from moderation.scoring_api.service import create_app
    from moderation.settings import ModerationSettings

    async def lookup(key: str) -> str | None:
        return "bench" if key == KEY else None

    configure_logging("WARNING", False, SCORING_API.name)
    app = create_app(
        settings=ModerationSettings(),
        api=ScoringApiSettings(kafka=False, rate_per_minute=0),
        site_lookup=lookup,
        coral_sites=CoralSites(),
    )
    uvicorn.run(app, host="127.0.0.1", port=port, log_config=None, access_log=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _body(text: str) -> dict[str, Any]:
    return {"comment": {"text": text}, "requestedAttributes": {"TOXICITY": {}}, "languages": ["en"]}


async def open_loop(url: str, bodies: list[str], rate: float, seconds: float) -> dict[str, float]:
    latencies: list[float] = []
    short: list[float] = []  # comments up to LONG_CHARS
    errors = 0
    total = int(rate * seconds)
    limits = httpx.Limits(max_connections=512, max_keepalive_connections=512)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:

        async def one(i: int) -> None:
            nonlocal errors
            started = time.perf_counter()
            text = bodies[i % len(bodies)]
            try:
                answer = await client.post(
                    "/v1alpha1/comments:analyze", params={"key": KEY}, json=_body(text)
                )
            except httpx.HTTPError:  # e.g. a connection the overloaded server dropped
                errors += 1
                return
            if answer.status_code == 200:
                latencies.append((time.perf_counter() - started) * 1000)
                if len(text) <= LONG_CHARS:
                    short.append(latencies[-1])
            else:
                errors += 1

        tasks = []
        begin = time.perf_counter()
        for i in range(total):
            delay = begin + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i)))
        await asyncio.gather(*tasks)
    return {
        "rate": rate,
        "requests": total,
        "errors": errors,
        "p50_ms": _percentile(latencies, 0.50),
        "p99_ms": _percentile(latencies, 0.99),
        "short_p99_ms": _percentile(short, 0.99),
        "max_ms": max(latencies),
        "mean_ms": statistics.fmean(latencies),
    }


async def closed_loop(url: str, bodies: list[str], clients: int, seconds: float) -> float:
    done = 0
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        stop = time.perf_counter() + seconds

        async def worker(offset: int) -> None:
            nonlocal done
            i = offset
            while time.perf_counter() < stop:
                try:
                    answer = await client.post(
                        "/v1alpha1/comments:analyze",
                        params={"key": KEY},
                        json=_body(bodies[i % len(bodies)]),
                    )
                except httpx.HTTPError:
                    answer = None
                if answer is not None and answer.status_code == 200:
                    done += 1
                i += clients

        begin = time.perf_counter()
        await asyncio.gather(*(worker(k) for k in range(clients)))
        return done / (time.perf_counter() - begin)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rates", type=float, nargs="+", default=[20, 50])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    from moderation.benchmarks.corpus import comment_bodies

    bodies = comment_bodies(2000)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "moderation.benchmarks.scoring_api_latency", "--serve", str(port)],
        env={**os.environ},
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("the scoring API did not start")
            time.sleep(0.2)
        asyncio.run(open_loop(url, bodies, 10, 3))  # warm up
        print(f"comments:analyze on {os.cpu_count()} cores, server in its own process")
        for rate in args.rates:
            r = asyncio.run(open_loop(url, bodies, rate, args.seconds))
            print(
                f"  {rate:>5.0f} req/s offered: p50 {r['p50_ms']:6.1f} ms"
                f"  p99 {r['p99_ms']:6.1f} ms"
                f"  max {r['max_ms']:6.1f} ms  ({r['requests']:.0f} requests, "
                f"{r['errors']:.0f} errors); comments up to {LONG_CHARS} characters: "
                f"p99 {r['short_p99_ms']:6.1f} ms"
            )
        best, clients = 0.0, 1
        while clients <= 64:
            achieved = asyncio.run(closed_loop(url, bodies, clients, min(args.seconds, 10)))
            print(f"  {clients:>3} closed-loop clients: {achieved:6.1f} req/s")
            if achieved < best * 1.05:
                break
            best = max(best, achieved)
            clients *= 2
        print(f"  most sustained: {best:.1f} req/s")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
