"""Moderators read words, not codes: every reason code and review reason has its words, and
a reason reads as a sentence with its score, threshold and the words that drove it."""

from moderation.domain.labels import Label, ReasonCode, ReviewReason
from moderation.queue.wording import (
    LABEL_WORDS,
    NOT_A_MODERATOR_CHOICE,
    REASON_WORDS,
    REVIEW_REASON_WORDS,
    label_words,
    reason_words,
)


def test_every_code_has_words():
    assert set(REASON_WORDS) == set(ReasonCode)
    assert set(REVIEW_REASON_WORDS) == set(ReviewReason)
    assert set(LABEL_WORDS) == set(Label)
    assert ReviewReason.APPROVED in NOT_A_MODERATOR_CHOICE


def test_a_toxicity_reason_reads_with_its_score_and_spans():
    reason = {
        "code": "INSULT",
        "label": "insult",
        "score": 0.912,
        "threshold": 0.8,
        "spans": [{"text": "idiot"}, {"text": "moron"}, {"text": "idiot"}],
    }
    assert reason_words(reason) == "Insult (0.91, holds at 0.80): “idiot”, “moron”"


def test_a_legal_reason_reads_as_its_sentence():
    reason = {
        "code": "LEGAL_CONTEMPT",
        "sentence": "presumes Mark Evans guilty while his trial is running",
        "spans": [{"text": "Evans"}],
    }
    assert reason_words(reason) == (
        "Contempt of court risk: presumes Mark Evans guilty while his trial is running"
    )


def test_a_reason_without_score_or_sentence_is_its_words():
    assert reason_words({"code": "PREMODERATED_ARTICLE"}) == (
        "Article is premoderated: every comment is checked"
    )


def test_labels_read_as_words_and_unknown_labels_stay():
    assert label_words("identity_attack") == "identity attack"
    assert label_words("some_other_models_label") == "some_other_models_label"
