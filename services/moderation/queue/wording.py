"""What the moderators read instead of codes: every reason code and reject reason in words.

Codes stay the contract (events, filters, CSV); these phrases are only for people. A test
checks every code has its words, so a new code cannot reach the page as a bare code.
"""

from __future__ import annotations

from typing import Any

from moderation.domain.labels import Label, ReasonCode, ReviewReason

LABEL_WORDS: dict[Label, str] = {
    Label.TOXICITY: "toxic",
    Label.SEVERE_TOXICITY: "severely toxic",
    Label.OBSCENE: "obscene",
    Label.THREAT: "threat",
    Label.INSULT: "insult",
    Label.IDENTITY_ATTACK: "identity attack",
    Label.SEXUAL_EXPLICIT: "sexually explicit",
}

REASON_WORDS: dict[ReasonCode, str] = {
    ReasonCode.TOXICITY: "Toxic language",
    ReasonCode.SEVERE_TOXICITY: "Severely toxic language",
    ReasonCode.THREAT: "Threatening language",
    ReasonCode.INSULT: "Insult",
    ReasonCode.OBSCENE: "Obscene language",
    ReasonCode.IDENTITY_ATTACK: "Attack on a group (identity)",
    ReasonCode.SEXUAL_EXPLICIT: "Sexually explicit",
    ReasonCode.BANNED_TERM: "Banned term",
    ReasonCode.SUSPECT_TERM: "Suspect term",
    ReasonCode.LEGAL_CONTEMPT: "Contempt of court risk",
    ReasonCode.LEGAL_ANONYMITY: "Could identify a protected person",
    ReasonCode.LEGAL_DEFAMATION: "Possible defamation",
    ReasonCode.TARGETED_THREAT: "Threat to an identifiable person",
    ReasonCode.PREMODERATED_ARTICLE: "Article is premoderated: every comment is checked",
    ReasonCode.SCORER_ERROR: "The model could not score it: check by hand",
    ReasonCode.PREMODERATED_READER: "Reader is premoderated: every comment is checked",
    ReasonCode.BANNED_READER: "Reader is banned",
}

REVIEW_REASON_WORDS: dict[ReviewReason, str] = {
    ReviewReason.APPROVED: "Approved",
    ReviewReason.OFFENSIVE: "Offensive",
    ReviewReason.ABUSIVE: "Abusive",
    ReviewReason.HATE_SPEECH: "Hate speech",
    ReviewReason.SPAM: "Spam",
    ReviewReason.ILLEGAL_CONTENT: "Illegal content",
    ReviewReason.LEGAL_RISK: "Legal risk",
    ReviewReason.OTHER: "Other",
    ReviewReason.BANNED_READER: "Reader is banned",
}
# Review reasons the system gives, never offered in a moderator's reject menu.
NOT_A_MODERATOR_CHOICE = frozenset({ReviewReason.APPROVED, ReviewReason.BANNED_READER})


def label_words(label: str) -> str:
    """A score's label in words; a label of another model's stays as it is."""
    known = {item.value: item for item in Label}
    return LABEL_WORDS[known[label]] if label in known else label


def reason_words(reason: dict[str, Any]) -> str:
    """One reason as a sentence: what it is, how sure, and about what or whom."""
    code = ReasonCode(reason["code"])
    words = REASON_WORDS.get(code, code.value)
    if reason.get("sentence"):
        return f"{words}: {reason['sentence']}"
    if reason.get("score") is not None and reason.get("threshold") is not None:
        words += f" ({reason['score']:.2f}, holds at {reason['threshold']:.2f})"
    spans = [s["text"] for s in reason.get("spans", []) if s.get("text")]
    if spans:
        quoted = ", ".join(f"“{text}”" for text in dict.fromkeys(spans))
        words += f": {quoted}"
    elif reason.get("label") and reason.get("score") is None:
        words += f": {reason['label']}"
    return words
