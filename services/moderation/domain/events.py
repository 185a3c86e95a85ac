"""Event contracts exchanged over Kafka. These models are the source of schemas/*.json.

Events are named in the past tense. Every event carries `event_id` so consumers can be
idempotent; state is keyed by (comment_id, revision).
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from moderation.domain.labels import ReasonCode, ReviewReason

# Contract version; schemas/ files carry it in their names. A breaking change adds v2 models.
SCHEMA_VERSION = 1

# Bounds of every field a database stores, declared here once: an event beyond them is
# dead-lettered when it is read, instead of failing in a database on every retry. The
# columns of store/tables.py and queue/tables.py match them (tests/unit/test_bounds.py).
# A comment body beyond this is a malformed event, not a long comment: it goes to the DLQ.
MAX_BODY_CHARS = 20_000
MAX_ID_CHARS = 200
MAX_DISPLAY_NAME_CHARS = 200
MAX_SECTION_CHARS = 200
MAX_LANGUAGE_CHARS = 35  # the longest BCP 47 tag in common use
MAX_NOTE_CHARS = 2_000
MAX_TITLE_CHARS = 1_000
MAX_URL_CHARS = 2_000  # what every common browser and proxy accepts
# Model backend and version, policy version: the queue stores "backend version" in 200.
MAX_VERSION_CHARS = 64
MAX_REVISION = 2**31 - 1  # PostgreSQL's integer

NonEmptyId = Annotated[str, Field(min_length=1, max_length=MAX_ID_CHARS)]
OptionalId = Annotated[str | None, Field(max_length=MAX_ID_CHARS)]
Revision = Annotated[int, Field(ge=1, le=MAX_REVISION)]
VersionName = Annotated[str, Field(max_length=MAX_VERSION_CHARS)]
Score = Annotated[float, Field(ge=0.0, le=1.0)]
# A link moderators may open: http(s) only, so a "javascript:" URL can never reach a page.
WebUrl = Annotated[str, Field(max_length=MAX_URL_CHARS, pattern=r"^https?://[^\s]+$")]
# Characters no database of ours can store: PostgreSQL text refuses U+0000, and lone
# surrogates are not UTF-8 at all.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(value: object) -> object:
    """`value` (strings, lists and dicts of them) without characters a database refuses."""
    if isinstance(value, str):
        return _UNSTORABLE.sub("", value)
    if isinstance(value, list):
        return [storable(item) for item in value]
    if isinstance(value, dict):
        return {storable(key): storable(item) for key, item in value.items()}
    return value


def new_event_id() -> str:
    return uuid.uuid4().hex


def utcnow() -> datetime:
    return datetime.now(UTC)


class _Event(BaseModel):
    # Unknown fields are tolerated so producers can add fields before consumers upgrade.
    model_config = ConfigDict(extra="ignore", frozen=True)

    # Stripped once, on the way in, so no consumer can fail on them later.
    _storable = field_validator("*", mode="before")(storable)


class Author(_Event):
    id: NonEmptyId
    display_name: str | None = Field(default=None, max_length=MAX_DISPLAY_NAME_CHARS)
    is_staff: bool = False


class CommentSubmitted(_Event):
    """A reader submitted (or edited: revision > 1) a comment on an article."""

    event_id: NonEmptyId = Field(default_factory=new_event_id)
    comment_id: NonEmptyId
    article_id: NonEmptyId
    site_id: NonEmptyId
    section: str | None = Field(default=None, max_length=MAX_SECTION_CHARS)
    parent_id: OptionalId = None
    revision: Revision = 1
    author: Author
    body: str = Field(max_length=MAX_BODY_CHARS)
    language: str | None = Field(default=None, max_length=MAX_LANGUAGE_CHARS)
    # Times must carry a zone: a naive one cannot be compared with the ones we store.
    submitted_at: AwareDatetime = Field(default_factory=utcnow)


class Person(_Event):
    """Someone in a story, and the other ways a comment may point at them."""

    name: str = Field(min_length=1)  # the full name, titles allowed ("Cllr Peter Dawes")
    aliases: list[str] = Field(default_factory=list)  # "Pete Dawes", "Dawesy"
    roles: list[str] = Field(default_factory=list)  # "the planning chair", "the ref"
    # For protected people only, from the legal desk: nicknames, places, schools, clubs,
    # relationships ("his stepdaughter"); any one in a comment risks jigsaw identification.
    identifiers: list[str] = Field(default_factory=list)


def _people(value: object) -> object:
    """Version 1 events list people as plain full names: read those as Person objects."""
    if isinstance(value, list):
        return [{"name": v} if isinstance(v, str) else v for v in value]
    return value


class ProceedingsRef(_Event):
    defendants: list[Person] = Field(default_factory=list)
    witnesses: list[Person] = Field(default_factory=list)
    description: str | None = None

    _plain_names = field_validator(
        "defendants", "witnesses", mode="before", json_schema_input_type=list[str | Person]
    )(_people)


class ExtraTerm(_Event):
    term: str = Field(min_length=1)
    category: str = Field(min_length=1)


class ArticleContext(_Event):
    """What the newsroom knows about an article (compacted topic, key = article_id)."""

    article_id: NonEmptyId
    site_id: NonEmptyId
    title: str | None = Field(default=None, max_length=MAX_TITLE_CHARS)
    # Where readers read the article: the moderator queue links to it. Only here, not on
    # each comment, so the comment event stays the one docs/architecture.md defines.
    url: WebUrl | None = None
    section: str | None = None
    premoderate: bool = False
    legally_sensitive: bool = False
    # People comments may defame or threaten.
    named_people: list[Person] = Field(default_factory=list)
    # Complainants in sexual-offence cases and children in proceedings: never identified.
    protected_names: list[Person] = Field(default_factory=list)
    active_proceedings: list[ProceedingsRef] = Field(default_factory=list)
    extra_terms: list[ExtraTerm] = Field(default_factory=list)
    updated_at: AwareDatetime = Field(default_factory=utcnow)

    _plain_names = field_validator(
        "named_people", "protected_names", mode="before", json_schema_input_type=list[str | Person]
    )(_people)


class Decision(StrEnum):
    APPROVE = "approve"
    HOLD = "hold"


class Span(_Event):
    """A match, as character offsets into the ORIGINAL comment body."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str
    term: str
    category: str


class Reason(_Event):
    code: ReasonCode
    label: str | None = None
    score: float | None = None
    threshold: float | None = None
    spans: list[Span] = Field(default_factory=list)
    # Legal and threat reasons: which rule ("contempt.bad_character"), about whom (the name
    # from the article context, or as the comment gives it), and why, in one plain sentence.
    rule: str | None = None
    subject: str | None = None
    sentence: str | None = None


class ModelRef(_Event):
    backend: VersionName
    version: VersionName


class CommentModerated(_Event):
    """The classifier's automatic decision on one revision of a comment."""

    event_id: NonEmptyId = Field(default_factory=new_event_id)
    comment_id: NonEmptyId
    article_id: NonEmptyId
    revision: Revision
    decision: Decision
    reasons: list[Reason] = Field(default_factory=list)
    scores: dict[str, Score] = Field(default_factory=dict)
    model: ModelRef
    policy_version: VersionName
    decided_at: AwareDatetime = Field(default_factory=utcnow)
    comment: CommentSubmitted


class ReviewOutcome(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"


class CommentReviewed(_Event):
    """A moderator's verdict; it outranks any automatic decision on the same revision."""

    event_id: NonEmptyId = Field(default_factory=new_event_id)
    comment_id: NonEmptyId
    revision: Revision
    outcome: ReviewOutcome
    reason_code: ReviewReason
    note: str | None = Field(default=None, max_length=MAX_NOTE_CHARS)
    moderator_id: NonEmptyId
    reviewed_at: AwareDatetime = Field(default_factory=utcnow)


class ReaderStatus(StrEnum):
    NONE = "none"  # comments are classified as anyone's
    PREMODERATED = "premoderated"  # every comment is held for a moderator
    BANNED = "banned"  # every comment is held, and the queue rejects it on arrival


class ReaderStatusChanged(_Event):
    """A moderator premoderated, banned or lifted (status "none") a reader on one site.

    Compacted topic moderation.authors, key "<site_id>/<author_id>" (topics.reader_key):
    the latest status per reader is all a classifier needs. The moderator queue's
    database is the source of truth; it publishes these through its outbox, and again at
    start for a broker that has lost them. Readers keep the one with the latest changed_at.
    """

    event_id: NonEmptyId = Field(default_factory=new_event_id)
    site_id: NonEmptyId
    author_id: NonEmptyId
    status: ReaderStatus
    reason_code: ReviewReason
    note: str | None = Field(default=None, max_length=MAX_NOTE_CHARS)
    moderator_id: NonEmptyId
    changed_at: AwareDatetime = Field(default_factory=utcnow)


EVENT_MODELS: dict[str, type[BaseModel]] = {
    "CommentSubmitted": CommentSubmitted,
    "ArticleContext": ArticleContext,
    "CommentModerated": CommentModerated,
    "CommentReviewed": CommentReviewed,
    "ReaderStatusChanged": ReaderStatusChanged,
}
