"""Toxicity labels (Detoxify's label set) and the closed set of reason codes."""

from __future__ import annotations

from enum import StrEnum


class Label(StrEnum):
    TOXICITY = "toxicity"
    SEVERE_TOXICITY = "severe_toxicity"
    OBSCENE = "obscene"
    THREAT = "threat"
    INSULT = "insult"
    IDENTITY_ATTACK = "identity_attack"
    SEXUAL_EXPLICIT = "sexual_explicit"


class ReasonCode(StrEnum):
    TOXICITY = "TOXICITY"
    SEVERE_TOXICITY = "SEVERE_TOXICITY"
    THREAT = "THREAT"
    INSULT = "INSULT"
    OBSCENE = "OBSCENE"
    IDENTITY_ATTACK = "IDENTITY_ATTACK"
    SEXUAL_EXPLICIT = "SEXUAL_EXPLICIT"
    BANNED_TERM = "BANNED_TERM"
    SUSPECT_TERM = "SUSPECT_TERM"
    LEGAL_CONTEMPT = "LEGAL_CONTEMPT"
    LEGAL_ANONYMITY = "LEGAL_ANONYMITY"
    LEGAL_DEFAMATION = "LEGAL_DEFAMATION"
    # Threats, menace or doxxing aimed at an identifiable person (legal: a criminal
    # offence, not a matter of taste like the toxicity model's THREAT score).
    TARGETED_THREAT = "TARGETED_THREAT"
    PREMODERATED_ARTICLE = "PREMODERATED_ARTICLE"
    # A moderator put the comment's author on premoderation, or banned them
    # (moderation.authors): held whatever the comment says.
    PREMODERATED_READER = "PREMODERATED_READER"
    BANNED_READER = "BANNED_READER"
    SCORER_ERROR = "SCORER_ERROR"


# Every toxicity label has a reason code of the same name.
REASON_FOR_LABEL: dict[Label, ReasonCode] = {label: ReasonCode[label.name] for label in Label}


class ReasonCategory(StrEnum):
    """Coarse families of reasons, used by the moderator queue's filters."""

    TOXICITY = "toxicity"
    LEGAL = "legal"
    TERMS = "terms"
    PREMODERATED = "premoderated"
    ERROR = "error"


CATEGORY_OF_REASON: dict[ReasonCode, ReasonCategory] = {
    **{code: ReasonCategory.TOXICITY for code in REASON_FOR_LABEL.values()},
    ReasonCode.BANNED_TERM: ReasonCategory.TERMS,
    ReasonCode.SUSPECT_TERM: ReasonCategory.TERMS,
    ReasonCode.LEGAL_CONTEMPT: ReasonCategory.LEGAL,
    ReasonCode.LEGAL_ANONYMITY: ReasonCategory.LEGAL,
    ReasonCode.LEGAL_DEFAMATION: ReasonCategory.LEGAL,
    ReasonCode.TARGETED_THREAT: ReasonCategory.LEGAL,
    ReasonCode.PREMODERATED_ARTICLE: ReasonCategory.PREMODERATED,
    ReasonCode.PREMODERATED_READER: ReasonCategory.PREMODERATED,
    ReasonCode.BANNED_READER: ReasonCategory.PREMODERATED,
    ReasonCode.SCORER_ERROR: ReasonCategory.ERROR,
}


class ReviewReason(StrEnum):
    """Why a moderator rejected (or approved) a comment."""

    APPROVED = "APPROVED"
    OFFENSIVE = "OFFENSIVE"
    ABUSIVE = "ABUSIVE"
    HATE_SPEECH = "HATE_SPEECH"
    SPAM = "SPAM"
    ILLEGAL_CONTENT = "ILLEGAL_CONTENT"
    LEGAL_RISK = "LEGAL_RISK"
    # The queue's automatic rejection of a banned reader's comment.
    BANNED_READER = "BANNED_READER"
    OTHER = "OTHER"
