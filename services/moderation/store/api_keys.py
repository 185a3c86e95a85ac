"""Site API keys of the comment store: who may write comments, and read everything of a site.

A key is 32 random bytes (256 bits) from `secrets`, shown once when it is created. Only its
SHA-256 is stored. A slow password hash (argon2) protects guessable passwords; a key this
random cannot be guessed, so inverting its SHA-256 is as hard as guessing the key itself,
and a fast hash keeps the per-request check cheap.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from moderation.db import utc
from moderation.store.tables import api_keys

KEY_PREFIX = "msk"


@dataclass(frozen=True)
class ApiKeyInfo:
    key_id: str
    site_id: str
    created_at: datetime
    revoked_at: datetime | None


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def create_key(conn: AsyncConnection, site_id: str) -> tuple[str, str]:
    """A new key for `site_id`: (key id, the key itself, which is never stored)."""
    if not site_id.strip():
        raise ValueError("site id must not be empty")
    key_id = secrets.token_hex(4)
    key = f"{KEY_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
    await conn.execute(
        sa.insert(api_keys).values(
            key_id=key_id, key_hash=_digest(key), site_id=site_id, created_at=datetime.now(UTC)
        )
    )
    return key_id, key


async def site_of(conn: AsyncConnection, key: str) -> str | None:
    """The site a live key belongs to, or None for an unknown or revoked key."""
    site = await conn.scalar(
        sa.select(api_keys.c.site_id).where(
            (api_keys.c.key_hash == _digest(key)) & api_keys.c.revoked_at.is_(None)
        )
    )
    return str(site) if site is not None else None


async def list_keys(conn: AsyncConnection) -> list[ApiKeyInfo]:
    order = (api_keys.c.site_id, api_keys.c.created_at)
    rows = await conn.execute(sa.select(api_keys).order_by(*order))
    return [
        ApiKeyInfo(
            r.key_id, r.site_id, utc(r.created_at), utc(r.revoked_at) if r.revoked_at else None
        )
        for r in rows
    ]


async def revoke_key(conn: AsyncConnection, key_id: str) -> bool:
    """Whether a live key with this id existed (it no longer works)."""
    result = await conn.execute(
        sa.update(api_keys)
        .where((api_keys.c.key_id == key_id) & api_keys.c.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )
    return bool(result.rowcount)


async def has_keys(conn: AsyncConnection, site_id: str) -> bool:
    found = await conn.scalar(
        sa.select(sa.func.count())
        .select_from(api_keys)
        .where((api_keys.c.site_id == site_id) & api_keys.c.revoked_at.is_(None))
    )
    return bool(found)
