"""What the store hands out, typed: the repository's rows (a comment with its history, a
thread with its replies) and the read API's bodies, full for a site's own key and public
for anyone else. Field order is the order of the JSON on the wire."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from moderation.store.status import Source, Status


class Author(BaseModel):
    id: str | None
    display_name: str | None


class StoredComment(BaseModel):
    """The latest revision of a comment as stored. Content fields are null while only a
    decision or review has arrived for it."""

    comment_id: str
    revision: int
    article_id: str | None
    site_id: str | None
    section: str | None
    parent_id: str | None
    author: Author
    body: str | None
    submitted_at: datetime | None
    status: Status
    status_source: Source
    status_at: datetime
    reason_codes: list[str]


class HistoryEntry(BaseModel):
    revision: int
    status: Status
    actor: str
    reason_codes: list[str]
    at: datetime
    note: str | None
    event_id: str


class CommentWithHistory(StoredComment):
    history: list[HistoryEntry]  # in the order the changes were applied


class Thread(StoredComment):
    replies: list[Thread] = Field(default_factory=list)  # oldest first


class CommentPage(BaseModel):
    article_id: str
    comments: list[Thread]
    next_cursor: str | None  # pass back as `cursor` for the next page; null on the last


# ---------------------------------------------------------------- without a site's key
class PublicAuthor(BaseModel):
    display_name: str | None


class PublicComment(BaseModel):
    """What a reader of the site may see; the rest (statuses other than published, reasons,
    history with moderators' names and notes, author ids) is for the site's own key."""

    comment_id: str
    revision: int
    article_id: str | None
    site_id: str | None
    section: str | None
    parent_id: str | None
    body: str | None
    submitted_at: datetime | None
    status: Status
    author: PublicAuthor

    @classmethod
    def of(cls, comment: StoredComment) -> PublicComment:
        return cls(
            **comment.model_dump(include=set(PUBLIC_FIELDS)),
            author=PublicAuthor(display_name=comment.author.display_name),
        )


class PublicThread(PublicComment):
    replies: list[PublicThread]

    @classmethod
    def of_thread(cls, thread: Thread) -> PublicThread:
        return cls(
            **PublicComment.of(thread).model_dump(),
            replies=[cls.of_thread(reply) for reply in thread.replies],
        )


class PublicCommentPage(BaseModel):
    article_id: str
    comments: list[PublicThread]
    next_cursor: str | None


PUBLIC_FIELDS = tuple(name for name in PublicComment.model_fields if name != "author")


class SubmissionAccepted(BaseModel):
    comment_id: str
    event_id: str
    status: Status  # always pending: the classifier has not seen it yet
