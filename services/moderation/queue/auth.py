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
from collections import OrderedDict, deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.ext.asyncio import AsyncConnection

from moderation.db import upsert, utc
from moderation.queue.tables import USERNAME_MAX, sessions, users

ROLES = ("moderator", "admin")
SESSION_COOKIE = "moderation_session"
LOGIN_CSRF_COOKIE = "moderation_login_csrf"
CSRF_HEADER = "x-csrf-token"
SESSION_LIFETIME = timedelta(hours=12)
# argon2 hashes any length, slowly: a megabyte password is a way to burn CPU, not a password.
PASSWORD_MAX = 1024

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


def session_id(token: str) -> str:
    """A name for a session that is not the session itself (the stored digest)."""
    return _digest(token)


@dataclass(frozen=True)
class Account:
    username: str
    role: str
    created_at: datetime
    disabled_at: datetime | None


async def add_user(conn: AsyncConnection, username: str, password: str, role: str) -> None:
    """Create an account, or reset its password and role: that ends its sessions, so a
    stolen session dies with the old password."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if not 1 <= len(username) <= USERNAME_MAX:
        raise ValueError(f"username must be 1 to {USERNAME_MAX} characters")
    if not 8 <= len(password) <= PASSWORD_MAX:
        raise ValueError(f"password must be 8 to {PASSWORD_MAX} characters")
    await end_user_sessions(conn, username)
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
    """The user's role if the password is right and the account enabled, else None."""
    row = (await conn.execute(sa.select(users).where(users.c.username == username))).first()
    try:
        _hasher.verify(row.password_hash if row else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    return str(row.role) if row and row.disabled_at is None else None


async def set_disabled(conn: AsyncConnection, username: str, disabled: bool) -> None:
    """Disable (ending every session) or enable an account."""
    result = await conn.execute(
        sa.update(users)
        .where(users.c.username == username)
        .values(disabled_at=datetime.now(UTC) if disabled else None)
    )
    if not result.rowcount:
        raise ValueError(f"no user {username!r}")
    if disabled:
        await end_user_sessions(conn, username)


async def list_users(conn: AsyncConnection) -> list[Account]:
    rows = await conn.execute(sa.select(users).order_by(users.c.username))
    return [
        Account(
            r.username,
            r.role,
            utc(r.created_at),
            utc(r.disabled_at) if r.disabled_at else None,
        )
        for r in rows
    ]


async def end_user_sessions(conn: AsyncConnection, username: str) -> None:
    await conn.execute(sa.delete(sessions).where(sessions.c.username == username))


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
            .where((sessions.c.token_hash == _digest(token)) & users.c.disabled_at.is_(None))
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
    """Failed logins counted in a sliding window, three ways:

    - per account and address: `attempts` failures and that address may not try that
      account again until the window has passed;
    - per address, over every account: `per_address` failures lock the address;
    - per account, over every address: `per_account` failures (guessing spread over many
      addresses) lock the account for everyone. It is above `per_address`, so one address
      alone can lock out nobody but itself.

    An attempt is counted before its password is checked, so guesses sent at once cannot all
    be checked, and forgiven when it succeeds. Memory is bounded: usernames are cut to the
    longest one an account can have, and at most `max_keys` counters are kept (the least
    recently used are dropped first).
    """

    def __init__(
        self,
        attempts: int = 5,
        per_address: int = 20,
        per_account: int = 50,
        window_s: float = 300.0,
        max_keys: int = 10_000,
    ) -> None:
        if per_account <= per_address:
            raise ValueError("per_account must exceed per_address, or one address locks others")
        self.window_s = window_s
        self.max_keys = max_keys
        self._limits = {"pair": attempts, "address": per_address, "account": per_account}
        self._failures: OrderedDict[tuple[str, str], deque[float]] = OrderedDict()

    def _keys(self, username: str, client: str) -> list[tuple[str, str]]:
        user = username[:USERNAME_MAX]
        return [("pair", f"{user}\n{client}"), ("address", client), ("account", user)]

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        failures = self._failures.get(key)
        if failures is None:
            failures = self._failures[key] = deque(maxlen=self._limits[key[0]])
        self._failures.move_to_end(key)
        while failures and now - failures[0] > self.window_s:
            failures.popleft()
        return failures

    def begin(self, username: str, client: str) -> int:
        """Seconds until this attempt would be allowed; 0 = allowed now, and counted as a
        failure until `succeeded` forgives it."""
        now = time.monotonic()
        keys = self._keys(username, client)
        waits = [
            int(self.window_s - (now - failures[0])) + 1
            for key in keys
            if len(failures := self._recent(key, now)) >= self._limits[key[0]]
        ]
        if waits:
            return max(waits)
        for key in keys:
            self._failures[key].append(now)
        while len(self._failures) > self.max_keys:
            self._failures.popitem(last=False)
        return 0

    def succeeded(self, username: str, client: str) -> None:
        for key in self._keys(username, client):
            failures = self._failures.get(key)
            if failures:
                failures.pop()
        self._failures.pop(self._keys(username, client)[0], None)

    def __len__(self) -> int:
        return len(self._failures)
