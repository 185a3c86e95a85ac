"""Coral's External Moderation Phase: verify the request's signature, map it to our events,
answer in Coral's External Moderation Response format.

Coral's documentation (cited in docs/perspective-migration.md):
- https://docs.coralproject.net/external-moderation-phases (request, response, 204);
- https://docs.coralproject.net/webhooks (signing: `X-Coral-Signature` holds one or more
  `sha256=<hex>` values, comma-separated, each the HMAC-SHA256 of the raw body under one of
  the phase's signing secrets; several while a rotated secret is still active).
"""

from __future__ import annotations

import hashlib
import hmac
import html
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from moderation.domain.events import (
    MAX_BODY_CHARS,
    Author,
    CommentModerated,
    CommentSubmitted,
    Decision,
    Reason,
)
from moderation.domain.labels import ReasonCode

SIGNATURE_HEADER = "X-Coral-Signature"
STAFF_ROLES = frozenset({"STAFF", "MODERATOR", "ADMIN"})
# Flag reasons Coral documents for external phases.
FLAG_TOXIC = "COMMENT_DETECTED_TOXIC"


class CoralConfigError(ValueError):
    """The Coral sites file is wrong; the message says where."""


@dataclass(frozen=True)
class CoralSite:
    site_id: str  # ours: policy overrides, term lists, comment ownership in the store
    coral_site_ids: frozenset[str]
    signing_secrets: tuple[str, ...]


@dataclass
class CoralSites:
    sites: list[CoralSite] = field(default_factory=list)

    def for_coral_site(self, coral_site_id: str | None) -> CoralSite | None:
        for site in self.sites:
            if coral_site_id in site.coral_site_ids:
                return site
        return None

    @classmethod
    def load(cls, path: Path) -> CoralSites:
        """The sites file (YAML):

        my-site:
          coral_site_ids: ["a4bede88-2d2c-4424-bc18-4322a9e285a6"]
          signing_secrets: ["<the phase's signing secret>"]
        """
        if not path.exists():
            return cls()
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            raise CoralConfigError(f"{path}: expected a mapping of our site ids")
        sites = []
        for site_id, entry in data.items():
            entry = entry or {}
            ids = entry.get("coral_site_ids") or []
            secrets = entry.get("signing_secrets") or []
            if not ids or not secrets:
                raise CoralConfigError(
                    f"{path}: site {site_id!r} needs coral_site_ids and signing_secrets"
                )
            sites.append(
                CoralSite(str(site_id), frozenset(map(str, ids)), tuple(map(str, secrets)))
            )
        return cls(sites)


def sign(body: bytes, secret: str) -> str:
    """One `sha256=` element, as Coral computes it."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_valid(body: bytes, header: str | None, secrets: tuple[str, ...]) -> bool:
    if not header:
        return False
    offered = [
        value.strip()
        for prefix, _, value in (part.strip().partition("=") for part in header.split(","))
        if prefix == "sha256" and value
    ]
    for secret in secrets:
        expected = sign(body, secret).removeprefix("sha256=")
        if any(hmac.compare_digest(expected, candidate) for candidate in offered):
            return True
    return False


class _Loose(BaseModel):
    model_config = ConfigDict(extra="allow")


class CoralComment(_Loose):
    body: str
    parentID: str | None = None
    id: str | None = None  # not in today's request; used if a later Coral sends it


class CoralAuthor(_Loose):
    id: str = Field(min_length=1)
    role: str = "COMMENTER"


class CoralStory(_Loose):
    id: str = Field(min_length=1)
    url: str | None = None


class CoralSiteRef(_Loose):
    id: str = Field(min_length=1)


class CoralTenant(_Loose):
    id: str | None = None
    domain: str | None = None


class PhaseRequest(_Loose):
    """The External Moderation Request. The documentation names the tenant `tenantID` and
    `tenantDomain`; Coral's code sends `tenant: {id, domain}`. Either is accepted."""

    action: str = "NEW"
    comment: CoralComment
    author: CoralAuthor
    story: CoralStory
    site: CoralSiteRef
    tenantID: str | None = None
    tenantDomain: str | None = None
    tenant: CoralTenant | None = None


_TAG = re.compile(r"<[^>]*>")


def to_comment(request: PhaseRequest, site: CoralSite) -> CommentSubmitted:
    """Our CommentSubmitted. Coral runs its phases before it stores a comment, so the request
    carries no comment id: ours is new, and an EDIT is a new comment here."""
    body = html.unescape(_TAG.sub(" ", request.comment.body))[:MAX_BODY_CHARS]
    return CommentSubmitted(
        comment_id=request.comment.id or f"coral-{uuid.uuid4().hex}",
        article_id=request.story.id,
        site_id=site.site_id,
        parent_id=request.comment.parentID,
        author=Author(id=request.author.id, is_staff=request.author.role in STAFF_ROLES),
        body=body,
    )


def _details(reason: Reason) -> str:
    parts = [reason.code.value]
    if reason.score is not None and reason.threshold is not None:
        parts.append(f"{reason.score:.2f} >= {reason.threshold:.2f}")
    if reason.sentence:
        parts.append(reason.sentence)
    return ": ".join(parts)[:500]


def phase_response(decision: CommentModerated, approve_status: str) -> dict[str, Any] | None:
    """Coral's External Moderation Response, or None for 204 (nothing to say).

    A hold withholds the comment (SYSTEM_WITHHELD: Coral's moderators see it in Pending)
    with a flag per reason, the reason code and our sentence in `additionalDetails`. An
    approval says nothing unless the site asked for APPROVED."""
    if decision.decision == Decision.APPROVE:
        return {"status": "APPROVED"} if approve_status == "APPROVED" else None
    actions = [
        {"actionType": "FLAG", "reason": FLAG_TOXIC, "additionalDetails": _details(reason)}
        for reason in decision.reasons
    ]
    return {"status": "SYSTEM_WITHHELD", "actions": actions}


def withheld_for_time(deadline_ms: float) -> dict[str, Any]:
    """Fail closed: no decision in time withholds the comment for a moderator."""
    return {
        "status": "SYSTEM_WITHHELD",
        "actions": [
            {
                "actionType": "FLAG",
                "reason": FLAG_TOXIC,
                "additionalDetails": (
                    f"{ReasonCode.SCORER_ERROR.value}: no decision within {deadline_ms:.0f} ms; "
                    "held for a moderator"
                ),
            }
        ],
    }
