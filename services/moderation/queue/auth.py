"""Moderator accounts, sessions, CSRF tokens and login rate limiting.

Passwords are argon2 hashes. A session is a random token in an HttpOnly, SameSite=Strict
cookie; only its SHA-256 is stored, so a leaked database does not leak live sessions.
Every state-changing request must echo the session's CSRF token (header X-CSRF-Token or
form field csrf_token); the login form uses a double-submit cookie instead.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.ext.asyncio import AsyncConnection

from moderation.db import upsert, utc
from moderation.queue.tables import sessions, users

ROLES = ("moderator", "admin")
SESSION_COOKIE = "moderation_session"
LOGIN_CSRF_COOKIE = "moderation_login_csrf"
CSRF_HEADER = "x-csrf-token"
SESSION_LIFETIME = timedelta(hours=12)

_hasher = PasswordHasher()
# Verifying against this keeps the timing of "no such user" close to "wrong password".
_DUMMY_HASH = _hasher.hash("not-a-real-password")


@dataclass(frozen=True)
class Moderator:
    username: str
    role: str
    csrf_token: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def add_user(conn: AsyncConnection, username: str, password: str, role: str) -> None:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < 8:
        raise ValueError("password must be at least 8 characters")
    await conn.execute(
        upsert(
            conn,
            users,
            {
                "username": username,
                "password_hash": _hasher.hash(password),
                "role": role,
                "created_at": datetime.now(UTC),
            },
            keys=["username"],
            update=["password_hash", "role"],
        )
    )


async def authenticate(conn: AsyncConnection, username: str, password: str) -> str | None:
    """The user's role if the password is right, else None."""
    row = (await conn.execute(sa.select(users).where(users.c.username == username))).first()
    try:
        _hasher.verify(row.password_hash if row else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    return str(row.role) if row else None


async def start_session(conn: AsyncConnection, username: str) -> str:
    token = secrets.token_urlsafe(32)
    await conn.execute(
        sa.insert(sessions).values(
            token_hash=_digest(token),
            username=username,
            csrf_token=secrets.token_urlsafe(32),
            expires_at=datetime.now(UTC) + SESSION_LIFETIME,
        )
    )
    return token


async def session_user(conn: AsyncConnection, token: str | None) -> Moderator | None:
    if not token:
        return None
    row = (
        await conn.execute(
            sa.select(
                sessions.c.username, sessions.c.csrf_token, sessions.c.expires_at, users.c.role
            )
            .join(users, users.c.username == sessions.c.username)
            .where(sessions.c.token_hash == _digest(token))
        )
    ).first()
    if row is None or utc(row.expires_at) < datetime.now(UTC):
        return None
    return Moderator(row.username, row.role, row.csrf_token)


async def end_session(conn: AsyncConnection, token: str) -> None:
    await conn.execute(sa.delete(sessions).where(sessions.c.token_hash == _digest(token)))


def csrf_matches(expected: str | None, given: str | None) -> bool:
    return bool(expected and given and hmac.compare_digest(expected, given))


class LoginRateLimiter:
    """At most `attempts` failed logins per username and per client in `window_s` seconds."""

    def __init__(self, attempts: int = 5, window_s: float = 300.0) -> None:
        self.attempts = attempts
        self.window_s = window_s
        self._failures: dict[str, deque[float]] = defaultdict(deque)

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures[key]
        while failures and now - failures[0] > self.window_s:
            failures.popleft()
        return failures

    def retry_after(self, username: str, client: str) -> int:
        """Seconds until another attempt is allowed (0 = allowed now)."""
        now = time.monotonic()
        waits = [
            int(self.window_s - (now - failures[0])) + 1
            for key in (f"user:{username}", f"client:{client}")
            if len(failures := self._recent(key, now)) >= self.attempts
        ]
        return max(waits, default=0)

    def failed(self, username: str, client: str) -> None:
        now = time.monotonic()
        for key in (f"user:{username}", f"client:{client}"):
            self._recent(key, now).append(now)

    def succeeded(self, username: str) -> None:
        self._failures.pop(f"user:{username}", None)
