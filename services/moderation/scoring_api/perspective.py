"""Perspective's AnalyzeComment contract, mapped onto our labels: the request is read as
Perspective clients send it, the answer has Perspective's shape, errors Perspective's body
(`{"error": {"code", "message", "status"}}`) and HTTP code.

The scores are ours (the news model), not Google's; see docs/perspective-migration.md.
"""

from __future__ import annotations

import html
import re
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from moderation.domain.labels import Label
from moderation.scoring_api.engine import Scored

# Perspective attribute -> our label.
ATTRIBUTES: dict[str, Label] = {
    "TOXICITY": Label.TOXICITY,
    "SEVERE_TOXICITY": Label.SEVERE_TOXICITY,
    "IDENTITY_ATTACK": Label.IDENTITY_ATTACK,
    "INSULT": Label.INSULT,
    "PROFANITY": Label.OBSCENE,
    "THREAT": Label.THREAT,
    "SEXUALLY_EXPLICIT": Label.SEXUAL_EXPLICIT,
}
SUPPORTED_LANGUAGES = ("en",)
# Perspective refuses more than 20 KB of text; our events hold at most 20,000 characters.
MAX_TEXT_CHARS = 20_000
PROBABILITY = "PROBABILITY"


class PerspectiveError(Exception):
    """An error answered in Perspective's format."""

    STATUS_OF_CODE: ClassVar[dict[int, str]] = {
        400: "INVALID_ARGUMENT",
        403: "PERMISSION_DENIED",
        404: "NOT_FOUND",
        429: "RESOURCE_EXHAUSTED",
        500: "INTERNAL",
        503: "UNAVAILABLE",
    }

    def __init__(self, code: int, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.reason = reason

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {
            "code": self.code,
            "message": self.message,
            "status": self.STATUS_OF_CODE.get(self.code, "UNKNOWN"),
        }
        if self.reason:
            error["details"] = [
                {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": self.reason}
            ]
        return {"error": error}


def missing_key() -> PerspectiveError:
    return PerspectiveError(
        403,
        "The request is missing a valid API key. Pass a site API key as ?key= "
        "(`moderation api-keys create --site-id SITE`).",
        "API_KEY_MISSING",
    )


def invalid_key() -> PerspectiveError:
    return PerspectiveError(
        400, "API key not valid. Please pass a valid API key.", "API_KEY_INVALID"
    )


def quota_exceeded(per_minute: int, retry_after_s: float) -> PerspectiveError:
    return PerspectiveError(
        429,
        f"Quota exceeded: this API key may make {per_minute} analysis requests per minute "
        f"(MODERATION_SCORING_RATE_PER_MINUTE); retry in {retry_after_s:.1f} s.",
        "RATE_LIMIT_EXCEEDED",
    )


class _Loose(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class TextEntry(_Loose):
    text: str = ""
    type: str = "PLAIN_TEXT"


class AttributeParameters(_Loose):
    scoreType: str | None = None
    scoreThreshold: float | None = None


class Context(_Loose):
    entries: list[TextEntry] = Field(default_factory=list)


class AnalyzeRequest(_Loose):
    """Perspective's AnalyzeCommentRequest. `context`, `sessionId` and `communityId` are
    accepted and not used (our model reads the comment alone)."""

    comment: TextEntry
    requestedAttributes: dict[str, AttributeParameters | None] = Field(default_factory=dict)
    languages: list[str] | None = None
    doNotStore: bool = False
    clientToken: str | None = None
    sessionId: str | None = None
    communityId: str | None = None
    spanAnnotations: bool = False
    context: Context | None = None


_TAG = re.compile(r"<[^>]*>")


def plain_text(entry: TextEntry) -> str:
    """The text to score: HTML loses its tags and entities, as Perspective strips it."""
    if entry.type.upper() == "HTML":
        return html.unescape(_TAG.sub(" ", entry.text))
    return entry.text


def parse_request(raw: Any) -> AnalyzeRequest:
    """The request, or a PerspectiveError saying what is wrong with it (400)."""
    try:
        request = AnalyzeRequest.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "request"
        raise PerspectiveError(400, f"Invalid JSON payload: {where}: {first['msg']}") from None
    if request.comment.type.upper() not in ("PLAIN_TEXT", "HTML"):
        raise PerspectiveError(400, f"Unsupported comment type: {request.comment.type}")
    text = plain_text(request.comment)
    if not text.strip():
        raise PerspectiveError(400, "Comment must be non-empty.", "COMMENT_EMPTY")
    if len(text) > MAX_TEXT_CHARS:
        raise PerspectiveError(
            400, f"Comment text too long: at most {MAX_TEXT_CHARS} characters.", "COMMENT_TOO_LONG"
        )
    if not request.requestedAttributes:
        raise PerspectiveError(400, "No requested attributes: name at least one, e.g. TOXICITY.")
    for name, parameters in request.requestedAttributes.items():
        if name not in ATTRIBUTES:
            raise PerspectiveError(
                400,
                f"Unknown attribute: {name}. This service scores {', '.join(ATTRIBUTES)}.",
                "UNKNOWN_ATTRIBUTE",
            )
        score_type = parameters.scoreType if parameters else None
        if score_type not in (None, "", PROBABILITY):
            raise PerspectiveError(
                400, f"Attribute {name} does not support score type {score_type}; use PROBABILITY."
            )
    unsupported = [
        lang
        for lang in request.languages or []
        if lang.split("-")[0].lower() not in SUPPORTED_LANGUAGES
    ]
    if unsupported:
        attribute = next(iter(request.requestedAttributes))
        raise PerspectiveError(
            400,
            f"Attribute {attribute} does not support request languages: {', '.join(unsupported)}",
            "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE",
        )
    return request


def _score(value: float) -> dict[str, Any]:
    return {"value": value, "type": PROBABILITY}


def analyze_response(request: AnalyzeRequest, scored: Scored, text: str) -> dict[str, Any]:
    """Perspective's AnalyzeCommentResponse. A score is the classifier's own (rounded to four
    places, as on our decisions). With `spanAnnotations`, TOXICITY has one span per run of
    words the news model's token head marked, each with its own score; other attributes have
    one span over the whole text (our model has no per-attribute spans)."""
    scores = scored.decision.scores
    attribute_scores: dict[str, Any] = {}
    for name, parameters in request.requestedAttributes.items():
        label = ATTRIBUTES[name].value
        if label not in scores:
            raise PerspectiveError(
                400,
                f"Attribute {name} is not scored by the model in use "
                f"({scored.decision.model.backend}).",
            )
        value = scores[label]
        threshold = parameters.scoreThreshold if parameters else None
        if threshold is not None and value < threshold:
            continue  # Perspective leaves out attributes under the requested threshold
        entry: dict[str, Any] = {"summaryScore": _score(value)}
        if request.spanAnnotations:
            if name == "TOXICITY":
                spans = [
                    {"begin": s.start, "end": s.end, "score": _score(round(s.score, 4))}
                    for s in scored.spans
                    if threshold is None or s.score >= threshold
                ]
            else:
                spans = [{"begin": 0, "end": len(text), "score": _score(value)}]
            entry["spanScores"] = spans
        attribute_scores[name] = entry
    body: dict[str, Any] = {
        "attributeScores": attribute_scores,
        "languages": list(request.languages or SUPPORTED_LANGUAGES),
    }
    if not request.languages:
        # We do not detect languages: a request that names none is scored as English.
        body["detectedLanguages"] = list(SUPPORTED_LANGUAGES)
    if request.clientToken is not None:
        body["clientToken"] = request.clientToken
    return body
