"""Accounts kept in a role's database: moderators of the queue, site API keys of the store."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from moderation.entrypoints.cli.errors import fail, failing_on

T = TypeVar("T")
DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir", help="the service's data dir (default: MODERATION_DATA_DIR or ./var)"
    ),
]
users_app = typer.Typer(help="Moderator accounts of the moderator queue.")
api_keys_app = typer.Typer(help="Site API keys of the comment store.")


def _in_database(service: str, data_dir: Path | None, work: Callable[[Any], Awaitable[T]]) -> T:
    """Run `work(connection)` in one transaction on the service's database, migrated first
    (`service` is "queue" or "store"); a ValueError is the user's mistake: exit 2."""
    from moderation.db import make_engine, migrate
    from moderation.settings import ModerationSettings, queue_dsn, store_dsn

    settings = ModerationSettings()
    if data_dir is not None:
        settings.data_dir = data_dir
    dsn = queue_dsn(settings) if service == "queue" else store_dsn(settings)

    async def run() -> T:
        engine = make_engine(dsn)
        try:
            await migrate(engine, service)
            async with engine.begin() as conn:
                return await work(conn)
        finally:
            await engine.dispose()

    with failing_on(ValueError, code=2):
        return asyncio.run(run())


def _read_password(password: str | None, password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if password is not None:
        return password
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Option(help="login name")],
    password: Annotated[
        str | None,
        typer.Option(
            help="at least 8 characters; visible to other users of this machine: prefer the "
            "prompt (leave it out) or --password-stdin"
        ),
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from standard input")
    ] = False,
    role: Annotated[str, typer.Option(help="moderator or admin")] = "moderator",
    data_dir: DataDir = None,
) -> None:
    """Create a moderator account, or reset its password and role (which ends its
    sessions); argon2-hashed."""
    from moderation.queue.auth import add_user

    secret = _read_password(password, password_stdin)
    _in_database("queue", data_dir, lambda conn: add_user(conn, username, secret, role))
    typer.echo(f"user {username!r} ({role}) saved")


@users_app.command("list")
def users_list(data_dir: DataDir = None) -> None:
    """Every account: name, role, created, enabled or disabled."""
    from moderation.queue.auth import list_users

    for user in _in_database("queue", data_dir, list_users):
        state = f"disabled {user.disabled_at:%Y-%m-%d %H:%M}" if user.disabled_at else "enabled"
        typer.echo(f"{user.username:<24} {user.role:<10} {user.created_at:%Y-%m-%d}  {state}")


@users_app.command("disable")
def users_disable(username: str, data_dir: DataDir = None) -> None:
    """Stop an account from logging in and end its sessions (its audit history stays)."""
    from moderation.queue.auth import set_disabled

    _in_database("queue", data_dir, lambda conn: set_disabled(conn, username, True))
    typer.echo(f"user {username!r} disabled; their sessions are ended")


@users_app.command("enable")
def users_enable(username: str, data_dir: DataDir = None) -> None:
    """Let a disabled account log in again."""
    from moderation.queue.auth import set_disabled

    _in_database("queue", data_dir, lambda conn: set_disabled(conn, username, False))
    typer.echo(f"user {username!r} enabled")


@api_keys_app.command("create")
def api_keys_create(
    site_id: Annotated[str, typer.Option("--site-id", help="the site the key acts for")],
    data_dir: DataDir = None,
) -> None:
    """Create a key for a site; the key is printed on the last line, once (only its hash
    is stored)."""
    from moderation.store.api_keys import create_key

    key_id, key = _in_database("store", data_dir, lambda conn: create_key(conn, site_id))
    typer.echo(
        f"API key {key_id} for site {site_id!r} (shown only now; send it as "
        "`Authorization: Bearer KEY`):"
    )
    typer.echo(key)


@api_keys_app.command("list")
def api_keys_list(data_dir: DataDir = None) -> None:
    """Every key: id, site, created, revoked (never the keys themselves)."""
    from moderation.store.api_keys import list_keys

    for info in _in_database("store", data_dir, list_keys):
        state = f"revoked {info.revoked_at:%Y-%m-%d %H:%M}" if info.revoked_at else "live"
        typer.echo(f"{info.key_id}  {info.site_id:<24} {info.created_at:%Y-%m-%d %H:%M}  {state}")


@api_keys_app.command("revoke")
def api_keys_revoke(key_id: str, data_dir: DataDir = None) -> None:
    """Revoke a key by its id (from `list`); it stops working at once."""
    from moderation.store.api_keys import revoke_key

    if not _in_database("store", data_dir, lambda conn: revoke_key(conn, key_id)):
        fail(f"no live key {key_id!r}")
    typer.echo(f"key {key_id} revoked")
