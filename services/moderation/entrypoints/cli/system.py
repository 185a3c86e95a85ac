"""Running the system: the embedded broker, one role, everything at once, the schemas."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path
from typing import Annotated

import typer

from moderation.entrypoints.cli.errors import fail, failing_on, talking_to_kafka
from moderation.roles import ROLES


def broker(port: Annotated[int, typer.Option(help="port on 127.0.0.1")] = 9092) -> None:
    """Start the embedded Kafka-compatible broker (memory-only) and create the topics."""
    from moderation.adapters.embedded_broker import EmbeddedBroker
    from moderation.adapters.kafka import ensure_topics
    from moderation.settings import KafkaSettings

    embedded = EmbeddedBroker(port)
    with failing_on(RuntimeError):
        embedded.start()
    created = asyncio.run(ensure_topics(KafkaSettings(bootstrap_servers=embedded.bootstrap)))
    typer.echo(f"broker listening on {embedded.bootstrap}; created topics: {', '.join(created)}")
    stopping = False

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while not stopping:
            if embedded.process and embedded.process.poll() is not None:
                typer.echo("broker process exited unexpectedly", err=True)
                raise typer.Exit(1)
            time.sleep(0.2)
    finally:
        embedded.stop()
        typer.echo("broker stopped")


def run(role: Annotated[str, typer.Argument(help=f"one of: {', '.join(ROLES)}")]) -> None:
    """Run one role in this process, configured from the environment."""
    import uvicorn

    from moderation.logs import configure_logging
    from moderation.settings import HttpSettings, ModerationSettings

    settings = ModerationSettings()
    configure_logging(settings.log_level, settings.log_json, role)
    http = HttpSettings()
    if role not in ROLES:
        raise SystemExit(f"unknown role {role!r}; available: {', '.join(ROLES)}")
    uvicorn.run(
        ROLES[role].create_app(settings=settings),
        host=http.host,
        port=http.port or ROLES[role].port,
        forwarded_allow_ips=http.forwarded_allow_ips,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=20,
    )


def dev(
    data_dir: Annotated[Path, typer.Option("--data-dir", help="all state goes here")] = Path("var"),
    broker_port: Annotated[int, typer.Option(help="port of the embedded broker")] = 9092,
    port_offset: Annotated[
        int,
        typer.Option(
            help="serve every role on its default port plus N (defaults: "
            + ", ".join(f"{name} {role.port}" for name, role in ROLES.items())
            + "), e.g. 100 for a second system beside `make run`"
        ),
    ] = 0,
    http_port: Annotated[
        list[str] | None,
        typer.Option(
            "--http-port",
            metavar="ROLE=PORT",
            help="one role's HTTP port (repeatable; wins over --port-offset)",
        ),
    ] = None,
) -> None:
    """Run the whole system locally (embedded broker unless KAFKA_BOOTSTRAP_SERVERS is set)."""
    import os

    from moderation.entrypoints.dev import http_ports, run_dev

    chosen: dict[str, int] = {}
    for item in http_port or ():
        role, _, port = item.partition("=")
        if not port.isdigit():
            fail(f"--http-port takes ROLE=PORT, not {item!r}", code=2)
        chosen[role] = int(port)
    with failing_on(ValueError, code=2):
        ports = http_ports(port_offset, chosen)
    # Start-up problems the user can fix: say what, not where. Kafka's errors are
    # RuntimeErrors too, so the Kafka handler is the inner one.
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "")
    with failing_on(RuntimeError), talking_to_kafka(bootstrap):
        run_dev(data_dir, broker_port, ports)


def schemas(
    out: Annotated[Path | None, typer.Option(help="directory (default: schemas/)")] = None,
) -> None:
    """Regenerate the JSON Schema files and the AsyncAPI document."""
    from moderation.contracts import SCHEMAS_DIR, write_all

    for path in write_all(out or SCHEMAS_DIR):
        typer.echo(f"wrote {path}")
